/**
 * `rmm.alerts` from GET /v2/alerts: the active alerts (triggered conditions) of the instance — every row is open;
 * the endpoint is not paginated. Age runs from `createTime` (epoch seconds; `updateTime` when it is missing).
 *
 * Scope: with an organisation configured, the server filters with `df` and an alert is kept only if its device is
 * one of the organisation's devices (any class), or — without a device id — its embedded `device.organizationId`
 * matches. Without the device listing the server-side filter is trusted.
 *
 * Severity: the spec's Alert carries none (NinjaOne keeps it on the policy condition). If the API supplies
 * `severity` (NONE|MINOR|MODERATE|MAJOR|CRITICAL) or `priority` (NONE|LOW|MEDIUM|HIGH) on every open alert,
 * `critical` counts MAJOR/CRITICAL severity or HIGH priority; otherwise `critical` is null (unknown), never a guess.
 */
import type { Alert } from './schema.js';
import { HOUR_MS, epochToMs, isoFromMs, round1 } from './time.js';

const CRITICAL_SEVERITIES = new Set(['MAJOR', 'CRITICAL']);
const CRITICAL_PRIORITIES = new Set(['HIGH']);
export const STALE_AFTER_HOURS = 24;

export interface AlertScope {
  organizationId: number | undefined;
  /** Ids of the organisation's devices, or null when the device listing is not available. */
  deviceIds: ReadonlySet<number> | null;
}

export interface AlertsValue extends Record<string, unknown> {
  open: number;
  critical: number | null;
  oldestOpenHours: number | null;
  oldestOpenSince: string | null;
  staleOver24h: number | null;
  /** Open alerts per `sourceType` (bounded by the vendor's enum). */
  bySourceType: Record<string, number>;
  /** Alerts dropped because they belong to another organisation. */
  outOfScope: number;
}

export function inScope(a: Alert, scope: AlertScope): boolean {
  if (scope.organizationId === undefined) return true;
  if (a.deviceId !== null && a.deviceId !== undefined && scope.deviceIds) return scope.deviceIds.has(a.deviceId);
  const org = a.device?.organizationId;
  if (org !== null && org !== undefined) return org === scope.organizationId;
  // No device id to check (or no listing): trust the server-side `df` filter.
  return a.deviceId === null || a.deviceId === undefined ? !scope.deviceIds : true;
}

function severityOf(a: Alert): 'critical' | 'other' | 'unknown' {
  const sev = (a.severity ?? '').trim().toUpperCase();
  const pri = (a.priority ?? '').trim().toUpperCase();
  if (!sev && !pri) return 'unknown';
  return CRITICAL_SEVERITIES.has(sev) || CRITICAL_PRIORITIES.has(pri) ? 'critical' : 'other';
}

export function deriveAlerts(alerts: readonly Alert[], scope: AlertScope, now: Date): AlertsValue {
  const nowMs = now.getTime();
  const staleBefore = nowMs - STALE_AFTER_HOURS * HOUR_MS;
  let open = 0;
  let critical = 0;
  let severityUnknown = false;
  let undated = false;
  let stale = 0;
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
    const sev = severityOf(a);
    if (sev === 'unknown') severityUnknown = true;
    else if (sev === 'critical') critical += 1;
    const created = epochToMs(a.createTime) ?? epochToMs(a.updateTime);
    if (created === null) {
      undated = true;
      continue;
    }
    if (created < staleBefore) stale += 1;
    if (oldest === null || created < oldest) oldest = created;
  }
  return {
    open,
    critical: severityUnknown ? null : critical,
    oldestOpenHours: undated ? null : oldest === null ? 0 : round1(Math.max(0, nowMs - oldest) / HOUR_MS),
    oldestOpenSince: undated ? null : isoFromMs(oldest),
    staleOver24h: undated ? null : stale,
    bySourceType,
    outOfScope,
  };
}
