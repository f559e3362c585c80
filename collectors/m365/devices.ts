/**
 * `m365.devices.compliance`: Intune managed devices, compliant share, and devices that stopped checking in.
 * Intune keeps a device's last complianceState after it goes quiet, so staleness (lastSyncDateTime older than
 * 30 days) is reported beside compliance rather than folded into it.
 */
import { CappedCollector, pct } from '../../src/domain/evidence.js';
import type { ManagedDevice } from './schema.js';

const DAY_MS = 24 * 60 * 60 * 1000;
export const STALE_AFTER_DAYS = 30;

export interface DevicesValue extends Record<string, unknown> {
  total: number;
  compliant: number;
  pct: number | null;
  stale30d: number;
  /** Devices not in state `compliant`, capped, with the true count beside them. */
  nonCompliant: string[];
  nonCompliantTotal: number;
  /** Count per complianceState as Intune reports it. */
  byState: Record<string, number>;
}

export class DeviceTally {
  private total = 0;
  private compliant = 0;
  private stale = 0;
  private readonly byState: Record<string, number> = {};
  private readonly nonCompliant = new CappedCollector();
  private readonly staleBefore: number;

  constructor(now: Date) {
    this.staleBefore = now.getTime() - STALE_AFTER_DAYS * DAY_MS;
  }

  add(d: ManagedDevice): void {
    this.total += 1;
    this.byState[d.complianceState] = (this.byState[d.complianceState] ?? 0) + 1;
    if (d.complianceState === 'compliant') this.compliant += 1;
    else this.nonCompliant.add(d.deviceName ?? d.id);
    // Never synced (null, or Intune's 0001-01-01 placeholder) counts as stale.
    const synced = d.lastSyncDateTime ? Date.parse(d.lastSyncDateTime) : Number.NaN;
    if (Number.isNaN(synced) || synced < this.staleBefore) this.stale += 1;
  }

  value(): DevicesValue {
    return {
      total: this.total,
      compliant: this.compliant,
      pct: pct(this.compliant, this.total),
      stale30d: this.stale,
      nonCompliant: this.nonCompliant.list(),
      nonCompliantTotal: this.nonCompliant.total,
      byState: { ...this.byState },
    };
  }
}
