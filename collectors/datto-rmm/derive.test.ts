/** Derivation edge cases, straight on the tallies (no HTTP). */
import { describe, expect, it } from 'vitest';
import { AlertTally } from './alerts.js';
import { AntivirusTally } from './antivirus.js';
import { classifyDevice, InventoryTally } from './devices.js';
import { PatchTally } from './patches.js';
import { alert, device, type Device } from './schema.js';
import { HOUR, NOW } from './test-support.js';

const now = NOW.getTime();

function dev(overrides: Record<string, unknown> = {}): Device {
  return device.parse({
    uid: 'uid-1',
    hostname: 'WS-1',
    deviceClass: 'device',
    deviceType: { category: 'Desktop', type: 'Desktop' },
    operatingSystem: 'Microsoft Windows 11 Professional',
    online: false,
    suspended: false,
    deleted: false,
    lastSeen: now - HOUR,
    antivirus: { antivirusProduct: 'Windows Defender', antivirusStatus: 'RunningAndUpToDate' },
    patchManagement: { patchStatus: 'FullyPatched', patchesApprovedPending: 0, patchesNotApproved: 0, patchesInstalled: 10 },
    ...overrides,
  });
}

function inventory(devices: Device[]) {
  const t = new InventoryTally(NOW, null);
  for (const d of devices) t.add(d, classifyDevice(d));
  return t.value();
}

describe('scope and role', () => {
  it('tells servers from workstations by category or by a server operating system', () => {
    expect(classifyDevice(dev({ deviceType: { category: 'Server', type: 'Rack Mount Chassis' } }))).toEqual({ included: true, role: 'server' });
    // A VM often reports a desktop-like chassis; the OS still says server.
    expect(classifyDevice(dev({ deviceType: { category: 'Desktop', type: 'Other' }, operatingSystem: 'Microsoft Windows Server 2022 Datacenter' }))).toEqual({
      included: true,
      role: 'server',
    });
    expect(classifyDevice(dev({ deviceType: { category: 'Laptop', type: 'Notebook' } }))).toEqual({ included: true, role: 'workstation' });
    expect(classifyDevice(dev({ deviceType: null, operatingSystem: null }))).toEqual({ included: true, role: 'workstation' });
  });

  it('excludes printers, network devices and ESXi hosts by class, and deleted or suspended devices', () => {
    expect(classifyDevice(dev({ deviceClass: 'printer' }))).toEqual({ included: false, excludedAs: 'printer' });
    expect(classifyDevice(dev({ deviceClass: 'rmmnetworkdevice' }))).toEqual({ included: false, excludedAs: 'networkDevice' });
    expect(classifyDevice(dev({ deviceClass: 'esxihost' }))).toEqual({ included: false, excludedAs: 'esxiHost' });
    expect(classifyDevice(dev({ deleted: true }))).toEqual({ included: false, excludedAs: 'deleted' });
    expect(classifyDevice(dev({ suspended: true }))).toEqual({ included: false, excludedAs: 'suspended' });
  });

  it('falls back to the category when the class is unknown or missing', () => {
    expect(classifyDevice(dev({ deviceClass: 'unknown', deviceType: { category: 'Network Device', type: 'Switch' } }))).toEqual({
      included: false,
      excludedAs: 'networkDevice',
    });
    expect(classifyDevice(dev({ deviceClass: null, deviceType: { category: 'Printer', type: null } }))).toEqual({ included: false, excludedAs: 'printer' });
    expect(classifyDevice(dev({ deviceClass: 'cloudcompute', deviceType: { category: 'Server', type: null } }))).toEqual({ included: true, role: 'server' });
  });
});

describe('rmm.devices check-in window', () => {
  it('counts a device seen exactly 24 h ago as checked in, and one a millisecond older as offline', () => {
    const v = inventory([dev({ hostname: 'EDGE', lastSeen: now - 24 * HOUR }), dev({ hostname: 'LATE', lastSeen: now - 24 * HOUR - 1 })]);
    expect(v.online24h).toBe(1);
    expect(v.offline).toEqual(['LATE']);
    expect(v.pct).toBe(50);
  });

  it('checks servers in within 24 h and workstations within 7 days; a device never seen is not checked in', () => {
    const server = { deviceType: { category: 'Server', type: 'Rack Mount Chassis' } };
    const v = inventory([
      dev({ hostname: 'LAPTOP-3D', lastSeen: now - 3 * 24 * HOUR }), // off over a long weekend: checked in
      dev({ hostname: 'PC-8D', lastSeen: now - 8 * 24 * HOUR }),
      dev({ hostname: 'PC-NEVER', online: null, lastSeen: null }),
      dev({ hostname: 'SRV-30H', ...server, lastSeen: now - 30 * HOUR }),
      dev({ hostname: 'SRV-UP', ...server, online: true, lastSeen: null }),
    ]);
    expect(v).toMatchObject({ total: 5, servers: 2, workstations: 3, online24h: 1 });
    expect(v).toMatchObject({ serversOnline24h: 1, workstationsOnline7d: 1, checkedIn: 2, checkedInPct: 40 });
    expect(inventory([])).toMatchObject({ checkedIn: 0, checkedInPct: null });
  });

  it('trusts online:true over an old lastSeen, and calls a device without either never seen', () => {
    const v = inventory([dev({ hostname: 'UP', online: true, lastSeen: now - 90 * 24 * HOUR }), dev({ hostname: 'GHOST', online: null, lastSeen: null })]);
    expect(v.online24h).toBe(1);
    expect(v.onlineNow).toBe(1);
    expect(v.neverSeen).toBe(1);
    expect(v.offline).toEqual(['GHOST']);
  });

  it('calls a device whose lastSeen is the DateTime.MinValue placeholder never seen, not seen in year 1', () => {
    const v = inventory([dev({ lastSeen: '0001-01-01T00:00:00Z' }), dev({ lastSeen: -62135596800000 })]);
    expect(v).toMatchObject({ total: 2, neverSeen: 2, online24h: 0, checkedIn: 0 });
  });

  it('names a device by its uid when it has no hostname', () => {
    expect(inventory([dev({ hostname: null, uid: 'abc-uid', lastSeen: now - 48 * HOUR })]).offline).toEqual(['abc-uid']);
  });

  it('reports pct null (unknown), not 0, for an empty site', () => {
    expect(inventory([]).pct).toBeNull();
  });

  it('caps the offline list at 1,000 names with the true count beside it', () => {
    const many = Array.from({ length: 1005 }, (_, i) => dev({ uid: `u${i}`, hostname: `WS-${i}`, lastSeen: now - 30 * 24 * HOUR }));
    const v = inventory(many);
    expect(v.offline).toHaveLength(1000);
    expect(v.offlineTotal).toBe(1005);
  });
});

describe('rmm.patches from patchStatus', () => {
  function patches(statuses: Array<string | null>) {
    const t = new PatchTally();
    statuses.forEach((s, i) => {
      const d = dev({ uid: `u${i}`, hostname: `H${i}`, patchManagement: s === null ? null : { patchStatus: s, patchesApprovedPending: 2, patchesNotApproved: 1 } });
      t.add(d, classifyDevice(d));
    });
    return t.value();
  }

  it('FullyPatched, ApprovedPending and RebootRequired are compliant; InstallError and NoPolicy are not', () => {
    const v = patches(['FullyPatched', 'ApprovedPending', 'RebootRequired', 'InstallError', 'NoPolicy']);
    expect(v).toMatchObject({ devices: 5, compliant: 3, pct: 60, failed: 1, noPolicy: 1, nonCompliant: ['H3', 'H4'] });
  });

  it('automated = a policy targets the device, over all managed devices (no data counts as not automated)', () => {
    const v = patches(['FullyPatched', 'InstallError', 'NoPolicy', 'NoData', null]);
    expect(v).toMatchObject({ managedDevices: 5, automated: 2, automatedPct: 40, devices: 3, noData: 2 });
  });

  it('never invents patch ages or severities: those measures are null and not applicable, with the reason', () => {
    const v = patches(['ApprovedPending']);
    expect(v.pendingCritical).toBeNull();
    expect(v.criticalOverdueDevices).toBeNull();
    expect(v.criticalCompliantPct).toBeNull();
    expect(v.oldestPendingDays).toBeNull();
    expect(v.patchWindowDays).toBeNull();
    expect(Object.keys(v.notApplicable).sort()).toEqual([
      'criticalCompliantPct',
      'criticalOverdueDevices',
      'oldestPendingDays',
      'pendingCritical',
      'pendingOver14d',
      'pendingOver30d',
      'pendingOver48hCritical',
      'serversPendingOver14d',
      'workstationsPendingOver30d',
    ]);
    // The Essential Eight windows need patch dates too: no device can be placed in one.
    for (const field of ['pendingOver48hCritical', 'pendingOver14d', 'pendingOver30d', 'serversPendingOver14d', 'workstationsPendingOver30d'] as const) {
      expect(v[field], field).toBeNull();
      expect(v.notApplicable[field], field).toMatch(/no patch dates .*Essential Eight patch window/);
    }
    expect(v.notApplicable.oldestPendingDays).toBe(
      "Datto RMM's API reports no patch dates; patch latency rests on patch compliance (the RMM's own patch-window status) instead",
    );
    expect(v.notApplicable.criticalCompliantPct).toMatch(/no patch severity/);
  });

  it('counts a status Datto adds later as unrecognised instead of guessing', () => {
    const v = patches(['FullyPatched', 'PartiallyPatched']);
    expect(v).toMatchObject({ devices: 1, compliant: 1, unrecognised: 1, byStatus: { FullyPatched: 1, PartiallyPatched: 1 } });
  });

  it('ignores devices out of scope', () => {
    const t = new PatchTally();
    const printer = dev({ deviceClass: 'printer', patchManagement: { patchStatus: 'NoPolicy' } });
    t.add(printer, classifyDevice(printer));
    expect(t.value()).toMatchObject({ devices: 0, managedDevices: 0, pct: null, automatedPct: null });
  });
});

describe('rmm.antivirus states', () => {
  function av(statuses: Array<string | null>) {
    const t = new AntivirusTally();
    statuses.forEach((s, i) => {
      const d = dev({ uid: `u${i}`, hostname: `H${i}`, antivirus: s === null ? null : { antivirusProduct: 'X', antivirusStatus: s } });
      t.add(d, classifyDevice(d));
    });
    return t.value();
  }

  it('only RunningAndUpToDate is protected; NotDetected counts as an unprotected device', () => {
    const v = av(['RunningAndUpToDate', 'RunningAndNotUpToDate', 'NotRunning', 'NotDetected']);
    expect(v).toMatchObject({ devices: 4, protected: 1, pct: 25, outOfDate: 1, notRunning: 1, notDetected: 1, unprotected: ['H1', 'H2', 'H3'] });
  });

  it('leaves devices without AV data out of the denominator', () => {
    const v = av(['RunningAndUpToDate', null, 'Quarantining']);
    expect(v).toMatchObject({ devices: 1, protected: 1, pct: 100, notReporting: 1, unrecognised: 1 });
  });
});

describe('rmm.alerts ages', () => {
  function alerts(items: Array<Record<string, unknown>>, devices: number | null = 40) {
    const t = new AlertTally(NOW, null);
    for (const a of items) t.add(alert.parse(a));
    return t.value(devices);
  }

  it('ages from epoch ms and ISO with offsets alike; > 24 h is stale', () => {
    const v = alerts([
      { priority: 'High', timestamp: now - 24 * HOUR },
      { priority: 'Low', timestamp: '2024-07-15T13:59:00+02:00' }, // 24 h 1 min before the scan
      { priority: 'critical', timestamp: now - 3 * HOUR },
    ]);
    expect(v).toMatchObject({ open: 3, critical: 2, staleOver24h: 1, oldestOpenHours: 24, oldestOpenAt: '2024-07-15T11:59:00.000Z' });
  });

  it('reports 0 hours and no date when nothing is open', () => {
    expect(alerts([])).toMatchObject({ open: 0, critical: 0, oldestOpenHours: 0, staleOver24h: 0, oldestOpenAt: null });
  });

  it('counts an alert without a timestamp as stale over 24 h and over 7 days, not skipped', () => {
    const v = alerts([{ priority: 'High', timestamp: null }, { priority: 'Low', timestamp: now - HOUR }]);
    expect(v).toMatchObject({ open: 2, undated: 1, staleOver24h: 1, staleOver7d: 1, highOver24h: 1, highOver7d: 1, oldestOpenHours: 1 });
  });

  it('reads a DateTime.MinValue timestamp as undated, never as an alert open since year 1', () => {
    // The "no date" placeholder public Datto clients map to null (TheShadowTek/DattoRMM.Core, DRMMObject.ParseApiDate).
    const v = alerts([{ priority: 'High', timestamp: '0001-01-01T00:00:00Z' }, { priority: 'Low', timestamp: now - HOUR }]);
    expect(v).toMatchObject({ open: 2, undated: 1, staleOver24h: 1, staleOver7d: 1, oldestOpenHours: 1, oldestOpenAt: new Date(now - HOUR).toISOString() });
  });

  it('counts high (Critical or High, or no priority at all) by age, and stale alerts over 7 days of any priority', () => {
    const v = alerts([
      { priority: 'Critical', timestamp: now - 8 * 24 * HOUR },
      { priority: 'High', timestamp: now - 2 * 24 * HOUR },
      { priority: 'High', timestamp: now - HOUR },
      { priority: null, timestamp: now - 30 * HOUR }, // a priority that should be there: worst case
      { priority: 'Moderate', timestamp: now - 10 * 24 * HOUR },
      { priority: 'Information', timestamp: now - 2 * HOUR },
    ]);
    expect(v).toMatchObject({ open: 6, critical: 3, high: 4, highOver24h: 3, highOver7d: 1, staleOver24h: 4, staleOver7d: 2 });
    // per 100 of 40 managed devices, one decimal
    expect(v).toMatchObject({ devices: 40, highOver24hPer100: 7.5, highOver7dPer100: 2.5, staleOver24hPer100: 10 });
  });

  it('gives no per-device rates without a device count, or with no devices', () => {
    const items = [{ priority: 'High', timestamp: now - 48 * HOUR }];
    expect(alerts(items, null)).toMatchObject({ devices: null, highOver24h: 1, highOver24hPer100: null, staleOver24hPer100: null });
    expect(alerts(items, 0)).toMatchObject({ devices: 0, highOver24hPer100: null, staleOver24hPer100: null });
    expect(alerts(items, 3)).toMatchObject({ highOver24hPer100: 33.3 });
  });

  it('says the acknowledgement time is not applicable: Datto does not report it', () => {
    const v = alerts([]);
    expect(v.ackWithin24hPct).toBeNull();
    expect(v.notApplicable).toEqual({ ackWithin24hPct: expect.stringMatching(/^Datto RMM's API reports no acknowledgement time; alert hygiene rests on the stale-alert backlog instead$/) });
  });

  it('skips an alert marked resolved, and does not age one from the future', () => {
    const v = alerts([
      { priority: 'Critical', timestamp: now - 100 * HOUR, resolved: true },
      { priority: 'Moderate', timestamp: now + HOUR },
    ]);
    expect(v).toMatchObject({ open: 1, critical: 0, oldestOpenHours: 0, staleOver24h: 0 });
  });
});
