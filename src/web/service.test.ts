/** The WebService directly, as the HTML pages use it: scope → null, role → ForbiddenError, audit on every change. */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Evidence } from '../domain/evidence.js';
import type { Principal } from '../domain/principal.js';
import { ForbiddenError, WebError } from './errors.js';
import { offenderPages, parseInstant } from './service.js';
import { sampleScan } from '../../test/helpers/sample-scan.js';
import { OUT_OF_SCOPE_REASON, webFixture, type WebFixture } from './test-support.js';

let f: WebFixture;
beforeAll(async () => {
  f = await webFixture();
});
afterAll(async () => {
  await f.close();
});

const p = (role: Principal['role'], tenants: string[] | null = null): Principal => ({ via: 'session', tokenId: 'aaaaaaaaaaaa', person: null, name: `${role}@svc`, role, tenants });

describe('scope: out-of-scope or unknown is null, never an error', () => {
  it.each([
    ['tenant', (s: WebFixture['app']['webService'], q: Principal) => s.tenant(q, 'fabrikam')],
    ['scans', (s: WebFixture['app']['webService'], q: Principal) => s.scans(q, 'fabrikam')],
    ['scan', (s: WebFixture['app']['webService'], q: Principal) => s.scan(q, 'fabrikam', 'scan-fabrikam-1')],
    ['evidence', (s: WebFixture['app']['webService'], q: Principal) => s.evidence(q, 'fabrikam', 'scan-fabrikam-1', 'm365.mfa.registration')],
    ['diff', (s: WebFixture['app']['webService'], q: Principal) => s.diff(q, 'fabrikam', 'scan-fabrikam-1', 'scan-fabrikam-2')],
    ['episodes', (s: WebFixture['app']['webService'], q: Principal) => s.episodes(q, 'fabrikam')],
    ['acknowledge', (s: WebFixture['app']['webService'], q: Principal) => s.acknowledge(q, 'fabrikam', 'ep-fabrikam-1', 'x')],
    ['scanNow', (s: WebFixture['app']['webService'], q: Principal) => s.scanNow(q, 'fabrikam')],
    ['attestations', (s: WebFixture['app']['webService'], q: Principal) => s.attestations(q, 'fabrikam')],
    ['recordAttestation', (s: WebFixture['app']['webService'], q: Principal) => s.recordAttestation(q, 'fabrikam', { kind: 'dr_plan', note: 'x', attestedAt: '2025-01-01', expiresAt: '2026-01-01' })],
    ['revokeAttestation', (s: WebFixture['app']['webService'], q: Principal) => s.revokeAttestation(q, 'fabrikam', 'any')],
  ])('%s', async (_name, call) => {
    await expect(call(f.app.webService, p('admin', ['contoso']))).resolves.toBeNull();
  });

  it('auditLog for an out-of-scope tenant throws not_found', async () => {
    await expect(f.app.webService.auditLog(p('admin', ['contoso']), 'fabrikam')).rejects.toMatchObject({ code: 'not_found', statusCode: 404 });
  });
});

describe('role: actions below technician throw ForbiddenError (403) after the scope check', () => {
  it('viewer', async () => {
    const s = f.app.webService;
    await expect(s.scanNow(p('viewer'), 'contoso')).rejects.toBeInstanceOf(ForbiddenError);
    await expect(s.acknowledge(p('viewer'), 'contoso', 'ep-contoso-1', 'x')).rejects.toMatchObject({ statusCode: 403 });
    await expect(s.recordAttestation(p('viewer'), 'contoso', { kind: 'dr_plan', note: 'x', attestedAt: '2025-01-01', expiresAt: '2026-01-01' })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(s.revokeAttestation(p('viewer'), 'contoso', 'x')).rejects.toBeInstanceOf(ForbiddenError);
  });
});

describe('helpers', () => {
  it('offenderPages: every string array of the value, with <field>Total as the true count', () => {
    const ev = { key: 'backup.protection', status: 'ok', value: { failing: ['a', 'b', 'c'], failingTotal: 7, pct: 50, policies: [], mixed: ['x', 1] }, reason: null, source: { collector: 'x', endpoints: [], requests: 0 }, collectedAt: '' } as Evidence;
    expect(offenderPages(ev, 1, 2)).toEqual([
      { field: 'failing', items: ['a', 'b'], total: 7, page: 1, pageSize: 2 },
      { field: 'policies', items: [], total: 0, page: 1, pageSize: 2 },
    ]);
    expect(offenderPages({ ...ev, value: null }, 1, 2)).toEqual([]);
  });

  it('parseInstant accepts dates and ISO date-times, refuses the rest', () => {
    expect(parseInstant('2025-03-01', 'x').toISOString()).toBe('2025-03-01T00:00:00.000Z');
    expect(parseInstant('2025-03-01T10:00:00+02:00', 'x').toISOString()).toBe('2025-03-01T08:00:00.000Z');
    for (const bad of ['01/03/2025', '2025-13-01', 'now', '2025-03-01T10:00']) {
      expect(() => parseInstant(bad, 'attestedAt'), bad).toThrow(WebError);
    }
  });
});

describe('tenant summaries: the scope beside the level, read once per newest scan', () => {
  it('reads the newest report once, then again only after a new scan or a rescore; tenant() reuses the report it reads', async () => {
    const g = await webFixture();
    try {
      const svc = g.app.webService;
      const admin = p('admin');
      const getScan = vi.spyOn(g.store, 'getScan');
      const byId = async () => new Map((await svc.tenants(admin)).map((t) => [t.id, t]));

      let list = await byId();
      expect(list.get('contoso')!.scope).toEqual({ complete: true, unassessed: [], connect: {}, outOfScope: { recovery: OUT_OF_SCOPE_REASON } });
      expect(list.get('fabrikam')!.scope).toBeNull(); // stored before scope existed
      expect(list.get('northwind')!.scope).toBeNull(); // never scanned: nothing read
      expect(getScan).toHaveBeenCalledTimes(2);
      await byId();
      await svc.tenant(admin, 'contoso');
      expect(getScan).toHaveBeenCalledTimes(2);

      // A new scan: one read at the next summary. Recovery has no source: unassessed, with what to connect.
      const connect = 'a backup product (config section backup)';
      await g.store.saveScan(sampleScan({ tenantId: 'fabrikam', id: 'scan-fabrikam-3', startedAt: '2025-01-03T02:00:00.000Z', level: 1, scope: { unassessed: { recovery: connect } } }));
      list = await byId();
      expect(list.get('fabrikam')!.scope).toEqual({ complete: false, unassessed: ['recovery'], connect: { recovery: connect }, outOfScope: {} });
      expect(list.get('fabrikam')!.restsOn).toContain('recovery (not assessed)');
      expect(getScan).toHaveBeenCalledTimes(3);

      // A rescore rewrites the report and its capability rows together: the changed rows make the next summary re-read.
      const stored = (await g.store.getScan('scan-fabrikam-3'))!;
      getScan.mockClear();
      const recovery = stored.report.capabilities.find((c) => c.id === 'recovery')!;
      Object.assign(recovery, { scope: 'assessed', assessed: true, scopeReason: null, level: 2, score: 30, coverage: 1 });
      stored.report.level.scope = { complete: true, unassessed: [], connect: {}, outOfScope: {} };
      await g.store.replaceScanScores(stored);
      expect((await byId()).get('fabrikam')!.scope).toMatchObject({ complete: true, unassessed: [] });
      expect(getScan).toHaveBeenCalledTimes(1);
    } finally {
      await g.close();
    }
  });
});
