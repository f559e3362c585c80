/**
 * The worker role (DESIGN §11): claims scan jobs from the queue, `schedule.concurrency` at a time per process, and
 * runs each as the in-process scheduler would — one transaction at the end, nothing stored when aborted.
 *
 * Leases: a scan is aborted by its own worker a margin before the job's lease ends. Past the lease pg-boss hands
 * the job to another worker, and two scans of one tenant must never overlap; aborting first (an aborted scan never
 * reaches its transaction) keeps that true for slow scans too, not only for dead workers.
 *
 * Stopping: no new claims; running scans get the grace period, then are aborted, which fails their jobs so another
 * worker retries them at once.
 */
import type PgBoss from 'pg-boss';
import type { Logger } from 'pino';
import type { ScanJobData, ScanQueue } from './scan-queue.js';

export interface WorkerHealth {
  started: boolean;
  stopping: boolean;
  concurrency: number;
  running: number;
  runningTenants: string[];
  /** Jobs this process finished (ok), failed and skipped since it started. */
  completed: number;
  failed: number;
}

export interface ScanWorkerOptions<T extends { id: string }> {
  queue: ScanQueue;
  tenants: readonly T[];
  concurrency: number;
  leaseSeconds: number;
  runScan: (tenant: T, signal: AbortSignal) => Promise<unknown>;
  logger: Logger;
  /** How long stop() waits for aborted scans to wind down (default 10 s). */
  abortWaitMs?: number;
}

interface Running {
  tenantId: string;
  controller: AbortController;
  done: Promise<void>;
}

/** A scan stops this long before its lease ends: room for the abort to land before pg-boss reassigns the job. */
export function leaseMarginMs(leaseSeconds: number): number {
  return Math.min(60_000, Math.max(1_000, leaseSeconds * 100));
}

export class ScanWorker<T extends { id: string }> {
  private readonly byId: ReadonlyMap<string, T>;
  private readonly running = new Map<string, Running>();
  private readonly logger: Logger;
  private started = false;
  private stopping = false;
  private completed = 0;
  private failed = 0;

  constructor(private readonly opts: ScanWorkerOptions<T>) {
    this.byId = new Map(opts.tenants.map((t) => [t.id, t]));
    this.logger = opts.logger.child({ component: 'worker' });
  }

  async start(): Promise<void> {
    if (this.started) throw new Error('the worker is already started');
    this.started = true;
    await this.opts.queue.work(this.opts.concurrency, (job) => this.handle(job));
    this.logger.info({ concurrency: this.opts.concurrency, leaseSeconds: this.opts.leaseSeconds }, 'worker started: claiming scan jobs');
  }

  health(): WorkerHealth {
    return {
      started: this.started,
      stopping: this.stopping,
      concurrency: this.opts.concurrency,
      running: this.running.size,
      runningTenants: [...this.running.values()].map((r) => r.tenantId),
      completed: this.completed,
      failed: this.failed,
    };
  }

  private async handle(job: PgBoss.Job<ScanJobData>): Promise<unknown> {
    const { tenantId, trigger, slot } = job.data;
    const tenant = this.byId.get(tenantId);
    if (!tenant) {
      // The job outlived the tenant's config (removed, renamed): retrying cannot help, so complete it and say why.
      this.logger.warn({ tenant: tenantId, job: job.id }, 'job names a tenant not in this worker\'s config; skipped');
      this.completed += 1;
      return { skipped: 'tenant not in config' };
    }
    if (this.stopping) throw new Error('the worker is stopping; the job goes back to the queue');
    const controller = new AbortController();
    const leaseMs = this.opts.leaseSeconds * 1000;
    const deadline = setTimeout(
      () => controller.abort(abortError(`the scan ran into its ${this.opts.leaseSeconds} s lease (queue.leaseSeconds); aborted so the retry never overlaps it`)),
      Math.max(1_000, leaseMs - leaseMarginMs(this.opts.leaseSeconds)),
    );
    let settle!: () => void;
    const entry: Running = { tenantId, controller, done: new Promise((r) => (settle = r)) };
    this.running.set(job.id, entry);
    this.logger.debug({ tenant: tenantId, job: job.id, trigger, slot }, 'scan job claimed');
    try {
      await this.opts.runScan(tenant, controller.signal);
      this.completed += 1;
      return { tenantId };
    } catch (e) {
      this.failed += 1;
      // Rethrown: pg-boss fails the job and retries it with backoff (an aborted scan stored nothing).
      throw e instanceof Error ? e : new Error(String(e));
    } finally {
      clearTimeout(deadline);
      this.running.delete(job.id);
      settle();
    }
  }

  /** Stops claiming, waits up to `graceMs` for running scans, aborts the rest. Returns what happened. */
  async stop(graceMs: number): Promise<{ finished: number; aborted: number }> {
    if (!this.started || this.stopping) return { finished: 0, aborted: 0 };
    this.stopping = true;
    await this.opts.queue.stopClaiming();
    const all = [...this.running.values()];
    const settled = Promise.all(all.map((r) => r.done));
    const inTime = all.length === 0 || (graceMs > 0 && (await within(settled, graceMs)));
    let aborted = 0;
    if (!inTime) {
      for (const r of this.running.values()) {
        if (!r.controller.signal.aborted) {
          r.controller.abort(abortError(`ratchet serve is shutting down: the grace period of ${Math.round(graceMs / 1000)} s is over`));
          aborted += 1;
        }
      }
      this.logger.warn({ aborted, graceMs }, 'grace period over: aborting running scans (their jobs go back to the queue)');
      await within(settled, this.opts.abortWaitMs ?? 10_000);
    }
    return { finished: all.length - aborted, aborted };
  }

  /** Aborts every running scan now (a second SIGINT). */
  abortRunning(reason: string): number {
    let n = 0;
    for (const r of this.running.values()) {
      if (!r.controller.signal.aborted) {
        r.controller.abort(abortError(reason));
        n += 1;
      }
    }
    return n;
  }
}

function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    void p.then(() => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

function abortError(message: string): Error {
  const e = new Error(message);
  e.name = 'AbortError';
  return e;
}
