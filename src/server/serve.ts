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
import { Scheduler } from '../scheduler/scheduler.js';
import type { Store } from '../store/store.js';
import { buildServer } from './app.js';
import { createChannels } from '../alerts/channels.js';
import { AlertDispatcher } from '../alerts/outbox.js';
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

  // Validates every cron and the time zone (ConfigError naming the path → exit 2) before anything listens.
  const scheduler = new Scheduler<TenantConfig>({
    tenants: config.tenants,
    scheduleConfig: config.schedule,
    runScan,
    lastScanAt: async (tenantId) => {
      const [last] = await store.listScans(tenantId, { limit: 1 });
      return last ? new Date(last.startedAt) : null;
    },
    logger,
    now,
  });

  let shutdownRequested = false;
  const sig = signals((signal) => {
    const n = scheduler.abortRunning(`aborted by a second ${signal}`);
    logger.warn({ signal, aborted: n }, 'second signal: aborting running scans now');
  });
  const until = opts.until ?? sig.first;
  // A promise someone forgot to await must not take the dashboard and the schedule of every tenant down with it
  // (Node's default for an unhandled rejection is to exit): say so loudly, once per rejection, and keep serving.
  const onRejection = (reason: unknown) => logger.error({ err: reason }, 'unhandled promise rejection (ratchet serve keeps running; please report this)');
  process.on('unhandledRejection', onRejection);

  const app = buildServer({ scheduler, store, registry: m.registry, logger, trustProxy: config.server.trustProxy, metricsToken: config.server.metricsToken });
  m.observeScheduler(scheduler);
  const alerts = new AlertDispatcher({ store, channels, logger, now });
  let alertsStarted = false;
  try {
    try {
      await m.loadFromHistory(store, config.tenants.map((t) => t.id));
    } catch (e) {
      logger.warn({ err: e }, 'cannot load tenant metrics from history; they fill in as scans finish');
    }
    alerts.start(ALERT_INTERVAL_MS);
    alertsStarted = true;
    // Web UI and REST API: everything but /healthz and /metrics needs a token or a signed-in session.
    await registerWeb(app, {
      store,
      config,
      ruleSet: ctx.ruleSet,
      now,
      ui: uiPlugin,
      scheduler: {
        scanNow: (tenantId) => {
          const r = scheduler.scanNow(tenantId);
          return r.accepted ? { queued: true } : { queued: false, reason: r.reason ?? `a scan of ${tenantId} is already ${r.state ?? 'pending'}` };
        },
      },
    });

    let url: string;
    try {
      url = await app.listen({ port, host });
    } catch (e) {
      throw new Error(`cannot listen on ${host}:${port}: ${(e as Error).message}`, { cause: e });
    }
    logger.info({ url, publicUrl: config.server.publicUrl ?? null, tenants: config.tenants.length, graceSeconds }, `ratchet serve listening on ${url}`);
    opts.onListening?.(url);

    await scheduler.start();
    const reason = await until;
    shutdownRequested = true;
    logger.info({ signal: reason, graceSeconds }, 'shutting down: no new scans; running scans may finish within the grace period');
    await scheduler.stop(graceSeconds * 1000);
  } finally {
    if (!shutdownRequested) await scheduler.stop(0);
    sig.dispose();
    process.off('unhandledRejection', onRejection);
    try {
      // Waits for a dispatch run in progress; rows still pending stay in the outbox for the next start.
      if (alertsStarted) await alerts.stop();
    } catch (e) {
      logger.warn({ err: e }, 'alert dispatcher did not stop cleanly');
    }
    await app.close();
    m.observeScheduler(null);
    await store.close();
  }
  logger.info('ratchet serve stopped');
  return EXIT.ok;
}
