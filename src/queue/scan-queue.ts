/**
 * The durable scan queue of a scaled-out deployment (DESIGN §11): tenant scans as pg-boss jobs in PostgreSQL, so
 * any number of scheduler, worker and web processes share one queue, a restart loses nothing, and a dead worker's
 * job comes back after its lease.
 *
 * How the guarantees map onto pg-boss 10 (the line that supports Node 20):
 * - **One scan of a tenant at a time, fleet-wide.** The queue's policy is `stately` with the tenant id as singleton
 *   key: at most one job per tenant is waiting (`created`) and at most one is `active`. The database enforces both
 *   with unique indexes, so no race between processes can break them.
 * - **One job per tenant per schedule slot.** A scheduled job's id is derived from (tenant, slot time), and
 *   pg-boss inserts with ON CONFLICT DO NOTHING: two schedulers firing for the same slot, or a catch-up racing the
 *   cron tick, produce one job. pg-boss's own `schedule()` keeps one cron per queue name in v10, so it cannot hold
 *   a cron per tenant; node-cron fires in each scheduler process and the id does the de-duplication.
 * - **Leases.** `expireInSeconds` is the lease: a job still `active` past it (its worker was killed) is failed by
 *   pg-boss's maintenance and retried by another worker, with backoff, up to `retryLimit` times. A live worker
 *   aborts its own scan before the lease ends (see scan-worker.ts), so a slow scan is never run twice at once.
 * - **No head-of-line blocking.** pg-boss's fetch takes the oldest waiting job; if that job's tenant already has an
 *   active one, the `stately` index refuses the claim and the whole fetch comes back empty. So a scan is not queued
 *   while one of the same tenant is waiting or running (`enqueue` checks first and reports "already running"),
 *   exactly as the in-process scheduler skips a tick while the previous scan runs.
 */
import { createHash, randomUUID } from 'node:crypto';
import PgBoss from 'pg-boss';
import type { Logger } from 'pino';
import { scrub } from '../log/secrets.js';

export const SCAN_QUEUE = 'ratchet-scan';

export type ScanJobTrigger = 'schedule' | 'catch-up' | 'manual';

/** A job's payload: which tenant, why, and (for scheduled jobs) the schedule slot it belongs to. */
export interface ScanJobData {
  tenantId: string;
  trigger: ScanJobTrigger;
  /** The cron fire time this job is for (ISO), or null for a manual scan. */
  slot: string | null;
  requestedAt: string;
}

/** `queue` of the config (docs/config.md). */
export interface ScanQueueSettings {
  /** The PostgreSQL schema pg-boss keeps its tables in. */
  schema: string;
  /** A job still active this long after it started is taken from its worker and retried. */
  leaseSeconds: number;
  /** Retries of a failed or expired job (a kill -9, an unreachable store), with exponential backoff. */
  retryLimit: number;
  retryDelaySeconds: number;
  /** How often an idle worker asks for a job. */
  pollSeconds: number;
}

export interface EnqueueResult {
  accepted: boolean;
  jobId: string | null;
  /** Why not, when not accepted. */
  reason?: string;
}

export type JobStateCounts = Record<'created' | 'retry' | 'active' | 'completed' | 'cancelled' | 'failed', number>;

export interface QueueStats {
  /** Jobs waiting to be claimed (created or retry) whose start time has come. */
  depth: number;
  /** Waiting jobs whose start time is still in the future (jitter, retry backoff). */
  scheduled: number;
  /** Age in seconds of the oldest job waiting since its start time, or null when none waits. */
  oldestWaitingSeconds: number | null;
  byState: JobStateCounts;
}

export interface ScanQueueOptions {
  /** The PostgreSQL URL (password included: pg-boss opens its own pool). Never logged. */
  url: string;
  settings: ScanQueueSettings;
  logger: Logger;
  /** Most connections pg-boss's pool opens (default 4). */
  maxConnections?: number;
  /** How often pg-boss looks for expired leases (default: a quarter of the lease, 1–60 s). */
  maintenanceSeconds?: number;
}

/** A UUID for (tenant, slot), the same in every process: the de-duplication key of scheduled jobs. */
export function slotJobId(tenantId: string, slot: string): string {
  const h = createHash('sha256').update(`ratchet-scan\0${tenantId}\0${slot}`).digest('hex');
  // Shaped as a version-5-style UUID (PostgreSQL only checks the format).
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const STATES = ['created', 'retry', 'active', 'completed', 'cancelled', 'failed'] as const;

export class ScanQueue {
  private readonly boss: PgBoss;
  private readonly logger: Logger;
  private readonly settings: ScanQueueSettings;
  private started = false;

  private constructor(opts: ScanQueueOptions) {
    this.settings = opts.settings;
    this.logger = opts.logger.child({ component: 'queue' });
    this.boss = new PgBoss({
      connectionString: opts.url,
      schema: opts.settings.schema,
      max: opts.maxConnections ?? 4,
      application_name: 'ratchet-queue',
      // Scans are scheduled per tenant by node-cron (see the header); pg-boss's cron would be a second clock.
      schedule: false,
      supervise: true,
      maintenanceIntervalSeconds: opts.maintenanceSeconds ?? Math.min(60, Math.max(1, Math.floor(opts.settings.leaseSeconds / 4))),
      pollingIntervalSeconds: opts.settings.pollSeconds,
    });
    // pg-boss reports database trouble (server restart, failover) as events; unhandled, an 'error' event would
    // crash the process. Workers keep polling and recover when the database is back.
    this.boss.on('error', (err: Error) => this.logger.warn({ err: { message: scrub(err.message) } }, 'queue: database error (retrying)'));
  }

  /** Connects, installs or upgrades pg-boss's schema (under its own advisory lock) and declares the scan queue. */
  static async open(opts: ScanQueueOptions): Promise<ScanQueue> {
    const queue = new ScanQueue(opts);
    await queue.start();
    return queue;
  }

  private async start(): Promise<void> {
    try {
      await this.boss.start();
      this.started = true;
      const options: PgBoss.Queue = {
        name: SCAN_QUEUE,
        policy: 'stately',
        retryLimit: this.settings.retryLimit,
        retryDelay: this.settings.retryDelaySeconds,
        retryBackoff: true,
        expireInSeconds: this.settings.leaseSeconds,
      };
      // Idempotent (ON CONFLICT DO NOTHING); the update applies a changed lease or retry setting to an old queue.
      await this.boss.createQueue(SCAN_QUEUE, options);
      await this.boss.updateQueue(SCAN_QUEUE, options);
    } catch (e) {
      if (this.started) await this.boss.stop({ graceful: false }).catch(() => undefined);
      throw new Error(`cannot start the scan queue in schema ${JSON.stringify(this.settings.schema)}: ${scrub((e as Error).message)}`, { cause: e });
    }
  }

  /**
   * Queues a scan of `tenantId`. Scheduled and catch-up jobs carry their slot and get the slot's id (one job per
   * tenant per slot, however many schedulers); manual ones start now. Refused while the tenant already has a job
   * waiting or running.
   */
  async enqueue(data: ScanJobData, opts: { startAfter?: Date } = {}): Promise<EnqueueResult> {
    if (data.trigger === 'manual') {
      // "Scan now" does not wait for the jitter of a scheduled job that has not started: it pulls that job forward.
      const pulled = await this.startWaitingJobNow(data.tenantId);
      if (pulled) return { accepted: true, jobId: pulled };
    }
    const busy = await this.pendingState(data.tenantId);
    if (busy) return { accepted: false, jobId: null, reason: `a scan of ${data.tenantId} is already ${busy === 'active' ? 'running' : 'queued'}` };
    const id = data.slot ? slotJobId(data.tenantId, data.slot) : randomUUID();
    const sendOptions: PgBoss.SendOptions = { id, singletonKey: data.tenantId };
    if (opts.startAfter) sendOptions.startAfter = opts.startAfter;
    const jobId = await this.boss.send(SCAN_QUEUE, { ...data }, sendOptions);
    if (jobId === null) {
      return { accepted: false, jobId: null, reason: data.slot ? `the ${data.slot} scan of ${data.tenantId} is already queued` : `a scan of ${data.tenantId} is already queued` };
    }
    return { accepted: true, jobId };
  }

  /** Moves the start of the tenant's waiting job (jitter or retry backoff) to now; its id, or null when none waits. */
  private async startWaitingJobNow(tenantId: string): Promise<string | null> {
    const { rows } = await this.boss.getDb().executeSql(
      `UPDATE ${this.table()} SET start_after = now()
        WHERE name = $1 AND singleton_key = $2 AND state < 'active' AND start_after > now() RETURNING id`,
      [SCAN_QUEUE, tenantId],
    );
    return (rows as Array<{ id: string }>)[0]?.id ?? null;
  }

  /** 'active' or 'queued' when the tenant has a job running or waiting, else null. */
  private async pendingState(tenantId: string): Promise<'active' | 'queued' | null> {
    const { rows } = await this.boss.getDb().executeSql(
      `SELECT state FROM ${this.table()} WHERE name = $1 AND singleton_key = $2 AND state < 'completed'`,
      [SCAN_QUEUE, tenantId],
    );
    const states = (rows as Array<{ state: string }>).map((r) => r.state);
    if (states.includes('active')) return 'active';
    return states.length > 0 ? 'queued' : null;
  }

  /** Queue depth, job counts by state and the oldest waiting job's age, in one round trip. */
  async stats(): Promise<QueueStats> {
    const { rows } = await this.boss.getDb().executeSql(
      `SELECT state::text AS state, count(*)::int AS n,
              count(*) FILTER (WHERE state < 'active' AND start_after <= now())::int AS due,
              extract(epoch FROM now() - min(start_after) FILTER (WHERE state < 'active' AND start_after <= now()))::float8 AS oldest
         FROM ${this.table()} WHERE name = $1 GROUP BY state`,
      [SCAN_QUEUE],
    );
    const byState = Object.fromEntries(STATES.map((s) => [s, 0])) as JobStateCounts;
    let depth = 0;
    let waiting = 0;
    let oldest: number | null = null;
    for (const r of rows as Array<{ state: (typeof STATES)[number]; n: number; due: number; oldest: number | null }>) {
      byState[r.state] = r.n;
      depth += r.due;
      if (r.state === 'created' || r.state === 'retry') waiting += r.n;
      if (r.oldest !== null && (oldest === null || r.oldest > oldest)) oldest = r.oldest;
    }
    return { depth, scheduled: waiting - depth, oldestWaitingSeconds: oldest === null ? null : Math.max(0, Math.round(oldest)), byState };
  }

  /**
   * Starts `concurrency` pg-boss workers, each claiming one job at a time, and resolves with their ids. A handler
   * that resolves completes its job; one that throws fails it (retried with backoff up to `retryLimit`).
   */
  async work(concurrency: number, handler: (job: PgBoss.Job<ScanJobData>) => Promise<unknown>): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < concurrency; i += 1) {
      ids.push(
        await this.boss.work<ScanJobData>(SCAN_QUEUE, { batchSize: 1, pollingIntervalSeconds: this.settings.pollSeconds }, async ([job]) => {
          if (job) return handler(job);
          return undefined;
        }),
      );
    }
    return ids;
  }

  /** Stops claiming new jobs (jobs in progress go on). */
  async stopClaiming(): Promise<void> {
    await this.boss.offWork(SCAN_QUEUE);
  }

  /** One job as stored (tests and diagnostics). */
  async job(id: string): Promise<PgBoss.JobWithMetadata<ScanJobData> | null> {
    return this.boss.getJobById<ScanJobData>(SCAN_QUEUE, id, { includeArchive: true });
  }

  /**
   * Disconnects. pg-boss fails whatever its workers still hold so another worker retries it at once instead of
   * after the lease; callers stop claiming and let running scans end or abort first.
   */
  async close(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    await this.boss.stop({ graceful: false, wait: true, close: true });
  }

  private table(): string {
    return `"${this.settings.schema.replaceAll('"', '""')}".job`;
  }
}
