/**
 * Portfolio config end to end (DESIGN §12): the config an MSP writes — one shared account per vendor instance, each
 * tenant naming only its organisation, site or customer tenant — scanned by the real CLI over TLS. One account is
 * one token cache: however many tenants use it, the scan asks the vendor for one token.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { e2e } from './harness.js';

const TENANTS = [
  { id: 'alpha', rmm: 'ninjaone' },
  { id: 'bravo', rmm: 'ninjaone' },
  { id: 'charlie', rmm: 'ninjaone' },
  { id: 'delta', rmm: 'datto-rmm' },
  { id: 'echo', rmm: 'datto-rmm' },
  { id: 'foxtrot', rmm: 'datto-rmm' },
].map((t, i) => ({
  ...t,
  name: `${t.id[0]!.toUpperCase()}${t.id.slice(1)} Ltd`,
  seed: t.id,
  profile: (['level2', 'level3', 'level4'] as const)[i % 3],
  knobs: { users: 30, devices: 20 },
  backup: 'acronis',
  estate: { endpoints: 12 },
}));

describe('a portfolio on shared vendor accounts', () => {
  it('scans every tenant through one account per vendor, with one token per account', async () => {
    const env = await e2e({ tenants: TENANTS });
    const written = parse(readFileSync(env.configPath, 'utf8')) as {
      accounts: Array<{ id: string; provider: string }>;
      tenants: Array<{ id: string; rmm: Record<string, unknown>; backup: Record<string, unknown> }>;
    };
    expect(written.accounts.map((a) => [a.id, a.provider])).toEqual([
      ['ninjaone-msp', 'ninjaone'],
      ['acronis-msp', 'acronis'],
      ['datto-rmm-msp', 'datto-rmm'],
    ]);
    // Each tenant holds what says which client it is, and nothing of the account's credentials.
    for (const t of written.tenants) {
      expect(Object.keys(t.rmm).sort()).toEqual(t.rmm.account === 'ninjaone-msp' ? ['account', 'organizationId'] : ['account', 'siteUid']);
      expect(Object.keys(t.backup).sort()).toEqual(['account', 'customerTenantId']);
    }

    env.sim.resetStats();
    const run = await env.scan();
    expect(run.code, run.stderr).toBe(0);
    expect(run.reports.map((r) => r.tenant.id)).toEqual(TENANTS.map((t) => t.id));
    for (const r of run.reports) {
      expect(r.scan.collectors.filter((c) => c.id !== 'm365').map((c) => [c.id, c.status])).toEqual([
        [TENANTS.find((t) => t.id === r.tenant.id)!.rmm, 'ok'],
        ['acronis', 'ok'],
      ]);
    }
    const tokenRequests = (prefix: string) =>
      Object.entries(env.sim.stats().byRoute)
        .filter(([route]) => route.startsWith(`POST /${prefix}/`) && /token/.test(route))
        .reduce((n, [, byStatus]) => n + Object.values(byStatus).reduce((a, b) => a + b, 0), 0);
    expect([tokenRequests('ninjaone'), tokenRequests('datto-rmm'), tokenRequests('acronis')]).toEqual([1, 1, 1]);
  });
});
