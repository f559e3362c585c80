/**
 * `backup.protection` derivation (docs/evidence.md), pure and incremental: one call per protected object as the
 * pages arrive, counters and capped name lists only, so memory does not grow with the estate.
 *
 *   protected          objects in `GET /api/v1/backupObjects` that pass the config filters
 *   succeeded24h       objects whose newest restore point was created within 24 h of the scan (now − t ≤ 24 h).
 *                      A restore point exists only when a run (Success or Warning) wrote one, so it is the
 *                      last *successful* backup of that object.
 *   oldestSuccessHours the largest "hours since newest restore point"; null when one object has none, or none are
 *                      protected — display only: rules gate on freshPct/staleOver72h, which stay monotonic
 *   neverSucceeded     objects without any restore point: a failure of each object (DESIGN §7), so they count as
 *                      not succeeded in 24 h and as stale, never as "unknown"
 *   fresh72h, freshPct objects whose newest restore point is within 72 h; share of protected
 *   staleOver72h       protected − fresh72h (never-succeeded objects included)
 *   successRate30d     from backup job sessions (sessions.ts), merged in by `value`
 *   failing            objects without a restore point in 24 h, or whose last run failed (`lastRunFailed`, 1.3+)
 *   objectNames        the objects' `name` as VBR shows it — input of the backup.coverage join
 */
import { type BackupProtectionValue, CappedCollector, JOIN_NAMES_CAP, pct } from '../../src/domain/evidence.js';
import { nameMatcher, type VeeamVbrConfig } from './config.js';
import type { JobsValue } from './jobs.js';
import type { SessionsValue } from './sessions.js';
import type { BackupObject } from './schema.js';
import { hoursBetween } from './time.js';

/** Host names for the coverage join (docs/evidence.md). */
export const OBJECT_NAMES_CAP = JOIN_NAMES_CAP;
const DAY_MS = 24 * 3_600_000;
/** The freshness window of the service level (DESIGN §7, reference: no good point in more than 72 h fails). */
const FRESH_MS = 72 * 3_600_000;

export interface ProtectionValue extends BackupProtectionValue {
  /** Objects whose last run failed per `lastRunFailed`; null when the API revision does not report it (< 1.3). */
  lastRunFailed: number | null;
  /** Objects left out by `platforms`, `excludeTypes` or `excludeObjects`. */
  excluded: number;
  /** From job states; null when they could not be read (see `notes`). */
  jobs: number | null;
  failingJobs: string[] | null;
  failingJobsTotal: number | null;
  apiVersion: string;
  notes: string[];
}

export interface ObjectResult {
  name: string;
  /** Epoch ms of the newest restore point, null when there is none. */
  newestMs: number | null;
  lastRunFailed: boolean | null;
}

/** Display name of an object: its `name`, or its id when VBR gave none. */
export function objectName(o: BackupObject): string {
  return o.name && o.name.trim() ? o.name.trim() : o.id;
}

/** The config filters as one predicate: true = the object is a protected workload we measure. */
export function objectFilter(config: Pick<VeeamVbrConfig, 'platforms' | 'excludeTypes' | 'excludeObjects'>): (o: BackupObject) => boolean {
  const platforms = config.platforms ? new Set(config.platforms.map((p) => p.toLowerCase())) : null;
  const types = new Set(config.excludeTypes.map((t) => t.toLowerCase()));
  const excludedName = nameMatcher(config.excludeObjects);
  return (o) => {
    if (platforms && !platforms.has(o.platformName.toLowerCase())) return false;
    if (o.type && types.has(o.type.toLowerCase())) return false;
    return !excludedName(objectName(o));
  };
}

export class ProtectionTally {
  private protectedCount = 0;
  private succeeded = 0;
  private never = 0;
  private fresh = 0;
  private lastRunFailedCount = 0;
  private excludedCount = 0;
  private maxAgeMs = 0;
  private readonly failing = new CappedCollector();
  private readonly names = new CappedCollector(OBJECT_NAMES_CAP);

  constructor(
    private readonly nowMs: number,
    /** Whether the API revision reports `lastRunFailed` on backup objects. */
    private readonly lastRunReported: boolean,
  ) {}

  exclude(): void {
    this.excludedCount += 1;
  }

  add(o: ObjectResult): void {
    this.protectedCount += 1;
    this.names.add(o.name);
    let recent = false;
    if (o.newestMs === null) {
      this.never += 1;
    } else {
      // A point stamped in the future (clock skew between VBR and us) is as fresh as it gets.
      const age = Math.max(0, this.nowMs - o.newestMs);
      recent = age <= DAY_MS;
      if (recent) this.succeeded += 1;
      if (age <= FRESH_MS) this.fresh += 1;
      this.maxAgeMs = Math.max(this.maxAgeMs, age);
    }
    const lastFailed = this.lastRunReported && o.lastRunFailed === true;
    if (lastFailed) this.lastRunFailedCount += 1;
    if (!recent || lastFailed) this.failing.add(o.name);
  }

  /**
   * `sessions` null = the run history was not read (no `successRate30d`); a failed read arrives as
   * `{ unknownReason }` and leaves the rest of the value intact.
   */
  value(jobs: JobsValue | null, apiVersion: string, notes: string[] = [], sessions: SessionsValue | null = null): ProtectionValue {
    const unknownReasons: Record<string, string> = {};
    if (sessions?.unknownReason) unknownReasons.successRate30d = sessions.unknownReason;
    return {
      protected: this.protectedCount,
      succeeded24h: this.succeeded,
      pct: pct(this.succeeded, this.protectedCount),
      // Display only (see BackupProtectionValue): rules gate on freshPct/staleOver72h.
      oldestSuccessHours: this.protectedCount === 0 || this.never > 0 ? null : hoursBetween(this.maxAgeMs, 0),
      failing: this.failing.list(),
      failingTotal: this.failing.total,
      objectNames: this.names.list(),
      objectNamesTotal: this.names.total,
      neverSucceeded: this.never,
      fresh72h: this.fresh,
      freshPct: pct(this.fresh, this.protectedCount),
      staleOver72h: this.protectedCount - this.fresh,
      ...successRate(sessions, this.protectedCount),
      ...(Object.keys(unknownReasons).length > 0 ? { unknownReasons } : {}),
      lastRunFailed: this.lastRunReported ? this.lastRunFailedCount : null,
      excluded: this.excludedCount,
      jobs: jobs?.jobs ?? null,
      failingJobs: jobs?.failingJobs ?? null,
      failingJobsTotal: jobs?.failingJobsTotal ?? null,
      apiVersion,
      notes,
    };
  }
}

/**
 * successRate30d/runs30d from the session tally. No finished run in 30 days while workloads are protected is 0 %, not
 * "unknown": a protected workload that should have runs and has none is a failure (DESIGN §7), and an empty history
 * must never score better than a failing one.
 */
export function successRate(sessions: SessionsValue | null, protectedCount: number): { successRate30d: number | null; runs30d: number | null } {
  if (sessions === null || sessions.runs === null) return { successRate30d: null, runs30d: null };
  if (sessions.runs === 0) return { successRate30d: protectedCount > 0 ? 0 : null, runs30d: 0 };
  return { successRate30d: pct(sessions.succeeded, sessions.runs), runs30d: sessions.runs };
}
