/**
 * zod schemas of the VBR REST responses the collector reads (OpenAPI 1.1-rev0, 1.2-rev1, 1.3-rev1, 1.3-rev2).
 * Loose on fields we do not use (VBR adds properties with every revision), strict on the ones we do, and tolerant of
 * the documented quirks: `platformName` values outside the enum in Veeam's own examples ("Vcd", "VmWare"), job
 * `status` in lower case up to 1.2 and capitalised from 1.3, `null` for absent dates and ids.
 */
import { z } from 'zod';
import { parseVeeamTime } from './time.js';

/** ISO 8601 with offset → epoch milliseconds (UTC). A value that is not a date-time is a schema violation. */
export const veeamTime = z.string().transform((text, ctx) => {
  const epoch = parseVeeamTime(text);
  if (epoch === null) {
    ctx.addIssue({ code: 'custom', message: `not an ISO 8601 date-time: ${JSON.stringify(text.slice(0, 40))}` });
    return z.NEVER;
  }
  return epoch;
});

/** `PaginationResult`: total and count are required by the spec; we rely on total and the length of `data`. */
export const pagination = z.looseObject({
  total: z.number().int().min(0),
  count: z.number().int().min(0).optional(),
  skip: z.number().int().nullish(),
  limit: z.number().int().nullish(),
});

export function pageOf<T extends z.ZodType>(item: T) {
  return z.looseObject({ data: z.array(item), pagination });
}

/** `BackupObjectModel` (+ Vi/Agent/CloudDirector/EntraID variants, which only add fields). */
export const backupObject = z.looseObject({
  id: z.string().min(1),
  name: z.string().nullish(),
  type: z.string().nullish(),
  platformName: z.string().min(1),
  restorePointsCount: z.number().int().min(0).nullish(),
  /** From 1.3-rev0 (VBR 13): the last run of the job that protects the object failed. */
  lastRunFailed: z.boolean().nullish(),
});
export type BackupObject = z.output<typeof backupObject>;
export const backupObjectsPage = pageOf(backupObject);

/** `ObjectRestorePointModel`: we read only `creationTime` (required by the spec). */
export const restorePoint = z.looseObject({
  id: z.string().min(1),
  creationTime: veeamTime,
});
export type RestorePoint = z.output<typeof restorePoint>;
export const restorePointsPage = pageOf(restorePoint);

export const SESSION_RESULTS = ['None', 'Success', 'Warning', 'Failed'] as const;

/** `JobStateModel`. */
export const jobState = z.looseObject({
  id: z.string().min(1),
  name: z.string(),
  type: z.string().nullish(),
  /** running|inactive|disabled (1.1–1.2); Running|Inactive|Disabled|Enabled|Stopping|Stopped|Starting (1.3). */
  status: z.string(),
  lastResult: z.enum(SESSION_RESULTS),
  lastRun: veeamTime.nullish(),
  /** The job's target: a backup repository or a scale-out backup repository (`backup.immutability`). */
  repositoryId: z.string().nullish(),
  repositoryName: z.string().nullish(),
});
export type JobState = z.output<typeof jobState>;
export const jobStatesPage = pageOf(jobState);

/** `ObjectStorageImmutabilityModel` / `RepositoryImmutabilityModel`: `{ isEnabled, daysCount }` (+ `immutabilityMode` 1.3). */
const immutabilitySettings = z.looseObject({
  isEnabled: z.boolean().nullish(),
  daysCount: z.number().int().nullish(),
});

/**
 * The parts of a repository's settings that say whether its restore points are immutable, wherever the spec puts
 * them: `repository.makeRecentBackupsImmutableDays` (LinuxHardened), `repository.immutability` (DellDataDomain,
 * HPEStoreOnce, 1.3-rev2), `bucket.immutability` (AmazonS3, S3Compatible, GoogleCloud, IBMCloud, WasabiCloud),
 * `container.immutability` (AzureBlob 1.3+, VeeamDataCloudVault), and the bare `bucket.immutabilityEnabled` /
 * `container.immutabilityEnabled` of the archive tiers (AmazonS3Glacier, AzureArchive: no period of their own).
 */
const storageSettings = z.looseObject({
  makeRecentBackupsImmutableDays: z.number().int().nullish(),
  immutability: immutabilitySettings.nullish(),
  immutabilityEnabled: z.boolean().nullish(),
});

/** `RepositoryModel` (`GET /api/v1/backupInfrastructure/repositories`): id, name and type are required by the spec. */
export const repository = z.looseObject({
  id: z.string().min(1),
  name: z.string().nullish(),
  /** `ERepositoryType` (WinLocal, LinuxHardened, S3Compatible, …): a string, new types every revision. */
  type: z.string(),
  repository: storageSettings.nullish(),
  bucket: storageSettings.nullish(),
  container: storageSettings.nullish(),
});
export type Repository = z.output<typeof repository>;
export const repositoriesPage = pageOf(repository);

/** `ScaleOutRepositoryModel`: the extents a job aimed at a scale-out repository actually writes to. */
export const scaleOutRepository = z.looseObject({
  id: z.string().min(1),
  name: z.string().nullish(),
  performanceTier: z.looseObject({ performanceExtents: z.array(z.looseObject({ id: z.string().min(1), name: z.string().nullish() })) }),
  /** `enabled` in 1.1-rev0, `isEnabled` from 1.2 on. */
  capacityTier: z
    .looseObject({ isEnabled: z.boolean().nullish(), enabled: z.boolean().nullish(), extents: z.array(z.looseObject({ id: z.string().min(1) })).nullish() })
    .nullish(),
  archiveTier: z.looseObject({ isEnabled: z.boolean().nullish(), extentId: z.string().nullish() }).nullish(),
});
export type ScaleOutRepository = z.output<typeof scaleOutRepository>;
export const scaleOutRepositoriesPage = pageOf(scaleOutRepository);

/**
 * `SessionModel` (`GET /api/v1/sessions`). `sessionType` is `Job` in 1.1-rev0 and `BackupJob` from 1.2 on (more types
 * every revision: a string, filtered by the collector); the job id is `activityId` in 1.1-rev0 and `jobId` later, and
 * neither is read. `result` is absent while a session has no result yet.
 */
export const session = z.looseObject({
  id: z.string().min(1),
  name: z.string().nullish(),
  sessionType: z.string(),
  /** Stopped|Starting|Stopping|Working|Pausing|Resuming|WaitingTape|Idle|Postprocessing|WaitingRepository|WaitingSlot|… */
  state: z.string(),
  creationTime: veeamTime,
  endTime: veeamTime.nullish(),
  result: z
    .looseObject({
      result: z.enum(SESSION_RESULTS),
      message: z.string().nullish(),
      isCanceled: z.boolean().nullish(),
    })
    .nullish(),
});
export type Session = z.output<typeof session>;
export const sessionsPage = pageOf(session);

/** A refused sign-in: VBR answers `{ errorCode, message }` instead of RFC 6749's `{ error, error_description }`. */
export const tokenErrorBody = z.looseObject({
  errorCode: z.string().min(1),
  message: z.string().optional(),
});

/** `Error`, the body of every 4xx/5xx (spec: errorCode and message required). Used by tests and docs. */
export const vbrErrorBody = z.looseObject({
  errorCode: z.string(),
  message: z.string(),
  resourceId: z.string().nullish(),
});
