/**
 * Every REST route × role (viewer, technician, admin) × tenant scope, through fastify.inject:
 * in scope 2xx, out of scope 404 (before any role check, so nothing leaks), no token / revoked / forged token 401,
 * role too low 403.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLE_RANK, type Role } from '../domain/principal.js';
import { createApiToken } from './tokens.js';
import { T0, TENANTS, webFixture, type TokenName, type WebFixture } from './test-support.js';

interface RouteCase {
  name: string;
  method: 'GET' | 'POST';
  /** Builds the URL for a tenant, preparing whatever state the call consumes (a fresh attestation, a token, …). */
  url: (f: WebFixture, tenant: string) => string | Promise<string>;
  body?: (tenant: string) => Record<string, unknown>;
  role: Role;
  /** The route names a tenant: out-of-scope and unknown tenants answer 404. */
  tenant: boolean;
  ok: number;
}

const day = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();

async function freshAttestation(f: WebFixture, tenant: string): Promise<string> {
  const id = randomUUID();
  await f.store.saveAttestation({
    id,
    tenantId: tenant,
    kind: 'dr_plan',
    note: 'seeded',
    fileRef: null,
    author: 'seed',
    attestedAt: iso(T0 - 10 * day),
    expiresAt: iso(T0 + 300 * day),
    createdAt: iso(T0 - 10 * day),
    revokedAt: null,
    revokedBy: null,
  });
  return id;
}

async function freshToken(f: WebFixture): Promise<string> {
  const { record } = await createApiToken(f.store, { name: 'victim', role: 'viewer', tenants: ['contoso'] }, { createdBy: 'test', knownTenants: TENANTS.map((t) => t.id), now: new Date(T0) });
  return record.id;
}

const ROUTES: RouteCase[] = [
  { name: 'GET /me', method: 'GET', url: () => '/api/v1/me', role: 'viewer', tenant: false, ok: 200 },
  { name: 'GET /openapi.json', method: 'GET', url: () => '/api/v1/openapi.json', role: 'viewer', tenant: false, ok: 200 },
  { name: 'GET /tenants', method: 'GET', url: () => '/api/v1/tenants', role: 'viewer', tenant: false, ok: 200 },
  { name: 'GET /tenants/:id', method: 'GET', url: (_f, t) => `/api/v1/tenants/${t}`, role: 'viewer', tenant: true, ok: 200 },
  { name: 'GET /tenants/:id/scans', method: 'GET', url: (_f, t) => `/api/v1/tenants/${t}/scans?limit=10`, role: 'viewer', tenant: true, ok: 200 },
  { name: 'GET /tenants/:id/scans/:scanId', method: 'GET', url: (_f, t) => `/api/v1/tenants/${t}/scans/scan-${t}-2`, role: 'viewer', tenant: true, ok: 200 },
  { name: 'GET …/findings', method: 'GET', url: (_f, t) => `/api/v1/tenants/${t}/scans/scan-${t}-2/findings`, role: 'viewer', tenant: true, ok: 200 },
  { name: 'GET …/evidence', method: 'GET', url: (_f, t) => `/api/v1/tenants/${t}/scans/scan-${t}-2/evidence`, role: 'viewer', tenant: true, ok: 200 },
  {
    name: 'GET …/evidence/:key',
    method: 'GET',
    url: (_f, t) => `/api/v1/tenants/${t}/scans/scan-${t}-2/evidence/m365.mfa.registration?page=2&pageSize=50`,
    role: 'viewer',
    tenant: true,
    ok: 200,
  },
  { name: 'GET /tenants/:id/diff', method: 'GET', url: (_f, t) => `/api/v1/tenants/${t}/diff?from=scan-${t}-1&to=scan-${t}-2`, role: 'viewer', tenant: true, ok: 200 },
  { name: 'GET /tenants/:id/episodes', method: 'GET', url: (_f, t) => `/api/v1/tenants/${t}/episodes`, role: 'viewer', tenant: true, ok: 200 },
  {
    name: 'POST …/episodes/:episodeId/acknowledge',
    method: 'POST',
    url: (_f, t) => `/api/v1/tenants/${t}/episodes/ep-${t}-1/acknowledge`,
    body: () => ({ comment: 'known: patching window moved, ticket #4711' }),
    role: 'technician',
    tenant: true,
    ok: 200,
  },
  { name: 'POST /tenants/:id/scan', method: 'POST', url: (_f, t) => `/api/v1/tenants/${t}/scan`, role: 'technician', tenant: true, ok: 202 },
  { name: 'GET /tenants/:id/attestations', method: 'GET', url: (_f, t) => `/api/v1/tenants/${t}/attestations`, role: 'viewer', tenant: true, ok: 200 },
  {
    name: 'POST /tenants/:id/attestations',
    method: 'POST',
    url: (_f, t) => `/api/v1/tenants/${t}/attestations`,
    body: () => ({ kind: 'restore_test', note: 'Restored FS01 to the lab', fileRef: 'https://dms.example/restore.pdf', attestedAt: '2025-02-20', expiresAt: '2025-05-21' }),
    role: 'technician',
    tenant: true,
    ok: 201,
  },
  {
    name: 'POST …/attestations/:aid/revoke',
    method: 'POST',
    url: async (f, t) => `/api/v1/tenants/${t}/attestations/${await freshAttestation(f, t === 'nosuch' ? 'contoso' : t)}/revoke`,
    role: 'technician',
    tenant: true,
    ok: 200,
  },
  { name: 'GET /audit', method: 'GET', url: () => '/api/v1/audit', role: 'viewer', tenant: false, ok: 200 },
  { name: 'GET /audit?tenant=', method: 'GET', url: (_f, t) => `/api/v1/audit?tenant=${t}`, role: 'viewer', tenant: true, ok: 200 },
  { name: 'GET /tokens', method: 'GET', url: () => '/api/v1/tokens', role: 'admin', tenant: false, ok: 200 },
  { name: 'POST /tokens', method: 'POST', url: () => '/api/v1/tokens', body: () => ({ name: 'psa', role: 'viewer', tenants: ['contoso'] }), role: 'admin', tenant: false, ok: 201 },
  { name: 'POST /tokens/:id/revoke', method: 'POST', url: async (f) => `/api/v1/tokens/${await freshToken(f)}/revoke`, role: 'admin', tenant: false, ok: 200 },
];

let f: WebFixture;
beforeAll(async () => {
  f = await webFixture();
});
afterAll(async () => {
  await f.close();
});

async function call(r: RouteCase, who: TokenName | null, tenant: string, extra: Record<string, string> = {}) {
  const url = await r.url(f, tenant);
  const body = r.body?.(tenant);
  return f.as(who, { method: r.method, url, headers: extra, ...(body ? { payload: body } : {}) });
}

const UNSCOPED: Array<[TokenName, Role]> = [
  ['viewer', 'viewer'],
  ['technician', 'technician'],
  ['admin', 'admin'],
];
const SCOPED: Array<[TokenName, Role]> = [
  ['viewerContoso', 'viewer'],
  ['technicianContoso', 'technician'],
  ['adminContoso', 'admin'],
];

describe.each(ROUTES)('$name', (r) => {
  it('401 without a token (JSON, WWW-Authenticate: Bearer)', async () => {
    const res = await call(r, null, 'contoso');
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(res.json()).toMatchObject({ error: { code: 'unauthorized' } });
  });

  it('401 with a revoked token', async () => {
    for (const who of ['revoked', 'revokedAdmin'] as const) {
      const res = await call(r, who, 'contoso');
      expect(res.statusCode, who).toBe(401);
    }
  });

  it('401 with a forged or malformed token', async () => {
    const real = f.tokens.admin;
    const forged = `${real.slice(0, -4)}${real.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;
    for (const auth of [`Bearer ${forged}`, 'Bearer rtk_000000000000_' + 'A'.repeat(43), 'Bearer nonsense', 'Basic YWRtaW46YWRtaW4=', `Bearer`]) {
      const res = await f.app.inject({ method: r.method, url: await r.url(f, 'contoso'), headers: { authorization: auth } });
      expect(res.statusCode, auth).toBe(401);
    }
  });

  it.each(UNSCOPED)('role %s (all tenants)', async (who, role) => {
    const res = await call(r, who, 'contoso');
    const expected = ROLE_RANK[role] >= ROLE_RANK[r.role] ? r.ok : 403;
    expect(res.statusCode, res.body).toBe(expected);
    if (expected === 403) expect(res.json()).toMatchObject({ error: { code: 'forbidden' } });
  });

  it.each(SCOPED)('role %s scoped to contoso: in scope', async (who, role) => {
    const res = await call(r, who, 'contoso');
    expect(res.statusCode, res.body).toBe(ROLE_RANK[role] >= ROLE_RANK[r.role] ? r.ok : 403);
  });

  if (r.tenant) {
    it.each(SCOPED)('role %s scoped to contoso: another tenant is 404, whatever the role', async (who) => {
      const res = await call(r, who, 'fabrikam');
      expect(res.statusCode, res.body).toBe(404);
      expect(res.json()).toMatchObject({ error: { code: 'not_found' } });
      // The body never mentions the other tenant's data.
      expect(res.body).not.toMatch(/Fabrikam/);
    });

    it('an unknown tenant is 404 for an unscoped admin too (same answer as out of scope)', async () => {
      const res = await call(r, 'admin', 'nosuch');
      expect(res.statusCode, res.body).toBe(404);
    });
  }
});

describe('scope shapes the data, not just the status', () => {
  it('GET /tenants lists only the tenants in scope', async () => {
    const all = (await f.as('viewer', { method: 'GET', url: '/api/v1/tenants' })).json() as { tenants: Array<{ id: string }> };
    expect(all.tenants.map((t) => t.id)).toEqual(['contoso', 'fabrikam', 'northwind']);
    const scoped = (await f.as('viewerContoso', { method: 'GET', url: '/api/v1/tenants' })).json() as { tenants: Array<{ id: string }> };
    expect(scoped.tenants.map((t) => t.id)).toEqual(['contoso']);
  });

  it("a scan id of another tenant is 404 under an in-scope tenant's path", async () => {
    const res = await f.as('viewerContoso', { method: 'GET', url: '/api/v1/tenants/contoso/scans/scan-fabrikam-2' });
    expect(res.statusCode).toBe(404);
    const diff = await f.as('viewerContoso', { method: 'GET', url: '/api/v1/tenants/contoso/diff?from=scan-contoso-1&to=scan-fabrikam-2' });
    expect(diff.statusCode).toBe(404);
  });

  it("an episode or attestation of another tenant is 404 under an in-scope tenant's path", async () => {
    const ack = await f.as('technicianContoso', { method: 'POST', url: '/api/v1/tenants/contoso/episodes/ep-fabrikam-1/acknowledge', payload: { comment: 'x' } });
    expect(ack.statusCode).toBe(404);
    const aid = await freshAttestation(f, 'fabrikam');
    const rev = await f.as('technicianContoso', { method: 'POST', url: `/api/v1/tenants/contoso/attestations/${aid}/revoke` });
    expect(rev.statusCode).toBe(404);
    expect((await f.store.getAttestation(aid))?.revokedAt).toBeNull();
  });

  it('the audit log of a scoped principal holds only its tenants, and no token or sign-in entries', async () => {
    await f.as('technician', { method: 'POST', url: '/api/v1/tenants/fabrikam/scan' });
    await f.as('technician', { method: 'POST', url: '/api/v1/tenants/contoso/scan' });
    const scoped = (await f.as('viewerContoso', { method: 'GET', url: '/api/v1/audit?limit=1000' })).json() as { entries: Array<{ tenantId: string | null }> };
    expect(scoped.entries.length).toBeGreaterThan(0);
    expect(scoped.entries.every((e) => e.tenantId === 'contoso')).toBe(true);
    const admin = (await f.as('admin', { method: 'GET', url: '/api/v1/audit?limit=1000' })).json() as { entries: Array<{ tenantId: string | null; action: string }> };
    expect(admin.entries.some((e) => e.tenantId === 'fabrikam')).toBe(true);
    expect(admin.entries.some((e) => e.tenantId === null && e.action === 'token.created')).toBe(true);
    const unscopedViewer = (await f.as('viewer', { method: 'GET', url: '/api/v1/audit?limit=1000' })).json() as { entries: Array<{ tenantId: string | null }> };
    expect(unscopedViewer.entries.every((e) => e.tenantId !== null)).toBe(true);
  });

  it('a scoped admin manages only tokens inside its scope and cannot mint broader ones', async () => {
    const broad = await f.as('adminContoso', { method: 'POST', url: '/api/v1/tokens', payload: { name: 'x', role: 'viewer' } });
    expect(broad.statusCode).toBe(403);
    const other = await f.as('adminContoso', { method: 'POST', url: '/api/v1/tokens', payload: { name: 'x', role: 'viewer', tenants: ['fabrikam'] } });
    expect(other.statusCode).toBe(403);
    const listed = (await f.as('adminContoso', { method: 'GET', url: '/api/v1/tokens' })).json() as { tokens: Array<{ tenants: string[] | null }> };
    expect(listed.tokens.every((t) => t.tenants !== null && t.tenants.every((x) => x === 'contoso'))).toBe(true);
    const revokeAll = await f.as('adminContoso', { method: 'POST', url: `/api/v1/tokens/${f.tokenIds.viewer}/revoke` });
    expect(revokeAll.statusCode).toBe(404);
    expect((await f.store.getToken(f.tokenIds.viewer))?.revokedAt).toBeNull();
  });

  it('a technician cannot create tokens, even for its own tenants (role before body validation)', async () => {
    const res = await f.as('technician', { method: 'POST', url: '/api/v1/tokens', payload: { name: '', role: 'root' } });
    expect(res.statusCode).toBe(403);
  });
});
