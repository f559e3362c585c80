/**
 * `backup.immutability` from the repository settings (`GET /api/v1/backupInfrastructure/repositories`), counted
 * over the repositories that actually hold the tenant's backups: the targets of its jobs (`repositoryId` of
 * `GET /api/v1/jobs/states`, after `excludeJobs`). A repository nothing on this server writes to (a spare, another
 * client's target on a shared server) is neither a credit nor a gap. A job aimed at a scale-out repository writes to
 * its extents, so a scale-out target (`GET /api/v1/backupInfrastructure/scaleOutRepositories`, read only then) is
 * replaced by its performance extents plus, when those tiers are on, its capacity extents and archive extent.
 *
 * A repository is immutable when its own settings say so (schema.ts lists where each type keeps them):
 * - LinuxHardened: `repository.makeRecentBackupsImmutableDays` > 0 — the period;
 * - object storage and deduplicating appliances: `immutability.isEnabled` — the period is `daysCount`. From 1.3 an
 *   object storage repository may be in `immutabilityMode: RetentionSettings` ("for the entire duration of their
 *   retention policy"): the effective period is then the longer of the job retention and `daysCount` (Veeam user
 *   guide, helpcenter.veeam.com/docs/vbr/userguide/veeam_data_cloud_details.html), so `daysCount` stays a lower bound;
 * - archive tiers (AmazonS3Glacier, AzureArchive): `immutabilityEnabled` — immutable, with no period of their own.
 * Every other type (Windows/Linux local, SMB, NFS, …) is not: a backup administrator can delete its files.
 *
 * `minImmutableDays` is the shortest period among the immutable repositories (the weakest copy is the one an
 * attacker waits out), 0 when none is immutable (nothing is protected for any day), and null — with the reason in
 * `unknownReasons` — only when every immutable repository is an archive tier without a period of its own.
 * A job target that is neither a repository nor a scale-out repository of this server (removed since, or a Cloud
 * Connect target the list does not show) is left out of the counts and named in `unresolvedTargets`: its settings
 * cannot be read, and guessing "mutable" would be a false regression.
 */
import { CappedCollector, pct } from '../../src/domain/evidence.js';
import type { JobState, Repository, ScaleOutRepository } from './schema.js';

export interface RepositoryImmutability {
  immutable: boolean;
  /** The period in days, or null when the repository is immutable without a period of its own (or mutable). */
  days: number | null;
}

/** What one repository's settings say (see the module comment). */
export function immutabilityOf(r: Repository): RepositoryImmutability {
  const hardenedDays = r.repository?.makeRecentBackupsImmutableDays ?? null;
  if (hardenedDays !== null && hardenedDays > 0) return { immutable: true, days: hardenedDays };
  for (const settings of [r.repository, r.bucket, r.container]) {
    const im = settings?.immutability;
    if (im?.isEnabled === true) return { immutable: true, days: im.daysCount !== null && im.daysCount !== undefined && im.daysCount > 0 ? im.daysCount : null };
  }
  if (r.bucket?.immutabilityEnabled === true || r.container?.immutabilityEnabled === true) return { immutable: true, days: null };
  return { immutable: false, days: null };
}

/** The repository ids a scale-out repository writes to: performance extents, then enabled capacity and archive tiers. */
export function extentsOf(s: ScaleOutRepository): string[] {
  const ids = s.performanceTier.performanceExtents.map((e) => e.id);
  const capacityOn = s.capacityTier?.isEnabled ?? s.capacityTier?.enabled ?? false;
  if (capacityOn) ids.push(...(s.capacityTier?.extents ?? []).map((e) => e.id));
  if (s.archiveTier?.isEnabled && s.archiveTier.extentId) ids.push(s.archiveTier.extentId);
  return ids;
}

/**
 * VBR writes "no repository" as the nil GUID rather than null (the spec's TaskSessionsResultExample, 1.3-rev0 …
 * 1.3-rev2, has `"repositoryId": "00000000-0000-0000-0000-000000000000"` on a task with no target). A job state
 * carrying it (replicas, jobs without a backup target) has no target: it must neither become an "unresolved target"
 * nor make the scale-out list be read for nothing.
 */
const NIL_GUID = /^\{?0{8}-0{4}-0{4}-0{4}-0{12}\}?$/;

/** Job targets (after `excludeJobs`), by id, with a name to show when the target cannot be resolved. */
export function jobTargets(jobs: readonly JobState[], excluded: (name: string) => boolean): Map<string, string> {
  const targets = new Map<string, string>();
  for (const j of jobs) {
    if (excluded(j.name) || !j.repositoryId || NIL_GUID.test(j.repositoryId.trim())) continue;
    if (!targets.has(j.repositoryId)) targets.set(j.repositoryId, j.repositoryName?.trim() || j.repositoryId);
  }
  return targets;
}

export interface ImmutabilityValue extends Record<string, unknown> {
  /** Repositories holding the tenant's backups (job targets, scale-out targets expanded to their extents). */
  repositories: number;
  immutable: number;
  pct: number | null;
  minImmutableDays: number | null;
  /** "name (type, N d)" of the immutable ones and "name (type)" of the others, capped. */
  immutableRepositories: string[];
  mutableRepositories: string[];
  mutableRepositoriesTotal: number;
  /** Job targets found in neither repository list (left out of the counts). */
  unresolvedTargets: string[];
  /** Jobs read and jobs with a target (after `excludeJobs`). */
  jobs: number;
  targets: number;
  /** Repositories on the server, whether or not a job of the tenant writes to them. */
  repositoriesOnServer: number;
  basis: 'job_targets';
  unknownReasons?: Record<string, string>;
}

export interface ImmutabilityInput {
  jobs: readonly JobState[];
  repositories: readonly Repository[];
  /** Null when no target needed them (none was read). */
  scaleOut: readonly ScaleOutRepository[] | null;
  excluded: (name: string) => boolean;
}

/** True when some target is not a plain repository, so the scale-out list must be read. */
export function needsScaleOut(jobs: readonly JobState[], repositories: readonly Repository[], excluded: (name: string) => boolean): boolean {
  const known = new Set(repositories.map((r) => r.id.toLowerCase()));
  return [...jobTargets(jobs, excluded).keys()].some((id) => !known.has(id.toLowerCase()));
}

export function deriveImmutability(input: ImmutabilityInput): ImmutabilityValue {
  // VBR ids are GUIDs; compare them case-insensitively (job states and repository lists need not agree on case).
  const byId = new Map(input.repositories.map((r) => [r.id.toLowerCase(), r]));
  const sobrById = new Map((input.scaleOut ?? []).map((s) => [s.id.toLowerCase(), s]));
  const targets = jobTargets(input.jobs, input.excluded);
  const holding = new Set<string>();
  const unresolved: string[] = [];
  for (const [id, name] of targets) {
    const key = id.toLowerCase();
    if (byId.has(key)) holding.add(key);
    else if (sobrById.has(key)) {
      for (const extent of extentsOf(sobrById.get(key)!)) {
        // An extent missing from the list cannot be judged; it is named like any other unresolved target.
        if (byId.has(extent.toLowerCase())) holding.add(extent.toLowerCase());
        else unresolved.push(`${sobrById.get(key)!.name ?? id} extent ${extent}`);
      }
    } else unresolved.push(name);
  }

  let immutable = 0;
  let minDays: number | null = null;
  let periodless = 0;
  const immutableNames: string[] = [];
  const mutable = new CappedCollector();
  for (const key of holding) {
    const r = byId.get(key)!;
    const name = r.name?.trim() || r.id;
    const im = immutabilityOf(r);
    if (!im.immutable) {
      mutable.add(`${name} (${r.type})`);
      continue;
    }
    immutable += 1;
    immutableNames.push(im.days === null ? `${name} (${r.type}, no period of its own)` : `${name} (${r.type}, ${im.days} d)`);
    if (im.days === null) periodless += 1;
    else if (minDays === null || im.days < minDays) minDays = im.days;
  }
  const value: ImmutabilityValue = {
    repositories: holding.size,
    immutable,
    pct: pct(immutable, holding.size),
    minImmutableDays: immutable === 0 ? 0 : minDays,
    immutableRepositories: immutableNames.sort(),
    mutableRepositories: mutable.list().sort(),
    mutableRepositoriesTotal: mutable.total,
    unresolvedTargets: unresolved.sort(),
    jobs: input.jobs.filter((j) => !input.excluded(j.name)).length,
    targets: targets.size,
    repositoriesOnServer: input.repositories.length,
    basis: 'job_targets',
  };
  if (immutable > 0 && minDays === null) {
    value.unknownReasons = {
      minImmutableDays:
        `the ${periodless} immutable repositories holding the backups report no immutability period of their own ` +
        `(archive tiers, or immutability set to follow each job's retention without a minimum period)`,
    };
  }
  return value;
}
