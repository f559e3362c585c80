/**
 * RMM and backup collectors end to end through the CLI: NinjaOne + Veeam VBR for one tenant, Datto RMM + Acronis for
 * another, over real TLS against the simulator — evidence equal to the simulated estate, the cross-source
 * backup.coverage join, and a 429 storm on every vendor retried through to the same evidence.
 */
import { describe, expect, it } from 'vitest';
import type { Report } from '../../src/domain/report.js';
import type { TenantSpec } from '../../src/simulator/index.js';
import { e2e } from './harness.js';

const tenants = (faults?: string): TenantSpec[] => [
  { id: 'contoso', name: 'Contoso Ltd', profile: 'level3', seed: 'contoso', knobs: { users: 300, devices: 200 }, rmm: 'ninjaone', backup: 'veeam-vbr', estate: { endpoints: 1500 }, ...(faults ? { faults } : {}) },
  { id: 'fabrikam', name: 'Fabrikam Inc', profile: 'level2', seed: 'fabrikam', knobs: { users: 300, devices: 200 }, rmm: 'datto-rmm', backup: 'acronis', estate: { endpoints: 700 }, ...(faults ? { faults } : {}) },
];

/** What each vendor key measured; the activity log's window start is the scan's own clock, not a measurement. */
const vendorValues = (r: Report) =>
  Object.fromEntries(
    r.evidence
      .filter((e) => /^(rmm|backup)\./.test(e.key))
      .map((e) => {
        const v = e.value as Record<string, unknown> | null;
        const log = v?.['activityLog'] as Record<string, unknown> | undefined;
        return [e.key, [e.status, log ? { ...v, activityLog: { ...log, since: '(scan time − 30 days)' } } : v]];
      }),
  );

describe('RMM and backup collectors end to end', () => {
  it('produce the estate, join backup coverage, and level the tenants as their profiles say', async () => {
    const h = await e2e({ tenants: tenants() });
    const run = await h.scan();
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    for (const report of run.reports) {
      const truth = h.sim.estate(report.tenant.id)!.truth();
      const ev = (key: string) => report.evidence.find((e) => e.key === key)!;
      for (const key of ['rmm.devices', 'rmm.patches', 'rmm.alerts', 'rmm.antivirus', 'backup.protection', 'backup.coverage']) {
        expect({ key, status: ev(key).status, reason: ev(key).reason }).toEqual({ key, status: 'ok', reason: null });
      }
      expect(ev('rmm.devices').value).toMatchObject(truth['rmm.devices']);
      expect(ev('rmm.antivirus').value).toMatchObject(truth['rmm.antivirus']);
      expect(ev('rmm.alerts').value).toMatchObject({ open: truth['rmm.alerts'].open, staleOver24h: truth['rmm.alerts'].staleOver24h });
      const protection = truth['backup.protection'];
      expect(ev('backup.protection').value).toMatchObject({ protected: protection.protected, succeeded24h: protection.succeeded24h, pct: protection.pct });
      expect(ev('backup.coverage').value).toMatchObject(truth['backup.coverage']);
      expect(report.scan.collectors.map((c) => [c.id, c.status])).toEqual([
        ['m365', 'ok'],
        [report.tenant.id === 'contoso' ? 'ninjaone' : 'datto-rmm', 'ok'],
        [report.tenant.id === 'contoso' ? 'veeam-vbr' : 'acronis', 'ok'],
      ]);
    }
    // Contoso's data is level 3, but recovery level 3 also asks for a DR plan, which nobody has attested here:
    // confirmed 2, potential 3, and the report says which gate waits for an attestation. Its restore test is shown by
    // Veeam's own automated verification (SureBackup, 24 days ago), no attestation needed.
    expect(run.reports.map((r) => [r.tenant.id, r.level.value, r.level.potential])).toEqual([
      ['contoso', 2, 3],
      ['fabrikam', 2, 2],
    ]);
    expect(run.reports[0]!.level.unknown).toContain('dr-plan');
    expect(run.reports[0]!.findings.find((f) => f.ruleId === 'restore-tested')).toMatchObject({ outcome: 'pass', measured: 24 });
    expect(run.reports[0]!.findings.find((f) => f.ruleId === 'restore-tested')!.observed).toMatch(/automated verification \(Veeam SureBackup\)/);
    // Every vendor was really paged (more than one request per listing).
    const routes = Object.keys(h.sim.stats().byRoute);
    for (const prefix of ['/ninjaone/', '/datto-rmm/', '/veeam-vbr/', '/acronis/']) expect(routes.some((r) => r.includes(prefix))).toBe(true);
  });

  it('a 429 on every vendor is retried through to the same evidence', async () => {
    // Both simulators generate their estates at the same instant, so timestamps agree to the millisecond.
    const now = new Date(Math.floor(Date.now() / 60_000) * 60_000);
    const calm = await e2e({ tenants: tenants(), now });
    // The first request to each listed URL is throttled (deterministic), then served.
    const once = '429once=/ninjaone/v2/devices-detailed|/datto-rmm/api/v2/site|/veeam-vbr/api/v1/backupObjects|/acronis/api/resource_management';
    const storm = await e2e({ tenants: tenants(once), now });
    const a = await calm.scan();
    const b = await storm.scan();
    expect(b.code).toBe(0);
    const throttled = Object.entries(storm.sim.stats().byRoute).filter(([, byStatus]) => (byStatus['429'] ?? 0) > 0).map(([route]) => route);
    for (const prefix of ['/ninjaone/', '/datto-rmm/', '/veeam-vbr/', '/acronis/']) expect(throttled.some((r) => r.includes(prefix))).toBe(true);
    for (let i = 0; i < 2; i++) expect(vendorValues(b.reports[i]!)).toEqual(vendorValues(a.reports[i]!));
  });
});
