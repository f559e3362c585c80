/**
 * Datto RMM API v2 on the simulator (`https://127.0.0.1:PORT/datto-rmm/…`; the config's `baseUrl` is that prefix,
 * the platform root under which `/auth/oauth/token` and `/api/v2/…` live). ONE Datto account serves every
 * datto-rmm tenant (an MSP has one account for all its clients): the same API key/secret for all, one site per
 * tenant (`siteUid` in the config section). A collector reading `/api/v2/account/devices` instead of its site would
 * see every tenant's devices.
 *
 * Auth: `POST /auth/oauth/token`, HTTP Basic `public-client:public` (else 401 `unauthorized`), form
 * `grant_type=password&username=<API key>&password=<API secret>`; wrong key/secret → 400
 * `{"error":"invalid_grant","error_description":"Bad credentials"}`. Tokens: opaque, `expires_in: 359999` (100 h).
 * Bad token → 401 `{"error":"invalid_token",…}` with `WWW-Authenticate`.
 *
 * Routes (GET, under `/api/v2`): `account`, `account/sites`, `account/devices`, `account/alerts/open`,
 * `site/{siteUid}`, `site/{siteUid}/devices`, `site/{siteUid}/alerts/open` (`muted` filter), `system/pagination`
 * (`{max: 250}`), `system/request_rate`, `system/status`. Paging: `page` (0-based, default 0) + `max` (default and
 * cap 250); `pageDetails{count,totalCount,prevPageUrl,nextPageUrl}` with ABSOLUTE URLs under the simulator's
 * baseUrl, `nextPageUrl: null` on the last page. Timestamps are epoch milliseconds.
 *
 * Portfolio changes (Simulator.portfolio): a renamed site shows its new name; a deleted one answers
 * `site/{uid}/…` with 404 (`Site with uid … not found`, as for any unknown UID) and leaves `account/sites` and the
 * account-wide listings; a moved device keeps its UID and is listed, with its open alerts, under its new site.
 *
 * Rate limit (per simulator instance = per account, wall clock): 600 API reads per rolling 60 s; above 90 % each
 * answer is delayed one second, above 600 → 429 with `Retry-After`. `GET system/request_rate` reports the window.
 * `SimulatorOptions.accountRateLimits['datto-rmm']` replaces 600 per 60 s (tests that need the limit to bind in
 * seconds: `{ requests: 30, perSeconds: 10 }`). Every API read counts, the token request does not.
 *
 * Faults (paths with the `/datto-rmm` prefix): a `site/{uid}/…` request uses that tenant's faults; an account or
 * system request uses the faults of the tenant whose site the same token asked for first, else the union of all
 * tenants' faults. 429 carries `Retry-After`; permission 403 answers Spring's
 * `{"error":"access_denied","error_description":"Access is denied"}`.
 *
 * **IP block** (Datto's answer to persistent rate-limit excess): a `forbidden` entry ending in `#ipblock`, e.g.
 * `/datto-rmm/api/v2/site/{uid}/devices#ipblock`, makes the matching requests of that tenant answer 403 with the SAME
 * body as a permission failure (the block looks like an authorisation failure, pncit/datto-rmm-api-client) and
 * no Retry-After; while that tenant has such an entry, the no-data system endpoints (`/api/v2/system/*`) it reads
 * are blocked too, as a real IP block spares nothing — so a collector can tell a block from a missing permission by
 * probing them. The token endpoint is not blocked (the block is taken to start after the token was issued). The
 * plain `FaultInjector` ignores such entries (their last segment never matches a real one).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { unionFaults, type FaultConfig } from '../../../src/simulator/faults.js';
import { hash32 } from '../../../src/simulator/prng.js';
import { DattoAccount, alertRows, patchStatusOf, renderDevice, renderHeldDevice, renderSite, siteUidOf, type DattoSite, type Row } from './render.js';
import type { VendorContext, VendorRequest, VendorResponse, VendorSimulator, VendorTenantView } from '../../../src/simulator/vendor.js';

const ID = 'datto-rmm';
const PREFIX = `/${ID}`;
const TOKEN_TTL_S = 359_999;
const MAX_PAGE = 250;
const WINDOW_MS = 60_000;
const READ_LIMIT = 600;
const CUTOFF_RATIO = 0.9;
const IPBLOCK = '#ipblock';

// ------------------------------------------------------------------------------------------------ credentials

function key32(seed: number, salt: string): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  let out = '';
  for (let i = 0; i < 32; i++) out += alphabet[hash32(seed, salt, i) % alphabet.length];
  return out;
}

/** The account's API user (shared by all tenants): derived from the seeds of every tenant it serves. */
export function dattoCredentials(all: readonly Pick<VendorTenantView, 'seed'>[]): { apiKey: string; apiSecret: string } {
  const seed = hash32('datto-rmm-account', ...all.map((t) => t.seed).sort((a, b) => a - b));
  return { apiKey: key32(seed, 'api-key'), apiSecret: key32(seed, 'api-secret') };
}

/** What a Datto RMM access token stands for (kept by the host, one store per simulator: VendorContext.tokens). */
interface TokenEntry {
  /** The tenant whose site this token first asked for (fault attribution of account/system requests). */
  tenant?: string;
}

// ------------------------------------------------------------------------------------------------ rate window

const windows = new Map<string, number[]>();

/** The account's read limit: the simulator's override (`ctx.accountRateLimit`) or Datto's documented one. */
function readLimitOf(ctx: Pick<VendorContext, 'accountRateLimit'>): { limit: number; windowMs: number } {
  const custom = ctx.accountRateLimit;
  return custom ? { limit: custom.requests, windowMs: custom.perSeconds * 1000 } : { limit: READ_LIMIT, windowMs: WINDOW_MS };
}

/** Count one read in the account's rolling window; returns the reads in the window including this one. */
function countRead(baseUrl: string, windowMs: number): { count: number; oldest: number } {
  const now = Date.now();
  let w = windows.get(baseUrl);
  if (!w) {
    w = [];
    windows.set(baseUrl, w);
  }
  let drop = 0;
  while (drop < w.length && w[drop]! <= now - windowMs) drop++;
  if (drop) w.splice(0, drop);
  w.push(now);
  if (windows.size > 200) for (const [k, v] of windows) if (k !== baseUrl && (v.length === 0 || v[v.length - 1]! <= now - WINDOW_MS)) windows.delete(k);
  return { count: w.length, oldest: w[0]! };
}

function windowCount(baseUrl: string, windowMs: number): number {
  const now = Date.now();
  return (windows.get(baseUrl) ?? []).filter((t) => t > now - windowMs).length;
}

// ------------------------------------------------------------------------------------------------ helpers

/** Spring Boot's default error body, which the Datto API answers for non-OAuth errors. */
function springError(status: number, error: string, message: string, path: string, headers?: Record<string, string>): VendorResponse {
  return { status, body: { timestamp: Date.now(), status, error, message, path }, ...(headers ? { headers } : {}) };
}

const ACCESS_DENIED: VendorResponse = { status: 403, body: { error: 'access_denied', error_description: 'Access is denied' } };


function ipBlockPaths(f: FaultConfig): string[] {
  return (f.forbidden ?? []).filter((p) => p.endsWith(IPBLOCK)).map((p) => p.slice(0, -IPBLOCK.length));
}

type RouteName = 'account' | 'sites' | 'account-devices' | 'account-alerts' | 'site' | 'site-devices' | 'site-alerts' | 'pagination' | 'request-rate' | 'status';

interface Route {
  name: RouteName;
  template: string;
  siteUid?: string;
}

function route(path: string): Route | null {
  const p = path.replace(/\/+$/, '');
  const fixed: Record<string, RouteName> = {
    '/api/v2/account': 'account',
    '/api/v2/account/sites': 'sites',
    '/api/v2/account/devices': 'account-devices',
    '/api/v2/account/alerts/open': 'account-alerts',
    '/api/v2/system/pagination': 'pagination',
    '/api/v2/system/request_rate': 'request-rate',
    '/api/v2/system/status': 'status',
  };
  const name = fixed[p];
  if (name) return { name, template: p };
  const m = /^\/api\/v2\/site\/([^/]+)(\/devices|\/alerts\/open)?$/.exec(p);
  if (!m) return null;
  const uid = decodeURIComponent(m[1]!);
  if (!m[2]) return { name: 'site', template: '/api/v2/site/{siteUid}', siteUid: uid };
  return m[2] === '/devices' ? { name: 'site-devices', template: '/api/v2/site/{siteUid}/devices', siteUid: uid } : { name: 'site-alerts', template: '/api/v2/site/{siteUid}/alerts/open', siteUid: uid };
}

function malformed(body: unknown): string {
  const text = JSON.stringify(body);
  return text.slice(0, Math.max(1, Math.floor(text.length / 2)));
}

/** Valid JSON that breaks the documented shape in a field the collector reads. */
function violateSchema(name: RouteName, body: unknown): unknown {
  const b = body as Record<string, unknown>;
  const swapFirst = (key: string, patch: (row: Row) => Row) => {
    const rows = b[key] as Row[] | undefined;
    if (!rows?.length) return { ...b, [key]: { empty: true } };
    return { ...b, [key]: [patch(rows[0]!), ...rows.slice(1)] };
  };
  switch (name) {
    case 'site-devices':
    case 'account-devices':
      return swapFirst('devices', (d) => ({ ...d, lastSeen: 'yesterday' }));
    case 'site-alerts':
    case 'account-alerts':
      return swapFirst('alerts', (a) => ({ ...a, timestamp: 'a while ago' }));
    case 'sites':
      return swapFirst('sites', (s) => ({ ...s, uid: 12345 }));
    case 'pagination':
      return { max: '250' };
    default:
      return { ...b, pageDetails: 'none', uid: 42 };
  }
}

// ------------------------------------------------------------------------------------------------ token endpoint

function handleToken(req: VendorRequest, ctx: VendorContext): VendorResponse {
  const label = `${req.method} ${PREFIX}/auth/oauth/token`;
  const done = (r: VendorResponse) => {
    ctx.record(label, r.status);
    return r;
  };
  const oauth = (status: number, error: string, description: string, headers?: Record<string, string>) => done({ status, body: { error, error_description: description }, ...(headers ? { headers } : {}) });
  if (req.method !== 'POST') return done(springError(405, 'Method Not Allowed', `Request method '${req.method}' is not supported`, '/auth/oauth/token'));
  const basic = /^Basic\s+(.+)$/i.exec(req.headers.authorization ?? '');
  const client = basic ? Buffer.from(basic[1]!, 'base64').toString('utf8') : '';
  if (!basic) return oauth(401, 'unauthorized', 'Full authentication is required to access this resource', { 'WWW-Authenticate': 'Basic realm="oauth2/client"' });
  if (client !== 'public-client:public') return oauth(401, 'invalid_client', 'Bad client credentials');
  const refuse = unionFaults(ctx.tenants).tokenRefuse;
  if (refuse === 500) return oauth(500, 'server_error', 'Internal Server Error');
  const form = new URLSearchParams(req.rawBody);
  const grant = form.get('grant_type');
  if (!grant) return oauth(400, 'invalid_request', 'Missing grant type');
  if (grant !== 'password') return oauth(400, 'unsupported_grant_type', `Unsupported grant type: ${grant}`);
  const creds = dattoCredentials(ctx.tenants);
  if (ctx.tenants.length === 0 || form.get('username') !== creds.apiKey || form.get('password') !== creds.apiSecret || refuse === 400) {
    return oauth(400, 'invalid_grant', 'Bad credentials');
  }
  const token = randomUUID();
  ctx.tokens<TokenEntry>().issue(token, {}, TOKEN_TTL_S);
  return done({
    status: 200,
    headers: { 'Cache-Control': 'no-store', Pragma: 'no-cache' },
    body: { access_token: token, token_type: 'bearer', refresh_token: randomUUID(), expires_in: TOKEN_TTL_S, scope: 'default', jti: randomBytes(16).toString('hex') },
  });
}

// ------------------------------------------------------------------------------------------------ API

function pageOf(q: URLSearchParams): { page: number; max: number } | string {
  const pageText = q.get('page');
  const maxText = q.get('max');
  const page = pageText === null || pageText === '' ? 0 : Number(pageText);
  const max = maxText === null || maxText === '' ? MAX_PAGE : Number(maxText);
  if (!Number.isInteger(page) || page < 0) return `Invalid page: ${pageText}`;
  if (!Number.isInteger(max) || max < 1) return `Invalid max: ${maxText}`;
  return { page, max: Math.min(max, MAX_PAGE) };
}

/** A `pageDetails` envelope with absolute next/prev URLs (other query parameters kept). */
function paged(ctx: VendorContext, path: string, q: URLSearchParams, p: { page: number; max: number }, total: number, key: string, items: Row[]): Row {
  const url = (page: number) => {
    const params = new URLSearchParams();
    params.set('max', String(p.max));
    params.set('page', String(page));
    for (const [k, v] of q) if (k !== 'max' && k !== 'page') params.append(k, v);
    return `${ctx.baseUrl}${path}?${params.toString()}`;
  };
  const hasNext = (p.page + 1) * p.max < total;
  return {
    pageDetails: { count: items.length, totalCount: total, prevPageUrl: p.page > 0 ? url(p.page - 1) : null, nextPageUrl: hasNext ? url(p.page + 1) : null },
    [key]: items,
  };
}

function slice<T>(total: number, p: { page: number; max: number }, at: (i: number) => T): T[] {
  const out: T[] = [];
  for (let i = p.page * p.max; i < Math.min(total, (p.page + 1) * p.max); i++) out.push(at(i));
  return out;
}

function render(req: VendorRequest, ctx: VendorContext, r: Route, account: DattoAccount, site: DattoSite | undefined): VendorResponse {
  const q = req.query;
  const path = req.path.replace(/\/+$/, '');
  const notFound = () => springError(404, 'Not Found', `Site with uid ${r.siteUid} not found`, path);
  switch (r.name) {
    case 'pagination':
      return { status: 200, body: { max: MAX_PAGE } };
    case 'request-rate':
      return {
        status: 200,
        body: {
          slidingTimeWindowSizeSeconds: readLimitOf(ctx).windowMs / 1000,
          accountUid: account.uid,
          accountCount: windowCount(ctx.baseUrl, readLimitOf(ctx).windowMs),
          accountRateLimit: readLimitOf(ctx).limit,
          accountCutOffRatio: CUTOFF_RATIO,
          accountWriteRateLimit: 600,
          accountWriteCount: 0,
          operationWriteStatus: {},
        },
      };
    case 'status':
      return { status: 200, body: { version: '12.8.0', status: 'OK', started: ctx.now.getTime() - 9 * 86_400_000 } };
    case 'account': {
      const n = account.sites.reduce((s, x) => s + x.estate.knobs.endpoints, 0);
      return {
        status: 200,
        body: { id: 4711, uid: account.uid, name: 'Simulated MSP', currency: 'EUR', descriptor: { billingEmail: null, deviceLimit: 10_000, timeZone: 'UTC' }, devicesStatus: { numberOfDevices: n, numberOfOnlineDevices: null, numberOfOfflineDevices: null } },
      };
    }
  }
  const p = pageOf(q);
  if (typeof p === 'string') return springError(400, 'Bad Request', p, path);
  switch (r.name) {
    case 'sites': {
      const sites = account.sites.filter((s) => !s.removed);
      return { status: 200, body: paged(ctx, path, q, p, sites.length, 'sites', slice(sites.length, p, (i) => renderSite(sites[i]!, account.uid))) };
    }
    case 'site':
      return site ? { status: 200, body: renderSite(site, account.uid) } : notFound();
    case 'site-devices':
      if (!site) return notFound();
      if (q.get('filterId')) return springError(404, 'Not Found', `Filter ${q.get('filterId')} not found`, path);
      if (account.changed) {
        const held = account.nodesOf(site);
        return { status: 200, body: paged(ctx, path, q, p, held.length, 'devices', slice(held.length, p, (i) => renderHeldDevice(held[i]!, site))) };
      }
      return { status: 200, body: paged(ctx, path, q, p, site.nodes, 'devices', slice(site.nodes, p, (j) => renderDevice(site, j))) };
    case 'account-devices': {
      if (q.get('filterId')) return springError(404, 'Not Found', `Filter ${q.get('filterId')} not found`, path);
      const like = (field: string, value: unknown) => {
        const want = q.get(field);
        return !want || String(value ?? '').toLowerCase().includes(want.toLowerCase());
      };
      const filtered = ['hostname', 'siteName', 'deviceType', 'operatingSystem'].some((f) => q.get(f));
      // With portfolio changes, every site's devices as held now (moved devices under their new site).
      const held = account.changed ? account.sites.flatMap((s) => account.nodesOf(s).map((n) => renderHeldDevice(n, s))) : null;
      if (held && !filtered) return { status: 200, body: paged(ctx, path, q, p, held.length, 'devices', slice(held.length, p, (i) => held[i]!)) };
      if (!filtered) {
        return { status: 200, body: paged(ctx, path, q, p, account.totalNodes, 'devices', slice(account.totalNodes, p, (i) => {
          const n = account.accountNode(i)!;
          return renderDevice(n.site, n.j);
        })) };
      }
      const rows: Row[] = [];
      const all = held ?? account.sites.flatMap((s) => Array.from({ length: s.nodes }, (_, j) => renderDevice(s, j)));
      for (const d of all) {
        if (like('hostname', d.hostname) && like('siteName', d.siteName) && like('operatingSystem', d.operatingSystem) && like('deviceType', (d.deviceType as Row | null)?.category)) rows.push(d);
      }
      return { status: 200, body: paged(ctx, path, q, p, rows.length, 'devices', slice(rows.length, p, (i) => rows[i]!)) };
    }
    case 'site-alerts':
    case 'account-alerts': {
      if (r.name === 'site-alerts' && !site) return notFound();
      const muted = q.get('muted');
      if (muted !== null && muted !== 'true' && muted !== 'false') return springError(400, 'Bad Request', `Invalid muted: ${muted}`, path);
      const all = (site ? [site] : account.sites).flatMap((s) => alertRows(s, account)).filter((a) => muted === null || a.muted === (muted === 'true'));
      return { status: 200, body: paged(ctx, path, q, p, all.length, 'alerts', slice(all.length, p, (i) => all[i]!)) };
    }
    default:
      return springError(404, 'Not Found', 'No message available', path);
  }
}

async function handleApi(req: VendorRequest, ctx: VendorContext, r: Route): Promise<VendorResponse> {
  const label = `${req.method} ${PREFIX}${r.template}`;
  const path = req.path.replace(/\/+$/, '');
  const fullPath = `${PREFIX}${path}`;
  const who: { tenantId?: string } = {};
  const done = (res: VendorResponse) => {
    ctx.record(label, res.status, who.tenantId);
    return res;
  };

  const auth = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  const entry = auth ? ctx.tokens<TokenEntry>().get(auth[1]!) : undefined;
  if (!entry || entry.expiresAt < Date.now()) {
    const description = auth ? `Invalid access token: ${auth[1]!.slice(0, 8)}...` : 'Full authentication is required to access this resource';
    return done({
      status: 401,
      headers: { 'WWW-Authenticate': `Bearer realm="oauth2-resource", error="${auth ? 'invalid_token' : 'unauthorized'}", error_description="${description}"` },
      body: { error: auth ? 'invalid_token' : 'unauthorized', error_description: description },
    });
  }
  if (req.method !== 'GET') return done(springError(405, 'Method Not Allowed', `Request method '${req.method}' is not supported`, path));

  const account = new DattoAccount(ctx.tenants);
  const site = r.siteUid !== undefined ? account.siteByUid(r.siteUid) : undefined;
  if (site) entry.tenant ??= site.view.id;
  const view = site?.view ?? ctx.tenants.find((t) => t.id === entry.tenant);
  const tenantId = view?.id;
  who.tenantId = tenantId;
  const faults = view ? view.faults : unionFaults(ctx.tenants);

  // The IP block sits in front of everything (no budget counted, no other fault drawn).
  const blocked = ipBlockPaths(faults);
  if (blocked.length && (ctx.listed(blocked, fullPath) || r.template.startsWith('/api/v2/system/'))) return done(ACCESS_DENIED);

  const { limit, windowMs } = readLimitOf(ctx);
  const reads = countRead(ctx.baseUrl, windowMs);
  if (reads.count > limit) {
    const wait = Math.max(1, Math.ceil((reads.oldest + windowMs - Date.now()) / 1000));
    return done(springError(429, 'Too Many Requests', 'Rate limit exceeded', path, { 'Retry-After': String(wait) }));
  }
  if (reads.count > limit * CUTOFF_RATIO && !(await ctx.sleep(1000))) {
    ctx.record(label, 499, tenantId);
    return { status: 0 };
  }

  const decision = ctx.decide(faults, `${tenantId ?? 'account'} GET ${fullPath}?${req.query.toString()}`, fullPath);
  if (decision.kind === 'stall') {
    if (!(await ctx.sleep(decision.ms))) {
      ctx.record(label, 499, tenantId);
      return { status: 0 };
    }
  } else if (decision.kind === '429') {
    return done(springError(429, 'Too Many Requests', 'Rate limit exceeded', path, { 'Retry-After': String(decision.retryAfterSeconds) }));
  } else if (decision.kind === '5xx') {
    const reason: Record<number, string> = { 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout' };
    return done(springError(decision.status, reason[decision.status] ?? 'Internal Server Error', 'No message available', path));
  } else if (decision.kind === '403') {
    return done(ACCESS_DENIED);
  }

  const result = render(req, ctx, r, account, site);
  if (result.status !== 200) return done(result);
  if (ctx.listed(faults.malformed, fullPath)) return done({ status: 200, rawBody: malformed(result.body) });
  if (ctx.listed(faults.schemaViolation, fullPath)) return done({ status: 200, body: violateSchema(r.name, result.body) });
  return done(result);
}

// ------------------------------------------------------------------------------------------------ vendor truth

/**
 * What Datto's data lets a correct collector derive for `rmm.patches` (see the patchStatus rules in
 * datto-rmm-render.ts): `failed` and `automated` as the estate's, `compliant` = automated − failed, and no dates or
 * severities (`pendingCritical`, `criticalOverdueDevices`, `criticalCompliantPct`, `oldestPendingDays` null). Equal to `estate.truth()` whenever the estate's
 * automated count equals compliant + failed. O(n).
 */
export function dattoPatchTruth(estate: VendorTenantView['estate'], seed: number) {
  let compliant = 0;
  let failed = 0;
  let automated = 0;
  for (const d of estate.devices()) {
    const s = patchStatusOf(estate, d, seed);
    if (s === 'InstallError') failed++;
    if (s !== 'NoPolicy') automated++;
    if (s !== 'NoPolicy' && s !== 'InstallError') compliant++;
  }
  const n = estate.knobs.endpoints;
  const pct = (part: number) => (n > 0 ? Math.round((part / n) * 1000) / 10 : null);
  return {
    devices: n,
    compliant,
    pct: pct(compliant),
    pendingCritical: null,
    criticalOverdueDevices: null,
    criticalCompliantPct: null,
    failed,
    oldestPendingDays: null,
    automated,
    automatedPct: pct(automated),
  };
}

// ------------------------------------------------------------------------------------------------ plug-in

export const dattoRmmSimulator: VendorSimulator = {
  id: ID,
  kind: 'rmm',
  // No patch dates or severities in Datto's per-device patch summary.
  unsupported: { 'rmm.patches': ['pendingCritical', 'criticalOverdueDevices', 'criticalCompliantPct', 'oldestPendingDays'] },

  configSection(tenant, baseUrl, all) {
    const creds = dattoCredentials(all);
    return {
      section: { provider: ID, baseUrl, apiKey: creds.apiKey, siteUid: siteUidOf(tenant) },
      secrets: { apiSecret: creds.apiSecret },
    };
  },

  async handle(req, ctx) {
    const path = req.path.replace(/\/+$/, '') || '/';
    if (path === '/auth/oauth/token') return handleToken(req, ctx);
    const r = route(path);
    if (!r) {
      ctx.record(`${req.method} ${PREFIX}/{unknown}`, 404);
      return springError(404, 'Not Found', 'No message available', path);
    }
    return handleApi(req, ctx, r);
  },
};
