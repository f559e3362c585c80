/**
 * Classified failures of vendor HTTP calls. A collector maps them to evidence: `auth`/`forbidden` →
 * `unavailable` (name the missing role or scope), everything else → `error`. Messages never carry request bodies,
 * headers or query strings, so no credential can ride along.
 */
import type { UnknownReason } from '../domain/evidence.js';
import { scrub } from '../log/secrets.js';

export type HttpErrorKind =
  | 'auth' // 401, or the token endpoint refused the credentials
  | 'forbidden' // 403: missing role/scope
  | 'ip_blocked' // 403 that the vendor uses for an IP block: never retried
  | 'not_found'
  | 'throttled' // 429 still after retries
  | 'server' // 5xx after retries
  | 'timeout'
  | 'network'
  | 'bad_request'
  | 'schema' // the response did not match the collector's zod schema
  | 'aborted';

export class VendorHttpError extends Error {
  constructor(
    public readonly vendor: string,
    public readonly kind: HttpErrorKind,
    message: string,
    public readonly status: number | null = null,
    public readonly endpoint: string | null = null,
    /** The network/TLS error code when no HTTP answer came (ECONNREFUSED, ERR_CANCELED, DEPTH_ZERO_SELF_SIGNED_CERT …). */
    public readonly code: string | null = null,
  ) {
    super(scrub(message));
    this.name = 'VendorHttpError';
  }

  /** Evidence status for this failure: a permission problem is `unavailable`, never a failed control. */
  get evidenceStatus(): 'unavailable' | 'error' {
    return this.kind === 'auth' || this.kind === 'forbidden' ? 'unavailable' : 'error';
  }

  get reasonCode(): UnknownReason {
    if (this.kind === 'auth' || this.kind === 'forbidden') return 'permission_missing';
    if (this.kind === 'schema') return 'schema_violation';
    return 'collector_error';
  }
}

export function isVendorHttpError(e: unknown): e is VendorHttpError {
  return e instanceof VendorHttpError;
}

/** The network/TLS error code of a failure that got no HTTP answer, whatever form it took. */
export function networkCode(err: unknown): string | undefined {
  if (err instanceof VendorHttpError) return err.code ?? undefined;
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

export const TLS_ERROR = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY/;

/** The fix for a vendor whose server certificate is not trusted: the section's own CA file. */
export const CA_FILE_FIX = 'set caFile to its CA';

/** ` (the server certificate is not trusted: <fix>)` when `code` is a certificate-trust failure, else ''. */
export function untrustedCertificateHint(code: unknown, fix: string = CA_FILE_FIX): string {
  return typeof code === 'string' && TLS_ERROR.test(code) ? ` (the server certificate is not trusted: ${fix})` : '';
}

/**
 * The code of a failure because Node does not trust the server's certificate (SELF_SIGNED_CERT_IN_CHAIN,
 * CERT_HAS_EXPIRED, ERR_TLS_CERT_ALTNAME_INVALID …), looked up along the `cause` chain: fetch and the SDKs wrap the
 * socket error ("fetch failed") instead of passing it on.
 */
export function untrustedCertificateCode(err: unknown): string | undefined {
  const seen = new Set<unknown>();
  for (let e = err; e !== null && typeof e === 'object' && !seen.has(e); e = (e as { cause?: unknown }).cause) {
    seen.add(e);
    const code = networkCode(e);
    if (code !== undefined && TLS_ERROR.test(code)) return code;
  }
  return undefined;
}

/** The one wording for an untrusted server certificate: what Node said, and how to fix it for this source. */
export function untrustedCertificateMessage(code: string, fix: string): string {
  return `the server certificate is not trusted (${code}): ${fix}`;
}
