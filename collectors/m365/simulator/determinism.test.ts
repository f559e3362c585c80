import { describe, expect, it } from 'vitest';
import { startM365Simulator as startSimulator, type M365Simulator as Simulator } from './simulator.js';
import { generateTenant } from './tenant-model.js';
import { Permutation } from '../../../src/simulator/permutation.js';
import { FIXED_NOW } from '../../../src/simulator/test-support.js';
import { accessToken, pageAll } from './test-support.js';

const PATHS = [
  '/users?$top=97',
  '/reports/authenticationMethods/userRegistrationDetails?$top=150',
  '/deviceManagement/managedDevices?$top=200',
  '/identity/conditionalAccess/policies',
  '/roleManagement/directory/roleAssignments?$expand=principal',
  '/security/secureScores?$top=5',
  '/subscribedSkus',
];

async function snapshot(seed: number | string): Promise<unknown[]> {
  const sim: Simulator = await startSimulator({ now: FIXED_NOW, tenants: [{ id: 'det', name: 'Det Corp', profile: 'level3', seed, knobs: { users: 420, devices: 333 } }] });
  try {
    const token = await accessToken(sim, sim.tenants[0]!);
    const out: unknown[] = [sim.tenants[0]!.tenantId, sim.tenants[0]!.clientId];
    // Rows only: @odata.context/nextLink carry the (random) port and per-run signed tokens.
    for (const p of PATHS) out.push((await pageAll(sim, token, p)).items);
    return out;
  } finally {
    await sim.close();
  }
}

describe('determinism', () => {
  it('serves identical pages for the same seed, and different data for another seed', async () => {
    const a = await snapshot('same-seed');
    const b = await snapshot('same-seed');
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    const c = await snapshot('other-seed');
    expect(JSON.stringify(c)).not.toBe(JSON.stringify(a));
  });

  it('computes row i on demand the same way regardless of access order', () => {
    const m1 = generateTenant({ id: '11111111-2222-4333-8444-555555555555', name: 'X', seed: 3, profile: 'level2', now: FIXED_NOW });
    const m2 = generateTenant({ id: '11111111-2222-4333-8444-555555555555', name: 'X', seed: 3, profile: 'level2', now: FIXED_NOW });
    const forward = Array.from({ length: m1.userCount }, (_, i) => m1.registrationDetails(m1.userCore(i)));
    const backward = Array.from({ length: m2.userCount }, (_, i) => m2.userCount - 1 - i).map((i) => m2.registrationDetails(m2.userCore(i))).reverse();
    expect(backward).toEqual(forward);
  });

  it('uses a true permutation: every rank exactly once, and the inverse undoes it', () => {
    for (const n of [1, 2, 3, 17, 1000, 4097]) {
      const p = new Permutation(n, 99);
      const seen = new Set<number>();
      for (let i = 0; i < n; i++) {
        const r = p.forward(i);
        expect(p.inverse(r)).toBe(i);
        seen.add(r);
      }
      expect(seen.size).toBe(n);
    }
  });

  it('hits the exact shares the knobs ask for', () => {
    const m = generateTenant({ id: '11111111-2222-4333-8444-555555555555', name: 'X', seed: 5, profile: 'level3', knobs: { users: 2000, devices: 1000, guests: 100, disabled: 50 }, now: FIXED_NOW });
    let guests = 0;
    let disabled = 0;
    let eligible = 0;
    let registered = 0;
    let admins = 0;
    let gas = 0;
    for (let i = 0; i < m.userCount; i++) {
      const c = m.userCore(i);
      if (c.guest) guests++;
      if (!c.enabled) disabled++;
      if (c.enabled && !c.guest) {
        eligible++;
        if (c.registered) registered++;
      }
      if (c.admin) admins++;
      if (c.globalAdmin) gas++;
    }
    const truth = m.truth();
    expect({ guests, disabled, eligible, registered, admins, gas }).toEqual({
      guests: 100,
      disabled: 50,
      eligible: truth.registration.eligible,
      registered: truth.registration.registered,
      admins: truth.registration.admins,
      gas: truth.admins.globalAdmins,
    });
    expect(Math.abs(truth.registration.pct! - 93)).toBeLessThan(0.1);
    let compliant = 0;
    let stale = 0;
    const staleBefore = FIXED_NOW.getTime() - 30 * 86_400_000;
    for (let i = 0; i < m.deviceCount; i++) {
      const d = m.device(m.deviceCore(i));
      if (d.complianceState === 'compliant') compliant++;
      if (Date.parse(String(d.lastSyncDateTime)) < staleBefore) stale++;
    }
    expect({ compliant, stale }).toEqual({ compliant: truth.devices.compliant, stale: truth.devices.stale30d });
    // Registered members are spread through the listing, not stacked at the top.
    const firstHalf = Array.from({ length: 1000 }, (_, i) => m.userCore(i)).filter((c) => c.enabled && !c.guest && !c.registered).length;
    expect(firstHalf).toBeGreaterThan(30);
    expect(firstHalf).toBeLessThan(100);
  });
});
