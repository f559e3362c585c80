/**
 * The HTTP side of `ratchet serve`: a fastify instance with `GET /healthz` and `GET /metrics`. The web UI and REST
 * API register their routes on the same instance later (`buildServer(...).register(plugin)` or `.get(...)`).
 *
 * Request logs go through the process's pino logger (stderr, with its bounds and redaction): one line per request at
 * `info` once the reply is sent (method, route, path without its query, status, ms, principal id) — never headers,
 * cookies, tokens or query strings. Probes, scrapes and static assets log at `warn` only, so a load balancer polling
 * every few seconds does not flood the log.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest, type preHandlerAsyncHookHandler } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { logPath } from '../log/logger.js';
import { closeUnusedConnectionsOnShutdown } from './unused-connections.js';
import { registerSecret, scrub } from '../log/secrets.js';
import type { QueueSchedulerHealth } from '../queue/queue-scheduler.js';
import type { QueueStats } from '../queue/scan-queue.js';
import type { WorkerHealth } from '../queue/scan-worker.js';
import type { SchedulerHealth } from '../scheduler/scheduler.js';

/** Which parts of `ratchet serve` run in this process (DESIGN §11). */
export type ServeRole = 'all' | 'scheduler' | 'worker' | 'web';

export interface ServerDeps {
  /** The in-process scheduler (SQLite, role all) or the queue scheduler (role all|scheduler); absent for worker and web. */
  scheduler?: { health(): SchedulerHealth | QueueSchedulerHealth } | undefined;
  /** The queue worker (roles all|worker on PostgreSQL). */
  worker?: { health(): WorkerHealth } | undefined;
  /** The durable scan queue (PostgreSQL): depth and the oldest waiting job on /healthz. */
  queue?: { stats(): Promise<QueueStats> } | undefined;
  /** Reported on /healthz (default all). */
  role?: ServeRole;
  store: { ping(): Promise<void> };
  registry: Registry;
  logger: Logger;
  /** How long /healthz waits for the store before calling it unreachable (default 2 s). */
  storeTimeoutMs?: number;
  /** server.trustProxy: whose X-Forwarded-For gives `request.ip` (default false: the socket's peer). */
  trustProxy?: boolean | string | string[];
  /** server.metricsToken: when set, GET /metrics needs `Authorization: Bearer <token>`. */
  metricsToken?: string;
}

export interface HealthBody {
  status: 'ok' | 'unavailable';
  role: ServeRole;
  scheduler?: SchedulerHealth | QueueSchedulerHealth;
  worker?: WorkerHealth;
  /** Queue depth, jobs by state and the oldest waiting job's age; a string when the queue cannot be read. */
  queue?: QueueStats | string;
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

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** A preHandler that lets through only `Authorization: Bearer <token>` (compared in constant time). */
function bearerOnly(token: string): preHandlerAsyncHookHandler {
  const expected = digest(token);
  return async (req, reply) => {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    if (m && timingSafeEqual(digest(m[1]!), expected)) return;
    return reply.code(401).header('www-authenticate', 'Bearer realm="ratchet-metrics"').header('cache-control', 'no-store').send({ error: { code: 'unauthorized', message: 'metrics need Authorization: Bearer <server.metricsToken>' } });
  };
}

/**
 * Who made the request, for the request log: the web layer's principal — its token id, or `person:<subject>` for a
 * person signed in through OpenID Connect (the provider's object id, never a name or e-mail) — when there is one.
 */
function principalId(req: FastifyRequest): string | null {
  const p = (req as FastifyRequest & { principal?: { tokenId?: unknown; person?: { subject?: unknown } | null } | null }).principal;
  if (p && typeof p.tokenId === 'string') return p.tokenId;
  return p && typeof p.person?.subject === 'string' ? `person:${p.person.subject}` : null;
}

/**
 * Longest path parameter the router accepts: as long as Node's HTTP parser lets a request line be (16 KiB of request
 * line and headers by default). With fastify's default (100) a longer parameter was answered 414 by the router before
 * any hook ran — no authentication (an anonymous client could tell which routes take a parameter), no security
 * headers, no request log line, the URL echoed back. Validation refuses overlong ids with 400 after authentication.
 */
const MAX_PARAM_LENGTH = 16 * 1024;

/** The per-request log line (see the module comment). */
function logRequest(req: FastifyRequest, reply: FastifyReply): void {
  req.log.info(
    {
      method: req.method,
      route: req.routeOptions.url ?? null,
      path: logPath(req.url),
      status: reply.statusCode,
      ms: Math.round(reply.elapsedTime * 10) / 10,
      principal: principalId(req),
      ip: req.ip,
    },
    'request',
  );
}

/**
 * A URL the router cannot decode (a malformed percent-escape: `/tenants/%E0%A4%A`) is refused before any hook runs,
 * whatever the route and the credentials. Fastify's own answer echoes the URL and leaves no request log line.
 */
function refuseUrl(err: FastifyError, req: FastifyRequest, reply: FastifyReply): void {
  const tooLong = err.code === 'FST_ERR_MAX_PARAM_LENGTH';
  void reply
    .code(tooLong ? 414 : 400)
    .header('cache-control', 'no-store')
    .header('x-content-type-options', 'nosniff')
    .send({ error: { code: 'invalid_request', message: tooLong ? 'a path segment is too long' : 'the URL is malformed' } });
  logRequest(req, reply);
}

export function buildServer(deps: ServerDeps): FastifyInstance {
  const app = Fastify({
    // pino's Logger and fastify's FastifyBaseLogger differ only in typing detail (msgPrefix).
    loggerInstance: deps.logger.child({ component: 'http' }) as FastifyBaseLogger,
    // Never trust client-sent X-Forwarded-* unless the operator says which proxy to believe.
    trustProxy: deps.trustProxy ?? false,
    // Fastify's own two lines per request carry the whole request object; one line of our own replaces them.
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    frameworkErrors: (err, req, reply) => refuseUrl(err, req as FastifyRequest, reply as FastifyReply),
  });

  closeUnusedConnectionsOnShutdown(app);

  // After the reply is sent, so the status and time are final; `req.log` honours each route's logLevel.
  app.addHook('onResponse', async (req, reply) => logRequest(req, reply));

  app.get('/healthz', { logLevel: 'warn' }, async (_req, reply): Promise<HealthBody> => {
    const problems: string[] = [];
    const timeoutMs = deps.storeTimeoutMs ?? 2000;
    const scheduler = deps.scheduler?.health();
    if (scheduler && !scheduler.alive) problems.push(scheduler.stopping ? 'scheduler is shutting down' : 'scheduler is not running');
    const worker = deps.worker?.health();
    if (worker && (!worker.started || worker.stopping)) problems.push(worker.stopping ? 'worker is shutting down' : 'worker is not running');
    const [store, queue] = await Promise.all([
      withTimeout(deps.store.ping(), timeoutMs, 'the store').then(
        () => 'ok',
        (e: unknown) => `unreachable: ${scrub((e as Error).message ?? String(e))}`,
      ),
      deps.queue
        ? withTimeout(deps.queue.stats(), timeoutMs, 'the queue').catch((e: unknown) => `unreachable: ${scrub((e as Error).message ?? String(e))}`)
        : Promise.resolve(undefined),
    ]);
    if (store !== 'ok') problems.push(`store ${store}`);
    if (typeof queue === 'string') problems.push(`queue ${queue}`);
    reply.code(problems.length === 0 ? 200 : 503).header('cache-control', 'no-store');
    const body: HealthBody = { status: problems.length === 0 ? 'ok' : 'unavailable', role: deps.role ?? 'all', store, problems };
    if (scheduler) body.scheduler = scheduler;
    if (worker) body.worker = worker;
    if (queue !== undefined) body.queue = queue;
    return body;
  });

  if (deps.metricsToken) registerSecret(deps.metricsToken);
  const metricsGuard = deps.metricsToken ? { preHandler: bearerOnly(deps.metricsToken) } : {};
  app.get('/metrics', { logLevel: 'warn', ...metricsGuard }, async (_req, reply) => {
    const body = await deps.registry.metrics();
    reply.header('content-type', deps.registry.contentType).header('cache-control', 'no-store');
    return body;
  });

  return app;
}
