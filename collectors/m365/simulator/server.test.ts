import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PLUGINS } from '../../index.js';
import { parseConfig } from '../../../src/config/load.js';
import { configFor, configYaml } from '../../../src/simulator/index.js';
import { describeSimulator, startM365Simulator as startSimulator, type M365Simulator as Simulator } from './simulator.js';
import { accessToken, graphGet } from './test-support.js';

describe('simulator control surface', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({
      tenants: [
        { id: 'shifty', name: 'Shifty Ltd', profile: 'level3', knobs: { users: 80, devices: 30 } },
        { id: 'steady', name: 'Steady Ltd', profile: 'level1', knobs: { users: 40, devices: 10 }, certificate: true },
      ],
    });
  });
  afterAll(async () => {
    await sim.close();
  });

  it('reports each tenant with credentials and the level it should score', () => {
    expect(sim.tenants.map((t) => [t.id, t.profile, t.expectedLevel, t.expectedPotential])).toEqual([
      ['shifty', 'level3', 3, 3],
      ['steady', 'level1', 1, 1],
    ]);
    for (const t of sim.tenants) {
      expect(t.tenantId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(t.clientSecret.length).toBeGreaterThan(20);
    }
    expect(sim.tenants[1]!.certificatePath).toBeTruthy();
  });

  it('produces a config that Ratchet itself accepts, with secrets only in env', () => {
    const { config, env } = configFor(sim);
    expect(JSON.stringify(config)).not.toContain(sim.tenants[0]!.clientSecret);
    expect(env.NODE_EXTRA_CA_CERTS).toBe(sim.caPath);
    const loaded = parseConfig(config, PLUGINS, env);
    expect(loaded.config.tenants.map((t) => t.id)).toEqual(['shifty', 'steady']);
    expect(loaded.warnings).toEqual([]);
    expect(loaded.config.tenants[0]!.m365).toMatchObject({ tenantId: sim.tenants[0]!.tenantId, clientSecret: sim.tenants[0]!.clientSecret, cloud: { graphEndpoint: sim.url, authorityHost: sim.url } });
    const withCert = configFor(sim, { preferCertificate: true, tenants: ['steady'] });
    expect(parseConfig(withCert.config, PLUGINS, withCert.env).config.tenants[0]!.m365).toMatchObject({ certificatePath: sim.tenants[1]!.certificatePath });
    expect(parseConfig(parseYaml(configYaml(sim)), PLUGINS, env).config.tenants).toHaveLength(2);
    expect(describeSimulator(sim)).toContain('expected level 3');
  });

  it('switches a tenant live: new data on the next request, same credentials', async () => {
    const t = sim.tenants[0]!;
    const token = await accessToken(sim, t);
    const before = (await graphGet(sim, token, '/identity/conditionalAccess/policies')).json().value as Array<{ state: string }>;
    expect(before.some((p) => p.state === 'enabled')).toBe(true);

    const info = sim.setProfile('shifty', 'level1');
    expect(info).toMatchObject({ profile: 'level1', expectedLevel: 1 });
    expect(info.knobs.users).toBe(80);
    const after = (await graphGet(sim, token, '/identity/conditionalAccess/policies')).json().value as unknown[];
    expect(after).toEqual([]);
    expect(sim.truth('shifty').enforcement.mode).toBe('none');

    // Knob changes keep the profile; a gating knob voids the profile's promise.
    const tweaked = sim.setProfile(t.tenantId, { compliantPct: 10 });
    expect(tweaked).toMatchObject({ profile: 'level1', expectedLevel: null });
    expect(sim.truth('shifty').devices.pct).toBe(10);
    sim.setProfile('shifty', { profile: 'level3' });
    expect(sim.tenants[0]).toMatchObject({ profile: 'level3', expectedLevel: 3 });
  });

  it('recomputes the expectation when faults remove a gating endpoint', () => {
    sim.setFaults({ forbidden: ['/deviceManagement/managedDevices'] }, 'shifty');
    expect(sim.tenants[0]).toMatchObject({ expectedLevel: 1, expectedPotential: 3 });
    sim.setFaults({}, 'shifty');
    expect(sim.tenants[0]).toMatchObject({ expectedLevel: 3, expectedPotential: 3 });
  });

  it('counts requests by route and status, batch sub-requests included', async () => {
    sim.resetStats();
    const t = sim.tenants[1]!;
    const token = await accessToken(sim, t);
    await graphGet(sim, token, '/users?$top=1');
    await graphGet(sim, token, '/nope');
    const stats = sim.stats();
    expect(stats.byRoute['POST /{tenant}/oauth2/v2.0/token']).toEqual({ '200': 1 });
    expect(stats.byRoute['GET /v1.0/users']).toEqual({ '200': 1 });
    expect(stats.byRoute['GET /v1.0/nope']).toEqual({ '400': 1 });
    expect(stats.byTenant[t.tenantId]).toBe(3);
    expect(stats.total).toBe(3);
  });

  it('refuses to bind anything but loopback', async () => {
    await expect(startSimulator({ host: '0.0.0.0', tenants: [] })).rejects.toThrow(/loopback/);
  });
});
