/**
 * One simulated Veeam Backup & Replication server per tenant, derived from the tenant's Estate: its build and the
 * REST revisions (`x-api-version`) it accepts, its UTC offset, the backup objects (one per estate backup object,
 * plus a VM template that only full runs protect), their restore points and the jobs that protect them.
 *
 * Consistency with the estate: an object's newest restore point is the estate's `lastSuccess` (a point exists only
 * where a run succeeded); an object the estate marks as failing belongs to a job whose `lastResult` is `Failed` and
 * whose `lastRun` is the failed run; from 1.3-rev0 on, the object carries `lastRunFailed: true`. An object the estate
 * never backed up has no restore point (`restorePointsCount: 0`). Run history (`/api/v1/sessions`): one backup job
 * session a day per job over the last 30 days, the newest being the job's `lastRun` with its `lastResult`, and enough
 * older ones Failed (seeded choice) that the share of successful runs is the estate's `backupRunSuccessPct` to within
 * rounding — `vbrSessionTruth` states the exact figure; a daily configuration backup session is listed too (not a
 * backup job: the collector must leave it out). The estate's automated recovery verification runs
 * (`Estate.verificationRuns`, weekly, up to 180 days back) are the sessions of one SureBackup job (`SureBackup`),
 * so `vbrVerificationTruth` (the estate's `truth()['backup.verification']`, named) is what a correct collector reads
 * from them. Everything is a pure function of (seed, estate); the per-estate index (a few numbers per backup object)
 * is cached in a WeakMap, so a replaced estate (setProfile) drops it.
 */
import type { Estate } from '../../../src/simulator/estate.js';
import { guid } from '../../../src/simulator/ids.js';
import { Permutation } from '../../../src/simulator/permutation.js';
import { hash32 } from '../../../src/simulator/prng.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** REST revisions each build answers (helpcenter.veeam.com/docs/backup/vbr_rest/versioning.html). */
export const VBR_BUILDS = {
  '12.0': { version: '12.0.0.1420', revisions: ['1.0-rev1', '1.0-rev2', '1.1-rev0'] },
  '12.3.1': { version: '12.3.1.1139', revisions: ['1.0-rev1', '1.0-rev2', '1.1-rev0', '1.1-rev1', '1.1-rev2', '1.2-rev0', '1.2-rev1'] },
  '13.0.1': { version: '13.0.1.180', revisions: ['1.1-rev0', '1.1-rev1', '1.1-rev2', '1.2-rev0', '1.2-rev1', '1.3-rev0', '1.3-rev1'] },
} as const;
export type VbrBuild = keyof typeof VBR_BUILDS;

/** Non-UTC offsets of the backup servers (VBR stamps times in the server's local zone). */
const OFFSETS_MIN = [120, 60, -300, 330, 600, -180, 180, 480];

export type VbrPlatform = 'VMware' | 'HyperV' | 'WindowsPhysical';

export interface VbrObject {
  id: string;
  name: string;
  type: 'VM' | 'Computer' | 'Template';
  platformName: VbrPlatform;
  /** Estate backup-object index, -1 for the template. */
  k: number;
  /** Newest restore point; null when the object was never backed up (no points). */
  newestMs: number | null;
  /** Start of the object's last run (the failed one when `lastRunFailed`). */
  lastRunMs: number;
  lastRunFailed: boolean;
  points: number;
  job: number;
}

export interface VbrJob {
  id: string;
  name: string;
  platform: VbrPlatform | 'Template';
  objects: number;
  failed: boolean;
  warning: boolean;
  disabled: boolean;
  lastRunMs: number | null;
}

/**
 * A backup repository of the server. `default` is VBR's own "Default Backup Repository" (WinLocal, on the backup
 * server: the template and retired lab jobs write there); `primary` takes every other job — a hardened Linux
 * repository with the estate's `backupImmutableDays`, else an ordinary Windows one; `spare` is an old NAS share no job
 * uses any more (it must not count either way).
 */
export interface VbrRepository {
  id: string;
  name: string;
  type: 'WinLocal' | 'LinuxHardened' | 'Smb';
  role: 'default' | 'primary' | 'spare';
  /** makeRecentBackupsImmutableDays of a hardened repository; null otherwise. */
  immutableDays: number | null;
}

export interface VbrServer {
  build: VbrBuild;
  revisions: readonly string[];
  /** Newest revision the server accepts: what the tenant's config asks for. */
  newest: string;
  offsetMinutes: number;
  host: string;
  /** Backup objects in listing order (by id: failing and healthy objects interleave across pages). */
  objects: VbrObject[];
  byId: Map<string, number>;
  jobs: VbrJob[];
  /** Unique server-side seed (ids, fraction digits). */
  seed: number;
  /** Backup job and configuration backup sessions of the last 30 days, SureBackup sessions of 180, oldest first. */
  sessions: VbrSession[];
  repositories: VbrRepository[];
}

export interface VbrSession {
  /** Job index, -1 for the configuration backup, SUREBACKUP_JOB for the SureBackup job. */
  job: number;
  /** Days before the job's newest run (0 = newest); for SureBackup runs, the run's index in the estate's list. */
  day: number;
  createdMs: number;
  endMs: number;
  result: 'Success' | 'Warning' | 'Failed';
}

/** `VbrSession.job` of the SureBackup job's runs (the estate's automated recovery verification runs). */
export const SUREBACKUP_JOB = -2;
export const SUREBACKUP_JOB_NAME = 'SureBackup - Weekly recovery verification';

/** Build of a tenant's VBR server: 12.0 (1.1-rev0, objectRestorePoints), 12.3.1 or 13.0.1 (lastRunFailed). */
export function vbrBuildOf(seed: number): VbrBuild {
  const r = hash32(seed, 'vbr-build') % 5;
  return r === 0 ? '12.0' : r <= 2 ? '12.3.1' : '13.0.1';
}

const JOB_SIZE = 8;
const cache = new WeakMap<Estate, VbrServer>();

export function vbrServer(estate: Estate, tenantSeed: number): VbrServer {
  const hit = cache.get(estate);
  if (hit) return hit;
  const seed = hash32(tenantSeed, 'vbr');
  const build = vbrBuildOf(tenantSeed);
  const revisions = VBR_BUILDS[build].revisions;
  const now = estate.now.getTime();
  const platformOf = (k: number): VbrPlatform => {
    const r = hash32(seed, 'platform', k) % 10;
    return r < 6 ? 'VMware' : r < 8 ? 'HyperV' : 'WindowsPhysical';
  };

  const base = estate.backupObjects();
  // Jobs: per platform, consecutive estate objects in chunks (estate order puts healthy objects first, so most jobs
  // are all-healthy or all-failing and one boundary job per platform is mixed — Failed, as VBR reports a run in
  // which any object failed).
  const jobs: VbrJob[] = [];
  const objects: VbrObject[] = [];
  const open = new Map<VbrPlatform, number>();
  const counters = new Map<string, number>();
  const newJob = (platform: VbrJob['platform'], label: string): number => {
    const n = (counters.get(label) ?? 0) + 1;
    counters.set(label, n);
    jobs.push({ id: guid(seed, 'job', jobs.length), name: `${label} ${String(n).padStart(2, '0')}`, platform, objects: 0, failed: false, warning: false, disabled: false, lastRunMs: null });
    return jobs.length - 1;
  };
  const LABEL: Record<VbrPlatform, string> = { VMware: 'Servers vSphere', HyperV: 'Servers Hyper-V', WindowsPhysical: 'Windows agents' };
  for (const o of base) {
    const platform = platformOf(o.index);
    let j = open.get(platform);
    if (j === undefined || jobs[j]!.objects >= JOB_SIZE) {
      j = newJob(platform, LABEL[platform]);
      open.set(platform, j);
    }
    const job = jobs[j]!;
    const newestMs = o.lastSuccess === null ? null : o.lastSuccess.getTime();
    const lastRunMs = o.lastRun.getTime();
    job.objects += 1;
    job.failed ||= o.lastRunFailed;
    job.lastRunMs = Math.max(job.lastRunMs ?? 0, lastRunMs);
    objects.push({
      id: guid(seed, 'backup-object', o.index),
      name: o.name,
      type: platform === 'WindowsPhysical' ? 'Computer' : 'VM',
      platformName: platform,
      k: o.index,
      newestMs,
      lastRunMs,
      lastRunFailed: o.lastRunFailed,
      // Retention 14–30 points; an object whose newest point is old has kept its older ones too; never backed up: none.
      points: newestMs === null ? 0 : 14 + (hash32(seed, 'points', o.index) % 17),
      job: j,
    });
  }
  for (const job of jobs) job.warning = !job.failed && hash32(seed, 'warning', job.id) % 5 === 0;
  // A VM template protected monthly by full runs: old by design, excluded by the collector's default excludeTypes.
  const tplJob = newJob('Template', 'Templates monthly');
  const tplNewest = now - 12 * DAY - 3 * HOUR;
  jobs[tplJob]!.objects = 1;
  jobs[tplJob]!.lastRunMs = tplNewest;
  objects.push({ id: guid(seed, 'template'), name: 'tpl-win2022-std', type: 'Template', platformName: 'VMware', k: -1, newestMs: tplNewest, lastRunMs: tplNewest, lastRunFailed: false, points: 3, job: tplJob });
  // A retired lab job: disabled, last run failed months ago, no objects left. Not a failing job (it does not run).
  const lab = newJob('VMware', 'Old lab backup');
  Object.assign(jobs[lab]!, { disabled: true, failed: true, lastRunMs: now - 97 * DAY - 5 * HOUR });

  objects.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const byId = new Map(objects.map((o, i) => [o.id, i] as const));
  const server: VbrServer = {
    build,
    revisions,
    newest: revisions[revisions.length - 1]!,
    offsetMinutes: OFFSETS_MIN[hash32(seed, 'offset') % OFFSETS_MIN.length]!,
    host: `vbr01.${estate.domain}`,
    objects,
    byId,
    jobs,
    seed,
    sessions: [],
    repositories: vbrRepositories(seed, estate.knobs.backupImmutableDays ?? null),
  };
  server.sessions = buildSessions(server, now, estate.knobs.backupRunSuccessPct);
  // SureBackup: the estate's verification runs (up to 180 days back), merged into the one session collection.
  const sureBackup: VbrSession[] = estate.verificationRuns().map((r, i) => ({ job: SUREBACKUP_JOB, day: i, createdMs: r.start.getTime(), endMs: r.end.getTime(), result: r.result }));
  server.sessions = [...sureBackup, ...server.sessions].sort((a, b) => a.createdMs - b.createdMs || a.job - b.job);
  cache.set(estate, server);
  return server;
}

function vbrRepositories(seed: number, immutableDays: number | null): VbrRepository[] {
  const hardened = immutableDays !== null && immutableDays > 0;
  return [
    { id: guid(seed, 'repository', 'default'), name: 'Default Backup Repository', type: 'WinLocal', role: 'default', immutableDays: null },
    hardened
      ? { id: guid(seed, 'repository', 'primary'), name: 'Hardened Repository 01', type: 'LinuxHardened', role: 'primary', immutableDays }
      : { id: guid(seed, 'repository', 'primary'), name: 'Repository 01', type: 'WinLocal', role: 'primary', immutableDays: null },
    { id: guid(seed, 'repository', 'spare'), name: 'Old NAS share', type: 'Smb', role: 'spare', immutableDays: null },
  ];
}

/** The repository a job writes to: the template and the retired lab job use the default one, the rest the primary. */
export function repositoryOf(server: VbrServer, job: VbrJob): VbrRepository {
  const role = job.platform === 'Template' || job.disabled ? 'default' : 'primary';
  return server.repositories.find((r) => r.role === role)!;
}

/**
 * `backup.immutability` as a correct collector reports it from this server: the repositories jobs write to (the
 * default one always: the template job; the primary one when any estate workload is backed up), the hardened one
 * immutable for the estate's period.
 */
export function vbrImmutabilityTruth(server: VbrServer): { repositories: number; immutable: number; pct: number | null; minImmutableDays: number } {
  const used = server.repositories.filter((r) => server.jobs.some((j) => repositoryOf(server, j).id === r.id));
  const immutable = used.filter((r) => r.immutableDays !== null);
  const days = immutable.map((r) => r.immutableDays!);
  return {
    repositories: used.length,
    immutable: immutable.length,
    pct: used.length ? Math.round((immutable.length / used.length) * 1000) / 10 : null,
    minImmutableDays: days.length ? Math.min(...days) : 0,
  };
}

/** `RepositoryModel` as the spec's examples show it (RepositoriesResultExample, LinuxHardenedStorageModelExample, SmbStorageModelExample). */
export function renderRepository(server: VbrServer, r: VbrRepository, domain: string): Record<string, unknown> {
  const advancedSettings = { RotatedDriveCleanupMode: 'Disabled', alignDataBlocks: true, decompressBeforeStoring: false, rotatedDrives: false, perVmBackup: true };
  const mountServer = {
    mountServerSettingsType: 'Windows',
    windows: { mountServerId: guid(server.seed, 'host', 'vbr'), writeCacheFolder: 'C:\\ProgramData\\Veeam\\Backup\\IRCache\\', vPowerNFSEnabled: true, vPowerNFSPortSettings: { mountPort: 1058, vPowerNFSPort: 2049 } },
  };
  const base = {
    id: r.id,
    name: r.name,
    description: r.role === 'default' ? 'Created by Veeam Backup' : `Created by ${domain.split('.')[0]!.toUpperCase()}\\Administrator`,
    uniqueId: r.id.replace(/-/g, '').toUpperCase(),
    type: r.type,
    mountServer,
  };
  if (r.type === 'Smb') {
    return { ...base, share: { sharePath: `\\\\nas01.${domain}\\veeam`, credentialsId: guid(server.seed, 'credentials', 'nas'), gatewayServer: { autoSelectEnabled: true } }, repository: { taskLimitEnabled: true, maxTaskCount: 4, readWriteLimitEnabled: false, readWriteRate: 0, advancedSettings } };
  }
  if (r.type === 'LinuxHardened') {
    return {
      ...base,
      hostId: guid(server.seed, 'host', 'hardened'),
      repository: { path: '/mnt/veeam/repo01', taskLimitEnabled: true, maxTaskCount: 4, readWriteLimitEnabled: false, readWriteRate: 0, useFastCloningOnXFSVolumes: true, makeRecentBackupsImmutableDays: r.immutableDays, advancedSettings },
    };
  }
  return { ...base, hostId: guid(server.seed, 'host', r.role === 'default' ? 'vbr' : 'repo'), repository: { path: r.role === 'default' ? 'C:\\Backup' : 'E:\\Backups', taskLimitEnabled: true, maxTaskCount: 4, readWriteLimitEnabled: false, readWriteRate: 0, advancedSettings } };
}

const SESSION_WINDOW_MS = 30 * DAY;

/**
 * The run history: per job that ran in the window, one session a day back from its newest run (the template job's
 * monthly run gives one). Newest sessions carry the job's `lastResult`; of the older ones, a seeded choice fails so
 * that failed runs total `runs − round(runs × pct / 100)` (never fewer than the forced newest failures).
 */
function buildSessions(server: VbrServer, now: number, successPct: number): VbrSession[] {
  const newest: VbrSession[] = [];
  const older: VbrSession[] = [];
  server.jobs.forEach((job, j) => {
    if (job.lastRunMs === null || job.disabled) return;
    const period = job.platform === 'Template' ? 30 * DAY : DAY;
    for (let d = 0; job.lastRunMs - d * period > now - SESSION_WINDOW_MS; d++) {
      const jitter = d === 0 ? 0 : (hash32(server.seed, 'sess-jitter', j, d) % 40) * 60_000;
      const createdMs = job.lastRunMs - d * period + jitter;
      const endMs = createdMs + (8 + (hash32(server.seed, 'sess-len', j, d) % 90)) * 60_000;
      const result = d > 0 ? 'Success' : job.failed ? 'Failed' : job.warning ? 'Warning' : 'Success';
      (d === 0 ? newest : older).push({ job: j, day: d, createdMs, endMs, result });
    }
  });
  const runs = newest.length + older.length;
  const forced = newest.filter((s) => s.result === 'Failed').length;
  const extra = Math.min(older.length, Math.max(0, runs - Math.round((runs * successPct) / 100) - forced));
  const pick = new Permutation(older.length, hash32(server.seed, 'sess-fail'));
  older.forEach((s, i) => {
    if (pick.forward(i) < extra) s.result = 'Failed';
    // Warning jobs warn now and then: still successful runs.
    else if (server.jobs[s.job]!.warning && hash32(server.seed, 'sess-warn', s.job, s.day) % 3 === 0) s.result = 'Warning';
  });
  // A configuration backup every day at 10:00 server time: a session of another type that shares the collection.
  const config: VbrSession[] = [];
  for (let d = 1; d <= 30; d++) {
    const createdMs = now - d * DAY + 2 * HOUR;
    if (createdMs > now - SESSION_WINDOW_MS) config.push({ job: -1, day: d, createdMs, endMs: createdMs + 3 * 60_000, result: 'Success' });
  }
  return [...newest, ...older, ...config].sort((a, b) => a.createdMs - b.createdMs || a.job - b.job);
}

/** The exact successRate30d/runs30d a correct collector derives from this server's sessions. */
/** `backup.verification` as a correct collector reports it from this server: the estate's truth, by SureBackup. */
export function vbrVerificationTruth(estate: Estate): ReturnType<Estate['truth']>['backup.verification'] & { via: 'Veeam SureBackup' } {
  return { ...estate.truth()['backup.verification'], via: 'Veeam SureBackup' };
}

export function vbrSessionTruth(server: VbrServer): { runs30d: number; successRate30d: number | null } {
  const runs = server.sessions.filter((s) => s.job >= 0);
  const ok = runs.filter((s) => s.result !== 'Failed').length;
  return { runs30d: runs.length, successRate30d: runs.length ? Math.round((ok / runs.length) * 1000) / 10 : null };
}

/** Session type of a stored session as the revision names it (`Job` and no SureBackup in 1.1-rev0). */
export function sessionTypeOf(s: VbrSession, revision: string): string | null {
  const legacy = revision === '1.1-rev0';
  if (s.job === SUREBACKUP_JOB) return legacy ? null : 'SureBackup';
  if (s.job < 0) return 'ConfigurationBackup';
  return legacy ? 'Job' : 'BackupJob';
}

/**
 * `SessionModel` as the revision shows it: 1.1-rev0 says `Job` and `activityId`, later ones `BackupJob` and `jobId`;
 * SureBackup runs are `SureBackup` (1.2-rev1 … 1.3-rev2 `ESessionType`; not listed on 1.1-rev0, whose enum lacks it).
 */
export function renderSession(server: VbrServer, s: VbrSession, usn: number, revision: string): Record<string, unknown> {
  const legacy = revision === '1.1-rev0';
  const sure = s.job === SUREBACKUP_JOB;
  const job = s.job >= 0 ? server.jobs[s.job]! : null;
  const id = guid(server.seed, 'session', s.job, s.day);
  const message = sure
    ? s.result === 'Failed'
      ? 'Error: Heartbeat test failed for the verified VM: the VM did not boot within the timeout.'
      : s.result === 'Warning'
        ? 'Warning: Ping test failed for 1 of 4 verified VMs.'
        : ''
    : s.result === 'Failed'
      ? 'Error: Failed to create VM snapshot. Timed out waiting for snapshot creation to complete.'
      : s.result === 'Warning'
        ? 'Warning: Changed block tracking cannot be enabled: one or more snapshots present.'
        : '';
  const jobId = job ? job.id : guid(server.seed, sure ? 'surebackup-job' : 'config-job');
  return {
    sessionType: sessionTypeOf(s, revision),
    state: 'Stopped',
    platformName: job && job.platform !== 'Template' ? job.platform : 'VMware',
    id,
    name: job ? job.name : sure ? SUREBACKUP_JOB_NAME : 'Backup Configuration Job',
    [legacy ? 'activityId' : 'jobId']: jobId,
    creationTime: vbrTime(server, s.createdMs, `sess-c ${id}`),
    endTime: vbrTime(server, s.endMs, `sess-e ${id}`),
    progressPercent: 100,
    result: { result: s.result, message, isCanceled: false },
    resourceId: job ? guid(server.seed, 'backup', s.job) : null,
    resourceReference: job ? `/api/v1/backups/${guid(server.seed, 'backup', s.job)}` : null,
    parentSessionId: null,
    usn,
    platformId: '00000000-0000-0000-0000-000000000000',
    ...(isV13(revision) ? { initiatedBy: 'system' } : {}),
  };
}

/** Creation time of restore point `i` (0 = newest) of an object: daily, a few minutes' jitter. */
export function pointTime(server: VbrServer, o: VbrObject, i: number): number {
  // Only objects with points are asked for one (points = 0 when never backed up).
  if (o.newestMs === null) throw new RangeError(`object ${o.id} has no restore points`);
  if (i === 0) return o.newestMs;
  return o.newestMs - i * DAY - (hash32(server.seed, 'rp-jitter', o.id, i) % 50) * 60_000 - (hash32(server.seed, 'rp-ms', o.id, i) % 1000);
}

/**
 * ISO 8601 in the server's zone with its offset (`2025-07-28T10:44:39.694588+02:00`): 7, 6 or 3 fractional digits, or
 * none when the instant has no milliseconds — the digits past the millisecond vary, as .NET prints ticks.
 */
export function vbrTime(server: VbrServer, ms: number, salt: string | number): string {
  const local = new Date(ms + server.offsetMinutes * 60_000).toISOString();
  const msPart = local.slice(20, 23);
  const style = hash32(server.seed, 'frac', salt) % 4;
  const extra = String(hash32(server.seed, 'ticks', salt) % 10_000).padStart(4, '0');
  let frac: string;
  if (style === 0 && msPart === '000') frac = '';
  else if (style === 1) frac = `.${msPart}${extra.slice(0, 3)}`;
  else if (style === 2) frac = `.${msPart}${extra}`;
  else frac = `.${msPart}`;
  const sign = server.offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(server.offsetMinutes);
  const zone = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
  return `${local.slice(0, 19)}${frac}${zone}`;
}

/** 1.3-rev0 and later: capitalised job status, new job types, `lastRunFailed` on backup objects. */
export function isV13(revision: string): boolean {
  return revision.startsWith('1.3-');
}

export function renderJobState(server: VbrServer, job: VbrJob, revision: string, domain: string): Record<string, unknown> {
  const v13 = isV13(revision);
  const lastResult = job.lastRunMs === null ? 'None' : job.failed ? 'Failed' : job.warning ? 'Warning' : 'Success';
  const status = job.disabled ? 'disabled' : 'inactive';
  const cap = (s: string) => s[0]!.toUpperCase() + s.slice(1);
  const v13Type = { VMware: 'VSphereBackup', HyperV: 'HyperVBackup', WindowsPhysical: 'WindowsAgentBackup', Template: 'VSphereBackup' }[job.platform];
  const workload = job.platform === 'WindowsPhysical' ? 'server' : 'vm';
  return {
    type: v13 ? v13Type : 'Backup',
    status: v13 ? (job.disabled ? 'Disabled' : 'Stopped') : status,
    lastResult,
    workload: v13 ? cap(workload) : workload,
    id: job.id,
    name: job.name,
    description: `Created by ${domain.split('.')[0]!.toUpperCase()}\\Administrator`,
    lastRun: job.lastRunMs === null ? null : vbrTime(server, job.lastRunMs, `job-last ${job.id}`),
    nextRun: job.disabled || job.lastRunMs === null ? null : vbrTime(server, job.lastRunMs + (job.platform === 'Template' ? 30 : 1) * DAY, `job-next ${job.id}`),
    repositoryId: repositoryOf(server, job).id,
    repositoryName: repositoryOf(server, job).name,
    objectsCount: job.objects,
    sessionId: guid(server.seed, 'session', job.id),
    ...(v13 ? { highPriority: false, progressPercent: 100 } : {}),
  };
}

export function renderBackupObject(server: VbrServer, o: VbrObject, revision: string, domain: string): Record<string, unknown> {
  const common = {
    platformName: o.platformName,
    id: o.id,
    name: o.name,
    type: o.type,
    platformId: '00000000-0000-0000-0000-000000000000',
    restorePointsCount: o.points,
    ...(isV13(revision) ? { lastRunFailed: o.lastRunFailed } : {}),
  };
  if (o.platformName === 'VMware') {
    const folder = o.type === 'Template' ? 'Templates' : 'Servers';
    return { viType: 'VirtualMachine', objectId: `vm-${1000 + (hash32(server.seed, 'moref', o.id) % 90000)}`, path: `vcenter01.${domain}\\Datacenter\\esx0${1 + (hash32(server.seed, 'esx', o.id) % 4)}.${domain}\\${folder}\\${o.name}`, ...common };
  }
  if (o.platformName === 'WindowsPhysical') {
    return { ...common, biosUuid: guid(server.seed, 'bios', o.id), computerId: guid(server.seed, 'computer', o.id) };
  }
  return common;
}

export function renderRestorePoint(server: VbrServer, o: VbrObject, i: number): Record<string, unknown> {
  const ops: Record<VbrPlatform, string[]> = {
    VMware: ['StartViVMInstantRecovery', 'StartEntireVmRestore', 'StartFlrRestore'],
    HyperV: ['StartHvVMInstantRecovery', 'StartEntireVmRestore', 'StartFlrRestore'],
    WindowsPhysical: ['StartFlrRestore'],
  };
  return {
    platformName: o.platformName,
    type: i === o.points - 1 || i % 7 === 6 ? 'Full' : 'Increment',
    malwareStatus: 'Clean',
    id: guid(server.seed, 'restore-point', o.id, i),
    name: o.platformName === 'WindowsPhysical' ? `${o.name} ${server.jobs[o.job]!.name}` : o.name,
    platformId: '00000000-0000-0000-0000-000000000000',
    creationTime: vbrTime(server, pointTime(server, o, i), `rp ${o.id} ${i}`),
    backupId: guid(server.seed, 'backup', o.job),
    sessionId: null,
    allowedOperations: ops[o.platformName],
    backupFileId: guid(server.seed, 'backup-file', o.id, i),
  };
}

/** Jobs whose last result is Failed and that still run: what the collector's `failingJobsTotal` must say. */
export function failingJobNames(server: VbrServer): string[] {
  return server.jobs.filter((j) => j.failed && !j.disabled).map((j) => j.name);
}
