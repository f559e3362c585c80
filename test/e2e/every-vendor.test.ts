/**
 * Every RMM and backup vendor in the registry (collectors/index.ts), end to end through the CLI over real TLS: a
 * vendor added to the registry is scanned here without touching this file — its evidence must equal the simulated
 * estate's truth and feed the core's backup-coverage join like every other vendor's.
 */
import { describe, expect, it } from 'vitest';
import { simulatedProviders, type TenantSpec } from '../../src/app/simulator.js';
import { e2e } from './harness.js';

const rmms = simulatedProviders('rmm');
const backups = simulatedProviders('backup');

/** One tenant per vendor pair, so every RMM and every backup product is used at least once. */
const tenants: TenantSpec[] = Array.from({ length: Math.max(rmms.length, backups.length) }, (_, i) => ({
  id: `tenant-${i}`,
  name: `Tenant ${i}`,
  profile: 'level3',
  seed: `every-vendor-${i}`,
  knobs: { users: 120, devices: 80 },
  rmm: rmms[i % rmms.length]!,
  backup: backups[i % backups.length]!,
  estate: { endpoints: 260 },
}));

describe('every registered vendor end to end', () => {
  it('scans each RMM and backup product to its estate truth and joins backup coverage', async () => {
    expect(rmms.length).toBeGreaterThanOrEqual(2);
    expect(backups.length).toBeGreaterThanOrEqual(2);
    const h = await e2e({ tenants });
    const run = await h.scan();
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.reports.map((r) => r.tenant.id)).toEqual(tenants.map((t) => t.id));
    for (const [i, report] of run.reports.entries()) {
      const spec = tenants[i]!;
      const truth = h.sim.estate(report.tenant.id)!.truth();
      const ev = (key: string) => report.evidence.find((e) => e.key === key)!;
      expect(report.scan.collectors.map((c) => [c.id, c.status])).toEqual([
        ['m365', 'ok'],
        [spec.rmm, 'ok'],
        [spec.backup, 'ok'],
      ]);
      for (const key of ['rmm.devices', 'rmm.patches', 'rmm.alerts', 'rmm.antivirus', 'backup.protection', 'backup.coverage']) {
        expect({ vendor: key.startsWith('rmm') ? spec.rmm : spec.backup, key, status: ev(key).status, reason: ev(key).reason }).toEqual({
          vendor: key.startsWith('rmm') ? spec.rmm : spec.backup,
          key,
          status: 'ok',
          reason: null,
        });
      }
      expect(ev('rmm.devices').value).toMatchObject({ total: truth['rmm.devices'].total });
      const protection = truth['backup.protection'];
      expect(ev('backup.protection').value).toMatchObject({ protected: protection.protected, succeeded24h: protection.succeeded24h, pct: protection.pct });
      expect(ev('backup.coverage').value).toMatchObject(truth['backup.coverage']);
    }
    const routes = Object.keys(h.sim.stats().byRoute);
    for (const id of [...rmms, ...backups]) expect({ id, served: routes.some((r) => r.includes(`/${id}/`)) }).toEqual({ id, served: true });
  });
});
