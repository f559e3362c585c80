/**
 * `backup.protection` from Acronis resource statuses, aggregated item by item (nothing but capped name lists is
 * kept). Per workload:
 *
 * - **protected** ⇔ at least one applied policy of type `policy.backup.machine` and the aggregate status is not
 *   `not_protected` (the documented "no protection plan" value). A plan without a backup module (antimalware or
 *   patching only) does not make a workload protected.
 * - **last success** = the newest `last_success_run` over its backup policies (a machine may carry several plans).
 * - **last run failed** ⇔ some backup policy has a `last_run` newer than its `last_success_run` (or a run and no
 *   success at all). Acronis sets both to the same start time when a run succeeds; a later `last_run` means the
 *   latest run did not complete without errors. Not counted while the aggregate says a run is in progress
 *   (`running`), because the current run's start is newer than the last success until it finishes.
 * - **succeeded24h** ⇔ last success within 24 h of the scan (a success stamped in the future by clock skew counts as
 *   0 h old); **failing** ⇔ not succeeded24h, or last run failed.
 * - **never succeeded** (no `last_success_run` on any backup policy) is a failure of that workload (DESIGN §7): not
 *   succeeded in 24 h, stale past 72 h. `oldestSuccessHours` then has no age to show and is null — display only;
 *   rules gate on `freshPct`/`staleOver72h`, which only get worse when a workload does.
 * - **successRate30d** is not applicable: see NOT_APPLICABLE below.
 */
import { type BackupProtectionValue, CappedCollector, JOIN_NAMES_CAP, pct } from '../../src/domain/evidence.js';
import { BACKUP_POLICY_TYPE } from './endpoints.js';
import type { PolicyExecution, ResourceStatus } from './schema.js';

const HOUR_MS = 3_600_000;
export const SUCCESS_WINDOW_HOURS = 24;
/** The freshness window of the service level (reference: no good point in more than 72 h fails). */
export const FRESH_WINDOW_HOURS = 72;

/**
 * Why Acronis gives no 30-day run success rate here. The resource statuses carry only the last run and last success
 * per plan, not the history; the Task Manager API (`/api/task_manager/v2/tasks`) has one, but its task shape is
 * contested (the official examples read `result.code`, the published partial OAS `result_code`) and no source we
 * trust says how a backup task is told from an antimalware or patch task, so counting them would be a guess.
 */
export const NOT_APPLICABLE = {
  successRate30d:
    'the Acronis collector reads resource statuses, which carry only the last run and last success per protection plan; ' +
    'the Task Manager run history is not read (its task shape and backup-task type are unverified); ' +
    'backup service level rests on freshness and 24 h success instead',
} as const;
/** Host names for the coverage join (docs/evidence.md). */
export const OBJECT_NAMES_CAP = JOIN_NAMES_CAP;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface ProtectionValue extends BackupProtectionValue {
  /** Workloads of the queried types in scope, protected or not. */
  workloads: number;
  /** Workloads without a backup plan (capped), with the true count. */
  unprotected: string[];
  unprotectedTotal: number;
  /** Protected workloads whose latest backup run did not succeed. */
  lastRunFailed: number;
  /** Items dropped because their tenant UUID is not the configured customer tenant. */
  excludedOtherTenant: number;
  resourceTypes: string[];
  customerTenantId: string | null;
}

export interface TallyOptions {
  now: Date;
  customerTenantId?: string;
  resourceTypes: readonly string[];
}

/** Shown when a resource carries neither a name nor an id (the OpenAPI makes `id` optional). */
export const UNNAMED_WORKLOAD = '(unnamed workload)';

/**
 * Host name for messages and the coverage join: `name` is the machine name; the user may have renamed it. The ids
 * only stand in when the names are empty, so the workload is still counted and listed.
 */
export function workloadName(item: ResourceStatus): string {
  const c = item.context;
  return c.name?.trim() || c.user_defined_name?.trim() || c.id?.trim() || c.external_id?.trim() || UNNAMED_WORKLOAD;
}

const lastSuccessOf = (p: PolicyExecution): number | null => p.last_success_run ?? p.last_success_run_time;
const lastRunOf = (p: PolicyExecution): number | null => p.last_run ?? p.last_run_time;

function isRunning(item: ResourceStatus): boolean {
  const a = item.aggregate;
  return a?.status === 'running' || a?.running?.state === 'running';
}

export interface WorkloadVerdict {
  protected: boolean;
  lastSuccessMs: number | null;
  lastRunFailed: boolean;
}

/** The per-workload facts, pure (exported for tests). */
export function judgeWorkload(item: ResourceStatus): WorkloadVerdict {
  const backups = item.policies.filter((p) => p.type === BACKUP_POLICY_TYPE);
  if (item.aggregate?.status === 'not_protected' || backups.length === 0) {
    return { protected: false, lastSuccessMs: null, lastRunFailed: false };
  }
  let lastSuccessMs: number | null = null;
  let lastRunFailed = false;
  const running = isRunning(item);
  for (const p of backups) {
    const success = lastSuccessOf(p);
    const run = lastRunOf(p);
    if (success !== null && (lastSuccessMs === null || success > lastSuccessMs)) lastSuccessMs = success;
    if (!running && run !== null && (success === null || run > success)) lastRunFailed = true;
  }
  return { protected: true, lastSuccessMs, lastRunFailed };
}

export class ProtectionTally {
  private workloads = 0;
  private protectedCount = 0;
  private succeeded = 0;
  private lastRunFailed = 0;
  private neverSucceeded = 0;
  private fresh = 0;
  private excluded = 0;
  private oldestMs = 0;
  private readonly failing = new CappedCollector();
  private readonly unprotected = new CappedCollector();
  private readonly objectNames = new CappedCollector(OBJECT_NAMES_CAP);
  private readonly nowMs: number;

  constructor(private readonly opts: TallyOptions) {
    this.nowMs = opts.now.getTime();
  }

  /**
   * The server filters by `tenant_id`; this double-checks where the two ids are comparable (both UUIDs). A legacy
   * integer tenant id cannot be compared with the configured UUID and is trusted to the server-side filter.
   */
  private outOfScope(item: ResourceStatus): boolean {
    const wanted = this.opts.customerTenantId;
    const got = item.context.tenant_id;
    if (!wanted || typeof got !== 'string' || !UUID.test(got)) return false;
    return got.toLowerCase() !== wanted.toLowerCase();
  }

  add(item: ResourceStatus): void {
    if (this.outOfScope(item)) {
      this.excluded += 1;
      return;
    }
    this.workloads += 1;
    const name = workloadName(item);
    const verdict = judgeWorkload(item);
    if (!verdict.protected) {
      this.unprotected.add(name);
      return;
    }
    this.protectedCount += 1;
    this.objectNames.add(name);
    if (verdict.lastRunFailed) this.lastRunFailed += 1;
    let ok24h = false;
    if (verdict.lastSuccessMs === null) {
      this.neverSucceeded += 1;
    } else {
      const age = Math.max(0, this.nowMs - verdict.lastSuccessMs);
      this.oldestMs = Math.max(this.oldestMs, age);
      ok24h = age <= SUCCESS_WINDOW_HOURS * HOUR_MS;
      if (age <= FRESH_WINDOW_HOURS * HOUR_MS) this.fresh += 1;
    }
    if (ok24h) this.succeeded += 1;
    if (!ok24h || verdict.lastRunFailed) this.failing.add(name);
  }

  /** Items that reached the tally, excluded ones included (for request/page sanity logs). */
  get seen(): number {
    return this.workloads + this.excluded;
  }

  value(): ProtectionValue {
    // Display only (see BackupProtectionValue): rules gate on freshPct/staleOver72h.
    const oldestSuccessHours =
      this.protectedCount === 0 || this.neverSucceeded > 0 ? null : Math.round((this.oldestMs / HOUR_MS) * 10) / 10;
    return {
      protected: this.protectedCount,
      succeeded24h: this.succeeded,
      pct: pct(this.succeeded, this.protectedCount),
      oldestSuccessHours,
      failing: this.failing.list(),
      failingTotal: this.failing.total,
      objectNames: this.objectNames.list(),
      objectNamesTotal: this.objectNames.total,
      neverSucceeded: this.neverSucceeded,
      fresh72h: this.fresh,
      freshPct: pct(this.fresh, this.protectedCount),
      staleOver72h: this.protectedCount - this.fresh,
      successRate30d: null,
      runs30d: null,
      notApplicable: { ...NOT_APPLICABLE },
      workloads: this.workloads,
      unprotected: this.unprotected.list(),
      unprotectedTotal: this.unprotected.total,
      lastRunFailed: this.lastRunFailed,
      excludedOtherTenant: this.excluded,
      resourceTypes: [...this.opts.resourceTypes],
      customerTenantId: this.opts.customerTenantId ?? null,
    };
  }
}
