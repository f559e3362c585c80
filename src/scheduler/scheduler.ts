/**
 * The scan scheduler of `ratchet serve` (DESIGN §2): one node-cron task per tenant (global `schedule.cron` or the
 * tenant's own `schedule`, in `schedule.timezone`), a random jitter per fire so hundreds of tenants do not call the
 * vendors in the same second, one queue that caps concurrent scans at `schedule.concurrency`, and at most one
 * scan per tenant at a time (a tenant already waiting, queued or running is not enqueued again).
 *
 * On start it catches up: a tenant whose last scan is older than its schedule's previous fire time is scanned now
 * (with jitter). On stop it takes no new scans, drops the ones not started yet, waits for running scans up to the
 * grace period and then aborts the rest through their AbortSignals. A scan writes its results in one transaction
 * at the very end, so an aborted scan leaves nothing behind.
 *
 * The clock, the randomness, the timers and the cron implementation are injectable so tests control time.
 */
import cron from 'node-cron';
import { CronExpressionParser } from 'cron-parser';
import pLimit, { type LimitFunction } from 'p-limit';
import type { Logger } from 'pino';
import { ConfigError } from '../config/load.js';
import type { Report } from '../domain/report.js';

/** The part of a tenant the scheduler reads (TenantConfig fits). */
export interface SchedulableTenant {
  id: string;
  schedule?: string | undefined;
}

/** `schedule` of the config (DESIGN §4). */
export interface ScheduleConfig {
  cron: string;
  timezone: string;
  concurrency: number;
  jitterSeconds: number;
}

/** What the scheduler needs of a cron task (node-cron's ScheduledTask fits). */
export interface CronTask {
  stop(): void | Promise<void>;
  getStatus?(): string;
}

export interface CronTaskOptions {
  timezone: string;
  name: string;
  logger: { info(m: string): void; warn(m: string): void; error(m: string | Error, e?: Error): void; debug(m: string | Error, e?: Error): void };
}

/** node-cron's `schedule` by default; tests pass a fake that fires ticks on demand. */
export type CronScheduler = (expression: string, onTick: () => void, options: CronTaskOptions) => CronTask;

export type TimerHandle = unknown;

export type ScanTrigger = 'schedule' | 'catch-up' | 'manual';

export type ScanOutcome =
  | { status: 'ok'; report: Report }
  | { status: 'error'; error: unknown }
  | { status: 'aborted'; error: unknown }
  /** Queued or waiting for its jitter when the scheduler stopped: never started. */
  | { status: 'dropped' };

export interface ScanRequest {
  accepted: boolean;
  /** Why not, when not accepted. */
  reason?: string;
  /** The job's state right after the request (also for a request refused because the tenant is busy). */
  state?: JobState;
  /** Settles when the (new or already pending) scan ends; absent when the scheduler is not running. */
  done?: Promise<ScanOutcome>;
}

export type JobState = 'waiting' | 'queued' | 'running';

export interface SchedulerHealth {
  /** Started, not stopping, and every cron task active. */
  alive: boolean;
  stopping: boolean;
  startedAt: string | null;
  /** Last cron fire of any tenant (null until the first one: a daily schedule fires once a day). */
  lastTickAt: string | null;
  tenants: number;
  concurrency: number;
  running: number;
  /** Waiting for their jitter or for a free slot. */
  queued: number;
  runningTenants: string[];
}

export interface TenantPlan {
  tenantId: string;
  cron: string;
  timezone: string;
  /** Config path the cron comes from: `tenants[i].schedule` or `schedule.cron`. */
  source: string;
}

export interface StopSummary {
  /** Running scans that ended on their own within the grace period. */
  finished: number;
  /** Running scans aborted when the grace period was over. */
  aborted: number;
  /** Waiting or queued scans that never started. */
  dropped: number;
}

export interface SchedulerOptions<T extends SchedulableTenant> {
  tenants: readonly T[];
  scheduleConfig: ScheduleConfig;
  runScan: (tenant: T, signal: AbortSignal) => Promise<Report>;
  /** When the tenant's last scan started, or null when it has none. */
  lastScanAt: (tenantId: string) => Promise<Date | null>;
  logger: Logger;
  now?: () => Date;
  /** [0, 1); Math.random by default. */
  random?: () => number;
  setTimer?: (fn: () => void, ms: number) => TimerHandle;
  clearTimer?: (handle: TimerHandle) => void;
  cron?: CronScheduler;
  /** How long stop() waits for aborted scans to wind down before it gives up on them (default 10 s). */
  abortWaitMs?: number;
}

interface Plan<T> extends TenantPlan {
  tenant: T;
}

interface Job<T> {
  tenant: T;
  trigger: ScanTrigger;
  state: JobState;
  timer: TimerHandle | undefined;
  controller: AbortController;
  done: Promise<ScanOutcome>;
  settle: (outcome: ScanOutcome) => void;
  settled: boolean;
}

export const defaultCron: CronScheduler = (expression, onTick, options) => cron.schedule(expression, () => onTick(), options);

function timezoneProblem(timezone: string): string | null {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    return null;
  } catch {
    return `unknown time zone ${JSON.stringify(timezone)} (use an IANA name such as "UTC" or "Europe/Berlin")`;
  }
}

function cronProblem(expression: string, timezone: string): string | null {
  const detailed = cron.validateDetailed(expression);
  if (!detailed.valid) {
    const first = detailed.errors[0];
    return `invalid cron expression ${JSON.stringify(expression)}: ${first ? `${first.field === 'expression' ? '' : `${first.field}: `}${first.message}` : 'not a cron expression'}`;
  }
  try {
    CronExpressionParser.parse(expression, { tz: timezone }).prev();
    return null;
  } catch (e) {
    return `invalid cron expression ${JSON.stringify(expression)}: ${(e as Error).message}`;
  }
}

/** node-cron's logger, as pino lines of component node-cron. */
export function cronLogger(logger: Logger): CronTaskOptions['logger'] {
  const log = logger.child({ component: 'node-cron' });
  return {
    info: (m) => log.info(m),
    warn: (m) => log.warn(m),
    error: (m, e) => log.error({ err: e ?? (m instanceof Error ? m : undefined) }, m instanceof Error ? m.message : m),
    debug: (m) => log.debug(m instanceof Error ? m.message : m),
  };
}

/** True while no cron task has stopped (node-cron's status; a fake without one counts as active). */
export function cronTasksActive(tasks: readonly CronTask[]): boolean {
  return tasks.every((t) => {
    const s = t.getStatus?.();
    return s === undefined || (s !== 'stopped' && s !== 'destroyed');
  });
}

/**
 * Whether a tenant needs a catch-up scan at `at`: its last scan is older than the schedule's previous fire (or it has
 * none, or history cannot be read — then it is caught up rather than skipped). Returns that fire time, or null.
 */
export async function catchUpDue(
  plan: { tenantId: string; cron: string; timezone: string },
  at: Date,
  lastScanAt: (tenantId: string) => Promise<Date | null>,
  logger: Logger,
): Promise<{ last: Date | null; previous: Date } | null> {
  let last: Date | null;
  try {
    last = await lastScanAt(plan.tenantId);
  } catch (e) {
    logger.warn({ tenant: plan.tenantId, err: e }, 'cannot read the last scan time; catching up');
    last = null;
  }
  const previous = previousFire(plan.cron, plan.timezone, at);
  return last === null || last.getTime() < previous.getTime() ? { last, previous } : null;
}

/** The schedule's most recent fire time at or before `at`, in its time zone. */
export function previousFire(expression: string, timezone: string, at: Date): Date {
  return CronExpressionParser.parse(expression, { tz: timezone, currentDate: at }).prev().toDate();
}

/** The schedule's next fire time after `at`, in its time zone. */
export function nextFire(expression: string, timezone: string, at: Date): Date {
  return CronExpressionParser.parse(expression, { tz: timezone, currentDate: at }).next().toDate();
}

/**
 * Per-tenant cron and time zone, validated. Every problem names its config path; all of them are reported at once
 * as a ConfigError (the CLI exits 2).
 */
export function planSchedules<T extends SchedulableTenant>(tenants: readonly T[], schedule: ScheduleConfig): Array<Plan<T>> {
  const problems: string[] = [];
  const tzProblem = timezoneProblem(schedule.timezone);
  if (tzProblem) problems.push(`schedule.timezone: ${tzProblem}`);
  if (!Number.isInteger(schedule.concurrency) || schedule.concurrency < 1) problems.push(`schedule.concurrency: must be a whole number ≥ 1`);
  if (!(schedule.jitterSeconds >= 0)) problems.push(`schedule.jitterSeconds: must be ≥ 0`);
  const timezone = tzProblem ? 'UTC' : schedule.timezone;
  const globalProblem = cronProblem(schedule.cron, timezone);
  if (globalProblem) problems.push(`schedule.cron: ${globalProblem}`);
  const plans = tenants.map((tenant, i): Plan<T> => {
    const own = tenant.schedule !== undefined;
    const source = own ? `tenants[${i}].schedule` : 'schedule.cron';
    const expression = own ? tenant.schedule! : schedule.cron;
    if (own) {
      const p = cronProblem(expression, timezone);
      if (p) problems.push(`${source}: ${p}`);
    }
    return { tenant, tenantId: tenant.id, cron: expression, timezone: schedule.timezone, source };
  });
  if (problems.length > 0) throw new ConfigError(problems);
  return plans;
}

export class Scheduler<T extends SchedulableTenant = SchedulableTenant> {
  private readonly plans: Array<Plan<T>>;
  private readonly byId = new Map<string, Plan<T>>();
  private readonly jobs = new Map<string, Job<T>>();
  private readonly limit: LimitFunction;
  private readonly logger: Logger;
  private readonly now: () => Date;
  private readonly random: () => number;
  private readonly setTimer: (fn: () => void, ms: number) => TimerHandle;
  private readonly clearTimer: (handle: TimerHandle) => void;
  private readonly cron: CronScheduler;
  private tasks: CronTask[] = [];
  private started = false;
  private stopping = false;
  private startedAt: Date | null = null;
  private lastTickAt: Date | null = null;
  private stopPromise: Promise<StopSummary> | null = null;

  constructor(private readonly opts: SchedulerOptions<T>) {
    this.plans = planSchedules(opts.tenants, opts.scheduleConfig);
    for (const p of this.plans) this.byId.set(p.tenantId, p);
    this.limit = pLimit({ concurrency: opts.scheduleConfig.concurrency, rejectOnClear: true });
    this.logger = opts.logger.child({ component: 'scheduler' });
    this.now = opts.now ?? (() => new Date());
    this.random = opts.random ?? Math.random;
    this.setTimer = opts.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
    this.clearTimer = opts.clearTimer ?? ((h) => clearTimeout(h as NodeJS.Timeout));
    this.cron = opts.cron ?? defaultCron;
  }

  /** Each tenant's effective cron, time zone and where it comes from. */
  schedules(): Array<TenantPlan & { nextRunAt: string }> {
    const at = this.now();
    return this.plans.map(({ tenantId, cron: c, timezone, source }) => ({ tenantId, cron: c, timezone, source, nextRunAt: nextFire(c, timezone, at).toISOString() }));
  }

  /** Schedules the cron tasks and enqueues the tenants whose last scan is older than their schedule allows. */
  async start(): Promise<{ catchUp: string[] }> {
    if (this.started) throw new Error('the scheduler is already started');
    this.started = true;
    this.startedAt = this.now();
    const adapter = cronLogger(this.logger);
    for (const plan of this.plans) {
      this.tasks.push(this.cron(plan.cron, () => this.onTick(plan), { timezone: plan.timezone, name: `ratchet-scan:${plan.tenantId}`, logger: adapter }));
    }

    const at = this.now();
    const due = await Promise.all(
      this.plans.map(async (plan) => {
        const overdue = await catchUpDue(plan, at, this.opts.lastScanAt, this.logger);
        return overdue ? { plan, ...overdue } : null;
      }),
    );
    const catchUp: string[] = [];
    for (const d of due) {
      if (!d || this.stopping) continue;
      catchUp.push(d.plan.tenantId);
      this.logger.info(
        { tenant: d.plan.tenantId, lastScanAt: d.last?.toISOString() ?? null, scheduledAt: d.previous.toISOString(), cron: d.plan.cron },
        'catch-up: last scan is older than the schedule allows',
      );
      this.request(d.plan.tenant, 'catch-up', true);
    }
    this.logger.info({ tenants: this.plans.length, catchUp: catchUp.length, concurrency: this.opts.scheduleConfig.concurrency }, 'scheduler started');
    return { catchUp };
  }

  /** Scans a tenant as soon as a slot is free (no jitter): for the web UI / REST API. Throws for an unknown tenant. */
  scanNow(tenantId: string): ScanRequest {
    const plan = this.byId.get(tenantId);
    if (!plan) throw new Error(`no tenant ${JSON.stringify(tenantId)} in the schedule`);
    return this.request(plan.tenant, 'manual', false);
  }

  health(): SchedulerHealth {
    const jobs = [...this.jobs.values()];
    const running = jobs.filter((j) => j.state === 'running');
    return {
      alive: this.started && !this.stopping && cronTasksActive(this.tasks),
      stopping: this.stopping,
      startedAt: this.startedAt?.toISOString() ?? null,
      lastTickAt: this.lastTickAt?.toISOString() ?? null,
      tenants: this.plans.length,
      concurrency: this.opts.scheduleConfig.concurrency,
      running: running.length,
      queued: jobs.length - running.length,
      runningTenants: running.map((j) => j.tenant.id),
    };
  }

  /**
   * Stops the cron tasks, drops scans that have not started, waits up to `graceMs` for running scans and aborts
   * the rest. Idempotent: a second call returns the same promise.
   */
  stop(graceMs: number): Promise<StopSummary> {
    this.stopPromise ??= this.doStop(graceMs);
    return this.stopPromise;
  }

  /** Aborts every running scan now (e.g. a second SIGINT while stop() is waiting). */
  abortRunning(reason = 'aborted by the operator'): number {
    let n = 0;
    for (const job of this.jobs.values()) {
      if (job.state === 'running' && !job.controller.signal.aborted) {
        job.controller.abort(abortError(reason));
        n += 1;
      }
    }
    return n;
  }

  private async doStop(graceMs: number): Promise<StopSummary> {
    // Synchronous first: from here on no tick, request or queued job starts a scan.
    this.stopping = true;
    const taskStops = this.tasks.map(async (t) => {
      try {
        await t.stop();
      } catch (e) {
        this.logger.warn({ err: e }, 'cannot stop a cron task');
      }
    });
    let dropped = 0;
    for (const job of [...this.jobs.values()]) {
      if (job.state === 'running') continue;
      if (job.timer !== undefined) this.clearTimer(job.timer);
      job.timer = undefined;
      this.finish(job, { status: 'dropped' });
      dropped += 1;
    }
    this.limit.clearQueue();
    const running = [...this.jobs.values()].filter((j) => j.state === 'running');
    this.logger.info({ running: running.map((j) => j.tenant.id), dropped, graceMs }, 'scheduler stopping: no new scans; waiting for running scans');

    const all = Promise.all(running.map((j) => j.done));
    const inTime = running.length === 0 || (graceMs > 0 && (await this.within(all, graceMs)));
    let aborted = 0;
    if (!inTime) {
      const late = running.filter((j) => !j.settled);
      aborted = this.abortRunning(`ratchet serve is shutting down: the grace period of ${Math.round(graceMs / 1000)} s is over`);
      this.logger.warn({ tenants: late.map((j) => j.tenant.id), graceMs }, 'grace period over: aborting running scans (nothing of them is stored)');
      const abortWaitMs = this.opts.abortWaitMs ?? 10_000;
      if (!(await this.within(all, abortWaitMs))) {
        this.logger.error({ tenants: late.filter((j) => !j.settled).map((j) => j.tenant.id), abortWaitMs }, 'aborted scans did not end in time; leaving them behind');
      }
    }
    await Promise.all(taskStops);
    const summary = { finished: running.length - aborted, aborted, dropped };
    this.logger.info(summary, 'scheduler stopped');
    return summary;
  }

  /** True when `p` settles within `ms` (measured with the injectable timer). */
  private within(p: Promise<unknown>, ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = this.setTimer(() => resolve(false), ms);
      void p.then(() => {
        this.clearTimer(timer);
        resolve(true);
      });
    });
  }

  private onTick(plan: Plan<T>): void {
    this.lastTickAt = this.now();
    if (this.stopping) return;
    this.logger.debug({ tenant: plan.tenantId, cron: plan.cron }, 'schedule fired');
    this.request(plan.tenant, 'schedule', true);
  }

  private request(tenant: T, trigger: ScanTrigger, withJitter: boolean): ScanRequest {
    if (!this.started || this.stopping) {
      return { accepted: false, reason: this.stopping ? 'the scheduler is stopping' : 'the scheduler is not started' };
    }
    const existing = this.jobs.get(tenant.id);
    if (existing) {
      if (trigger === 'manual' && existing.state === 'waiting') {
        // A manual request does not wait for the jitter of a scheduled scan that has not started yet.
        if (existing.timer !== undefined) this.clearTimer(existing.timer);
        existing.timer = undefined;
        this.enqueue(existing);
        return { accepted: true, state: existing.state, done: existing.done };
      }
      this.logger.info({ tenant: tenant.id, trigger, state: existing.state, pendingTrigger: existing.trigger }, 'skipped: previous scan still running');
      return { accepted: false, reason: `a scan of ${tenant.id} is already ${existing.state}`, state: existing.state, done: existing.done };
    }

    let settle!: (o: ScanOutcome) => void;
    const done = new Promise<ScanOutcome>((resolve) => (settle = resolve));
    const job: Job<T> = { tenant, trigger, state: 'waiting', timer: undefined, controller: new AbortController(), done, settle, settled: false };
    this.jobs.set(tenant.id, job);
    const jitterMs = withJitter ? Math.floor(this.random() * this.opts.scheduleConfig.jitterSeconds * 1000) : 0;
    if (jitterMs > 0) {
      this.logger.debug({ tenant: tenant.id, trigger, jitterMs }, 'scan waits for its jitter');
      job.timer = this.setTimer(() => {
        job.timer = undefined;
        if (!job.settled) this.enqueue(job);
      }, jitterMs);
    } else {
      this.enqueue(job);
    }
    return { accepted: true, state: job.state, done };
  }

  private enqueue(job: Job<T>): void {
    job.state = 'queued';
    this.limit(() => this.run(job)).catch(() => {
      // Rejected by clearQueue() in stop(): the job was already settled as dropped.
      this.finish(job, { status: 'dropped' });
    });
  }

  private async run(job: Job<T>): Promise<void> {
    if (job.settled || this.stopping) {
      this.finish(job, { status: 'dropped' });
      return;
    }
    job.state = 'running';
    const signal = job.controller.signal;
    this.logger.debug({ tenant: job.tenant.id, trigger: job.trigger }, 'scan starting');
    let outcome: ScanOutcome;
    try {
      const report = await this.opts.runScan(job.tenant, signal);
      outcome = { status: 'ok', report };
    } catch (e) {
      if (signal.aborted) {
        outcome = { status: 'aborted', error: e };
        this.logger.warn({ tenant: job.tenant.id, reason: (signal.reason as Error | undefined)?.message }, 'scan aborted; nothing stored');
      } else {
        outcome = { status: 'error', error: e };
        this.logger.error({ tenant: job.tenant.id, err: e }, 'scan failed');
      }
    }
    this.finish(job, outcome);
  }

  private finish(job: Job<T>, outcome: ScanOutcome): void {
    if (job.settled) return;
    job.settled = true;
    if (this.jobs.get(job.tenant.id) === job) this.jobs.delete(job.tenant.id);
    job.settle(outcome);
  }
}

function abortError(message: string): Error {
  const e = new Error(message);
  e.name = 'AbortError';
  return e;
}
