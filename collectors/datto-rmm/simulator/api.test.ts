/**
 * The Datto RMM simulator against the REAL datto-rmm collector over TLS: one account (shared API user) with one site
 * per tenant, page/max paging with absolute nextPageUrl over several pages, epoch-ms timestamps, patchStatus
 * rendering, the account read budget (429 / slow-down), and the fault paths (429 storm, permission 403, the 403 IP
 * block, malformed, schema violation, wrong credentials).
 */
import https from 'node:https';
import { describe, expect, it } from 'vitest';
import { PLUGINS, SIMULATORS } from '../../index.js';
import { dattoRmmPlugin, dattoRmmSimulator } from '../index.js';
import type { CollectorResult } from '../../../src/collector-kit/plugin.js';
import { parseConfig } from '../../../src/config/load.js';
import { configFor, startSimulator, type TenantSpec } from '../../../src/simulator/index.js';
import { hash32 } from '../../../src/simulator/prng.js';
import { dattoPatchTruth } from './api.js';
import { e2e } from '../../../test/e2e/harness.js';
import { vendorTestSuite, evidenceOf, expectRmmTruth, expectStormSurvived, FIXED_NOW, type HttpReply, request } from '../../../src/simulator/test-support.js';

// contoso and fabrikam: automated = compliant + failed (Datto's model), so every derived count equals the truth.
// contoso: 620 devices, 558 compliant, 12 failed, 570 automated; fabrikam: 380, 361, 4, 365.
const TENANTS: TenantSpec[] = [
  {
    id: 'contoso',
    name: 'Contoso Ltd',
    profile: 'level2',
    rmm: 'datto-rmm',
    estate: { endpoints: 620, serverPct: 20, patchCompliantPct: 90, patchFailedDevices: 12, patchAutomatedPct: (570 / 620) * 100, openAlerts: 300, staleAlerts: 120, criticalAlerts: 25 },
  },
  { id: 'fabrikam', name: 'Fabrikam Inc', profile: 'level3', rmm: 'datto-rmm', estate: { endpoints: 380, serverPct: 30, patchCompliantPct: 95, patchFailedDevices: 4, patchAutomatedPct: (365 / 380) * 100 } },
  // The level-2 profile estate as is: automated (186) ≠ compliant (172) + failed (4).
  { id: 'northwind', name: 'Northwind Traders', profile: 'level2', rmm: 'datto-rmm' },
];

const suite = vendorTestSuite(dattoRmmPlugin, 'rmm', { vendors: SIMULATORS, tenants: TENANTS });
const sectionOf = suite.section;
const collect = suite.collect;

const ev = evidenceOf;

function valueOf(result: CollectorResult, key: string): Record<string, unknown> {
  return ev(result, key).value as Record<string, unknown>;
}

const expectTruth = (result: CollectorResult, tenantId: string, override: Partial<Record<string, Record<string, unknown>>> = {}) =>
  expectRmmTruth(suite.sim, dattoRmmSimulator, result, tenantId, override);

async function token(): Promise<string> {
  const s = sectionOf('contoso');
  const reply = await request(suite.sim, 'POST', `${s.baseUrl as string}/auth/oauth/token`, {
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from('public-client:public').toString('base64')}` },
    body: new URLSearchParams({ grant_type: 'password', username: s.apiKey as string, password: s.apiSecret as string }).toString(),
  });
  expect(reply.status).toBe(200);
  return reply.json().access_token as string;
}

function get(tok: string, pathOrUrl: string): Promise<HttpReply> {
  const url = pathOrUrl.startsWith('https://') ? pathOrUrl : `${sectionOf('contoso').baseUrl as string}${pathOrUrl}`;
  return request(suite.sim, 'GET', url, { headers: { authorization: `Bearer ${tok}` } });
}

describe('datto-rmm simulator + real collector', () => {
  it('serves every tenant from one account; each site sees exactly its own estate over several pages', async () => {
    const sections = TENANTS.map((t) => sectionOf(t.id!));
    expect(new Set(sections.map((s) => `${s.apiKey as string}:${s.apiSecret as string}`)).size).toBe(1);
    expect(new Set(sections.map((s) => s.siteUid)).size).toBe(3);
    for (const id of ['contoso', 'fabrikam']) {
      suite.sim.resetStats();
      const result = await collect(id);
      expect(result.status, result.error ?? '').toBe('ok');
      expectTruth(result, id);
      const estate = suite.sim.estate(id)!;
      const devices = valueOf(result, 'rmm.devices');
      expect(devices.excluded).toMatchObject({ printer: expect.any(Number), networkDevice: expect.any(Number), suspended: expect.any(Number) });
      expect(Object.values(devices.excluded as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(1 + Math.floor(estate.knobs.endpoints / 50));
      expect(devices.serverNamesTotal).toBe(estate.servers);
      const patches = valueOf(result, 'rmm.patches');
      expect(patches).toMatchObject({ basis: 'datto_patch_status', noData: 0, unrecognised: 0 });
      const nodes = estate.knobs.endpoints + 1 + Math.floor(estate.knobs.endpoints / 50);
      const stats = suite.sim.stats();
      expect(stats.byRoute['GET /datto-rmm/api/v2/site/{siteUid}/devices']?.['200']).toBe(Math.ceil(nodes / 250));
      expect(stats.byRoute['GET /datto-rmm/api/v2/site/{siteUid}/alerts/open']?.['200']).toBe(Math.max(1, Math.ceil(estate.alerts().length / 250)));
      expect(stats.byTenant[id]).toBeGreaterThanOrEqual(3);
    }
    // contoso's 300 open alerts span two pages; muted ones still count as open.
    expect(valueOf(await collect('contoso'), 'rmm.alerts').muted).toBeGreaterThan(0);
  });

  it('an estate Datto cannot model exactly: failed and automated exact, compliant = automated − failed', async () => {
    const estate = suite.sim.estate('northwind')!;
    const truth = estate.truth()['rmm.patches'];
    expect(truth.automated).not.toBe(truth.compliant + truth.failed);
    const result = await collect('northwind');
    const patches = valueOf(result, 'rmm.patches');
    expect(patches.failed).toBe(truth.failed);
    expect(patches.automated).toBe(truth.automated);
    expect(patches.automatedPct).toBe(truth.automatedPct);
    expect(patches.compliant).toBe(truth.automated - truth.failed);
    const vendorTruth = dattoPatchTruth(estate, hash32('northwind'));
    expectTruth(result, 'northwind', { 'rmm.patches': vendorTruth });
  });

  it('without siteUid the collector reads the whole account (the site filter matters)', async () => {
    const result = await collect('contoso', { siteUid: undefined });
    const total = TENANTS.reduce((n, t) => n + suite.sim.estate(t.id!)!.knobs.endpoints, 0);
    expect(valueOf(result, 'rmm.devices').total).toBe(total);
    expect(valueOf(result, 'rmm.alerts').open).toBe(TENANTS.reduce((n, t) => n + suite.sim.estate(t.id!)!.alerts().length, 0));
  });

  it('a config from configFor is accepted by Ratchet with the secret in env', () => {
    const { config, env } = configFor(suite.sim);
    const rmm = config.tenants[0]!.rmm as Record<string, unknown>;
    expect(rmm.apiSecret).toBe('${env:RATCHET_SIM_CONTOSO_RMM_API_SECRET}');
    const loaded = parseConfig(config, PLUGINS, env);
    expect(loaded.config.tenants[2]!.rmm).toMatchObject({ provider: 'datto-rmm', siteUid: sectionOf('northwind').siteUid, apiSecret: sectionOf('northwind').apiSecret });
  });

  it('speaks the documented protocol: password grant, page/max, absolute nextPageUrl, epoch ms', async () => {
    const s = sectionOf('contoso');
    const tokenUrl = `${s.baseUrl as string}/auth/oauth/token`;
    const form = new URLSearchParams({ grant_type: 'password', username: s.apiKey as string, password: 'wrong' }).toString();
    const noBasic = await request(suite.sim, 'POST', tokenUrl, { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form });
    expect(noBasic.status).toBe(401);
    const wrong = await request(suite.sim, 'POST', tokenUrl, { headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from('public-client:public').toString('base64')}` }, body: form });
    expect(wrong.status).toBe(400);
    expect(wrong.json()).toEqual({ error: 'invalid_grant', error_description: 'Bad credentials' });

    const tok = await token();
    expect((await get('nope', '/api/v2/system/pagination')).json()).toMatchObject({ error: 'invalid_token' });
    expect((await get(tok, '/api/v2/system/pagination')).json()).toEqual({ max: 250 });
    const site = s.siteUid as string;
    const p1 = (await get(tok, `/api/v2/site/${site}/devices?max=1000`)).json() as { pageDetails: Record<string, unknown>; devices: Array<Record<string, unknown>> };
    expect(p1.devices).toHaveLength(250);
    expect(p1.pageDetails).toMatchObject({ count: 250, totalCount: 633, prevPageUrl: null, nextPageUrl: `${s.baseUrl as string}/api/v2/site/${site}/devices?max=250&page=1` });
    expect(p1.devices[0]!.lastSeen as number).toBeGreaterThan(1e12); // epoch ms
    expect(p1.devices.every((d) => d.siteUid === site)).toBe(true);
    const p3 = (await get(tok, `/api/v2/site/${site}/devices?max=250&page=2`)).json() as { pageDetails: Record<string, unknown>; devices: unknown[] };
    expect(p3.pageDetails).toMatchObject({ count: 133, nextPageUrl: null, prevPageUrl: expect.stringContaining('page=1') });
    expect(((await get(tok, `/api/v2/site/${site}/devices?page=9`)).json() as { devices: unknown[] }).devices).toEqual([]);
    expect((await get(tok, '/api/v2/site/00000000-0000-4000-8000-000000000000/devices')).status).toBe(404);
    const alerts = (await get(tok, `/api/v2/site/${site}/alerts/open?muted=false`)).json() as { pageDetails: Record<string, unknown>; alerts: Array<Record<string, unknown>> };
    expect(alerts.alerts.every((a) => a.muted === false && typeof a.timestamp === 'number' && (a.alertContext as Record<string, unknown>)['@class'])).toBe(true);
    expect(alerts.pageDetails.nextPageUrl).toMatch(/\/alerts\/open\?max=250&page=1&muted=false$/);
    const rate = (await get(tok, '/api/v2/system/request_rate')).json();
    expect(rate).toMatchObject({ slidingTimeWindowSizeSeconds: 60, accountRateLimit: 600, accountCutOffRatio: 0.9, accountCount: expect.any(Number) });
  });

  it('a 429 storm is retried through to the same evidence', async () => {
    await expectStormSurvived(suite.sim, 'fabrikam', { rate429: 0.3, retryAfterSeconds: 1, seed: 3 }, 'GET /datto-rmm/', () => collect('fabrikam'));
  }, 60_000);

  it('a permission 403 leaves that listing unavailable naming the security level', async () => {
    suite.sim.setFaults({ forbidden: ['/datto-rmm/api/v2/site/{uid}/alerts/open'] }, 'contoso');
    try {
      const result = await collect('contoso');
      const alerts = ev(result, 'rmm.alerts');
      expect(alerts).toMatchObject({ status: 'unavailable', reasonCode: 'permission_missing', value: null });
      expect(alerts.reason).toMatch(/security level/);
      expect(ev(result, 'rmm.devices').status).toBe('ok');
      expect(result.status).toBe('ok');
      // Same API user, another site: unaffected.
      expect(ev(await collect('fabrikam'), 'rmm.alerts').status).toBe('ok');
    } finally {
      suite.sim.setFaults({}, 'contoso');
    }
  });

  it('the 403 IP block (a body like any authorisation failure) is an error, never a missing permission', async () => {
    suite.sim.setFaults({ forbidden: ['/datto-rmm/api/v2/site/{uid}/devices#ipblock'] }, 'contoso');
    suite.sim.resetStats();
    try {
      const result = await collect('contoso');
      for (const key of ['rmm.devices', 'rmm.patches', 'rmm.antivirus']) {
        const e = ev(result, key);
        expect(e).toMatchObject({ status: 'error', reasonCode: 'collector_error' });
        expect(e.reason).toMatch(/IP block/);
      }
      expect(ev(result, 'rmm.alerts').status).toBe('ok');
      const stats = suite.sim.stats().byRoute;
      expect(stats['GET /datto-rmm/api/v2/site/{siteUid}/devices']).toEqual({ '403': 1 });
      expect(stats['GET /datto-rmm/api/v2/system/pagination']).toEqual({ '403': 1 });
    } finally {
      suite.sim.setFaults({}, 'contoso');
    }
  });

  it('a malformed payload and a schema violation are errors, never numbers', async () => {
    suite.sim.setFaults({ malformed: ['/datto-rmm/api/v2/site/{uid}/devices'], schemaViolation: ['/datto-rmm/api/v2/site/{uid}/alerts/open'] }, 'northwind');
    try {
      const result = await collect('northwind');
      expect(result.status).toBe('error');
      expect(ev(result, 'rmm.devices')).toMatchObject({ status: 'error', value: null });
      expect(ev(result, 'rmm.alerts')).toMatchObject({ status: 'error', reasonCode: 'schema_violation', value: null });
      expect(ev(result, 'rmm.alerts').reason).toMatch(/alerts\[0\]\.timestamp/);
    } finally {
      suite.sim.setFaults({}, 'northwind');
    }
  });

  it('wrong credentials stop the collector with the OAuth error', async () => {
    const result = await collect('contoso', { apiSecret: 'not-the-secret' });
    expect(result.status).toBe('error');
    expect(result.error).toMatch(/invalid_grant/);
    expect(result.evidence.every((e) => e.status === 'error' && e.reasonCode === 'collector_error')).toBe(true);
  });
});

describe('datto-rmm account read budget', () => {
  it('slows answers above 540 reads per 60 s and answers 429 with Retry-After above 600', async () => {
    const own = await startSimulator({ vendors: SIMULATORS, certDir: process.env.RATCHET_TEST_CA_DIR, now: FIXED_NOW, tenants: [{ id: 'solo', name: 'Solo', rmm: 'datto-rmm', estate: { endpoints: 5 } }] });
    const agent = new https.Agent({ keepAlive: true, maxSockets: 64 });
    try {
      const section = own.vendorSections('solo')[0]!;
      const base = section.section.baseUrl as string;
      const tokReply = await request(own, 'POST', `${base}/auth/oauth/token`, {
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from('public-client:public').toString('base64')}` },
        body: new URLSearchParams({ grant_type: 'password', username: section.section.apiKey as string, password: section.secrets.apiSecret! }).toString(),
      });
      const tok = tokReply.json().access_token as string;
      const hit = () => request(own, 'GET', `${base}/api/v2/system/pagination`, { headers: { authorization: `Bearer ${tok}` }, agent });
      const first = await Promise.all(Array.from({ length: 540 }, hit));
      expect(first.every((r) => r.status === 200)).toBe(true);
      // Reads 541…600 are answered a second late (in batches of 10: the server keeps one abort listener per wait).
      const started = Date.now();
      const slowed: HttpReply[] = [];
      for (let batch = 0; batch < 6; batch++) slowed.push(...(await Promise.all(Array.from({ length: 10 }, hit))));
      expect(Date.now() - started).toBeGreaterThanOrEqual(5_500);
      expect(slowed.every((r) => r.status === 200)).toBe(true);
      const throttled = await Promise.all(Array.from({ length: 5 }, hit));
      expect(throttled.every((r) => r.status === 429 && Number(r.headers['retry-after']) >= 1)).toBe(true);
      expect((await hit()).json()).toMatchObject({ status: 429, error: 'Too Many Requests' });
    } finally {
      agent.destroy();
      await own.close();
    }
  }, 30_000);
});

describe('datto-rmm through the CLI', () => {
  it('ratchet scan reads each tenant\'s site from the configFor config', async () => {
    const run = await e2e({
      tenants: [
        { id: 'alpha', name: 'Alpha', profile: 'level5', rmm: 'datto-rmm', estate: { endpoints: 700 } },
        { id: 'beta', name: 'Beta', profile: 'level1', rmm: 'datto-rmm' },
      ],
    });
    const scan = await run.scan();
    expect(scan.reports.map((r) => r.tenant.id), scan.stderr).toEqual(['alpha', 'beta']);
    for (const report of scan.reports) {
      const truth = run.sim.estate(report.tenant.id)!.truth();
      const devices = report.evidence.find((e) => e.key === 'rmm.devices')!;
      expect(devices.status).toBe('ok');
      expect(devices.value).toMatchObject({ total: truth['rmm.devices'].total, online24h: truth['rmm.devices'].online24h });
      expect(report.evidence.find((e) => e.key === 'rmm.antivirus')!.value).toMatchObject({ protected: truth['rmm.antivirus'].protected });
      expect(report.scan.collectors.find((c) => c.id === 'datto-rmm')).toMatchObject({ status: 'ok' });
    }
  });
});
