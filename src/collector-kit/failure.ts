/**
 * The evidence vocabulary for what went wrong (DESIGN §6), shared by every collector: `unavailable` when the vendor
 * won't tell us (a permission or licence gap to fix, never a security failure) and `error` when collection failed
 * (throttled or down after retries, timeout, a body that breaks its schema). Each collector's classifier decides
 * which one a failure is and words the reason for its vendor; these are the shapes it returns.
 */
import type { UnknownReason } from '../domain/evidence.js';

export interface Failure {
  status: 'unavailable' | 'error';
  reasonCode: UnknownReason;
  reason: string;
}

/** Either a value or the reason there is none: what each evidence module hands back. */
export type Outcome<V> = { ok: true; value: V } | { ok: false; failure: Failure };

/** Collection failed (network, timeout, throttled or down after retries, our own paging guard). */
export function collectorError(reason: string): Failure {
  return { status: 'error', reasonCode: 'collector_error', reason };
}

/** The vendor refused us: the reason names what to grant. */
export function permissionMissing(reason: string): Failure {
  return { status: 'unavailable', reasonCode: 'permission_missing', reason };
}

/**
 * The client a tenant's section names within a shared vendor account (a NinjaOne organisation, a Datto site, an
 * Acronis customer tenant) does not exist there (any more): deleted at the vendor, or the id is wrong. An `error` —
 * the evidence is unknown, never a fail — and never a reason to read the whole account instead. `client` names it,
 * e.g. `NinjaOne organisation 12`; `account` says where it was looked up (the base URL).
 */
export function clientGone(client: string, account: string): Failure {
  return {
    status: 'error',
    reasonCode: 'not_configured',
    reason: `${client} no longer exists on the account (${account}): it was deleted, or the id in the config is wrong; run \`ratchet tenants map\` to map the tenant again`,
  };
}

/** A 2xx answer that breaks the collector's zod schema of it. */
export function schemaViolation(reason: string): Failure {
  return { status: 'error', reasonCode: 'schema_violation', reason };
}

/**
 * The failure a classified HTTP error stands for (src/http's VendorHttpError knows its own status and reason code),
 * worded by the collector.
 */
export function failureOf(err: { readonly evidenceStatus: Failure['status']; readonly reasonCode: UnknownReason }, reason: string): Failure {
  return { status: err.evidenceStatus, reasonCode: err.reasonCode, reason };
}

/** The message of whatever was thrown. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Whitespace folded to single spaces and cut to `max` characters with an ellipsis: a reason is one line. */
export function oneLine(text: string, max = 300): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
