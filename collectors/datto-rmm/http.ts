/**
 * The Datto RMM client on top of the shared vendor HTTP layer: OAuth2 password grant (API key/secret as
 * username/password, HTTP Basic `public-client:public`), retries honouring Retry-After, no retry of a 403, an
 * optional private CA, and pacing under the account-wide read limit.
 *
 * Pacing happens twice, on purpose. Datto's limit is per *account*, and one MSP account usually serves many
 * tenants (one site each) that the scheduler scans concurrently; the per-instance `pacing` of createVendorHttp
 * would let four concurrent tenant scans send 4 × 500 reads a minute. So every request first passes a gate shared
 * by all collectors in this process that talk to the same platform root (a strict sliding window, like Datto's),
 * and the instance pacing still bounds the retries the HTTP layer sends on its own.
 */
import pThrottle from 'p-throttle';
import type { z } from 'zod';
import type { CollectorContext } from '../../src/collector-kit/plugin.js';
import { createVendorHttp, type RequestOptions, type VendorHttp } from '../../src/http/client.js';
import { VendorHttpError } from '../../src/http/errors.js';
import type { DattoRmmConfig } from './config.js';
import { MAX_RETRIES, MAX_RETRY_AFTER_SECONDS, PACING, PUBLIC_CLIENT, TOKEN_PATH } from './endpoints.js';

export const VENDOR = 'datto-rmm';

/**
 * Datto answers a persistent rate-limit excess with a 403 IP block whose body can look like any authorization
 * failure. When the body does name the cause (rate limit, block, too many requests) the HTTP layer classifies the
 * 403 as `ip_blocked` and never retries it; when it does not, errors.ts tells the two apart by context.
 */
const IP_BLOCK_MARKER = /rate[\s._-]?limit|ip[\s._-]?(?:address[\s._-]?)?(?:is[\s._-]?)?block|blocked|too[\s._-]?many[\s._-]?requests|throttl/i;

export function isIpBlock(status: number, body: unknown): boolean {
  if (status !== 403) return false;
  const text = typeof body === 'string' ? body : body && typeof body === 'object' ? JSON.stringify(body) : '';
  return IP_BLOCK_MARKER.test(text);
}

type Gate = () => Promise<void>;
const gates = new Map<string, Gate>();

/** The process-wide gate for one Datto platform root (all tenants of one MSP account share its budget). */
export function accountGate(root: string): Gate {
  const key = root.toLowerCase();
  let gate = gates.get(key);
  if (!gate) {
    gate = pThrottle({ limit: PACING.limit, interval: PACING.intervalMs, strict: true })(async () => undefined);
    gates.set(key, gate);
  }
  return gate;
}

function abortError(signal: AbortSignal, path: string): VendorHttpError {
  const why = signal.reason instanceof Error ? `: ${signal.reason.message}` : '';
  const what = path === TOKEN_PATH ? `${VENDOR}: token request` : `${VENDOR} GET ${path}`;
  return new VendorHttpError(VENDOR, 'aborted', `${what} was aborted${why}`, null, path);
}

/** Wait for the gate, but give up at once when the scan is aborted. */
async function passGate(gate: Gate, signal: AbortSignal, path: string): Promise<void> {
  if (signal.aborted) throw abortError(signal, path);
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(abortError(signal, path));
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    await Promise.race([gate(), aborted]);
  } finally {
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
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
}

export function createDattoClient(config: DattoRmmConfig, ctx: Pick<CollectorContext, 'logger' | 'signal'>, options: ClientOptions = {}): DattoClient {
  const root = new URL(config.baseUrl);
  const http: VendorHttp = createVendorHttp({
    vendor: VENDOR,
    baseURL: config.baseUrl,
    logger: ctx.logger,
    timeoutMs: config.timeoutMs,
    maxRetries: options.maxRetries ?? MAX_RETRIES,
    caFile: config.caFile,
    pacing: { limit: PACING.limit, intervalMs: PACING.intervalMs },
    isIpBlock,
    maxRetryAfterSeconds: MAX_RETRY_AFTER_SECONDS,
    backoffBaseMs: options.backoffBaseMs,
    signal: ctx.signal,
    oauth: {
      vendor: VENDOR,
      tokenPath: TOKEN_PATH,
      form: { grant_type: 'password', username: config.apiKey, password: config.apiSecret },
      basic: { ...PUBLIC_CLIENT },
    },
  });
  const gate = accountGate(config.baseUrl);

  return {
    async get(path, schema, opts) {
      await passGate(gate, ctx.signal, path.split('?')[0] ?? path);
      return http.get(path, schema, opts);
    },
    async authenticate() {
      await passGate(gate, ctx.signal, TOKEN_PATH);
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
