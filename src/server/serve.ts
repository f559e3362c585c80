/**
 * `ratchet serve` (DESIGN §3): the long-running mode. A scheduler scans the tenants on their cron schedules with
 * bounded concurrency and no overlap per tenant, `GET /healthz` and `GET /metrics` answer on server.host:port, and
 * alert deliveries are sent from the outbox. SIGTERM/SIGINT: no new scans, running scans get `--grace-seconds`
 * to finish and are then aborted (an aborted scan stores nothing), the HTTP server and the store close, exit 0.
 * A second signal aborts running scans at once. `ratchet scan` stays the one-shot mode.
 */
import type { Context } from '../app/context.js';
import { UsageError } from '../app/errors.js';
import { EXIT, type CliIO } from '../app/io.js';
import type { TenantConfig } from '../config/schema.js';
import { metrics as processMetrics, type RatchetMetrics } from '../metrics.js';
import type { Report } from '../domain/report.js';
import { scanTenant } from '../scan/run-scan.js';
import { planSchedules, Scheduler } from '../scheduler/scheduler.js';
import type { Store } from '../store/store.js';
import { buildServer, type ServeRole, type ServerDeps } from './app.js';
import { isPostgresUrl, postgresUrlWithPassword } from '../store/index.js';
import { ScanQueue } from '../queue/scan-queue.js';
import { QueueScheduler } from '../queue/queue-scheduler.js';
import { ScanWorker } from '../queue/scan-worker.js';
import { registerQueueMetrics } from '../queue/metrics.js';
import { createChannels } from '../alerts/channels.js';
import { AlertDispatcher } from '../alerts/outbox.js';
import { startReportDelivery, type ReportDeliveryService } from '../report-delivery/serve.js';
import { ticketDispatcher } from '../app/psa.js';
import { registerWeb } from '../web/index.js';
import { uiPlugin } from '../web/ui/index.js';

export const DEFAULT_GRACE_SECONDS = 30;
/** How often the alert outbox is polled for due deliveries. */
const ALERT_INTERVAL_MS = 15_000;

export interface ServeOptions {
  /** Overrides server.port (0 = any free port). */
  port?: string | number;
  /** Overrides server.host. */
  host?: string;
  /** How long running scans may take to finish after SIGTERM/SIGINT before they are aborted. */
  graceSeconds?: string | number;
  /** Resolves (with a name for the log) when the server should shut down; default: the first SIGTERM or SIGINT. */
  until?: Promise<string>;
  /** Called with the bound URL once the server listens (tests). */
  onListening?: (url: string) => void;
  metrics?: RatchetMetrics;
  /** Which parts run in this process (default all); other than all needs PostgreSQL. */
  role?: string;
}

export const SERVE_ROLES: readonly ServeRole[] = ['all', 'scheduler', 'worker', 'web'];

/**
 * The part of `serve` that gets tenants scanned: the in-process scheduler (SQLite) or the queue roles
 * (PostgreSQL). The rest of serve — HTTP, web, alerts, signals — does not care which.
 */
interface ScanEngine {
  health: Pick<ServerDeps, 'scheduler' | 'worker' | 'queue'>;
  /** For the running/queued gauges. */
  gauge: { health(): { running: number; queued: number } } | null;
  /** "Scan now" of the web UI and REST API; absent when this process serves no web. */
  scanNow?: (tenantId: string) => Promise<{ queued: boolean; reason?: string }>;
  /** Registers extra metrics; returns their removal. */
  metrics?: (registry: RatchetMetrics['registry']) => () => void;
  start(): Promise<void>;
  /** No new scans; running ones get `graceMs`, then are aborted. */
  stop(graceMs: number): Promise<void>;
  abortRunning(reason: string): number;
  close(): Promise<void>;
}

/** The role named on the command line, checked against the store: only PostgreSQL can share work between processes. */
export function parseRole(value: string | undefined, postgres: boolean): ServeRole {
  const role = (value ?? 'all') as ServeRole;
  if (!SERVE_ROLES.includes(role)) throw new UsageError(`--role must be one of ${SERVE_ROLES.join(', ')}, got ${JSON.stringify(value)}`);
  if (role !== 'all' && !postgres) {
    throw new UsageError(
      `--role ${role} needs storage.url to be a PostgreSQL URL: with SQLite one process does everything (the queue, the ` +
        `scans and the history live in that process and its file), so run \`ratchet serve\` without --role, or move the ` +
        `history with \`ratchet migrate --from sqlite:… --to postgres://…\` first`,
    );
  }
  return role;
}

function wholeNumber(name: string, value: string | number | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isInteger(n) || n < min || n > max || (typeof value === 'string' && value.trim() === '')) {
    throw new UsageError(`${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`);
  }
  return n;
}

/**
 * The store a scan sees: `saveScan` refuses once the scan's signal has fired, so a scan aborted at shutdown never
 * reaches its one transaction — even if the abort lands after the collectors returned — and history holds whole,
 * deliberate scans only.
 */
export function abortGuardedStore(store: Store, signal: AbortSignal): Store {
  return new Proxy(store, {
    get(target, prop) {
      if (prop === 'saveScan') {
        return async (...args: Parameters<Store['saveScan']>) => {
          signal.throwIfAborted();
          return target.saveScan(...args);
        };
      }
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** The first SIGTERM/SIGINT resolves `first`; later ones call `again`. */
function signals(again: (signal: string) => void): { first: Promise<string>; dispose(): void } {
  let seen = false;
  let resolveFirst!: (s: string) => void;
  const first = new Promise<string>((r) => (resolveFirst = r));
  const handler = (signal: NodeJS.Signals) => {
    if (!seen) {
      seen = true;
      resolveFirst(signal);
    } else again(signal);
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
  return {
    first,
    dispose() {
      process.off('SIGTERM', handler);
      process.off('SIGINT', handler);
    },
  };
}

export async function runServe(ctx: Context, io: CliIO, opts: ServeOptions = {}): Promise<number> {
  const { config, store, logger } = ctx;
  const postgres = isPostgresUrl(config.storage.url);
  const role = parseRole(opts.role, postgres);
  const port = wholeNumber('--port', opts.port, 0, 65535) ?? config.server.port;
  const host = opts.host ?? config.server.host;
  const graceSeconds = wholeNumber('--grace-seconds', opts.graceSeconds, 0, 86_400) ?? DEFAULT_GRACE_SECONDS;
  const now = io.now ?? (() => new Date());
  const m = opts.metrics ?? processMetrics;
  m.enableDefaultMetrics();
  // Channel ids go into each scan (a confirmed regression queues one outbox row per channel, in the scan's
  // transaction); the dispatcher sends the rows. Building the channels also registers their secrets for scrubbing.
  const channels = createChannels(config.alerts, { now });
  const channelIds = channels.map((c) => c.id);

  const runScan = async (tenant: TenantConfig, signal: AbortSignal): Promise<Report> => {
    const started = performance.now();
    try {
      const report = await scanTenant(tenant, { ...ctx, store: abortGuardedStore(store, signal), signal, now, channelIds });
      m.recordScan(report, performance.now() - started);
      await m.refreshRegressionsOpen(store, tenant.id, report);
      return report;
    } catch (e) {
      m.recordScanWithoutReport(signal.aborted ? 'aborted' : 'failed', performance.now() - started);
      throw e;
    }
  };
  const lastScanAt = async (tenantId: string): Promise<Date | null> => {
    const [last] = await store.listScans(tenantId, { limit: 1 });
    return last ? new Date(last.startedAt) : null;
  };

  // Validates every cron and the time zone (ConfigError naming the path → exit 2) before anything listens.
  const engine = postgres
    ? await queueEngine({ ctx, role, runScan, lastScanAt, now })
    : localEngine(new Scheduler<TenantConfig>({ tenants: config.tenants, scheduleConfig: config.schedule, runScan, lastScanAt, logger, now }));

  let shutdownRequested = false;
  const sig = signals((signal) => {
    const n = engine.abortRunning(`aborted by a second ${signal}`);
    logger.warn({ signal, aborted: n }, 'second signal: aborting running scans now');
  });
  const until = opts.until ?? sig.first;
  // A promise someone forgot to await must not take the dashboard and the schedule of every tenant down with it
  // (Node's default for an unhandled rejection is to exit): say so loudly, once per rejection, and keep serving.
  const onRejection = (reason: unknown) => logger.error({ err: reason }, 'unhandled promise rejection (ratchet serve keeps running; please report this)');
  process.on('unhandledRejection', onRejection);

  const app = buildServer({ ...engine.health, role, store, registry: m.registry, logger, trustProxy: config.server.trustProxy, metricsToken: config.server.metricsToken });
  m.observeScheduler(engine.gauge);
  const removeMetrics = engine.metrics?.(m.registry);
  // Alerts go out from processes that scan (the outbox is claimed row by row, so any number of them may send).
  const sendsAlerts = role === 'all' || role === 'worker';
  const alerts = new AlertDispatcher({ store, channels, logger, now });
  // PSA tickets (config psa:) go out from the same processes, one operation at a time across all of them.
  const tickets = sendsAlerts ? ticketDispatcher(ctx.psa, { store, logger, now }) : null;
  let alertsStarted = false;
  let reports: ReportDeliveryService | null = null;
  try {
    try {
      await m.loadFromHistory(store, config.tenants.map((t) => t.id));
    } catch (e) {
      logger.warn({ err: e }, 'cannot load tenant metrics from history; they fill in as scans finish');
    }
    if (sendsAlerts) {
      alerts.start(ALERT_INTERVAL_MS);
      alertsStarted = true;
    }
    tickets?.start(ALERT_INTERVAL_MS);
    // Scheduled client reports (config reports[]): queued by schedulers, sent by processes that send alerts.
    reports = startReportDelivery({ config, store, logger, now, plans: role === 'all' || role === 'scheduler', sends: sendsAlerts });
    // Web UI and REST API: everything but /healthz and /metrics needs a token or a signed-in session. A scheduler or
    // worker process serves only those two (for probes and scrapes).
    if (engine.scanNow) {
      await registerWeb(app, { store, config, ruleSet: ctx.ruleSet, now, ui: uiPlugin, scheduler: { scanNow: engine.scanNow } });
    }

    let url: string;
    try {
      url = await app.listen({ port, host });
    } catch (e) {
      throw new Error(`cannot listen on ${host}:${port}: ${(e as Error).message}`, { cause: e });
    }
    logger.info({ url, role, publicUrl: config.server.publicUrl ?? null, tenants: config.tenants.length, graceSeconds }, `ratchet serve listening on ${url}`);
    opts.onListening?.(url);

    await engine.start();
    const reason = await until;
    shutdownRequested = true;
    logger.info({ signal: reason, graceSeconds }, 'shutting down: no new scans; running scans may finish within the grace period');
    await engine.stop(graceSeconds * 1000);
  } finally {
    if (!shutdownRequested) await engine.stop(0);
    sig.dispose();
    process.off('unhandledRejection', onRejection);
    try {
      // Waits for a dispatch run in progress; rows still pending stay in the outbox for the next start.
      if (alertsStarted) await alerts.stop();
    } catch (e) {
      logger.warn({ err: e }, 'alert dispatcher did not stop cleanly');
    }
    try {
      await tickets?.stop();
    } catch (e) {
      logger.warn({ err: e }, 'PSA ticket dispatcher did not stop cleanly');
    }
    try {
      await reports?.stop();
    } catch (e) {
      logger.warn({ err: e }, 'client report delivery did not stop cleanly');
    }
    await app.close();
    m.observeScheduler(null);
    removeMetrics?.();
    await engine.close();
    await store.close();
  }
  logger.info('ratchet serve stopped');
  return EXIT.ok;
}

/** SQLite: one process, the in-process scheduler with its own queue (DESIGN §2). */
function localEngine(scheduler: Scheduler<TenantConfig>): ScanEngine {
  return {
    health: { scheduler },
    gauge: scheduler,
    scanNow: async (tenantId) => {
      const r = scheduler.scanNow(tenantId);
      return r.accepted ? { queued: true } : { queued: false, reason: r.reason ?? `a scan of ${tenantId} is already ${r.state ?? 'pending'}` };
    },
    start: async () => {
      await scheduler.start();
    },
    stop: async (graceMs) => {
      await scheduler.stop(graceMs);
    },
    abortRunning: (reason) => scheduler.abortRunning(reason),
    close: async () => undefined,
  };
}

/**
 * PostgreSQL: the durable queue (DESIGN §11). `scheduler` queues each tenant's slots and the catch-up, `worker`
 * claims and scans, `web` serves the UI and API (its "Scan now" queues a job); `all` is the three in one process.
 */
async function queueEngine(p: {
  ctx: Context;
  role: ServeRole;
  runScan: (tenant: TenantConfig, signal: AbortSignal) => Promise<Report>;
  lastScanAt: (tenantId: string) => Promise<Date | null>;
  now: () => Date;
}): Promise<ScanEngine> {
  const { config, logger } = p.ctx;
  const has = (r: ServeRole) => p.role === 'all' || p.role === r;
  // Checked before the queue connects, so a bad cron is a config error (exit 2) even when PostgreSQL is down.
  planSchedules(config.tenants, config.schedule);
  const queue = await ScanQueue.open({
    url: postgresUrlWithPassword(config.storage.url, config.storage.password),
    settings: config.queue,
    logger,
    maxConnections: Math.max(2, Math.min(10, config.schedule.concurrency + 1)),
  });
  const queueScheduler = has('scheduler')
    ? new QueueScheduler<TenantConfig>({ queue, tenants: config.tenants, scheduleConfig: config.schedule, lastScanAt: p.lastScanAt, logger, now: p.now })
    : null;
  const worker = has('worker')
    ? new ScanWorker<TenantConfig>({ queue, tenants: config.tenants, concurrency: config.schedule.concurrency, leaseSeconds: config.queue.leaseSeconds, runScan: p.runScan, logger })
    : null;
  const known = new Set(config.tenants.map((t) => t.id));
  const engine: ScanEngine = {
    health: { scheduler: queueScheduler ?? undefined, worker: worker ?? undefined, queue },
    gauge: worker ? { health: () => ({ running: worker.health().running, queued: 0 }) } : null,
    metrics: (registry) => registerQueueMetrics(registry, { queue, worker: worker ?? undefined }),
    start: async () => {
      await worker?.start();
      await queueScheduler?.start();
    },
    stop: async (graceMs) => {
      await queueScheduler?.stop();
      await worker?.stop(graceMs);
    },
    abortRunning: (reason) => worker?.abortRunning(reason) ?? 0,
    close: () => queue.close(),
  };
  if (has('web')) {
    engine.scanNow = async (tenantId) => {
      if (!known.has(tenantId)) return { queued: false, reason: `no tenant ${JSON.stringify(tenantId)} in the config` };
      const r = await queue.enqueue({ tenantId, trigger: 'manual', slot: null, requestedAt: p.now().toISOString() });
      return r.accepted ? { queued: true } : { queued: false, reason: r.reason ?? 'not queued' };
    };
  }
  return engine;
}
