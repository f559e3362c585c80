/**
 * The scheduler role (DESIGN §11): fires each tenant's cron like the in-process scheduler, but instead of scanning
 * it queues one job per tenant per schedule slot. Several schedulers may run (replicas for availability): each
 * computes the same slot for the same tick, the slot is the job's id, and the queue keeps one.
 *
 * Jitter stays: a job's start time is its slot plus a jitter derived from (tenant, slot), so every scheduler agrees
 * on it and hundreds of tenants still do not hit the vendors in the same second.
 *
 * Catch-up on start goes through the same queue: a tenant whose last scan is older than its schedule's previous
 * fire gets that slot's job — the job the missed tick would have queued, so a scheduler restarted twice, or two
 * starting together, queue it once.
 */
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import {
  catchUpDue,
  cronLogger,
  cronTasksActive,
  defaultCron,
  nextFire,
  planSchedules,
  previousFire,
  type CronScheduler,
  type CronTask,
  type SchedulableTenant,
  type ScheduleConfig,
} from '../scheduler/scheduler.js';
import type { EnqueueResult, ScanJobData, ScanJobTrigger, ScanQueue } from './scan-queue.js';

export interface QueueSchedulerHealth {
  alive: boolean;
  stopping: boolean;
  startedAt: string | null;
  lastTickAt: string | null;
  tenants: number;
  /** Jobs this process queued, and ticks the queue refused (the tenant still busy, or another scheduler was first). */
  enqueued: number;
  refused: number;
}

export interface QueueSchedulerOptions<T extends SchedulableTenant> {
  queue: Pick<ScanQueue, 'enqueue'>;
  tenants: readonly T[];
  scheduleConfig: ScheduleConfig;
  lastScanAt: (tenantId: string) => Promise<Date | null>;
  logger: Logger;
  now?: () => Date;
  cron?: CronScheduler;
}

/** Seconds of jitter for (tenant, slot): the same in every scheduler process. */
export function slotJitterSeconds(tenantId: string, slot: string, jitterSeconds: number): number {
  if (jitterSeconds <= 0) return 0;
  const h = createHash('sha256').update(`${tenantId}\0${slot}`).digest();
  return h.readUInt32BE(0) % (jitterSeconds + 1);
}

export class QueueScheduler<T extends SchedulableTenant> {
  private readonly plans: ReturnType<typeof planSchedules<T>>;
  private readonly logger: Logger;
  private readonly now: () => Date;
  private tasks: CronTask[] = [];
  private started = false;
  private stopping = false;
  private startedAt: Date | null = null;
  private lastTickAt: Date | null = null;
  private enqueued = 0;
  private refused = 0;

  constructor(private readonly opts: QueueSchedulerOptions<T>) {
    // Validates every cron and the time zone (ConfigError naming the path → exit 2) before anything runs.
    this.plans = planSchedules(opts.tenants, opts.scheduleConfig);
    this.logger = opts.logger.child({ component: 'scheduler' });
    this.now = opts.now ?? (() => new Date());
  }

  /** Starts the cron tasks and queues the catch-up jobs; resolves with the tenants caught up. */
  async start(): Promise<{ catchUp: string[] }> {
    if (this.started) throw new Error('the scheduler is already started');
    this.started = true;
    this.startedAt = this.now();
    const cron = this.opts.cron ?? defaultCron;
    const logger = cronLogger(this.logger);
    for (const plan of this.plans) {
      this.tasks.push(
        cron(plan.cron, () => void this.onTick(plan.tenantId, plan.cron, plan.timezone), { timezone: plan.timezone, name: `ratchet-scan:${plan.tenantId}`, logger }),
      );
    }
    const at = this.now();
    const catchUp: string[] = [];
    for (const plan of this.plans) {
      if (this.stopping) break;
      const overdue = await catchUpDue(plan, at, this.opts.lastScanAt, this.logger);
      if (!overdue) continue;
      const r = await this.send(plan.tenantId, 'catch-up', overdue.previous, at);
      if (r.accepted) catchUp.push(plan.tenantId);
    }
    this.logger.info({ tenants: this.plans.length, catchUp: catchUp.length }, 'scheduler started: queueing scans on each tenant\'s schedule');
    return { catchUp };
  }

  health(): QueueSchedulerHealth {
    return {
      alive: this.started && !this.stopping && cronTasksActive(this.tasks),
      stopping: this.stopping,
      startedAt: this.startedAt?.toISOString() ?? null,
      lastTickAt: this.lastTickAt?.toISOString() ?? null,
      tenants: this.plans.length,
      enqueued: this.enqueued,
      refused: this.refused,
    };
  }

  /** Each tenant's next fire time (for the web UI). */
  schedules(): Array<{ tenantId: string; cron: string; timezone: string; source: string; nextRunAt: string }> {
    const at = this.now();
    return this.plans.map(({ tenantId, cron, timezone, source }) => ({ tenantId, cron, timezone, source, nextRunAt: nextFire(cron, timezone, at).toISOString() }));
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(
      this.tasks.map(async (t) => {
        try {
          await t.stop();
        } catch (e) {
          this.logger.warn({ err: e }, 'cannot stop a cron task');
        }
      }),
    );
  }

  private async onTick(tenantId: string, cron: string, timezone: string): Promise<void> {
    const at = this.now();
    this.lastTickAt = at;
    if (this.stopping) return;
    // The slot is the fire time the tick belongs to (node-cron may call a little late), the same in every process.
    await this.send(tenantId, 'schedule', previousFire(cron, timezone, new Date(at.getTime() + 1000)), at);
  }

  private async send(tenantId: string, trigger: ScanJobTrigger, slotAt: Date, at: Date): Promise<EnqueueResult> {
    const slot = slotAt.toISOString();
    const jitter = slotJitterSeconds(tenantId, slot, this.opts.scheduleConfig.jitterSeconds);
    const data: ScanJobData = { tenantId, trigger, slot, requestedAt: at.toISOString() };
    // A catch-up starts from now, not from a slot long past; a tick from its slot.
    const base = trigger === 'catch-up' ? at.getTime() : slotAt.getTime();
    try {
      const r = await this.opts.queue.enqueue(data, { startAfter: new Date(base + jitter * 1000) });
      if (r.accepted) {
        this.enqueued += 1;
        this.logger.info({ tenant: tenantId, trigger, slot, job: r.jobId, jitterSeconds: jitter }, 'scan queued');
      } else {
        this.refused += 1;
        this.logger.info({ tenant: tenantId, trigger, slot, reason: r.reason }, 'scan not queued');
      }
      return r;
    } catch (e) {
      this.refused += 1;
      this.logger.error({ tenant: tenantId, trigger, slot, err: e }, 'cannot queue the scan (is PostgreSQL reachable?); the next tick or restart catches up');
      return { accepted: false, jobId: null, reason: (e as Error).message };
    }
  }
}
