/**
 * What every collector's fake vendor server shares (test code only; never imported by a collector itself). The
 * fakes answer through nock, or through a real loopback HTTPS server where the socket matters (certificate trust):
 * each collector keeps its vendor's routes, paging and error bodies, and builds them from these pieces — replies,
 * scripted sequences, fixtures, the collector context, and the offline hooks.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import nock, { type ReplyFnResult } from 'nock';
import pino from 'pino';
import { afterEach, beforeEach } from 'vitest';
import { clearSecrets } from '../../log/secrets.js';
import { collectorAbortController, type CollectorContext } from '../plugin.js';

/** One answer of a fake vendor server. */
export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Delay before answering, to provoke timeouts and overlap. */
  delayMs?: number;
}

export const json = (body: unknown, headers?: Record<string, string>): Reply => ({ status: 200, body, headers });

/** Replies in order; the last one repeats. */
export function sequence<R>(...replies: R[]): (_req?: unknown) => R {
  let i = 0;
  return () => replies[Math.min(i++, replies.length - 1)]!;
}

/** The nock answer for a reply: a JSON body (an absent body is empty) and its headers. */
export function nockReply(reply: Reply, contentType = 'application/json'): ReplyFnResult {
  return [reply.status, reply.body === undefined ? '' : JSON.stringify(reply.body), { 'Content-Type': contentType, ...reply.headers }];
}

/** Answer a nock callback with `result`, after the reply's delay when it has one. */
export function answerLater(delayMs: number | undefined, result: ReplyFnResult, callback: (err: NodeJS.ErrnoException | null, result: ReplyFnResult) => void): void {
  if (delayMs) setTimeout(() => callback(null, result), delayMs);
  else callback(null, result);
}

/** What a fake knows of a request to route it: the path (vendor prefix removed) and the query. */
export interface RoutedRequest {
  path: string;
  query: URLSearchParams;
}

/**
 * The route table of a fake vendor API: handlers by exact path or pattern, later registrations winning (so a test
 * overrides one route of a standard tenant), every request logged, and unrouted ones kept for the assertion that
 * there were none. A vendor's fake extends it with its wire format.
 */
export class Routes<Req extends RoutedRequest, R> {
  private readonly routes: Array<{ match: string | RegExp; handler: (req: Req) => R }> = [];
  readonly log: Req[] = [];
  readonly unmatched: string[] = [];

  constructor(private readonly notFound: (req: Req) => R) {}

  on(match: string | RegExp, handler: ((req: Req) => R) | R): this {
    this.routes.push({ match, handler: typeof handler === 'function' ? (handler as (req: Req) => R) : () => handler });
    return this;
  }

  hits(match: string | RegExp): Req[] {
    return this.log.filter((r) => (typeof match === 'string' ? r.path === match : match.test(r.path)));
  }

  protected dispatch(req: Req): R {
    this.log.push(req);
    for (let i = this.routes.length - 1; i >= 0; i -= 1) {
      const { match, handler } = this.routes[i]!;
      if (typeof match === 'string' ? match === req.path : match.test(req.path)) return handler(req);
    }
    this.unmatched.push(`${req.path}?${req.query.toString()}`);
    return this.notFound(req);
  }
}

/** A request header as one string (nock hands repeated headers over as arrays). */
export function header(headers: Record<string, unknown> | undefined, name: string): string | undefined {
  const v = headers?.[name] ?? headers?.[name.toLowerCase()];
  return Array.isArray(v) ? v.join(', ') : typeof v === 'string' ? v : undefined;
}

/**
 * The fixture reader of a collector: `fixtures(import.meta.url)` reads `fixtures/<name>` beside that module, a fresh
 * copy each time (tests may mutate it). `rewrite` lets a vendor fill in placeholders (relative timestamps) first.
 */
export function fixtures(moduleUrl: string, rewrite: (text: string) => string = (text) => text): <T = Record<string, unknown>>(name: string) => T {
  const dir = join(dirname(fileURLToPath(moduleUrl)), 'fixtures');
  return <T>(name: string) => JSON.parse(rewrite(readFileSync(join(dir, name), 'utf8'))) as T;
}

/** A collector context for tests: silent logger, fixed clock, a signal nobody aborts unless the test passes one. */
export function collectorContext(opts: { tenantId?: string; now: Date; only?: string[]; signal?: AbortSignal }): CollectorContext {
  const now = opts.now;
  return {
    tenantId: opts.tenantId ?? 'contoso',
    logger: pino({ level: 'silent' }),
    signal: opts.signal ?? collectorAbortController().signal,
    now: () => now,
    only: opts.only,
  };
}

/**
 * Every test of a file (or describe block) offline: only nock answers (and `allow`, e.g. a loopback server), and
 * interceptors do not leak between tests. `clearSecrets` forgets the secrets a test registered for scrubbing.
 */
export function offline(opts: { clearSecrets?: boolean; allow?: string; before?: () => void } = {}): void {
  beforeEach(() => {
    nock.cleanAll();
    nock.disableNetConnect();
    if (opts.allow !== undefined) nock.enableNetConnect(opts.allow);
    opts.before?.();
  });
  afterEach(() => {
    nock.cleanAll();
    nock.enableNetConnect();
    if (opts.clearSecrets) clearSecrets();
  });
}

export interface LoopbackServer {
  server: Server;
  /** `https://127.0.0.1:<port>` */
  url: string;
  close(): Promise<void>;
}

/** A real HTTPS server on a free loopback port, for what nock cannot show: TLS trust and the socket. */
export async function loopbackHttps(
  tls: { key: string; cert: string },
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<LoopbackServer> {
  const server = createServer(tls, handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    server,
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    // Keep-alive sockets of the client under test would hold close() open: end them too.
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
