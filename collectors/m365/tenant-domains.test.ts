/**
 * `portfolio.tenantDomains` of m365: GET /organization?$select=verifiedDomains with the tenant's credential — against
 * nock (the documented organization shape, a 403 naming the permission, a refused token) and against the simulator
 * over TLS with the real @azure/identity and Graph client.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { offline } from '../../src/collector-kit/testing/fake-server.js';
import { startSimulator, type Simulator } from '../../src/app/simulator.js';
import { FIXED_NOW, simulatorCollectorContext } from '../../src/simulator/test-support.js';
import { m365ConfigSchema } from './config.js';
import { m365Plugin } from './index.js';
import { m365TenantDomains } from './tenant-domains.js';
import { FakeGraph, fixture, graphError, json, mockLogin, SECRET, testConfig, testContext } from './test-support.js';

/** Graph's `organization` resource as documented (List organization, v1.0), trimmed to a few fields. */
const ORGANIZATION = {
  value: [
    {
      id: '84841066-274d-4ec0-a5c1-276be684bdd3',
      displayName: 'Contoso Ltd',
      verifiedDomains: [
        { capabilities: 'Email, OfficeCommunicationsOnline', isDefault: false, isInitial: true, name: 'contoso.onmicrosoft.com', type: 'Managed' },
        { capabilities: 'Email', isDefault: true, isInitial: false, name: 'Contoso.com', type: 'Managed' },
        { capabilities: 'Email', isDefault: false, isInitial: false, name: 'contoso.co.uk', type: 'Federated' },
      ],
    },
  ],
};

describe('m365 tenantDomains (nock)', () => {
  offline({ clearSecrets: true });

  it('reads the verified domains, lower case, sorted', async () => {
    mockLogin();
    const graph = new FakeGraph().on('/organization', json(ORGANIZATION)).install();
    await expect(m365Plugin.portfolio!.tenantDomains!(testConfig(), testContext())).resolves.toEqual(['contoso.co.uk', 'contoso.com', 'contoso.onmicrosoft.com']);
    expect(graph.hits('/organization')[0]!.query.get('$select')).toBe('verifiedDomains');
  });

  it('names the permission to grant when Graph refuses', async () => {
    mockLogin();
    new FakeGraph().on('/organization', graphError(403, fixture('error-forbidden.json'))).install();
    await expect(m365TenantDomains(testConfig(), testContext())).rejects.toThrow(/GET \/organization was refused: grant the application permission Organization\.Read\.All/);
  });

  it('says what the identity platform said when the token is refused, never the secret', async () => {
    mockLogin({ secret: 'another-secret' });
    new FakeGraph().on('/organization', json(ORGANIZATION)).install();
    const err = (await m365TenantDomains(testConfig(), testContext()).catch((e: unknown) => e)) as Error;
    expect(err.message).toMatch(/^token request for tenant contoso\.onmicrosoft\.com .* failed: AADSTS/);
    expect(err.message).not.toContain(SECRET);
  });
});

describe('m365 tenantDomains (simulator)', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ certDir: process.env.RATCHET_TEST_CA_DIR, now: FIXED_NOW, tenants: [{ id: 'contoso', name: 'Contoso Ltd', profile: 'level2', knobs: { users: 20, devices: 10 } }] });
  });
  afterAll(async () => {
    await sim?.close();
  });

  it('reads the tenant\'s initial domain over TLS with the real SDK', async () => {
    const v = sim.vendorSections('contoso').find((s) => s.kind === 'directory')!;
    const config = m365ConfigSchema.parse({ ...v.section, ...v.secrets });
    await expect(m365TenantDomains(config, simulatorCollectorContext('contoso'))).resolves.toEqual([sim.tenants[0]!.domain.toLowerCase()]);
  });
});
