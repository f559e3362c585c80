/**
 * The one HTTP layer for non-Graph vendors (DESIGN §2): axios with a per-attempt timeout, retries with backoff that
 * honour Retry-After (header, or the JSON body where a vendor puts it), client-side pacing under the vendor account's
 * budget (the `pace` hook), no retry on an IP-block 403, bearer tokens with refresh on 401, an optional private CA
 * for self-hosted servers (never turning verification off), request counting, and zod parsing of every response.
 */
import { readFileSync } from 'node:fs';
import { Agent as HttpsAgent } from 'node:https';
import { Agent as HttpAgent } from 'node:http';
import { rootCertificates } from 'node:tls';
import axios, { AxiosError, type AxiosInstance, type AxiosRequestConfig } from 'axios';
import axiosRetry, { exponentialDelay } from 'axios-retry';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { formatPath } from '../validation/zod-errors.js';
import { untrustedCertificateHint, VendorHttpError, type HttpErrorKind } from './errors.js';
import { createOAuthTokenSource, type OAuthOptions, type TokenSource } from './oauth.js';
import { recordRetry } from '../metrics.js';

export interface VendorHttpOptions {
  vendor: string;
  baseURL: string;
  logger: Logger;
  timeoutMs?: number;
  maxRetries?: number;
  /** PEM file of a private CA (self-hosted VBR, VSPC, N-central …). Added to — not replacing — the public roots. */
  caFile?: string;
  /**
   * Client-side pacing: awaited before every request reaches the wire — token requests and retries included, as the
   * vendor counts them — and resolving when the account's budget allows one more (a collector passes its account's
   * `RateGate.take`). Must reject when the signal aborts. The wait happens before the per-attempt timeout starts.
   * `kind` tells a token request from an API call, for a vendor whose budget counts only the latter.
   */
  pace?: (signal: AbortSignal, kind: 'token' | 'api') => Promise<void>;
  headers?: Record<string, string>;
  /** OAuth token for `Authorization: Bearer`; invalidated and fetched again once on a 401. */
  oauth?: OAuthOptions;
  /** Seconds to wait read from an error body (VSPC: `{"errors":[{"code":429,"retryAfter":25}]}`). */
  retryAfterFromBody?: (body: unknown) => number | undefined;
  /** A 403 that means "your IP is blocked" (Datto RMM): not a permission problem, and retrying makes it worse. */
  isIpBlock?: (status: number, body: unknown, headers: Record<string, unknown>) => boolean;
  /** Longest wait a Retry-After may ask for before we give up instead (keeps a scan from sleeping for an hour). */
  maxRetryAfterSeconds?: number;
  /** Base of the exponential backoff when the server names no wait. */
  backoffBaseMs?: number;
  /**
   * The least wait after a 429 that names none (no Retry-After header or body value). For a vendor whose budget is a
   * rolling window shared with the MSP's other integrations, a retry within seconds lands in the same full window and
   * only adds to the excess a vendor may punish with a block (Datto RMM: 60 s). Unset: the exponential backoff.
   */
  throttledWaitMs?: number;
  signal?: AbortSignal;
}

export interface RequestOptions {
  params?: Record<string, string | number | boolean | undefined>;
  headers?: Record<string, string>;
}

export interface WriteOptions extends RequestOptions {
  /** JSON body. */
  body?: unknown;
  /** Form body (application/x-www-form-urlencoded) instead of JSON. */
  form?: Record<string, string>;
}

export type WriteMethod = 'POST' | 'PATCH' | 'PUT' | 'DELETE';

export interface VendorHttp {
  get<S extends z.ZodType>(path: string, schema: S, opts?: RequestOptions): Promise<z.output<S>>;
  /**
   * A write (a PSA ticket, a note). Retried only where the server cannot have acted on it — 429 and a refused
   * connection — never after a timeout or a 5xx, which may have created the thing already: the caller owns
   * idempotency there (look the ticket up before creating it again).
   */
  write<S extends z.ZodType>(method: WriteMethod, path: string, schema: S, opts?: WriteOptions): Promise<z.output<S>>;
  /** HTTP requests that reached the wire, retries and token requests included. */
  readonly requests: number;
  readonly tokenSource: TokenSource | null;
}

function agentFor(baseURL: string, caFile?: string): { httpsAgent?: HttpsAgent; httpAgent?: HttpAgent } {
  // keep-alive: paging is many small sequential requests to one host.
  if (baseURL.startsWith('http:')) return { httpAgent: new HttpAgent({ keepAlive: true }) };
  const ca = caFile ? [...rootCertificates, readFileSync(caFile, 'utf8')] : undefined;
  return { httpsAgent: new HttpsAgent({ keepAlive: true, ...(ca ? { ca } : {}) }) };
}

function errorBodyMessage(body: unknown): string {
  if (typeof body === 'string' && body.trim() && !body.trimStart().startsWith('<')) return `: ${body.trim().slice(0, 200)}`;
  if (!body || typeof body !== 'object') return '';
  const b = body as Record<string, unknown>;
  const firstError = Array.isArray(b.errors) ? (b.errors[0] as unknown) : undefined;
  // Vendors differ: `errors: ["text"]` (Autotask), `{ Message }` (HaloPSA, .NET), `errors: [{ message }]`, and
  // `error: { code, message }` (Acronis, OData-style APIs).
  const fromErrors = typeof firstError === 'string' ? firstError : (firstError as Record<string, unknown> | undefined)?.message;
  const nested = b.error && typeof b.error === 'object' ? (b.error as Record<string, unknown>).message : undefined;
  const candidates = [b.errorMessage, b.message, b.Message, b.error_description, b.error, nested, b.resultCode, fromErrors];
  const first = candidates.find((c) => typeof c === 'string' && c.length > 0) as string | undefined;
  return first ? `: ${first.slice(0, 200)}` : '';
}

function kindOf(status: number | null, code: string | undefined): HttpErrorKind {
  if (status === null) {
    if (code === 'ECONNABORTED' || code === 'ETIMEDOUT') return 'timeout';
    if (code === 'ERR_CANCELED') return 'aborted';
    return 'network';
  }
  if (status === 401) return 'auth';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not_found';
  if (status === 429) return 'throttled';
  if (status >= 500) return 'server';
  return 'bad_request';
}

/** Path without query string, for messages (queries may carry filters nobody needs in a log). */
function pathOf(url: string | undefined): string {
  return (url ?? '').split('?')[0] ?? '';
}

export function createVendorHttp(opts: VendorHttpOptions): VendorHttp {
  const instance: AxiosInstance = axios.create({
    baseURL: opts.baseURL,
    timeout: opts.timeoutMs ?? 30_000,
    headers: { Accept: 'application/json', 'User-Agent': 'ratchet', ...opts.headers },
    signal: opts.signal,
    // No proxy env surprises in a scanner that must only talk to the configured host.
    proxy: false,
    ...agentFor(opts.baseURL, opts.caFile),
  });
  let wire = 0;
  const base = new URL(opts.baseURL);
  const maxWaitMs = (opts.maxRetryAfterSeconds ?? 300) * 1000;
  const never = new AbortController().signal;

  instance.interceptors.request.use(async (config) => {
    if (opts.pace) {
      const signal = (config.signal as AbortSignal | undefined) ?? never;
      try {
        await opts.pace(signal, opts.oauth && config.url === opts.oauth.tokenPath ? 'token' : 'api');
      } catch (e) {
        if (!signal.aborted) throw e;
        // Classified as axios classifies a cancelled request (ERR_CANCELED), so callers see one kind of abort; a
        // VendorHttpError has no axios config, so axios-retry passes it straight on.
        const path = pathOf(config.url);
        const why = signal.reason instanceof Error ? `: ${signal.reason.message}` : '';
        const what = opts.oauth && config.url === opts.oauth.tokenPath ? `${opts.vendor}: token request` : `${opts.vendor} ${(config.method ?? 'get').toUpperCase()} ${path}`;
        throw new VendorHttpError(opts.vendor, 'aborted', `${what} was aborted${why}`, null, path, 'ERR_CANCELED');
      }
    }
    wire += 1;
    return config;
  });

  const serverWaitMs = (error: AxiosError): number => {
    const header = Number(error.response?.headers?.['retry-after']);
    const fromBody = opts.retryAfterFromBody?.(error.response?.data);
    return Math.max(Number.isFinite(header) ? header * 1000 : 0, fromBody ? fromBody * 1000 : 0);
  };

  axiosRetry(instance, {
    retries: opts.maxRetries ?? 4,
    shouldResetTimeout: true,
    retryCondition: (error) => {
      const status = error.response?.status;
      const method = (error.config?.method ?? 'get').toUpperCase();
      if (method !== 'GET' && method !== 'HEAD') {
        // A write that timed out or got a 5xx may have been carried out: sending it again could duplicate it.
        if (status === undefined) return error.code === 'ECONNREFUSED';
        return status === 429 && serverWaitMs(error) <= maxWaitMs;
      }
      if (status === undefined) return error.code !== 'ERR_CANCELED';
      if (status === 403 || status === 401) return false;
      if (status === 429 || status >= 500) return serverWaitMs(error) <= maxWaitMs;
      return false;
    },
    retryDelay: (retryCount, error) => {
      const server = serverWaitMs(error);
      const unnamedThrottle = error.response?.status === 429 && server === 0 ? (opts.throttledWaitMs ?? 0) : 0;
      return Math.max(exponentialDelay(retryCount, error, opts.backoffBaseMs ?? 250), server, unnamedThrottle);
    },
    onRetry: (retryCount, error, config) => {
      recordRetry(opts.vendor);
      opts.logger.debug({ vendor: opts.vendor, path: pathOf(config.url), status: error.response?.status, retryCount }, 'retrying vendor request');
    },
  });

  const tokenSource = opts.oauth ? createOAuthTokenSource(instance, opts.oauth) : null;

  async function send(path: string, config: AxiosRequestConfig, retriedAuth = false): Promise<unknown> {
    const headers: Record<string, string> = { ...(config.headers as Record<string, string>) };
    try {
      if (tokenSource) headers.Authorization = `Bearer ${await tokenSource.getToken()}`;
      const res = await instance.request({ ...config, url: path, headers });
      return res.data;
    } catch (e) {
      if (!(e instanceof AxiosError)) throw e;
      // Never let an AxiosError escape: its config holds headers and, for token calls, the form with the secret.
      const status = e.response?.status ?? null;
      const body = e.response?.data;
      if (status === 401 && tokenSource && !retriedAuth) {
        // Token revoked or expired early: fetch a new one once.
        tokenSource.invalidate();
        return send(path, config, true);
      }
      let kind = kindOf(status, e.code);
      if (status === 403 && opts.isIpBlock?.(status, body, (e.response?.headers ?? {}) as Record<string, unknown>)) kind = 'ip_blocked';
      const tlsHint = untrustedCertificateHint(e.code);
      const what = status === null ? `${e.code ?? 'network error'}${tlsHint}` : `HTTP ${status}`;
      const method = (config.method ?? 'GET').toUpperCase();
      throw new VendorHttpError(opts.vendor, kind, `${opts.vendor} ${method} ${pathOf(path)} failed: ${what}${errorBodyMessage(body)}`, status, pathOf(path), status === null ? (e.code ?? null) : null);
    }
  }

  const parse = <S extends z.ZodType>(method: string, path: string, schema: S, data: unknown): z.output<S> => {
    const parsed = schema.safeParse(data);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new VendorHttpError(opts.vendor, 'schema', `${opts.vendor} ${method} ${pathOf(path)}: unexpected response at ${formatPath(issue.path)}: ${issue.message}`, 200, pathOf(path));
    }
    return parsed.data as z.output<S>;
  };
  const sameOrigin = (path: string) => {
    if (/^https?:/i.test(path)) {
      // URLs in responses come from the vendor; never send our token to another origin.
      const target = new URL(path);
      if (target.origin !== base.origin) {
        throw new VendorHttpError(opts.vendor, 'bad_request', `${opts.vendor}: next-page URL points at ${target.origin}, not ${base.origin}; refusing to follow it`, null, pathOf(target.pathname));
      }
    }
  };

  return {
    async get(path, schema, ro = {}) {
      sameOrigin(path);
      const data = await send(path, { method: 'GET', params: ro.params, headers: ro.headers });
      return parse('GET', path, schema, data);
    },
    async write(method, path, schema, wo = {}) {
      sameOrigin(path);
      const headers: Record<string, string> = { ...wo.headers };
      let data: unknown = wo.body;
      if (wo.form) {
        headers['Content-Type'] = 'application/x-www-form-urlencoded';
        data = new URLSearchParams(wo.form).toString();
      } else if (wo.body !== undefined) headers['Content-Type'] = 'application/json';
      const res = await send(path, { method, params: wo.params, headers, data });
      return parse(method, path, schema, res);
    },
    get requests() {
      return wire;
    },
    tokenSource,
  };
}
