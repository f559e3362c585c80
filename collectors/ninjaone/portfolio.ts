/**
 * NinjaOne in a portfolio (DESIGN §12): one instance, one organisation per client. A tenant's `rmm` section names
 * the shared account and its `organizationId`; `ratchet tenants map` lists the organisations to fill it in.
 *
 * GET /v2/organizations, keyset-paged like the device listing: `pageSize` + `after` = the largest id seen; a short
 * page is the last. Same client app, token and account budget as a scan (`monitoring` scope).
 */
import { clientListingError } from '../../src/collector-kit/client-listing.js';
import type { CollectorContext, PortfolioClient } from '../../src/collector-kit/plugin.js';
import { VendorHttpError } from '../../src/http/errors.js';
import { registerSecret } from '../../src/log/secrets.js';
import type { NinjaOneConfig } from './config.js';
import { ENDPOINTS, MAX_PAGES, PAGE_SIZE, SCOPE_HINT } from './endpoints.js';
import { createNinjaHttp, VENDOR, type TransportOptions } from './http.js';
import { organizationsPage } from './schema.js';

const CREDENTIALS_HINT =
  'check clientId/clientSecret of the "API Services (machine-to-machine)" client app, that it allows the Client Credentials grant and the Monitoring scope, and that baseUrl is its instance';

/** Every organisation of the instance the account's client app can see. */
export async function listNinjaOrganizations(config: NinjaOneConfig, ctx: CollectorContext, opts: TransportOptions = {}): Promise<PortfolioClient[]> {
  const path = ENDPOINTS.organizations;
  const pageSize = opts.pageSize ?? PAGE_SIZE;
  // A literal secret in the config file is not registered by the resolver; no message may echo it.
  registerSecret(config.clientSecret);
  try {
    const http = createNinjaHttp(config, ctx, opts);
    const out: PortfolioClient[] = [];
    let after: number | undefined;
    for (let page = 0; page < MAX_PAGES; page += 1) {
      const rows = await http.get(path, organizationsPage, { params: { pageSize, after } });
      let last = after ?? Number.NEGATIVE_INFINITY;
      for (const o of rows) {
        out.push({ scope: o.id, name: o.name?.trim() || `Organization ${o.id}`, domains: [] });
        if (o.id > last) last = o.id;
      }
      if (rows.length < pageSize) return out;
      if (after !== undefined && last <= after) {
        throw new VendorHttpError(VENDOR, 'schema', `${VENDOR} GET ${path}: keyset paging did not advance past organization id ${after}`, 200, path);
      }
      after = last;
    }
    throw new VendorHttpError(VENDOR, 'schema', `${VENDOR} GET ${path}: paging did not end after ${MAX_PAGES} pages`, 200, path);
  } catch (err) {
    throw clientListingError(VENDOR, `organizations (GET ${path})`, err, { access: SCOPE_HINT, credentials: CREDENTIALS_HINT });
  }
}
