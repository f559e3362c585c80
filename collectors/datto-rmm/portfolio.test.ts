/**
 * `portfolio.listClients` of Datto RMM against nock: GET /api/v2/account/sites over two pages (the second reached
 * through `pageDetails.nextPageUrl`), the documented Site shape, and every failure as one clear line without the
 * secret.
 */
import { describe, expect, it } from 'vitest';
import { ClientListingError } from '../../src/collector-kit/client-listing.js';
import { offline } from '../../src/collector-kit/testing/fake-server.js';
import { dattoRmmPlugin } from './index.js';
import { listDattoSites } from './portfolio.js';
import { API_SECRET, api, fixture, mockToken, testConfig, testContext } from './test-support.js';

offline({ clearSecrets: true });

const SITES = '/api/v2/account/sites';
const account = () => testConfig({ siteUid: undefined });
const fast = { backoffBaseMs: 1, maxRetries: 1 };

describe('datto-rmm listClients', () => {
  it('lists every site over the pages nextPageUrl links, with the device count beside the name', async () => {
    const token = mockToken();
    const pages = api()
      .get(SITES)
      .query({ max: '250' })
      .reply(200, fixture('account-sites-page1.json'))
      .get(SITES)
      .query({ max: '250', page: '1' })
      .reply(200, fixture('account-sites-page2.json'));
    const clients = await listDattoSites(account(), testContext(), fast);
    expect(pages.isDone()).toBe(true);
    expect(token.requests).toBe(1);
    expect(clients).toEqual([
      { scope: '7d7b1e7a-3c5e-4b1f-9a2d-0c1e2f3a4b5c', name: 'Contoso Ltd', domains: [], note: '42 devices' },
      { scope: '2f9c4b1d-8e7a-4c3b-a1d2-6e5f4a3b2c1d', name: 'Fabrikam Inc', domains: [], note: '1 device' },
      { scope: 'c0ffee00-1234-4abc-8def-0123456789ab', name: 'Deleted Devices', domains: [] },
    ]);
  });

  it('is wired into the plugin with siteUid as the scope field', async () => {
    mockToken();
    api().get(SITES).query({ max: '250' }).reply(200, { pageDetails: { count: 0, totalCount: 0, prevPageUrl: null, nextPageUrl: null }, sites: [] });
    expect(dattoRmmPlugin.portfolio?.scopeField).toBe('siteUid');
    await expect(dattoRmmPlugin.portfolio!.listClients!(account(), testContext())).resolves.toEqual([]);
  });

  it('names what the API user needs on a 403, in one line', async () => {
    mockToken();
    api().get(SITES).query(true).reply(403, fixture('error-access-denied.json'));
    const err = await listDattoSites(account(), testContext(), fast).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClientListingError);
    expect((err as Error).message).toMatch(/^datto-rmm: cannot list sites \(GET \/api\/v2\/account\/sites\): .*403.* — the API user needs a security level/);
  });

  it('says to check the key and secret when the token is refused, never echoing the secret', async () => {
    mockToken({ secret: 'another-secret' });
    const err = (await listDattoSites(account(), testContext(), fast).catch((e: unknown) => e)) as Error;
    expect(err.message).toMatch(/^datto-rmm: cannot list sites .* — check apiKey\/apiSecret/);
    expect(err.message).not.toContain(API_SECRET);
  });

  it('refuses a page whose sites break the schema', async () => {
    mockToken();
    api().get(SITES).query(true).reply(200, { pageDetails: { nextPageUrl: null }, sites: [{ name: 'no uid' }] });
    await expect(listDattoSites(account(), testContext(), fast)).rejects.toThrow(/unexpected response at sites\[0\]\.uid/);
  });

  it('refuses a nextPageUrl that points elsewhere', async () => {
    mockToken();
    api()
      .get(SITES)
      .query(true)
      .reply(200, { pageDetails: { nextPageUrl: 'https://merlot-api.test/api/v2/account/devices?page=1' }, sites: [] });
    await expect(listDattoSites(account(), testContext(), fast)).rejects.toThrow(/refusing to follow it/);
  });
});
