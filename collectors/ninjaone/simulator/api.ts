/**
 * NinjaOne Public API v2 on the simulator (`https://127.0.0.1:PORT/ninjaone/…`), rendering each tenant's Estate as
 * one organisation of ONE NinjaOne instance shared by every ninjaone tenant (an MSP has one instance for all its
 * clients): same client app credentials for all, a different `organizationId` per tenant. A collector that ignored
 * its organisation filter would see every tenant's devices.
 *
 * Auth: `POST /ws/oauth/token` (also `/oauth/token`), OAuth2 client credentials in the form (client_secret_post) or
 * HTTP Basic (client_secret_basic). The client app holds the `monitoring` scope only (read-only, as the collector's
 * README recommends): asking for `management`/`control` answers 400 invalid_scope. Wrong id/secret → 401
 * `{"error":"invalid_client","error_description":"Bad client credentials"}`. Tokens are opaque random strings valid
 * 3600 s on this simulator instance; a bad/expired token → 401 `{"resultCode":"UNAUTHORIZED",…}`.
 *
 * Routes (GET): `/v2/devices-detailed` and `/v2/devices` (keyset: `pageSize` + `after` = last node id; `df`),
 * `/v2/queries/os-patches` (`df`, `status`, `type`, `severity`) and `/v2/queries/antivirus-status` (`df`,
 * `productState`, `productName`) — cursor paging: the answer is `{cursor:{name,offset,count,expires}, results}`,
 * the next page is asked with `cursor=<name>` (an opaque, signed, 10-minute cursor that remembers the filters);
 * `/v2/alerts` (`df`, `sourceType`; not paged), `/v2/activities` (the activity log, newest first: `class`, `type`,
 * `status`, `seriesUid`, `after`/`before` in epoch seconds, `olderThan`/`newerThan` activity ids, `pageSize` 10–1000
 * default 200, `df`; answer `{lastActivityId, activities}`), `/v2/policies`, `/v2/organizations` (keyset) and
 * `/v2/organization/{id}`. Device filter `df`: `org = N`, `org=N`, `org eq N`, `org in (N, M)`; other filters → 400.
 *
 * Portfolio changes (Simulator.portfolio): a renamed organisation shows its new name; a deleted one answers
 * `/v2/organization/{id}` with 404 NOT_FOUND, leaves `/v2/organizations`, and a `df` naming it matches nothing (empty
 * listings, as for any unknown organisation id); a moved device keeps its id and is listed — with its patches,
 * antivirus rows, alerts and activities — under the organisation holding it now (render.ts).
 *
 * Faults (paths with the `/ninjaone` prefix): a request scoped to one organisation (by `df`, a cursor or the path)
 * uses that tenant's faults; an unscoped one (`/v2/policies`, no `df`) uses those of the tenant whose scoped request
 * the same token made first, else the union of all tenants' faults (the instance is shared). Throttle: 429 with
 * `Retry-After` (NinjaOne publishes no limit); errors `{"resultCode","errorMessage"}`. `tokenRefuse` on any tenant
 * refuses the shared app's token (400 → 401 invalid_client, 500 → 500 server_error).
 */
import { createHmac, randomBytes } from 'node:crypto';
import { unionFaults } from '../../../src/simulator/faults.js';
import { hash32 } from '../../../src/simulator/prng.js';
import type { VendorContext, VendorRequest, VendorResponse, VendorSimulator, VendorTenantView } from '../../../src/simulator/vendor.js';
import {
  AUTOMATED_PATCH_POLICIES,
  NinjaInstance,
  POLICIES,
  activityRows,
  alertRows,
  antivirusRows,
  patchRows,
  renderDevice,
  renderOrganization,
  renderPolicy,
  type Row,
} from './render.js';

const ID = 'ninjaone';
const PREFIX = `/${ID}`;
const TOKEN_TTL_S = 3600;
const CURSOR_TTL_S = 600;
const MAX_PAGE_SIZE = 10_000;
const DEFAULT_QUERY_PAGE = 1000;
const APP_SCOPES = new Set(['monitoring']);
const KNOWN_SCOPES = new Set(['monitoring', 'management', 'control', 'offline_access']);

// ------------------------------------------------------------------------------------------------ credentials

function b64(seed: number, salt: string, length: number): string {
  let out = '';
  for (let i = 0; out.length < length; i++) out += Buffer.from(hash32(seed, salt, i).toString(16).padStart(8, '0'), 'hex').toString('base64url');
  return out.slice(0, length);
}

/** The shared client app of the instance: derived from the seeds of every tenant it serves. */
export function ninjaCredentials(all: readonly Pick<VendorTenantView, 'seed'>[]): { clientId: string; clientSecret: string } {
  const seed = hash32('ninjaone-instance', ...all.map((t) => t.seed).sort((a, b) => a - b));
  return { clientId: b64(seed, 'client-id', 27), clientSecret: b64(seed, 'client-secret', 54) };
}

/** What a NinjaOne access token stands for (kept by the host, one store per simulator: VendorContext.tokens). */
interface TokenEntry {
  scopes: Set<string>;
  /** The tenant whose organisation this token first asked for (fault attribution of unscoped requests). */
  tenant?: string;
}

// ------------------------------------------------------------------------------------------------ cursors

const CURSOR_KEY = randomBytes(32);

interface CursorState {
  /** Report: p = os-patches, a = antivirus-status. */
  q: 'p' | 'a';
  /** Organisation positions in scope (null = whole instance). */
  s: number[] | null;
  /** Node id to resume at and row index within it. */
  id: number;
  r: number;
  /** Rows served before the next page. */
  o: number;
  /** Row filters of the first request. */
  f: Record<string, string>;
  /** Expiry, epoch seconds (wall clock). */
  e: number;
}

function encodeCursor(c: CursorState): string {
  const body = Buffer.from(JSON.stringify(c)).toString('base64url');
  return `${body}.${createHmac('sha256', CURSOR_KEY).update(body).digest('base64url').slice(0, 22)}`;
}

function decodeCursor(name: string): CursorState | null {
  const [body, sig] = name.split('.');
  if (!body || !sig || createHmac('sha256', CURSOR_KEY).update(body).digest('base64url').slice(0, 22) !== sig) return null;
  try {
    return JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as CursorState;
  } catch {
    return null;
  }
}

// ------------------------------------------------------------------------------------------------ helpers

const error = (status: number, resultCode: string, errorMessage: string, headers?: Record<string, string>): VendorResponse => ({
  status,
  body: { resultCode, errorMessage, incidentId: randomBytes(8).toString('hex') },
  ...(headers ? { headers } : {}),
});


type Scope = { kind: 'ok'; orgs: Set<number> | null } | { kind: 'invalid'; message: string };

/** `df` → organisation positions. Only organisation clauses are supported (the collector sends nothing else). */
function parseDf(df: string | null, inst: NinjaInstance): Scope {
  if (df === null || df.trim() === '') return { kind: 'ok', orgs: null };
  const single = /^\s*org(?:anization)?\s*(?:=|eq)\s*(\d+)\s*$/i.exec(df);
  const list = /^\s*org(?:anization)?\s+in\s*\(\s*(\d+(?:\s*,\s*\d+)*)\s*\)\s*$/i.exec(df);
  const ids = single ? [Number(single[1])] : list ? list[1]!.split(',').map((s) => Number(s.trim())) : null;
  if (!ids) return { kind: 'invalid', message: `Unsupported device filter: ${df}` };
  const orgs = new Set<number>();
  for (const id of ids) {
    const org = inst.orgById(id);
    // An unknown organisation matches nothing; -1 keeps the scope non-null (empty result).
    orgs.add(org ? org.k : -1);
  }
  return { kind: 'ok', orgs };
}

function intParam(q: URLSearchParams, name: string): number | undefined | 'bad' {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  if (!/^-?\d+$/.test(v.trim())) return 'bad';
  return Number(v);
}

interface Route {
  name: 'devices-detailed' | 'devices' | 'os-patches' | 'antivirus-status' | 'alerts' | 'activities' | 'policies' | 'organizations' | 'organization';
  template: string;
  orgId?: number;
}

function route(path: string): Route | null {
  const p = path.replace(/\/+$/, '');
  const fixed: Record<string, Route['name']> = {
    '/v2/devices-detailed': 'devices-detailed',
    '/v2/devices': 'devices',
    '/v2/queries/os-patches': 'os-patches',
    '/v2/queries/antivirus-status': 'antivirus-status',
    '/v2/alerts': 'alerts',
    '/v2/activities': 'activities',
    '/v2/policies': 'policies',
    '/v2/organizations': 'organizations',
  };
  const name = fixed[p];
  if (name) return { name, template: p };
  const org = /^\/v2\/organization\/([^/]+)$/.exec(p);
  if (org) return { name: 'organization', template: '/v2/organization/{id}', orgId: /^\d+$/.test(org[1]!) ? Number(org[1]) : -1 };
  return null;
}

/** Valid JSON that breaks the documented shape in a field the collector reads. */
function violateSchema(r: Route['name'], body: unknown): unknown {
  const first = (rows: unknown): Row | undefined => (Array.isArray(rows) ? (rows[0] as Row | undefined) : undefined);
  switch (r) {
    case 'os-patches':
    case 'antivirus-status': {
      const b = body as { results: Row[] };
      const row = first(b.results);
      if (!row) return { ...b, results: { count: 0 } };
      return { ...b, results: [{ ...row, deviceId: String(row.deviceId) }, ...b.results.slice(1)] };
    }
    case 'alerts': {
      const rows = body as Row[];
      const row = first(rows);
      return row ? [{ ...row, deviceId: String(row.deviceId), createTime: new Date(Number(row.createTime) * 1000).toISOString() }, ...rows.slice(1)] : { alerts: [] };
    }
    case 'organization': {
      const b = body as Row;
      return { ...b, id: String(b.id) };
    }
    case 'activities': {
      const b = body as { lastActivityId: number; activities: Row[] };
      const row = first(b.activities);
      return row ? { ...b, activities: [{ ...row, id: String(row.id) }, ...b.activities.slice(1)] } : { ...b, activities: {} };
    }
    default: {
      const rows = body as Row[];
      const row = first(rows);
      return row ? [{ ...row, id: String(row.id) }, ...rows.slice(1)] : { items: [] };
    }
  }
}

function malformed(body: unknown): string {
  const text = JSON.stringify(body);
  return text.slice(0, Math.max(1, Math.floor(text.length / 2)));
}

// ------------------------------------------------------------------------------------------------ token endpoint

function handleToken(req: VendorRequest, ctx: VendorContext): VendorResponse {
  const label = `${req.method} ${PREFIX}${req.path.replace(/\/+$/, '')}`;
  const done = (r: VendorResponse) => {
    ctx.record(label, r.status);
    return r;
  };
  const oauth = (status: number, error: string, description: string) => done({ status, body: { error, error_description: description } });
  if (req.method !== 'POST') return done(error(405, 'METHOD_NOT_ALLOWED', `Request method '${req.method}' not supported`));
  const form = new URLSearchParams(req.rawBody);
  let clientId = form.get('client_id') ?? '';
  let clientSecret = form.get('client_secret') ?? '';
  const basic = /^Basic\s+(.+)$/i.exec(req.headers.authorization ?? '');
  if (basic) {
    const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    clientId = decodeURIComponent(decoded.slice(0, colon < 0 ? undefined : colon));
    clientSecret = colon < 0 ? '' : decodeURIComponent(decoded.slice(colon + 1));
  }
  const refuse = unionFaults(ctx.tenants).tokenRefuse;
  if (refuse === 500) return oauth(500, 'server_error', 'Internal server error');
  const grant = form.get('grant_type');
  if (!grant) return oauth(400, 'invalid_request', 'Missing grant type');
  const creds = ninjaCredentials(ctx.tenants);
  if (ctx.tenants.length === 0 || clientId !== creds.clientId || clientSecret !== creds.clientSecret || refuse === 400) {
    return oauth(401, 'invalid_client', 'Bad client credentials');
  }
  if (grant !== 'client_credentials') return oauth(400, 'unsupported_grant_type', `Unsupported grant type: ${grant}`);
  const requested = (form.get('scope') ?? 'monitoring').split(/[\s+]+/).filter(Boolean);
  for (const s of requested) {
    if (!KNOWN_SCOPES.has(s) || !APP_SCOPES.has(s)) return oauth(400, 'invalid_scope', `Invalid scope: ${s}`);
  }
  const scopes = new Set(requested.length ? requested : ['monitoring']);
  const token = randomBytes(24).toString('base64url');
  ctx.tokens<TokenEntry>().issue(token, { scopes }, TOKEN_TTL_S);
  return done({ status: 200, headers: { 'Cache-Control': 'no-store', Pragma: 'no-cache' }, body: { access_token: token, token_type: 'bearer', expires_in: TOKEN_TTL_S, scope: [...scopes].join(' ') } });
}

// ------------------------------------------------------------------------------------------------ API

async function handleApi(req: VendorRequest, ctx: VendorContext, r: Route): Promise<VendorResponse> {
  const label = `${req.method} ${PREFIX}${r.template}`;
  const fullPath = `${PREFIX}${req.path}`;
  // Known once the scope is: responses before that (401, 405) are recorded without a tenant.
  const who: { tenantId?: string } = {};
  const done = (res: VendorResponse) => {
    ctx.record(label, res.status, who.tenantId);
    return res;
  };

  const auth = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  const entry = auth ? ctx.tokens<TokenEntry>().get(auth[1]!) : undefined;
  if (!entry || entry.expiresAt < Date.now()) {
    return done(error(401, 'UNAUTHORIZED', auth ? 'Invalid or expired access token' : 'Full authentication is required to access this resource', { 'WWW-Authenticate': 'Bearer error="invalid_token"' }));
  }
  if (req.method !== 'GET') return done(error(405, 'METHOD_NOT_ALLOWED', `Request method '${req.method}' not supported`));

  const inst = new NinjaInstance(ctx.tenants);
  // Scope: the cursor's (it remembers the first request's filters), else df, else the organisation in the path.
  let cursor: CursorState | null = null;
  const cursorName = req.query.get('cursor');
  if ((r.name === 'os-patches' || r.name === 'antivirus-status') && cursorName) {
    cursor = decodeCursor(cursorName);
    if (!cursor || cursor.q !== (r.name === 'os-patches' ? 'p' : 'a')) return done(error(400, 'INVALID_CURSOR', 'Invalid cursor'));
    if (cursor.e * 1000 < Date.now()) return done(error(400, 'CURSOR_EXPIRED', 'Cursor has expired'));
  }
  let orgs: Set<number> | null;
  if (cursor) orgs = cursor.s ? new Set(cursor.s) : null;
  else if (r.name === 'organization') orgs = new Set([inst.orgById(r.orgId ?? -1)?.k ?? -1]);
  else {
    const scope = parseDf(req.query.get('df'), inst);
    if (scope.kind === 'invalid') return done(error(400, 'INVALID_FILTER', scope.message));
    orgs = scope.orgs;
  }
  const scopedOrg = orgs && orgs.size === 1 ? inst.orgs[[...orgs][0]!] : undefined;
  if (scopedOrg) entry.tenant ??= scopedOrg.view.id;
  const view = scopedOrg?.view ?? ctx.tenants.find((t) => t.id === entry.tenant);
  const tenantId = view?.id;
  who.tenantId = tenantId;
  const faults = view ? view.faults : unionFaults(ctx.tenants);

  if (!entry.scopes.has('monitoring')) return done(error(403, 'FORBIDDEN', 'Insufficient scope: monitoring is required'));
  const decision = ctx.decide(faults, `${tenantId ?? 'instance'} GET ${fullPath}?${req.query.toString()}`, fullPath);
  if (decision.kind === 'stall') {
    if (!(await ctx.sleep(decision.ms))) {
      ctx.record(label, 499, tenantId);
      return { status: 0 };
    }
  } else if (decision.kind === '429') {
    return done(error(429, 'TOO_MANY_REQUESTS', 'Too many requests, please retry later', { 'Retry-After': String(decision.retryAfterSeconds) }));
  } else if (decision.kind === '5xx') {
    return done(decision.status === 503 ? error(503, 'SERVICE_UNAVAILABLE', 'Service temporarily unavailable') : error(decision.status, 'INTERNAL_SERVER_ERROR', 'An unexpected error occurred'));
  } else if (decision.kind === '403') {
    return done(error(403, 'FORBIDDEN', 'Access denied: the API client app is not allowed to perform this operation'));
  }

  const result = render(req, ctx, r, inst, orgs, cursor);
  if (result.status !== 200) return done(result);
  if (ctx.listed(faults.malformed, fullPath)) return done({ status: 200, rawBody: malformed(result.body) });
  if (ctx.listed(faults.schemaViolation, fullPath)) return done({ status: 200, body: violateSchema(r.name, result.body) });
  return done(result);
}

function render(req: VendorRequest, ctx: VendorContext, r: Route, inst: NinjaInstance, orgs: Set<number> | null, cursor: CursorState | null): VendorResponse {
  const q = req.query;
  switch (r.name) {
    case 'devices-detailed':
    case 'devices': {
      const pageSize = intParam(q, 'pageSize');
      const after = intParam(q, 'after');
      if (pageSize === 'bad' || (pageSize !== undefined && pageSize < 1)) return error(400, 'INVALID_PARAMETER', 'pageSize must be a positive integer');
      if (after === 'bad') return error(400, 'INVALID_PARAMETER', 'after must be an integer');
      const limit = Math.min(pageSize ?? Number.MAX_SAFE_INTEGER, MAX_PAGE_SIZE * 10);
      const rows: Row[] = [];
      for (const n of inst.nodesAfter(after ?? 0, orgs)) {
        if (rows.length >= limit) break;
        rows.push(renderDevice(inst, n.org, n.j, r.name === 'devices-detailed', n.owner));
      }
      return { status: 200, body: rows };
    }
    case 'os-patches':
    case 'antivirus-status':
      return queryPage(r.name, q, inst, orgs, cursor);
    case 'alerts': {
      const sourceType = q.get('sourceType');
      const rows: Row[] = [];
      for (const org of inst.orgs) {
        // A moved device's alerts are listed under the organisation holding it now, wherever it came from.
        if (orgs && !inst.changed && !orgs.has(org.k)) continue;
        for (const a of alertRows(inst, org)) {
          if (orgs && !orgs.has(inst.orgById((a.device as Row).organizationId as number)?.k ?? -1)) continue;
          if (!sourceType || a.sourceType === sourceType) rows.push(a);
        }
      }
      return { status: 200, body: rows };
    }
    case 'activities':
      return activitiesPage(q, inst, orgs);
    case 'policies':
      return { status: 200, body: POLICIES.map((p) => renderPolicy(p, ctx.now)) };
    case 'organizations': {
      const pageSize = intParam(q, 'pageSize');
      const after = intParam(q, 'after');
      if (pageSize === 'bad' || after === 'bad') return error(400, 'INVALID_PARAMETER', 'pageSize and after must be integers');
      const list = inst.orgs.filter((o) => !o.removed && o.id > (after ?? 0)).slice(0, pageSize ?? undefined);
      return { status: 200, body: list.map((o) => renderOrganization(o, false)) };
    }
    case 'organization': {
      const org = r.orgId !== undefined ? inst.orgById(r.orgId) : undefined;
      if (!org) return error(404, 'NOT_FOUND', `Organization ${req.path.split('/').pop()} not found`);
      return { status: 200, body: renderOrganization(org, true) };
    }
  }
}

const FILTERS: Record<'os-patches' | 'antivirus-status', readonly string[]> = {
  'os-patches': ['status', 'type', 'severity'],
  'antivirus-status': ['productState', 'productName'],
};

function queryPage(name: 'os-patches' | 'antivirus-status', q: URLSearchParams, inst: NinjaInstance, orgs: Set<number> | null, cursor: CursorState | null): VendorResponse {
  const pageSize = intParam(q, 'pageSize');
  if (pageSize === 'bad' || (pageSize !== undefined && pageSize < 1)) return error(400, 'INVALID_PARAMETER', 'pageSize must be a positive integer');
  const size = Math.min(pageSize ?? DEFAULT_QUERY_PAGE, MAX_PAGE_SIZE);
  const filters: Record<string, string> = cursor ? cursor.f : {};
  if (!cursor) for (const f of FILTERS[name]) if (q.get(f)) filters[f] = q.get(f)!;
  const rowsOf = name === 'os-patches' ? patchRows : antivirusRows;
  const keep = (row: Row) => Object.entries(filters).every(([k, v]) => String(row[k] ?? '').toLowerCase() === v.toLowerCase());
  const startId = cursor ? cursor.id : 1;
  let startRow = cursor ? cursor.r : 0;
  const results: Row[] = [];
  let nextId = startId;
  let nextRow = startRow;
  let full = false;
  for (const n of inst.nodesAfter(startId - 1, orgs)) {
    const rows = rowsOf(inst, n.org, n.j).filter(keep);
    let i = n.id === startId ? startRow : 0;
    for (; i < rows.length && results.length < size; i++) results.push(rows[i]!);
    nextId = n.id;
    nextRow = i;
    if (results.length >= size) {
      full = true;
      break;
    }
    startRow = 0;
  }
  if (!full) {
    // Everything served: a later call with this cursor answers an empty page.
    nextId = Number.MAX_SAFE_INTEGER;
    nextRow = 0;
  }
  const offset = cursor ? cursor.o : 0;
  const expires = Math.floor(Date.now() / 1000) + CURSOR_TTL_S;
  const state: CursorState = { q: name === 'os-patches' ? 'p' : 'a', s: orgs ? [...orgs] : null, id: nextId, r: nextRow, o: offset + results.length, f: filters, e: expires };
  return { status: 200, body: { cursor: { name: encodeCursor(state), offset, count: results.length, expires: expires + 0.5 }, results } };
}

function epochParam(q: URLSearchParams, name: string): number | undefined | 'bad' {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  return /^\d+(\.\d+)?$/.test(v.trim()) ? Number(v) : 'bad';
}

/** GET /v2/activities: filters, then newest first (descending id), `pageSize` at a time. */
function activitiesPage(q: URLSearchParams, inst: NinjaInstance, orgs: Set<number> | null): VendorResponse {
  const pageSize = intParam(q, 'pageSize');
  if (pageSize === 'bad' || (pageSize !== undefined && (pageSize < 10 || pageSize > 1000))) return error(400, 'INVALID_PARAMETER', 'pageSize must be between 10 and 1000');
  const olderThan = intParam(q, 'olderThan');
  const newerThan = intParam(q, 'newerThan');
  const after = epochParam(q, 'after');
  const before = epochParam(q, 'before');
  if (olderThan === 'bad' || newerThan === 'bad') return error(400, 'INVALID_PARAMETER', 'olderThan and newerThan must be activity ids');
  if (after === 'bad' || before === 'bad') return error(400, 'INVALID_PARAMETER', 'after and before must be epoch seconds');
  const cls = (q.get('class') ?? 'ALL').toUpperCase();
  if (!['ALL', 'DEVICE', 'SYSTEM', 'USER'].includes(cls)) return error(400, 'INVALID_PARAMETER', `Unknown activity class: ${cls}`);
  const type = q.get('type')?.toUpperCase();
  const statuses = q.get('status') ? new Set(q.get('status')!.split(',').map((x) => x.trim().toUpperCase())) : null;
  const series = q.get('seriesUid');
  const all = activityRows(inst);
  const out: Row[] = [];
  const size = pageSize ?? 200;
  // Every simulated activity is a device activity: SYSTEM and USER classes are empty.
  if (cls === 'ALL' || cls === 'DEVICE') {
    for (let i = all.length - 1; i >= 0 && out.length < size; i--) {
      const a = all[i]!;
      if (olderThan !== undefined && a.id >= olderThan) continue;
      if (newerThan !== undefined && a.id <= newerThan) break;
      if (after !== undefined && a.activityTime < after) break; // ascending in time: nothing older qualifies
      if (before !== undefined && a.activityTime >= before) continue;
      if (inst.changed) {
        // An activity goes with its device (moved: to the organisation holding it now; deleted with its organisation).
        const owner = inst.ownerPositionOf(a.deviceId as number);
        if (owner < 0 || (orgs && !orgs.has(owner))) continue;
      } else if (orgs && !orgs.has(a.orgK!)) continue;
      if (type && a.activityType !== type) continue;
      if (statuses && !statuses.has(a.statusCode)) continue;
      if (series && a.seriesUid !== series) continue;
      const { orgK: _orgK, ...row } = a;
      out.push(row);
    }
  }
  return { status: 200, body: { lastActivityId: all.length ? all[all.length - 1]!.id : 0, activities: out } };
}

// ------------------------------------------------------------------------------------------------ plug-in

export const ninjaoneSimulator: VendorSimulator = {
  id: ID,
  kind: 'rmm',
  // Alert severity and acknowledgement come from the activity log (/v2/activities): every rmm.alerts field is served.
  unsupported: {},

  configSection(tenant, baseUrl, all) {
    const creds = ninjaCredentials(all);
    const inst = new NinjaInstance(all);
    const org = inst.orgOfTenant(tenant.id);
    return {
      section: {
        provider: ID,
        baseUrl,
        clientId: creds.clientId,
        ...(org ? { organizationId: org.id } : {}),
        patchWindowDays: 30,
        automatedPatchPolicies: [...AUTOMATED_PATCH_POLICIES],
      },
      secrets: { clientSecret: creds.clientSecret },
    };
  },

  async handle(req, ctx) {
    const path = req.path.replace(/\/+$/, '') || '/';
    if (path === '/ws/oauth/token' || path === '/oauth/token') return handleToken(req, ctx);
    const r = route(path);
    if (!r) {
      ctx.record(`${req.method} ${PREFIX}/{unknown}`, 404);
      return error(404, 'NOT_FOUND', `No endpoint ${req.method} ${path}`);
    }
    return handleApi(req, ctx, r);
  },
};
