/**
 * NinjaOne's activity log as the source of alert severity and acknowledgement (GET /v2/activities,
 * `class=DEVICE&type=CONDITION`). An alert is one activity series: the spec's Alert `uid` is the "activity series
 * UID", which every activity of that alert carries as `seriesUid`. Per series the log holds
 * - `TRIGGERED` when the condition fired (with `severity` NONE|MINOR|MODERATE|MAJOR|CRITICAL and `priority`
 *   NONE|LOW|MEDIUM|HIGH, the policy condition's settings),
 * - `ACKNOWLEDGED` when a technician acknowledged it,
 * - `RESET` when it was closed: by a technician (the dashboard's Reset, the API's `DELETE /v2/alert/{uid}` "Reset
 *   alert/condition" — NinjaOne's way of handling an alert) or by the condition clearing itself (auto-reset).
 *
 * Only the activities of the series are kept (a few numbers each); nothing else of the log is.
 */
import type { Activity } from './schema.js';
import type { TenantScope } from './scope.js';
import { DAY_MS, epochToMs, round1 } from './time.js';

type Status = 'TRIGGERED' | 'ACKNOWLEDGED' | 'RESET';
const STATUSES = new Set<string>(['TRIGGERED', 'ACKNOWLEDGED', 'RESET']);

interface Entry {
  t: number | null;
  status: Status;
  deviceId: number | null;
  severity: string;
  priority: string;
}

export interface SeverityFields {
  severity: string | null;
  priority: string | null;
}

export interface AckStats {
  /** Alert episodes triggered in the window and at least 24 h ago. */
  series: number;
  /** Of those, acknowledged or reset within 24 h of triggering. */
  within24h: number;
  /** Of `within24h`, those whose first handling was a RESET (no ACKNOWLEDGED before it). */
  resetWithin24h: number;
  /** Start of the span measured (UTC ISO): the window start, or the oldest activity read when the walk was capped. */
  since: string;
  pct: number | null;
}

const norm = (v: string | null | undefined) => (v ?? '').trim().toUpperCase();

/** Is this activity's device in the collector's scope (the same rule as alerts: listing first, else `df`)? */
export function activityInScope(deviceId: number | null, scope: TenantScope): boolean {
  if (scope.organizationId === undefined) return true;
  if (deviceId !== null) return scope.deviceIds ? scope.deviceIds.has(deviceId) : true;
  return !scope.deviceIds;
}

export class ActivityLog {
  private readonly series = new Map<string, Entry[]>();
  /** Activities read that were not TRIGGERED/ACKNOWLEDGED/RESET of a CONDITION with a series. */
  ignored = 0;

  add(a: Activity): void {
    const status = norm(a.statusCode);
    const uid = (a.seriesUid ?? '').trim().toLowerCase();
    if (norm(a.activityType) !== 'CONDITION' || !STATUSES.has(status) || !uid) {
      this.ignored += 1;
      return;
    }
    let list = this.series.get(uid);
    if (!list) this.series.set(uid, (list = []));
    list.push({ t: epochToMs(a.activityTime), status: status as Status, deviceId: a.deviceId ?? null, severity: norm(a.severity), priority: norm(a.priority) });
  }

  has(uid: string | null | undefined): boolean {
    return this.series.has((uid ?? '').trim().toLowerCase());
  }

  /**
   * The severity of an alert series: that of its newest TRIGGERED activity carrying one, else of any activity of the
   * series carrying one; null when none does (or the series was not read).
   */
  severityOf(uid: string | null | undefined): SeverityFields | null {
    const list = this.series.get((uid ?? '').trim().toLowerCase());
    if (!list) return null;
    const carrying = list.filter((e) => e.severity || e.priority);
    if (carrying.length === 0) return null;
    const newest = (es: Entry[]) => es.reduce((best, e) => ((e.t ?? -Infinity) > (best.t ?? -Infinity) ? e : best));
    const triggered = carrying.filter((e) => e.status === 'TRIGGERED');
    const e = newest(triggered.length > 0 ? triggered : carrying);
    return { severity: e.severity || null, priority: e.priority || null };
  }

  /**
   * Acknowledgement within 24 h. An episode starts at a TRIGGERED activity of a series with no open episode; an
   * ACKNOWLEDGED or a RESET handles it (the first one counts), a RESET also ends it. Counted: episodes of series in
   * scope triggered at or after `sinceMs` and at least 24 h before `now`, so each had its full day; handled within
   * 24 h when the first ACKNOWLEDGED/RESET came at most 24 h after the trigger. Undated activities are skipped.
   */
  ackStats(scope: TenantScope, sinceMs: number, now: Date): AckStats {
    const until = now.getTime() - DAY_MS;
    let series = 0;
    let within = 0;
    let viaReset = 0;
    for (const list of this.series.values()) {
      const dated = list.filter((e): e is Entry & { t: number } => e.t !== null).sort((x, y) => x.t - y.t || order(x.status) - order(y.status));
      let start: (Entry & { t: number }) | null = null;
      let handled = false;
      for (const e of dated) {
        if (e.status === 'TRIGGERED') {
          if (start !== null) continue; // re-triggered while open: the same episode
          start = e;
          handled = false;
          if (e.t >= sinceMs && e.t <= until && activityInScope(e.deviceId, scope)) series += 1;
          continue;
        }
        if (start !== null && !handled) {
          handled = true;
          if (start.t >= sinceMs && start.t <= until && activityInScope(start.deviceId, scope) && e.t - start.t <= DAY_MS) {
            within += 1;
            if (e.status === 'RESET') viaReset += 1;
          }
        }
        if (e.status === 'RESET') start = null;
      }
    }
    return { series, within24h: within, resetWithin24h: viaReset, since: new Date(sinceMs).toISOString(), pct: series > 0 ? round1((within * 100) / series) : null };
  }
}

/** Same instant: the trigger first, then its handling. */
function order(s: Status): number {
  return s === 'TRIGGERED' ? 0 : s === 'ACKNOWLEDGED' ? 1 : 2;
}
