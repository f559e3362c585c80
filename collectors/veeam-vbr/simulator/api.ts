/**
 * Veeam Backup & Replication REST API (self-hosted, one server per client), as the `veeam-vbr` collector reads it.
 *
 * Per-client servers: every tenant has its own VBR server, mounted at `https://127.0.0.1:PORT/veeam-vbr/<tenant id>`
 * (the `baseUrl` of its config — a server address behind a path prefix, which the collector accepts), with its own
 * build, UTC offset and service account (`<DOMAIN>\svc-ratchet`, password derived from the tenant seed). A token
 * issued by one server is refused (401) by every other.
 *
 * Served (paths after the server address):
 *   POST /api/oauth2/token                       form grant_type=password (username, password) or refresh_token;
 *                                                TokenModel {access_token, token_type, refresh_token, expires_in 900,
 *                                                .issued, .expires}; wrong credentials 401 Error{AccessDenied}
 *   POST /api/oauth2/logout                      revokes the bearer token
 *   GET  /api/v1/jobs/states                     skip/limit → {data: JobStateModel[], pagination{total,count,skip,limit}}
 *   GET  /api/v1/backupObjects                   skip/limit → BackupObjectModel[] (`lastRunFailed` from 1.3-rev0)
 *   GET  /api/v1/restorePoints                   1.1-rev1+: backupObjectIdFilter, orderColumn=CreationTime|…,
 *                                                orderAsc (default ascending), skip/limit
 *   GET  /api/v1/objectRestorePoints             the same collection under its 1.1-rev0 (VBR 12.0) name
 *   GET  /api/v1/backupObjects/{id}/restorePoints every point of one object, skip/limit
 *   GET  /api/v1/sessions                        SessionModel[]: backup job sessions of the last 30 days (one a day per
 *                                                job), configuration backups, and weekly `SureBackup` sessions of the
 *                                                last 180 days (the estate's verification runs; not listed on 1.1-rev0,
 *                                                whose enum has no SureBackup); typeFilter (the revision's enum: `Job`
 *                                                in 1.1-rev0, `BackupJob` later, `SureBackup` from 1.2 — another value
 *                                                → 400; repeatable from 1.3), createdAfterFilter, createdBeforeFilter,
 *                                                resultFilter, orderColumn=CreationTime|EndTime, orderAsc, skip/limit
 *   GET  /api/v1/backupInfrastructure/repositories RepositoryModel[] (skip/limit): VBR's default repository, the one
 *                                                the jobs write to (LinuxHardened with makeRecentBackupsImmutableDays
 *                                                when the estate has `backupImmutableDays`, else WinLocal) and an
 *                                                unused SMB share
 *   GET  /api/v1/backupInfrastructure/scaleOutRepositories ScaleOutRepositoryModel[] (none on these servers)
 *
 * `x-api-version` is required on every request, the token request included: missing or not among the revisions the
 * server's build accepts → 400 Error{NotImplemented, "Unsupported RESTAPI version. The following versions are
 * supported: …"}. Times are ISO 8601 in the server's zone with a non-UTC offset and up to seven fractional digits.
 * Errors are the spec's `Error` body {errorCode, message, resourceId}.
 *
 * Faults (tenant FaultConfig, paths WITHOUT the server segment: `/veeam-vbr/api/v1/restorePoints`): stall, 429
 * (VBR documents none; a throttling proxy's 429 with `Retry-After`), 5xx, 403 Error{AccessDenied}, malformed
 * (truncated JSON), schemaViolation (a read field with the wrong type). The token endpoint takes only `tokenRefuse`
 * (400 → the password is refused with 401, 500 → 500), as the simulator's identity endpoints do.
 * Stats routes: `METHOD /veeam-vbr/api/…` with `{id}` for object ids, recorded under the tenant id.
 */
import { randomBytes } from 'node:crypto';
import type { BearerTokens } from '../../../src/simulator/tokens.js';
import type { VendorContext, VendorRequest, VendorResponse, VendorSimulator, VendorTenantView } from '../../../src/simulator/vendor.js';
import { hash32 } from '../../../src/simulator/prng.js';
import { pointTime, renderBackupObject, renderJobState, renderRepository, renderRestorePoint, renderSession, sessionTypeOf, vbrServer, vbrTime, type VbrServer } from './model.js';

const ID = 'veeam-vbr';
const TOKEN_LIFETIME_S = 900;
const REFRESH_LIFETIME_S = 14 * 24 * 3600;

interface TokenRecord {
  /** Tenant key on this simulator: a token is valid on the VBR server that issued it only. */
  server: string;
  kind: 'access' | 'refresh';
}

/** A token for `server`, remembered in the host's store for this simulator (VendorContext.tokens). */
function issue(tokens: BearerTokens<TokenRecord>, server: string, kind: TokenRecord['kind'], lifetimeS: number): string {
  // JWT-shaped like VBR's (the collector treats it as opaque).
  const token = `eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.${randomBytes(48).toString('base64url')}.${randomBytes(32).toString('base64url')}`;
  tokens.issue(token, { server, kind }, lifetimeS);
  return token;
}

/** The service account of a tenant's VBR server. */
export function vbrCredentials(tenant: VendorTenantView): { username: string; password: string } {
  const domain = tenant.estate.domain.split('.')[0]!.toUpperCase().slice(0, 15);
  const words = ['Copper', 'Harbor', 'Velvet', 'Granite', 'Lantern', 'Meadow', 'Falcon', 'Cobalt'];
  const w = (i: number) => words[hash32(tenant.seed, 'vbr-password-word', i) % words.length]!;
  const digits = String(hash32(tenant.seed, 'vbr-password-digits') % 1_000_000).padStart(6, '0');
  return { username: `${domain}\\svc-ratchet`, password: `${w(0)}-${w(1)}-${w(2)}-${digits}!` };
}

const json = (status: number, body: unknown, headers?: Record<string, string>): VendorResponse => ({ status, body, ...(headers ? { headers } : {}) });
const vbrError = (status: number, errorCode: string, message: string, headers?: Record<string, string>) => json(status, { errorCode, message, resourceId: null }, headers);

function parseIntParam(value: string | null, fallback: number | null): number | null | 'bad' {
  if (value === null || value === '') return fallback;
  if (!/^\d+$/.test(value)) return 'bad';
  return Number(value);
}

interface Paged {
  skip: number;
  limit: number | null;
}

function paging(query: URLSearchParams): Paged | VendorResponse {
  const skip = parseIntParam(query.get('skip'), 0);
  const limit = parseIntParam(query.get('limit'), null);
  if (skip === 'bad' || limit === 'bad') return vbrError(400, 'UnexpectedContent', 'The skip and limit parameters must be non-negative integers.');
  return { skip: skip ?? 0, limit };
}

/** A `{data, pagination}` page of `total` rows, rendering only the rows on it. */
function page(total: number, p: Paged, row: (i: number) => unknown): { data: unknown[]; pagination: Record<string, number> } {
  const start = Math.min(p.skip, total);
  const end = p.limit === null ? total : Math.min(total, start + p.limit);
  const data: unknown[] = [];
  for (let i = start; i < end; i++) data.push(row(i));
  return { data, pagination: { total, count: data.length, skip: p.skip, limit: p.limit ?? total } };
}

function routeTemplate(route: string): string {
  return route.replace(/\/backupObjects\/[^/]+\/restorePoints$/i, '/backupObjects/{id}/restorePoints');
}

/** Breaks a field the collector reads, keeping the JSON valid. */
function violateSchema(route: string, body: { data: Record<string, unknown>[]; pagination: Record<string, unknown> }): unknown {
  const first = body.data[0];
  if (!first) return { ...body, pagination: { ...body.pagination, total: String(body.pagination.total) } };
  if (/jobs\/states$/i.test(route)) first.lastResult = 2;
  else if (/sessions$/i.test(route)) first.result = { result: 'Succeeded' };
  else if (/backupObjects$/i.test(route)) first.id = 4711;
  else if (/repositories$/i.test(route)) first.type = 7;
  else first.creationTime = Math.floor(Date.parse(String(first.creationTime)) / 1000);
  return body;
}

export const veeamVbrSimulator: VendorSimulator = {
  id: ID,
  kind: 'backup',

  configSection(tenant, baseUrl) {
    const { username, password } = vbrCredentials(tenant);
    const server = vbrServer(tenant.estate, tenant.seed);
    return {
      section: { provider: ID, baseUrl: `${baseUrl}/${tenant.id}`, username, apiVersion: server.newest },
      secrets: { password },
    };
  },

  async handle(req: VendorRequest, ctx: VendorContext): Promise<VendorResponse> {
    const m = /^\/([^/]+)(\/.*)?$/.exec(req.path);
    const tenant = m ? ctx.tenants.find((t) => t.id === decodeURIComponent(m[1]!)) : undefined;
    if (!m || !tenant) {
      ctx.record(`${req.method} /${ID}/{server}`, 404);
      return vbrError(404, 'NotFound', `No simulated VBR server at ${req.path}.`);
    }
    const route = (m[2] ?? '/').replace(/\/+$/, '') || '/';
    const label = `${req.method} /${ID}${routeTemplate(route)}`;
    const done = (r: VendorResponse): VendorResponse => {
      ctx.record(label, r.status, tenant.id);
      return r;
    };
    const server = vbrServer(tenant.estate, tenant.seed);
    // Each client has its own VBR server; the token store is already this simulator's own.
    const serverKey = tenant.id;
    const tokens = ctx.tokens<TokenRecord>();

    // The API version gate comes first, for every path: VBR routes by revision.
    const version = req.headers['x-api-version']?.trim();
    if (!version || !server.revisions.includes(version)) {
      return done(vbrError(400, 'NotImplemented', `Unsupported RESTAPI version. The following versions are supported: ${server.revisions.join(', ')}`));
    }

    if (/^\/api\/oauth2\/token$/i.test(route)) {
      if (req.method !== 'POST') return done(vbrError(405, 'MethodNotAllowed', 'The requested resource does not support the HTTP method.'));
      return done(tokenEndpoint(req, tenant, server, serverKey, tokens));
    }

    // Everything else needs a bearer token issued by this server.
    const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (!bearer) return done(vbrError(401, 'AccessDenied', 'The authorization header has been expected but not found.'));
    const rec = tokens.get(bearer[1]!);
    if (!rec || rec.kind !== 'access' || rec.server !== serverKey) return done(vbrError(401, 'InvalidToken', 'The access token is invalid.'));
    if (rec.expiresAt <= Date.now()) {
      tokens.revoke(bearer[1]!);
      return done(vbrError(401, 'ExpiredToken', 'The access token has expired.'));
    }

    if (/^\/api\/oauth2\/logout$/i.test(route) && req.method === 'POST') {
      tokens.revoke(bearer[1]!);
      return done(json(200, {}));
    }

    const faultPath = `/${ID}${route}`;
    const decision = ctx.decide(tenant.faults, `${tenant.id} ${req.method} ${faultPath}?${req.query.toString()}`, faultPath);
    if (decision.kind === 'stall') {
      if (!(await ctx.sleep(decision.ms))) {
        ctx.record(label, 499, tenant.id);
        return { status: 0 };
      }
    } else if (decision.kind === '429') {
      // VBR itself publishes no throttling; this is what a rate-limiting reverse proxy in front of it answers.
      return done(vbrError(429, 'ServiceUnavailable', 'Too many requests. Try again later.', { 'Retry-After': String(decision.retryAfterSeconds) }));
    } else if (decision.kind === '5xx') {
      return done(decision.status === 500 ? vbrError(500, 'UnknownError', 'Internal server error.') : vbrError(decision.status, 'ServiceUnavailable', 'The service is unavailable.'));
    } else if (decision.kind === '403') {
      return done(vbrError(403, 'AccessDenied', 'Access is denied. Insufficient permissions to perform this operation.'));
    }

    if (req.method !== 'GET') return done(vbrError(405, 'MethodNotAllowed', 'The requested resource does not support the HTTP method.'));
    const result = getRoute(route, req.query, server, version, tenant.estate.domain);
    if (result.status !== 200) return done(result);
    if (ctx.listed(tenant.faults.malformed, faultPath)) {
      const text = JSON.stringify(result.body);
      return done({ status: 200, rawBody: text.slice(0, Math.max(1, Math.floor(text.length / 2))) });
    }
    if (ctx.listed(tenant.faults.schemaViolation, faultPath)) {
      return done(json(200, violateSchema(route, result.body as { data: Record<string, unknown>[]; pagination: Record<string, unknown> })));
    }
    return done(result);
  },
};

function tokenEndpoint(req: VendorRequest, tenant: VendorTenantView, server: VbrServer, serverKey: string, tokens: BearerTokens<TokenRecord>): VendorResponse {
  if (tenant.faults.tokenRefuse === 500) return vbrError(500, 'UnknownError', 'Internal server error.');
  const form = new URLSearchParams(req.rawBody);
  const grant = form.get('grant_type');
  if (grant === 'password') {
    const { username, password } = vbrCredentials(tenant);
    const user = form.get('username') ?? '';
    if (tenant.faults.tokenRefuse === 400 || user.toLowerCase() !== username.toLowerCase() || form.get('password') !== password) {
      return vbrError(401, 'AccessDenied', 'Authentication failed: the user name or password is incorrect.');
    }
  } else if (grant === 'refresh_token') {
    const refresh = form.get('refresh_token') ?? '';
    const rec = tokens.get(refresh);
    if (!rec || rec.kind !== 'refresh' || rec.server !== serverKey || rec.expiresAt <= Date.now() || tenant.faults.tokenRefuse === 400) {
      return vbrError(401, 'InvalidToken', 'The refresh token is invalid or has expired.');
    }
    tokens.revoke(refresh); // a refresh token is single-use
  } else {
    return vbrError(400, 'UnexpectedContent', `The grant_type ${JSON.stringify(grant ?? '')} is not supported.`);
  }
  const issued = Date.now();
  return json(200, {
    access_token: issue(tokens, serverKey, 'access', TOKEN_LIFETIME_S),
    token_type: 'bearer',
    refresh_token: issue(tokens, serverKey, 'refresh', REFRESH_LIFETIME_S),
    expires_in: TOKEN_LIFETIME_S,
    '.issued': vbrTime(server, issued, `issued ${issued}`),
    '.expires': vbrTime(server, issued + TOKEN_LIFETIME_S * 1000, `expires ${issued}`),
  });
}

function getRoute(route: string, query: URLSearchParams, server: VbrServer, version: string, domain: string): VendorResponse {
  const p = paging(query);
  if ('status' in p) return p;
  if (/^\/api\/v1\/jobs\/states$/i.test(route)) {
    return json(200, page(server.jobs.length, p, (i) => renderJobState(server, server.jobs[i]!, version, domain)));
  }
  if (/^\/api\/v1\/backupObjects$/i.test(route)) {
    return json(200, page(server.objects.length, p, (i) => renderBackupObject(server, server.objects[i]!, version, domain)));
  }
  if (/^\/api\/v1\/sessions$/i.test(route)) return sessions(query, p, server, version);
  if (/^\/api\/v1\/backupInfrastructure\/repositories$/i.test(route)) {
    return json(200, page(server.repositories.length, p, (i) => renderRepository(server, server.repositories[i]!, domain)));
  }
  if (/^\/api\/v1\/backupInfrastructure\/scaleOutRepositories$/i.test(route)) return json(200, page(0, p, () => ({})));
  const perObject = /^\/api\/v1\/backupObjects\/([^/]+)\/restorePoints$/i.exec(route);
  if (perObject) {
    const idx = server.byId.get(decodeURIComponent(perObject[1]!).toLowerCase());
    if (idx === undefined) return vbrError(404, 'NotFound', 'Backup object not found.');
    const o = server.objects[idx]!;
    return json(200, page(o.points, p, (i) => renderRestorePoint(server, o, i)));
  }
  // The collection was renamed in 1.1-rev1 ("Breaking Changes"): each revision knows one of the two names.
  const legacy = version === '1.1-rev0';
  if ((/^\/api\/v1\/restorePoints$/i.test(route) && !legacy) || (/^\/api\/v1\/objectRestorePoints$/i.test(route) && legacy)) {
    return restorePoints(query, p, server);
  }
  return vbrError(404, 'NotFound', `The resource ${route} was not found.`);
}

function restorePoints(query: URLSearchParams, p: Paged, server: VbrServer): VendorResponse {
  const column = query.get('orderColumn');
  if (column !== null && !['creationtime', 'platformid', 'backupid'].includes(column.toLowerCase())) {
    return vbrError(400, 'UnexpectedContent', `The orderColumn value ${JSON.stringify(column)} is not valid.`);
  }
  const orderAsc = query.get('orderAsc');
  const descending = orderAsc !== null && orderAsc.toLowerCase() === 'false';
  // Rows are (object position, point index); sort by creation time unless another column was asked for.
  const filter = query.get('backupObjectIdFilter');
  let rows: Array<[number, number]> = [];
  if (filter !== null) {
    const idx = server.byId.get(filter.toLowerCase());
    if (idx !== undefined) for (let i = 0; i < server.objects[idx]!.points; i++) rows.push([idx, i]);
  } else {
    for (let o = 0; o < server.objects.length; o++) for (let i = 0; i < server.objects[o]!.points; i++) rows.push([o, i]);
  }
  if (column === null || column.toLowerCase() === 'creationtime') {
    const t = (r: [number, number]) => pointTime(server, server.objects[r[0]]!, r[1]);
    rows = rows.map((r) => [r, t(r)] as const).sort((a, b) => (descending ? b[1] - a[1] : a[1] - b[1])).map(([r]) => r);
  } else if (descending) {
    rows.reverse();
  }
  return json(200, page(rows.length, p, (i) => renderRestorePoint(server, server.objects[rows[i]![0]]!, rows[i]![1])));
}

/** Session types each revision's enum knows that the simulated server produces (values outside the enum → 400). */
const SESSION_TYPES = ['Infrastructure', 'Job', 'BackupJob', 'ConfigurationBackup', 'RestoreVm', 'InstantRecovery', 'AgentBackup', 'ReplicaJob', 'SureBackup', 'SureBackupContentScan'];

function sessions(query: URLSearchParams, p: Paged, server: VbrServer, version: string): VendorResponse {
  const legacy = version === '1.1-rev0';
  const types = query.getAll('typeFilter');
  if (types.length > 1 && !version.startsWith('1.3-')) {
    return vbrError(400, 'UnexpectedContent', 'The typeFilter parameter accepts one value in this API version.');
  }
  for (const t of types) {
    // SureBackup is in the enum from 1.2-rev1 on (taken as 1.2-rev0 on too); 1.1-rev0 has none, 1.1-rev1/rev2 are not
    // published here: refused, like any value outside the enum. SureBackupContentScan appears in 1.3-rev1.
    const known =
      SESSION_TYPES.includes(t) &&
      (legacy ? t !== 'BackupJob' && t !== 'ReplicaJob' && t !== 'AgentBackup' : t !== 'Job') &&
      (t !== 'AgentBackup' || version.startsWith('1.3-')) &&
      (t !== 'SureBackup' || !version.startsWith('1.1-')) &&
      (t !== 'SureBackupContentScan' || (version.startsWith('1.3-') && version !== '1.3-rev0'));
    if (!known) return vbrError(400, 'UnexpectedContent', `The value ${JSON.stringify(t)} is not valid for typeFilter.`);
  }
  const time = (name: string): number | null | 'bad' => {
    const v = query.get(name);
    if (v === null) return null;
    const ms = Date.parse(v);
    return Number.isFinite(ms) ? ms : 'bad';
  };
  const after = time('createdAfterFilter');
  const before = time('createdBeforeFilter');
  if (after === 'bad' || before === 'bad') return vbrError(400, 'UnexpectedContent', 'The date filter is not a valid date-time.');
  const results = query.getAll('resultFilter');
  const column = (query.get('orderColumn') ?? 'CreationTime').toLowerCase();
  if (!['creationtime', 'endtime'].includes(column)) return vbrError(400, 'UnexpectedContent', `The orderColumn value ${JSON.stringify(query.get('orderColumn'))} is not valid.`);
  const rows: number[] = [];
  server.sessions.forEach((s, i) => {
    const type = sessionTypeOf(s, version);
    if (type === null) return; // not listed by this revision (SureBackup on 1.1-rev0)
    if (types.length && !types.includes(type)) return;
    if (after !== null && s.createdMs <= after) return;
    if (before !== null && s.createdMs >= before) return;
    if (results.length && !results.includes(s.result)) return;
    rows.push(i);
  });
  // Stored oldest first by creation; sorted by end time when asked (stable: ties keep creation order).
  if (column === 'endtime') rows.sort((a, b) => server.sessions[a]!.endMs - server.sessions[b]!.endMs);
  if ((query.get('orderAsc') ?? 'true').toLowerCase() === 'false') rows.reverse();
  return json(200, page(rows.length, p, (i) => renderSession(server, server.sessions[rows[i]!]!, rows[i]!, version)));
}
