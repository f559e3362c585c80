/**
 * Orchestration of one VBR collection:
 *   1. sign in (fail fast with one line naming the tenant and VBR's answer),
 *   2. concurrently: job states (paged), backup job sessions of the last 30 days (paged) and backup objects (paged),
 *      each object followed by a look-up of its newest restore point with at most `concurrency` look-ups in flight;
 *      and SureBackup sessions, newest first, until the newest verified run and the 90-day window are covered,
 *   3. one `backup.protection` item and one `backup.verification` item (or only those `ctx.only` asks for);
 *   4. `backup.immutability` from the repository settings and the job targets (job states are read once for both
 *      keys), plus the scale-out repositories only when a job targets one (immutability.ts).
 * Job states only add `failingJobs`: when they cannot be read the item stays `ok` with those fields null and a note.
 * Sessions only add `successRate30d`/`runs30d`: when they cannot be read those are null with an `unknownReasons` entry.
 * `backup.verification` stands alone: when SureBackup sessions cannot be read it is `unavailable`/`error` with the
 * reason, and `backup.protection` is untouched. `backup.immutability` stands alone too: it needs job states and
 * repositories, and fails (unavailable with the role to grant, or error) on its own when either cannot be read.
 */
import type { CollectorContext, CollectorResult } from '../../src/collector-kit/plugin.js';
import type { VendorHttp } from '../../src/http/client.js';
import { scrub } from '../../src/log/secrets.js';
import { nameMatcher, resolveConfig, type VeeamVbrConfig, type VeeamVbrConfigInput } from './config.js';
import { PATHS, reportsLastRunFailed, restorePointsPath } from './endpoints.js';
import { collectorError, type Failure } from '../../src/collector-kit/failure.js';
import { classify, describeTokenFailure } from './errors.js';
import { IMMUTABILITY_KEY, PROTECTION_KEY, PROVIDED_KEYS, Provenance, VERIFICATION_KEY, failedEvidence, okEvidence, type ProvidedKey } from './evidence.js';
import { createVbrHttp, forEachPage, mapLimit } from './http.js';
import { JobTally, type JobsValue } from './jobs.js';
import { ProtectionTally, objectFilter, objectName, type ObjectResult, type ProtectionValue } from './protection.js';
import { newestRestorePoint } from './restore-points.js';
import { readSessions } from './sessions.js';
import { deriveImmutability, needsScaleOut, type ImmutabilityValue } from './immutability.js';
import {
  backupObjectsPage,
  jobStatesPage,
  repositoriesPage,
  scaleOutRepositoriesPage,
  type BackupObject,
  type JobState,
  type Repository,
  type ScaleOutRepository,
} from './schema.js';
import { readVerification, type VerificationResult } from './verification.js';
import type { Evidence } from '../../src/domain/evidence.js';

/** Test seams; everything else comes from config. */
export interface CollectOptions {
  backoffBaseMs?: number;
}

interface Run {
  http: VendorHttp;
  config: VeeamVbrConfig;
  ctx: CollectorContext;
  /** Paths actually called, for provenance. */
  endpoints: Set<string>;
  /** Job states, read once for both keys that need them (a server has tens to hundreds of jobs). */
  jobStates?: Promise<JobState[]>;
}

/** Every page of a skip/limit collection (small ones only: jobs, repositories). */
async function readAll<T>(run: Run, path: string, schema: Parameters<typeof forEachPage<T>>[2]): Promise<T[]> {
  const rows: T[] = [];
  await forEachPage(run.http, path, schema, (items) => void rows.push(...items), { signal: run.ctx.signal });
  return rows;
}

function jobStates(run: Run): Promise<JobState[]> {
  run.jobStates ??= readAll(run, PATHS.jobStates, jobStatesPage);
  return run.jobStates;
}

async function readJobs(run: Run, notes: string[]): Promise<JobsValue | null> {
  const { config, ctx, endpoints } = run;
  const tally = new JobTally(nameMatcher(config.excludeJobs));
  endpoints.add(PATHS.jobStates);
  try {
    (await jobStates(run)).forEach((j) => tally.add(j));
    return tally.value();
  } catch (err) {
    const failure = classify(err, PATHS.jobStates);
    notes.push(`job states not read, failingJobs unknown: ${failure.reason}`);
    ctx.logger.warn({ reasonCode: failure.reasonCode }, `veeam-vbr: ${failure.reason}`);
    return null;
  }
}

async function readObjects(run: Run): Promise<ProtectionTally> {
  const { http, config, ctx, endpoints } = run;
  const tally = new ProtectionTally(ctx.now().getTime(), reportsLastRunFailed(config.apiVersion));
  const keep = objectFilter(config);
  const rpPath = restorePointsPath(config.apiVersion);
  endpoints.add(PATHS.backupObjects);
  await forEachPage(
    http,
    PATHS.backupObjects,
    backupObjectsPage,
    async (objects: BackupObject[]) => {
      const measured = objects.filter((o) => {
        if (keep(o)) return true;
        tally.exclude();
        return false;
      });
      // Results land by position and are tallied in page order, so capped lists do not depend on timing.
      const results: ObjectResult[] = new Array(measured.length);
      await mapLimit(
        measured.map((o, i) => [o, i] as const),
        config.concurrency,
        async ([o, i]) => {
          let newestMs: number | null = null;
          // restorePointsCount 0 means there is nothing to look up; absent or > 0 → ask.
          if (o.restorePointsCount !== 0) {
            endpoints.add(rpPath);
            newestMs = await newestRestorePoint(http, rpPath, o.id);
          }
          results[i] = { name: objectName(o), newestMs, lastRunFailed: o.lastRunFailed ?? null };
        },
        ctx.signal,
      );
      for (const r of results) tally.add(r);
    },
    { signal: ctx.signal },
  );
  return tally;
}

async function collectProtection(run: Run): Promise<ProtectionValue> {
  const notes: string[] = [];
  const [jobs, sessions, tally] = await Promise.all([
    readJobs(run, notes),
    readSessions(run.http, run.config, run.ctx, run.endpoints),
    readObjects(run),
  ]);
  return tally.value(jobs, run.config.apiVersion, notes, sessions);
}

function orderedEndpoints(endpoints: Set<string>): string[] {
  const order = [PATHS.jobStates, PATHS.sessions, PATHS.backupObjects, PATHS.restorePoints, PATHS.objectRestorePoints] as string[];
  return order.filter((p) => endpoints.has(p));
}

/** Protection, or why it could not be collected (objects and restore points are required; the rest is optional). */
async function protectionResult(run: Run): Promise<{ value: ProtectionValue } | { failure: Failure }> {
  try {
    return { value: await collectProtection(run) };
  } catch (err) {
    return { failure: classify(err, PATHS.backupObjects) };
  }
}

/** `backup.immutability`, or why not: each path is classified on its own so the reason names the one that failed. */
async function immutabilityResult(run: Run, endpoints: Set<string>): Promise<{ value: ImmutabilityValue } | { failure: Failure }> {
  const excluded = nameMatcher(run.config.excludeJobs);
  const attempt = <T>(path: string, read: () => Promise<T>): Promise<{ ok: T } | { failure: Failure }> => {
    endpoints.add(path);
    return read().then(
      (ok) => ({ ok }),
      (err: unknown) => ({ failure: classify(err, path) }),
    );
  };
  const [jobs, repositories] = await Promise.all([
    attempt(PATHS.jobStates, () => jobStates(run)),
    attempt(PATHS.repositories, () => readAll<Repository>(run, PATHS.repositories, repositoriesPage)),
  ]);
  if ('failure' in jobs) return { failure: { ...jobs.failure, reason: `job targets unknown: ${jobs.failure.reason}` } };
  if ('failure' in repositories) return repositories;
  let scaleOut: ScaleOutRepository[] | null = null;
  if (needsScaleOut(jobs.ok, repositories.ok, excluded)) {
    const sobr = await attempt(PATHS.scaleOutRepositories, () => readAll<ScaleOutRepository>(run, PATHS.scaleOutRepositories, scaleOutRepositoriesPage));
    if ('failure' in sobr) return sobr;
    scaleOut = sobr.ok;
  }
  return { value: deriveImmutability({ jobs: jobs.ok, repositories: repositories.ok, scaleOut, excluded }) };
}

async function verificationResult(run: Run, endpoints: Set<string>): Promise<VerificationResult> {
  try {
    return await readVerification(run.http, run.config, run.ctx, endpoints);
  } catch (err) {
    // Only an abort gets here (readVerification turns every other failure into a Failure).
    return { failure: classify(err, PATHS.sessions) };
  }
}

/** ok = every key collected or honestly unavailable; partial = some keys errored; error = all of them did. */
function collectorStatus(evidence: Evidence[], tenantId: string): Pick<CollectorResult, 'status' | 'error'> {
  const errored = evidence.filter((e) => e.status === 'error');
  if (errored.length === 0) return { status: 'ok', error: null };
  const detail = errored.map((e) => (evidence.length > 1 ? `${e.key}: ${e.reason ?? 'unknown error'}` : (e.reason ?? 'unknown error'))).join('; ');
  if (errored.length === evidence.length) return { status: 'error', error: scrub(`no veeam-vbr evidence could be collected for tenant ${tenantId}: ${detail}`) };
  return { status: 'partial', error: scrub(`${errored.length} of ${evidence.length} veeam-vbr evidence keys failed for tenant ${tenantId}: ${detail}`) };
}

export async function collectVeeamVbr(
  input: VeeamVbrConfig | VeeamVbrConfigInput,
  ctx: CollectorContext,
  options: CollectOptions = {},
): Promise<CollectorResult> {
  const collectedAt = ctx.now().toISOString();
  const keys: ProvidedKey[] = PROVIDED_KEYS.filter((k) => !ctx.only || ctx.only.includes(k));
  if (keys.length === 0) return { evidence: [], requests: 0, status: 'ok', error: null };
  const config = resolveConfig(input);

  const allFailed = (failure: Failure, line: string, requests: number, endpoints: string[] = []): CollectorResult => ({
    evidence: keys.map((key) => failedEvidence(key, failure, new Provenance().add(endpoints).charge(requests), collectedAt)),
    requests,
    status: 'error',
    error: line,
  });

  let http: VendorHttp;
  try {
    http = createVbrHttp(config, { logger: ctx.logger, signal: ctx.signal, rateGate: ctx.rateGate, backoffBaseMs: options.backoffBaseMs });
  } catch (err) {
    // The only thing that throws here is reading caFile.
    const line = scrub(`veeam-vbr collector for tenant ${ctx.tenantId}: cannot read caFile ${config.caFile ?? ''}: ${(err as Error).message}`);
    return allFailed(collectorError(line), line, 0);
  }

  try {
    await http.tokenSource!.getToken();
  } catch (err) {
    const failure = describeTokenFailure(err, config, ctx.tenantId);
    ctx.logger.debug(failure.line); // the core logs result.error at warn level
    return allFailed(failure, failure.line, http.requests, ['/api/oauth2/token']);
  }

  const run: Run = { http, config, ctx, endpoints: new Set() };
  const verificationEndpoints = new Set<string>();
  const immutabilityEndpoints = new Set<string>();
  const [protection, verification, immutability] = await Promise.all([
    keys.includes(PROTECTION_KEY) ? protectionResult(run) : null,
    keys.includes(VERIFICATION_KEY) ? verificationResult(run, verificationEndpoints) : null,
    keys.includes(IMMUTABILITY_KEY) ? immutabilityResult(run, immutabilityEndpoints) : null,
  ]);
  // Provenance counts every request of the run (token and retries included), as for a single key.
  const requests = http.requests;
  const evidence: Evidence[] = [];
  if (protection) {
    const source = new Provenance().add(orderedEndpoints(run.endpoints)).charge(requests);
    if ('value' in protection) {
      ctx.logger.debug({ protected: protection.value.protected, requests }, 'veeam-vbr: backup.protection collected');
      evidence.push(okEvidence(PROTECTION_KEY, protection.value, source, collectedAt));
    } else {
      evidence.push(failedEvidence(PROTECTION_KEY, protection.failure, source, collectedAt));
    }
  }
  if (verification) {
    const source = new Provenance().add([...verificationEndpoints]).charge(requests);
    if ('value' in verification) {
      ctx.logger.debug({ lastVerifiedAt: verification.value.lastVerifiedAt, requests }, 'veeam-vbr: backup.verification collected');
      evidence.push(okEvidence(VERIFICATION_KEY, verification.value, source, collectedAt));
    } else {
      evidence.push(failedEvidence(VERIFICATION_KEY, verification.failure, source, collectedAt));
    }
  }
  if (immutability) {
    const source = new Provenance().add([...immutabilityEndpoints]).charge(requests);
    if ('value' in immutability) {
      ctx.logger.debug({ repositories: immutability.value.repositories, immutable: immutability.value.immutable, requests }, 'veeam-vbr: backup.immutability collected');
      evidence.push(okEvidence(IMMUTABILITY_KEY, immutability.value, source, collectedAt));
    } else {
      evidence.push(failedEvidence(IMMUTABILITY_KEY, immutability.failure, source, collectedAt));
    }
  }
  // Honestly unavailable (a role to grant) is not a collector failure; an error of every key means nothing was collected.
  return { evidence, requests, ...collectorStatus(evidence, ctx.tenantId) };
}
