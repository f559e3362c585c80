/** Failure handling end to end: throttling, permissions vs IP block, token errors, schema violations, aborts. */
import { describe, expect, it } from 'vitest';
import { offline } from '../../src/collector-kit/testing/fake-server.js';
import { collectDattoRmm } from './collect.js';
import { THROTTLED_WAIT_MS } from './endpoints.js';
import {
  API_SECRET,
  BASE,
  SITE_ALERTS,
  SITE_DEVICES,
  api,
  fixture,
  mockSiteAlerts,
  mockSiteDevices,
  mockToken,
  testConfig,
  testContext,
} from './test-support.js';

offline();

const byKey = (evidence: Array<{ key: string }>) => Object.fromEntries(evidence.map((e) => [e.key, e])) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const PAGINATION = '/api/v2/system/pagination';

describe('throttling', () => {
  it('waits out a 429 with Retry-After and then reads the page', async () => {
    mockToken();
    const scope = api()
      .get(SITE_DEVICES)
      .query({ max: '250' })
      .reply(200, fixture('site-devices-page1.json'))
      .get(SITE_DEVICES)
      .query({ max: '250', page: '1' })
      .reply(429, { error: 'Too Many Requests' }, { 'Retry-After': '1' })
      .get(SITE_DEVICES)
      .query({ max: '250', page: '1' })
      .reply(200, fixture('site-devices-page2.json'));
    const t0 = Date.now();
    const result = await collectDattoRmm(testConfig(), testContext({ only: ['rmm.devices'] }));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
    expect(scope.isDone()).toBe(true);
    expect(result.status).toBe('ok');
    expect(result.evidence[0]!.value).toMatchObject({ total: 7 });
    // token + page 1 + 429 + page 2
    expect(result.requests).toBe(4);
  });

  it('after a 429 without Retry-After (Datto documents the status, not the header), waits a rolling window before retrying', async () => {
    mockToken();
    const at: number[] = [];
    const scope = api()
      .get(SITE_DEVICES)
      .query({ max: '250' })
      .reply(() => (at.push(Date.now()), [429, { error: 'Too Many Requests' }]))
      .get(SITE_DEVICES)
      .query({ max: '250' })
      .reply(() => (at.push(Date.now()), [200, fixture('site-devices-page2.json')]));
    // The window is 60 s in production (THROTTLED_WAIT_MS); the seam shortens it, not the rule.
    const result = await collectDattoRmm(testConfig(), testContext({ only: ['rmm.devices'] }), { backoffBaseMs: 1, throttledWaitMs: 500 });
    expect(scope.isDone()).toBe(true);
    expect(result.status).toBe('ok');
    expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(480);
    expect(THROTTLED_WAIT_MS).toBe(60_000);
  });

  it('gives up after the retries when 5xx persists: error, and the other listing still succeeds', async () => {
    mockToken();
    const devices = api().get(SITE_DEVICES).query({ max: '250' }).times(4).reply(503, { message: 'Service Unavailable' });
    mockSiteAlerts();
    const result = await collectDattoRmm(testConfig(), testContext(), { backoffBaseMs: 1 });
    expect(devices.isDone()).toBe(true);
    const e = byKey(result.evidence);
    for (const key of ['rmm.devices', 'rmm.patches', 'rmm.antivirus']) {
      expect(e[key].status).toBe('error');
      expect(e[key].reasonCode).toBe('collector_error');
      expect(e[key].reason).toBe(`datto-rmm GET ${SITE_DEVICES} failed: HTTP 503: Service Unavailable`);
    }
    expect(e['rmm.alerts'].status).toBe('ok');
    expect(result.status).toBe('partial');
    expect(result.error).toMatch(/^3 of 4 Datto RMM evidence keys failed for tenant contoso/);
  });
});

describe('403: missing permission or IP block', () => {
  it('a 403 on the first page while /system/pagination still answers is a missing permission: unavailable, naming what is needed', async () => {
    mockToken();
    mockSiteDevices();
    const alerts = api().get(SITE_ALERTS).query({ max: '250' }).once().reply(403, fixture('error-access-denied.json'));
    const probe = api().get(PAGINATION).reply(200, fixture('system-pagination.json'));
    const result = await collectDattoRmm(testConfig(), testContext());
    expect(alerts.isDone()).toBe(true);
    expect(probe.isDone()).toBe(true);
    const e = byKey(result.evidence);
    expect(e['rmm.alerts'].status).toBe('unavailable');
    expect(e['rmm.alerts'].reasonCode).toBe('permission_missing');
    expect(e['rmm.alerts'].reason).toContain(`GET ${SITE_ALERTS}: HTTP 403: the API user needs`);
    expect(e['rmm.alerts'].reason).toContain('Permissions allow viewing alerts');
    expect(e['rmm.alerts'].source.endpoints).toEqual([SITE_ALERTS, PAGINATION]);
    expect(e['rmm.devices'].status).toBe('ok');
    // unavailable is an honest answer, not a failed collection
    expect(result.status).toBe('ok');
  });

  it('a 403 after the first page is the IP block (a permission cannot vanish mid-listing): error, not retried, no probe', async () => {
    mockToken();
    const scope = api()
      .get(SITE_DEVICES)
      .query({ max: '250' })
      .reply(200, fixture('site-devices-page1.json'))
      .get(SITE_DEVICES)
      .query({ max: '250', page: '1' })
      .once()
      .reply(403, fixture('error-access-denied.json'));
    const result = await collectDattoRmm(testConfig(), testContext({ only: ['rmm.devices', 'rmm.antivirus'] }));
    expect(scope.isDone()).toBe(true);
    for (const e of result.evidence) {
      expect(e.status).toBe('error');
      expect(e.reasonCode).toBe('collector_error');
      expect(e.reason).toContain("temporary IP block (refused after 1 page(s) of the same listing had been read)");
      expect(e.reason).toContain('not a permission problem');
      expect(e.reason).not.toMatch(/needs .*security level/);
    }
    expect(result.status).toBe('error');
    // token + page 1 + the 403: nothing retried, no probe
    expect(result.requests).toBe(3);
  });

  it('a 403 whose body names the block is an IP block at once, without a probe', async () => {
    mockToken();
    api().get(SITE_DEVICES).query({ max: '250' }).once().reply(403, fixture('error-ip-blocked.json'));
    mockSiteAlerts();
    const result = await collectDattoRmm(testConfig(), testContext());
    const e = byKey(result.evidence);
    expect(e['rmm.devices'].status).toBe('error');
    expect(e['rmm.devices'].reason).toContain('temporary IP block (the response says so)');
    expect(e['rmm.alerts'].status).toBe('ok');
    expect(result.requests).toBe(4);
  });

  it('a 403 carrying Retry-After is an IP block at once, even when its body reads like a refusal', async () => {
    // The throttling signal pncit/datto-rmm-api-client's isRateLimitBlock reads; a permission refusal has none.
    mockToken();
    api().get(SITE_DEVICES).query({ max: '250' }).once().reply(403, fixture('error-access-denied.json'), { 'Retry-After': '300' });
    mockSiteAlerts();
    const result = await collectDattoRmm(testConfig(), testContext());
    const e = byKey(result.evidence);
    expect(e['rmm.devices'].status).toBe('error');
    expect(e['rmm.devices'].reason).toContain('temporary IP block (the response says so)');
    // token + the 403 + two alert pages: no probe, no retry of the block
    expect(result.requests).toBe(4);
  });

  it('when /system/pagination is refused too, every 403 is the IP block — one probe for both listings', async () => {
    mockToken();
    api()
      .get(SITE_DEVICES)
      .query({ max: '250' })
      .once()
      .reply(403, fixture('error-access-denied.json'))
      .get(SITE_ALERTS)
      .query({ max: '250' })
      .once()
      .reply(403, fixture('error-access-denied.json'));
    const probe = api().get(PAGINATION).once().reply(403, fixture('error-access-denied.json'));
    const result = await collectDattoRmm(testConfig(), testContext());
    expect(probe.isDone()).toBe(true);
    for (const e of result.evidence) {
      expect(e.status).toBe('error');
      expect(e.reason).toContain(`GET ${PAGINATION}, which needs no permission, was refused too`);
    }
    expect(result.status).toBe('error');
    expect(result.error).toMatch(/^no Datto RMM evidence could be collected for tenant contoso: GET /);
    // token + two 403s + one probe
    expect(result.requests).toBe(4);
  });

  it('a 401 that survives a fresh token is unavailable (access revoked), after exactly one token refresh', async () => {
    const token = mockToken();
    const scope = api().get(SITE_ALERTS).query({ max: '250' }).times(2).reply(401, fixture('error-invalid-token.json'));
    const result = await collectDattoRmm(testConfig(), testContext({ only: ['rmm.alerts'] }));
    expect(scope.isDone()).toBe(true);
    expect(token.requests).toBe(2);
    const e = result.evidence[0]!;
    expect(e.status).toBe('unavailable');
    expect(e.reasonCode).toBe('permission_missing');
    expect(e.reason).toContain('HTTP 401 even with a fresh token');
    expect(e.reason).toContain('Enable API Access');
  });
});

describe('token', () => {
  it('wrong credentials: collector error naming the tenant and invalid_grant; every key errors; no API call; no secret', async () => {
    const token = mockToken({ secret: 'the-real-secret-is-different' });
    const result = await collectDattoRmm(testConfig(), testContext());
    expect(token.requests).toBe(1);
    expect(result.status).toBe('error');
    expect(result.error).toContain('tenant contoso');
    expect(result.error).toContain('(API key K7RQ…EY01) refused with HTTP 400 (invalid_grant: Bad credentials)');
    expect(result.error).toContain('check rmm.apiKey / rmm.apiSecret');
    expect(result.error).not.toContain(API_SECRET);
    expect(result.evidence.map((e) => [e.key, e.status, e.reasonCode])).toEqual([
      ['rmm.devices', 'error', 'collector_error'],
      ['rmm.patches', 'error', 'collector_error'],
      ['rmm.alerts', 'error', 'collector_error'],
      ['rmm.antivirus', 'error', 'collector_error'],
    ]);
    expect(result.evidence[0]!.reason).toBe(result.error);
    expect(result.evidence[0]!.source.endpoints).toEqual(['/auth/oauth/token']);
    expect(result.requests).toBe(1);
  });

  it('a platform that is not reachable fails with the network code, never the axios error (which holds the secret)', async () => {
    // No interceptor for this host and net connect disabled: the token request fails in transport.
    const result = await collectDattoRmm(testConfig({ baseUrl: 'https://vidal-api.test' }), testContext());
    expect(result.status).toBe('error');
    expect(result.error).toMatch(/^Datto RMM token request for tenant contoso at https:\/\/vidal-api\.test\/auth\/oauth\/token \(API key K7RQ…EY01\) failed: (?:ENETUNREACH|ENOTFOUND|ECONNREFUSED|[A-Z_]+)/);
    expect(result.error).toContain('https://{concord|merlot|pinotage|vidal|zinfandel|syrah}-api.centrastage.net');
    expect(result.error).not.toContain(API_SECRET);
  });
});

describe('responses that do not match the documented shape', () => {
  it('names the field of a schema violation (a lastSeen that is no timestamp) and keeps the alerts', async () => {
    mockToken();
    const bad = fixture<{ devices: Array<Record<string, unknown>> }>('site-devices-page1.json');
    bad.devices[1]!.lastSeen = 'yesterday';
    api().get(SITE_DEVICES).query({ max: '250' }).reply(200, bad);
    mockSiteAlerts();
    const result = await collectDattoRmm(testConfig(), testContext());
    const e = byKey(result.evidence);
    expect(e['rmm.patches'].status).toBe('error');
    expect(e['rmm.patches'].reasonCode).toBe('schema_violation');
    expect(e['rmm.patches'].reason).toBe(
      `datto-rmm GET ${SITE_DEVICES}: unexpected response at devices[1].lastSeen: expected epoch milliseconds or an ISO 8601 date-time, got "yesterday"`,
    );
    expect(e['rmm.alerts'].status).toBe('ok');
    expect(result.status).toBe('partial');
  });

  it('a page without pageDetails.nextPageUrl is a violation, not a silently truncated inventory', async () => {
    mockToken();
    const bad = fixture<{ pageDetails: Record<string, unknown> }>('site-alerts-open-page1.json');
    delete bad.pageDetails.nextPageUrl;
    api().get(SITE_ALERTS).query({ max: '250' }).reply(200, bad);
    const result = await collectDattoRmm(testConfig(), testContext({ only: ['rmm.alerts'] }));
    expect(result.evidence[0]!.reasonCode).toBe('schema_violation');
    expect(result.evidence[0]!.reason).toContain('unexpected response at pageDetails.nextPageUrl');
  });

  it('an unknown site is a config error naming the siteUid', async () => {
    mockToken();
    const missing = '11111111-2222-4333-8444-555555555555';
    api().get(`/api/v2/site/${missing}/alerts/open`).query({ max: '250' }).reply(404, { message: 'Site not found' });
    const result = await collectDattoRmm(testConfig({ siteUid: missing }), testContext({ only: ['rmm.alerts'] }));
    expect(result.evidence[0]!.status).toBe('error');
    expect(result.evidence[0]!.reason).toContain(`site ${missing} no longer exists on the account (${BASE})`);
    expect(result.evidence[0]!.reason).toContain('check rmm.siteUid');
  });
});

describe('timeout', () => {
  it('a listing that never answers in time is an error naming the timeout, and the other listing is kept', async () => {
    mockToken();
    api().get(SITE_DEVICES).query({ max: '250' }).delay(400).reply(200, fixture('site-devices-page1.json'));
    mockSiteAlerts();
    const result = await collectDattoRmm(testConfig({ timeoutMs: 100 }), testContext(), { maxRetries: 0 });
    const e = byKey(result.evidence);
    expect(e['rmm.devices'].status).toBe('error');
    expect(e['rmm.devices'].reason).toBe(`GET ${SITE_DEVICES} timed out (100 ms per attempt, retries exhausted)`);
    expect(e['rmm.alerts'].status).toBe('ok');
    expect(result.status).toBe('partial');
  });
});

describe('abort', () => {
  it('stops at once when the scan is aborted and says so', async () => {
    mockToken();
    mockSiteDevices();
    mockSiteAlerts();
    const controller = new AbortController();
    controller.abort(new Error('timed out after 300 s'));
    const result = await collectDattoRmm(testConfig(), testContext({ signal: controller.signal }));
    expect(result.status).toBe('error');
    expect(result.error).toBe(
      'Datto RMM token request for tenant contoso at https://merlot-api.test/auth/oauth/token (API key K7RQ…EY01) was aborted: timed out after 300 s',
    );
    expect(result.requests).toBe(0);
  });
});
