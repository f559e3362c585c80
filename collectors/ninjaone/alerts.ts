/**
 * `rmm.alerts` from GET /v2/alerts: the active alerts (triggered conditions) of the instance — every row is open;
 * the endpoint is not paginated. Age runs from `createTime` (epoch seconds; `updateTime` when it is missing).
 *
 * Scope: with an organisation configured, the server filters with `df` and an alert is kept only if its device is
 * one of the organisation's devices (any class), or — without a device id — its embedded `device.organizationId`
 * matches. Without the device listing the server-side filter is trusted.
 *
 * Age, worst case: an alert with neither time has been open for an unknown time, so it counts as stale (over 24 h
 * and over 7 days) rather than being skipped — a backlog must never look smaller because its dates are missing.
 *
 * Severity: the spec's Alert carries none; NinjaOne keeps it on the alert's activities (activities.ts). An alert's
 * severity is its own `severity`/`priority` should the API supply them, else that of its series in the activity log:
 * - `critical` counts MAJOR/CRITICAL severity or HIGH priority, and is null unless every open alert's is known;
 * - `high` counts the same, and an alert whose severity was found nowhere counts as high (worst case;
 *   `severityUnresolved` says how many).
 * If the activity log could not be read and no open alert carries a severity itself, the high-severity measures are
 * null with the reason in `unknownReasons`. Without an activity log at all (not read), they are not applicable.
 *
 * Acknowledgement: `ackWithin24hPct` = share of the alert episodes triggered in the last 30 days — and at least 24 h
 * ago, so each had its full day — that were acknowledged or reset within 24 h (ActivityLog.ackStats). With no such
 * episode it is null and not applicable (nothing was there to acknowledge); with an unreadable log, unknown.
 *
 * Normalisation: counts per 100 managed devices (`devices`, the `total` of rmm.devices), so a 2,000-seat estate and a
 * 20-seat one are held to the same standard.
 */
import type { ActivityLog } from './activities.js';
import type { ActivityWalk } from './http.js';
import type { Alert } from './schema.js';
import type { TenantScope } from './scope.js';
import { DAY_MS, HOUR_MS, epochToMs, isoFromMs, round1 } from './time.js';

const CRITICAL_SEVERITIES = new Set(['MAJOR', 'CRITICAL']);
const CRITICAL_PRIORITIES = new Set(['HIGH']);
export const STALE_AFTER_HOURS = 24;
export const OLD_AFTER_DAYS = 7;

export const NOT_APPLICABLE = {
  ackWithin24hPct:
    "NinjaOne's alert API (/v2/alerts) reports no acknowledgement time; alert hygiene rests on the stale-alert backlog instead",
  high: "NinjaOne's alert API (/v2/alerts) reports no alert severity (it is kept on the policy condition); alert hygiene rests on the stale-alert backlog instead",
  noAlerts:
    'no alert was raised in the last 30 days (at least a day before the scan): there was nothing to acknowledge; alert hygiene rests on the stale-alert backlog',
} as const;

/** What the activity log gave: read (maybe capped), or why it could not be. */
export type ActivityInput =
  | {
      ok: true;
      log: ActivityLog;
      walk: ActivityWalk;
      /** Start of the window asked for (epoch ms). */
      sinceMs: number;
      /** Per-series look-ups made for open alerts older than the window. */
      lookups: number;
      /** Open alerts left unresolved because the look-up budget ran out or a look-up failed (reason). */
      lookupNote: string | null;
    }
  | { ok: false; reason: string };

export interface ActivityLogSummary {
  /** CONDITION activities read in the window. */
  read: number;
  pages: number;
  /** True when the walk stopped at the page cap: `since` is then the oldest activity read, not the window start. */
  capped: boolean;
  /** Start of the span the acknowledgement share covers (UTC ISO). */
  since: string;
  /** Per-series look-ups (`seriesUid=`) for open alerts older than the span. */
  seriesLookups: number;
  note: string | null;
}

const HIGH_FIELDS = ['high', 'highOver24h', 'highOver7d', 'highOver24hPer100', 'highOver7dPer100'] as const;

export interface AlertScope extends TenantScope {
  /** Managed devices (rmm.devices `total`), or null when the device listing is not available. */
  managedDevices: number | null;
}

export interface AlertsValue extends Record<string, unknown> {
  open: number;
  critical: number | null;
  oldestOpenHours: number | null;
  oldestOpenSince: string | null;
  /** Open > 24 h, undated alerts included. */
  staleOver24h: number;
  /** Open > 7 days, any severity, undated alerts included. */
  staleOver7d: number;
  /** Open alerts without createTime or updateTime (counted as stale). */
  undated: number;
  /** Managed devices the rates are normalised by (rmm.devices `total`); null without the device listing. */
  devices: number | null;
  high: number | null;
  highOver24h: number | null;
  highOver7d: number | null;
  highOver24hPer100: number | null;
  highOver7dPer100: number | null;
  staleOver24hPer100: number | null;
  /** Open alerts whose severity was found neither on the alert nor in the activity log (counted as high when `high` is reported). */
  severityUnresolved: number;
  ackWithin24hPct: number | null;
  /** Alert episodes triggered in the span (30 days, at least 24 h ago); null without the activity log. */
  alertSeries30d: number | null;
  /** Of those, acknowledged or reset within 24 h; `resetWithin24h` of them by a RESET (no ACKNOWLEDGED first). */
  acknowledgedWithin24h: number | null;
  resetWithin24h: number | null;
  /** The activity log read (null when it was not read or failed). */
  activityLog: ActivityLogSummary | null;
  /** Measure → why NinjaOne cannot provide it (the rules engine turns those gates not_applicable). */
  notApplicable: Record<string, string>;
  /** Measure → why it could not be read this time (the rules engine turns those gates unknown). */
  unknownReasons: Record<string, string>;
  /** Open alerts per `sourceType` (bounded by the vendor's enum). */
  bySourceType: Record<string, number>;
  /** Alerts dropped because they belong to another organisation. */
  outOfScope: number;
}

export function inScope(a: Alert, scope: TenantScope): boolean {
  if (scope.organizationId === undefined) return true;
  if (a.deviceId !== null && a.deviceId !== undefined && scope.deviceIds) return scope.deviceIds.has(a.deviceId);
  const org = a.device?.organizationId;
  if (org !== null && org !== undefined) return org === scope.organizationId;
  // No device id to check (or no listing): trust the server-side `df` filter.
  return a.deviceId === null || a.deviceId === undefined ? !scope.deviceIds : true;
}

export type SeverityClass = 'critical' | 'other' | 'unknown';

export function severityOf(a: { severity?: string | null; priority?: string | null }): SeverityClass {
  const sev = (a.severity ?? '').trim().toUpperCase();
  const pri = (a.priority ?? '').trim().toUpperCase();
  if (!sev && !pri) return 'unknown';
  return CRITICAL_SEVERITIES.has(sev) || CRITICAL_PRIORITIES.has(pri) ? 'critical' : 'other';
}

/** The alert's own severity, else that of its series in the activity log. */
export function alertSeverity(a: Alert, log: ActivityLog | null): SeverityClass {
  const own = severityOf(a);
  if (own !== 'unknown' || !log) return own;
  const found = log.severityOf(a.uid);
  return found ? severityOf(found) : 'unknown';
}

/** count × 100 / devices, one decimal; null when there is nothing to normalise by. */
export function per100(count: number | null, devices: number | null): number | null {
  if (count === null || devices === null || devices <= 0) return null;
  return round1((count * 100) / devices);
}

export function deriveAlerts(alerts: readonly Alert[], scope: AlertScope, now: Date, activity?: ActivityInput): AlertsValue {
  const log = activity?.ok ? activity.log : null;
  const nowMs = now.getTime();
  const staleBefore = nowMs - STALE_AFTER_HOURS * HOUR_MS;
  const oldBefore = nowMs - OLD_AFTER_DAYS * DAY_MS;
  let open = 0;
  let critical = 0;
  let severityKnown = 0;
  let severityUnknown = 0;
  // High counts by age, split by whether the severity was reported (unreported ones join only when any was).
  const high = { known: [0, 0, 0], unknown: [0, 0, 0] };
  let undated = 0;
  let stale = 0;
  let old = 0;
  let oldest: number | null = null;
  let outOfScope = 0;
  const bySourceType: Record<string, number> = {};
  for (const a of alerts) {
    if (!inScope(a, scope)) {
      outOfScope += 1;
      continue;
    }
    open += 1;
    const type = a.sourceType?.trim() || 'UNKNOWN';
    bySourceType[type] = (bySourceType[type] ?? 0) + 1;
    const created = epochToMs(a.createTime) ?? epochToMs(a.updateTime);
    if (created === null) undated += 1;
    else if (oldest === null || created < oldest) oldest = created;
    const over24h = created === null || created < staleBefore;
    const over7d = created === null || created < oldBefore;
    if (over24h) stale += 1;
    if (over7d) old += 1;
    const sev = alertSeverity(a, log);
    if (sev === 'unknown') severityUnknown += 1;
    else severityKnown += 1;
    if (sev === 'critical') critical += 1;
    if (sev !== 'other') {
      const bucket = sev === 'critical' ? high.known : high.unknown;
      bucket[0]! += 1;
      if (over24h) bucket[1]! += 1;
      if (over7d) bucket[2]! += 1;
    }
  }
  // With the activity log, severity has a source: an alert without one counts as high. Without it, severity is
  // known only if the API reported it on an alert.
  const severityReported = open === 0 || severityKnown > 0 || log !== null;
  const highCount = (i: number) => (severityReported ? high.known[i]! + high.unknown[i]! : null);
  const devices = scope.managedDevices;
  const notApplicable: Record<string, string> = {};
  const unknownReasons: Record<string, string> = {};
  if (!severityReported) {
    for (const f of HIGH_FIELDS) {
      if (activity && !activity.ok) unknownReasons[f] = `alert severity is kept in the activity log (/v2/activities), which could not be read: ${activity.reason}`;
      else notApplicable[f] = NOT_APPLICABLE.high;
    }
  }
  const ack = acknowledgement(activity, scope, now, notApplicable, unknownReasons);
  return {
    open,
    critical: severityUnknown > 0 ? null : critical,
    oldestOpenHours: undated > 0 ? null : oldest === null ? 0 : round1(Math.max(0, nowMs - oldest) / HOUR_MS),
    oldestOpenSince: undated > 0 ? null : isoFromMs(oldest),
    staleOver24h: stale,
    staleOver7d: old,
    undated,
    devices,
    high: highCount(0),
    highOver24h: highCount(1),
    highOver7d: highCount(2),
    highOver24hPer100: per100(highCount(1), devices),
    highOver7dPer100: per100(highCount(2), devices),
    staleOver24hPer100: per100(stale, devices),
    severityUnresolved: severityUnknown,
    ...ack,
    notApplicable,
    unknownReasons,
    bySourceType,
    outOfScope,
  };
}

type AckFields = Pick<AlertsValue, 'ackWithin24hPct' | 'alertSeries30d' | 'acknowledgedWithin24h' | 'resetWithin24h' | 'activityLog'>;

function acknowledgement(
  activity: ActivityInput | undefined,
  scope: AlertScope,
  now: Date,
  notApplicable: Record<string, string>,
  unknownReasons: Record<string, string>,
): AckFields {
  const none: AckFields = { ackWithin24hPct: null, alertSeries30d: null, acknowledgedWithin24h: null, resetWithin24h: null, activityLog: null };
  if (!activity) {
    notApplicable.ackWithin24hPct = NOT_APPLICABLE.ackWithin24hPct;
    return none;
  }
  if (!activity.ok) {
    unknownReasons.ackWithin24hPct = `acknowledgements are kept in the activity log (/v2/activities), which could not be read: ${activity.reason}`;
    return none;
  }
  const { walk } = activity;
  // A capped walk saw only the newest activities: measure over the span it covered.
  const since = walk.capped ? Math.max(activity.sinceMs, walk.oldestMs ?? now.getTime()) : activity.sinceMs;
  const stats = activity.log.ackStats(scope, since, now);
  const activityLog: ActivityLogSummary = {
    read: walk.read,
    pages: walk.pages,
    capped: walk.capped,
    since: stats.since,
    seriesLookups: activity.lookups,
    note: activity.lookupNote,
  };
  if (stats.series === 0) {
    if (walk.capped && since > now.getTime() - DAY_MS) {
      unknownReasons.ackWithin24hPct = `the activity log was read up to its cap of ${walk.pages} pages without reaching alerts a day old (since ${stats.since})`;
    } else {
      notApplicable.ackWithin24hPct = NOT_APPLICABLE.noAlerts;
    }
  }
  return {
    ackWithin24hPct: stats.pct,
    alertSeries30d: stats.series,
    acknowledgedWithin24h: stats.within24h,
    resetWithin24h: stats.resetWithin24h,
    activityLog,
  };
}
