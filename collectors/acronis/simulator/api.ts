/**
 * Acronis Cyber Protect Cloud, as the `acronis` collector reads it: one MSP partner account (one data centre at
 * `https://127.0.0.1:PORT/acronis`) whose API client sees every simulated customer tenant that uses Acronis. Each
 * tenant is a customer tenant with its own UUID (`customerTenantId` in its config); all share the partner's client
 * id and secret. Without the `tenant_id` filter the client sees every customer's machines.
 *
 * Served:
 *   POST /api/2/idp/token   HTTP Basic client_id:client_secret (or both in the form), grant_type=client_credentials →
 *                           {access_token, expires_on (epoch s), id_token, token_type: "bearer"}; tokens live 2 h.
 *                           Wrong credentials 401 {error: "invalid_client", error_description}; other grants 400
 *                           {error: "unsupported_grant_type"}.
 *   GET  /api/resource_management/v4/resource_statuses
 *                           first page: type (resource.machine; other types are empty), tenant_id (customer or
 *                           partner UUIDs, comma-separated; a UUID outside the partner's subtree → 403), limit
 *                           (default 100); next pages: limit + after (or before) only — the cursor encodes the query.
 *                           → {items: [{aggregate{status,names,running}, context{id,name,tenant_id,…}, policies[]}],
 *                              paging: {cursors: {after?, before?, total}}, timestamp}
 *   GET  /api/2/clients/{id}, /api/2/tenants?parent_id=   the partner's API client and its customer tenants
 *                           (Account Management API v2, for `ratchet tenants map`): accounts.ts.
 *   GET  /api/2/tenants/{id}    one tenant (404 once deleted): tenant-lookup.ts.
 * Portfolio changes (Simulator.portfolio): a deleted customer tenant is outside the subtree (403 by `tenant_id`,
 * gone from the partner-wide listing, 404 by id); a moved machine keeps its resource id and is listed under the
 * customer tenant holding it now (`context.tenant_id`).
 * Errors are v4 bodies {domain, code, message, context?}: 401 UnauthorizedRequest, 403 AccessDeniedError with the
 * required scope, 429 TooManyRequests with `Retry-After` (seconds), 500 InternalServerError, 503 ServiceUnavailable.
 *
 * Faults: a request is charged to the customer tenant its query (or cursor) names; a partner-wide request (no
 * filter, or several tenants) to the first tenant in scope. Paths with the prefix:
 * `/acronis/api/resource_management/v4/resource_statuses`. `tokenRefuse` of any tenant refuses the shared token
 * (400 → 401 invalid_client, 500 → 500): the account is shared. Stats routes `METHOD /acronis/api/…`.
 */
import { randomBytes } from 'node:crypto';
import type { FaultConfig } from '../../../src/simulator/faults.js';
import { guid, opaque } from '../../../src/simulator/ids.js';
import { hash32 } from '../../../src/simulator/prng.js';
import type { VendorContext, VendorRequest, VendorResponse, VendorSimulator, VendorTenantView } from '../../../src/simulator/vendor.js';
import { handleAccountManagement, isAccountManagementRoute } from './accounts.js';
import { acronisModel, renderItem, type AcronisTenantModel } from './model.js';
import { handleTenantLookup, isTenantLookupRoute } from './tenant-lookup.js';

const ID = 'acronis';
const TOKEN_PATH = '/api/2/idp/token';
const STATUSES_PATH = '/api/resource_management/v4/resource_statuses';
const REQUIRED_SCOPE = 'urn:acronis.com::resource_management::read';
const TOKEN_LIFETIME_S = 7200;
const DEFAULT_LIMIT = 100;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;


function accountSeed(all: readonly VendorTenantView[]): number {
  return hash32('acronis-partner', ...[...all].map((t) => t.seed).sort((a, b) => a - b));
}

/** The MSP's API client (created at partner level) and the partner tenant. */
export function acronisAccount(all: readonly VendorTenantView[]): { clientId: string; clientSecret: string; partnerTenantId: string } {
  const seed = accountSeed(all);
  return { clientId: guid(seed, 'api-client'), clientSecret: opaque(32, seed, 'api-client-secret'), partnerTenantId: guid(seed, 'partner-tenant') };
}

const json = (status: number, body: unknown, headers?: Record<string, string>): VendorResponse => ({ status, body, ...(headers ? { headers } : {}) });
const apiError = (status: number, domain: string, code: string, message: string, extra: Record<string, unknown> = {}, headers?: Record<string, string>) =>
  json(status, { domain, code, message, ...extra }, headers);

interface Scope {
  type: string | null;
  /** Tenants in scope, in listing order. */
  tenants: VendorTenantView[];
  /** The tenant_id value as given (kept in the cursor). */
  tenantFilter: string | null;
}

/** Cursors are opaque base64 of the original query and the offset, like Acronis' (`b2Zmc2V0PTM=` = "offset=3"). */
function encodeCursor(offset: number, scope: Scope): string {
  const q = new URLSearchParams({ offset: String(offset) });
  if (scope.type !== null) q.set('type', scope.type);
  if (scope.tenantFilter !== null) q.set('tenant_id', scope.tenantFilter);
  return Buffer.from(q.toString(), 'utf8').toString('base64');
}

function decodeCursor(text: string): { offset: number; type: string | null; tenantFilter: string | null } | null {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return null;
  const q = new URLSearchParams(Buffer.from(text, 'base64').toString('utf8'));
  const offset = q.get('offset');
  if (offset === null || !/^\d+$/.test(offset)) return null;
  return { offset: Number(offset), type: q.get('type'), tenantFilter: q.get('tenant_id') };
}

function resolveScope(type: string | null, tenantFilter: string | null, all: readonly VendorTenantView[]): Scope | VendorResponse {
  // A customer tenant deleted at the vendor (portfolio change) is outside the subtree like any unknown one.
  const ordered = all.filter((v) => !v.portfolio?.removed).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  if (tenantFilter === null) return { type, tenants: ordered, tenantFilter };
  const { partnerTenantId } = acronisAccount(all);
  const chosen = new Set<VendorTenantView>();
  for (const raw of tenantFilter.split(',').map((s) => s.trim()).filter(Boolean)) {
    if (!UUID.test(raw)) return apiError(400, 'General', 'BadRequest', `Invalid tenant_id ${JSON.stringify(raw)}: expected tenant UUIDs.`);
    const id = raw.toLowerCase();
    if (id === partnerTenantId) {
      ordered.forEach((t) => chosen.add(t));
      continue;
    }
    const t = ordered.find((v) => acronisModel(v.estate, v.seed).tenantUuid === id);
    if (!t) return apiError(403, 'Access', 'AccessDeniedError', 'Access denied', { context: { tenant_id: id, reason: 'The tenant is not in the subtree of the API client.' } });
    chosen.add(t);
  }
  return { type, tenants: ordered.filter((t) => chosen.has(t)), tenantFilter };
}

/** The resources one customer tenant lists: how many, and the i-th rendered. */
interface ItemGroup {
  count: number;
  render(i: number): Record<string, unknown>;
}

function itemsOf(scope: Scope): ItemGroup[] {
  if (scope.type !== null && scope.type !== 'resource.machine') return [];
  return scope.tenants.map((view) => {
    const model = acronisModel(view.estate, view.seed);
    const moves = view.portfolio;
    if (!moves || (moves.movedOut.size === 0 && moves.movedIn.length === 0)) {
      return { count: model.items.length, render: (i) => renderItem(model, view.estate, model.items[i]!) };
    }
    // Portfolio change: a machine moved to another customer tenant is listed there, under that tenant's UUID.
    const entries: Array<{ model: AcronisTenantModel; estate: VendorTenantView['estate']; item: AcronisTenantModel['items'][number] }> = [
      ...model.items.filter((item) => !moves.movedOut.has(item.deviceIndex)).map((item) => ({ model, estate: view.estate, item })),
      ...moves.movedIn.flatMap((m) => {
        const from = acronisModel(m.from.estate, m.from.seed);
        return from.items.filter((item) => item.deviceIndex === m.device).map((item) => ({ model: from, estate: m.from.estate, item }));
      }),
    ];
    return {
      count: entries.length,
      render: (i) => {
        const e = entries[i]!;
        const row = renderItem(e.model, e.estate, e.item);
        if (e.model === model) return row;
        const context = row.context as Record<string, unknown>;
        return { ...row, context: { ...context, tenant_id: model.tenantUuid, external_id: `${e.item.id}@${model.tenantUuid}` } };
      },
    };
  });
}

function breakSchema(body: { items: Record<string, unknown>[] }): unknown {
  const withPolicy = body.items.find((i) => Array.isArray(i.policies) && (i.policies as unknown[]).length > 0);
  if (withPolicy) {
    const p = (withPolicy.policies as Record<string, unknown>[]).find((x) => x.type === 'policy.backup.machine') ?? (withPolicy.policies as Record<string, unknown>[])[0]!;
    p.last_success_run = Math.floor(Date.parse(String(p.last_success_run ?? p.last_run)) / 1000);
    return body;
  }
  return { ...body, items: { count: body.items.length } };
}

export const acronisSimulator: VendorSimulator = {
  id: ID,
  kind: 'backup',

  configSection(tenant, baseUrl, all) {
    const { clientId, clientSecret } = acronisAccount(all);
    return {
      section: { provider: ID, baseUrl, clientId, customerTenantId: acronisModel(tenant.estate, tenant.seed).tenantUuid },
      secrets: { clientSecret },
    };
  },

  async handle(req: VendorRequest, ctx: VendorContext): Promise<VendorResponse> {
    const route = req.path.replace(/\/+$/, '') || '/';
    if (route.toLowerCase() === TOKEN_PATH) {
      const r = token(req, ctx);
      ctx.record(`${req.method} /${ID}${TOKEN_PATH}`, r.status);
      return r;
    }
    if (isTenantLookupRoute(route)) return handleTenantLookup(route, req, ctx, acronisAccount(ctx.tenants).partnerTenantId);
    if (isAccountManagementRoute(route)) return handleAccountManagement(route, req, ctx, acronisAccount(ctx.tenants));
    if (route.toLowerCase() !== STATUSES_PATH.toLowerCase()) {
      const r = apiError(404, 'General', 'NotFound', `No route for ${req.method} ${route}`);
      ctx.record(`${req.method} /${ID}/{unknown}`, 404);
      return r;
    }
    const label = `${req.method} /${ID}${STATUSES_PATH}`;
    const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    // Tokens live in the host's store for this simulator (VendorContext.tokens): one from another data centre is unknown here.
    const rec = bearer ? ctx.tokens().get(bearer[1]!) : undefined;
    if (!rec || rec.expiresAt <= Date.now()) {
      ctx.record(label, 401);
      return apiError(401, 'Access', rec && rec.expiresAt <= Date.now() ? 'AuthenticationTimeout' : 'UnauthorizedRequest', rec ? 'Authentication timeout' : 'Unauthorized request');
    }
    if (req.method !== 'GET') {
      ctx.record(label, 405);
      return apiError(405, 'General', 'MethodNotAllowed', 'Method not allowed');
    }

    // Scope: from the cursor when paging on (the cursor encodes the original query), else from the query.
    const after = req.query.get('after');
    const before = req.query.get('before');
    let scope: Scope | VendorResponse;
    let cursorOffset: number | null = null;
    let backwards = false;
    if (after !== null || before !== null) {
      const c = decodeCursor((after ?? before)!);
      if (!c) {
        ctx.record(label, 400);
        return apiError(400, 'General', 'BadRequest', 'Invalid cursor');
      }
      scope = resolveScope(c.type, c.tenantFilter, ctx.tenants);
      cursorOffset = c.offset;
      backwards = after === null;
    } else {
      scope = resolveScope(req.query.get('type'), req.query.get('tenant_id'), ctx.tenants);
    }
    const limitText = req.query.get('limit');
    if (limitText !== null && !/^\d+$/.test(limitText)) {
      ctx.record(label, 400);
      return apiError(400, 'General', 'BadRequest', 'Invalid limit');
    }
    if ('status' in scope) {
      ctx.record(label, scope.status);
      return scope;
    }
    const charged = scope.tenants[0];
    const faults: FaultConfig = charged?.faults ?? ctx.tenants[0]?.faults ?? {};
    const tenantId = scope.tenants.length === 1 ? charged!.id : undefined;
    const done = (r: VendorResponse): VendorResponse => {
      ctx.record(label, r.status, tenantId);
      return r;
    };

    const faultPath = `/${ID}${STATUSES_PATH}`;
    const decision = ctx.decide(faults, `${charged?.id ?? '-'} GET ${faultPath}?${req.query.toString()}`, faultPath);
    if (decision.kind === 'stall') {
      if (!(await ctx.sleep(decision.ms))) {
        ctx.record(label, 499, tenantId);
        return { status: 0 };
      }
    } else if (decision.kind === '429') {
      return done(apiError(429, 'General', 'TooManyRequests', 'Too many requests', {}, { 'Retry-After': String(decision.retryAfterSeconds) }));
    } else if (decision.kind === '5xx') {
      return done(decision.status === 500 ? apiError(500, 'General', 'InternalServerError', 'Internal server error') : apiError(decision.status, 'General', 'ServiceUnavailable', 'Service unavailable'));
    } else if (decision.kind === '403') {
      return done(apiError(403, 'Access', 'AccessDeniedError', 'Access denied', { context: { scope: 'urn:acronis.com::account_management::read', required_scope: REQUIRED_SCOPE } }));
    }

    const limit = limitText === null ? DEFAULT_LIMIT : Math.max(1, Number(limitText));
    const groups = itemsOf(scope);
    const total = groups.reduce((n, g) => n + g.count, 0);
    let start = cursorOffset ?? 0;
    if (backwards) start = Math.max(0, start - limit);
    start = Math.min(start, total);
    const end = Math.min(total, start + limit);
    const items: Record<string, unknown>[] = [];
    let base = 0;
    for (const g of groups) {
      const n = g.count;
      for (let i = Math.max(start, base); i < Math.min(end, base + n); i++) items.push(g.render(i - base));
      base += n;
    }
    const cursors: Record<string, unknown> = { total };
    if (end < total) cursors.after = encodeCursor(end, scope);
    if (start > 0) cursors.before = encodeCursor(start, scope);
    const now = ctx.now.toISOString();
    const body = { items, paging: { cursors }, timestamp: `${now.slice(0, 23)}${String(hash32(now, 'ns') % 1_000_000).padStart(6, '0')}Z` };

    if (ctx.listed(faults.malformed, faultPath)) {
      const text = JSON.stringify(body);
      return done({ status: 200, rawBody: text.slice(0, Math.max(1, Math.floor(text.length / 2))) });
    }
    if (ctx.listed(faults.schemaViolation, faultPath)) return done(json(200, breakSchema(body)));
    return done(json(200, body));
  },
};

function token(req: VendorRequest, ctx: VendorContext): VendorResponse {
  if (req.method !== 'POST') return json(405, { error: 'invalid_request', error_description: 'Method not allowed' });
  const refuse = ctx.tenants.map((t) => t.faults.tokenRefuse).find((r) => r === 400 || r === 500);
  if (refuse === 500) return apiError(500, 'General', 'InternalServerError', 'Internal server error');
  const account = acronisAccount(ctx.tenants);
  const form = new URLSearchParams(req.rawBody);
  let clientId = form.get('client_id');
  let clientSecret = form.get('client_secret');
  const basic = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  if (basic) {
    const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    // RFC 6749 §2.3.1 form-encodes both before Basic; most clients (axios included) do not. Accept either.
    const unescape = (v: string) => {
      try {
        return decodeURIComponent(v);
      } catch {
        return v;
      }
    };
    if (colon > 0) {
      clientId = unescape(decoded.slice(0, colon));
      clientSecret = unescape(decoded.slice(colon + 1));
    }
  }
  const grant = form.get('grant_type');
  if (grant !== 'client_credentials') {
    return json(400, { error: 'unsupported_grant_type', error_description: `Grant type ${JSON.stringify(grant ?? '')} is not supported for API clients` });
  }
  if (refuse === 400 || clientId !== account.clientId || clientSecret !== account.clientSecret) {
    return json(401, { error: 'invalid_client', error_description: 'Client authentication failed' });
  }
  const access = `eyJhbGciOiJSUzI1NiIsImtpZCI6ImFjcm9uaXMtc2ltIiwidHlwIjoiSldUIn0.${randomBytes(48).toString('base64url')}.${randomBytes(32).toString('base64url')}`;
  const { expiresAt } = ctx.tokens().issue(access, {}, TOKEN_LIFETIME_S);
  return json(200, {
    access_token: access,
    expires_on: Math.floor(expiresAt / 1000),
    id_token: `eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.${randomBytes(32).toString('base64url')}.${randomBytes(32).toString('base64url')}`,
    token_type: 'bearer',
  });
}
