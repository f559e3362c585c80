/**
 * `portfolio.listClients` of NinjaOne against a nock instance: GET /v2/organizations keyset-paged (`pageSize` +
 * `after` = the last id), the spec's Organization shape, and every failure as one clear line without the secret.
 */
import { describe, expect, it } from 'vitest';
import { ClientListingError } from '../../src/collector-kit/client-listing.js';
import { ninjaonePlugin } from './index.js';
import { listNinjaOrganizations } from './portfolio.js';
import { FakeNinja, FAST, fixture, json, ninjaError, offlineWithFakeNinja, SECRET, testConfig, testContext, type Handler } from './test-support.js';

let fake: FakeNinja;
offlineWithFakeNinja((f) => (fake = f));

type Org = Record<string, unknown> & { id: number };

/** Keyset paging of /v2/organizations as the spec documents it: ids above `after`, ascending, `pageSize` of them. */
function keysetOrganizations(rows: Org[]): Handler {
  return (req) => {
    const after = Number(req.query.get('after') ?? Number.NEGATIVE_INFINITY);
    const size = Number(req.query.get('pageSize') ?? 1000);
    return json(rows.filter((r) => r.id > after).sort((a, b) => a.id - b.id).slice(0, size));
  };
}

const account = () => testConfig({ organizationId: undefined });

describe('ninjaone listClients', () => {
  it('lists every organisation over several keyset pages, named as the vendor names them', async () => {
    fake.on('/v2/organizations', keysetOrganizations(fixture<Org[]>('organizations.json'))).install();
    const clients = await listNinjaOrganizations(account(), testContext(), FAST);
    expect(fake.unmatched).toEqual([]);
    // pageSize 3 over 7 organisations: after=5 then after=13, then a short page of one ends it.
    expect(fake.hits('/v2/organizations').map((r) => [r.query.get('pageSize'), r.query.get('after')])).toEqual([
      ['3', null],
      ['3', '5'],
      ['3', '21'],
    ]);
    expect(clients).toEqual([
      { scope: 2, name: 'Contoso Ltd', domains: [] },
      { scope: 3, name: 'Fabrikam, Inc.', domains: [] },
      { scope: 5, name: 'Tailspin Toys', domains: [] },
      { scope: 8, name: 'Müller & Söhne GmbH', domains: [] },
      { scope: 13, name: 'Wide World Importers', domains: [] },
      { scope: 21, name: 'Organization 21', domains: [] },
      { scope: 34, name: 'Northwind Traders', domains: [] },
    ]);
    expect(fake.tokenForms[0]!.get('scope')).toBe('monitoring');
  });

  it('is wired into the plugin with organizationId as the scope field', async () => {
    fake.on('/v2/organizations', json([{ id: 2, name: 'Contoso Ltd' }])).install();
    expect(ninjaonePlugin.portfolio?.scopeField).toBe('organizationId');
    expect(ninjaonePlugin.portfolio?.tenantFields).toEqual(['organizationId']);
    await expect(ninjaonePlugin.portfolio!.listClients!(account(), testContext())).resolves.toEqual([{ scope: 2, name: 'Contoso Ltd', domains: [] }]);
  });

  it('names the missing scope on a 403, in one line', async () => {
    fake.on('/v2/organizations', ninjaError(403, 'FORBIDDEN', 'Access denied: insufficient scope')).install();
    const err = await listNinjaOrganizations(account(), testContext(), FAST).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClientListingError);
    const message = (err as Error).message;
    expect(message).toMatch(/^ninjaone: cannot list organizations \(GET \/v2\/organizations\): .*403.* — the NinjaOne API client app needs the "Monitoring" scope/);
    expect(message).not.toContain('\n');
  });

  it('says to check the credentials when the token is refused, never echoing the secret', async () => {
    fake.on('/v2/organizations', json([]));
    fake.tokenReply = { status: 401, body: { error: 'invalid_client', error_description: `Bad client credentials ${SECRET}` } };
    fake.install();
    const err = (await listNinjaOrganizations(account(), testContext(), FAST).catch((e: unknown) => e)) as Error;
    expect(err.message).toMatch(/check clientId\/clientSecret/);
    expect(err.message).not.toContain(SECRET);
  });

  it('refuses a malformed listing', async () => {
    fake.on('/v2/organizations', json([{ name: 'no id' }])).install();
    await expect(listNinjaOrganizations(account(), testContext(), FAST)).rejects.toThrow(/unexpected response at \[0\]\.id/);
  });

  it('refuses a keyset that does not advance', async () => {
    fake.on('/v2/organizations', json([{ id: 1 }, { id: 2 }, { id: 3 }])).install();
    await expect(listNinjaOrganizations(account(), testContext(), FAST)).rejects.toThrow(/did not advance past organization id 3/);
  });
});
