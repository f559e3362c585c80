/**
 * Turns what went wrong into the evidence vocabulary (DESIGN §6): `unavailable` + `permission_missing` when VBR
 * refuses the account (403, or 401 after a fresh token) and the message names the role to grant; `error` when
 * collection failed (5xx or timeout after retries, a body that breaks its schema). Messages come from
 * VendorHttpError, which never carries headers, bodies or query strings; every line is scrubbed once more here.
 */
import { collectorError, errorMessage, failureOf, oneLine, permissionMissing, schemaViolation, type Failure } from '../../src/collector-kit/failure.js';
import { networkCode, untrustedCertificateHint, VendorHttpError } from '../../src/http/errors.js';
import { scrub } from '../../src/log/secrets.js';
import { API_VERSIONS, type VeeamVbrConfig } from './config.js';
import { LEAST_ROLE, TOKEN_PATH } from './endpoints.js';
import { tokenErrorBody } from './schema.js';

/** Which x-api-version each VBR release understands (versioning.html), for the hint on a refused version. */
const VERSION_HINT =
  'VBR 12.0 → 1.1-rev0, 12.1 → 1.1-rev1, 12.2 → 1.1-rev2, 12.3 → 1.2-rev0, 12.3.1 → 1.2-rev1, 13.0 → 1.3-rev0, 13.0.1 → 1.3-rev1';

/** Classify a failure of one endpoint. `path` is used when the error does not name one. */
export function classify(err: unknown, path: string): Failure {
  const result = ((): Failure => {
    if (err instanceof VendorHttpError) {
      switch (err.kind) {
        case 'forbidden':
          return permissionMissing(`${err.message} — the VBR account lacks the right to read it: give it at least the ${LEAST_ROLE} role`);
        case 'auth':
          return permissionMissing(
            `${err.message} — VBR refused the access token even after a fresh sign-in: the account needs a built-in role ` +
              `(at least ${LEAST_ROLE}); custom roles cannot use the REST API before 1.3-rev2`,
          );
        case 'schema':
          return schemaViolation(err.message);
        default:
          return collectorError(err.message);
      }
    }
    const code = networkCode(err);
    if (code !== undefined) {
      // Never print a transport error's config: it may hold the sign-in form. Its code says enough.
      return collectorError(`GET ${path} failed: ${code}`);
    }
    return collectorError(`GET ${path} failed: ${oneLine(errorMessage(err))}`);
  })();
  return { ...result, reason: scrub(oneLine(result.reason, 600)) };
}

/** ` (<errorCode>: <message>)` of a refused sign-in, for the HTTP layer's token error; '' for another body. */
export function tokenErrorText(body: unknown): string {
  const parsed = tokenErrorBody.safeParse(body);
  if (!parsed.success) return '';
  return ` (${parsed.data.errorCode}${parsed.data.message ? `: ${parsed.data.message}` : ''})`;
}

export interface TokenFailure extends Failure {
  /** The collector's one-line error: names the tenant, the server and VBR's answer. */
  line: string;
}

/**
 * A sign-in that failed. Wrong credentials, an x-api-version the server does not know, an untrusted certificate
 * and an unreachable host each get their own hint; the password never appears (the HTTP layer does not echo the
 * form, and the line is scrubbed).
 */
export function describeTokenFailure(err: unknown, config: VeeamVbrConfig, tenantId: string): TokenFailure {
  const where = `veeam-vbr sign-in for tenant ${tenantId} at ${config.baseUrl} (user ${config.username}, x-api-version ${config.apiVersion}) failed`;
  let detail: string;
  let failure: Failure;
  const code = networkCode(err);
  if (err instanceof VendorHttpError && err.code === null) {
    detail = err.message;
    if (err.endpoint === TOKEN_PATH && err.kind === 'auth') {
      if (err.status === 400) {
        detail +=
          `: wrong user name or password, or a version the server does not support — VBR answers 400 "Unsupported RESTAPI version" ` +
          `for an unknown x-api-version (${VERSION_HINT}; accepted here: ${API_VERSIONS.join(', ')})`;
      } else if (err.status === 403) {
        detail += `: the account may not use the REST API — give it a built-in role (at least ${LEAST_ROLE})`;
      } else {
        detail += `: check the user name and password (a domain account is written DOMAIN\\user; custom roles cannot sign in before 1.3-rev2)`;
      }
      failure = permissionMissing('');
    } else {
      failure = failureOf(err, '');
    }
  } else if (code !== undefined) {
    detail = `${code}${untrustedCertificateHint(code, 'set caFile to the PEM of the VBR certificate or its CA, see README')}`;
    failure = collectorError('');
  } else {
    detail = errorMessage(err);
    failure = collectorError('');
  }
  const line = scrub(oneLine(`${where}: ${detail}`, 700));
  return { ...failure, reason: line, line };
}
