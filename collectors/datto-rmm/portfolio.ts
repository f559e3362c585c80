/**
 * Datto RMM in a portfolio (DESIGN §12): one account, one site per client. A tenant's `rmm` section names the
 * shared account and its `siteUid`; `ratchet tenants map` lists the sites to fill it in.
 *
 * GET /api/v2/account/sites, paged like every Datto listing (`max`, then `pageDetails.nextPageUrl` until null:
 * paging.ts). Same API user, token and account read budget as a scan.
 */
import { clientListingError } from '../../src/collector-kit/client-listing.js';
import type { CollectorContext, PortfolioClient } from '../../src/collector-kit/plugin.js';
import { registerSecret } from '../../src/log/secrets.js';
import type { DattoRmmConfig } from './config.js';
import { ACCESS, PATHS } from './endpoints.js';
import { createDattoClient, VENDOR, type ClientOptions } from './http.js';
import { newWalkState, walkPages } from './paging.js';
import { sitesPage } from './schema.js';

const SITES_ACCESS =
  'the API user needs a security level whose Permissions allow viewing sites and whose Device Visibility includes every client site (the built-in Administrator level has both)';

/** Every site of the account the API user can see. */
export async function listDattoSites(config: DattoRmmConfig, ctx: CollectorContext, opts: ClientOptions = {}): Promise<PortfolioClient[]> {
  const path = PATHS.accountSites;
  const out: PortfolioClient[] = [];
  // A literal secret in the config file is not registered by the resolver; no message may echo it.
  registerSecret(config.apiSecret);
  try {
    const client = createDattoClient(config, ctx, opts);
    await walkPages({
      client,
      path,
      pageSchema: sitesPage,
      state: newWalkState(),
      signal: ctx.signal,
      onPage: (page) => {
        for (const s of page.sites) {
          const devices = s.devicesStatus?.numberOfDevices;
          out.push({
            scope: s.uid,
            name: s.name?.trim() || s.uid,
            domains: [],
            ...(typeof devices === 'number' ? { note: `${devices} device${devices === 1 ? '' : 's'}` } : {}),
          });
        }
      },
    });
    return out;
  } catch (err) {
    throw clientListingError(VENDOR, `sites (GET ${path})`, err, { access: SITES_ACCESS, credentials: `check apiKey/apiSecret and ${ACCESS.api}` });
  }
}
