/**
 * `rmm.antivirus` from GET /v2/queries/antivirus-status: one row per AV product on a device, with the strings the
 * agent reports — `productState` (ON, OFF, SNOOZED, EXPIRED, UNKNOWN) and `definitionStatus` (Up-to-Date,
 * Out-of-Date, Unknown; compared case- and punctuation-insensitively, so UP_TO_DATE matches too).
 * A device is **protected** when at least one of its products is ON with definitions up to date. `devices` counts
 * the managed devices that report any AV row; managed devices with none are counted apart in `notReporting`.
 */
import { CappedCollector, pct } from '../../src/domain/evidence.js';
import type { ManagedDevice } from './devices.js';
import type { AntivirusStatus } from './schema.js';

const ON_STATES = new Set(['on', 'enabled', 'active']);
const CURRENT_DEFINITIONS = new Set(['uptodate', 'current']);

function squash(v: string | null | undefined): string {
  return (v ?? '').toLowerCase().replace(/[^a-z0-9]/g, '');
}

export function isProtectedRow(r: Pick<AntivirusStatus, 'productState' | 'definitionStatus'>): boolean {
  return ON_STATES.has(squash(r.productState)) && CURRENT_DEFINITIONS.has(squash(r.definitionStatus));
}

export interface AntivirusValue extends Record<string, unknown> {
  devices: number;
  protected: number;
  pct: number | null;
  unprotected: string[];
  unprotectedTotal: number;
  notReporting: number;
  /** Product rows (on managed devices) per reported state and definition status, as NinjaOne spells them. */
  byProductState: Record<string, number>;
  byDefinitionStatus: Record<string, number>;
}

export class AntivirusTally {
  /** deviceId → true once any product row of it is protected. */
  private readonly byDevice = new Map<number, boolean>();
  private readonly stateCounts = new Map<number, Map<string, number>>();

  add(r: AntivirusStatus): void {
    const ok = isProtectedRow(r);
    this.byDevice.set(r.deviceId, (this.byDevice.get(r.deviceId) ?? false) || ok);
    // Per device, per (state|definitions) pair: bounded by products per device, not by rows seen.
    const key = `${r.productState ?? 'UNKNOWN'}\u0000${r.definitionStatus ?? 'UNKNOWN'}`;
    let m = this.stateCounts.get(r.deviceId);
    if (!m) {
      m = new Map();
      this.stateCounts.set(r.deviceId, m);
    }
    m.set(key, (m.get(key) ?? 0) + 1);
  }

  /**
   * @param managed the managed devices of the scope, or null when the device listing failed (then every reporting
   *   device counts, relying on the server-side organisation filter, and names fall back to `device <id>`).
   */
  value(managed: ReadonlyMap<number, ManagedDevice> | null): AntivirusValue {
    let devices = 0;
    let protectedCount = 0;
    const unprotected = new CappedCollector();
    const byProductState: Record<string, number> = {};
    const byDefinitionStatus: Record<string, number> = {};
    for (const [id, ok] of this.byDevice) {
      const device = managed ? managed.get(id) : undefined;
      if (managed && !device) continue;
      devices += 1;
      if (ok) protectedCount += 1;
      else unprotected.add(device?.label ?? `device ${id}`);
      for (const [key, n] of this.stateCounts.get(id) ?? []) {
        const [state, defs] = key.split('\u0000') as [string, string];
        byProductState[state] = (byProductState[state] ?? 0) + n;
        byDefinitionStatus[defs] = (byDefinitionStatus[defs] ?? 0) + n;
      }
    }
    let notReporting = 0;
    if (managed) for (const id of managed.keys()) if (!this.byDevice.has(id)) notReporting += 1;
    return {
      devices,
      protected: protectedCount,
      pct: pct(protectedCount, devices),
      unprotected: unprotected.list(),
      unprotectedTotal: unprotected.total,
      notReporting,
      byProductState,
      byDefinitionStatus,
    };
  }
}
