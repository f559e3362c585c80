import { describe, expect, it } from 'vitest';
import { offline } from '../../src/collector-kit/testing/fake-server.js';
import { collectDattoRmm } from './collect.js';
import {
  ACCOUNT_ALERTS,
  ACCOUNT_DEVICES,
  API_KEY,
  API_SECRET,
  BASE,
  SITE,
  SITE_ALERTS,
  SITE_DEVICES,
  api,
  fixture,
  mockSiteAlerts,
  mockSiteDevices,
  mockToken,
  page,
  testConfig,
  testContext,
} from './test-support.js';

offline();

const byKey = (evidence: Array<{ key: string }>) => Object.fromEntries(evidence.map((e) => [e.key, e])) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('collectDattoRmm — one site, every listing two pages long', () => {
  it('derives the four rmm.* keys from two device pages and two alert pages', async () => {
    const token = mockToken();
    const devices = mockSiteDevices();
    const alerts = mockSiteAlerts();
    const result = await collectDattoRmm(testConfig(), testContext());
    expect(result.status).toBe('ok');
    expect(result.error).toBeNull();
    expect(devices.isDone()).toBe(true);
    expect(alerts.isDone()).toBe(true);
    // token + 2 device pages + 2 alert pages
    expect(result.requests).toBe(5);
    expect(token.requests).toBe(1);
    expect(token.forms[0]!.get('grant_type')).toBe('password');
    expect(token.forms[0]!.get('username')).toBe(API_KEY);
    expect(token.forms[0]!.get('password')).toBe(API_SECRET);
    expect(token.authorizations[0]).toBe(`Basic ${Buffer.from('public-client:public').toString('base64')}`);

    const e = byKey(result.evidence);
    expect(Object.keys(e)).toEqual(['rmm.devices', 'rmm.patches', 'rmm.alerts', 'rmm.antivirus']);
    for (const item of result.evidence) {
      expect(item.status).toBe('ok');
      expect(item.collectedAt).toBe('2024-07-16T12:00:00.000Z');
      expect(item.source.collector).toBe('datto-rmm');
    }
    expect(e['rmm.devices'].source).toEqual({ collector: 'datto-rmm', endpoints: [SITE_DEVICES], requests: 2 });
    // The alerts are normalised by the device listing's count, so its pages are charged to rmm.alerts too.
    expect(e['rmm.alerts'].source).toEqual({ collector: 'datto-rmm', endpoints: [SITE_ALERTS, SITE_DEVICES], requests: 4 });

    expect(e['rmm.devices'].value).toEqual({
      total: 7,
      servers: 2,
      workstations: 5,
      online24h: 5,
      pct: 71.4,
      // SRV-FILE01 (72 h) misses the server window; WS-CARL (25 h) is within the workstation one.
      serversOnline24h: 1,
      workstationsOnline7d: 5,
      checkedIn: 6,
      checkedInPct: 85.7,
      onlineNow: 2,
      neverSeen: 0,
      offline: ['SRV-FILE01', 'WS-CARL'],
      offlineTotal: 2,
      serverNames: ['SRV-DC01', 'SRV-FILE01'],
      serverNamesTotal: 2,
      excluded: { deleted: 1, suspended: 1, printer: 1, networkDevice: 1, esxiHost: 1 },
      siteUids: [SITE],
    });
    expect(e['rmm.patches'].value).toMatchObject({
      devices: 6,
      compliant: 4,
      pct: 66.7,
      pendingCritical: null,
      criticalOverdueDevices: null,
      criticalCompliantPct: null,
      failed: 1,
      oldestPendingDays: null,
      notApplicable: {
        oldestPendingDays: expect.stringMatching(/^Datto RMM's API reports no patch dates/),
        pendingCritical: expect.any(String),
        criticalOverdueDevices: expect.any(String),
        criticalCompliantPct: expect.any(String),
        pendingOver14d: expect.stringMatching(/Essential Eight patch window/),
        workstationsPendingOver30d: expect.stringMatching(/Essential Eight patch window/),
      },
      pendingOver48hCritical: null,
      serversPendingOver14d: null,
      automated: 5,
      automatedPct: 71.4,
      nonCompliant: ['SRV-FILE01', 'WS-CARL'],
      nonCompliantTotal: 2,
      managedDevices: 7,
      noPolicy: 1,
      approvedPending: 1,
      rebootRequired: 1,
      noData: 1,
      unrecognised: 0,
      byStatus: { FullyPatched: 2, InstallError: 1, ApprovedPending: 1, RebootRequired: 1, NoPolicy: 1, NoData: 1 },
      patchesApprovedPending: 7,
      patchWindowDays: null,
    });
    expect(e['rmm.antivirus'].value).toEqual({
      devices: 6,
      protected: 3,
      pct: 50,
      unprotected: ['SRV-FILE01', 'WS-BEN', 'WS-CARL'],
      unprotectedTotal: 3,
      notRunning: 1,
      outOfDate: 1,
      notDetected: 1,
      notReporting: 1,
      unrecognised: 0,
      byStatus: { RunningAndUpToDate: 3, RunningAndNotUpToDate: 1, NotRunning: 1, NotDetected: 1, '(none)': 1 },
    });
    expect(e['rmm.alerts'].value).toEqual({
      open: 6,
      critical: 3,
      oldestOpenHours: 50,
      // The undated Critical alert counts as stale (and as over 7 days): worst case, not skipped.
      staleOver24h: 4,
      staleOver7d: 1,
      oldestOpenAt: '2024-07-14T10:00:00.000Z',
      muted: 1,
      undated: 1,
      devices: 7,
      high: 3,
      highOver24h: 2,
      highOver7d: 1,
      highOver24hPer100: 28.6,
      highOver7dPer100: 14.3,
      staleOver24hPer100: 57.1,
      ackWithin24hPct: null,
      notApplicable: { ackWithin24hPct: "Datto RMM's API reports no acknowledgement time; alert hygiene rests on the stale-alert backlog instead" },
      byPriority: { Critical: 2, High: 1, Moderate: 1, Information: 1, Low: 1 },
      siteUids: [SITE],
    });
  });
});

describe('collectDattoRmm — scope', () => {
  it('reads the whole account when no siteUid is configured, following absolute nextPageUrls', async () => {
    mockToken();
    const scope = api()
      .get(ACCOUNT_DEVICES)
      .query({ max: '250' })
      .reply(200, page('site-devices-page1.json', `${BASE}${ACCOUNT_DEVICES}?max=250&page=1`))
      .get(ACCOUNT_DEVICES)
      .query({ max: '250', page: '1' })
      .reply(200, page('site-devices-page2.json', null))
      .get(ACCOUNT_ALERTS)
      .query({ max: '250' })
      .reply(200, page('site-alerts-open-page2.json', null));
    const result = await collectDattoRmm(testConfig({ siteUid: undefined }), testContext());
    expect(scope.isDone()).toBe(true);
    const e = byKey(result.evidence);
    expect(e['rmm.devices'].value.total).toBe(7);
    expect(e['rmm.devices'].value.siteUids).toBeNull();
    expect(e['rmm.devices'].source.endpoints).toEqual([ACCOUNT_DEVICES]);
    expect(e['rmm.alerts'].value.open).toBe(2);
    expect(e['rmm.alerts'].source.endpoints).toEqual([ACCOUNT_ALERTS, ACCOUNT_DEVICES]);
    expect(e['rmm.alerts'].value.devices).toBe(7);
  });

  it('walks every configured site of a multi-site client and adds them up', async () => {
    const other = '0e9d8c7b-6a5f-4e3d-8c2b-1a0f9e8d7c6b';
    mockToken();
    const second = fixture<{ devices: Array<Record<string, unknown>> }>('site-devices-page2.json');
    const scope = mockSiteDevices()
      .get(`/api/v2/site/${other}/devices`)
      .query({ max: '250' })
      .reply(200, { pageDetails: { count: 1, totalCount: 1, prevPageUrl: null, nextPageUrl: null }, devices: [second.devices[5]] });
    const result = await collectDattoRmm(testConfig({ siteUid: [SITE, other, SITE] }), testContext({ only: ['rmm.devices'] }));
    expect(scope.isDone()).toBe(true);
    const e = byKey(result.evidence);
    expect(e['rmm.devices'].value.total).toBe(8);
    expect(e['rmm.devices'].value.siteUids).toEqual([SITE, other]);
    expect(e['rmm.devices'].source).toEqual({ collector: 'datto-rmm', endpoints: [SITE_DEVICES, `/api/v2/site/${other}/devices`], requests: 3 });
  });

  it('answers a targeted re-check of rmm.alerts with the alert listing and the device count, emitting only that key', async () => {
    mockToken();
    const alerts = mockSiteAlerts();
    const devices = mockSiteDevices();
    const result = await collectDattoRmm(testConfig(), testContext({ only: ['rmm.alerts'] }));
    expect(alerts.isDone()).toBe(true);
    expect(devices.isDone()).toBe(true);
    expect(result.evidence.map((e) => e.key)).toEqual(['rmm.alerts']);
    expect(result.evidence[0]!.value).toMatchObject({ devices: 7, staleOver24hPer100: 57.1 });
    // token + 2 alert pages + 2 device pages
    expect(result.requests).toBe(5);
  });

  it('keeps the alert counts when the device listing fails, without per-device rates', async () => {
    mockToken();
    mockSiteAlerts();
    api().get(SITE_DEVICES).query({ max: '250' }).reply(404, { message: 'site not found' });
    const result = await collectDattoRmm(testConfig(), testContext({ only: ['rmm.alerts'] }));
    const e = byKey(result.evidence)['rmm.alerts'];
    expect(e.status).toBe('ok');
    expect(e.value).toMatchObject({ open: 6, devices: null, highOver24h: 2, highOver24hPer100: null, staleOver24hPer100: null });
    expect(e.source.endpoints).toEqual([SITE_ALERTS]);
  });

  it('reads only the device listing for rmm.patches and emits only that key', async () => {
    mockToken();
    const devices = mockSiteDevices();
    const result = await collectDattoRmm(testConfig(), testContext({ only: ['rmm.patches', 'm365.licenses'] }));
    expect(devices.isDone()).toBe(true);
    expect(result.evidence.map((e) => e.key)).toEqual(['rmm.patches']);
    expect(result.evidence[0]!.value).toMatchObject({ devices: 6, compliant: 4 });
  });

  it('emits nothing and sends nothing when none of its keys is asked for', async () => {
    const result = await collectDattoRmm(testConfig(), testContext({ only: ['m365.licenses'] }));
    expect(result).toEqual({ evidence: [], requests: 0, status: 'ok', error: null });
  });
});

describe('collectDattoRmm — behind a path prefix (simulator, reverse proxy)', () => {
  it('keeps the prefix for the token and every page, and strips it from nextPageUrl', async () => {
    const host = 'https://127.0.0.1:4443';
    const prefixed = `${host}/datto-rmm`;
    const token = mockToken({ base: host, path: '/datto-rmm/auth/oauth/token' });
    const scope = api(host)
      .get(`/datto-rmm${SITE_DEVICES}`)
      .query({ max: '250' })
      .reply(200, page('site-devices-page1.json', `${prefixed}${SITE_DEVICES}?max=250&page=1`))
      .get(`/datto-rmm${SITE_DEVICES}`)
      .query({ max: '250', page: '1' })
      .reply(200, page('site-devices-page2.json', null));
    const result = await collectDattoRmm(testConfig({ baseUrl: `${prefixed}/api` }), testContext({ only: ['rmm.devices'] }));
    expect(token.requests).toBe(1);
    expect(scope.isDone()).toBe(true);
    expect(result.evidence[0]!.value).toMatchObject({ total: 7, online24h: 5 });
    expect(result.evidence[0]!.source.endpoints).toEqual([SITE_DEVICES]);
  });
});

describe('collectDattoRmm — paging safety', () => {
  it('re-bases a nextPageUrl that names another host onto the configured platform (the token never leaves it)', async () => {
    mockToken();
    const scope = api()
      .get(SITE_DEVICES)
      .query({ max: '250' })
      .reply(200, page('site-devices-page1.json', `http://internal-lb.centrastage.local:8080${SITE_DEVICES}?max=250&page=1`))
      .get(SITE_DEVICES)
      .query({ max: '250', page: '1' })
      .reply(200, fixture('site-devices-page2.json'));
    const result = await collectDattoRmm(testConfig(), testContext({ only: ['rmm.devices'] }));
    expect(scope.isDone()).toBe(true);
    expect(result.evidence[0]!.status).toBe('ok');
  });

  it('puts max back when nextPageUrl drops it', async () => {
    mockToken();
    const scope = api()
      .get(SITE_DEVICES)
      .query({ max: '250' })
      .reply(200, page('site-devices-page1.json', `${BASE}${SITE_DEVICES}?page=1`))
      .get(SITE_DEVICES)
      .query({ page: '1', max: '250' })
      .reply(200, fixture('site-devices-page2.json'));
    const result = await collectDattoRmm(testConfig(), testContext({ only: ['rmm.devices'] }));
    expect(scope.isDone()).toBe(true);
    expect(result.evidence[0]!.value).toMatchObject({ total: 7 });
  });

  it('stops a nextPageUrl loop with an error instead of paging forever', async () => {
    mockToken();
    api()
      .get(SITE_DEVICES)
      .query({ max: '250', page: '1' })
      .times(2)
      .reply(200, page('site-devices-page1.json', `${BASE}${SITE_DEVICES}?max=250&page=1`))
      .get(SITE_DEVICES)
      .query({ max: '250' })
      .reply(200, page('site-devices-page1.json', `${BASE}${SITE_DEVICES}?max=250&page=1`));
    const result = await collectDattoRmm(testConfig(), testContext({ only: ['rmm.devices'] }));
    const e = result.evidence[0]!;
    expect(e.status).toBe('error');
    expect(e.reasonCode).toBe('schema_violation');
    expect(e.reason).toMatch(/nextPageUrl repeats .*page=1.*paging loop/);
    expect(result.status).toBe('error');
  });

  it('refuses a nextPageUrl that leaves the endpoint being paged', async () => {
    mockToken();
    api()
      .get(SITE_DEVICES)
      .query({ max: '250' })
      .reply(200, page('site-devices-page1.json', `${BASE}/api/v2/account/users?page=1`));
    const result = await collectDattoRmm(testConfig(), testContext({ only: ['rmm.devices'] }));
    expect(result.evidence[0]!.status).toBe('error');
    expect(result.evidence[0]!.reason).toContain('points at /api/v2/account/users, not the endpoint being paged');
  });
});

