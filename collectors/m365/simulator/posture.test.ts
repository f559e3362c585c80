/**
 * The simulator serves the device posture, Defender, update ring and SharePoint endpoints with Graph's shapes and refusals, and its profiles differ the way
 * the demo needs: level1 old builds, unencrypted laptops, "Anyone" links and a stale high-alert backlog; level5
 * current builds, every laptop encrypted, nothing stale. Every served body is read with the collector's own schemas
 * and derive functions and must equal the simulator's ground truth (computed from the knobs, not by the collector).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXED_NOW } from '../../../src/simulator/test-support.js';
import { DefenderAlertTally, securityAlert } from '../defender-alerts.js';
import { DevicePostureTally } from '../device-posture.js';
import { loadOsSupport } from '../os-support.js';
import { managedDevice } from '../schema.js';
import { deriveSharepointSharing, sharepointSettings } from '../sharepoint-sharing.js';
import { deriveUpdateRings, updateRing } from '../update-rings.js';
import { startM365Simulator as startSimulator, type M365Simulator as Simulator } from './simulator.js';
import { accessToken, graphGet, pageAll } from './test-support.js';

const ALERTS = (since: string) => `/security/alerts_v2?$filter=status eq 'new' or status eq 'inProgress' or createdDateTime ge ${since}`;
const RINGS = "/deviceManagement/deviceConfigurations?$filter=isof('microsoft.graph.windowsUpdateForBusinessConfiguration')&$expand=assignments";
const since = new Date(FIXED_NOW.getTime() - 30 * 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z');

describe('simulated posture endpoints', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({
      now: FIXED_NOW,
      tenants: [
        ...(['level1', 'level2', 'level5'] as const).map((p) => ({ id: p, name: `T ${p}`, profile: p, seed: p, knobs: { users: 120, devices: 300 } })),
        { id: 'standard', name: 'Standard Co', profile: 'level2' as const, seed: 'std', knobs: { users: 30, devices: 20, licence: 'none' as const } },
      ],
    });
  });
  afterAll(async () => {
    await sim.close();
  });

  async function scan(id: string) {
    const t = sim.tenants.find((x) => x.id === id)!;
    const token = await accessToken(sim, t);
    const devices = await pageAll(sim, token, '/deviceManagement/managedDevices?$select=id,deviceName,complianceState,lastSyncDateTime,operatingSystem,osVersion,isEncrypted&$top=999');
    const posture = new DevicePostureTally(FIXED_NOW, loadOsSupport());
    for (const d of devices.items) posture.add(managedDevice.parse(d));
    const alerts = await pageAll(sim, token, ALERTS(since));
    const tally = new DefenderAlertTally(FIXED_NOW);
    for (const a of alerts.items) tally.add(securityAlert.parse(a));
    const rings = (await graphGet(sim, token, RINGS)).json().value as unknown[];
    const sp = (await graphGet(sim, token, '/admin/sharepoint/settings')).json();
    return {
      truth: sim.truth(id).posture,
      encryption: posture.encryption(),
      stale: posture.staleness(),
      os: posture.osCurrency()!,
      alerts: tally.value(),
      alertPages: alerts.pages,
      rings: deriveUpdateRings(rings.map((r) => updateRing.parse(r))),
      sharing: deriveSharepointSharing(sharepointSettings.parse(sp)),
    };
  }

  it('serves what the ground truth says, for every profile', async () => {
    for (const id of ['level1', 'level2', 'level5']) {
      const s = await scan(id);
      expect(s.encryption, id).toMatchObject(s.truth.encryption);
      expect(s.stale, id).toMatchObject(s.truth.stale);
      expect(s.os, id).toMatchObject(s.truth.osCurrency);
      expect(s.alerts, id).toMatchObject(s.truth.defender!);
      expect(s.rings, id).toMatchObject(s.truth.updateRings!);
      expect(s.sharing, id).toMatchObject(s.truth.sharepoint);
    }
  });

  it('differs believably between levels: level1 fails what level5 passes', async () => {
    const l1 = await scan('level1');
    const l2 = await scan('level2');
    const l5 = await scan('level5');
    expect(l1.encryption.pct!).toBeLessThan(60);
    expect(l2.encryption.pct!).toBeGreaterThanOrEqual(90);
    expect(l2.encryption.pct!).toBeLessThan(98);
    expect(l5.encryption.pct).toBe(100);
    expect(l1.os.unsupportedPct!).toBeGreaterThan(10);
    expect(l2.os.unsupportedPct!).toBeLessThanOrEqual(2);
    expect(l5.os).toMatchObject({ unsupported: 0, unknownBuild: 0 });
    expect(l1.alerts.highOver24h).toBeGreaterThan(0);
    expect(l5.alerts).toMatchObject({ highOver24h: 0, highTriaged24hPct: 100 });
    expect(l1.sharing.anyoneLinks).toBe(true);
    expect(l5.sharing.anyoneLinks).toBe(false);
    expect(l1.rings.rings).toBe(0);
    expect(l5.rings.assigned).toBeGreaterThan(0);
    // Alerts are paged (10 a page) and the nextLink followed verbatim.
    expect(l1.alertPages).toBeGreaterThan(1);
  });

  it('refuses like Graph: no Defender → 403 not provisioned, no Intune → 400, unknown filter → 400', async () => {
    const t = sim.tenants.find((x) => x.id === 'standard')!;
    const token = await accessToken(sim, t);
    const alerts = await graphGet(sim, token, ALERTS(since));
    expect(alerts.status).toBe(403);
    expect((alerts.json() as { error: { message: string } }).error.message).toMatch(/not provisioned/);
    const rings = await graphGet(sim, token, RINGS);
    expect(rings.status).toBe(400);
    expect((rings.json() as { error: { message: string } }).error.message).toMatch(/not applicable to target tenant/);
    const l5 = sim.tenants.find((x) => x.id === 'level5')!;
    const token5 = await accessToken(sim, l5);
    expect((await graphGet(sim, token5, "/security/alerts_v2?$filter=severity ne 'low'")).status).toBe(400);
    expect((await graphGet(sim, token5, "/deviceManagement/deviceConfigurations?$filter=isof('microsoft.graph.windows10GeneralConfiguration')")).status).toBe(400);
    // Without $expand the assignments are not served (the collector then reports assigned as unknown).
    const bare = (await graphGet(sim, token5, "/deviceManagement/deviceConfigurations?$filter=isof('microsoft.graph.windowsUpdateForBusinessConfiguration')")).json() as { value: unknown[] };
    expect(deriveUpdateRings(bare.value.map((r) => updateRing.parse(r))).assigned).toBeNull();
  });
});
