/**
 * Discovery with the real @azure/identity and Graph client (PageIterator) against the simulator's partner tenant,
 * over loopback TLS verified against the test run's CA: the GDAP customers, paged, each classified by a real token
 * request for its directory; a missing permission or credential is one clear error naming the fix.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulatorCollectorContext } from '../../src/simulator/test-support.js';
import { m365ConfigSchema, type M365Config } from './config.js';
import { discoverM365, DiscoveryError } from './discover.js';
import { m365Plugin } from './index.js';
import { PARTNER_HOME_ROLES } from './simulator/partner.js';
import { startM365Simulator, type M365Simulator } from './simulator/simulator.js';

const small = { users: 10, devices: 5 };

describe('m365 discovery of the partner\'s customers', () => {
  let sim: M365Simulator;
  beforeAll(async () => {
    const certDir = process.env.RATCHET_TEST_CA_DIR;
    if (!certDir) throw new Error('RATCHET_TEST_CA_DIR missing: run through vitest (test/global-setup.ts)');
    sim = await startM365Simulator({
      certDir,
      tenants: [
        { id: 'alpha', name: 'Alpha Corp', profile: 'level3', knobs: small },
        { id: 'bravo', name: 'Bravo Ltd', profile: 'level2', knobs: small, consent: false },
        { id: 'charlie', name: 'Charlie Inc', profile: 'level2', knobs: small, consent: 'consent-missing' },
        { id: 'delta', name: 'Delta GmbH', profile: 'level2', knobs: small, consent: 'no-service-principal' },
        { id: 'echo', name: 'Echo Partners', profile: 'level2', knobs: small },
        { id: 'inhouse', name: 'In House Co', profile: 'level2', knobs: small, gdap: false },
      ],
    });
  });
  afterAll(async () => {
    await sim.close();
  });

  const partnerConfig = (over: Record<string, unknown> = {}): M365Config =>
    m365ConfigSchema.parse({
      tenantId: sim.partner.tenantId,
      clientId: sim.partner.clientId,
      clientSecret: sim.partner.clientSecret,
      cloud: { graphEndpoint: sim.url, authorityHost: sim.url },
      timeoutMs: 10_000,
      maxRetries: 1,
      ...over,
    });
  const ctx = () => simulatorCollectorContext('partner');
  const tenant = (id: string) => sim.tenants.find((t) => t.id === id)!;
  const consentUrl = (tenantId: string) => `${sim.url}/${tenantId}/adminconsent?client_id=${sim.partner.clientId}`;
  const tokenRequests = () =>
    Object.entries(sim.stats().byRoute)
      .filter(([route]) => route === 'POST /{tenant}/oauth2/v2.0/token')
      .reduce((n, [, byStatus]) => n + Object.values(byStatus).reduce((a, b) => a + b, 0), 0);

  it('lists every GDAP customer with the consent state a token request for its directory shows', async () => {
    sim.resetStats();
    // The plugin's own entry point, as the CLI calls it.
    const found = await m365Plugin.portfolio!.discover!(partnerConfig(), ctx());
    const byName = new Map(found.map((c) => [c.name, c]));

    const expectedNames = [...sim.tenants.filter((t) => t.gdap).map((t) => t.name), ...sim.partner.gdapOnly.map((c) => c.name)];
    expect(found.map((c) => c.name)).toEqual(expectedNames);
    expect(byName.has('In House Co')).toBe(false);

    for (const id of ['alpha', 'echo']) {
      const c = byName.get(tenant(id).name)!;
      expect(c.tenantId).toBe(tenant(id).tenantId);
      expect(c.consent.state).toBe('consented');
      expect(c.consent.adminConsentUrl).toBeUndefined();
      expect(c.domains).toEqual([]);
    }
    const refused: Array<[string, string]> = [
      ['bravo', 'AADSTS700016'],
      ['charlie', 'AADSTS65001'],
      ['delta', 'AADSTS7000229'],
    ];
    for (const [id, code] of refused) {
      const c = byName.get(tenant(id).name)!;
      expect(c.consent, id).toMatchObject({ state: 'not-consented', code, adminConsentUrl: consentUrl(tenant(id).tenantId) });
    }
    for (const gdapOnly of sim.partner.gdapOnly) {
      expect(byName.get(gdapOnly.name)!.consent).toMatchObject({ state: 'not-consented', code: 'AADSTS700016', adminConsentUrl: consentUrl(gdapOnly.tenantId) });
    }
    // One token in the partner tenant, then one per customer: no more, no fewer.
    expect(tokenRequests()).toBe(1 + found.length);
    expect(JSON.stringify(found)).not.toContain(sim.partner.clientSecret);
  });

  it('follows @odata.nextLink through every page with the Graph client\'s PageIterator', async () => {
    sim.resetStats();
    const found = await discoverM365(partnerConfig(), ctx(), { pageSize: 2, concurrency: 3 });
    expect(found).toHaveLength(sim.tenants.filter((t) => t.gdap).length + sim.partner.gdapOnly.length);
    expect(new Set(found.map((c) => c.tenantId)).size).toBe(found.length);
    const pages = sim.stats().byRoute['GET /v1.0/tenantRelationships/delegatedAdminCustomers']?.['200'];
    expect(pages).toBe(Math.ceil(found.length / 2));
  });

  it('works with the partner app\'s certificate as well as its secret', async () => {
    const config = partnerConfig({ clientSecret: undefined, certificatePath: sim.partner.certificatePath });
    const found = await discoverM365(config, ctx());
    expect(found.find((c) => c.tenantId === tenant('alpha').tenantId)!.consent.state).toBe('consented');
    expect(found.find((c) => c.tenantId === tenant('bravo').tenantId)!.consent.code).toBe('AADSTS700016');
  });

  it('names DelegatedAdminRelationship.Read.All and the partner tenant\'s admin consent when Graph refuses the listing', async () => {
    sim.setPartnerRoles(['Organization.Read.All']);
    try {
      const err = await discoverM365(partnerConfig(), ctx()).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DiscoveryError);
      const message = (err as Error).message;
      expect(message).toContain('DelegatedAdminRelationship.Read.All');
      expect(message).toContain(`partner tenant ${sim.partner.tenantId}`);
      expect(message).toContain(consentUrl(sim.partner.tenantId));
      expect(message).toMatch(/HTTP 403, Authorization_RequestDenied/);
    } finally {
      sim.setPartnerRoles(PARTNER_HOME_ROLES);
    }
  });

  it('fails with the token error when the partner credential is wrong, never echoing the secret', async () => {
    const wrong = 'definitely-not-the-partner-secret';
    const err = await discoverM365(partnerConfig({ clientSecret: wrong }), ctx()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DiscoveryError);
    expect((err as Error).message).toMatch(/^cannot sign in to the partner tenant: token request for tenant .* failed: AADSTS7000215/);
    expect((err as Error).message).not.toContain(wrong);
  });

  it('fails on a listing that breaks its schema or is not JSON, rather than discovering nothing', async () => {
    for (const fault of ['schemaViolation=/tenantRelationships/delegatedAdminCustomers', 'malformed=/tenantRelationships/delegatedAdminCustomers']) {
      sim.setFaults(fault);
      try {
        const err = await discoverM365(partnerConfig(), ctx()).catch((e: unknown) => e);
        expect(err, fault).toBeInstanceOf(DiscoveryError);
        expect((err as Error).message).toMatch(/^cannot list the partner's customers: .*\/tenantRelationships\/delegatedAdminCustomers/);
      } finally {
        sim.setFaults({});
      }
    }
  });

  it('reports a customer whose consent cannot be judged as unknown, with the cause', async () => {
    // Every customer refuses the credential as expired (AADSTS7000222): no verdict on consent; the listing still works.
    for (const t of sim.tenants) sim.setFaults('token=refuse', t.id);
    try {
      const found = await discoverM365(partnerConfig({ maxRetries: 0 }), ctx());
      const alpha = found.find((c) => c.tenantId === tenant('alpha').tenantId)!;
      expect(alpha.consent.state).toBe('unknown');
      expect(alpha.consent.code).toBe('AADSTS7000222');
      expect(alpha.consent.detail).toContain(`token request for tenant ${tenant('alpha').tenantId}`);
      expect(alpha.consent.adminConsentUrl).toBeUndefined();
      // The GDAP-only customers are not under the fault: still not consented.
      expect(found.find((c) => c.tenantId === sim.partner.gdapOnly[0]!.tenantId)!.consent.state).toBe('not-consented');
    } finally {
      for (const t of sim.tenants) sim.setFaults({}, t.id);
    }
  });
});
