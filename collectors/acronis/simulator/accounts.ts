/**
 * The Account Management API v2 routes `ratchet tenants map` reads on the simulated Acronis data centre: the partner
 * API client itself and the customer tenants below its partner tenant.
 *
 *   GET /api/2/clients/{client_id}   → {client_id, tenant_id (the partner tenant), type: "api_client", status, data}
 *                                      for the partner's own API client; another id → 404.
 *   GET /api/2/tenants?parent_id=X   → {items: [Tenant], paging: {cursors: {after?}}, timestamp}. X = the partner
 *                                      tenant: one `customer` per simulated tenant using Acronis (name = the client's
 *                                      name at the vendor, contact e-mail at the tenant's initial M365 domain), in
 *                                      customer-UUID order; a customer deleted at the vendor (portfolio change) is
 *                                      gone. X = a customer: no children. Other UUIDs → 403 (outside the subtree).
 *                                      `limit` (default 100) pages by an opaque `after` cursor, like the v4 APIs.
 * Errors use the v2 shape `{error: {domain, code, message}}`; a missing or unknown bearer token → 401.
 */
import { domainLabel } from '../../../src/simulator/tenant-spec.js';
import type { VendorContext, VendorRequest, VendorResponse, VendorTenantView } from '../../../src/simulator/vendor.js';
import { acronisCustomerTenantId } from './model.js';

const PREFIX = '/acronis';
const CLIENTS = /^\/api\/2\/clients\/([^/]+)$/i;
const TENANTS = '/api/2/tenants';
const DEFAULT_LIMIT = 100;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface PartnerAccount {
  clientId: string;
  partnerTenantId: string;
}

const v2Error = (status: number, code: string, message: string): VendorResponse => ({ status, body: { error: { domain: 'AccountServer', code, message } } });

/** Whether the route belongs to the Account Management API (so the caller hands the request here). */
export function isAccountManagementRoute(route: string): boolean {
  return CLIENTS.test(route) || route.toLowerCase() === TENANTS;
}

function customerRow(view: VendorTenantView, partnerTenantId: string): Record<string, unknown> {
  const id = acronisCustomerTenantId(view.seed);
  return {
    id,
    name: view.name,
    kind: 'customer',
    parent_id: partnerTenantId,
    enabled: true,
    customer_type: 'default',
    customer_id: null,
    brand_id: 1,
    language: 'en',
    version: 1,
    has_children: false,
    owner_id: null,
    contact: { email: `it@${domainLabel({ name: view.name })}.onmicrosoft.com`, firstname: 'IT', lastname: 'Admin', phone: null },
    ancestral_access: true,
    update_lock: { enabled: false, owner_id: null },
  };
}

export function handleAccountManagement(route: string, req: VendorRequest, ctx: VendorContext, account: PartnerAccount): VendorResponse {
  const client = CLIENTS.exec(route);
  const label = `${req.method} ${PREFIX}${client ? '/api/2/clients/{id}' : TENANTS}`;
  const done = (r: VendorResponse) => {
    ctx.record(label, r.status);
    return r;
  };
  const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  const rec = bearer ? ctx.tokens().get(bearer[1]!) : undefined;
  if (!rec || rec.expiresAt <= Date.now()) return done(v2Error(401, 'Unauthorized', 'Unauthorized request'));
  if (req.method !== 'GET') return done(v2Error(405, 'MethodNotAllowed', 'Method not allowed'));

  if (client) {
    if (decodeURIComponent(client[1]!) !== account.clientId) return done(v2Error(404, 'NotFound', 'Client not found'));
    return done({
      status: 200,
      body: { client_id: account.clientId, tenant_id: account.partnerTenantId, type: 'api_client', status: 'enabled', data: { client_name: 'Ratchet' }, token_endpoint_auth_method: 'client_secret_basic' },
    });
  }

  const parent = req.query.get('parent_id');
  if (parent === null) return done(v2Error(400, 'BadRequest', 'One of parent_id, uuids or subtree_root_id is required'));
  if (!UUID.test(parent)) return done(v2Error(400, 'BadRequest', `Invalid parent_id ${JSON.stringify(parent)}`));
  const customers = [...ctx.tenants]
    .filter((v) => !v.portfolio?.removed)
    .map((v) => customerRow(v, account.partnerTenantId))
    .sort((a, b) => String(a.id).localeCompare(String(b.id)));
  let rows: Record<string, unknown>[];
  if (parent.toLowerCase() === account.partnerTenantId) rows = customers;
  else if (customers.some((c) => c.id === parent.toLowerCase())) rows = [];
  else return done(v2Error(403, 'AccessDenied', 'The tenant is not in the subtree of the API client'));

  const limitText = req.query.get('limit');
  if (limitText !== null && !/^[1-9]\d*$/.test(limitText)) return done(v2Error(400, 'BadRequest', 'Invalid limit'));
  const limit = limitText === null ? DEFAULT_LIMIT : Number(limitText);
  const after = req.query.get('after');
  let offset = 0;
  if (after !== null) {
    const decoded = /^offset=(\d+)$/.exec(Buffer.from(after, 'base64').toString('utf8'));
    if (!decoded) return done(v2Error(400, 'BadRequest', 'Invalid cursor'));
    offset = Number(decoded[1]);
  }
  const items = rows.slice(offset, offset + limit);
  const cursors: Record<string, unknown> = {};
  if (offset + items.length < rows.length) cursors.after = Buffer.from(`offset=${offset + items.length}`).toString('base64');
  return done({ status: 200, body: { items, paging: { cursors }, timestamp: ctx.now.toISOString() } });
}
