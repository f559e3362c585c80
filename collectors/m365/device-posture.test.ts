/**
 * The device posture, Defender, update ring and SharePoint keys through the real collector against a faked Graph (fixtures from Microsoft's documented
 * examples): encryption, stale devices and OS currency from the one managedDevices paging; Defender alerts, update
 * rings and SharePoint sharing from the first $batch; and how each degrades on its own.
 */
import { describe, expect, it } from 'vitest';
import { offline } from '../../src/collector-kit/testing/fake-server.js';
import type { Evidence } from '../../src/domain/evidence.js';
import { m365Plugin } from './index.js';
import { FakeGraph, fixture, graphError, json, mockLogin, standardTenant, testConfig, testContext } from './test-support.js';

const MINE = [
  'm365.devices.encryption',
  'm365.devices.stale',
  'm365.devices.os_currency',
  'm365.devices.update_rings',
  'm365.defender.alerts',
  'm365.sharepoint.sharing',
];

let graph: FakeGraph;
offline({
  clearSecrets: true,
  before: () => {
    graph = new FakeGraph();
  },
});

function byKey(evidence: Evidence[], key: string): Evidence {
  const e = evidence.find((x) => x.key === key);
  if (!e) throw new Error(`no evidence ${key}; got ${evidence.map((x) => x.key).join(', ')}`);
  return e;
}

describe('m365 device posture, Defender, update rings, SharePoint sharing', () => {
  it('derives all six keys from one device paging and three $batch entries (clock 2024-06-01)', async () => {
    mockLogin();
    standardTenant(graph).install();
    const result = await m365Plugin.collect(testConfig(), testContext({ only: MINE }));

    expect(graph.unmatched).toEqual([]);
    expect(result.status).toBe('ok');
    expect(result.evidence.map((e) => e.key)).toEqual(MINE);
    // The device walk is shared: two pages, once, with the two new fields selected.
    const deviceHits = graph.hits('/deviceManagement/managedDevices');
    expect(deviceHits).toHaveLength(2);
    expect(deviceHits[0]!.query.get('$select')).toBe('id,deviceName,complianceState,lastSyncDateTime,operatingSystem,osVersion,isEncrypted');
    // One $batch carries the three single-page GETs (plus the licences they are interpreted with).
    expect(graph.batches).toHaveLength(1);
    const subs = graph.batches[0]!.requests;
    expect(subs.map((r) => r.id).sort()).toEqual(['defenderAlerts', 'sharepointSettings', 'subscribedSkus', 'updateRings']);
    expect(decodeURIComponent(subs.find((r) => r.id === 'defenderAlerts')!.url)).toBe(
      "/security/alerts_v2?$filter=status eq 'new' or status eq 'inProgress' or createdDateTime ge 2024-05-02T00:00:00Z",
    );
    expect(decodeURIComponent(subs.find((r) => r.id === 'updateRings')!.url)).toBe(
      "/deviceManagement/deviceConfigurations?$filter=isof('microsoft.graph.windowsUpdateForBusinessConfiguration')&$expand=assignments",
    );
    // 1 batch + 2 device pages.
    expect(result.requests).toBe(3);

    // Windows/macOS only: LT-001 and DT-010 encrypted, LT-002 not, MAC-003 reports nothing (unproven = not encrypted).
    expect(byKey(result.evidence, 'm365.devices.encryption').value).toMatchObject({
      devices: 4,
      encrypted: 2,
      pct: 50,
      notReported: 1,
      unencrypted: ['CONTOSO-LT-002', 'CONTOSO-MAC-003'],
    });
    // DT-010 last synced 2024-04-15 (47 days), MAC-003 never (0001-01-01).
    expect(byKey(result.evidence, 'm365.devices.stale').value).toMatchObject({ devices: 5, stale30d: 2, stalePct: 40, staleDevices: ['CONTOSO-DT-010', 'CONTOSO-MAC-003'] });
    // 19043 (Windows 10 21H1) ended 2022-12-13; iOS 17 is below the minimum major 18; 22631, 26100 and macOS 14 are serviced.
    const os = byKey(result.evidence, 'm365.devices.os_currency');
    expect(os.value).toMatchObject({ devices: 5, supported: 3, unsupported: 2, pct: 60, unsupportedPct: 40, unknownBuild: 0 });
    expect(os.value!.unsupportedDevices).toEqual(['CONTOSO-LT-002 (Windows 10.0.19043.2364)', "Carol's iPhone (iOS 17.5.1)"]);
    expect(os.source).toEqual({ collector: 'm365', endpoints: ['/deviceManagement/managedDevices'], requests: 2 });

    // Open: the low alert and the unassigned high one (72 h old, so over 24 h and not triaged in time);
    // the resolved high one was resolved after 6 h: 1 of 2 triaged within 24 h.
    const alerts = byKey(result.evidence, 'm365.defender.alerts');
    expect(alerts.value).toMatchObject({
      open: 2,
      highOpen: 1,
      highOver24h: 1,
      oldestHighHours: 72,
      highTriaged24hPct: 50,
      highLast30d: 2,
      highTriaged24h: 1,
      openBySeverity: { low: 1, high: 1 },
      staleHigh: ['Ransomware behavior detected'],
    });
    expect(alerts.source).toEqual({ collector: 'm365', endpoints: ['/security/alerts_v2'], requests: 1 });

    expect(byKey(result.evidence, 'm365.devices.update_rings').value).toMatchObject({ rings: 1, assigned: 1, maxQualityDeferralDays: 2, qualityPaused: 1 });
    // Microsoft's example wraps the settings in "value"; sharing "Anyone" links are on.
    expect(byKey(result.evidence, 'm365.sharepoint.sharing').value).toMatchObject({
      sharingCapability: 'externalUserAndGuestSharing',
      anyoneLinks: true,
      externalSharing: true,
      domainRestriction: 'allowList',
    });
  });

  it('follows the alerts nextLink outside the batch and counts the extra page', async () => {
    mockLogin();
    const page1 = fixture('security-alerts-v2.json') as { value: unknown[] };
    const first = { value: page1.value.slice(0, 1), '@odata.nextLink': 'https://graph.test/v1.0/security/alerts_v2?$skiptoken=alerts2' };
    const second = { value: page1.value.slice(1) };
    standardTenant(graph)
      .on('/security/alerts_v2', (req) => json(req.query.get('$skiptoken') === 'alerts2' ? second : first))
      .install();
    const result = await m365Plugin.collect(testConfig(), testContext({ only: ['m365.defender.alerts'] }));
    const alerts = byKey(result.evidence, 'm365.defender.alerts');
    expect(alerts.value).toMatchObject({ open: 2, highOpen: 1, highTriaged24hPct: 50 });
    expect(alerts.source.requests).toBe(2);
  });

  it('a tenant without Defender (403 "Account is not provisioned") is not_licensed, the other keys unaffected', async () => {
    mockLogin();
    standardTenant(graph).on('/security/alerts_v2', graphError(403, fixture('error-defender-not-provisioned.json'))).install();
    const result = await m365Plugin.collect(testConfig(), testContext({ only: MINE }));
    const alerts = byKey(result.evidence, 'm365.defender.alerts');
    expect(alerts).toMatchObject({ status: 'unavailable', reasonCode: 'not_licensed', value: null });
    expect(alerts.reason).toMatch(/no Microsoft Defender product provisioned/);
    // The other five keys are untouched.
    for (const k of MINE.filter((x) => x !== 'm365.defender.alerts')) expect(byKey(result.evidence, k).status).toBe('ok');
  });

  it('a plain 403 on alerts_v2 names SecurityAlert.Read.All (and the licence as the other possible cause)', async () => {
    mockLogin();
    standardTenant(graph).on('/security/alerts_v2', graphError(403, fixture('error-forbidden.json'))).install();
    const result = await m365Plugin.collect(testConfig(), testContext({ only: ['m365.defender.alerts'] }));
    const alerts = byKey(result.evidence, 'm365.defender.alerts');
    expect(alerts).toMatchObject({ status: 'unavailable', reasonCode: 'permission_missing' });
    expect(alerts.reason).toContain('SecurityAlert.Read.All');
  });

  /** Collects only m365.sharepoint.sharing, with the settings read answered by `status` and the fixture `body`. */
  async function sharepointRefused(status: number, body: string) {
    mockLogin();
    standardTenant(graph).on('/admin/sharepoint/settings', graphError(status, fixture(body))).install();
    const result = await m365Plugin.collect(testConfig(), testContext({ only: ['m365.sharepoint.sharing'] }));
    return { result, sp: byKey(result.evidence, 'm365.sharepoint.sharing') };
  }

  it('a refused SharePoint read names SharePointTenantSettings.Read.All', async () => {
    const { sp } = await sharepointRefused(403, 'error-forbidden.json');
    expect(sp).toMatchObject({ status: 'unavailable', reasonCode: 'permission_missing' });
    expect(sp.reason).toContain('SharePointTenantSettings.Read.All');
  });

  it('SharePoint\'s 401 accessDenied ("error authenticating the request") without the consent names the permission, not a collector error', async () => {
    const { result, sp } = await sharepointRefused(401, 'error-spo-401-access-denied.json');
    expect(sp).toMatchObject({ status: 'unavailable', reasonCode: 'permission_missing' });
    expect(sp.reason).toContain('SharePointTenantSettings.Read.All');
    expect(sp.reason).toContain('6a1d2f0e-8c53-4a47-9a55-0d3b6c2f7e91');
    expect(result.status).toBe('ok');
  });

  it('a tenant without SharePoint Online (400 "Tenant does not have a SPO license.") is not_licensed, not a collector error', async () => {
    const { result, sp } = await sharepointRefused(400, 'error-spo-not-licensed.json');
    expect(sp).toMatchObject({ status: 'unavailable', reasonCode: 'not_licensed' });
    expect(sp.reason).toContain('SharePoint Online');
    expect(result.status).toBe('ok');
  });

  it('a settings body without sharingCapability is a schema violation naming the field', async () => {
    mockLogin();
    standardTenant(graph).on('/admin/sharepoint/settings', json({ isLoopEnabled: true })).install();
    const result = await m365Plugin.collect(testConfig(), testContext({ only: ['m365.sharepoint.sharing'] }));
    const sp = byKey(result.evidence, 'm365.sharepoint.sharing');
    expect(sp).toMatchObject({ status: 'error', reasonCode: 'schema_violation' });
    expect(sp.reason).toContain('sharingCapability');
  });

  it('without an Intune licence the device keys and update rings are not_licensed, never failed, and Intune is not called', async () => {
    mockLogin();
    standardTenant(graph).on('/subscribedSkus', json(fixture('subscribed-skus-basic.json'))).install();
    const result = await m365Plugin.collect(testConfig(), testContext({ only: MINE }));
    for (const k of ['m365.devices.encryption', 'm365.devices.stale', 'm365.devices.os_currency', 'm365.devices.update_rings']) {
      expect(byKey(result.evidence, k), k).toMatchObject({ status: 'unavailable', reasonCode: 'not_licensed' });
    }
    expect(graph.hits('/deviceManagement/managedDevices')).toHaveLength(0);
    expect(byKey(result.evidence, 'm365.sharepoint.sharing').status).toBe('ok');
  });

  it('a refused update-rings read names DeviceManagementConfiguration.Read.All and leaves the device keys ok', async () => {
    mockLogin();
    standardTenant(graph).on('/deviceManagement/deviceConfigurations', graphError(403, fixture('error-forbidden.json'))).install();
    const result = await m365Plugin.collect(testConfig(), testContext({ only: MINE }));
    const rings = byKey(result.evidence, 'm365.devices.update_rings');
    expect(rings).toMatchObject({ status: 'unavailable', reasonCode: 'permission_missing' });
    expect(rings.reason).toContain('DeviceManagementConfiguration.Read.All');
    expect(byKey(result.evidence, 'm365.devices.encryption').status).toBe('ok');
  });
});

describe('m365 doctor: the new permissions', () => {
  it('names SecurityAlert.Read.All, DeviceManagementConfiguration.Read.All and SharePointTenantSettings.Read.All, and a missing Defender as a licence', async () => {
    mockLogin();
    standardTenant(graph)
      .on('/security/alerts_v2', graphError(403, fixture('error-defender-not-provisioned.json')))
      .on('/deviceManagement/deviceConfigurations', graphError(403, fixture('error-forbidden.json')))
      .install();
    const checks = await m365Plugin.doctor(testConfig(), testContext());
    const detail = (name: string) => checks.find((c) => c.check === name);
    expect(detail('GET /security/alerts_v2')).toMatchObject({ ok: false, detail: expect.stringMatching(/no Microsoft Defender product provisioned/) });
    expect(detail('GET /deviceManagement/deviceConfigurations')).toMatchObject({ ok: false, detail: expect.stringContaining('DeviceManagementConfiguration.Read.All') });
    expect(detail('GET /admin/sharepoint/settings')).toMatchObject({ ok: true, detail: expect.stringContaining('SharePointTenantSettings.Read.All') });
    // The rings probe asks for one ring of the right type, the assignments expanded as the collector does.
    const ringHit = graph.hits('/deviceManagement/deviceConfigurations')[0]!;
    expect(ringHit.query.get('$filter')).toBe("isof('microsoft.graph.windowsUpdateForBusinessConfiguration')");
    expect(ringHit.query.get('$top')).toBe('1');
  });
});
