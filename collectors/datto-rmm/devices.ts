/**
 * Which Datto devices are in scope, and `rmm.devices`: inventory by class and agent check-in.
 *
 * Scope (also used by rmm.patches and rmm.antivirus):
 *   - `deleted: true` and `suspended: true` devices are out (a deleted device sits in the "Deleted Devices" site;
 *     a suspended agent is not monitored) and counted under `excluded`;
 *   - `deviceClass` `printer`, `esxihost` and `rmmnetworkdevice` are out: they carry no agent, no patch or AV
 *     status, and are monitored over SNMP/API by a network node;
 *   - `deviceClass` `device` is in. `unknown`, null or a class Datto adds later is in unless `deviceType.category`
 *     names a printer, network device or ESXi host.
 * Role: a server when `deviceType.category` or `operatingSystem` contains "server" (Datto's "Server" category;
 * "Microsoft Windows Server 2022 Standard"); every other in-scope device is a workstation.
 * Check-in: `online: true` now, or `lastSeen` within 24 h of the scan (`online24h`). By class: servers within 24 h
 * (`serversOnline24h`), workstations within 7 days (`workstationsOnline7d`: a PC switched off for a weekend or a
 * holiday is not a monitoring gap). A device with neither `online: true` nor `lastSeen` never checked in: it counts
 * against both windows, never as unknown.
 */
import { CappedCollector, JOIN_NAMES_CAP, pct } from '../../src/domain/evidence.js';
import type { Device } from './schema.js';
import { DAY_MS } from './time.js';

/** Host names for the coverage join (docs/evidence.md). */
export const SERVER_NAME_CAP = JOIN_NAMES_CAP;

/** A workstation counts as checked in when its agent answered within this many days. */
export const WORKSTATION_WINDOW_DAYS = 7;

export type Exclusion = 'deleted' | 'suspended' | 'printer' | 'networkDevice' | 'esxiHost';
export type DeviceScope = { included: true; role: 'server' | 'workstation' } | { included: false; excludedAs: Exclusion };

const EXCLUDED_CLASS: Record<string, Exclusion> = { printer: 'printer', esxihost: 'esxiHost', rmmnetworkdevice: 'networkDevice' };

function exclusionByCategory(category: string): Exclusion | null {
  if (/printer/i.test(category)) return 'printer';
  if (/esxi/i.test(category)) return 'esxiHost';
  if (/network/i.test(category)) return 'networkDevice';
  return null;
}

export function classifyDevice(d: Device): DeviceScope {
  if (d.deleted === true) return { included: false, excludedAs: 'deleted' };
  if (d.suspended === true) return { included: false, excludedAs: 'suspended' };
  const cls = (d.deviceClass ?? '').toLowerCase();
  const byClass = EXCLUDED_CLASS[cls];
  if (byClass) return { included: false, excludedAs: byClass };
  const category = d.deviceType?.category ?? '';
  if (cls !== 'device') {
    const byCategory = exclusionByCategory(category);
    if (byCategory) return { included: false, excludedAs: byCategory };
  }
  const server = /server/i.test(category) || /server/i.test(d.operatingSystem ?? '');
  return { included: true, role: server ? 'server' : 'workstation' };
}

export function deviceName(d: Device): string {
  return d.hostname?.trim() || d.uid;
}

export interface DevicesValue extends Record<string, unknown> {
  total: number;
  servers: number;
  workstations: number;
  online24h: number;
  pct: number | null;
  /** Servers online now or seen within 24 h; workstations online now or seen within 7 days. */
  serversOnline24h: number;
  workstationsOnline7d: number;
  /** serversOnline24h + workstationsOnline7d, and its share of `total` (null only when total is 0). */
  checkedIn: number;
  checkedInPct: number | null;
  /** `online: true` at the time of the scan. */
  onlineNow: number;
  /** In-scope devices with neither `online: true` nor any `lastSeen`. */
  neverSeen: number;
  offline: string[];
  offlineTotal: number;
  serverNames: string[];
  serverNamesTotal: number;
  excluded: Record<Exclusion, number>;
  /** Sites read (`siteUid` config) or `null` for the whole account. */
  siteUids: string[] | null;
}

export class InventoryTally {
  private total = 0;
  private servers = 0;
  private workstations = 0;
  private online24h = 0;
  private serversOnline24h = 0;
  private workstationsOnline7d = 0;
  private onlineNow = 0;
  private neverSeen = 0;
  private readonly offline = new CappedCollector();
  private readonly serverNames = new CappedCollector(SERVER_NAME_CAP);
  private readonly excluded: Record<Exclusion, number> = { deleted: 0, suspended: 0, printer: 0, networkDevice: 0, esxiHost: 0 };
  private readonly since: number;
  private readonly workstationSince: number;

  constructor(now: Date, private readonly siteUids: string[] | null) {
    this.since = now.getTime() - DAY_MS;
    this.workstationSince = now.getTime() - WORKSTATION_WINDOW_DAYS * DAY_MS;
  }

  private seenSince(d: Device, since: number): boolean {
    return d.online === true || (d.lastSeen !== null && d.lastSeen >= since);
  }

  add(d: Device, scope: DeviceScope): void {
    if (!scope.included) {
      this.excluded[scope.excludedAs] += 1;
      return;
    }
    this.total += 1;
    const name = deviceName(d);
    if (scope.role === 'server') {
      this.servers += 1;
      this.serverNames.add(name);
    } else {
      this.workstations += 1;
    }
    if (d.online === true) this.onlineNow += 1;
    if (d.online !== true && d.lastSeen === null) this.neverSeen += 1;
    if (this.seenSince(d, this.since)) this.online24h += 1;
    else this.offline.add(name);
    if (scope.role === 'server' && this.seenSince(d, this.since)) this.serversOnline24h += 1;
    if (scope.role === 'workstation' && this.seenSince(d, this.workstationSince)) this.workstationsOnline7d += 1;
  }

  value(): DevicesValue {
    const checkedIn = this.serversOnline24h + this.workstationsOnline7d;
    return {
      total: this.total,
      servers: this.servers,
      workstations: this.workstations,
      online24h: this.online24h,
      pct: pct(this.online24h, this.total),
      serversOnline24h: this.serversOnline24h,
      workstationsOnline7d: this.workstationsOnline7d,
      checkedIn,
      checkedInPct: pct(checkedIn, this.total),
      onlineNow: this.onlineNow,
      neverSeen: this.neverSeen,
      offline: this.offline.list(),
      offlineTotal: this.offline.total,
      serverNames: this.serverNames.list(),
      serverNamesTotal: this.serverNames.total,
      excluded: { ...this.excluded },
      siteUids: this.siteUids,
    };
  }
}
