/**
 * Transport: the shared vendor HTTP layer (src/http/client.ts) with NinjaOne's OAuth2 client-credentials token and
 * the two paging styles of the API — keyset (`pageSize` + `after` = last device id) for /v2/devices-detailed and the
 * server-side cursor object (`cursor=<cursor.name>`) for /v2/queries/* — plus the activity log, newest first, paged
 * backwards by activity id (`olderThan`). Pages are validated with zod and handed to a
 * callback row by row, so callers aggregate while paging and nothing keeps the raw inventory.
 */
import type { z } from 'zod';
import type { CollectorContext } from '../../src/collector-kit/plugin.js';
import { accountBudget, accountUrl, rateGateOf, type RateBudget } from '../../src/collector-kit/rate-gate.js';
import { createVendorHttp, type VendorHttp } from '../../src/http/client.js';
import { VendorHttpError } from '../../src/http/errors.js';
import type { NinjaOneConfig } from './config.js';
import { ACTIVITY_PAGE_SIZE, ENDPOINTS, MAX_ACTIVITY_PAGES, MAX_PAGES, PAGE_SIZE, SCOPE, TOKEN_PATH } from './endpoints.js';
import { tokenErrorText } from './failures.js';
import { activitiesPage, devicesPage, type Activity, type Device } from './schema.js';
import { epochToMs } from './time.js';

export const VENDOR = 'ninjaone';

/** Test seams; everything else comes from config. */
export interface TransportOptions {
  /** Base of the exponential backoff when the server names no wait (default 250 ms). */
  backoffBaseMs?: number;
  pageSize?: number;
}

/**
 * NinjaOne publishes no rate limit. We stay polite on our own — at most 20 requests a second per API client on an
 * instance, however many tenants (organisations) it serves and however many workers scan them — and honour a 429's
 * Retry-After through the shared layer. Config `rateLimit` overrides it.
 */
export const PACING = { limit: 20, intervalMs: 1000 } as const;

/** The budget of one API client on one instance (a client id is not a secret; the secret never enters the key). */
export function accountBudgetOf(config: Pick<NinjaOneConfig, 'baseUrl' | 'clientId' | 'rateLimit'>): RateBudget {
  return accountBudget(VENDOR, `${VENDOR}:${accountUrl(config.baseUrl)}:${config.clientId}`, config.rateLimit, PACING);
}

export function createNinjaHttp(config: NinjaOneConfig, ctx: Pick<CollectorContext, 'logger' | 'signal' | 'rateGate'>, opts: TransportOptions = {}): VendorHttp {
  const gate = rateGateOf(ctx);
  const budget = accountBudgetOf(config);
  return createVendorHttp({
    vendor: VENDOR,
    baseURL: config.baseUrl,
    logger: ctx.logger,
    timeoutMs: config.timeoutMs,
    maxRetries: config.maxRetries,
    caFile: config.caFile,
    // Every request on the wire, retries and the token call included, takes a slot of the account's budget.
    pace: (signal) => gate.take(budget, signal),
    signal: ctx.signal,
    backoffBaseMs: opts.backoffBaseMs,
    oauth: {
      vendor: VENDOR,
      tokenPath: TOKEN_PATH,
      form: { grant_type: 'client_credentials', client_id: config.clientId, client_secret: config.clientSecret, scope: SCOPE },
      tokenErrorText,
      // One token per MSP account for every tenant's scan in this process (src/http/oauth.ts).
      sharedAcrossScans: true,
    },
  });
}

/** Counts the calls made for one evidence source (a call retried by the transport counts once). */
export class CallCounter {
  count = 0;
}

function checkAborted(signal: AbortSignal, path: string): void {
  if (signal.aborted) throw new VendorHttpError(VENDOR, 'aborted', `${VENDOR} GET ${path} was aborted (scan timeout or shutdown)`, null, path);
}

function pagingError(path: string, detail: string): VendorHttpError {
  return new VendorHttpError(VENDOR, 'bad_request', `${VENDOR} GET ${path}: ${detail}`, null, path);
}

export interface PageContext {
  http: VendorHttp;
  signal: AbortSignal;
  counter: CallCounter;
  pageSize?: number;
}

/** Walk /v2/devices-detailed by keyset: `after` = the largest id of the previous page; a short page is the last. */
export async function pageDevices(pc: PageContext, df: string | undefined, onDevice: (d: Device) => void): Promise<void> {
  const path = ENDPOINTS.devices;
  const pageSize = pc.pageSize ?? PAGE_SIZE;
  let after: number | undefined;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    checkAborted(pc.signal, path);
    pc.counter.count += 1;
    const rows = await pc.http.get(path, devicesPage, { params: { pageSize, after, df } });
    let last = after ?? Number.NEGATIVE_INFINITY;
    for (const d of rows) {
      onDevice(d);
      if (d.id > last) last = d.id;
    }
    if (rows.length < pageSize) return;
    if (after !== undefined && last <= after) throw pagingError(path, `keyset paging did not advance past device id ${after}`);
    after = last;
  }
  throw pagingError(path, `paging did not end after ${MAX_PAGES} pages`);
}

type QueryPageSchema<R> = z.ZodType<{ cursor?: { name?: string | null } | null; results: R[] }>;

/**
 * Walk a /v2/queries/* report: first call with the filters and `pageSize`, then `cursor=<cursor.name>` (filters
 * repeated) until a page holds fewer rows than `pageSize`, or no cursor name comes back.
 */
export async function pageQuery<R>(
  pc: PageContext,
  path: string,
  schema: QueryPageSchema<R>,
  params: Record<string, string | number | undefined>,
  onRow: (row: R) => void,
): Promise<void> {
  const pageSize = pc.pageSize ?? PAGE_SIZE;
  let cursorName: string | undefined;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    checkAborted(pc.signal, path);
    pc.counter.count += 1;
    const body = await pc.http.get(path, schema, { params: { ...params, pageSize, cursor: cursorName } });
    for (const row of body.results) onRow(row);
    const next = body.cursor?.name ?? undefined;
    if (body.results.length < pageSize || !next) return;
    cursorName = next;
  }
  throw pagingError(path, `paging did not end after ${MAX_PAGES} pages`);
}

export interface ActivityWalk {
  pages: number;
  /** Activities handed to the callback. */
  read: number;
  /** The walk stopped at MAX_ACTIVITY_PAGES with more to read: only activities newer than `oldestMs` were seen. */
  capped: boolean;
  /** activityTime of the oldest activity read (epoch ms), null when none. */
  oldestMs: number | null;
}

/**
 * Walk GET /v2/activities backwards from the newest entry: the first call with the filters, `after` (epoch seconds,
 * as homotechsual/NinjaOne sends it) and `pageSize`; each next call adds `olderThan=<smallest id of the previous
 * page>`. It stops at a page shorter than `pageSize`, at a page reaching back past `sinceMs` (in case the server
 * ignores `after`), or after `maxPages` (capped, not an error). An `olderThan` that does not decrease is an error.
 */
export async function pageActivities(
  pc: PageContext,
  params: Record<string, string | number | undefined>,
  sinceMs: number,
  onActivity: (a: Activity) => void,
  maxPages: number = MAX_ACTIVITY_PAGES,
): Promise<ActivityWalk> {
  const path = ENDPOINTS.activities;
  const pageSize = pc.pageSize ?? ACTIVITY_PAGE_SIZE;
  const walk: ActivityWalk = { pages: 0, read: 0, capped: false, oldestMs: null };
  let olderThan: number | undefined;
  for (;;) {
    if (walk.pages >= maxPages) {
      walk.capped = true;
      return walk;
    }
    checkAborted(pc.signal, path);
    pc.counter.count += 1;
    walk.pages += 1;
    const body = await pc.http.get(path, activitiesPage, { params: { ...params, after: Math.floor(sinceMs / 1000), pageSize, olderThan } });
    let smallest = Number.POSITIVE_INFINITY;
    let reachedBack = false;
    for (const a of body.activities) {
      if (a.id < smallest) smallest = a.id;
      const t = epochToMs(a.activityTime);
      if (t !== null && t < sinceMs) {
        reachedBack = true;
        continue;
      }
      if (t !== null && (walk.oldestMs === null || t < walk.oldestMs)) walk.oldestMs = t;
      walk.read += 1;
      onActivity(a);
    }
    if (body.activities.length < pageSize || reachedBack) return walk;
    if (olderThan !== undefined && smallest >= olderThan) throw pagingError(path, `paging did not advance past activity id ${olderThan}`);
    olderThan = smallest;
  }
}
