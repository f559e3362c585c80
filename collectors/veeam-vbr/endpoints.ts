/**
 * Every VBR REST path the collector calls, the least role that may call it, and the query it sends. One table so
 * that error messages, doctor and the README name the same role and the same parameters.
 */
import type { ApiVersion } from './config.js';

export const TOKEN_PATH = '/api/oauth2/token';

/**
 * Least built-in role that can read every endpoint we call, sessions included ("Available to" in the 1.1-rev0 … 1.3-rev2 specs). Custom
 * roles cannot obtain a token up to 1.3-rev1 (Login: "Authentication with custom roles is not allowed").
 */
export const LEAST_ROLE = 'Veeam Backup Viewer';

/**
 * The budget Ratchet paces itself to per VBR server (config `rateLimit` overrides it). VBR declares no limit (no 429
 * in its spec), and one scan's load is already bounded by `concurrency` (8 look-ups in flight: some 80 requests a
 * second at a typical 100 ms each). What this conservative default of ours adds is a cap for the fleet: however many
 * workers scan tenants served by the same backup server at once, together they send at most 2,000 requests per 10 s
 * (200 a second, two or three scans' worth) — the per-object restore-point look-ups are the bulk of a scan.
 */
export const PACING = { limit: 2000, intervalMs: 10_000 } as const;

/** Page size for skip/limit paging. VBR publishes no maximum; its own examples answer with limit 200. */
export const PAGE_SIZE = 200;

export const PATHS = {
  jobStates: '/api/v1/jobs/states',
  backupObjects: '/api/v1/backupObjects',
  /** 1.1-rev1 and later (renamed from /api/v1/objectRestorePoints: "Breaking Changes" of REST API 1.1-rev1). */
  restorePoints: '/api/v1/restorePoints',
  /** 1.1-rev0 (VBR 12.0) only. */
  objectRestorePoints: '/api/v1/objectRestorePoints',
  /** Run history (every revision): backup job runs for successRate30d, SureBackup runs for backup.verification. */
  sessions: '/api/v1/sessions',
  /** Repository settings, immutability included (every revision; claim ViewRepositories, Backup Viewer and up). */
  repositories: '/api/v1/backupInfrastructure/repositories',
  /** Scale-out repositories: read only when a job targets one, to find the extents it writes to. */
  scaleOutRepositories: '/api/v1/backupInfrastructure/scaleOutRepositories',
} as const;

/** The run-history window of successRate30d. */
export const SESSION_WINDOW_DAYS = 30;

/** Session types that are backup job runs: `Job` in 1.1-rev0 (its enum has no `BackupJob`), `BackupJob` from 1.2. */
export const BACKUP_SESSION_TYPES: ReadonlySet<string> = new Set(['Job', 'BackupJob']);

/**
 * Backup job sessions created after `since`, oldest first (so a session created while we page lands on the last
 * page instead of shifting the earlier ones). `typeFilter` only where the spec names the value: 1.1-rev0 `Job`,
 * 1.2+ `BackupJob`; 1.1-rev1/rev2 have no published spec here, so they get no type filter and the collector keeps
 * only BACKUP_SESSION_TYPES — an unknown enum value would make VBR answer 400.
 */
export function sessionsQuery(version: ApiVersion, since: Date): Record<string, string | number | boolean> {
  const typeFilter = version === '1.1-rev0' ? 'Job' : version.startsWith('1.1-') ? null : 'BackupJob';
  return {
    createdAfterFilter: since.toISOString(),
    orderColumn: 'CreationTime',
    orderAsc: true,
    ...(typeFilter ? { typeFilter } : {}),
  };
}

/** The window of `verifications90d`/`failed90d` (`backup.verification`). */
export const VERIFICATION_WINDOW_DAYS = 90;

/**
 * Session type of a SureBackup job run (automated recovery verification: the machines are started from the backup in
 * an isolated virtual lab and tested). `SureBackup` is in `ESessionType` of the 1.2-rev1, 1.3-rev0, 1.3-rev1 and
 * 1.3-rev2 specs; the 1.1-rev0 spec (VBR 12.0) has no SureBackup value at all, and no 1.1-rev1/1.1-rev2/1.2-rev0 spec
 * was at hand (UNVERIFIED there). Not counted: `SureBackupContentScan` (1.3-rev1+, "SureBackup Lite": an antivirus/
 * YARA/CRC scan of backup content that starts no machine — it proves the files are clean, not that they recover).
 */
export const SUREBACKUP_SESSION_TYPES: ReadonlySet<string> = new Set(['SureBackup']);

/**
 * SureBackup sessions, newest ended first (so the walk can stop as soon as it has the newest verified run and has
 * passed the 90-day window), or null where the revision cannot list them: 1.1-rev0's `ESessionType` has no
 * SureBackup, and a type filter outside the enum would be answered 400. 1.1-rev1/1.1-rev2 get the filter too
 * (UNVERIFIED that their enum has it; a 400 there becomes `unavailable` naming the revision).
 */
export function sureBackupQuery(version: ApiVersion): Record<string, string | number | boolean> | null {
  if (version === '1.1-rev0') return null;
  return { typeFilter: 'SureBackup', orderColumn: 'EndTime', orderAsc: false };
}

/** The restore point collection for this API revision. */
export function restorePointsPath(version: ApiVersion): string {
  return version === '1.1-rev0' ? PATHS.objectRestorePoints : PATHS.restorePoints;
}

/** Newest restore point of one backup object: filtered by object, newest first, one row. */
export function newestRestorePointQuery(backupObjectId: string): Record<string, string | number | boolean> {
  return { backupObjectIdFilter: backupObjectId, orderColumn: 'CreationTime', orderAsc: false, limit: 1 };
}

/** `lastRunFailed` on backup objects exists from 1.3-rev0 (VBR 13) on. */
export function reportsLastRunFailed(version: ApiVersion): boolean {
  return version.startsWith('1.3-');
}
