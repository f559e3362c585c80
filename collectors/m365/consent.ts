/**
 * Whether the partner's multi-tenant app can read a customer tenant, from the outcome of a token request for that
 * tenant. `ratchet doctor` (doctor.ts) and `ratchet tenants discover` both classify with it, so the same refusal
 * reads the same everywhere. Pure: no I/O, the caller makes the token request.
 *
 * Classification is by the identity platform's numeric AADSTS code, taken from structured fields when the error
 * carries them and otherwise from the two places MSAL and Entra put it in the message ("Error(s): 700016" and
 * "AADSTS700016:"), never by searching the text for words.
 */
import type { ConsentState } from '../../src/collector-kit/plugin.js';
import { resolveCloud } from './clouds.js';
import type { M365Config } from './config.js';

/** The tenant, the app and the cloud's own authority a consent URL is built from. */
export interface ConsentTarget {
  /** The customer's directory id (or a verified domain). */
  tenantId: string;
  /** The multi-tenant app registration's application (client) id. */
  clientId: string;
  /** The cloud's login authority without trailing slash, e.g. https://login.microsoftonline.us. */
  authorityHost: string;
}

/**
 * Codes that mean "the app has no service principal (or no grant) in this tenant": an administrator of the tenant
 * must consent. Sources: learn.microsoft.com/entra/identity-platform/reference-error-codes.
 */
export const NOT_CONSENTED_CODES: Readonly<Record<string, string>> = {
  // Application with identifier '…' was not found in the directory '…'.
  AADSTS700016: 'the app is not registered in this tenant',
  // The user or administrator has not consented to use the application.
  AADSTS65001: 'the app has not been consented',
  // The client application is missing service principal in the tenant.
  AADSTS7000229: 'the app has no service principal in this tenant',
};

/** The target of a validated m365 section (its tenant, app and cloud). */
export function consentTargetOf(config: Pick<M365Config, 'tenantId' | 'clientId' | 'cloud'>): ConsentTarget {
  return { tenantId: config.tenantId, clientId: config.clientId, authorityHost: resolveCloud(config.cloud).authorityHost };
}

/** Where a Global Administrator of the tenant grants the app its application permissions. */
export function adminConsentUrl(target: ConsentTarget): string {
  const host = target.authorityHost.replace(/\/+$/, '');
  return `${host}/${encodeURIComponent(target.tenantId)}/adminconsent?client_id=${encodeURIComponent(target.clientId)}`;
}

/** The state after a token request for the tenant succeeded. */
export function consentedState(target: ConsentTarget): ConsentState {
  return { state: 'consented', detail: `a token for tenant ${target.tenantId} was issued to app ${target.clientId}` };
}

function codesIn(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(codesIn);
  if (typeof value === 'number' && Number.isInteger(value)) return [`AADSTS${value}`];
  if (typeof value === 'string' && /^\d{4,8}$/.test(value.trim())) return [`AADSTS${value.trim()}`];
  return [];
}

/**
 * The AADSTS codes an error carries, most specific source first: `error_codes`/`errorNo` fields (MSAL ServerError,
 * @azure/identity AuthenticationError), then MSAL's "Error(s): 700016, 65001 -" list, then "AADSTS700016:" in the
 * description. @azure/identity rethrows most MSAL errors as a new error holding only the message, so the message is
 * often all there is; it is still MSAL's fixed format, not free text.
 */
export function aadstsCodes(error: unknown): string[] {
  const seen: string[] = [];
  const add = (codes: string[]) => {
    for (const c of codes) if (!seen.includes(c)) seen.push(c);
  };
  const visit = (err: unknown, depth: number) => {
    if (!err || typeof err !== 'object' || depth > 3) return;
    const e = err as Record<string, unknown>;
    const response = (e.errorResponse ?? {}) as Record<string, unknown>;
    add(codesIn(response.error_codes ?? response.errorCodes));
    add(codesIn(e.errorNo));
    add(codesIn(e.error_codes));
    const message = typeof e.message === 'string' ? e.message : '';
    const listed = /Error\(s\):\s*([\d,\s]+?)\s*-/.exec(message)?.[1];
    if (listed) add(listed.split(',').flatMap((c) => codesIn(c)));
    for (const m of message.matchAll(/\bAADSTS(\d{4,8}):/g)) add([`AADSTS${m[1]}`]);
    if (typeof response.errorDescription === 'string') {
      for (const m of response.errorDescription.matchAll(/\bAADSTS(\d{4,8}):/g)) add([`AADSTS${m[1]}`]);
    }
    visit(e.cause, depth + 1);
  };
  visit(error, 0);
  return seen;
}

/**
 * The consent state a failed token request for `target.tenantId` shows. `not-consented` (with the admin-consent URL)
 * only for the codes in NOT_CONSENTED_CODES; any other failure (wrong secret, unknown tenant, network) is
 * `unknown`: consent cannot be judged until the request gets that far.
 */
export function classifyTokenFailure(error: unknown, target: ConsentTarget): ConsentState {
  const codes = aadstsCodes(error);
  const code = codes.find((c) => c in NOT_CONSENTED_CODES);
  if (code) {
    const url = adminConsentUrl(target);
    return {
      state: 'not-consented',
      code,
      detail: `${NOT_CONSENTED_CODES[code]} (${code}): a Global Administrator of tenant ${target.tenantId} grants consent at ${url}`,
      adminConsentUrl: url,
    };
  }
  const first = codes[0];
  return {
    state: 'unknown',
    ...(first ? { code: first } : {}),
    detail: first
      ? `the token request failed with ${first}, which does not tell whether the app is consented: fix that first (ratchet doctor)`
      : 'the token request failed before the identity platform judged consent (network, TLS or credential): see ratchet doctor',
  };
}
