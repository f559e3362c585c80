/**
 * Portfolio benchmarking through the real web stack (issue 16 item 3): the service over a SqliteStore seeded with
 * seven peers, the REST API's tenant and tenant-list responses, and the tenant and portfolio pages.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredScan } from '../store/store.js';
import { sampleScan } from '../../test/helpers/sample-scan.js';
import { TENANTS, webFixture, type WebFixture } from './test-support.js';
import { uiPlugin } from './ui/index.js';

/** Extra tenants beside the fixture's contoso (L2, identity 82.5, 50 users), fabrikam (the same) and northwind (never scanned). */
const EXTRA = [
  { id: 'alpha', name: 'Alpha', level: 1, identity: 40, users: 20 },
  { id: 'beta', name: 'Beta', level: 2, identity: 60, users: 60 },
  { id: 'gamma', name: 'Gamma', level: 4, identity: 90, users: 300 },
  { id: 'delta', name: 'Delta', level: 5, identity: 95, users: 120 },
];

function scanOf(t: { id: string; name: string }, n: number, level: number, identity: number, users: number, status: StoredScan['status'] = 'complete'): StoredScan {
  const s = sampleScan({ tenantId: t.id, tenantName: t.name, id: `scan-${t.id}-${n}`, startedAt: `2025-01-0${n}T02:00:00.000Z`, level, status });
  s.report.capabilities[0] = { ...s.report.capabilities[0]!, score: identity };
  (s.report.evidence[0]!.value as Record<string, unknown>).eligible = users;
  return s;
}

let f: WebFixture;
beforeAll(async () => {
  const tenants = [...TENANTS, ...EXTRA, { id: 'eps', name: 'Eps' }, { id: 'zeta', name: 'Zeta' }];
  f = await webFixture({ deps: { ui: uiPlugin }, config: { tenants: tenants.map((t) => ({ id: t.id, name: t.name, m365: {} as never })) } });
  for (const t of EXTRA) await f.store.saveScan(scanOf(t, 1, t.level, t.identity, t.users));
  // eps: its newest scan is partial (and would lead); the benchmark uses its latest complete one (L1, identity 10).
  await f.store.saveScan(scanOf({ id: 'eps', name: 'Eps' }, 1, 1, 10, 50));
  await f.store.saveScan(scanOf({ id: 'eps', name: 'Eps' }, 2, 5, 100, 50, 'partial'));
  // zeta: only a partial scan, so no peer at all.
  await f.store.saveScan(scanOf({ id: 'zeta', name: 'Zeta' }, 1, 5, 100, 50, 'partial'));
});
afterAll(async () => {
  await f.close();
});

describe('benchmark through the web service and API', () => {
  it('ranks contoso among the seven tenants with a complete scan, and within its size band', async () => {
    const res = await f.as('viewer', { method: 'GET', url: '/api/v1/tenants/contoso' });
    expect(res.statusCode).toBe(200);
    const b = res.json().benchmark;
    // Peers: contoso, fabrikam, alpha, beta, gamma, delta, eps (latest complete). Not northwind (never scanned), not zeta (partial only).
    expect(b.peers).toBe(7);
    expect(b.sizeBand).toEqual({ id: '50-249', label: '50–249 users' });
    // Level 2 among [2, 2, 1, 2, 4, 5, 1]: below 2, equal 3 → (2 + 1.5) / 7 = 50.
    expect(b.level).toMatchObject({ percentile: 50, peers: 7, reason: null });
    // Identity 82.5 among [82.5, 82.5, 40, 60, 90, 95, 10]: below 3, equal 2 → 4 / 7 = 57; band (contoso, fabrikam, beta, delta, eps): (2 + 1) / 5 = 60.
    expect(b.capabilities.identity).toMatchObject({ percentile: 57, peers: 7, band: { id: '50-249', percentile: 60, peers: 5 } });
    // Contoso declares recovery out of scope: it gets no recovery entry.
    expect(b.capabilities.recovery).toBeUndefined();
  });

  it('has no benchmark for a tenant without a complete scan', async () => {
    const zeta = await f.as('viewer', { method: 'GET', url: '/api/v1/tenants/zeta' });
    expect(zeta.json().benchmark).toBeNull();
    const northwind = await f.as('viewer', { method: 'GET', url: '/api/v1/tenants/northwind' });
    expect(northwind.json().benchmark).toBeNull();
  });

  it('ranks eps by its latest complete scan, not its newer partial one', async () => {
    const b = (await f.as('viewer', { method: 'GET', url: '/api/v1/tenants/eps' })).json().benchmark;
    expect(b.level.percentile).toBe(14); // L1: below 0, equal 2 → 1 / 7
    expect(b.capabilities.identity.percentile).toBe(7); // 10 is the lowest: 0.5 / 7
  });

  it('gives the tenant list each level percentile, the same as the tenant response', async () => {
    const list = (await f.as('viewer', { method: 'GET', url: '/api/v1/tenants' })).json().tenants as Array<{ id: string; levelBenchmark: { percentile: number | null } | null }>;
    const byId = new Map(list.map((t) => [t.id, t.levelBenchmark]));
    expect(byId.get('contoso')?.percentile).toBe(50);
    expect(byId.get('delta')?.percentile).toBe(93); // L5 is the top: (6 + 0.5) / 7
    expect(byId.get('zeta')).toBeNull();
  });

  it('shows a percentile line per capability on the tenant page and a percentile column on the portfolio', async () => {
    const html = { accept: 'text/html' };
    const page = await f.as('viewer', { method: 'GET', url: '/tenants/contoso', headers: html });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('57th percentile of 7 tenants at this MSP (60th among 50–249 users)');
    expect(page.body).toMatch(/<strong>Level:<\/strong> 50th percentile of 7 tenants at this MSP/);
    const portfolio = await f.as('viewer', { method: 'GET', url: '/', headers: html });
    expect(portfolio.statusCode).toBe(200);
    expect(portfolio.body).toContain('<td class="num benchmark-cell" title="Level: 93rd percentile of 7 tenants at this MSP');
  });
});
