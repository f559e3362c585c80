/** Faults over real sockets: throttling storms, permission gaps, malformed payloads, bad credentials. */
import { describe, expect, it } from 'vitest';
import type { Report } from '../../src/domain/report.js';
import { e2e } from './harness.js';

const tenant = (faults?: string) => ({ id: 'contoso', name: 'Contoso Ltd', profile: 'level3' as const, seed: 'contoso', knobs: { users: 1200, devices: 700 }, ...(faults ? { faults } : {}) });
const values = (r: Report) => Object.fromEntries(r.evidence.filter((e) => e.key.startsWith('m365.')).map((e) => [e.key, [e.status, e.value]]));

describe('faults end to end', () => {
  it('a 429 storm still completes with the same evidence as a calm run', async () => {
    const calm = await e2e({ tenants: [tenant()] });
    const storm = await e2e({ tenants: [tenant('429=0.3:1,seed=7')] });
    const a = await calm.scan();
    const b = await storm.scan();
    expect(a.code).toBe(0);
    expect(b.code).toBe(0);
    expect(b.reports[0]!.scan.status).toBe('complete');
    expect(values(b.reports[0]!)).toEqual(values(a.reports[0]!));
    // The storm really happened and was retried through.
    expect(storm.sim.stats().byStatus['429']).toBeGreaterThan(0);
    expect(b.reports[0]!.scan.collectors[0]!.requests).toBeGreaterThan(a.reports[0]!.scan.collectors[0]!.requests);
  });

  // Keys the tenant has no licence for (Entra ID P2 on a P1 tenant) are unavailable by design, never a fault.
  it('transient 5xx are retried through', async () => {
    const h = await e2e({ tenants: [tenant('5xx=0.15:503,seed=3')] });
    const r = await h.scan();
    expect(r.code).toBe(0);
    expect(h.sim.stats().byStatus['503']).toBeGreaterThan(0);
    expect(r.reports[0]!.evidence.filter((e) => e.key.startsWith('m365.') && e.status !== 'ok' && e.reasonCode !== 'not_licensed').map((e) => `${e.key}: ${e.reason}`)).toEqual([]);
  });

  it('a 403 endpoint yields unavailable evidence naming the permission, an unconfirmed level, exit 0', async () => {
    const h = await e2e({ tenants: [tenant('403=/reports/authenticationMethods/userRegistrationDetails')] });
    const r = await h.scan();
    expect(r.code).toBe(0);
    const rep = r.reports[0]!;
    const ev = rep.evidence.find((e) => e.key === 'm365.mfa.registration')!;
    expect(ev.status).toBe('unavailable');
    expect(ev.reason).toMatch(/AuditLog\.Read\.All/);
    expect(rep.level.confirmed).toBe(false);
    expect(rep.level.value).toBeLessThan(rep.level.potential);
    expect(rep.findings.filter((f) => f.outcome === 'fail').map((f) => f.ruleId)).not.toContain('mfa-user-coverage');
  });

  it('a malformed payload yields a partial scan, exit 3, the other evidence intact', async () => {
    const h = await e2e({ tenants: [tenant('malformed=/deviceManagement/managedDevices')] });
    const r = await h.scan();
    expect(r.code).toBe(3);
    const rep = r.reports[0]!;
    expect(rep.scan.status).toBe('partial');
    // Every key read from the one device listing is an error; nothing else is touched.
    const fromDevices = ['m365.devices.compliance', 'm365.devices.encryption', 'm365.devices.stale', 'm365.devices.os_currency'];
    for (const key of fromDevices) expect(rep.evidence.find((e) => e.key === key)!.status, key).toBe('error');
    expect(rep.evidence.filter((e) => !fromDevices.includes(e.key) && e.key.startsWith('m365.') && e.status !== 'ok' && e.reasonCode !== 'not_licensed').map((e) => `${e.key}: ${e.reason}`)).toEqual([]);
    expect(rep.findings.find((f) => f.ruleId === 'device-compliance')!.outcome).toBe('unknown');
  });

  it('a schema-violating payload is an error naming the field, not a crash', async () => {
    const h = await e2e({ tenants: [tenant('schema=/identity/conditionalAccess/policies')] });
    const r = await h.scan();
    expect(r.code).toBe(3);
    const ev = r.reports[0]!.evidence.find((e) => e.key === 'm365.mfa.enforcement')!;
    expect(ev.status).toBe('error');
    expect(ev.reason).toMatch(/conditionalAccess/);
  });

  it('a wrong client secret fails with a clear error naming the tenant, exit 1', async () => {
    const h = await e2e({ tenants: [tenant()] });
    const name = Object.keys(h.env).find((k) => k.endsWith('_SECRET'))!;
    const r = await h.scan([], { [name]: 'definitely-not-the-secret' });
    expect(r.code).toBe(1);
    const rep = r.reports[0]!;
    expect(rep.scan.status).toBe('failed');
    expect(rep.scan.collectors[0]!.error).toMatch(/tenant .*failed: AADSTS7000215/);
    expect(r.logs).toMatch(/contoso/);
  });
});
