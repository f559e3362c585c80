/**
 * `rmm.antivirus` from the per-device `antivirus { antivirusProduct, antivirusStatus }` Datto reports for in-scope
 * devices (see devices.ts for scope).
 *
 * | antivirusStatus        | in `devices` | protected |
 * |---|---|---|
 * | RunningAndUpToDate     | yes | yes (real-time protection on, definitions current) |
 * | RunningAndNotUpToDate  | yes | no (definitions out of date) |
 * | NotRunning             | yes | no (installed, real-time protection off) |
 * | NotDetected            | yes | no (no antivirus product found) |
 * | null / no `antivirus`  | no — counted in `notReporting` |
 * | anything else          | no — counted in `unrecognised` |
 */
import { CappedCollector, pct } from '../../src/domain/evidence.js';
import { deviceName, type DeviceScope } from './devices.js';
import type { Device } from './schema.js';

const REPORTED = new Set(['RunningAndUpToDate', 'RunningAndNotUpToDate', 'NotRunning', 'NotDetected']);

export interface AntivirusValue extends Record<string, unknown> {
  devices: number;
  protected: number;
  pct: number | null;
  unprotected: string[];
  unprotectedTotal: number;
  notRunning: number;
  outOfDate: number;
  notDetected: number;
  notReporting: number;
  unrecognised: number;
  byStatus: Record<string, number>;
}

export class AntivirusTally {
  private devices = 0;
  private protectedCount = 0;
  private notRunning = 0;
  private outOfDate = 0;
  private notDetected = 0;
  private notReporting = 0;
  private unrecognised = 0;
  private readonly byStatus: Record<string, number> = {};
  private readonly unprotected = new CappedCollector();

  add(d: Device, scope: DeviceScope): void {
    if (!scope.included) return;
    const status = d.antivirus?.antivirusStatus?.trim() || null;
    const label = status ?? '(none)';
    this.byStatus[label] = (this.byStatus[label] ?? 0) + 1;
    if (status === null) {
      this.notReporting += 1;
      return;
    }
    if (!REPORTED.has(status)) {
      this.unrecognised += 1;
      return;
    }
    this.devices += 1;
    if (status === 'RunningAndUpToDate') {
      this.protectedCount += 1;
      return;
    }
    this.unprotected.add(deviceName(d));
    if (status === 'NotRunning') this.notRunning += 1;
    else if (status === 'RunningAndNotUpToDate') this.outOfDate += 1;
    else this.notDetected += 1;
  }

  value(): AntivirusValue {
    return {
      devices: this.devices,
      protected: this.protectedCount,
      pct: pct(this.protectedCount, this.devices),
      unprotected: this.unprotected.list(),
      unprotectedTotal: this.unprotected.total,
      notRunning: this.notRunning,
      outOfDate: this.outOfDate,
      notDetected: this.notDetected,
      notReporting: this.notReporting,
      unrecognised: this.unrecognised,
      byStatus: { ...this.byStatus },
    };
  }
}
