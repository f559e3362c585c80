import { describe, expect, it } from 'vitest';
import { offline } from '../../src/collector-kit/testing/fake-server.js';
import { doctorDattoRmm } from './doctor.js';
import { SITE, SITE_ALERTS, SITE_DEVICES, api, fixture, mockToken, page, testConfig, testContext } from './test-support.js';

offline();

const RATE = '/api/v2/system/request_rate';

/** The probes doctor makes after the token: one-item device and open-alert pages, then the account's request rate. */
function probes(devices: unknown, alerts: unknown) {
  return api()
    .get(SITE_DEVICES)
    .query({ max: '1' })
    .reply(200, devices as Record<string, unknown>)
    .get(SITE_ALERTS)
    .query({ max: '1' })
    .reply(200, alerts as Record<string, unknown>)
    .get(RATE)
    .reply(200, fixture('system-request-rate.json'));
}

describe('doctorDattoRmm', () => {
  it('checks the token, one item of each listing, and the account read budget', async () => {
    mockToken();
    const scope = probes(page('site-devices-page1.json', null), page('site-alerts-open-page1.json', null));
    const checks = await doctorDattoRmm(testConfig(), testContext());
    expect(scope.isDone()).toBe(true);
    expect(checks).toEqual([
      { check: 'token', ok: true, detail: 'token issued by https://merlot-api.test/auth/oauth/token for API key K7RQ…EY01' },
      { check: `GET ${SITE_DEVICES}`, ok: true, detail: `readable: 12 device(s) in site "Contoso Ltd - Head Office" (${SITE})` },
      { check: `GET ${SITE_ALERTS}`, ok: true, detail: 'readable: 6 open alert(s)' },
      { check: `GET ${RATE}`, ok: true, detail: 'the account used 42 of 600 reads in the last 60 s; this collector paces itself to 500 per 60 s' },
    ]);
  });

  it('does not pass the probe page off as the total when a page carries no totalCount', async () => {
    // Open-alert pages without pageDetails.totalCount (reported from a live account; the spec's PaginationData makes
    // every field optional): the one-item probe page must not read as "1 open alert".
    mockToken();
    probes(page('site-devices-page1.json', null), fixture('site-alerts-open-no-total.json'));
    const checks = await doctorDattoRmm(testConfig(), testContext());
    expect(checks[2]).toEqual({ check: `GET ${SITE_ALERTS}`, ok: true, detail: 'readable: at least 2 open alert(s)' });
  });

  it('counts the items of a last page without totalCount, and warns on an empty site only when it is known to be empty', async () => {
    mockToken();
    const empty = { pageDetails: { count: 0, prevPageUrl: null, nextPageUrl: null }, devices: [] };
    const lastAlerts = fixture<{ pageDetails: Record<string, unknown> }>('site-alerts-open-no-total.json');
    lastAlerts.pageDetails.nextPageUrl = null;
    probes(empty, lastAlerts);
    const checks = await doctorDattoRmm(testConfig(), testContext());
    expect(checks[1]!.detail).toContain('readable: 0 device(s)');
    expect(checks[1]!.detail).toContain('none at all');
    expect(checks[2]!.detail).toBe('readable: 1 open alert(s)');
  });

  it('stops after a refused token and says which tenant and why', async () => {
    mockToken({ secret: 'another-secret' });
    const checks = await doctorDattoRmm(testConfig(), testContext());
    expect(checks[0]).toMatchObject({ check: 'token', ok: false });
    expect(checks[0]!.detail).toContain('tenant contoso');
    expect(checks[0]!.detail).toContain('invalid_grant');
    expect(checks.slice(1)).toEqual([
      { check: `GET ${SITE_DEVICES}`, ok: false, detail: 'not checked: no token' },
      { check: `GET ${SITE_ALERTS}`, ok: false, detail: 'not checked: no token' },
    ]);
  });

  it('names the missing permission for a refused listing', async () => {
    mockToken();
    api()
      .get(SITE_DEVICES)
      .query({ max: '1' })
      .reply(200, page('site-devices-page1.json', null))
      .get(SITE_ALERTS)
      .query({ max: '1' })
      .reply(403, fixture('error-access-denied.json'))
      .get('/api/v2/system/pagination')
      .reply(200, fixture('system-pagination.json'))
      .get(RATE)
      .reply(200, { ...fixture('system-request-rate.json'), accountCount: 590 });
    const checks = await doctorDattoRmm(testConfig(), testContext());
    expect(checks[2]).toEqual({
      check: `GET ${SITE_ALERTS}`,
      ok: false,
      detail: `GET ${SITE_ALERTS}: HTTP 403: the API user needs a security level whose Device Visibility includes the site(s) and whose Permissions allow viewing alerts (the built-in Administrator level has both)`,
    });
    expect(checks[3]!.detail).toContain('other integrations are using most of the budget');
  });
});
