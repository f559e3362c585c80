import { describe, expect, it } from 'vitest';
import type { Evidence } from '../../src/domain/evidence.js';
import { collectNinjaOne, planFor } from './collect.js';
import { ninjaonePlugin } from './index.js';
import {
  BASE,
  cursorQuery,
  FakeNinja,
  FAST,
  fixture,
  json,
  ninjaError,
  NOW_S,
  offlineWithFakeNinja,
  orgLookup,
  SECRET,
  sequence,
  standardTenant,
  testConfig,
  testContext,
} from './test-support.js';

let fake: FakeNinja;
offlineWithFakeNinja((f) => (fake = f));

function byKey(evidence: Evidence[], key: string): Evidence {
  const e = evidence.find((x) => x.key === key);
  if (!e) throw new Error(`no evidence ${key}; got ${evidence.map((x) => x.key).join(', ')}`);
  return e;
}

const value = (evidence: Evidence[], key: string) => byKey(evidence, key).value as Record<string, unknown>;

describe('ninjaone collector — healthy organisation', () => {
  it('collects every key, paging devices by keyset and queries by cursor, scoped to the organisation', async () => {
    standardTenant(fake).install();
    const result = await collectNinjaOne(testConfig({ automatedPatchPolicies: ['Servers - Auto Patch', 20] }), testContext(), FAST);

    expect(fake.unmatched).toEqual([]);
    expect(result.status).toBe('ok');
    expect(result.error).toBeNull();
    expect(result.evidence.map((e) => e.key)).toEqual(['rmm.devices', 'rmm.patches', 'rmm.alerts', 'rmm.antivirus']);
    for (const e of result.evidence) {
      expect(e.status).toBe('ok');
      expect(e.collectedAt).toBe('2024-06-01T00:00:00.000Z');
      expect(e.source.collector).toBe('ninjaone');
    }

    // Keyset paging: pageSize 3 → after=3, after=8, then a short page ends it.
    const devCalls = fake.hits('/v2/devices-detailed');
    expect(devCalls.map((r) => [r.query.get('after'), r.query.get('pageSize')])).toEqual([
      [null, '3'],
      ['3', '3'],
      ['8', '3'],
    ]);
    // Cursor paging: the first call opens the cursor, later ones send its name; a short page ends it.
    expect(fake.hits('/v2/queries/os-patches').map((r) => r.query.get('cursor'))).toEqual([null, 'os-patches-cursor', 'os-patches-cursor']);
    // An exactly full last page needs one more (empty) page to end.
    expect(fake.hits('/v2/queries/antivirus-status').map((r) => r.query.get('cursor'))).toEqual([null, 'av-cursor', 'av-cursor']);
    // Every call carries the organisation filter.
    for (const r of fake.log) {
      if (r.path === '/v2/policies') expect(r.query.get('df')).toBeNull();
      else expect(r.query.get('df')).toBe('org = 12');
    }
    expect(fake.tokenRequests).toBe(1);
    expect(fake.tokenForms[0]!.get('scope')).toBe('monitoring');
    // The activity log, newest first, paged backwards by id (`olderThan` = smallest id of the previous page) over
    // the last 30 days: 12 CONDITION activities of organisation 12 → four full pages of 3 and an empty one.
    expect(fake.hits('/v2/activities').map((r) => [r.query.get('olderThan'), r.query.get('pageSize'), r.query.get('type'), r.query.get('class'), r.query.get('after')])).toEqual([
      [null, '3', 'CONDITION', 'DEVICE', String(NOW_S - 30 * 86_400)],
      ['113', '3', 'CONDITION', 'DEVICE', String(NOW_S - 30 * 86_400)],
      ['108', '3', 'CONDITION', 'DEVICE', String(NOW_S - 30 * 86_400)],
      ['105', '3', 'CONDITION', 'DEVICE', String(NOW_S - 30 * 86_400)],
      ['102', '3', 'CONDITION', 'DEVICE', String(NOW_S - 30 * 86_400)],
    ]);
    // 1 token + 3 devices + 3 patches + 3 AV + 1 alerts + 5 activities + 1 policies.
    expect(result.requests).toBe(17);

    expect(value(result.evidence, 'rmm.devices')).toEqual({
      total: 5,
      servers: 3,
      workstations: 2,
      online24h: 3,
      pct: 60,
      // HV01 never checked in; Reception PC, 3 days silent, is a workstation: within its 7-day window.
      serversOnline24h: 2,
      workstationsOnline7d: 2,
      checkedIn: 4,
      checkedInPct: 80,
      offlineNow: 2,
      offline: ['Reception PC', 'HV01'],
      offlineTotal: 2,
      serverNames: ['DC01', 'web01', 'HV01'],
      serverNamesTotal: 3,
      excludedByClass: { NMS_SWITCH: 1 },
      excludedTotal: 2,
      pendingApproval: 1,
      organizationId: 12,
    });
    expect(byKey(result.evidence, 'rmm.devices').source).toEqual({ collector: 'ninjaone', endpoints: ['/v2/devices-detailed'], requests: 3 });

    expect(value(result.evidence, 'rmm.patches')).toEqual({
      devices: 5,
      compliant: 3,
      pct: 60,
      // web01's CRITICAL kernel update (72 h) and Design-Mac's CRITICAL update whose install failed 5 days ago (still
      // not applied) count: DC01's 40-day security update is IMPORTANT, HV01's critical one is 24 h old.
      pendingCritical: 2,
      criticalOverdueDevices: 2,
      criticalCompliantPct: 60,
      failed: 1,
      oldestPendingDays: 40,
      oldestPendingSince: '2024-04-22T00:00:00.000Z',
      automated: 4,
      automatedPct: 80,
      automationNote: null,
      automatedPolicies: ['Mac workstations', 'Servers - Auto Patch', 'Workstations - Auto'],
      nonCompliant: ['DC01', 'Design-Mac'],
      nonCompliantTotal: 2,
      windowDays: 30,
      // Essential Eight windows: web01's critical update (72 h) and Design-Mac's failed critical one (5 days) are past
      // 48 h; only DC01 (a server, 40 days) is past two weeks and a month; the other rows are 1–10 days old.
      pendingOver48hCritical: 2,
      pendingOver14d: 1,
      pendingOver30d: 1,
      serversPendingOver14d: 1,
      workstationsPendingOver30d: 0,
      pendingPatches: 4,
      failedPatches: 1,
      ignoredRows: 1,
    });
    expect(byKey(result.evidence, 'rmm.patches').source).toEqual({
      collector: 'ninjaone',
      endpoints: ['/v2/devices-detailed', '/v2/queries/os-patches', '/v2/policies'],
      requests: 7,
    });

    // Severity joined from the TRIGGERED activity of each alert's series (seriesUid = alert uid): DC01 CRITICAL
    // (30 h), Reception PC MINOR (2 h), the switch MAJOR (50.5 h). Acknowledgement over the 5 episodes triggered
    // 24 h–30 days ago: DC01's (ACKNOWLEDGED after 1 h), Design-Mac's (RESET after 2 h) and DC01's older one
    // (ACKNOWLEDGED after 23 h) within a day; web01's (after 30 h) and the switch's (never) not → 60 %. The episode
    // triggered 31 days ago (its RESET is in the window) and Reception PC's 2-hour-old one do not count.
    expect(value(result.evidence, 'rmm.alerts')).toEqual({
      open: 3,
      critical: 2,
      oldestOpenHours: 50.5,
      oldestOpenSince: '2024-05-29T21:30:00.000Z',
      staleOver24h: 2,
      staleOver7d: 0,
      undated: 0,
      devices: 5,
      high: 2,
      highOver24h: 2,
      highOver7d: 0,
      highOver24hPer100: 40,
      highOver7dPer100: 0,
      staleOver24hPer100: 40,
      severityUnresolved: 0,
      ackWithin24hPct: 60,
      alertSeries30d: 5,
      acknowledgedWithin24h: 3,
      resetWithin24h: 1,
      activityLog: { read: 12, pages: 5, capped: false, since: '2024-05-02T00:00:00.000Z', seriesLookups: 0, note: null },
      notApplicable: {},
      unknownReasons: {},
      bySourceType: { CONDITION_AGENT_DISK_FREE_SPACE: 1, AGENT_OFFLINE: 1, CONDITION_NMS_NETWORK_STATUS: 1 },
      outOfScope: 0,
    });
    expect(byKey(result.evidence, 'rmm.alerts').source).toEqual({ collector: 'ninjaone', endpoints: ['/v2/alerts', '/v2/activities', '/v2/devices-detailed'], requests: 9 });

    expect(value(result.evidence, 'rmm.antivirus')).toEqual({
      devices: 4,
      protected: 2,
      pct: 50,
      unprotected: ['Design-Mac', 'Web server'],
      unprotectedTotal: 2,
      notReporting: 1,
      byProductState: { ON: 3, OFF: 1, SNOOZED: 1 },
      byDefinitionStatus: { UP_TO_DATE: 1, 'Up-to-Date': 3, 'Out-of-Date': 1 },
    });
    expect(byKey(result.evidence, 'rmm.antivirus').source.endpoints).toEqual(['/v2/queries/antivirus-status', '/v2/devices-detailed']);
  });

  it('goes through the plugin entry and reports automation as unknown without automatedPatchPolicies', async () => {
    standardTenant(fake).install();
    const result = await ninjaonePlugin.collect(testConfig(), testContext());
    expect(result.status).toBe('ok');
    const patches = value(result.evidence, 'rmm.patches');
    expect(patches.automated).toBeNull();
    expect(patches.automatedPct).toBeNull();
    expect(patches.automationNote).toMatch(/automatedPatchPolicies is not configured/);
    expect(fake.hits('/v2/policies')).toHaveLength(0);
  });

  it('filters to the organisation even when the server ignores the device filter', async () => {
    standardTenant(fake, { ignoreDf: true }).install();
    const result = await collectNinjaOne(testConfig(), testContext(), FAST);
    expect(value(result.evidence, 'rmm.devices').total).toBe(5);
    expect(value(result.evidence, 'rmm.devices').serverNames).not.toContain('FOREIGN-SRV');
    expect(value(result.evidence, 'rmm.antivirus').devices).toBe(4);
    const alerts = value(result.evidence, 'rmm.alerts');
    expect(alerts.open).toBe(3);
    expect(alerts.outOfScope).toBe(1);
    // The foreign device's alert episode (served despite df) is not counted either.
    expect(alerts).toMatchObject({ alertSeries30d: 5, acknowledgedWithin24h: 3, ackWithin24hPct: 60, critical: 2 });
    // The foreign device's overdue patch is not charged to this organisation.
    expect(value(result.evidence, 'rmm.patches').ignoredRows).toBe(2);
    expect(value(result.evidence, 'rmm.patches').compliant).toBe(3);
  });

  it('without organizationId takes the whole instance and sends no device filter', async () => {
    standardTenant(fake).install();
    const result = await collectNinjaOne(testConfig({ organizationId: undefined }), testContext(), FAST);
    expect(fake.log.every((r) => r.query.get('df') === null)).toBe(true);
    const devices = value(result.evidence, 'rmm.devices');
    expect(devices.total).toBe(6);
    expect(devices.serverNames).toContain('FOREIGN-SRV');
    expect(devices.organizationId).toBeNull();
    expect(value(result.evidence, 'rmm.alerts')).toMatchObject({ open: 4, critical: 3, alertSeries30d: 6, acknowledgedWithin24h: 3, ackWithin24hPct: 50 });
    // The foreign server's 90-day-old approved patch now counts.
    expect(value(result.evidence, 'rmm.patches').nonCompliant).toEqual(['DC01', 'FOREIGN-SRV', 'Design-Mac']);
  });

  it('honours ctx.only: an alerts re-check reads devices and alerts only', async () => {
    standardTenant(fake).install();
    const result = await collectNinjaOne(testConfig(), testContext({ only: ['rmm.alerts'] }), FAST);
    expect(result.evidence.map((e) => e.key)).toEqual(['rmm.alerts']);
    expect(fake.hits('/v2/queries/os-patches')).toHaveLength(0);
    expect(fake.hits('/v2/queries/antivirus-status')).toHaveLength(0);
    expect(planFor(['rmm.patches'], { automatedPatchPolicies: [1] })).toMatchObject({ patches: true, policies: true, alerts: false, antivirus: false });
    expect((await collectNinjaOne(testConfig(), testContext({ only: ['m365.admins'] }), FAST)).evidence).toEqual([]);
  });

  it('works under a path prefix (the simulator serves the API at https://host:port/ninjaone)', async () => {
    fake = new FakeNinja('https://sim.test', SECRET, '/ninjaone');
    standardTenant(fake).install();
    const result = await collectNinjaOne(testConfig({ baseUrl: 'https://sim.test/ninjaone/' }), testContext(), FAST);
    expect(fake.unmatched).toEqual([]);
    expect(result.status).toBe('ok');
    expect(fake.tokenRequests).toBe(1);
    expect(value(result.evidence, 'rmm.devices').total).toBe(5);
  });

  it('accepts a query report answered as a bare array (seen from some instances) as one final page', async () => {
    standardTenant(fake)
      .on('/v2/queries/antivirus-status', json(fixture<unknown[]>('antivirus-status.json').filter((r) => (r as { deviceId: number }).deviceId !== 4)))
      .install();
    const result = await collectNinjaOne(testConfig(), testContext({ only: ['rmm.antivirus'] }), FAST);
    expect(byKey(result.evidence, 'rmm.antivirus').status).toBe('ok');
    expect(value(result.evidence, 'rmm.antivirus')).toMatchObject({ devices: 4, protected: 2 });
    expect(fake.hits('/v2/queries/antivirus-status')).toHaveLength(1);
  });
});

describe('ninjaone collector — throttling and failures', () => {
  it('waits out a 429 with Retry-After and carries on paging', async () => {
    const devices = fixture<Array<Record<string, unknown>>>('devices-detailed.json');
    const pages = cursorQuery(fixture('os-patches.json'), orgLookup(devices), { name: 'os-patches-cursor' });
    let calls = 0;
    standardTenant(fake)
      .on('/v2/queries/os-patches', (req) => {
        calls += 1;
        return calls === 2 ? ninjaError(429, 'TOO_MANY_REQUESTS', 'Rate limit exceeded', { 'Retry-After': '1' }) : pages(req);
      })
      .install();
    const t0 = Date.now();
    const result = await collectNinjaOne(testConfig(), testContext({ only: ['rmm.patches'] }), FAST);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
    expect(byKey(result.evidence, 'rmm.patches').status).toBe('ok');
    expect(value(result.evidence, 'rmm.patches')).toMatchObject({ devices: 5, compliant: 3, pendingCritical: 2 });
    expect(calls).toBe(4); // 3 pages + the throttled attempt
    // token + 3 devices + 4 patch attempts (the retry is a wire request)
    expect(result.requests).toBe(8);
  });

  it('a 403 makes that key unavailable naming the scope; the rest is collected', async () => {
    standardTenant(fake).on('/v2/queries/antivirus-status', { status: 403, body: fixture('error-forbidden.json') }).install();
    const result = await collectNinjaOne(testConfig(), testContext(), FAST);
    const av = byKey(result.evidence, 'rmm.antivirus');
    expect(av.status).toBe('unavailable');
    expect(av.reasonCode).toBe('permission_missing');
    expect(av.reason).toMatch(/GET \/v2\/queries\/antivirus-status failed: HTTP 403: Access denied: insufficient scope/);
    expect(av.reason).toMatch(/"Monitoring" scope/);
    expect(av.value).toBeNull();
    expect(fake.hits('/v2/queries/antivirus-status')).toHaveLength(1); // a 403 is never retried
    expect(result.status).toBe('ok'); // unavailable is honest, not a failure
    expect(byKey(result.evidence, 'rmm.devices').status).toBe('ok');
  });

  it('a 401 that survives a fresh token makes the key unavailable', async () => {
    standardTenant(fake).on('/v2/alerts', ninjaError(401, 'UNAUTHORIZED', 'Invalid token scope')).install();
    const result = await collectNinjaOne(testConfig(), testContext({ only: ['rmm.alerts'] }), FAST);
    const alerts = byKey(result.evidence, 'rmm.alerts');
    expect(alerts.status).toBe('unavailable');
    expect(alerts.reasonCode).toBe('permission_missing');
    expect(alerts.reason).toMatch(/HTTP 401: Invalid token scope — the token was refused by this endpoint/);
    expect(fake.tokenRequests).toBe(2); // refreshed once, then gave up
  });

  it('a failing device listing errors devices and patches, keeps alerts and antivirus: partial', async () => {
    standardTenant(fake).on('/v2/devices-detailed', ninjaError(503, 'SERVICE_UNAVAILABLE', 'Service temporarily unavailable')).install();
    const result = await collectNinjaOne(testConfig(), testContext(), FAST);
    expect(fake.hits('/v2/devices-detailed')).toHaveLength(3); // 1 + maxRetries 2
    const devices = byKey(result.evidence, 'rmm.devices');
    expect(devices.status).toBe('error');
    expect(devices.reasonCode).toBe('collector_error');
    expect(devices.reason).toMatch(/HTTP 503: Service temporarily unavailable \(after 2 retries\)/);
    const patches = byKey(result.evidence, 'rmm.patches');
    expect(patches.status).toBe('error');
    expect(patches.reason).toMatch(/measured over the device inventory, which failed/);
    // Without the listing, antivirus trusts the server-side filter and names devices by id.
    expect(byKey(result.evidence, 'rmm.antivirus').status).toBe('ok');
    expect(value(result.evidence, 'rmm.antivirus')).toMatchObject({ devices: 5, protected: 3, notReporting: 0, unprotected: ['device 5', 'device 7'] });
    expect(value(result.evidence, 'rmm.alerts').open).toBe(3);
    expect(result.status).toBe('partial');
    expect(result.error).toMatch(/2 of 4 ninjaone evidence keys failed for tenant contoso/);
  });

  it('a call that keeps timing out errors that key after its retries', async () => {
    standardTenant(fake).on('/v2/alerts', { status: 200, body: [], delayMs: 400 }).install();
    const result = await collectNinjaOne(testConfig({ timeoutMs: 100, maxRetries: 1 }), testContext(), FAST);
    const alerts = byKey(result.evidence, 'rmm.alerts');
    expect(alerts.status).toBe('error');
    expect(alerts.reason).toMatch(/GET \/v2\/alerts failed: ECONNABORTED \(each attempt timed out after 100 ms; 1 retries\)/);
    expect(fake.hits('/v2/alerts')).toHaveLength(2);
    expect(byKey(result.evidence, 'rmm.devices').status).toBe('ok');
    expect(result.status).toBe('partial');
  });

  it('a schema violation errors that key and names the field', async () => {
    const rows = fixture<Array<Record<string, unknown>>>('os-patches.json');
    rows[1]!.deviceId = 'DC01';
    standardTenant(fake).on('/v2/queries/os-patches', json({ cursor: { name: 'x', offset: 0, count: 9, expires: NOW_S }, results: rows })).install();
    const result = await collectNinjaOne(testConfig(), testContext(), FAST);
    const patches = byKey(result.evidence, 'rmm.patches');
    expect(patches.status).toBe('error');
    expect(patches.reasonCode).toBe('schema_violation');
    expect(patches.reason).toMatch(/GET \/v2\/queries\/os-patches: unexpected response at results\[1\]\.deviceId/);
    expect(result.status).toBe('partial');
  });

  it('wrong credentials: collector error naming the tenant and the OAuth error, every key errored, no secret', async () => {
    fake = new FakeNinja(BASE, 'a-different-secret-value');
    standardTenant(fake).install();
    const result = await collectNinjaOne(testConfig(), testContext({ tenantId: 'fabrikam' }), FAST);
    expect(result.status).toBe('error');
    expect(result.error).toMatch(/^ninjaone: no token for tenant fabrikam from https:\/\/ninja\.test\/ws\/oauth\/token: /);
    expect(result.error).toMatch(/HTTP 401 \(invalid_client: Bad client credentials\)/);
    expect(result.evidence).toHaveLength(4);
    for (const e of result.evidence) {
      expect(e.status).toBe('error');
      expect(e.reasonCode).toBe('collector_error');
      expect(e.source.endpoints).toEqual(['/ws/oauth/token']);
    }
    expect(fake.log).toHaveLength(0); // nothing else was attempted
    expect(fake.tokenRequests).toBe(1); // a wrong secret is not retried
    expect(JSON.stringify(result)).not.toContain(SECRET);
  });

  it('an aborted scan errors every key instead of hanging', async () => {
    standardTenant(fake).install();
    const controller = new AbortController();
    controller.abort(new Error('scan timeout'));
    const result = await collectNinjaOne(testConfig(), testContext({ signal: controller.signal }), FAST);
    expect(result.status).toBe('error');
    for (const e of result.evidence) expect(e.status).toBe('error');
  });

  it('counts the critical alerts when the API supplies a severity (the alert\'s own wins over the log\'s)', async () => {
    const alerts = fixture<Array<Record<string, unknown>>>('alerts.json');
    alerts[0]!.severity = 'CRITICAL';
    alerts[1]!.severity = 'MAJOR'; // the log says MINOR
    alerts[2]!.severity = 'MAJOR';
    alerts[3]!.severity = 'CRITICAL';
    standardTenant(fake).on('/v2/alerts', json(alerts)).install();
    const result = await collectNinjaOne(testConfig(), testContext({ only: ['rmm.alerts'] }), FAST);
    // DC01 CRITICAL (30 h), Reception PC MAJOR (2 h), the switch MAJOR (50.5 h); per 100 of 5 managed devices.
    expect(value(result.evidence, 'rmm.alerts')).toMatchObject({ open: 3, critical: 3, high: 3, highOver24h: 2, highOver7d: 0, highOver24hPer100: 40, outOfScope: 1 });
    expect(value(result.evidence, 'rmm.alerts').notApplicable).toEqual({});
  });

  it('follows sequence() replies for flaky pages (helper sanity)', async () => {
    standardTenant(fake).on('/v2/alerts', sequence(ninjaError(500, 'ERROR', 'boom'), json([]))).install();
    const result = await collectNinjaOne(testConfig(), testContext({ only: ['rmm.alerts'] }), FAST);
    expect(value(result.evidence, 'rmm.alerts')).toMatchObject({ open: 0, critical: 0, oldestOpenHours: 0, staleOver24h: 0 });
    expect(fake.hits('/v2/alerts')).toHaveLength(2);
  });
});
