/** What the REST routes return and change: report, lists, paging, diff, actions, attestations, tokens, audit, errors. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Report } from '../domain/report.js';
import { OUT_OF_SCOPE_REASON, T0, webFixture, type WebFixture } from './test-support.js';

let f: WebFixture;
beforeEach(async () => {
  f = await webFixture();
});
afterEach(async () => {
  await f.close();
});

const get = (url: string, who: Parameters<WebFixture['as']>[0] = 'viewer') => f.as(who, { method: 'GET', url });
const post = (url: string, payload?: Record<string, unknown>, who: Parameters<WebFixture['as']>[0] = 'technician') =>
  f.as(who, { method: 'POST', url, ...(payload ? { payload } : {}) });

describe('reads', () => {
  it('GET /tenants: summaries with level, capabilities, last scan, open regressions and an oldest-first sparkline', async () => {
    const res = await get('/api/v1/tenants');
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const { tenants } = res.json() as { tenants: Array<Record<string, unknown>> };
    const contoso = tenants.find((t) => t.id === 'contoso')!;
    expect(contoso).toMatchObject({
      name: 'Contoso Ltd',
      level: 2,
      levelName: 'Managed',
      potential: 3,
      confirmed: false,
      lastScan: { id: 'scan-contoso-2', status: 'complete' },
      openRegressions: 1,
    });
    expect((contoso.sparkline as Array<{ level: number }>).map((s) => s.level)).toEqual([3, 2]);
    expect((contoso.capabilities as Array<{ id: string; name: string }>)[0]).toMatchObject({ id: 'identity', name: 'Identity & access' });
    // Tenant names are data, returned as given (escaping is the pages' job).
    expect(tenants.find((t) => t.id === 'fabrikam')?.name).toBe('Fabrikam <script>alert(1)</script> & Co');
    expect(tenants.find((t) => t.id === 'northwind')).toMatchObject({ level: null, lastScan: null, sparkline: [], capabilities: [] });
  });

  it('GET /tenants: the scope and what the level rests on beside it, from the newest report (null before scope existed)', async () => {
    const { tenants } = (await get('/api/v1/tenants')).json() as { tenants: Array<{ id: string; scope: unknown; restsOn: string | null; capabilities: Array<{ id: string }> }> };
    const contoso = tenants.find((t) => t.id === 'contoso')!;
    expect(contoso.scope).toEqual({ complete: true, unassessed: [], connect: {}, outOfScope: { recovery: OUT_OF_SCOPE_REASON } });
    expect(contoso.restsOn).toMatch(/^level 2 \(Managed\) is the weakest in-scope capability: .*; out of scope: recovery$/);
    // Nothing measured, so no score to show: the scope says why.
    expect(contoso.capabilities.map((c) => c.id)).not.toContain('recovery');
    // Fabrikam's newest report was stored before scope existed; northwind was never scanned.
    expect(tenants.find((t) => t.id === 'fabrikam')).toMatchObject({ scope: null, restsOn: null });
    expect(tenants.find((t) => t.id === 'northwind')).toMatchObject({ scope: null, restsOn: null });
    const detail = (await get('/api/v1/tenants/contoso')).json() as { summary: { scope: unknown }; report: Report };
    expect(detail.summary.scope).toEqual(detail.report.level.scope);
  });

  it('GET /tenants/:id: summary and the latest report; a tenant without scans has report null', async () => {
    const res = (await get('/api/v1/tenants/contoso')).json() as { summary: { id: string }; report: Report };
    expect(res.summary.id).toBe('contoso');
    expect(res.report.scan.id).toBe('scan-contoso-2');
    expect(((await get('/api/v1/tenants/northwind')).json() as { report: null }).report).toBeNull();
  });

  it('GET …/scans/:scanId is the stored §5 report, field for field', async () => {
    const res = await get('/api/v1/tenants/contoso/scans/scan-contoso-1');
    const stored = await f.store.getScan('scan-contoso-1');
    expect(res.json()).toEqual(JSON.parse(JSON.stringify(stored!.report)));
  });

  it('GET …/scans lists newest first and honours limit', async () => {
    const res = (await get('/api/v1/tenants/contoso/scans?limit=1')).json() as { scans: Array<{ id: string }> };
    expect(res.scans.map((s) => s.id)).toEqual(['scan-contoso-2']);
    expect(((await get('/api/v1/tenants/contoso/scans')).json() as { scans: unknown[] }).scans).toHaveLength(2);
  });

  it('GET …/findings filters by outcome and capability; …/evidence lists the evidence', async () => {
    const pass = (await get('/api/v1/tenants/contoso/scans/scan-contoso-2/findings?outcome=pass')).json() as { findings: Array<{ outcome: string }> };
    expect(pass.findings.length).toBeGreaterThan(0);
    expect(pass.findings.every((x) => x.outcome === 'pass')).toBe(true);
    const endpoint = (await get('/api/v1/tenants/contoso/scans/scan-contoso-2/findings?capability=endpoint')).json() as { findings: Array<{ ruleId: string }> };
    expect(endpoint.findings.map((x) => x.ruleId)).toEqual(['patch-compliance']);
    const ev = (await get('/api/v1/tenants/contoso/scans/scan-contoso-2/evidence')).json() as { evidence: Array<{ key: string }> };
    expect(ev.evidence.map((e) => e.key)).toContain('m365.mfa.registration');
  });

  it('GET …/evidence/:key pages the offender list and reports the true count', async () => {
    const url = '/api/v1/tenants/contoso/scans/scan-contoso-2/evidence/m365.mfa.registration';
    const p2 = (await get(`${url}?page=2&pageSize=50`)).json() as { evidence: { key: string }; offenders: Array<{ field: string; items: string[]; total: number; page: number; pageSize: number }> };
    expect(p2.evidence.key).toBe('m365.mfa.registration');
    expect(p2.offenders).toHaveLength(1);
    expect(p2.offenders[0]).toMatchObject({ field: 'unregistered', total: 1500, page: 2, pageSize: 50 });
    expect(p2.offenders[0]!.items).toHaveLength(50);
    expect(p2.offenders[0]!.items[0]).toBe('user0050@contoso.example');
    const p3 = (await get(`${url}?page=3&pageSize=50`)).json() as { offenders: Array<{ items: string[] }> };
    expect(p3.offenders[0]!.items).toHaveLength(20);
    const defaults = (await get(url)).json() as { offenders: Array<{ page: number; pageSize: number }> };
    expect(defaults.offenders[0]).toMatchObject({ page: 1, pageSize: 50 });
    expect((await get('/api/v1/tenants/contoso/scans/scan-contoso-2/evidence/no.such.key')).statusCode).toBe(404);
  });

  it('GET /diff names the rules, capabilities and evidence that changed', async () => {
    const res = await get('/api/v1/tenants/contoso/diff?from=scan-contoso-1&to=scan-contoso-2');
    expect(res.statusCode).toBe(200);
    const d = res.json() as { from: { level: number }; to: { level: number }; rules: Array<Record<string, string>>; evidence: Array<Record<string, string>>; capabilities: Array<{ id: string; fromLevel: number; toLevel: number }> };
    expect(d.from.level).toBe(3);
    expect(d.to.level).toBe(2);
    expect(d.rules).toEqual([
      { ruleId: 'patch-compliance', capability: 'endpoint', from: 'fail', to: 'pass', fromObserved: '102 of 120 devices compliant (85 %)', toObserved: '118 of 120 devices compliant (98 %)' },
    ]);
    expect(d.evidence).toEqual([{ key: 'rmm.alerts', from: 'error', to: 'ok' }]);
    expect(d.capabilities.find((c) => c.id === 'identity')).toMatchObject({ fromLevel: 3, toLevel: 2 });
  });

  it('GET /episodes lists open and closed episodes', async () => {
    const res = (await get('/api/v1/tenants/contoso/episodes')).json() as { episodes: Array<{ id: string; state: string }> };
    expect(res.episodes.map((e) => e.id).sort()).toEqual(['ep-contoso-1', 'ep-contoso-closed']);
  });
});

describe('validation errors are 400 and name the field', () => {
  it.each([
    ['/api/v1/tenants/contoso/scans/scan-contoso-2/evidence/m365.mfa.registration?pageSize=501', /querystring\.pageSize/],
    ['/api/v1/tenants/contoso/scans/scan-contoso-2/evidence/m365.mfa.registration?page=0', /querystring\.page/],
    ['/api/v1/tenants/contoso/scans?limit=abc', /querystring\.limit/],
    ['/api/v1/tenants/contoso/diff?from=scan-contoso-1', /querystring\.to/],
    ['/api/v1/tenants/Not_A_Tenant', /params\.id/],
    ['/api/v1/tenants/contoso/scans/scan-contoso-2/findings?outcome=great', /querystring\.outcome/],
  ])('GET %s', async (url, field) => {
    const res = await get(url);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: { code: 'invalid_request' } });
    expect((res.json() as { error: { message: string } }).error.message).toMatch(field);
  });

  it.each([
    ['/api/v1/tenants/contoso/attestations', { kind: 'bribe', note: 'x', attestedAt: '2025-01-01', expiresAt: '2026-01-01' }, /body\.kind/],
    ['/api/v1/tenants/contoso/attestations', { kind: 'dr_plan', note: '   ', attestedAt: '2025-01-01', expiresAt: '2026-01-01' }, /body\.note/],
    ['/api/v1/tenants/contoso/attestations', { kind: 'dr_plan', note: 'x', attestedAt: '2025-02-01', expiresAt: '2025-01-01' }, /expiresAt: must be after attestedAt/],
    ['/api/v1/tenants/contoso/attestations', { kind: 'dr_plan', note: 'x', attestedAt: 'yesterday-ish', expiresAt: '2026-01-01' }, /attestedAt/],
    ['/api/v1/tenants/contoso/attestations', { kind: 'dr_plan', note: 'x', attestedAt: '2026-01-01', expiresAt: '2026-06-01' }, /attestedAt: lies in the future/],
    ['/api/v1/tenants/contoso/attestations', { kind: 'dr_plan', note: 'x', attestedAt: '2024-01-01', expiresAt: '2025-01-01' }, /expiresAt: already in the past/],
    ['/api/v1/tenants/contoso/attestations', { kind: 'dr_plan', note: 'x', attestedAt: '2025-01-01', expiresAt: '2099-01-01' }, /expiresAt: an attestation lasts at most/],
    ['/api/v1/tenants/contoso/episodes/ep-contoso-1/acknowledge', { comment: '' }, /body\.comment/],
    ['/api/v1/tokens', { name: 'x', role: 'root' }, /body\.role/],
    ['/api/v1/tokens', { name: 'x', role: 'viewer', tenants: ['atlantis'] }, /tenants: unknown tenant id atlantis/],
  ])('POST %s %j', async (url, payload, field) => {
    const res = await post(url, payload, 'admin');
    expect(res.statusCode, res.body).toBe(400);
    expect((res.json() as { error: { message: string } }).error.message).toMatch(field);
  });

  it('a body that is not JSON is 400/415, never 500', async () => {
    const res = await f.as('technician', { method: 'POST', url: '/api/v1/tenants/contoso/attestations', headers: { 'content-type': 'application/json' }, payload: '{"kind":' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: { code: 'invalid_request' } });
  });

  it('unknown API routes are JSON 404 for an authenticated caller', async () => {
    const res = await get('/api/v1/nothing-here');
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ error: { code: 'not_found' } });
  });
});

describe('actions', () => {
  it('acknowledge stores the comment and author, and audits it; a closed episode is 409', async () => {
    const res = await post('/api/v1/tenants/contoso/episodes/ep-contoso-1/acknowledge', { comment: '  change window, CHG-12  ' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ acknowledgedBy: 'technician@test', acknowledgement: 'change window, CHG-12', acknowledgedAt: new Date(T0).toISOString() });
    const [stored] = (await f.store.episodes('contoso')).filter((e) => e.id === 'ep-contoso-1');
    expect(stored?.acknowledgement).toBe('change window, CHG-12');
    const [entry] = await f.store.auditLog({ tenants: ['contoso'], global: false, limit: 1 });
    expect(entry).toMatchObject({ action: 'episode.acknowledged', actor: 'technician@test', tenantId: 'contoso', target: 'ep-contoso-1', detail: { comment: 'change window, CHG-12' } });
    const closed = await post('/api/v1/tenants/contoso/episodes/ep-contoso-closed/acknowledge', { comment: 'late' });
    expect(closed.statusCode).toBe(409);
    expect((await post('/api/v1/tenants/contoso/episodes/nope/acknowledge', { comment: 'x' })).statusCode).toBe(404);
  });

  it('scan now queues through the scheduler (202), 409 with the reason when it cannot, and audits both', async () => {
    const ok = await post('/api/v1/tenants/contoso/scan');
    expect(ok.statusCode).toBe(202);
    expect(ok.json()).toEqual({ queued: true });
    f.busy.add('contoso');
    const busy = await post('/api/v1/tenants/contoso/scan');
    expect(busy.statusCode).toBe(409);
    expect(busy.json()).toEqual({ queued: false, reason: 'a scan of this tenant is already running' });
    expect(f.scanRequests).toEqual(['contoso', 'contoso']);
    const entries = await f.store.auditLog({ tenants: ['contoso'], global: false });
    expect(entries.filter((e) => e.action === 'scan.requested').map((e) => e.detail.queued)).toEqual([false, true]);
  });

  it('a viewer cannot act: 403 and nothing changes', async () => {
    expect((await post('/api/v1/tenants/contoso/scan', undefined, 'viewer')).statusCode).toBe(403);
    expect(f.scanRequests).toEqual([]);
    expect((await post('/api/v1/tenants/contoso/episodes/ep-contoso-1/acknowledge', { comment: 'x' }, 'viewer')).statusCode).toBe(403);
    expect((await f.store.episodes('contoso')).find((e) => e.id === 'ep-contoso-1')?.acknowledgedAt).toBeNull();
    const att = await post('/api/v1/tenants/contoso/attestations', { kind: 'dr_plan', note: 'x', attestedAt: '2025-02-01', expiresAt: '2026-02-01' }, 'viewer');
    expect(att.statusCode).toBe(403);
    expect(await f.store.attestations('contoso')).toEqual([]);
  });
});

describe('attestations', () => {
  it('records, lists with status (valid → expired → revoked), revokes once, and audits every change', async () => {
    const created = await post('/api/v1/tenants/contoso/attestations', {
      kind: 'restore_test',
      note: 'Restored FS01 <b>fully</b>',
      fileRef: 'https://dms.example/r.pdf',
      attestedAt: '2025-02-20',
      expiresAt: '2025-03-10T00:00:00Z',
    });
    expect(created.statusCode).toBe(201);
    const a = created.json() as { id: string; author: string; attestedAt: string; expiresAt: string; note: string };
    expect(a).toMatchObject({ author: 'technician@test', attestedAt: '2025-02-20T00:00:00.000Z', expiresAt: '2025-03-10T00:00:00.000Z', note: 'Restored FS01 <b>fully</b>' });

    const list = async () => ((await get('/api/v1/tenants/contoso/attestations')).json() as { attestations: Array<{ id: string; status: string }> }).attestations;
    expect(await list()).toMatchObject([{ id: a.id, status: 'valid' }]);
    f.clock.ms = Date.parse('2025-03-10T00:00:00.000Z');
    expect(await list()).toMatchObject([{ id: a.id, status: 'expired' }]);

    const revoked = await post(`/api/v1/tenants/contoso/attestations/${a.id}/revoke`);
    expect(revoked.statusCode).toBe(200);
    expect(revoked.json()).toMatchObject({ revokedBy: 'technician@test' });
    expect(await list()).toMatchObject([{ id: a.id, status: 'revoked' }]);
    expect((await post(`/api/v1/tenants/contoso/attestations/${a.id}/revoke`)).statusCode).toBe(409);

    const audit = (await get('/api/v1/audit?tenant=contoso')).json() as { entries: Array<{ action: string; target: string }> };
    expect(audit.entries.filter((e) => e.target === a.id).map((e) => e.action)).toEqual(['attestation.revoked', 'attestation.recorded']);
  });
});

describe('tokens over the API (admin)', () => {
  it('creates a token shown once, which works at once; lists never show secrets or hashes; revoke ends it', async () => {
    const created = await post('/api/v1/tokens', { name: 'psa-integration', role: 'viewer', tenants: ['fabrikam'] }, 'admin');
    expect(created.statusCode).toBe(201);
    expect(created.headers['cache-control']).toBe('no-store');
    const { token, record } = created.json() as { token: string; record: { id: string; tenants: string[]; createdBy: string } };
    expect(token).toMatch(/^rtk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    expect(record).toMatchObject({ tenants: ['fabrikam'], createdBy: 'admin@test' });
    expect(record).not.toHaveProperty('tokenHash');

    const mine = await f.app.inject({ method: 'GET', url: '/api/v1/tenants', headers: { authorization: `Bearer ${token}` } });
    expect((mine.json() as { tenants: Array<{ id: string }> }).tenants.map((t) => t.id)).toEqual(['fabrikam']);

    const list = await get('/api/v1/tokens', 'admin');
    expect(list.body).not.toContain(token.split('_')[2]);
    expect(list.body).not.toMatch(/tokenHash|token_hash/);
    expect((list.json() as { tokens: Array<{ id: string; lastUsedAt: string | null }> }).tokens.find((t) => t.id === record.id)?.lastUsedAt).toBe(new Date(T0).toISOString());

    const rev = await post(`/api/v1/tokens/${record.id}/revoke`, undefined, 'admin');
    expect(rev.statusCode).toBe(200);
    expect(rev.json()).toMatchObject({ id: record.id, revokedBy: 'admin@test' });
    const after = await f.app.inject({ method: 'GET', url: '/api/v1/tenants', headers: { authorization: `Bearer ${token}` } });
    expect(after.statusCode).toBe(401);
    expect((await post('/api/v1/tokens/000000000000/revoke', undefined, 'admin')).statusCode).toBe(404);

    const audit = (await get('/api/v1/audit', 'admin')).json() as { entries: Array<{ action: string; target: string; detail: Record<string, unknown> }> };
    const actions = audit.entries.filter((e) => e.target === record.id).map((e) => e.action);
    expect(actions).toEqual(['token.revoked', 'token.created']);
    expect(JSON.stringify(audit.entries)).not.toContain(token.split('_')[2]);
  });

  it('a scoped admin mints tokens (up to admin) inside its scope', async () => {
    const res = await post('/api/v1/tokens', { name: 'x', role: 'admin', tenants: ['contoso'] }, 'adminContoso');
    expect(res.statusCode).toBe(201);
  });
});
