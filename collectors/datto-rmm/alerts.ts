/**
 * `rmm.alerts` from the open-alert listing. Every open alert counts, muted ones included (muting silences the
 * notification, it does not resolve the alert; `muted` is reported beside). `critical` = priority Critical or High.
 * Age = scan time − `timestamp` (epoch ms in production, see time.ts); an alert without a timestamp counts as open
 * but cannot be aged (`undated`). An alert marked `resolved: true` in the open listing is skipped.
 */
import { hoursSince, HOUR_MS, toIso } from './time.js';
import type { Alert } from './schema.js';

const CRITICAL = new Set(['critical', 'high']);

export interface AlertsValue extends Record<string, unknown> {
  open: number;
  critical: number;
  oldestOpenHours: number;
  staleOver24h: number;
  /** When the oldest open alert was raised (UTC ISO 8601), null when none is dated. */
  oldestOpenAt: string | null;
  muted: number;
  undated: number;
  byPriority: Record<string, number>;
  siteUids: string[] | null;
}

export class AlertTally {
  private open = 0;
  private critical = 0;
  private stale = 0;
  private muted = 0;
  private undated = 0;
  private oldest: number | null = null;
  private readonly byPriority: Record<string, number> = {};
  private readonly now: number;

  constructor(now: Date, private readonly siteUids: string[] | null) {
    this.now = now.getTime();
  }

  add(a: Alert): void {
    if (a.resolved === true) return;
    this.open += 1;
    const priority = a.priority?.trim() || 'Unknown';
    this.byPriority[priority] = (this.byPriority[priority] ?? 0) + 1;
    if (CRITICAL.has(priority.toLowerCase())) this.critical += 1;
    if (a.muted === true) this.muted += 1;
    if (a.timestamp === null) {
      this.undated += 1;
      return;
    }
    if (this.now - a.timestamp > 24 * HOUR_MS) this.stale += 1;
    if (this.oldest === null || a.timestamp < this.oldest) this.oldest = a.timestamp;
  }

  value(): AlertsValue {
    return {
      open: this.open,
      critical: this.critical,
      oldestOpenHours: this.oldest === null ? 0 : hoursSince(this.oldest, this.now),
      staleOver24h: this.stale,
      oldestOpenAt: toIso(this.oldest),
      muted: this.muted,
      undated: this.undated,
      byPriority: { ...this.byPriority },
      siteUids: this.siteUids,
    };
  }
}
