/**
 * `ratchet tenants discover` for Microsoft 365 (DESIGN §12): the MSP's customers seen from its partner tenant, each
 * with whether the MSP's multi-tenant app can read it yet.
 *
 *   1. A token in the partner tenant (defaults.m365 with partnerTenantId as its tenant) and
 *      GET /tenantRelationships/delegatedAdminCustomers, paged by @odata.nextLink (application permission
 *      DelegatedAdminRelationship.Read.All, admin-consented in the partner tenant).
 *   2. For each customer, a client-credentials token request for that customer's directory with the same app and
 *      credential (bounded concurrency): issued = consented; refused with AADSTS700016 / 65001 / 7000229 = not
 *      consented, with the customer's admin-consent URL (consent.ts); anything else = unknown, with the reason.
 *
 * GDAP alone grants no app-only access (msp-apis.md), so the second step is the only honest test of consent.
 */
import pLimit from 'p-limit';
import type { CollectorContext, ConsentState, DiscoveredCustomer } from '../../src/collector-kit/plugin.js';
import { resolveCloud, type ResolvedCloud } from './clouds.js';
import type { M365Config } from './config.js';
import { adminConsentUrl, classifyTokenFailure, consentedState, type ConsentTarget } from './consent.js';
import { delegatedAdminCustomer, type DelegatedAdminCustomer } from './discover-schema.js';
import type { EndpointSpec } from './endpoints.js';
import { classify, GraphFailure, toGraphFailure } from './errors.js';
import { acquireToken, createCredential, createGraphClient, describeTokenError, graphPace, RequestCounter, RequestTag } from './graph.js';
import { iteratePages, type GraphContext } from './requests.js';

/** The partner tenant's GDAP customers (Graph reference, "List delegatedAdminCustomers"). */
export const GDAP_CUSTOMERS: EndpointSpec = {
  path: '/tenantRelationships/delegatedAdminCustomers',
  permission: 'DelegatedAdminRelationship.Read.All',
  licence: null,
};

/** Graph's documented maximum page size for this collection: fewer round trips for a large portfolio. */
const PAGE_SIZE = 300;

/** Token requests in flight at once: a 300-customer portfolio is checked in seconds without hammering the authority. */
export const CONSENT_CHECK_CONCURRENCY = 8;

/** Test seams; everything else comes from the partner's section. */
export interface DiscoverOptions {
  concurrency?: number;
  retryDelaySeconds?: number;
  /** `$top` of the customer listing (default 300, Graph's maximum). */
  pageSize?: number;
}

/** Discovery could not list the customers at all (no token in the partner tenant, permission missing, Graph down). */
export class DiscoveryError extends Error {
  override readonly name = 'DiscoveryError';
}

export async function discoverM365(partner: M365Config, ctx: CollectorContext, opts: DiscoverOptions = {}): Promise<DiscoveredCustomer[]> {
  const cloud = resolveCloud(partner.cloud);
  const customers = await listCustomers(partner, cloud, ctx, opts);
  const limit = pLimit(Math.max(1, opts.concurrency ?? CONSENT_CHECK_CONCURRENCY));
  return Promise.all(
    customers.map((c) =>
      limit(async (): Promise<DiscoveredCustomer> => ({
        tenantId: c.tenantId,
        name: c.displayName?.trim() || c.tenantId,
        // The GDAP customer resource carries no domains; `tenants map` reads verified domains once consented.
        domains: [],
        consent: await consentIn(c.tenantId, partner, cloud, ctx),
      })),
    ),
  );
}

async function listCustomers(partner: M365Config, cloud: ResolvedCloud, ctx: CollectorContext, opts: DiscoverOptions): Promise<DelegatedAdminCustomer[]> {
  let credential;
  try {
    credential = createCredential(partner, cloud);
    await acquireToken(credential, cloud, partner.timeoutMs, ctx.signal);
  } catch (err) {
    throw new DiscoveryError(`cannot sign in to the partner tenant: ${describeTokenError(err, partner, cloud)}`, { cause: err });
  }
  const g: GraphContext = {
    client: createGraphClient(credential, cloud, {
      timeoutMs: partner.timeoutMs,
      maxRetries: partner.maxRetries,
      signal: ctx.signal,
      total: new RequestCounter(),
      retryDelaySeconds: opts.retryDelaySeconds,
      pace: graphPace(partner, ctx),
    }),
    graphOrigin: cloud.graphOrigin,
    maxRetries: partner.maxRetries,
    signal: ctx.signal,
  };
  const found = new Map<string, DelegatedAdminCustomer>();
  try {
    await iteratePages(g, {
      url: `${GDAP_CUSTOMERS.path}?$select=id,tenantId,displayName&$top=${opts.pageSize ?? PAGE_SIZE}`,
      itemSchema: delegatedAdminCustomer,
      tag: new RequestTag(),
      onItem: (c) => {
        // One customer per directory, however the pages overlap.
        const key = c.tenantId.toLowerCase();
        if (!found.has(key)) found.set(key, { ...c, tenantId: key });
      },
    });
  } catch (err) {
    throw new DiscoveryError(refusedMessage(err, partner, cloud), { cause: err });
  }
  return [...found.values()];
}

/** One line for a failed listing; a refusal names the permission and where to consent it. */
function refusedMessage(err: unknown, partner: M365Config, cloud: ResolvedCloud): string {
  const failure = toGraphFailure(err, GDAP_CUSTOMERS.path);
  if (failure instanceof GraphFailure && (failure.status === 403 || (failure.status === 401 && failure.code === 'Authorization_RequestDenied'))) {
    const url = adminConsentUrl({ tenantId: partner.tenantId, clientId: partner.clientId, authorityHost: cloud.authorityHost });
    const ref = [`HTTP ${failure.status}`, failure.code, failure.requestId && `request-id ${failure.requestId}`].filter(Boolean).join(', ');
    return (
      `GET ${GDAP_CUSTOMERS.path} was refused in the partner tenant ${partner.tenantId} (${ref}): add the Microsoft Graph ` +
      `application permission ${GDAP_CUSTOMERS.permission} to app ${partner.clientId} and grant admin consent in the partner tenant (${url})`
    );
  }
  return `cannot list the partner's customers: ${classify(err, GDAP_CUSTOMERS, { timeoutMs: partner.timeoutMs, maxRetries: partner.maxRetries }).reason}`;
}

/** A token request for the customer's directory with the partner's app and credential, classified. */
async function consentIn(tenantId: string, partner: M365Config, cloud: ResolvedCloud, ctx: CollectorContext): Promise<ConsentState> {
  const target: ConsentTarget = { tenantId, clientId: partner.clientId, authorityHost: cloud.authorityHost };
  const config = { ...partner, tenantId };
  try {
    await acquireToken(createCredential(config, cloud), cloud, partner.timeoutMs, ctx.signal);
    return consentedState(target);
  } catch (err) {
    // A cancelled run is no verdict on any customer.
    if (ctx.signal.aborted) throw err;
    const state = classifyTokenFailure(err, target);
    if (state.state !== 'unknown') return state;
    // Say what did fail (a wrong secret, an unknown tenant), not only that consent could not be judged.
    return { ...state, detail: `${describeTokenError(err, config, cloud)}; ${state.detail}` };
  }
}
