/** The WebService directly, as the HTML pages use it: scope → null, role → ForbiddenError, audit on every change. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Evidence } from '../../src/evidence/types.js';
import type { Principal } from '../../src/web/contracts.js';
import { ForbiddenError, WebError } from '../../src/web/errors.js';
import { offenderPages, parseInstant } from '../../src/web/service.js';
import { webFixture, type WebFixture } from './helpers.js';

let f: WebFixture;
beforeAll(async () => {
  f = await webFixture();
});
afterAll(async () => {
  await f.close();
});

const p = (role: Principal['role'], tenants: string[] | null = null): Principal => ({ via: 'session', tokenId: 'aaaaaaaaaaaa', name: `${role}@svc`, role, tenants });

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
