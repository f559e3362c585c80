/**
 * `rmm.patches` from GET /v2/queries/os-patches: one row per OS patch that is pending, failed or rejected on a device
 * (installed patches are not listed, so a device without rows has nothing outstanding).
 *
 * Row classification (status, severity and type compared case-insensitively):
 * - `FAILED` → the device has a failed install; `REJECTED` and `INSTALLED` → ignored;
 *   anything else (`APPROVED`, `MANUAL`, `PENDING`, unknown, missing) → pending.
 * - a pending row is **relevant** (to window compliance) when it is approved (`APPROVED`), of `CRITICAL` severity,
 *   or of type `SECURITY_UPDATES`/`CRITICAL_UPDATES`;
 * - it is **critical** only when its `severity` is `CRITICAL` (NinjaOne's severities: OPTIONAL, MODERATE,
 *   IMPORTANT, CRITICAL). A security update of IMPORTANT severity is not critical: counting every security update
 *   made one laptop left off for a few days look like an unpatched critical vulnerability.
 * - its age runs from `timestamp` (epoch seconds: when NinjaOne recorded the row).
 * A device is compliant when no relevant pending row is older than `patchWindowDays` and none of its rows failed.
 * A device is **critical-overdue** when a critical pending or failed row is older than 48 h — or has no time at all
 * (a critical patch of unknown age is counted as overdue, the worst case, rather than hidden as unknown).
 * State is kept per device, not per row, and joined to the device scope at the end.
 *
 * Essential Eight patch windows (ASD, November 2023: ISM-1877/1696 48 h for critical, ISM-1694 two weeks for
 * internet-facing servers, ISM-1695/1902 one month for workstations and other servers) count **devices** whose
 * oldest relevant pending or failed row is older than the window:
 * - `pendingOver48hCritical`: a critical row older than 48 h (or undated) — the same devices as
 *   `criticalOverdueDevices`, named for the framework;
 * - `pendingOver14d` / `pendingOver30d`: any relevant row older than 14 / 30 days; `serversPendingOver14d` and
 *   `workstationsPendingOver30d` split them by device class (no API marks a server internet-facing, so every server
 *   gets the stricter two-week window).
 * A relevant row without `timestamp` puts its device in every window (worst case, as for critical rows): an age
 * we cannot read must not make a device look patched.
 *
 * A `FAILED` row is a patch that is still not applied (the report lists "Pending, Failed and Rejected OS patches";
 * an install that later succeeds leaves it), so it counts in the windows — and, when critical, in the 48-hour
 * counts — besides `failed`. An install was attempted, so it was approved: every failed row is relevant. Its age
 * runs from the earlier of `installedAt` ("Installation attempt timestamp") and `timestamp`: the patch was released
 * before the attempt that failed, so that age is a lower bound and never makes a device look worse than it is.
 * Leaving failed rows out would let a critical patch that failed to install a week ago pass the 48-hour window.
 * (Spec: NinjaOne Public API 2.0, `DeviceOSPatch`, GET /v2/queries/os-patches,
 * https://app.ninjarmm.com/apidocs/NinjaRMM-API-v2.json.) `oldestPendingDays` and `pendingPatches` stay pending-only.
 */
import { CappedCollector, pct } from '../../src/domain/evidence.js';
import type { ManagedDevice } from './devices.js';
import type { OsPatch } from './schema.js';
import { DAY_MS, HOUR_MS, epochToMs, isoFromMs, round1 } from './time.js';

export const CRITICAL_AFTER_HOURS = 48;
/** Essential Eight windows in days: two weeks (servers, ISM-1694) and one month (workstations, ISM-1695/1902). */
export const E8_SHORT_WINDOW_DAYS = 14;
export const E8_LONG_WINDOW_DAYS = 30;
/** Update types that make a pending row count against window compliance even when not yet approved. */
const SECURITY_TYPES = new Set(['SECURITY_UPDATES', 'CRITICAL_UPDATES']);

function norm(v: string | null | undefined): string {
  return (v ?? '').trim().toUpperCase().replace(/[\s-]+/g, '_');
}

export type RowKind = 'failed' | 'ignored' | 'pending';

export function rowKind(p: Pick<OsPatch, 'status'>): RowKind {
  const s = norm(p.status);
  if (s === 'FAILED') return 'failed';
  if (s === 'REJECTED' || s === 'INSTALLED') return 'ignored';
  return 'pending';
}

export function isCritical(p: Pick<OsPatch, 'severity'>): boolean {
  return norm(p.severity) === 'CRITICAL';
}

export function isRelevant(p: Pick<OsPatch, 'status' | 'severity' | 'type'>): boolean {
  return norm(p.status) === 'APPROVED' || isCritical(p) || SECURITY_TYPES.has(norm(p.type));
}

interface DevicePatchState {
  failed: number;
  overdue: number;
  relevantPending: number;
  criticalOver48h: number;
  oldestRelevantMs: number | null;
  undatedRelevant: number;
  /** Critical rows without a usable time, pending or failed (counted as past 48 h). */
  undatedCritical: number;
  /** Failed rows: the earliest time each was known to exist, and those with no time at all (Essential Eight windows). */
  oldestFailedMs: number | null;
  undatedFailed: number;
}

export interface AutomationInput {
  /** Effective policy ids that patch automatically, or null when unknown (with the reason). */
  policyIds: ReadonlySet<number> | null;
  note: string | null;
}

export interface PatchesValue extends Record<string, unknown> {
  devices: number;
  compliant: number;
  pct: number | null;
  /** Critical-severity pending or failed rows older than 48 h (undated ones included), on managed devices. */
  pendingCritical: number;
  /** Managed devices with at least one such row, and the share of devices without any. */
  criticalOverdueDevices: number;
  criticalCompliantPct: number | null;
  failed: number;
  oldestPendingDays: number | null;
  oldestPendingSince: string | null;
  automated: number | null;
  automatedPct: number | null;
  automationNote: string | null;
  nonCompliant: string[];
  nonCompliantTotal: number;
  windowDays: number;
  /** Essential Eight windows: managed devices with a relevant pending or failed row older than the window (see above). */
  pendingOver48hCritical: number;
  pendingOver14d: number;
  pendingOver30d: number;
  serversPendingOver14d: number;
  workstationsPendingOver30d: number;
  /** Relevant pending OS patch rows and failed rows on managed devices. */
  pendingPatches: number;
  failedPatches: number;
  /** Rows whose device is not a managed device of the scope (other class, awaiting approval, deleted). */
  ignoredRows: number;
}

export class PatchTally {
  private readonly byDevice = new Map<number, DevicePatchState>();
  private readonly windowStart: number;
  private readonly criticalStart: number;

  constructor(
    now: Date,
    readonly windowDays: number,
  ) {
    this.windowStart = now.getTime() - windowDays * DAY_MS;
    this.criticalStart = now.getTime() - CRITICAL_AFTER_HOURS * HOUR_MS;
  }

  private state(deviceId: number): DevicePatchState {
    let s = this.byDevice.get(deviceId);
    if (!s) {
      s = { failed: 0, overdue: 0, relevantPending: 0, criticalOver48h: 0, oldestRelevantMs: null, undatedRelevant: 0, undatedCritical: 0, oldestFailedMs: null, undatedFailed: 0 };
      this.byDevice.set(deviceId, s);
    }
    return s;
  }

  add(p: OsPatch): void {
    const kind = rowKind(p);
    if (kind === 'ignored') return;
    if (kind === 'failed') {
      const s = this.state(p.deviceId);
      s.failed += 1;
      // Still not applied: aged from the earliest time we know it existed (see the module comment).
      const known = [epochToMs(p.installedAt), epochToMs(p.timestamp)].filter((ms): ms is number => ms !== null);
      const since = known.length > 0 ? Math.min(...known) : null;
      if (since === null) {
        s.undatedFailed += 1;
        if (isCritical(p)) s.undatedCritical += 1;
        return;
      }
      if (s.oldestFailedMs === null || since < s.oldestFailedMs) s.oldestFailedMs = since;
      if (isCritical(p) && since < this.criticalStart) s.criticalOver48h += 1;
      return;
    }
    if (!isRelevant(p)) return;
    const s = this.state(p.deviceId);
    const critical = isCritical(p);
    s.relevantPending += 1;
    const since = epochToMs(p.timestamp);
    if (since === null) {
      s.undatedRelevant += 1;
      if (critical) s.undatedCritical += 1;
      return;
    }
    if (s.oldestRelevantMs === null || since < s.oldestRelevantMs) s.oldestRelevantMs = since;
    if (since < this.windowStart) s.overdue += 1;
    if (critical && since < this.criticalStart) s.criticalOver48h += 1;
  }

  value(managed: ReadonlyMap<number, ManagedDevice>, automation: AutomationInput, now: Date): PatchesValue {
    let compliant = 0;
    let failed = 0;
    let pendingCritical = 0;
    let criticalOverdueDevices = 0;
    let oldest: number | null = null;
    let oldestUnknown = false;
    let pendingPatches = 0;
    let failedPatches = 0;
    let automated = 0;
    const windows = { over14d: 0, over30d: 0, servers14d: 0, workstations30d: 0 };
    const over14dStart = now.getTime() - E8_SHORT_WINDOW_DAYS * DAY_MS;
    const over30dStart = now.getTime() - E8_LONG_WINDOW_DAYS * DAY_MS;
    const nonCompliant = new CappedCollector();
    for (const [id, device] of managed) {
      if (automation.policyIds && device.policyId !== null && automation.policyIds.has(device.policyId)) automated += 1;
      const s = this.byDevice.get(id);
      if (!s) {
        compliant += 1;
        continue;
      }
      pendingPatches += s.relevantPending;
      failedPatches += s.failed;
      if (s.failed > 0) failed += 1;
      if (s.failed > 0 || s.overdue > 0) nonCompliant.add(device.label);
      else compliant += 1;
      const overdueCritical = s.criticalOver48h + s.undatedCritical;
      pendingCritical += overdueCritical;
      if (overdueCritical > 0) criticalOverdueDevices += 1;
      if (s.undatedRelevant > 0) oldestUnknown = true;
      if (s.oldestRelevantMs !== null && (oldest === null || s.oldestRelevantMs < oldest)) oldest = s.oldestRelevantMs;
      const olderThan = (start: number) =>
        s.undatedRelevant > 0 ||
        s.undatedFailed > 0 ||
        (s.oldestRelevantMs !== null && s.oldestRelevantMs < start) ||
        (s.oldestFailedMs !== null && s.oldestFailedMs < start);
      if (olderThan(over14dStart)) {
        windows.over14d += 1;
        if (device.kind === 'server') windows.servers14d += 1;
      }
      if (olderThan(over30dStart)) {
        windows.over30d += 1;
        if (device.kind === 'workstation') windows.workstations30d += 1;
      }
    }
    let ignoredRows = 0;
    for (const [id, s] of this.byDevice) if (!managed.has(id)) ignoredRows += s.relevantPending + s.failed;
    const devices = managed.size;
    const automatedKnown = automation.policyIds !== null;
    return {
      devices,
      compliant,
      pct: pct(compliant, devices),
      pendingCritical,
      criticalOverdueDevices,
      criticalCompliantPct: pct(devices - criticalOverdueDevices, devices),
      failed,
      oldestPendingDays: oldestUnknown ? null : oldest === null ? 0 : round1(Math.max(0, now.getTime() - oldest) / DAY_MS),
      oldestPendingSince: oldestUnknown ? null : isoFromMs(oldest),
      automated: automatedKnown ? automated : null,
      automatedPct: automatedKnown ? pct(automated, devices) : null,
      automationNote: automation.note,
      nonCompliant: nonCompliant.list(),
      nonCompliantTotal: nonCompliant.total,
      windowDays: this.windowDays,
      pendingOver48hCritical: criticalOverdueDevices,
      pendingOver14d: windows.over14d,
      pendingOver30d: windows.over30d,
      serversPendingOver14d: windows.servers14d,
      workstationsPendingOver30d: windows.workstations30d,
      pendingPatches,
      failedPatches,
      ignoredRows,
    };
  }
}
