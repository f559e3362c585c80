/**
 * Acronis in a portfolio (DESIGN §12): one partner API client, one customer tenant per client. A tenant's `backup`
 * section names the shared account and its `customerTenantId`; `ratchet tenants map` lists the customers to fill it
 * in.
 *
 * The API client learns its own tenant from `GET /api/2/clients/{client_id}` (`tenant_id`: where it was created),
 * then walks `GET /api/2/tenants?parent_id=…` down from there: customers are collected, partner and folder tenants
 * are descended into (an MSP may group customers in folders or resell through sub-partners), units are skipped
 * (they live inside a customer). Pages follow `paging.cursors.after` when the server returns one.
 */
import { clientListingError } from '../../src/collector-kit/client-listing.js';
import type { CollectorContext, PortfolioClient } from '../../src/collector-kit/plugin.js';
import { VendorHttpError } from '../../src/http/errors.js';
import type { AcronisConfig } from './config.js';
import { API_CLIENT_PATH, CONTAINER_KINDS, MAX_PAGES, TENANTS_PATH } from './endpoints.js';
import { createAcronisHttp, VENDOR, type HttpOptions } from './http.js';
import { apiClient, tenantsPage, type AccountTenant } from './schema.js';

const ACCESS_HINT =
  'the API client must be created in the partner tenant that holds the customers (Settings → API clients), by an administrator of that tenant; it sees only its own tenant and the tenants below it';
const CREDENTIALS_HINT = 'check clientId/clientSecret, that the API client is enabled, and that baseUrl is the data centre where it was created';

/** Loop guard on the tree walk: no partner has this many partner/folder tenants to descend into. */
const MAX_CONTAINERS = 10_000;

export interface ListOptions extends HttpOptions {
  /** Test seam: ask for pages of this many tenants (`limit`); production lets the server choose. */
  pageLimit?: number;
}

/** The e-mail domain of a tenant's contact, if it has a plausible one. */
function contactDomain(t: AccountTenant): string[] {
  const email = t.contact?.email?.trim().toLowerCase() ?? '';
  const m = /^[^@\s]+@([a-z0-9-]+(?:\.[a-z0-9-]+)+)$/.exec(email);
  return m ? [m[1]!] : [];
}

/** Every customer tenant in the API client's subtree. */
export async function listAcronisCustomers(config: AcronisConfig, ctx: CollectorContext, opts: ListOptions = {}): Promise<PortfolioClient[]> {
  try {
    const http = createAcronisHttp(config, ctx, opts);
    const self = await http.get(API_CLIENT_PATH(config.clientId), apiClient);
    const root = self.tenant_id.toLowerCase();
    const out: PortfolioClient[] = [];
    const seen = new Set([root]);
    const queue = [root];
    for (let walked = 0; queue.length > 0; walked += 1) {
      if (walked >= MAX_CONTAINERS) throw new VendorHttpError(VENDOR, 'schema', `${VENDOR} GET ${TENANTS_PATH}: more than ${MAX_CONTAINERS} partner/folder tenants; stopping`, 200, TENANTS_PATH);
      const parent = queue.shift()!;
      let after: string | undefined;
      for (let page = 0; ; page += 1) {
        if (page >= MAX_PAGES) throw new VendorHttpError(VENDOR, 'schema', `${VENDOR} GET ${TENANTS_PATH}: paging did not end after ${MAX_PAGES} pages`, 200, TENANTS_PATH);
        const body = await http.get(TENANTS_PATH, tenantsPage, { params: { parent_id: parent, limit: opts.pageLimit, after } });
        for (const t of body.items) {
          const id = t.id.toLowerCase();
          if (seen.has(id)) continue;
          seen.add(id);
          const kind = t.kind?.toLowerCase() ?? '';
          if (kind === 'customer') {
            out.push({ scope: id, name: t.name?.trim() || id, domains: contactDomain(t), ...(t.enabled === false ? { note: 'disabled' } : {}) });
          } else if (CONTAINER_KINDS.has(kind)) {
            queue.push(id);
          }
        }
        const next = body.paging?.cursors?.after ?? undefined;
        if (!next || body.items.length === 0) break;
        if (next === after) throw new VendorHttpError(VENDOR, 'schema', `${VENDOR} GET ${TENANTS_PATH}: the after cursor repeats; stopping (paging loop)`, 200, TENANTS_PATH);
        after = next;
      }
    }
    return out;
  } catch (err) {
    throw clientListingError(VENDOR, `customer tenants (GET ${TENANTS_PATH})`, err, { access: ACCESS_HINT, credentials: CREDENTIALS_HINT });
  }
}
