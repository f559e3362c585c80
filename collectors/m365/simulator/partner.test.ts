/**
 * The MSP's partner tenant on the simulator: one multi-tenant app consented per customer (or refused the way Entra
 * refuses it), and the GDAP customers and relationships Graph lists in the partner tenant, paged and permissioned.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { M365ConfigSection } from './api.js';
import { GDAP_READ_ROLE, PARTNER_HOME_ROLES } from './partner.js';
import { startM365Simulator, type M365Simulator, type M365TenantInfo } from './simulator.js';
import { accessToken, graphGet, pageAll, tokenRequest } from './test-support.js';

const CUSTOMERS = '/tenantRelationships/delegatedAdminCustomers';

type Reply = { json: () => Record<string, unknown> };
const valuesOf = (r: Reply) => r.json().value as Array<Record<string, unknown>>;
const errorOf = (r: Reply) => r.json().error as { code: string; message: string };

function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
}

describe('simulated partner tenant', () => {
  let sim: M365Simulator;
  const byId = (id: string) => sim.tenants.find((t) => t.id === id)!;

  beforeAll(async () => {
    const small = { users: 12, devices: 6 };
    sim = await startM365Simulator({
      tenants: [
        { id: 'alpha', name: 'Alpha Corp', profile: 'level3', knobs: small },
        { id: 'bravo', name: 'Bravo Ltd', profile: 'level2', knobs: small, consent: false },
        { id: 'charlie', name: 'Charlie Inc', profile: 'level2', knobs: small, consent: 'consent-missing' },
        { id: 'delta', name: 'Delta GmbH', profile: 'level2', knobs: small, consent: 'no-service-principal' },
        { id: 'inhouse', name: 'In House Co', profile: 'level2', knobs: small, gdap: false },
      ],
    });
  });
  afterAll(async () => {
    await sim.close();
  });

  const partnerForm = (over: Record<string, string> = {}) => ({
    grant_type: 'client_credentials',
    client_id: sim.partner.clientId,
    client_secret: sim.partner.clientSecret,
    scope: `${sim.url}/.default`,
    ...over,
  });
  const partnerToken = async () => {
    const reply = await tokenRequest(sim, sim.partner.tenantId, partnerForm());
    expect(reply.status, reply.text).toBe(200);
    return reply.json().access_token as string;
  };
  const aadCode = (text: string) => /AADSTS(\d+)/.exec(text)?.[1];

  it('has a partner tenant of its own, apart from every customer', () => {
    const p = sim.partner;
    expect(p.name).toBe('Ratchet Demo MSP');
    expect(p.domain).toBe('ratchetdemomsp.onmicrosoft.com');
    expect(p.tenantId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    for (const t of sim.tenants) {
      expect(t.tenantId).not.toBe(p.tenantId);
      expect(t.clientId).not.toBe(p.clientId);
    }
    expect(p.certificatePem).toContain('PRIVATE KEY');
    expect(p.roles).toEqual(PARTNER_HOME_ROLES);
  });

  it('issues the partner app a token in its home tenant, holding DelegatedAdminRelationship.Read.All', async () => {
    const token = await partnerToken();
    const claims = claimsOf(token);
    expect(claims.tid).toBe(sim.partner.tenantId);
    expect(claims.appid).toBe(sim.partner.clientId);
    expect(claims.roles).toContain(GDAP_READ_ROLE);
    // The partner tenant is a directory too.
    const org = await graphGet(sim, token, '/organization');
    expect(org.status).toBe(200);
    expect(valuesOf(org)[0]).toMatchObject({ id: sim.partner.tenantId, displayName: 'Ratchet Demo MSP' });
  });

  it('lists every GDAP customer: the simulated ones it has relationships with and the GDAP-only ones, not the in-house or former', async () => {
    const token = await partnerToken();
    const { items, first } = await pageAll(sim, token, CUSTOMERS);
    const expected = [...sim.tenants.filter((t) => t.gdap), ...sim.partner.gdapOnly].map((t) => ({ id: t.tenantId, tenantId: t.tenantId, displayName: t.name }));
    expect(items).toEqual(expected);
    expect(items.map((i) => i.displayName)).not.toContain('In House Co');
    expect(items.map((i) => i.displayName)).not.toContain('Proseware Inc');
    expect(first['@odata.context']).toBe(`${sim.url}/v1.0/$metadata#tenantRelationships/delegatedAdminCustomers`);
  });

  it('pages customers by @odata.nextLink with $top, refuses $top above 300, and filters by tenantId', async () => {
    const token = await partnerToken();
    const all = await pageAll(sim, token, `${CUSTOMERS}?$top=300`);
    const paged = await pageAll(sim, token, `${CUSTOMERS}?$top=2&$select=tenantId,displayName`);
    expect(all.pages).toBe(1);
    expect(paged.pages).toBe(Math.ceil(all.items.length / 2));
    expect(paged.items.map((i) => i.tenantId)).toEqual(all.items.map((i) => i.tenantId));
    // Graph keeps the key (id) whatever $select says.
    expect(Object.keys(paged.items[0]!).sort()).toEqual(['displayName', 'id', 'tenantId']);

    const tooMany = await graphGet(sim, token, `${CUSTOMERS}?$top=301`);
    expect(tooMany.status).toBe(400);
    expect(errorOf(tooMany).message).toContain('Must be between 1 and 300');

    const alpha = byId('alpha');
    const one = await graphGet(sim, token, `${CUSTOMERS}?$filter=tenantId eq '${alpha.tenantId}'`);
    expect(valuesOf(one)).toEqual([{ id: alpha.tenantId, tenantId: alpha.tenantId, displayName: 'Alpha Corp' }]);
    const single = await graphGet(sim, token, `${CUSTOMERS}/${alpha.tenantId}`);
    expect(single.json()).toMatchObject({ tenantId: alpha.tenantId, displayName: 'Alpha Corp' });
  });

  it('lists GDAP relationships, the former customer as expired', async () => {
    const token = await partnerToken();
    const { items } = await pageAll(sim, token, '/tenantRelationships/delegatedAdminRelationships');
    const byCustomer = new Map(items.map((r) => [(r.customer as { displayName: string }).displayName, r]));
    expect(byCustomer.get('Alpha Corp')).toMatchObject({ status: 'active', autoExtendDuration: 'P180D', customer: { tenantId: byId('alpha').tenantId } });
    expect(byCustomer.get('Proseware Inc')).toMatchObject({ status: 'expired' });
    expect(byCustomer.has('In House Co')).toBe(false);
    expect(items).toHaveLength(sim.tenants.filter((t) => t.gdap).length + sim.partner.gdapOnly.length + 1);
  });

  it('answers 403 Authorization_RequestDenied when the token lacks DelegatedAdminRelationship.Read.All', async () => {
    // A customer's own app holds the collector's roles, none of them GDAP.
    const customerToken = await accessToken(sim, byId('alpha'));
    const denied = await graphGet(sim, customerToken, CUSTOMERS);
    expect(denied.status).toBe(403);
    expect(errorOf(denied).code).toBe('Authorization_RequestDenied');

    sim.setPartnerRoles(['Organization.Read.All']);
    try {
      const token = await partnerToken();
      expect(claimsOf(token).roles).not.toContain(GDAP_READ_ROLE);
      const reply = await graphGet(sim, token, CUSTOMERS);
      expect(reply.status).toBe(403);
      expect(errorOf(reply).code).toBe('Authorization_RequestDenied');
    } finally {
      sim.setPartnerRoles(PARTNER_HOME_ROLES);
    }
    expect((await graphGet(sim, await partnerToken(), CUSTOMERS)).status).toBe(200);
  });

  it('issues the partner app a token in a consented customer, which reads that customer only', async () => {
    const alpha = byId('alpha');
    const reply = await tokenRequest(sim, alpha.tenantId, partnerForm());
    expect(reply.status, reply.text).toBe(200);
    const token = reply.json().access_token as string;
    expect(claimsOf(token)).toMatchObject({ tid: alpha.tenantId, appid: sim.partner.clientId });
    const org = await graphGet(sim, token, '/organization');
    expect(valuesOf(org)[0]!.id).toBe(alpha.tenantId);
    const users = await graphGet(sim, token, '/users?$top=1');
    expect(users.status).toBe(200);
    // Not the partner's GDAP data: the token holds the collector's roles in the customer.
    expect((await graphGet(sim, token, CUSTOMERS)).status).toBe(403);
  });

  it('refuses the partner app where it is not consented, with the AADSTS code Entra sends', async () => {
    const cases: Array<[M365TenantInfo, number, string, string]> = [
      [byId('bravo'), 400, 'unauthorized_client', '700016'],
      [byId('charlie'), 400, 'invalid_grant', '65001'],
      [byId('delta'), 401, 'invalid_client', '7000229'],
    ];
    for (const [tenant, status, error, code] of cases) {
      const reply = await tokenRequest(sim, tenant.tenantId, partnerForm());
      expect(reply.status, tenant.id).toBe(status);
      expect(reply.json().error).toBe(error);
      expect(aadCode(reply.json().error_description as string)).toBe(code);
      expect(reply.json().error_codes).toEqual([Number(code)]);
    }
    for (const c of sim.partner.gdapOnly) {
      const reply = await tokenRequest(sim, c.tenantId, partnerForm());
      expect(reply.status).toBe(400);
      expect(aadCode(reply.text)).toBe('700016');
    }
    const unknown = await tokenRequest(sim, '0badc0de-0000-4000-8000-000000000000', partnerForm());
    expect(unknown.status).toBe(400);
    expect(aadCode(unknown.text)).toBe('90002');
  });

  it('checks the partner app secret where it is consented, and keeps each tenant\'s own app working', async () => {
    const wrong = await tokenRequest(sim, byId('alpha').tenantId, partnerForm({ client_secret: 'not-the-secret' }));
    expect(wrong.status).toBe(401);
    expect(aadCode(wrong.text)).toBe('7000215');
    // The partner's secret is not the tenant's own app's.
    const crossed = await tokenRequest(sim, byId('alpha').tenantId, partnerForm({ client_secret: byId('alpha').clientSecret }));
    expect(crossed.status).toBe(401);
    for (const t of sim.tenants) {
      const token = await accessToken(sim, t);
      expect(valuesOf(await graphGet(sim, token, '/organization'))[0]!.id).toBe(t.tenantId);
    }
  });

  it('applies a consent change live, and reports it in the tenant info', async () => {
    const bravo = byId('bravo');
    expect(bravo.consent).toBe(false);
    const info = sim.setConsent('bravo', true);
    expect(info.consent).toBe(true);
    expect(byId('bravo').consent).toBe(true);
    try {
      expect((await tokenRequest(sim, bravo.tenantId, partnerForm())).status).toBe(200);
    } finally {
      sim.setConsent(bravo.domain, false);
    }
    expect((await tokenRequest(sim, bravo.tenantId, partnerForm())).status).toBe(400);
    expect(() => sim.setConsent('bravo', 'maybe' as never)).toThrow(/unknown consent/);
  });

  it('puts the partner app in the directory config section, for defaults.m365', () => {
    const section = sim.vendorSections('alpha').find((s) => s.kind === 'directory') as unknown as M365ConfigSection;
    expect(section.partner.section).toEqual({
      clientId: sim.partner.clientId,
      clientSecret: sim.partner.clientSecret,
      partnerTenantId: sim.partner.tenantId,
      cloud: { graphEndpoint: sim.url, authorityHost: sim.url },
    });
    expect(section.partner.secrets).toEqual({ clientSecret: sim.partner.clientSecret });
    expect(section.sharedSection).toEqual({ tenantId: byId('alpha').tenantId });
    expect(section.partnerConsented).toBe(true);
    const withCert = sim.vendorSections('bravo', { preferCertificate: true }).find((s) => s.kind === 'directory') as unknown as M365ConfigSection;
    expect(withCert.partner.section).toMatchObject({ certificatePath: sim.partner.certificatePath, partnerTenantId: sim.partner.tenantId });
    expect(withCert.partner.section).not.toHaveProperty('clientSecret');
    expect(withCert.partnerConsented).toBe(false);
  });

  it('pages at 100 customers by default', async () => {
    const many = await startM365Simulator({
      tenants: Array.from({ length: 103 }, (_, i) => ({ id: `c${i}`, name: `Customer ${i}`, profile: 'level2' as const, knobs: { users: 5, devices: 2 } })),
    });
    try {
      const reply = await tokenRequest(many, many.partner.tenantId, {
        grant_type: 'client_credentials',
        client_id: many.partner.clientId,
        client_secret: many.partner.clientSecret,
        scope: `${many.url}/.default`,
      });
      const token = reply.json().access_token as string;
      const first = await graphGet(many, token, CUSTOMERS);
      expect(valuesOf(first)).toHaveLength(100);
      expect(first.json()['@odata.nextLink']).toContain('$skiptoken=');
      const all = await pageAll(many, token, CUSTOMERS);
      expect(all.pages).toBe(2);
      expect(new Set(all.items.map((i) => i.tenantId)).size).toBe(103 + many.partner.gdapOnly.length);
      // Another simulator: another secret, the same (deterministic) partner ids.
      expect(many.partner.tenantId).toBe(sim.partner.tenantId);
      expect(many.partner.clientSecret).not.toBe(sim.partner.clientSecret);
    } finally {
      await many.close();
    }
  });
});
