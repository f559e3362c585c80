/**
 * Scheduled client reports in `ratchet serve` (DESIGN §13): one node-cron task per `reports[]` entry queues that
 * firing's rows (roles all and scheduler), and a dispatcher sends them (roles all and worker). Several schedulers on
 * one database may all fire: the idempotency key lets only the first queue anything.
 *
 * Catch-up: a serve that was down when a schedule fired plans that firing when it starts, if it was at most
 * `CATCH_UP_MS` ago — a report due yesterday is sent late rather than skipped for a whole quarter, while a first
 * deployment in mid-quarter does not mail every client last quarter's report out of the blue. Planning a firing
 * that was already planned queues nothing (same key).
 */
import type { Logger } from 'pino';
import { reportSchedules } from '../config/reports.js';
import type { RatchetConfig } from '../config/schema.js';
import { cronLogger, defaultCron, previousFire, type CronScheduler, type CronTask } from '../scheduler/scheduler.js';
import type { Store } from '../store/store.js';
import { ReportDispatcher } from './dispatcher.js';
import { createReportMailer, reportEmailChannel } from './mailer.js';
import { queueScheduledReports } from './plan.js';
import { createReportRenderer } from './renderer.js';

/** How far back a missed firing is still planned on start. */
export const CATCH_UP_MS = 7 * 86_400_000;

export interface ReportDeliveryOptions {
  config: Pick<RatchetConfig, 'reports' | 'alerts' | 'tenants'>;
  store: Store;
  logger: Logger;
  now?: () => Date;
  /** Queue reports on their schedule (roles all, scheduler). */
  plans: boolean;
  /** Send queued reports (roles all, worker). */
  sends: boolean;
  cron?: CronScheduler;
  dispatchIntervalMs?: number;
}

export interface ReportDeliveryService {
  stop(): Promise<void>;
}

export function startReportDelivery(opts: ReportDeliveryOptions): ReportDeliveryService {
  const { config, store, logger } = opts;
  const now = opts.now ?? (() => new Date());
  const schedules = reportSchedules(config.reports);
  const email = reportEmailChannel(config.alerts);
  if (schedules.length === 0 || !email) return { stop: async () => undefined };
  const log = logger.child({ component: 'reports' });
  const tenantIds = config.tenants.map((t) => t.id);

  const tasks: CronTask[] = [];
  /** Plans in flight, awaited by stop() so the store is not closed under them. */
  const planning = new Set<Promise<unknown>>();
  const plan = (s: (typeof schedules)[number], at: Date, what: string): void => {
    const p = queueScheduledReports(store, s, tenantIds, at, log)
      .catch((err: unknown) => log.error({ schedule: s.id, err }, `cannot queue ${what} of schedule ${s.id}; the next firing tries again`))
      .finally(() => planning.delete(p));
    planning.add(p);
  };
  if (opts.plans) {
    const schedule = opts.cron ?? defaultCron;
    for (const s of schedules) {
      const startedAt = now();
      const missed = previousFire(s.cron, s.timezone, startedAt);
      if (startedAt.getTime() - missed.getTime() <= CATCH_UP_MS) {
        plan(s, missed, 'the catch-up of client reports');
      }
      tasks.push(
        schedule(
          s.cron,
          () => plan(s, now(), 'client reports'),
          { timezone: s.timezone, name: `report:${s.id}`, logger: cronLogger(logger) },
        ),
      );
    }
  }
  const dispatcher = opts.sends
    ? new ReportDispatcher({ store, render: createReportRenderer({ store, tenants: config.tenants, now }), mailer: createReportMailer(email), logger, now })
    : null;
  dispatcher?.start(opts.dispatchIntervalMs ?? 60_000);
  return {
    async stop() {
      for (const t of tasks) await t.stop();
      await Promise.all([...planning]);
      await dispatcher?.stop();
    },
  };
}
