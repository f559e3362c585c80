/**
 * Turns whatever went wrong into the evidence vocabulary (DESIGN §6): `unavailable` when Acronis won't tell us
 * (401/403: a permission gap to fix, never a security failure) and `error` when collection failed (throttled or down
 * after retries, timeout, a body that breaks its schema). Messages come from the shared HTTP layer, which never
 * echoes headers, query strings or bodies beyond the vendor's own `message`; they are scrubbed once more here.
 */
import { collectorError, errorMessage, failureOf, permissionMissing, type Failure } from '../../src/collector-kit/failure.js';
import { isVendorHttpError, networkCode, untrustedCertificateHint } from '../../src/http/errors.js';
import { scrub } from '../../src/log/secrets.js';
import { permissionHint } from './endpoints.js';

/** Our own collection problems that are not HTTP failures (a cursor that never advances, …). */
export class CollectionError extends Error {
  override readonly name = 'CollectionError';
}

/** Classify a failure of the resource-status endpoint. */
export function classify(err: unknown, customerTenantId: string | undefined): Failure {
  if (isVendorHttpError(err)) {
    if (err.kind === 'auth' || err.kind === 'forbidden') {
      return permissionMissing(scrub(`${err.message} — ${permissionHint(customerTenantId)}`));
    }
    if (err.kind === 'aborted') {
      return collectorError(scrub(`${err.message} (the scan was aborted: collector timeout or shutdown)`));
    }
    if (err.kind === 'throttled') {
      return collectorError(scrub(`${err.message} (still throttled after retries that honoured Retry-After)`));
    }
    return failureOf(err, err.message); // auth and forbidden were answered above: an `error`
  }
  return collectorError(scrub(`acronis: ${errorMessage(err)}`));
}

/**
 * One line for a failed token request, naming the tenant and what Acronis said (the HTTP layer puts the OAuth
 * `error`/`error_description` into its message). Network failures reach us as raw errors with a `code`.
 */
export function describeTokenFailure(err: unknown, tenantId: string, baseUrl: string): string {
  if (isVendorHttpError(err) && err.code === null) {
    const hint =
      err.kind === 'auth'
        ? ` — check clientId/clientSecret, that the API client is enabled, and that ${baseUrl} is the data centre where it was created`
        : err.kind === 'server'
          ? ' — the Acronis identity service is failing; retry later'
          : '';
    return scrub(`acronis token request for tenant ${tenantId} failed: ${err.message.replace(/^acronis:\s*/, '')}${hint}`);
  }
  const code = networkCode(err);
  if (code === 'ERR_CANCELED') return `acronis token request for tenant ${tenantId} aborted (collector timeout or shutdown)`;
  const tls = untrustedCertificateHint(code);
  const what = code !== undefined ? `${code}${tls}` : errorMessage(err);
  return scrub(`acronis token request for tenant ${tenantId} failed: cannot reach ${baseUrl}: ${what}`);
}
