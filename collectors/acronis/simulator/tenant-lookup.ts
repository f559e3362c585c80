/**
 * `GET /api/2/tenants/{tenant_id}` (Account Management API v2) on the simulated data centre: the one look-up the
 * collector makes when a customer tenant's resource statuses are refused, to tell a tenant that no longer exists
 * (deleted at the vendor: 404, as Acronis answers for a deleted tenant without `allow_deleted`) from a permission
 * the API client lacks (the tenant is there: 200).
 *
 *   partner tenant UUID           → 200 {id, name, kind: "partner", parent_id: null, enabled: true, version}
 *   a customer tenant UUID        → 200 {id, name (the client's name at the vendor), kind: "customer", parent_id, …}
 *   deleted, or any other UUID    → 404 {error: {domain: "AccountServer", code: "NotFound", message}}
 * A missing or unknown bearer token → 401, like every other route.
 */
import type { VendorContext, VendorRequest, VendorResponse } from '../../../src/simulator/vendor.js';
import { acronisCustomerTenantId } from './model.js';

const TENANT = /^\/api\/2\/tenants\/([^/]+)$/i;
const LABEL = 'GET /acronis/api/2/tenants/{id}';

export function isTenantLookupRoute(route: string): boolean {
  return TENANT.test(route);
}

const v2Error = (status: number, code: string, message: string): VendorResponse => ({ status, body: { error: { domain: 'AccountServer', code, message } } });

export function handleTenantLookup(route: string, req: VendorRequest, ctx: VendorContext, partnerTenantId: string): VendorResponse {
  const done = (r: VendorResponse) => {
    ctx.record(LABEL, r.status);
    return r;
  };
  const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  const rec = bearer ? ctx.tokens().get(bearer[1]!) : undefined;
  if (!rec || rec.expiresAt <= Date.now()) return done(v2Error(401, 'Unauthorized', 'Unauthorized request'));
  if (req.method !== 'GET') return done(v2Error(405, 'MethodNotAllowed', 'Method not allowed'));
  const id = decodeURIComponent(TENANT.exec(route)![1]!).toLowerCase();
  if (id === partnerTenantId) return done({ status: 200, body: { id, name: 'Simulated MSP', kind: 'partner', parent_id: null, enabled: true, version: 1 } });
  const view = ctx.tenants.find((t) => !t.portfolio?.removed && acronisCustomerTenantId(t.seed) === id);
  if (!view) return done(v2Error(404, 'NotFound', `Tenant ${id} not found`));
  return done({ status: 200, body: { id, name: view.name, kind: 'customer', parent_id: partnerTenantId, enabled: true, version: 1 } });
}
