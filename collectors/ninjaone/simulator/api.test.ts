/**
 * The NinjaOne simulator against the REAL ninjaone collector over TLS: one instance (shared client app) holding one
 * organisation per tenant, keyset paging of devices and cursor paging of the query reports over several pages, the
 * organisation filter, policy-based patch automation, and the fault paths (429 storm, 403, malformed, schema
 * violation, wrong secret).
 */
import { describe, expect, it } from 'vitest';
import { PLUGINS, SIMULATORS } from '../../index.js';
import { ninjaonePlugin, ninjaoneSimulator } from '../index.js';
import type { CollectorResult } from '../../../src/collector-kit/plugin.js';
import { parseConfig } from '../../../src/config/load.js';
import { Estate } from '../../../src/simulator/estate.js';
import { ESTATE_PROFILES } from '../../../src/simulator/estate-profiles.js';
import { configFor, type TenantSpec } from '../../../src/simulator/index.js';
import { hash32 } from '../../../src/simulator/prng.js';
import { e2e } from '../../../test/e2e/harness.js';
import { vendorTestSuite, evidenceOf, expectRmmTruth, expectStormSurvived, FIXED_NOW, type HttpReply, request } from '../../../src/simulator/test-support.js';

const TENANTS: TenantSpec[] = [
  { id: 'contoso', name: 'Contoso Ltd', profile: 'level2', rmm: 'ninjaone', estate: { endpoints: 2300, serverPct: 15, openAlerts: 40, staleAlerts: 25, criticalAlerts: 6 } },
  { id: 'fabrikam', name: 'Fabrikam Inc', profile: 'level3', rmm: 'ninjaone', estate: { endpoints: 1450, serverPct: 25 } },
  { id: 'tailspin', name: 'Tailspin Toys', profile: 'level1', rmm: 'ninjaone', estate: { endpoints: 320 } },
];

const suite = vendorTestSuite(ninjaonePlugin, 'rmm', { vendors: SIMULATORS, tenants: TENANTS });
const sectionOf = suite.section;
const collect = suite.collect;

const ev = evidenceOf;

/** The estate's truth, with the rmm.alerts fields NinjaOne's activity log gives (severity is in truth already). */
const ninjaTruth = (tenantId: string) => {
  const t = suite.sim.estate(tenantId)!.truth();
  return { 'rmm.alerts': { ...t['rmm.alerts'], ...t['rmm.alerts.activity'] } };
};
const expectTruth = (result: CollectorResult, tenantId: string, override: Partial<Record<string, Record<string, unknown>>> = {}) =>
  expectRmmTruth(suite.sim, ninjaoneSimulator, result, tenantId, { ...ninjaTruth(tenantId), ...override });

async function token(): Promise<string> {
  const s = sectionOf('contoso');
  const reply = await request(suite.sim, 'POST', `${s.baseUrl as string}/ws/oauth/token`, {
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: s.clientId as string, client_secret: s.clientSecret as string, scope: 'monitoring' }).toString(),
  });
  expect(reply.status).toBe(200);
  return reply.json().access_token as string;
}

function get(tok: string, pathAndQuery: string): Promise<HttpReply> {
  return request(suite.sim, 'GET', `${sectionOf('contoso').baseUrl as string}${pathAndQuery}`, { headers: { authorization: `Bearer ${tok}` } });
}

describe('ninjaone simulator + real collector', () => {
  it('serves every tenant from one instance; each organisation sees exactly its own estate over several pages', async () => {
    const sections = TENANTS.map((t) => sectionOf(t.id!));
    expect(new Set(sections.map((s) => `${s.clientId as string}:${s.clientSecret as string}`)).size).toBe(1);
    expect(new Set(sections.map((s) => s.organizationId)).size).toBe(3);
    for (const t of TENANTS) {
      suite.sim.resetStats();
      const result = await collect(t.id!);
      expect(result.status, result.error ?? '').toBe('ok');
      expectTruth(result, t.id!);
      const estate = suite.sim.estate(t.id!)!;
      const devices = ev(result, 'rmm.devices').value as Record<string, unknown>;
      // Agentless and pending nodes are listed but not managed.
      expect(devices.excludedTotal).toBeGreaterThan(0);
      expect(devices.pendingApproval).toBeGreaterThan(0);
      expect(devices.serverNamesTotal).toBe(estate.servers);
      const patches = ev(result, 'rmm.patches').value as Record<string, unknown>;
      expect(patches.automatedPolicies).toEqual(expect.arrayContaining(['Windows Servers - Auto Patch', 'Windows Workstations - Auto Patch', 'Windows Servers - Auto Patch - SQL']));
      expect(patches.ignoredRows).toBe(0);
      const stats = suite.sim.stats();
      const pages = Math.floor((estate.knobs.endpoints + 1 + Math.floor(estate.knobs.endpoints / 50)) / 1000) + 1;
      expect(stats.byRoute['GET /ninjaone/v2/devices-detailed']?.['200']).toBe(pages);
      expect(stats.byRoute['GET /ninjaone/v2/queries/antivirus-status']?.['200']).toBeGreaterThanOrEqual(estate.knobs.endpoints > 1000 ? 2 : 1);
      expect(stats.byTenant[t.id!]).toBeGreaterThan(4);
    }
  });

  it('Essential Eight patch windows equal the estate devices over several report pages, split by class', async () => {
    for (const t of TENANTS) {
      const v = ev(await collect(t.id!), 'rmm.patches').value as Record<string, number>;
      // From the estate's devices as render.ts shows them: a non-compliant device waits on an approved patch ≥ 31 days
      // old; a securityPending one on an IMPORTANT security update of its oldestPendingDays (rendered up to a second
      // earlier, so 14 whole days is past the window); other compliant devices have nothing relevant pending.
      const want = { pendingOver48hCritical: 0, pendingOver14d: 0, pendingOver30d: 0, serversPendingOver14d: 0, workstationsPendingOver30d: 0 };
      for (const d of suite.sim.estate(t.id!)!.devices()) {
        const age = !d.patch.compliant ? Math.max(31, d.patch.oldestPendingDays) : d.patch.securityPending ? d.patch.oldestPendingDays : 0;
        if (d.patch.pendingCritical) want.pendingOver48hCritical += 1;
        if (age >= 14) {
          want.pendingOver14d += 1;
          if (d.isServer) want.serversPendingOver14d += 1;
        }
        if (age > 30) {
          want.pendingOver30d += 1;
          if (!d.isServer) want.workstationsPendingOver30d += 1;
        }
      }
      expect(v, t.id).toMatchObject(want);
      expect(want.pendingOver30d, t.id).toBeGreaterThan(0); // every profile here has overdue devices
      expect(v.pendingOver48hCritical).toBe(v.criticalOverdueDevices);
    }
  });

  it('without organizationId the collector sees the whole instance (the filter matters)', async () => {
    const result = await collect('contoso', { organizationId: undefined });
    const total = TENANTS.reduce((n, t) => n + suite.sim.estate(t.id!)!.knobs.endpoints, 0);
    expect((ev(result, 'rmm.devices').value as Record<string, unknown>).total).toBe(total);
    expect((ev(result, 'rmm.alerts').value as Record<string, unknown>).open).toBe(TENANTS.reduce((n, t) => n + suite.sim.estate(t.id!)!.alerts().length, 0));
  });

  it('a config from configFor is accepted by Ratchet with the secret in env', () => {
    const { config, env } = configFor(suite.sim);
    const rmm = config.tenants[0]!.rmm as Record<string, unknown>;
    expect(rmm.clientSecret).toMatch(/^\$\{env:RATCHET_SIM_CONTOSO_RMM_CLIENT_SECRET\}$/);
    const loaded = parseConfig(config, PLUGINS, env);
    expect(loaded.config.tenants[1]!.rmm).toMatchObject({ provider: 'ninjaone', organizationId: sectionOf('fabrikam').organizationId, clientSecret: sectionOf('fabrikam').clientSecret });
  });

  it('speaks the documented protocol: token scopes, keyset and cursor paging, df, error bodies', async () => {
    const s = sectionOf('contoso');
    const form = (extra: Record<string, string>) => new URLSearchParams({ grant_type: 'client_credentials', client_id: s.clientId as string, client_secret: s.clientSecret as string, ...extra }).toString();
    const post = (body: string, headers: Record<string, string> = {}) =>
      request(suite.sim, 'POST', `${s.baseUrl as string}/ws/oauth/token`, { headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body });
    const scoped = await post(form({ scope: 'monitoring management' }));
    expect(scoped.status).toBe(400);
    expect(scoped.json()).toMatchObject({ error: 'invalid_scope' });
    const basic = await post('grant_type=client_credentials&scope=monitoring', { authorization: `Basic ${Buffer.from(`${s.clientId as string}:${s.clientSecret as string}`).toString('base64')}` });
    expect(basic.status).toBe(200);
    expect(basic.json()).toMatchObject({ token_type: 'bearer', expires_in: 3600, scope: 'monitoring' });

    const tok = await token();
    expect((await get('bad-token', '/v2/alerts')).status).toBe(401);
    expect((await request(suite.sim, 'GET', `${s.baseUrl as string}/v2/alerts`)).json()).toMatchObject({ resultCode: 'UNAUTHORIZED' });
    const org = s.organizationId as number;
    const page1 = (await get(tok, `/v2/devices-detailed?pageSize=7&df=${encodeURIComponent(`org = ${org}`)}`)).json() as unknown as Array<Record<string, unknown>>;
    expect(page1).toHaveLength(7);
    expect(page1.every((d) => d.organizationId === org)).toBe(true);
    expect(typeof page1[0]!.lastContact).toBe('number');
    expect(page1[0]!.lastContact as number).toBeLessThan(1e11); // epoch seconds
    const last = page1[6]!.id as number;
    const page2 = (await get(tok, `/v2/devices-detailed?pageSize=7&after=${last}&df=org%3D${org}`)).json() as unknown as Array<Record<string, unknown>>;
    expect((page2[0]!.id as number) > last).toBe(true);
    // Ids interleave across organisations: without df the neighbours belong to other organisations.
    const all = (await get(tok, '/v2/devices?pageSize=6')).json() as unknown as Array<Record<string, unknown>>;
    expect(new Set(all.map((d) => d.organizationId)).size).toBe(3);
    expect((await get(tok, '/v2/devices-detailed?df=class%20in%20(WINDOWS_SERVER)')).status).toBe(400);

    const q1 = (await get(tok, `/v2/queries/antivirus-status?pageSize=50&df=org%20%3D%20${org}`)).json() as { cursor: Record<string, unknown>; results: unknown[] };
    expect(q1.cursor).toMatchObject({ offset: 0, count: 50, name: expect.any(String), expires: expect.any(Number) });
    const q2 = (await get(tok, `/v2/queries/antivirus-status?pageSize=50&cursor=${encodeURIComponent(q1.cursor.name as string)}`)).json() as { cursor: Record<string, unknown>; results: unknown[] };
    expect(q2.cursor).toMatchObject({ offset: 50, count: 50 });
    expect(q2.results).not.toEqual(q1.results);
    expect((await get(tok, '/v2/queries/os-patches?cursor=forged')).json()).toMatchObject({ resultCode: 'INVALID_CURSOR' });
    const critical = (await get(tok, `/v2/queries/os-patches?df=org%3D${org}&severity=CRITICAL&status=APPROVED`)).json() as { results: unknown[] };
    expect(critical.results).toHaveLength(suite.sim.estate('contoso')!.truth()['rmm.patches'].pendingCritical);
    expect((await get(tok, '/v2/organization/999')).status).toBe(404);
    expect((await get(tok, `/v2/organization/${org}`)).json()).toMatchObject({ id: org, name: 'Contoso Ltd' });
    const alerts = (await get(tok, `/v2/alerts?df=org%3D${org}`)).json() as unknown as Array<Record<string, unknown>>;
    expect(alerts).toHaveLength(40);
    expect(alerts[0]).not.toHaveProperty('severity');
  });

  it('serves the activity log: severity and acknowledgement joined by the collector equal the truth, over several pages', async () => {
    suite.sim.resetStats();
    const result = await collect('contoso');
    expectTruth(result, 'contoso');
    const v = ev(result, 'rmm.alerts').value as Record<string, unknown>;
    const truth = suite.sim.estate('contoso')!.truth();
    // Contoso is level2 with 25 of 40 open alerts stale: 38 % of its episodes were handled within a day.
    expect(truth['rmm.alerts.activity'].ackWithin24hPct).toBeCloseTo(38, 0);
    expect(truth['rmm.alerts.activity'].alertSeries30d).toBeGreaterThan(400);
    expect(v).toMatchObject({ critical: 6, severityUnresolved: 0, notApplicable: {}, unknownReasons: {}, activityLog: { capped: false } });
    // Open alerts triggered more than 30 days ago are looked up by series; the window itself takes two pages.
    const log = v.activityLog as { pages: number; seriesLookups: number; read: number };
    expect(log.pages).toBe(2);
    expect(log.seriesLookups).toBe(suite.sim.estate('contoso')!.alerts().filter((a) => a.created.getTime() <= FIXED_NOW.getTime() - 30 * 86_400_000).length);
    expect(suite.sim.stats().byRoute['GET /ninjaone/v2/activities']?.['200']).toBe(log.pages + log.seriesLookups);
    expect(ev(result, 'rmm.alerts').source.endpoints).toEqual(['/v2/alerts', '/v2/activities', '/v2/devices-detailed']);
  });

  it('speaks the activity log protocol: newest first, olderThan paging, filters, seriesUid = alert uid', async () => {
    const tok = await token();
    const org = sectionOf('contoso').organizationId as number;
    const base = `/v2/activities?class=DEVICE&type=CONDITION&df=org%3D${org}&pageSize=10`;
    type Page = { lastActivityId: number; activities: Array<Record<string, unknown>> };
    const p1 = (await get(tok, base)).json() as unknown as Page;
    expect(p1.activities).toHaveLength(10);
    const ids = p1.activities.map((a) => a.id as number);
    expect([...ids].sort((a, b) => b - a)).toEqual(ids);
    expect(p1.lastActivityId).toBeGreaterThanOrEqual(ids[0]!);
    expect(p1.activities.every((a) => a.activityType === 'CONDITION' && typeof a.activityTime === 'number' && (a.activityTime as number) < 1e11)).toBe(true);
    const p2 = (await get(tok, `${base}&olderThan=${ids[9]}`)).json() as unknown as Page;
    expect(Math.max(...p2.activities.map((a) => a.id as number))).toBeLessThan(ids[9]!);
    // An open alert's TRIGGERED activity carries the condition's severity under the alert's uid.
    const alerts = (await get(tok, `/v2/alerts?df=org%3D${org}`)).json() as unknown as Array<Record<string, unknown>>;
    const estateAlerts = suite.sim.estate('contoso')!.alerts();
    const critical = alerts[estateAlerts.findIndex((a) => a.critical)]!;
    const series = (await get(tok, `/v2/activities?seriesUid=${critical.uid as string}&pageSize=10`)).json() as unknown as Page;
    expect(series.activities.find((a) => a.statusCode === 'TRIGGERED')).toMatchObject({ seriesUid: critical.uid, priority: 'HIGH', severity: expect.stringMatching(/^(MAJOR|CRITICAL)$/) });
    const scripts = (await get(tok, `/v2/activities?type=ACTION&df=org%3D${org}&pageSize=10`)).json() as unknown as Page;
    expect(scripts.activities.every((a) => a.statusCode === 'COMPLETED')).toBe(true);
    expect((await get(tok, '/v2/activities?pageSize=5')).status).toBe(400);
    expect((await get(tok, '/v2/activities?class=SYSTEM')).json()).toMatchObject({ activities: [] });
  });

  it('profiles: level4/level5 acknowledge ≥ 95 % of alerts within a day, level1/level2 few; the knob overrides', () => {
    const ack = (knobs: (typeof ESTATE_PROFILES)['level1']) => new Estate(hash32('ack-profile'), knobs, FIXED_NOW, 'contoso.local').truth()['rmm.alerts.activity'];
    expect(ack(ESTATE_PROFILES.level4).ackWithin24hPct).toBeGreaterThanOrEqual(95);
    expect(ack(ESTATE_PROFILES.level5).ackWithin24hPct).toBeGreaterThanOrEqual(95);
    expect(ack(ESTATE_PROFILES.level1).ackWithin24hPct).toBeLessThan(50);
    expect(ack(ESTATE_PROFILES.level2).ackWithin24hPct).toBeLessThan(50);
    // Exactly round(n × 92 %) of the n episodes in the window.
    const knob = ack({ ...ESTATE_PROFILES.level2, alertAckWithin24hPct: 92 });
    expect(knob.acknowledgedWithin24h).toBe(Math.round((knob.alertSeries30d * 92) / 100));
    expect(ack({ ...ESTATE_PROFILES.level2, endpoints: 0 })).toEqual({ ackWithin24hPct: null, alertSeries30d: 0, acknowledgedWithin24h: 0 });
  });

  it('a 403 on the activity log keeps rmm.alerts ok: severity and acknowledgement unknown with the reason, the rest true', async () => {
    suite.sim.setFaults({ forbidden: ['/ninjaone/v2/activities'] }, 'fabrikam');
    try {
      const result = await collect('fabrikam');
      expect(result.status).toBe('ok');
      const e = ev(result, 'rmm.alerts');
      expect(e.status).toBe('ok');
      const v = e.value as Record<string, unknown> & { unknownReasons: Record<string, string> };
      const truth = suite.sim.estate('fabrikam')!.truth()['rmm.alerts'];
      expect(v).toMatchObject({ open: truth.open, staleOver24h: truth.staleOver24h, staleOver24hPer100: truth.staleOver24hPer100, high: null, critical: null, ackWithin24hPct: null, activityLog: null });
      expect(v.unknownReasons.ackWithin24hPct).toMatch(/HTTP 403.*Monitoring/);
      expect(v.unknownReasons.highOver24hPer100).toMatch(/activity log \(\/v2\/activities\)/);
      for (const k of ['rmm.devices', 'rmm.patches', 'rmm.antivirus']) expect(ev(result, k).status).toBe('ok');
    } finally {
      suite.sim.setFaults({}, 'fabrikam');
    }
  });

  it('a 429 storm is retried through to the same evidence', async () => {
    await expectStormSurvived(suite.sim, 'fabrikam', { rate429: 0.3, retryAfterSeconds: 0, seed: 7 }, 'GET /ninjaone/', (storm) => collect('fabrikam', storm ? { maxRetries: 8 } : {}), 3);
  }, 60_000);

  it('a 403 on one report leaves that key unavailable naming the scope; the others still match the truth', async () => {
    suite.sim.setFaults({ forbidden: ['/ninjaone/v2/queries/antivirus-status'] }, 'contoso');
    try {
      const result = await collect('contoso');
      const av = ev(result, 'rmm.antivirus');
      expect(av).toMatchObject({ status: 'unavailable', reasonCode: 'permission_missing', value: null });
      expect(av.reason).toMatch(/Monitoring/);
      expect(result.status).toBe('ok');
      expect(ev(result, 'rmm.devices').status).toBe('ok');
      // Only contoso's organisation is refused: fabrikam, same client app, is unaffected.
      expect(ev(await collect('fabrikam'), 'rmm.antivirus').status).toBe('ok');
    } finally {
      suite.sim.setFaults({}, 'contoso');
    }
  });

  it('a malformed payload and a schema violation are errors, never numbers', async () => {
    suite.sim.setFaults({ malformed: ['/ninjaone/v2/queries/os-patches'], schemaViolation: ['/ninjaone/v2/alerts'] }, 'tailspin');
    try {
      const result = await collect('tailspin');
      expect(result.status).toBe('partial');
      expect(ev(result, 'rmm.patches')).toMatchObject({ status: 'error', value: null });
      expect(ev(result, 'rmm.alerts')).toMatchObject({ status: 'error', reasonCode: 'schema_violation', value: null });
      expect(ev(result, 'rmm.alerts').reason).toMatch(/deviceId/);
      expect(ev(result, 'rmm.devices').status).toBe('ok');
    } finally {
      suite.sim.setFaults({}, 'tailspin');
    }
  });

  it('wrong credentials stop the collector with the OAuth error', async () => {
    const result = await collect('contoso', { clientSecret: 'not-the-secret' });
    expect(result.status).toBe('error');
    expect(result.error).toMatch(/invalid_client/);
    expect(result.evidence.every((e) => e.status === 'error' && e.reasonCode === 'collector_error')).toBe(true);
    suite.sim.setFaults({ tokenRefuse: 400 }, 'tailspin');
    try {
      expect((await collect('contoso')).status).toBe('error');
    } finally {
      suite.sim.setFaults({}, 'tailspin');
    }
  });
});

describe('ninjaone through the CLI', () => {
  it('ratchet scan reads each tenant\'s organisation from the configFor config', async () => {
    const run = await e2e({
      tenants: [
        { id: 'alpha', name: 'Alpha', profile: 'level3', rmm: 'ninjaone', estate: { endpoints: 1200 } },
        { id: 'beta', name: 'Beta', profile: 'level1', rmm: 'ninjaone' },
      ],
    });
    const scan = await run.scan();
    expect(scan.reports.map((r) => r.tenant.id), scan.stderr).toEqual(['alpha', 'beta']);
    for (const report of scan.reports) {
      const truth = run.sim.estate(report.tenant.id)!.truth();
      const devices = report.evidence.find((e) => e.key === 'rmm.devices')!;
      expect(devices.status).toBe('ok');
      expect(devices.value).toMatchObject({ total: truth['rmm.devices'].total, online24h: truth['rmm.devices'].online24h });
      expect(report.evidence.find((e) => e.key === 'rmm.patches')!.value).toMatchObject({ compliant: truth['rmm.patches'].compliant, automated: truth['rmm.patches'].automated });
      expect(report.scan.collectors.find((c) => c.id === 'ninjaone')).toMatchObject({ status: 'ok' });
    }
  });

  it('a stalled request the collector gives up on is recorded as 499 and errors that key', async () => {
    suite.sim.setFaults({ stallRate: 1, stallMs: 5_000 }, 'tailspin');
    suite.sim.resetStats();
    try {
      const result = await collect('tailspin', { timeoutMs: 300, maxRetries: 0 });
      expect(ev(result, 'rmm.devices')).toMatchObject({ status: 'error', value: null });
      expect(ev(result, 'rmm.devices').reason).toMatch(/timed out/);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(suite.sim.stats().byRoute['GET /ninjaone/v2/devices-detailed']).toMatchObject({ '499': 1 });
    } finally {
      suite.sim.setFaults({}, 'tailspin');
    }
  });
});
