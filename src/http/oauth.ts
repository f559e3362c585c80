/**
 * OAuth2 token source for vendor APIs (client credentials or password grant): caches the token until shortly before
 * it expires, shares one in-flight request between concurrent callers, and is invalidated on a 401 so the next
 * call fetches a fresh one.
 */
import { createHash } from 'node:crypto';
import type { AxiosInstance } from 'axios';
import { z } from 'zod';
import { untrustedCertificateHint, VendorHttpError } from './errors.js';

export interface TokenSource {
  getToken(): Promise<string>;
  invalidate(): void;
  /** Token requests made (for the collector's request count). */
  readonly requests: number;
}

const TokenResponse = z.looseObject({
  access_token: z.string().min(1),
  expires_in: z.coerce.number().positive().optional(),
  token_type: z.string().optional(),
});

// RFC 6749 says `error` is a string; some vendors nest an object ({ code, message }). Accept both.
const OAuthError = z.looseObject({
  error: z.union([z.string(), z.looseObject({ code: z.unknown().optional(), message: z.unknown().optional() })]).optional(),
  error_description: z.string().optional(),
});

/**
 * ` (<code>: <description>)` for a refused token request, '' when the body says nothing we can read. An RFC 6749
 * body wins; a vendor that answers in its own shape passes `tokenErrorText` (from its collector folder).
 */
function oauthErrorText(body: unknown, tokenErrorText?: (body: unknown) => string): string {
  const parsed = OAuthError.safeParse(body);
  if (!parsed.success) return '';
  if (!parsed.data.error) return tokenErrorText?.(body) ?? '';
  const e = parsed.data.error;
  const code = typeof e === 'string' ? e : [e.code, e.message].filter((x) => typeof x === 'string' || typeof x === 'number').join(': ');
  const desc = parsed.data.error_description ? `: ${parsed.data.error_description}` : '';
  return code || desc ? ` (${code}${desc})` : '';
}

export interface OAuthOptions {
  vendor: string;
  /** Absolute URL or a path relative to the http instance's baseURL. */
  tokenPath: string;
  /** Form fields: grant_type, client_id, client_secret, scope, username, password … */
  form: Record<string, string>;
  /** Send client_id/client_secret as HTTP Basic instead of in the form (Acronis). */
  basic?: { username: string; password: string };
  headers?: Record<string, string>;
  /**
   * The vendor's own shape of a refused token request, when it is not RFC 6749's `{ error, error_description }`:
   * ` (<code>: <message>)`, or '' when the body does not match it.
   */
  tokenErrorText?: (body: unknown) => string;
  /**
   * Share the token with every other token source of this process that asks the same token endpoint with the same
   * credentials (the scans of all tenants on one MSP account). One token per account instead of one per scan: fewer
   * token requests against an account-wide budget, and no login storm when hundreds of tenants are scanned.
   */
  sharedAcrossScans?: boolean;
  /** Refresh this long before expiry. */
  skewSeconds?: number;
  now?: () => number;
}

interface SharedToken {
  cached: { token: string; expiresAt: number } | null;
  inflight: Promise<string> | null;
}

/** Tokens shared across scans, by a hash of endpoint and credentials (the credentials themselves are never a key). */
const sharedTokens = new Map<string, SharedToken>();

/**
 * Forgets every shared token. Tests call it before each test (test/setup-each.ts): each test is its own "process",
 * whose scans must not ride on a token an earlier test's simulator or nock scope issued.
 */
export function forgetSharedTokens(): void {
  sharedTokens.clear();
}

function sharedKey(http: AxiosInstance, opts: OAuthOptions): string {
  const material = JSON.stringify([opts.vendor, http.defaults.baseURL ?? '', opts.tokenPath, opts.form, opts.basic ?? null, opts.headers ?? null]);
  return createHash('sha256').update(material).digest('hex');
}

export function createOAuthTokenSource(http: AxiosInstance, opts: OAuthOptions): TokenSource {
  // A private slot unless shared: `cached` and `inflight` live in it either way.
  let slot: SharedToken = { cached: null, inflight: null };
  if (opts.sharedAcrossScans) {
    const key = sharedKey(http, opts);
    slot = sharedTokens.get(key) ?? slot;
    sharedTokens.set(key, slot);
  }
  let requests = 0;
  const now = opts.now ?? Date.now;
  const skew = (opts.skewSeconds ?? 60) * 1000;

  async function fetchToken(): Promise<string> {
    requests += 1;
    let res;
    try {
      res = await postToken();
    } catch (e) {
      // Already classified by the layer (an abort while the request waited for the account's budget).
      if (e instanceof VendorHttpError) throw e;
      // A network/TLS failure: never let the AxiosError escape — its config holds the form with the secret.
      const code = (e as { code?: string }).code ?? 'network error';
      const kind = code === 'ERR_CANCELED' ? 'aborted' : code === 'ECONNABORTED' || code === 'ETIMEDOUT' ? 'timeout' : 'network';
      const hint = untrustedCertificateHint(code);
      throw new VendorHttpError(opts.vendor, kind, `${opts.vendor}: token request failed: ${code}${hint}`, null, opts.tokenPath, code);
    }
    return handleTokenResponse(res);
  }

  function postToken() {
    return http.post(opts.tokenPath, new URLSearchParams(opts.form).toString(), {
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json', ...opts.headers },
      auth: opts.basic,
      // The token endpoint answers errors as JSON bodies; inspect them instead of throwing axios errors
      // (whose config would carry the form with the secret).
      validateStatus: () => true,
      // Token calls are not retried by the pipeline: a wrong secret must fail fast and clearly.
      'axios-retry': { retries: 0 },
    } as never);
  }

  function handleTokenResponse(res: { status: number; data: unknown }): string {
    if (res.status >= 200 && res.status < 300) {
      const parsed = TokenResponse.safeParse(res.data);
      if (!parsed.success) {
        throw new VendorHttpError(opts.vendor, 'schema', `${opts.vendor}: token endpoint answered without an access_token`, res.status, opts.tokenPath);
      }
      const ttl = (parsed.data.expires_in ?? 3600) * 1000;
      slot.cached = { token: parsed.data.access_token, expiresAt: now() + Math.max(ttl - skew, ttl / 2) };
      return parsed.data.access_token;
    }
    const code = oauthErrorText(res.data, opts.tokenErrorText);
    const kind = res.status === 400 || res.status === 401 || res.status === 403 ? 'auth' : res.status >= 500 ? 'server' : 'bad_request';
    throw new VendorHttpError(opts.vendor, kind, `${opts.vendor}: token request refused with HTTP ${res.status}${code}`, res.status, opts.tokenPath);
  }

  return {
    async getToken() {
      if (slot.cached && now() < slot.cached.expiresAt) return slot.cached.token;
      slot.inflight ??= fetchToken().finally(() => {
        slot.inflight = null;
      });
      return slot.inflight;
    },
    invalidate() {
      slot.cached = null;
    },
    get requests() {
      return requests;
    },
  };
}
