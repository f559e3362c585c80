/**
 * `rmm.alerts` from the open-alert listing. Every open alert counts, muted ones included (muting silences the
 * notification, it does not resolve the alert; `muted` is reported beside). An alert marked `resolved: true` in the
 * open listing is skipped.
 *
 * Severity is Datto's `priority` (Critical|High|Moderate|Low|Information|Unknown): `critical` and `high` count
 * Critical and High. `high` also counts an alert that carries no priority at all (worst case: a priority that should
 * be there and is not must not hide an alert); `critical` keeps Datto's word only.
 *
 * Age = scan time − `timestamp` (epoch ms in production, see time.ts). An alert without a timestamp has been open for
 * an unknown time: it counts as stale (over 24 h and over 7 days) — never skipped — and is counted in `undated`;
 * it cannot set `oldestOpenHours`.
 *
 * Rates are per 100 managed devices (`devices`, the `total` of rmm.devices, from the device listing), one decimal.
 * Datto reports no acknowledgement time (only `resolvedOn`/`resolvedBy` on resolved alerts, and `muted`), so
 * `ackWithin24hPct` is null and listed in `notApplicable`.
 */
import { DAY_MS, HOUR_MS, hoursSince, toIso } from './time.js';
import type { Alert } from './schema.js';

const HIGH = new Set(['critical', 'high']);
export const OLD_AFTER_DAYS = 7;

export const NOT_APPLICABLE = {
  ackWithin24hPct: "Datto RMM's API reports no acknowledgement time; alert hygiene rests on the stale-alert backlog instead",
} as const;

export interface AlertsValue extends Record<string, unknown> {
  open: number;
  critical: number;
  oldestOpenHours: number;
  /** Open > 24 h, undated alerts included. */
  staleOver24h: number;
  /** Open > 7 days, any priority, undated alerts included. */
  staleOver7d: number;
  /** When the oldest open alert was raised (UTC ISO 8601), null when none is dated. */
  oldestOpenAt: string | null;
  muted: number;
  undated: number;
  /** Managed devices the rates are normalised by (rmm.devices `total`); null when the device listing failed. */
  devices: number | null;
  high: number;
  highOver24h: number;
  highOver7d: number;
  highOver24hPer100: number | null;
  highOver7dPer100: number | null;
  staleOver24hPer100: number | null;
  ackWithin24hPct: null;
  /** Measure → why Datto RMM cannot provide it (the rules engine turns those gates not_applicable). */
  notApplicable: Record<string, string>;
  byPriority: Record<string, number>;
  siteUids: string[] | null;
}

/** count × 100 / devices, one decimal; null when there is nothing to normalise by. */
export function per100(count: number, devices: number | null): number | null {
  if (devices === null || devices <= 0) return null;
  return Math.round((count * 1000) / devices) / 10;
}

export class AlertTally {
  private open = 0;
  private critical = 0;
  private stale = 0;
  private old = 0;
  private high = 0;
  private highStale = 0;
  private highOld = 0;
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
    const given = a.priority?.trim() || null;
    const priority = given ?? 'Unknown';
    this.byPriority[priority] = (this.byPriority[priority] ?? 0) + 1;
    if (HIGH.has(priority.toLowerCase())) this.critical += 1;
    const high = given === null || HIGH.has(given.toLowerCase());
    if (a.muted === true) this.muted += 1;
    if (a.timestamp === null) this.undated += 1;
    else if (this.oldest === null || a.timestamp < this.oldest) this.oldest = a.timestamp;
    const over24h = a.timestamp === null || this.now - a.timestamp > 24 * HOUR_MS;
    const over7d = a.timestamp === null || this.now - a.timestamp > OLD_AFTER_DAYS * DAY_MS;
    if (over24h) this.stale += 1;
    if (over7d) this.old += 1;
    if (high) {
      this.high += 1;
      if (over24h) this.highStale += 1;
      if (over7d) this.highOld += 1;
    }
  }

  /** @param devices managed devices of the scope (rmm.devices `total`), or null when the listing failed. */
  value(devices: number | null): AlertsValue {
    return {
      open: this.open,
      critical: this.critical,
      oldestOpenHours: this.oldest === null ? 0 : hoursSince(this.oldest, this.now),
      staleOver24h: this.stale,
      staleOver7d: this.old,
      oldestOpenAt: toIso(this.oldest),
      muted: this.muted,
      undated: this.undated,
      devices,
      high: this.high,
      highOver24h: this.highStale,
      highOver7d: this.highOld,
      highOver24hPer100: per100(this.highStale, devices),
      highOver7dPer100: per100(this.highOld, devices),
      staleOver24hPer100: per100(this.stale, devices),
      ackWithin24hPct: null,
      notApplicable: { ...NOT_APPLICABLE },
      byPriority: { ...this.byPriority },
      siteUids: this.siteUids,
    };
  }
}
