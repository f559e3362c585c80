/**
 * The Datto RMM client on top of the shared vendor HTTP layer: OAuth2 password grant (API key/secret as
 * username/password, HTTP Basic `public-client:public`), retries honouring Retry-After, no retry of a 403, an
 * optional private CA, and pacing under the account-wide read limit.
 *
 * Datto's limit is per *account*, and one MSP account usually serves many tenants (one site each) that the
 * scheduler scans concurrently — with PostgreSQL, in several worker processes. So every request that reaches the
 * wire (token, pages, probes and retries alike, as Datto counts them) first takes a slot from the account's budget
 * on the run's rate gate (`ctx.rateGate`: shared by every process on the database; else this process's), keyed by
 * platform root and a digest of the API key.
 */
import type { z } from 'zod';
import type { CollectorContext } from '../../src/collector-kit/plugin.js';
import { accountBudget, accountUrl, credentialDigest, rateGateOf, type RateBudget } from '../../src/collector-kit/rate-gate.js';
import { createVendorHttp, type RequestOptions, type VendorHttp } from '../../src/http/client.js';
import type { DattoRmmConfig } from './config.js';
import { MAX_RETRIES, MAX_RETRY_AFTER_SECONDS, PACING, PUBLIC_CLIENT, THROTTLED_WAIT_MS, TOKEN_PATH } from './endpoints.js';

export const VENDOR = 'datto-rmm';

/**
 * Datto answers a persistent rate-limit excess with a 403 IP block whose body can look like any authorization
 * failure. When the body does name the cause (rate limit, block, too many requests) the HTTP layer classifies the
 * 403 as `ip_blocked` and never retries it; when it does not, errors.ts tells the two apart by context.
 */
const IP_BLOCK_MARKER = /rate[\s._-]?limit|ip[\s._-]?(?:address[\s._-]?)?(?:is[\s._-]?)?block|blocked|too[\s._-]?many[\s._-]?requests|throttl/i;

export function isIpBlock(status: number, body: unknown, headers: Record<string, unknown> = {}): boolean {
  if (status !== 403) return false;
  // A Retry-After on a 403 is the server's own throttling signal, never part of a permission refusal
  // (pncit/datto-rmm-api-client src/http/http-client.ts `isRateLimitBlock`).
  if (Object.keys(headers).some((k) => k.toLowerCase() === 'retry-after')) return true;
  const text = typeof body === 'string' ? body : body && typeof body === 'object' ? JSON.stringify(body) : '';
  return IP_BLOCK_MARKER.test(text);
}

/**
 * The budget of the account behind a config: one per platform root and API user (the key holds a digest of the
 * API key, never the key). `rateLimit` in the config replaces the default PACING.
 */
export function accountBudgetOf(config: Pick<DattoRmmConfig, 'baseUrl' | 'apiKey' | 'rateLimit'>): RateBudget {
  return accountBudget(VENDOR, `${VENDOR}:${accountUrl(config.baseUrl)}:${credentialDigest(config.apiKey)}`, config.rateLimit, PACING);
}

export interface DattoClient {
  /** GET a path relative to the platform root (`/api/v2/...`, query allowed), paced and parsed. */
  get<S extends z.ZodType>(path: string, schema: S, opts?: RequestOptions): Promise<z.output<S>>;
  /** Fetch the token now, so a wrong key/secret fails once and clearly instead of on every endpoint. */
  authenticate(): Promise<void>;
  /** Requests that reached the wire: token, pages, probes and retries. */
  readonly requests: number;
  /** The configured platform root, e.g. https://merlot-api.centrastage.net. */
  readonly root: URL;
}

/** Test seams; production uses the defaults. */
export interface ClientOptions {
  backoffBaseMs?: number;
  maxRetries?: number;
  throttledWaitMs?: number;
}

export function createDattoClient(config: DattoRmmConfig, ctx: Pick<CollectorContext, 'logger' | 'signal' | 'rateGate'>, options: ClientOptions = {}): DattoClient {
  const root = new URL(config.baseUrl);
  const gate = rateGateOf(ctx);
  const budget = accountBudgetOf(config);
  const http: VendorHttp = createVendorHttp({
    vendor: VENDOR,
    baseURL: config.baseUrl,
    logger: ctx.logger,
    timeoutMs: config.timeoutMs,
    maxRetries: options.maxRetries ?? MAX_RETRIES,
    caFile: config.caFile,
    // Datto's budget is 600 *API reads* per rolling 60 s (vendor reference §3); the OAuth token request is not an API
    // read, so it does not draw on the budget. Counting it cost every scan a fourth slot of an account-wide limit
    // (the portfolio benchmark's bound, BENCHMARKS.md).
    pace: async (signal, kind) => {
      if (kind === 'api') return gate.take(budget, signal);
      signal.throwIfAborted(); // an aborted scan still reports why, as a take would
    },
    isIpBlock,
    maxRetryAfterSeconds: MAX_RETRY_AFTER_SECONDS,
    backoffBaseMs: options.backoffBaseMs,
    throttledWaitMs: options.throttledWaitMs ?? THROTTLED_WAIT_MS,
    signal: ctx.signal,
    oauth: {
      vendor: VENDOR,
      tokenPath: TOKEN_PATH,
      form: { grant_type: 'password', username: config.apiKey, password: config.apiSecret },
      basic: { ...PUBLIC_CLIENT },
      // One token per MSP account for every tenant's scan in this process (src/http/oauth.ts).
      sharedAcrossScans: true,
    },
  });

  return {
    get(path, schema, opts) {
      return http.get(path, schema, opts);
    },
    async authenticate() {
      // The shared token source turns a transport failure into a VendorHttpError too (never the axios error, whose
      // config holds the form with the secret).
      await http.tokenSource!.getToken();
    },
    get requests() {
      return http.requests;
    },
    root,
  };
}
