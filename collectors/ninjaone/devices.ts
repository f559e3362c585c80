/**
 * `rmm.devices` and the device scope every other key is joined against.
 *
 * Device classes (`nodeClass`): servers are WINDOWS_SERVER, LINUX_SERVER, MAC_SERVER and HYPERV_VMM_HOST (a Windows
 * Server running the NinjaOne agent with Hyper-V monitoring on); workstations are WINDOWS_WORKSTATION,
 * LINUX_WORKSTATION and MAC. Everything else has no NinjaOne agent of its own and is excluded from `total`:
 * network (NMS_*), cloud monitors (CLOUD_MONITOR_TARGET), agentless hypervisor views (VMWARE_VM_HOST,
 * VMWARE_VM_GUEST, HYPERV_VMM_GUEST: guests with an agent appear again under their own class), MDM phones and
 * tablets (ANDROID, APPLE_IOS, APPLE_IPADOS), ITAM records (UNMANAGED_DEVICE, MANAGED_DEVICE) and unknown classes.
 * Devices still awaiting approval (`approvalStatus: PENDING`) are not managed yet and are excluded too.
 *
 * Check-in windows by class: a server should answer every day (`serversOnline24h`), while a workstation switched
 * off over a weekend or a holiday is normal, so it counts as checked in within 7 days (`workstationsOnline7d`).
 * A device without `lastContact` never checked in: it counts against both, never as unknown.
 */
import { CappedCollector, JOIN_NAMES_CAP, pct } from '../../src/domain/evidence.js';
import type { Device } from './schema.js';
import { DAY_MS, epochToMs } from './time.js';

export const SERVER_CLASSES: ReadonlySet<string> = new Set(['WINDOWS_SERVER', 'LINUX_SERVER', 'MAC_SERVER', 'HYPERV_VMM_HOST']);
export const WORKSTATION_CLASSES: ReadonlySet<string> = new Set(['WINDOWS_WORKSTATION', 'LINUX_WORKSTATION', 'MAC']);

/** Host names for the coverage join (docs/evidence.md). */
export const SERVER_NAME_CAP = JOIN_NAMES_CAP;

/** A workstation counts as checked in when its agent answered within this many days. */
export const WORKSTATION_WINDOW_DAYS = 7;

export type DeviceKind = 'server' | 'workstation' | 'excluded';

export function deviceKind(nodeClass: string | null | undefined): DeviceKind {
  const c = (nodeClass ?? '').toUpperCase();
  if (SERVER_CLASSES.has(c)) return 'server';
  if (WORKSTATION_CLASSES.has(c)) return 'workstation';
  return 'excluded';
}

/** The name people know a device by: display name, else host name, else DNS name, else its id. */
export function deviceLabel(d: Pick<Device, 'id' | 'displayName' | 'systemName' | 'dnsName'>): string {
  return d.displayName?.trim() || d.systemName?.trim() || d.dnsName?.trim() || `device ${d.id}`;
}

/** The host name for matching backup objects: the computer name first (the core normalises case and domain). */
export function hostName(d: Pick<Device, 'id' | 'systemName' | 'dnsName' | 'netbiosName' | 'displayName'>): string {
  return d.systemName?.trim() || d.dnsName?.trim() || d.netbiosName?.trim() || d.displayName?.trim() || `device-${d.id}`;
}

/** What the other keys need to know about a managed device (kept per device, never the raw record). */
export interface ManagedDevice {
  label: string;
  kind: 'server' | 'workstation';
  /** Effective policy: the assigned override `policyId`, else the organisation/location mapping `rolePolicyId`. */
  policyId: number | null;
}

export interface DevicesValue extends Record<string, unknown> {
  total: number;
  servers: number;
  workstations: number;
  online24h: number;
  pct: number | null;
  /** Servers whose `lastContact` is within 24 h of the scan. */
  serversOnline24h: number;
  /** Workstations whose `lastContact` is within 7 days of the scan. */
  workstationsOnline7d: number;
  /** serversOnline24h + workstationsOnline7d, and its share of `total` (null only when total is 0). */
  checkedIn: number;
  checkedInPct: number | null;
  /** Devices NinjaOne flags `offline` right now (heartbeat lost), whatever their last contact. */
  offlineNow: number;
  offline: string[];
  offlineTotal: number;
  serverNames: string[];
  serverNamesTotal: number;
  /** Devices left out of `total`, by node class, and those awaiting approval. */
  excludedByClass: Record<string, number>;
  excludedTotal: number;
  pendingApproval: number;
  organizationId: number | null;
}

/**
 * Aggregates the device listing page by page. Keeps, per device, only what the other keys join on: the ids of every
 * in-scope device (alerts may concern any class) and a small record per managed device.
 */
export class DeviceInventory {
  /** Every device of the organisation (any class, any approval state): the scope of alerts. */
  readonly scopeIds = new Set<number>();
  /** Managed (agent) devices: the scope of patches and antivirus. */
  readonly managed = new Map<number, ManagedDevice>();
  /** Rows of another organisation the server sent despite the filter, dropped (defence in depth; logged). */
  otherOrganization = 0;
  private servers = 0;
  private workstations = 0;
  private online = 0;
  private serversOnline24h = 0;
  private workstationsOnline7d = 0;
  private offlineNow = 0;
  private pendingApproval = 0;
  private excludedTotal = 0;
  private readonly excludedByClass: Record<string, number> = {};
  private readonly offline = new CappedCollector();
  private readonly serverNames = new CappedCollector(SERVER_NAME_CAP);
  private readonly seenAfter: number;
  private readonly workstationSeenAfter: number;

  constructor(
    now: Date,
    private readonly organizationId: number | undefined,
  ) {
    this.seenAfter = now.getTime() - DAY_MS;
    this.workstationSeenAfter = now.getTime() - WORKSTATION_WINDOW_DAYS * DAY_MS;
  }

  add(d: Device): void {
    // The server applies `df`; this is defence in depth should a filter be ignored.
    if (this.organizationId !== undefined && d.organizationId !== undefined && d.organizationId !== null && d.organizationId !== this.organizationId) {
      this.otherOrganization += 1;
      return;
    }
    if (this.scopeIds.has(d.id)) return; // keyset pages never overlap; a repeated id must not count twice
    this.scopeIds.add(d.id);
    const kind = deviceKind(d.nodeClass);
    if (kind === 'excluded') {
      const cls = d.nodeClass?.toUpperCase() || 'UNKNOWN';
      this.excludedByClass[cls] = (this.excludedByClass[cls] ?? 0) + 1;
      this.excludedTotal += 1;
      return;
    }
    if ((d.approvalStatus ?? '').toUpperCase() === 'PENDING') {
      this.pendingApproval += 1;
      this.excludedTotal += 1;
      return;
    }
    const label = deviceLabel(d);
    this.managed.set(d.id, { label, kind, policyId: d.policyId ?? d.rolePolicyId ?? null });
    if (kind === 'server') {
      this.servers += 1;
      this.serverNames.add(hostName(d));
    } else {
      this.workstations += 1;
    }
    if (d.offline === true) this.offlineNow += 1;
    const seen = epochToMs(d.lastContact);
    if (seen !== null && seen >= this.seenAfter) this.online += 1;
    else this.offline.add(label);
    if (kind === 'server' && seen !== null && seen >= this.seenAfter) this.serversOnline24h += 1;
    if (kind === 'workstation' && seen !== null && seen >= this.workstationSeenAfter) this.workstationsOnline7d += 1;
  }

  value(): DevicesValue {
    const total = this.servers + this.workstations;
    const checkedIn = this.serversOnline24h + this.workstationsOnline7d;
    return {
      total,
      servers: this.servers,
      workstations: this.workstations,
      online24h: this.online,
      pct: pct(this.online, total),
      serversOnline24h: this.serversOnline24h,
      workstationsOnline7d: this.workstationsOnline7d,
      checkedIn,
      checkedInPct: pct(checkedIn, total),
      offlineNow: this.offlineNow,
      offline: this.offline.list(),
      offlineTotal: this.offline.total,
      serverNames: this.serverNames.list(),
      serverNamesTotal: this.serverNames.total,
      excludedByClass: { ...this.excludedByClass },
      excludedTotal: this.excludedTotal,
      pendingApproval: this.pendingApproval,
      organizationId: this.organizationId ?? null,
    };
  }
}
