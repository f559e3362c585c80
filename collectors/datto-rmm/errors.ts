/**
 * Failures → evidence. A 401/403 is `unavailable` + `permission_missing` naming what the API user lacks, unless it
 * is Datto's temporary IP block: Datto answers a persistent rate-limit excess with a 403 whose body may look like
 * any authorization failure. We call a 403 an IP block when
 *   1. its body names the cause (the HTTP layer classified it `ip_blocked`), or
 *   2. the same walk already read a page (a permission does not vanish between page 3 and page 4), or
 *   3. `GET /api/v2/system/pagination` — which holds no data and any API user may read — is refused as well.
 * An IP block is an `error` (collection failed, retry later), never a missing permission: reporting it as one would
 * send the operator to fix a role that is fine.
 */
import { scrub } from '../../src/log/secrets.js';
import { clientGone, collectorError, errorMessage, failureOf, permissionMissing, schemaViolation, type Failure } from '../../src/collector-kit/failure.js';
import { isVendorHttpError, type VendorHttpError } from '../../src/http/errors.js';
import { DATTO_PLATFORMS } from './config.js';
import { ACCESS, PATHS, TOKEN_PATH, type Resource } from './endpoints.js';

export interface ClassifyContext {
  resource: Resource;
  /** The endpoint path (no query) for the message. */
  path: string;
  /** Pages this walk had already read when it failed. */
  pagesRead: number;
  /** Resolves whether the no-permission probe was refused too (only asked for a 403 on the first page). */
  probeRefused: () => Promise<boolean>;
  siteUid?: string;
  /** The account's platform URL (rmm.baseUrl), named when a site no longer exists there. */
  baseUrl?: string;
  timeoutMs: number;
}

export const IP_BLOCK_ADVICE =
  "Datto blocks the caller's IP for a few minutes (about 5) when the account keeps exceeding 600 reads per 60 s. " +
  'This is not a permission problem: wait, then scan again, and check which other integrations use the same Datto account.';

function ipBlockFailure(path: string, why: string): Failure {
  return collectorError(scrub(`GET ${path}: HTTP 403 is Datto's temporary IP block (${why}). ${IP_BLOCK_ADVICE}`));
}

function shorten(text: string, max = 300): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export async function classify(err: unknown, c: ClassifyContext): Promise<Failure> {
  if (!isVendorHttpError(err)) {
    return collectorError(scrub(`GET ${c.path} failed: ${shorten((err as Error)?.message ?? String(err))}`));
  }
  const e: VendorHttpError = err;
  switch (e.kind) {
    case 'ip_blocked':
      return ipBlockFailure(c.path, 'the response says so');
    case 'forbidden': {
      if (c.pagesRead > 0) return ipBlockFailure(c.path, `refused after ${c.pagesRead} page(s) of the same listing had been read`);
      if (await c.probeRefused()) return ipBlockFailure(c.path, `GET ${PATHS.pagination}, which needs no permission, was refused too`);
      return permissionMissing(scrub(`GET ${c.path}: HTTP 403: the API user needs ${ACCESS[c.resource]}`));
    }
    case 'auth':
      return permissionMissing(
        scrub(
          `GET ${c.path}: HTTP 401 even with a fresh token: the API user's access was revoked (API keys regenerated or deleted, user disabled, or API access switched off); it needs ${ACCESS.api}`,
        ),
      );
    case 'not_found': {
      if (!c.siteUid) return collectorError(scrub(`GET ${c.path}: HTTP 404: not found (check the platform in rmm.baseUrl)`));
      // The site is gone from the account (deleted, or the UID is wrong): unknown evidence, never the account's devices.
      const gone = clientGone(`Datto RMM site ${c.siteUid}`, c.baseUrl ?? 'this Datto RMM account');
      return { ...gone, reason: scrub(`GET ${c.path}: HTTP 404: ${gone.reason} (check rmm.siteUid and the platform in rmm.baseUrl)`) };
    }
    case 'schema':
      return schemaViolation(shorten(e.message, 400));
    case 'timeout':
      return collectorError(`GET ${c.path} timed out (${c.timeoutMs} ms per attempt, retries exhausted)`);
    case 'throttled':
      return collectorError(
        scrub(`GET ${c.path} still throttled (HTTP 429) after retries: the account's 600 reads per 60 s are used up by other integrations too`),
      );
    default:
      return failureOf(e, shorten(e.message, 400)); // server, network, bad_request, aborted: an `error`
  }
}

/** One line for a token failure: tenant, platform, the vendor's error code, and what to check. */
export function describeTokenError(err: unknown, tenantId: string, baseUrl: string, apiKey: string): string {
  const raw = errorMessage(err);
  const head = `${VENDOR_LABEL} token request for tenant ${tenantId} at ${baseUrl}${TOKEN_PATH} (API key ${maskKey(apiKey)})`;
  const e = isVendorHttpError(err) ? err : null;
  let hint = '';
  if (e?.kind === 'network') {
    hint = `; check rmm.baseUrl: Datto's platforms are https://{${DATTO_PLATFORMS.join('|')}}-api.centrastage.net (the API URL shown on the API user's page)`;
  } else if (e?.kind === 'auth') {
    hint =
      e.status === 403
        ? `; Datto answers 403 both when API access is off and during its temporary IP block after too many requests — check ${ACCESS.api}, or wait a few minutes`
        : `; check rmm.apiKey / rmm.apiSecret (regenerating the keys invalidates the old pair) and the platform in rmm.baseUrl`;
  }
  const detail = raw.replace(/^datto-rmm:\s*(?:token request\s+(?:to \S+\s+)?)?/, '');
  const joined = /^(?:refused|failed|was)\b/.test(detail) ? `${head} ${detail}` : `${head} failed: ${detail}`;
  return scrub(shorten(`${joined}${hint}`, 500));
}

const VENDOR_LABEL = 'Datto RMM';

/** The key is an identifier, but a log line does not need all of it. */
export function maskKey(key: string): string {
  return key.length <= 8 ? '****' : `${key.slice(0, 4)}…${key.slice(-4)}`;
}
