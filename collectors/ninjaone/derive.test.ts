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
    expect(isCritical({ severity: 'critical', type: 'REGULAR_UPDATES' })).toBe(true);
    expect(isCritical({ severity: 'IMPORTANT', type: 'security updates' })).toBe(true);
    expect(isCritical({ severity: 'IMPORTANT', type: 'UPDATE_ROLLUPS' })).toBe(false);
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

  it('counts critical/security patches pending over 48 h, not before', () => {
    const t = new PatchTally(NOW, 30);
    t.add(patch(1, { severity: 'CRITICAL', status: 'MANUAL', timestamp: S - 47 * 3600 }));
    t.add(patch(1, { type: 'SECURITY_UPDATES', status: 'MANUAL', timestamp: S - 49 * 3600 }));
    t.add(patch(2, { type: 'CRITICAL_UPDATES', status: 'PENDING', timestamp: S - 72 * 3600 }));
    const v = t.value(managed([1, 2]), none, NOW);
    expect(v.pendingCritical).toBe(2);
    expect(v.compliant).toBe(2); // under the 30-day window
  });

  it('a failed install makes a device non-compliant whatever its age', () => {
    const t = new PatchTally(NOW, 30);
    t.add(patch(1, { status: 'FAILED', timestamp: S - 60 }));
    expect(t.value(managed([1]), none, NOW)).toMatchObject({ compliant: 0, failed: 1, failedPatches: 1 });
  });

  it('gives null, not a guess, when a relevant pending patch has no date', () => {
    const t = new PatchTally(NOW, 30);
    t.add(patch(1, { severity: 'CRITICAL', timestamp: null }));
    const v = t.value(managed([1]), none, NOW);
    expect(v.pendingCritical).toBeNull();
    expect(v.oldestPendingDays).toBeNull();
    expect(v.oldestPendingSince).toBeNull();
  });

  it('reports nothing pending as 0 days and a fully patched estate as 100 %', () => {
    const t = new PatchTally(NOW, 30);
    expect(t.value(managed([1, 2]), none, NOW)).toMatchObject({ compliant: 2, pct: 100, oldestPendingDays: 0, pendingCritical: 0, oldestPendingSince: null });
    expect(t.value(new Map(), none, NOW)).toMatchObject({ devices: 0, pct: null });
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
  it('counts open, stale and the oldest from createTime, falling back to updateTime', () => {
    const v = deriveAlerts(
      [alert({ createTime: S - 24 * 3600 - 1 }), alert({ createTime: S - 24 * 3600 }), alert({ createTime: null, updateTime: S - 36 * 3600 })],
      { organizationId: undefined, deviceIds: null },
      NOW,
    );
    expect(v).toMatchObject({ open: 3, staleOver24h: 2, oldestOpenHours: 36, oldestOpenSince: '2024-05-30T12:00:00.000Z' });
  });

  it('gives null age fields when an alert has no time at all', () => {
    const v = deriveAlerts([alert({ createTime: null, updateTime: null })], { organizationId: undefined, deviceIds: null }, NOW);
    expect(v).toMatchObject({ open: 1, staleOver24h: null, oldestOpenHours: null });
  });

  it('reads severity or priority when present; null when an alert carries neither', () => {
    const scope = { organizationId: undefined, deviceIds: null };
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
