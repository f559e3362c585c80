/**
 * The collector's view of the shared vendor HTTP layer: `x-api-version` on every call (the token call included,
 * VBR refuses requests without it), the password grant, the private CA, pacing under the server's budget (every
 * request on the wire takes a slot, keyed by server URL), and skip/limit paging with the next page fetched while the
 * current one is being worked on.
 */
import type { Logger } from 'pino';
import type { z } from 'zod';
import { accountBudget, accountUrl, rateGateOf, type RateBudget, type RateGate } from '../../src/collector-kit/rate-gate.js';
import { createVendorHttp, type VendorHttp } from '../../src/http/client.js';
import type { VeeamVbrConfig } from './config.js';
import { PACING, PAGE_SIZE, TOKEN_PATH } from './endpoints.js';
import { tokenErrorText } from './errors.js';
import type { pagination } from './schema.js';

export const VENDOR = 'veeam-vbr';

export interface HttpOptions {
  logger: Logger;
  signal: AbortSignal;
  /** The run's rate gate (`CollectorContext.rateGate`); undefined = this process's. */
  rateGate?: RateGate;
  /** Test seam: base of the exponential backoff when the server names no wait. */
  backoffBaseMs?: number;
}

/** The budget of one VBR server (its URL; the user and password never enter the key). */
export function accountBudgetOf(config: Pick<VeeamVbrConfig, 'baseUrl' | 'rateLimit'>): RateBudget {
  return accountBudget(VENDOR, `${VENDOR}:${accountUrl(config.baseUrl)}`, config.rateLimit, PACING);
}

export function createVbrHttp(config: VeeamVbrConfig, opts: HttpOptions): VendorHttp {
  const gate = rateGateOf(opts);
  const budget = accountBudgetOf(config);
  return createVendorHttp({
    vendor: VENDOR,
    baseURL: config.baseUrl,
    logger: opts.logger,
    timeoutMs: config.timeoutMs,
    maxRetries: config.maxRetries,
    caFile: config.caFile,
    // Instance headers reach the token request too (the token source posts through the same axios instance).
    headers: { 'x-api-version': config.apiVersion },
    oauth: {
      vendor: VENDOR,
      tokenPath: TOKEN_PATH,
      form: { grant_type: 'password', username: config.username, password: config.password },
      tokenErrorText,
    },
    backoffBaseMs: opts.backoffBaseMs,
    signal: opts.signal,
    pace: (signal) => gate.take(budget, signal),
  });
}

type Page<T> = { data: T[]; pagination: z.output<typeof pagination> };

export interface PagingOptions {
  params?: Record<string, string | number | boolean>;
  pageSize?: number;
  signal?: AbortSignal;
  /**
   * false: request the next page only after `onPage` has run, so a walk that `onPage` stops early (by returning
   * `false`) never sends a request it does not use. Default true (overlap paging with the per-page work).
   */
  prefetch?: boolean;
}

/**
 * Walk a skip/limit collection. Stops when a page comes back empty, `skip + data.length` reaches
 * `pagination.total`, or `onPage` returns `false`; unless `prefetch: false`, the next page is requested before
 * `onPage` runs so paging overlaps the per-page work. Nothing is accumulated here: memory holds at most two pages.
 */
export async function forEachPage<T>(
  http: VendorHttp,
  path: string,
  schema: z.ZodType<Page<T>>,
  onPage: (items: T[]) => Promise<void | boolean> | void | boolean,
  opts: PagingOptions = {},
): Promise<{ total: number; pages: number }> {
  const limit = opts.pageSize ?? PAGE_SIZE;
  const prefetch = opts.prefetch ?? true;
  const fetchPage = (skip: number) => http.get(path, schema, { params: { ...opts.params, skip, limit } }) as Promise<Page<T>>;
  let skip = 0;
  let pages = 0;
  let next = fetchPage(0);
  for (;;) {
    const page = await next;
    pages += 1;
    const got = page.data.length;
    const total = page.pagination.total;
    const more = got > 0 && skip + got < total;
    if (more && prefetch) {
      next = fetchPage(skip + got);
      // If onPage throws, nobody awaits the prefetch: keep its failure from becoming an unhandled rejection.
      next.catch(() => undefined);
    }
    if (opts.signal?.aborted) throw opts.signal.reason ?? new Error('aborted');
    const wanted = await onPage(page.data);
    if (!more || wanted === false) return { total, pages };
    skip += got;
    if (!prefetch) next = fetchPage(skip);
  }
}

/** Run `fn` over `items` with at most `limit` in flight; stops scheduling on the first failure and rethrows it. */
export async function mapLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>, signal?: AbortSignal): Promise<void> {
  let index = 0;
  let failure: { error: unknown } | null = null;
  const worker = async () => {
    while (failure === null && index < items.length) {
      if (signal?.aborted) {
        failure ??= { error: signal.reason ?? new Error('aborted') };
        return;
      }
      const item = items[index++]!;
      try {
        await fn(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure !== null) throw (failure as { error: unknown }).error;
}
