import { describe, expect, it } from 'vitest';
import { deriveAlerts, inScope } from './alerts.js';
import { AntivirusTally, isProtectedRow } from './antivirus.js';
import { DeviceInventory, deviceKind, hostName } from './devices.js';
import { PatchTally, isCritical, isRelevant, rowKind } from './patches.js';
import { resolveAutomatedPolicies } from './policies.js';
import type { Alert, AntivirusStatus, Device, OsPatch } from './schema.js';
import { epochToMs, isoFromMs } from './time.js';

const NOW = new Date('2024-06-01T00:00:00Z');
const S = NOW.getTime() / 1000;
const DAY = 86_400;

const dev = (id: number, extra: Partial<Device> = {}): Device => ({ id, nodeClass: 'WINDOWS_WORKSTATION', systemName: `PC${id}`, lastContact: S - 60, ...extra });
const patch = (deviceId: number, extra: Partial<OsPatch> = {}): OsPatch => ({ deviceId, status: 'APPROVED', severity: 'MODERATE', type: 'UPDATE_ROLLUPS', timestamp: S - DAY, ...extra });
const alert = (extra: Partial<Alert> = {}): Alert => ({ deviceId: 1, createTime: S - 3600, ...extra });

describe('timestamps', () => {
  it('reads NinjaOne epoch seconds (fractional) as UTC', () => {
    expect(isoFromMs(epochToMs(1728487941.72576))).toBe('2024-10-09T15:32:21.726Z');
    expect(isoFromMs(epochToMs(1717200000))).toBe('2024-06-01T00:00:00.000Z');
  });
  it('reads a millisecond value (third-party clients report them) as the same instant', () => {
    expect(epochToMs(1728487941726)).toBe(1728487941726);
    expect(epochToMs(1728487941.726)).toBe(1728487941726);
  });
  it('treats missing, zero and non-finite values as unknown', () => {
    expect(epochToMs(null)).toBeNull();
    expect(epochToMs(undefined)).toBeNull();
    expect(epochToMs(0)).toBeNull();
    expect(epochToMs(Number.NaN)).toBeNull();
  });
});

describe('devices', () => {
  it('classes servers, workstations and everything without an agent', () => {
    expect(['WINDOWS_SERVER', 'LINUX_SERVER', 'MAC_SERVER', 'HYPERV_VMM_HOST'].map(deviceKind)).toEqual(['server', 'server', 'server', 'server']);
    expect(['WINDOWS_WORKSTATION', 'LINUX_WORKSTATION', 'MAC', 'mac'].map(deviceKind)).toEqual(['workstation', 'workstation', 'workstation', 'workstation']);
    expect(['NMS_SWITCH', 'VMWARE_VM_HOST', 'VMWARE_VM_GUEST', 'HYPERV_VMM_GUEST', 'CLOUD_MONITOR_TARGET', 'APPLE_IOS', 'UNMANAGED_DEVICE', 'NEW_CLASS', null].map(deviceKind)).toEqual(
      Array(9).fill('excluded'),
    );
  });

  it('counts online within exactly 24 h of the scan, and offline beyond it', () => {
    const inv = new DeviceInventory(NOW, undefined);
    inv.add(dev(1, { lastContact: S - DAY + 1 }));
    inv.add(dev(2, { lastContact: S - DAY - 1, displayName: 'Old laptop' }));
    inv.add(dev(3, { lastContact: null }));
    inv.add(dev(4, { lastContact: (S - 3600) * 1000 })); // milliseconds
    const v = inv.value();
    expect(v).toMatchObject({ total: 4, online24h: 2, pct: 50, offline: ['Old laptop', 'PC3'], offlineTotal: 2 });
  });

  it('checks servers in within 24 h and workstations within 7 days; no lastContact is not checked in', () => {
    const inv = new DeviceInventory(NOW, undefined);
    inv.add(dev(1, { lastContact: S - 3 * DAY })); // a workstation off over a long weekend
    inv.add(dev(2, { lastContact: S - 7 * DAY - 1 }));
    inv.add(dev(3, { lastContact: null }));
    inv.add(dev(4, { nodeClass: 'WINDOWS_SERVER', lastContact: S - 30 * 3600 }));
    inv.add(dev(5, { nodeClass: 'LINUX_SERVER', lastContact: S - 3600 }));
    inv.add(dev(6, { nodeClass: 'MAC_SERVER', lastContact: null }));
    const v = inv.value();
    expect(v).toMatchObject({ total: 6, servers: 3, workstations: 3, online24h: 1, pct: 16.7 });
    expect(v).toMatchObject({ serversOnline24h: 1, workstationsOnline7d: 1, checkedIn: 2, checkedInPct: 33.3 });
    expect(new DeviceInventory(NOW, undefined).value()).toMatchObject({ checkedIn: 0, checkedInPct: null });
  });

  it('ignores a repeated device id and a device of another organisation', () => {
    const inv = new DeviceInventory(NOW, 12);
    inv.add(dev(1, { organizationId: 12 }));
    inv.add(dev(1, { organizationId: 12 }));
    inv.add(dev(2, { organizationId: 13 }));
    expect(inv.value().total).toBe(1);
    expect([...inv.scopeIds]).toEqual([1]);
  });

  it('uses the computer name for the backup join and the display name for people', () => {
    expect(hostName({ id: 1, systemName: 'SRV01', dnsName: 'srv01.contoso.local', displayName: 'File server' })).toBe('SRV01');
    expect(hostName({ id: 2, systemName: null, dnsName: 'srv02.contoso.local', displayName: 'x' })).toBe('srv02.contoso.local');
    expect(hostName({ id: 3 })).toBe('device-3');
  });
});

describe('patches', () => {
  const managed = (ids: number[], policyId: number | null = null) =>
    new Map(ids.map((id) => [id, { label: `PC${id}`, kind: 'workstation' as const, policyId }]));
  const none = { policyIds: null, note: 'n/a' };

  it('classifies rows by status, severity and type', () => {
    expect(rowKind({ status: 'FAILED' })).toBe('failed');
    expect(rowKind({ status: 'rejected' })).toBe('ignored');
    expect(rowKind({ status: 'INSTALLED' })).toBe('ignored');
    expect(rowKind({ status: 'MANUAL' })).toBe('pending');
    expect(rowKind({ status: null })).toBe('pending');
    expect(isCritical({ severity: 'critical' })).toBe(true);
    // A security update is critical only by its severity.
    expect(isCritical({ severity: 'IMPORTANT' })).toBe(false);
    expect(isRelevant({ status: 'MANUAL', severity: 'IMPORTANT', type: 'security updates' })).toBe(true);
    expect(isRelevant({ status: 'MANUAL', severity: 'IMPORTANT', type: 'UPDATE_ROLLUPS' })).toBe(false);
    expect(isRelevant({ status: 'MANUAL', severity: 'OPTIONAL', type: 'FEATURE_PACKS' })).toBe(false);
    expect(isRelevant({ status: 'APPROVED', severity: 'OPTIONAL', type: 'FEATURE_PACKS' })).toBe(true);
  });

  it('judges the patch window at its edge: 30 days pending is compliant, 30 days and a second is not', () => {
    const t = new PatchTally(NOW, 30);
    t.add(patch(1, { timestamp: S - 30 * DAY }));
    t.add(patch(2, { timestamp: S - 30 * DAY - 1 }));
    const v = t.value(managed([1, 2, 3]), none, NOW);
    expect(v).toMatchObject({ devices: 3, compliant: 2, pct: 66.7, nonCompliant: ['PC2'], oldestPendingDays: 30 });
  });

  it('honours a shorter window from config', () => {
    const t = new PatchTally(NOW, 7);
    t.add(patch(1, { timestamp: S - 8 * DAY }));
    expect(t.value(managed([1]), none, NOW)).toMatchObject({ compliant: 0, windowDays: 7 });
  });

  it('counts critical-severity patches pending over 48 h, not before, and the devices carrying them', () => {
    const t = new PatchTally(NOW, 30);
    t.add(patch(1, { severity: 'CRITICAL', status: 'MANUAL', timestamp: S - 47 * 3600 }));
    t.add(patch(2, { severity: 'CRITICAL', type: 'CRITICAL_UPDATES', status: 'PENDING', timestamp: S - 72 * 3600 }));
    t.add(patch(2, { severity: 'CRITICAL', type: 'SECURITY_UPDATES', status: 'APPROVED', timestamp: S - 96 * 3600 }));
    const v = t.value(managed([1, 2, 3, 4]), none, NOW);
    expect(v).toMatchObject({ pendingCritical: 2, criticalOverdueDevices: 1, criticalCompliantPct: 75 });
    expect(v.compliant).toBe(4); // under the 30-day window
  });

  it('does not count a security update of IMPORTANT severity as critical, however long it waits', () => {
    const t = new PatchTally(NOW, 30);
    t.add(patch(1, { severity: 'IMPORTANT', type: 'SECURITY_UPDATES', status: 'MANUAL', timestamp: S - 5 * DAY }));
    t.add(patch(2, { severity: 'IMPORTANT', type: 'CRITICAL_UPDATES', status: 'APPROVED', timestamp: S - 40 * DAY }));
    const v = t.value(managed([1, 2]), none, NOW);
    expect(v).toMatchObject({ pendingCritical: 0, criticalOverdueDevices: 0, criticalCompliantPct: 100 });
    // Still relevant to window compliance: device 2's security update is past the window.
    expect(v).toMatchObject({ compliant: 1, pendingPatches: 2, oldestPendingDays: 40 });
  });

  it('a failed install makes a device non-compliant whatever its age', () => {
    const t = new PatchTally(NOW, 30);
    t.add(patch(1, { status: 'FAILED', timestamp: S - 60 }));
    expect(t.value(managed([1]), none, NOW)).toMatchObject({ compliant: 0, failed: 1, failedPatches: 1 });
  });

  it('gives no age for an undated relevant patch, and counts an undated critical one as overdue (worst case)', () => {
    const t = new PatchTally(NOW, 30);
    t.add(patch(1, { severity: 'CRITICAL', timestamp: null }));
    const v = t.value(managed([1, 2]), none, NOW);
    expect(v).toMatchObject({ pendingCritical: 1, criticalOverdueDevices: 1, criticalCompliantPct: 50 });
    expect(v.oldestPendingDays).toBeNull();
    expect(v.oldestPendingSince).toBeNull();
  });

  it('reports nothing pending as 0 days and a fully patched estate as 100 %', () => {
    const t = new PatchTally(NOW, 30);
    expect(t.value(managed([1, 2]), none, NOW)).toMatchObject({ compliant: 2, pct: 100, oldestPendingDays: 0, pendingCritical: 0, criticalCompliantPct: 100, oldestPendingSince: null });
    expect(t.value(new Map(), none, NOW)).toMatchObject({ devices: 0, pct: null, criticalCompliantPct: null });
  });

  describe('Essential Eight windows', () => {
    const mixed = (servers: number[], workstations: number[]) =>
      new Map<number, { label: string; kind: 'server' | 'workstation'; policyId: number | null }>([
        ...servers.map((id): [number, { label: string; kind: 'server'; policyId: null }] => [id, { label: `SRV${id}`, kind: 'server', policyId: null }]),
        ...workstations.map((id): [number, { label: string; kind: 'workstation'; policyId: null }] => [id, { label: `PC${id}`, kind: 'workstation', policyId: null }]),
      ]);

    it('places each device by its oldest relevant pending patch, at the window edges, split by class', () => {
      const t = new PatchTally(NOW, 30);
      t.add(patch(1, { timestamp: S - 14 * DAY })); // server, exactly two weeks: inside
      t.add(patch(2, { timestamp: S - 14 * DAY - 1 })); // server, just past two weeks
      t.add(patch(3, { timestamp: S - 31 * DAY })); // server, past a month
      t.add(patch(11, { timestamp: S - 20 * DAY })); // workstation, past two weeks, within a month
      t.add(patch(12, { timestamp: S - 30 * DAY - 1 })); // workstation, just past a month
      t.add(patch(12, { timestamp: S - 2 * DAY })); // a newer row does not hide the old one
      const v = t.value(mixed([1, 2, 3], [11, 12, 13]), none, NOW);
      expect(v).toMatchObject({ pendingOver14d: 4, pendingOver30d: 2, serversPendingOver14d: 2, workstationsPendingOver30d: 1 });
    });

    it('ignores rows that are not relevant, rejected ones, and devices outside the scope', () => {
      const t = new PatchTally(NOW, 30);
      t.add(patch(1, { status: 'MANUAL', severity: 'OPTIONAL', type: 'FEATURE_PACKS', timestamp: S - 60 * DAY }));
      t.add(patch(3, { status: 'REJECTED', timestamp: S - 60 * DAY }));
      t.add(patch(99, { timestamp: S - 60 * DAY }));
      const v = t.value(mixed([1, 2, 3], []), none, NOW);
      expect(v).toMatchObject({ pendingOver14d: 0, pendingOver30d: 0, serversPendingOver14d: 0, failed: 0 });
    });

    // GET /v2/queries/os-patches is the "Pending, Failed and Rejected OS patches report" (NinjaOne Public API 2.0,
    // DeviceOSPatch: installedAt = "Installation attempt timestamp", timestamp = "Date/Time when data was
    // collected/updated"): a FAILED row is a patch that is still not applied.
    it('counts a failed install in the windows: a critical patch that failed days ago is past 48 h', () => {
      const t = new PatchTally(NOW, 30);
      t.add(patch(11, { status: 'FAILED', severity: 'CRITICAL', type: 'SECURITY_UPDATES', installedAt: S - 5 * DAY, timestamp: S - 5 * DAY }));
      t.add(patch(12, { status: 'FAILED', severity: 'CRITICAL', type: 'SECURITY_UPDATES', installedAt: S - 24 * 3600, timestamp: S - 24 * 3600 }));
      const v = t.value(mixed([], [11, 12]), none, NOW);
      expect(v).toMatchObject({ pendingOver48hCritical: 1, criticalOverdueDevices: 1, pendingCritical: 1, criticalCompliantPct: 50, failed: 2 });
      // Failed rows are not pending ones: the pending-only fields are untouched.
      expect(v).toMatchObject({ pendingPatches: 0, failedPatches: 2, oldestPendingDays: 0, pendingOver14d: 0, pendingOver30d: 0 });
    });

    it('ages a failed row from its install attempt when that is earlier than the row timestamp (a lower bound)', () => {
      const t = new PatchTally(NOW, 30);
      // Any failed row counts (an install was attempted, so it was approved), whatever its type and severity.
      t.add(patch(1, { status: 'FAILED', severity: 'MODERATE', type: 'UPDATE_ROLLUPS', installedAt: S - 20 * DAY, timestamp: S - 3600 }));
      t.add(patch(11, { status: 'FAILED', severity: 'IMPORTANT', type: 'SECURITY_UPDATES', installedAt: null, timestamp: S - 31 * DAY }));
      t.add(patch(12, { status: 'FAILED', severity: 'IMPORTANT', type: 'SECURITY_UPDATES', timestamp: S - 10 * DAY }));
      const v = t.value(mixed([1], [11, 12]), none, NOW);
      expect(v).toMatchObject({ pendingOver14d: 2, serversPendingOver14d: 1, pendingOver30d: 1, workstationsPendingOver30d: 1, pendingOver48hCritical: 0 });
    });

    it('puts a device with an undated failed row in every window, and counts an undated failed critical one past 48 h', () => {
      const t = new PatchTally(NOW, 30);
      t.add(patch(1, { status: 'FAILED', severity: 'CRITICAL', timestamp: null, installedAt: null }));
      t.add(patch(11, { status: 'FAILED', severity: 'IMPORTANT', timestamp: undefined }));
      const v = t.value(mixed([1], [11, 12]), none, NOW);
      expect(v).toMatchObject({ pendingOver14d: 2, pendingOver30d: 2, serversPendingOver14d: 1, workstationsPendingOver30d: 1, pendingOver48hCritical: 1, failed: 2 });
    });

    it('counts critical rows over 48 h per device, and IMPORTANT security updates only in the long windows', () => {
      const t = new PatchTally(NOW, 30);
      t.add(patch(1, { severity: 'CRITICAL', status: 'MANUAL', timestamp: S - 49 * 3600 }));
      t.add(patch(1, { severity: 'CRITICAL', status: 'MANUAL', timestamp: S - 50 * 3600 }));
      t.add(patch(2, { severity: 'CRITICAL', status: 'MANUAL', timestamp: S - 47 * 3600 }));
      t.add(patch(3, { severity: 'IMPORTANT', type: 'SECURITY_UPDATES', status: 'MANUAL', timestamp: S - 16 * DAY }));
      const v = t.value(mixed([], [1, 2, 3]), none, NOW);
      expect(v).toMatchObject({ pendingOver48hCritical: 1, pendingCritical: 2, pendingOver14d: 1, pendingOver30d: 0 });
    });

    it('puts a device with an undated relevant row in every window (an unreadable age is not a patched device)', () => {
      const t = new PatchTally(NOW, 30);
      t.add(patch(1, { timestamp: null }));
      t.add(patch(11, { timestamp: undefined }));
      const v = t.value(mixed([1], [11, 12]), none, NOW);
      expect(v).toMatchObject({ pendingOver14d: 2, pendingOver30d: 2, serversPendingOver14d: 1, workstationsPendingOver30d: 1, pendingOver48hCritical: 0 });
    });

    it('reports zero in every window when nothing is pending', () => {
      const v = new PatchTally(NOW, 30).value(mixed([1], [2]), none, NOW);
      expect(v).toMatchObject({ pendingOver48hCritical: 0, pendingOver14d: 0, pendingOver30d: 0, serversPendingOver14d: 0, workstationsPendingOver30d: 0 });
    });
  });

  it('counts devices on an automated policy over all managed devices', () => {
    const t = new PatchTally(NOW, 30);
    const m = new Map([
      [1, { label: 'a', kind: 'server' as const, policyId: 10 }],
      [2, { label: 'b', kind: 'workstation' as const, policyId: 11 }],
      [3, { label: 'c', kind: 'workstation' as const, policyId: null }],
    ]);
    expect(t.value(m, { policyIds: new Set([10]), note: null }, NOW)).toMatchObject({ automated: 1, automatedPct: 33.3 });
  });

  it('resolves policies by id and exact name, with their children, and names the unknown ones', () => {
    const policies = [
      { id: 1, name: 'Auto', parentPolicyId: null },
      { id: 2, name: 'Auto child', parentPolicyId: 1 },
      { id: 3, name: 'Grandchild', parentPolicyId: 2 },
      { id: 4, name: 'Manual', parentPolicyId: null },
      { id: 5, name: 'Loop a', parentPolicyId: 6 },
      { id: 6, name: 'Loop b', parentPolicyId: 5 },
    ];
    const r = resolveAutomatedPolicies(policies, [' auto ', 99, 'Nope']);
    expect([...r.ids].sort()).toEqual([1, 2, 3]);
    expect(r.unresolved).toEqual(['99', 'Nope']);
    expect(r.names).toEqual(['Auto', 'Auto child', 'Grandchild']);
  });
});

describe('antivirus', () => {
  const row = (deviceId: number, productState: string | null, definitionStatus: string | null): AntivirusStatus => ({ deviceId, productState, definitionStatus });

  it('needs real-time protection ON and definitions up to date', () => {
    expect(isProtectedRow(row(1, 'ON', 'Up-to-Date'))).toBe(true);
    expect(isProtectedRow(row(1, 'on', 'UP_TO_DATE'))).toBe(true);
    expect(isProtectedRow(row(1, 'ON', 'Out-of-Date'))).toBe(false);
    expect(isProtectedRow(row(1, 'ON', 'Unknown'))).toBe(false);
    expect(isProtectedRow(row(1, 'ON', null))).toBe(false);
    expect(isProtectedRow(row(1, 'SNOOZED', 'Up-to-Date'))).toBe(false);
    expect(isProtectedRow(row(1, 'EXPIRED', 'Up-to-Date'))).toBe(false);
    expect(isProtectedRow(row(1, 'OFF', 'Up-to-Date'))).toBe(false);
  });

  it('protects a device when any of its products protects it, and counts silent devices apart', () => {
    const t = new AntivirusTally();
    t.add(row(1, 'OFF', 'Up-to-Date'));
    t.add(row(1, 'ON', 'Up-to-Date'));
    t.add(row(2, 'ON', 'Out-of-Date'));
    t.add(row(9, 'ON', 'Up-to-Date')); // not a managed device
    const m = new Map([1, 2, 3].map((id) => [id, { label: `PC${id}`, kind: 'workstation' as const, policyId: null }]));
    expect(t.value(m)).toMatchObject({ devices: 2, protected: 1, pct: 50, unprotected: ['PC2'], notReporting: 1 });
  });
});

describe('alerts', () => {
  const anywhere = { organizationId: undefined, deviceIds: null, managedDevices: 50 };

  it('counts open, stale and the oldest from createTime, falling back to updateTime', () => {
    const v = deriveAlerts(
      [alert({ createTime: S - 24 * 3600 - 1 }), alert({ createTime: S - 24 * 3600 }), alert({ createTime: null, updateTime: S - 36 * 3600 })],
      anywhere,
      NOW,
    );
    expect(v).toMatchObject({ open: 3, staleOver24h: 2, staleOver7d: 0, oldestOpenHours: 36, oldestOpenSince: '2024-05-30T12:00:00.000Z' });
  });

  it('counts an alert with no time at all as stale (over 24 h and over 7 days), and its age as unknown', () => {
    const v = deriveAlerts([alert({ createTime: null, updateTime: null }), alert({ createTime: 0, updateTime: Number.NaN })], anywhere, NOW);
    expect(v).toMatchObject({ open: 2, undated: 2, staleOver24h: 2, staleOver7d: 2, staleOver24hPer100: 4, oldestOpenHours: null });
  });

  it('counts open alerts over 7 days of any severity', () => {
    const v = deriveAlerts([alert({ createTime: S - 7 * DAY - 1 }), alert({ createTime: S - 7 * DAY }), alert({ createTime: S - 3600 })], anywhere, NOW);
    expect(v).toMatchObject({ staleOver24h: 2, staleOver7d: 1 });
  });

  it('normalises per 100 managed devices, one decimal; null without a device count or with none', () => {
    const alerts = [alert({ severity: 'CRITICAL', createTime: S - 2 * DAY }), alert({ severity: 'MAJOR', createTime: S - 8 * DAY }), alert({ severity: 'MINOR', createTime: S - 2 * DAY })];
    expect(deriveAlerts(alerts, { ...anywhere, managedDevices: 30 }, NOW)).toMatchObject({
      devices: 30,
      high: 2,
      highOver24h: 2,
      highOver7d: 1,
      highOver24hPer100: 6.7,
      highOver7dPer100: 3.3,
      staleOver24hPer100: 10,
    });
    expect(deriveAlerts(alerts, { ...anywhere, managedDevices: 0 }, NOW)).toMatchObject({ highOver24hPer100: null, staleOver24hPer100: null });
    expect(deriveAlerts(alerts, { ...anywhere, managedDevices: null }, NOW)).toMatchObject({ devices: null, staleOver24hPer100: null, highOver24h: 2 });
  });

  it('says the acknowledgement time is not applicable: NinjaOne does not report it', () => {
    const v = deriveAlerts([], anywhere, NOW);
    expect(v.ackWithin24hPct).toBeNull();
    expect(v.notApplicable).toEqual({ ackWithin24hPct: expect.stringMatching(/reports no acknowledgement time.*stale-alert backlog/) });
  });

  it('without any severity on the alerts, the high measures are null and not applicable', () => {
    const v = deriveAlerts([alert({ createTime: S - 2 * DAY }), alert()], anywhere, NOW);
    expect(v).toMatchObject({ high: null, highOver24h: null, highOver7d: null, highOver24hPer100: null, highOver7dPer100: null, staleOver24h: 1 });
    expect(Object.keys(v.notApplicable).sort()).toEqual(['ackWithin24hPct', 'high', 'highOver24h', 'highOver24hPer100', 'highOver7d', 'highOver7dPer100']);
    expect(v.notApplicable.highOver24h).toMatch(/no alert severity/);
  });

  it('once the API reports severities, an alert without one counts as high (worst case)', () => {
    const v = deriveAlerts([alert({ severity: 'MINOR', createTime: S - 2 * DAY }), alert({ createTime: S - 2 * DAY })], anywhere, NOW);
    expect(v).toMatchObject({ high: 1, highOver24h: 1, critical: null });
    expect(v.notApplicable).not.toHaveProperty('high');
  });

  it('reads severity or priority when present; null when an alert carries neither', () => {
    const scope = anywhere;
    expect(deriveAlerts([alert({ severity: 'MAJOR' }), alert({ priority: 'HIGH' }), alert({ severity: 'MINOR' })], scope, NOW).critical).toBe(2);
    expect(deriveAlerts([alert({ severity: 'CRITICAL' }), alert()], scope, NOW).critical).toBeNull();
    expect(deriveAlerts([], scope, NOW)).toMatchObject({ open: 0, critical: 0, oldestOpenHours: 0, staleOver24h: 0 });
  });

  it('scopes alerts to the organisation by device id or embedded organisation', () => {
    const scope = { organizationId: 12, deviceIds: new Set([1, 2]) };
    expect(inScope(alert({ deviceId: 1 }), scope)).toBe(true);
    expect(inScope(alert({ deviceId: 7 }), scope)).toBe(false);
    expect(inScope(alert({ deviceId: null, device: { organizationId: 12 } }), scope)).toBe(true);
    expect(inScope(alert({ deviceId: null, device: { organizationId: 99 } }), scope)).toBe(false);
    expect(inScope(alert({ deviceId: null }), scope)).toBe(false);
    // Without the device listing the server-side filter is trusted.
    expect(inScope(alert({ deviceId: 7 }), { organizationId: 12, deviceIds: null })).toBe(true);
  });
});
