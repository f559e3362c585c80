/**
 * `rmm.patches` from the per-device `patchManagement` summary — the only patch data Datto's API has. It carries a
 * status and three counters, but no patch dates, severities or classifications, so:
 *   - `pendingCritical`, `criticalOverdueDevices`, `criticalCompliantPct`, `oldestPendingDays` and the Essential
 *     Eight patch windows (`pendingOver48hCritical`, `pendingOver14d`, `pendingOver30d`, `serversPendingOver14d`,
 *     `workstationsPendingOver30d`) are `null` and listed in `notApplicable` with the reason (a structural gap of
 *     the API, never a guess and never a failure);
 *   - compliance is read from `patchStatus`, not from a patch window (`patchWindowDays` is reported as null):
 *
 * | patchStatus      | in `devices` | compliant | `failed` | automated | why |
 * |---|---|---|---|---|---|
 * | FullyPatched     | yes | yes | –   | yes | nothing approved is missing |
 * | ApprovedPending  | yes | yes | –   | yes | approved patches wait for the policy's next run, the normal state between runs; Datto gives no age |
 * | RebootRequired   | yes | yes | –   | yes | installed, waiting for the reboot the policy schedules |
 * | InstallError     | yes | no  | yes | yes | the policy ran and an install failed |
 * | NoPolicy         | yes | no  | –   | no  | no patch policy targets the device: nothing patches it |
 * | NoData, missing  | no  | –   | –   | no  | no patch audit yet (new agent, unsupported OS); counted in `noData` |
 * | anything else    | no  | –   | –   | no  | a status Datto added later; counted in `unrecognised` |
 *
 * `automated` = devices a patch policy targets (FullyPatched, ApprovedPending, RebootRequired, InstallError);
 * `automatedPct` is its share of **all** in-scope devices, so devices without patch data count as not automated.
 * `approvedPending` and `rebootRequired` are counted beside, so a stricter rule can treat them as overdue.
 */
import { CappedCollector, pct } from '../../src/domain/evidence.js';
import { deviceName, type DeviceScope } from './devices.js';
import type { Device } from './schema.js';

const COMPLIANT = new Set(['FullyPatched', 'ApprovedPending', 'RebootRequired']);
const AUTOMATED = new Set(['FullyPatched', 'ApprovedPending', 'RebootRequired', 'InstallError']);
const NON_COMPLIANT = new Set(['InstallError', 'NoPolicy']);

const NO_SEVERITY =
  "Datto RMM's API reports no patch severity or dates (only a per-device patch status and counts); critical-patch latency rests on patch compliance (the RMM's own patch-window status) instead";

const NO_DATES =
  "Datto RMM's API reports no patch dates; patch latency rests on patch compliance (the RMM's own patch-window status) instead";

/**
 * The Essential Eight windows (48 h / two weeks / one month) count devices by how long a patch has been pending:
 * without release or detection dates Datto cannot place a device in any window, so none is reported.
 */
const NO_WINDOW =
  "Datto RMM's API reports no patch dates (only a per-device patch status and counts), so no device can be placed in an Essential Eight patch window (48 h / 14 d / 30 d)";

/** Measures Datto's patch data cannot give, and why (the rules engine turns those gates not_applicable). */
export const NOT_APPLICABLE: Readonly<Record<string, string>> = {
  oldestPendingDays: NO_DATES,
  pendingCritical: NO_SEVERITY,
  criticalOverdueDevices: NO_SEVERITY,
  criticalCompliantPct: NO_SEVERITY,
  pendingOver48hCritical: NO_WINDOW,
  pendingOver14d: NO_WINDOW,
  pendingOver30d: NO_WINDOW,
  serversPendingOver14d: NO_WINDOW,
  workstationsPendingOver30d: NO_WINDOW,
};

export interface PatchesValue extends Record<string, unknown> {
  devices: number;
  compliant: number;
  pct: number | null;
  pendingCritical: null;
  criticalOverdueDevices: null;
  criticalCompliantPct: null;
  failed: number;
  oldestPendingDays: null;
  pendingOver48hCritical: null;
  pendingOver14d: null;
  pendingOver30d: null;
  serversPendingOver14d: null;
  workstationsPendingOver30d: null;
  notApplicable: Record<string, string>;
  automated: number;
  automatedPct: number | null;
  nonCompliant: string[];
  nonCompliantTotal: number;
  /** In-scope devices (the automatedPct denominator). */
  managedDevices: number;
  noPolicy: number;
  approvedPending: number;
  rebootRequired: number;
  noData: number;
  unrecognised: number;
  /** Count per patchStatus as Datto reports it (`(none)` for a device without patch data). */
  byStatus: Record<string, number>;
  /** Sums of Datto's per-device counters over devices with patch data. */
  patchesApprovedPending: number;
  patchesNotApproved: number;
  /** Datto gives no patch dates, so no window can be applied. */
  patchWindowDays: null;
  basis: 'datto_patch_status';
}

export class PatchTally {
  private managed = 0;
  private devices = 0;
  private compliant = 0;
  private failed = 0;
  private automated = 0;
  private noPolicy = 0;
  private approvedPending = 0;
  private rebootRequired = 0;
  private noData = 0;
  private unrecognised = 0;
  private approvedPendingPatches = 0;
  private notApprovedPatches = 0;
  private readonly byStatus: Record<string, number> = {};
  private readonly nonCompliant = new CappedCollector();

  add(d: Device, scope: DeviceScope): void {
    if (!scope.included) return;
    this.managed += 1;
    const pm = d.patchManagement;
    const status = pm?.patchStatus?.trim() || null;
    const label = status ?? '(none)';
    this.byStatus[label] = (this.byStatus[label] ?? 0) + 1;
    if (status === null || status === 'NoData') {
      this.noData += 1;
      return;
    }
    if (!COMPLIANT.has(status) && !NON_COMPLIANT.has(status)) {
      this.unrecognised += 1;
      return;
    }
    this.devices += 1;
    this.approvedPendingPatches += pm?.patchesApprovedPending ?? 0;
    this.notApprovedPatches += pm?.patchesNotApproved ?? 0;
    if (AUTOMATED.has(status)) this.automated += 1;
    if (COMPLIANT.has(status)) this.compliant += 1;
    else this.nonCompliant.add(deviceName(d));
    if (status === 'InstallError') this.failed += 1;
    if (status === 'NoPolicy') this.noPolicy += 1;
    if (status === 'ApprovedPending') this.approvedPending += 1;
    if (status === 'RebootRequired') this.rebootRequired += 1;
  }

  value(): PatchesValue {
    return {
      devices: this.devices,
      compliant: this.compliant,
      pct: pct(this.compliant, this.devices),
      pendingCritical: null,
      criticalOverdueDevices: null,
      criticalCompliantPct: null,
      failed: this.failed,
      oldestPendingDays: null,
      pendingOver48hCritical: null,
      pendingOver14d: null,
      pendingOver30d: null,
      serversPendingOver14d: null,
      workstationsPendingOver30d: null,
      notApplicable: { ...NOT_APPLICABLE },
      automated: this.automated,
      automatedPct: pct(this.automated, this.managed),
      nonCompliant: this.nonCompliant.list(),
      nonCompliantTotal: this.nonCompliant.total,
      managedDevices: this.managed,
      noPolicy: this.noPolicy,
      approvedPending: this.approvedPending,
      rebootRequired: this.rebootRequired,
      noData: this.noData,
      unrecognised: this.unrecognised,
      byStatus: { ...this.byStatus },
      patchesApprovedPending: this.approvedPendingPatches,
      patchesNotApproved: this.notApprovedPatches,
      patchWindowDays: null,
      basis: 'datto_patch_status',
    };
  }
}
