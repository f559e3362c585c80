/**
 * Turns whatever went wrong into the evidence vocabulary (DESIGN §6): `unavailable` + `permission_missing` when
 * NinjaOne refused the call (401/403: the client app lacks the scope — a gap to fix, never a security failure), and
 * `error` when collection failed (throttled or down after retries, timeout, a body that breaks its schema).
 * Messages come from VendorHttpError (already scrubbed, no query strings) and are scrubbed again here.
 */
import { collectorError, errorMessage, failureOf, type Failure } from '../../src/collector-kit/failure.js';
import { VendorHttpError } from '../../src/http/errors.js';
import { scrub } from '../../src/log/secrets.js';
import { SCOPE_HINT, TOKEN_PATH } from './endpoints.js';
import { errorBody } from './schema.js';

export function toFailure(err: unknown, opts: { maxRetries: number; timeoutMs: number }): Failure {
  if (!(err instanceof VendorHttpError)) {
    return collectorError(scrub(`ninjaone collection failed: ${errorMessage(err)}`));
  }
  const base = err.message;
  let reason: string;
  switch (err.kind) {
    case 'auth':
      reason = `${base} — the token was refused by this endpoint: ${SCOPE_HINT}`;
      break;
    case 'forbidden':
      reason = `${base} — ${SCOPE_HINT}`;
      break;
    case 'throttled':
      reason = `${base} (still throttled after ${opts.maxRetries} retries honouring Retry-After)`;
      break;
    case 'server':
      reason = `${base} (after ${opts.maxRetries} retries)`;
      break;
    case 'timeout':
      reason = `${base} (each attempt timed out after ${opts.timeoutMs} ms; ${opts.maxRetries} retries)`;
      break;
    case 'not_found':
      reason = `${base} — the endpoint does not exist on this instance: check baseUrl (the instance URL such as https://eu.ninjarmm.com)`;
      break;
    default:
      reason = base;
  }
  return failureOf(err, scrub(reason));
}

/** ` (<resultCode>: <errorMessage>)` of a refused token request, for the HTTP layer; '' for another body. */
export function tokenErrorText(body: unknown): string {
  const parsed = errorBody.safeParse(body);
  if (!parsed.success) return '';
  return ` (${parsed.data.resultCode}${parsed.data.errorMessage ? `: ${parsed.data.errorMessage}` : ''})`;
}

/**
 * One line for a token failure, naming the tenant, the token URL and the vendor's error code (the OAuth `error`
 * from the body, e.g. `invalid_client`, is part of the layer's message).
 */
export function tokenFailureMessage(err: unknown, tenantId: string, baseUrl: string): string {
  const detail = errorMessage(err);
  const hint =
    err instanceof VendorHttpError && err.kind === 'auth'
      ? ': check clientId/clientSecret of the "API Services (machine-to-machine)" client app, that it allows the Client Credentials grant and the Monitoring scope, and that baseUrl is the instance (region) the app was created in'
      : '';
  return scrub(`ninjaone: no token for tenant ${tenantId} from ${baseUrl}${TOKEN_PATH}: ${detail}${hint}`);
}
