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
 * Severity: the spec's Alert carries none (NinjaOne keeps it on the policy condition and the activity log). If the
 * API supplies `severity` (NONE|MINOR|MODERATE|MAJOR|CRITICAL) or `priority` (NONE|LOW|MEDIUM|HIGH):
 * - `critical` counts MAJOR/CRITICAL severity or HIGH priority, and is null unless every open alert carries one;
 * - `high` counts the same, but once any alert carries a severity, an alert without one counts as high (worst case).
 * If no open alert carries either field, the high-severity measures are null and listed in `notApplicable`.
 *
 * Normalisation: counts per 100 managed devices (`devices`, the `total` of rmm.devices), so a 2,000-seat estate and a
 * 20-seat one are held to the same standard.
 */
import type { Alert } from './schema.js';
import { DAY_MS, HOUR_MS, epochToMs, isoFromMs, round1 } from './time.js';

const CRITICAL_SEVERITIES = new Set(['MAJOR', 'CRITICAL']);
const CRITICAL_PRIORITIES = new Set(['HIGH']);
export const STALE_AFTER_HOURS = 24;
export const OLD_AFTER_DAYS = 7;

export const NOT_APPLICABLE = {
  ackWithin24hPct:
    "NinjaOne's alert API (/v2/alerts) reports no acknowledgement time; alert hygiene rests on the stale-alert backlog instead",
  high: "NinjaOne's alert API (/v2/alerts) reports no alert severity (it is kept on the policy condition); alert hygiene rests on the stale-alert backlog instead",
} as const;

const HIGH_FIELDS = ['high', 'highOver24h', 'highOver7d', 'highOver24hPer100', 'highOver7dPer100'] as const;

export interface AlertScope {
  organizationId: number | undefined;
  /** Ids of the organisation's devices, or null when the device listing is not available. */
  deviceIds: ReadonlySet<number> | null;
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
  ackWithin24hPct: null;
  /** Measure → why NinjaOne cannot provide it (the rules engine turns those gates not_applicable). */
  notApplicable: Record<string, string>;
  /** Open alerts per `sourceType` (bounded by the vendor's enum). */
  bySourceType: Record<string, number>;
  /** Alerts dropped because they belong to another organisation. */
  outOfScope: number;
}

export function inScope(a: Alert, scope: Pick<AlertScope, 'organizationId' | 'deviceIds'>): boolean {
  if (scope.organizationId === undefined) return true;
  if (a.deviceId !== null && a.deviceId !== undefined && scope.deviceIds) return scope.deviceIds.has(a.deviceId);
  const org = a.device?.organizationId;
  if (org !== null && org !== undefined) return org === scope.organizationId;
  // No device id to check (or no listing): trust the server-side `df` filter.
  return a.deviceId === null || a.deviceId === undefined ? !scope.deviceIds : true;
}

export function severityOf(a: Alert): 'critical' | 'other' | 'unknown' {
  const sev = (a.severity ?? '').trim().toUpperCase();
  const pri = (a.priority ?? '').trim().toUpperCase();
  if (!sev && !pri) return 'unknown';
  return CRITICAL_SEVERITIES.has(sev) || CRITICAL_PRIORITIES.has(pri) ? 'critical' : 'other';
}

/** count × 100 / devices, one decimal; null when there is nothing to normalise by. */
export function per100(count: number | null, devices: number | null): number | null {
  if (count === null || devices === null || devices <= 0) return null;
  return round1((count * 100) / devices);
}

export function deriveAlerts(alerts: readonly Alert[], scope: AlertScope, now: Date): AlertsValue {
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
    const sev = severityOf(a);
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
  // Severity is a structural gap only when the API reported it for none of the open alerts.
  const severityReported = open === 0 || severityKnown > 0;
  const highCount = (i: number) => (severityReported ? high.known[i]! + high.unknown[i]! : null);
  const devices = scope.managedDevices;
  const notApplicable: Record<string, string> = { ackWithin24hPct: NOT_APPLICABLE.ackWithin24hPct };
  if (!severityReported) for (const f of HIGH_FIELDS) notApplicable[f] = NOT_APPLICABLE.high;
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
    ackWithin24hPct: null,
    notApplicable,
    bySourceType,
    outOfScope,
  };
}
