/**
 * Failures of a plugin's `portfolio.listClients` (`ratchet tenants map`): one line, doctor-style — what could not be
 * listed, what the vendor said, and what to change — never a stack trace, never a secret.
 */
import { isVendorHttpError, networkCode, untrustedCertificateHint } from '../http/errors.js';
import { scrub } from '../log/secrets.js';

export class ClientListingError extends Error {
  override readonly name = 'ClientListingError';
}

export interface ListingHints {
  /** What the credential needs to read the listing (role, scope, permission), named on a 403. */
  access: string;
  /** What to check when the credential itself is refused (401, or the token request failed); default `access`. */
  credentials?: string;
}

/** `<vendor>: cannot list <what>: <cause>[ — <fix>]`. */
export function clientListingError(vendor: string, what: string, err: unknown, hints: ListingHints): ClientListingError {
  if (err instanceof ClientListingError) return err;
  let cause = err instanceof Error ? err.message : String(err);
  // The HTTP layer already prefixes its messages with the vendor; say it once.
  cause = cause.replace(new RegExp(`^${vendor}:?\\s*`), '');
  let fix = '';
  if (isVendorHttpError(err)) {
    if (err.kind === 'auth') fix = ` — ${hints.credentials ?? hints.access}`;
    else if (err.kind === 'forbidden') fix = ` — ${hints.access}`;
    else if (err.kind === 'aborted' || err.kind === 'timeout') fix = ' — timed out; retry, or raise the account timeoutMs';
    else if (err.kind === 'ip_blocked') fix = ' — the vendor is blocking this IP address after too many requests; wait a few minutes';
    else if (err.kind === 'throttled') fix = ' — still throttled after retries; retry in a minute';
    else if (err.kind === 'schema') fix = ' — the vendor answered in a shape Ratchet does not know; please report it';
  }
  fix += untrustedCertificateHint(networkCode(err));
  return new ClientListingError(scrub(`${vendor}: cannot list ${what}: ${cause}${fix}`.replace(/\s+/g, ' ').trim()));
}
