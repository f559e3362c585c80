/**
 * `portfolio.listClients` of Acronis against nock: the API client's own tenant from GET /api/2/clients/{id}, then
 * GET /api/2/tenants?parent_id=… down the tree (customers collected, folders and sub-partners descended into, pages
 * followed by `paging.cursors.after`), in the documented Client and Tenant shapes; failures as one clear line.
 */
import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { ClientListingError } from '../../src/collector-kit/client-listing.js';
import { header, offline } from '../../src/collector-kit/testing/fake-server.js';
import { acronisPlugin } from './index.js';
import { listAcronisCustomers } from './portfolio.js';
import { ACCESS_TOKEN, BASE, CLIENT_ID, FakeAcronis, FAST, fixture, SECRET, testConfig, testContext } from './test-support.js';

offline({ clearSecrets: true });

const PARTNER = '9e0d6c2a-7b1f-4a8e-9c3d-2b1a0f9e8d7c';
const FOLDER = '0a6b2c1d-3e4f-4a5b-8c7d-6e5f4a3b2c1d';
const RESELLER = '7f3e2d1c-0b9a-4867-a5b4-c3d2e1f0a9b8';

interface Seen {
  path: string;
  query: Record<string, string>;
}

/** The account-management routes of a partner with a folder and a sub-partner; every request is logged. */
function accountManagement(opts: { tenants?: (q: URLSearchParams) => [number, unknown] } = {}): Seen[] {
  const seen: Seen[] = [];
  nock(BASE)
    .persist()
    .get(/^\/api\/2\/(clients|tenants)/)
    .query(true)
    .reply(function (uri) {
      const u = new URL(uri, BASE);
      seen.push({ path: u.pathname, query: Object.fromEntries(u.searchParams) });
      if (header(this.req.headers, 'authorization') !== `Bearer ${ACCESS_TOKEN}`) return [401, { error: { code: 'Unauthorized', message: 'Unauthorized' } }];
      if (u.pathname === `/api/2/clients/${CLIENT_ID}`) return [200, fixture('api-client.json')];
      if (u.pathname !== '/api/2/tenants') return [404, { error: { code: 'NotFound', message: 'Not found' } }];
      if (opts.tenants) return opts.tenants(u.searchParams);
      const parent = u.searchParams.get('parent_id');
      if (parent === PARTNER) return [200, fixture(u.searchParams.get('after') === 'b2Zmc2V0PTI=' ? 'tenants-partner-page2.json' : 'tenants-partner-page1.json')];
      if (parent === FOLDER) return [200, fixture('tenants-folder.json')];
      if (parent === RESELLER) return [200, fixture('tenants-reseller.json')];
      return [403, { error: { code: 'AccessDenied', message: 'Access denied' } }];
    });
  return seen;
}

const account = () => testConfig();

describe('acronis listClients', () => {
  it('walks the tree from the API client\'s tenant and lists every customer with its contact domain', async () => {
    new FakeAcronis().install();
    const seen = accountManagement();
    const clients = await listAcronisCustomers(account(), testContext(), FAST);
    expect(seen.map((s) => [s.path, s.query.parent_id ?? null, s.query.after ?? null])).toEqual([
      [`/api/2/clients/${CLIENT_ID}`, null, null],
      ['/api/2/tenants', PARTNER, null],
      ['/api/2/tenants', PARTNER, 'b2Zmc2V0PTI='],
      ['/api/2/tenants', FOLDER, null],
      ['/api/2/tenants', RESELLER, null],
    ]);
    expect(clients).toEqual([
      { scope: '5b15f6e1-88ec-4dce-b523-0e8394c0bc19', name: 'Contoso Ltd', domains: ['contoso.com'] },
      { scope: 'c70134c4-a244-4b22-99ad-e081301f7530', name: 'Old Client', domains: [], note: 'disabled' },
      { scope: 'e3d2c1b0-a9f8-4e7d-8c6b-5a4f3e2d1c0b', name: 'Müller & Söhne GmbH', domains: [] },
      { scope: 'a1a1a1a1-b2b2-4c3c-8d4d-e5e5e5e5e5e5', name: 'Northwind Traders', domains: ['northwind.example'] },
    ]);
  });

  it('is wired into the plugin with customerTenantId as the scope field', async () => {
    new FakeAcronis().install();
    accountManagement({ tenants: () => [200, { items: [] }] });
    expect(acronisPlugin.portfolio?.scopeField).toBe('customerTenantId');
    await expect(acronisPlugin.portfolio!.listClients!(account(), testContext())).resolves.toEqual([]);
  });

  it('asks for pages of `limit` when told to, following the cursors to the end', async () => {
    new FakeAcronis().install();
    const rows = Array.from({ length: 5 }, (_, i) => ({ id: `00000000-0000-4000-8000-00000000000${i}`, name: `Client ${i}`, kind: 'customer' }));
    const seen = accountManagement({
      tenants: (q) => {
        const offset = Number(q.get('after') ?? 0);
        const limit = Number(q.get('limit'));
        const next = offset + limit < rows.length ? { after: String(offset + limit) } : {};
        return [200, { items: rows.slice(offset, offset + limit), paging: { cursors: next } }];
      },
    });
    const clients = await listAcronisCustomers(account(), testContext(), { ...FAST, pageLimit: 2 });
    expect(clients.map((c) => c.name)).toEqual(['Client 0', 'Client 1', 'Client 2', 'Client 3', 'Client 4']);
    expect(seen.filter((s) => s.path === '/api/2/tenants').map((s) => [s.query.limit, s.query.after ?? null])).toEqual([
      ['2', null],
      ['2', '2'],
      ['2', '4'],
    ]);
  });

  it('names what the API client needs on a 403, in one line', async () => {
    new FakeAcronis().install();
    accountManagement({ tenants: () => [403, { error: { domain: 'AccountServer', code: 'AccessDenied', message: 'Access denied' } }] });
    const err = await listAcronisCustomers(account(), testContext(), FAST).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClientListingError);
    expect((err as Error).message).toMatch(/^acronis: cannot list customer tenants \(GET \/api\/2\/tenants\): .*403.* — the API client must be created in the partner tenant/);
  });

  it('says to check the credentials when the token is refused, never echoing the secret', async () => {
    new FakeAcronis('another-secret').install();
    accountManagement();
    const err = (await listAcronisCustomers(account(), testContext(), FAST).catch((e: unknown) => e)) as Error;
    expect(err.message).toMatch(/— check clientId\/clientSecret/);
    expect(err.message).not.toContain(SECRET);
  });

  it('refuses a tenant without an id', async () => {
    new FakeAcronis().install();
    accountManagement({ tenants: () => [200, { items: [{ name: 'no id', kind: 'customer' }] }] });
    await expect(listAcronisCustomers(account(), testContext(), FAST)).rejects.toThrow(/unexpected response at items\[0\]\.id/);
  });

  it('stops on a cursor that repeats', async () => {
    new FakeAcronis().install();
    accountManagement({ tenants: () => [200, { items: [{ id: '00000000-0000-4000-8000-000000000001', name: 'A', kind: 'customer' }], paging: { cursors: { after: 'same' } } }] });
    await expect(listAcronisCustomers(account(), testContext(), FAST)).rejects.toThrow(/the after cursor repeats/);
  });
});
