/**
 * Turns whatever went wrong into the evidence vocabulary (DESIGN §6): `unavailable` when the tenant can't tell us
 * (permission or licence missing: a gap to fix, never a security failure) and `error` when collection failed
 * (throttled or down after retries, timeout, a body that breaks its schema). Messages name the permission or
 * licence and carry Microsoft's request-id so support can trace the call; they never echo request bodies.
 */
import type { ZodError } from 'zod';
import { scrub } from '../../src/log/secrets.js';
import { collectorError, oneLine, permissionMissing, schemaViolation, type Failure } from '../../src/collector-kit/failure.js';
import { untrustedCertificateMessage } from '../../src/http/errors.js';
import type { EndpointSpec } from './endpoints.js';

/** Error code Graph returns (as 403) when a report needs Entra ID P1/P2 the tenant lacks (vendor-apis §1.3). */
export const NON_PREMIUM_CODE = 'Authentication_RequestFromNonPremiumTenantOrB2CTenant';

/** A Graph response (or sub-response) that was not a success, normalised from the client's GraphError. */
export class GraphFailure extends Error {
  override readonly name = 'GraphFailure';
  constructor(
    /** HTTP status; -1 when no response arrived (network error, timeout, abort). */
    readonly status: number,
    readonly code: string | null,
    message: string,
    readonly requestId: string | null,
    /** The path that was called (without host), for messages. */
    readonly path: string,
    readonly retryAfterSeconds: number | null = null,
  ) {
    super(message);
  }
}

/** What to do when a Microsoft 365 endpoint (Graph or login) presents a certificate Node does not trust. */
export const UNTRUSTED_CERTIFICATE_FIX = "set NODE_EXTRA_CA_CERTS to the cloud's CA (a PEM file; Node reads it at start-up)";

/**
 * The server certificate of the Graph or login endpoint is not trusted. Its `name` becomes the GraphError's `code`
 * when the Graph client wraps it, so classification can tell it from other failures without a response.
 */
export class UntrustedCertificateError extends Error {
  override readonly name = 'UntrustedCertificateError';
  constructor(
    /** Node's TLS error code, e.g. SELF_SIGNED_CERT_IN_CHAIN. */
    readonly code: string,
    options?: ErrorOptions,
  ) {
    super(untrustedCertificateMessage(code, UNTRUSTED_CERTIFICATE_FIX), options);
  }
}

/** A 2xx body that does not match its zod schema. `field` is the zod path, e.g. `value[3].isMfaRegistered`. */
export class SchemaViolation extends Error {
  override readonly name = 'SchemaViolation';
  constructor(
    readonly path: string,
    readonly field: string,
    readonly detail: string,
  ) {
    super(`GET ${path}: response does not match the expected schema at ${field || '(root)'}: ${detail}`);
  }
}

export interface ClassifyOptions {
  timeoutMs: number;
  maxRetries: number;
}

/** `['value', 3, 'isMfaRegistered']` → `value[3].isMfaRegistered`. */
export function formatZodPath(path: readonly PropertyKey[], prefix = ''): string {
  let out = prefix;
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}

export function schemaViolationFrom(error: ZodError, path: string, fieldPrefix = ''): SchemaViolation {
  const issue = error.issues[0];
  const field = formatZodPath(issue?.path ?? [], fieldPrefix);
  return new SchemaViolation(path, field, issue?.message ?? 'invalid');
}

/** Strip host, version and query: provenance and messages show the resource path only. */
export function pathOf(url: string): string {
  let p = url;
  const scheme = p.indexOf('://');
  if (scheme !== -1) {
    const slash = p.indexOf('/', scheme + 3);
    p = slash === -1 ? '/' : p.slice(slash);
  }
  p = p.split('?')[0] ?? p;
  return p.replace(/^(?:\/[^/]+)*?\/v1\.0(?=\/)/, '') || '/';
}

function parseRetryAfter(value: string | null | undefined): number | null {
  if (value === null || value === undefined || value === '') return null;
  const n = Number(value);
  if (Number.isFinite(n)) return Math.max(0, n);
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, Math.round((date - Date.now()) / 1000));
}

interface HeaderBag {
  get(name: string): string | null;
}

function isHeaderBag(v: unknown): v is HeaderBag {
  return typeof v === 'object' && v !== null && typeof (v as HeaderBag).get === 'function';
}

/**
 * Normalise anything thrown by a Graph call. The client throws GraphError (statusCode, code, requestId, headers)
 * for HTTP errors, and also wraps network failures and timeouts in it with statusCode -1 and code = error name.
 */
export function toGraphFailure(err: unknown, path: string): Error {
  if (err instanceof GraphFailure || err instanceof SchemaViolation) return err;
  if (typeof err === 'object' && err !== null && 'statusCode' in err) {
    const g = err as { statusCode: number; code: string | null; message: string; requestId: string | null; headers?: unknown };
    const headers = isHeaderBag(g.headers) ? g.headers : null;
    // A 2xx status with a parse error means the body was not JSON at all.
    if (g.statusCode >= 200 && g.statusCode < 300 && g.code === 'SyntaxError') {
      return new SchemaViolation(path, '(body)', `not valid JSON (${g.message})`);
    }
    return new GraphFailure(
      typeof g.statusCode === 'number' ? g.statusCode : -1,
      g.code ?? null,
      g.message ?? '',
      g.requestId ?? headers?.get('request-id') ?? null,
      path,
      parseRetryAfter(headers?.get('Retry-After')),
    );
  }
  if (err instanceof Error) return err;
  return new Error(String(err));
}

/** Build a failure from a $batch sub-response (status + headers + error body). */
export function failureFromSubResponse(status: number, headers: Record<string, string>, body: unknown, path: string): GraphFailure {
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  const error = (body as { error?: { code?: unknown; message?: unknown; innerError?: Record<string, unknown> } } | null)?.error;
  const requestId = error?.innerError?.['request-id'];
  return new GraphFailure(
    status,
    typeof error?.code === 'string' ? error.code : null,
    typeof error?.message === 'string' ? error.message : `HTTP ${status}`,
    typeof requestId === 'string' ? requestId : (lower['request-id'] ?? null),
    path,
    parseRetryAfter(lower['retry-after']),
  );
}

export function isForbidden(err: unknown): boolean {
  return err instanceof GraphFailure && err.status === 403;
}

export function isNonPremium(err: unknown): boolean {
  return err instanceof GraphFailure && err.code === NON_PREMIUM_CODE;
}

/** Intune answers an unlicensed tenant with 400 "Request not applicable to target tenant". */
export function isIntuneNotLicensed(err: unknown): boolean {
  return err instanceof GraphFailure && err.status === 400 && /not applicable to target tenant/i.test(err.message);
}

/** Graph's messages can be long and multi-line: a reason keeps 200 characters of one line. */
function shorten(text: string): string {
  return oneLine(text, 200);
}

function requestRef(f: GraphFailure): string {
  const parts = [`HTTP ${f.status}`];
  if (f.code) parts.push(f.code);
  if (f.requestId) parts.push(`request-id ${f.requestId}`);
  return parts.join(', ');
}

/**
 * Classify an error from one endpoint. `licenceKnownPresent` lets callers that already read the licences say
 * "permission" with confidence; otherwise a 403 on a licensed API names both possible causes.
 */
/**
 * A 401 that refuses a grant rather than the token: Graph's `Authorization_RequestDenied`, and SharePoint-backed APIs'
 * `accessDenied` "There has been an error authenticating the request." — what `/admin/sharepoint/settings` answers
 * without SharePointTenantSettings.Read.All (reported in Galvnyz/M365-Assess#116 and
 * microsoft/Partner-Center-PowerShell#428). The token itself was accepted by every other call of the scan, so the
 * missing consent is the cause. A rejected token is `InvalidAuthenticationToken`, which stays an error.
 */
function isRefusedWithToken(e: GraphFailure): boolean {
  if (e.status !== 401) return false;
  const code = (e.code ?? '').toLowerCase();
  return code === 'authorization_requestdenied' || code === 'accessdenied';
}

export function classify(err: unknown, spec: EndpointSpec, opts: ClassifyOptions, licenceKnownPresent?: boolean): Failure {
  const e = toGraphFailure(err, spec.path);
  const result = ((): Failure => {
    if (e instanceof SchemaViolation) {
      return schemaViolation(e.message);
    }
    if (!(e instanceof GraphFailure)) {
      return collectorError(`GET ${spec.path} failed: ${shorten(e.message)}`);
    }
    const where = `GET ${e.path}`;
    if (e.code === NON_PREMIUM_CODE) {
      return {
        status: 'unavailable',
        reasonCode: 'not_licensed',
        reason: `${where} needs ${spec.licence ?? 'Microsoft Entra ID P1 or P2'}, which the tenant does not have (${requestRef(e)})`,
      };
    }
    if (isIntuneNotLicensed(e)) {
      return {
        status: 'unavailable',
        reasonCode: 'not_licensed',
        reason: `${where} needs ${spec.licence ?? 'a licence'} the tenant does not have (${requestRef(e)})`,
      };
    }
    if (e.status === 403 || isRefusedWithToken(e)) {
      const licenceHint = spec.licence && !licenceKnownPresent ? ` (or the tenant lacks ${spec.licence})` : '';
      return permissionMissing(
        `${where} was refused: grant the application permission ${spec.permission} and admin-consent it in this tenant${licenceHint} (${requestRef(e)})`,
      );
    }
    if (e.status === -1) {
      if (e.code === 'TimeoutError') {
        return collectorError(`${where} timed out after ${opts.timeoutMs} ms`);
      }
      if (e.code === 'UntrustedCertificateError') {
        return collectorError(`${where} failed: ${e.message}`);
      }
      if (e.code === 'AbortError') {
        return collectorError(`${where} was aborted (scan timeout or shutdown)`);
      }
      return collectorError(`${where} failed without a response: ${shorten(e.message || e.code || 'network error')}`);
    }
    if (e.status === 429 || e.status === 503 || e.status === 504) {
      return collectorError(`${where} still ${e.status === 429 ? 'throttled' : 'unavailable'} after ${opts.maxRetries} retries (${requestRef(e)})`);
    }
    return collectorError(`${where} failed (${requestRef(e)})${e.message ? `: ${shorten(e.message)}` : ''}`);
  })();
  // Defence in depth: no registered secret may leave in a reason, whatever Microsoft echoed back.
  return { ...result, reason: scrub(result.reason) };
}
