/**
 * The HTTP side of `ratchet serve`: a fastify instance with `GET /healthz` and `GET /metrics`. The web UI and REST
 * API register their routes on the same instance later (`buildServer(...).register(plugin)` or `.get(...)`).
 *
 * Request logs go through the process's pino logger (stderr, with its redaction). Probes and scrapes log at `warn`
 * only, so a load balancer polling every few seconds does not flood the log.
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { scrub } from '../log/secrets.js';
import type { SchedulerHealth } from '../scheduler/scheduler.js';

export interface ServerDeps {
  scheduler: { health(): SchedulerHealth };
  store: { ping(): Promise<void> };
  registry: Registry;
  logger: Logger;
  /** How long /healthz waits for the store before calling it unreachable (default 2 s). */
  storeTimeoutMs?: number;
}

export interface HealthBody {
  status: 'ok' | 'unavailable';
  scheduler: SchedulerHealth;
  store: string;
  problems: string[];
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

export function buildServer(deps: ServerDeps): FastifyInstance {
  const app = Fastify({
    // pino's Logger and fastify's FastifyBaseLogger differ only in typing detail (msgPrefix).
    loggerInstance: deps.logger.child({ component: 'http' }) as FastifyBaseLogger,
    // Never trust client-sent X-Forwarded-* by default; a reverse proxy setup can turn this on later.
    trustProxy: false,
    return503OnClosing: true,
  });

  app.get('/healthz', { logLevel: 'warn' }, async (_req, reply): Promise<HealthBody> => {
    const problems: string[] = [];
    const scheduler = deps.scheduler.health();
    if (!scheduler.alive) problems.push(scheduler.stopping ? 'scheduler is shutting down' : 'scheduler is not running');
    let store = 'ok';
    try {
      await withTimeout(deps.store.ping(), deps.storeTimeoutMs ?? 2000, 'the store');
    } catch (e) {
      store = `unreachable: ${scrub((e as Error).message ?? String(e))}`;
      problems.push(`store ${store}`);
    }
    reply.code(problems.length === 0 ? 200 : 503).header('cache-control', 'no-store');
    return { status: problems.length === 0 ? 'ok' : 'unavailable', scheduler, store, problems };
  });

  app.get('/metrics', { logLevel: 'warn' }, async (_req, reply) => {
    const body = await deps.registry.metrics();
    reply.header('content-type', deps.registry.contentType).header('cache-control', 'no-store');
    return body;
  });

  return app;
}
