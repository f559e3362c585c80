/**
 * NinjaOne renderer: one simulated NinjaOne instance (the MSP's account) holding one organisation per simulated
 * tenant, rendered from each tenant's Estate in the shapes of the NinjaOne Public API 2.0 (spec 2.0.9-draft:
 * Device, DeviceOSPatch, DeviceAntivirusStatus, Alert, Policy, Cursor). Everything is computed on demand from
 * (tenant, position), so a page costs O(page size) whatever the estate size.
 *
 * Ids. Organisation of tenant k (position among the instance's tenants) = `2 + k` (organisation 1 is the MSP's
 * own, empty). Node j of organisation k has device id `1 + j·K + k` (K = number of organisations): ids of different
 * organisations interleave, as NinjaOne's global node ids do, so the `df=org = N` filter and the keyset `after`
 * paging are both exercised. Nodes 0…endpoints−1 of an organisation are the estate's devices; the rest are nodes
 * without an agent of their own that a correct collector leaves out of the managed count (network devices, an
 * agentless VM view, a workstation awaiting approval).
 *
 * Timestamps are epoch seconds with a fractional part (`1717199940.480213`), at or just before the estate instant.
 *
 * Portfolio changes (VendorTenantView.portfolio): a deleted organisation keeps its position (ids never shift) but
 * `orgById` no longer finds it, so it answers as an unknown id does (404 by path, nothing through `df`) and its nodes
 * vanish; a moved device keeps its node id and is listed under the organisation that holds it now (`owner`), with
 * its patches, antivirus rows, alerts and activities.
 */
import type { Estate, EstateAlert, EstateAlertEpisode, EstateDevice } from '../../../src/simulator/estate.js';
import { guid } from '../../../src/simulator/ids.js';
import { hash32 } from '../../../src/simulator/prng.js';
import type { VendorTenantView } from '../../../src/simulator/vendor.js';

const DAY_MS = 86_400_000;

export interface NinjaOrg {
  /** Position among the instance's organisations. */
  k: number;
  /** NinjaOne organization id. */
  id: number;
  view: VendorTenantView;
  estate: Estate;
  /** Estate devices + extra agentless/pending nodes. */
  nodes: number;
  /** Deleted from the instance (portfolio change): unknown by id, its nodes gone. */
  removed: boolean;
}

/** A node of the instance: organisation and position in it (where it was created), and who holds it now. */
export interface NinjaNode {
  id: number;
  org: NinjaOrg;
  j: number;
  /** The organisation the node is listed under now (`org` unless it was moved). */
  owner: NinjaOrg;
}

export type Row = Record<string, unknown>;

/** Extra nodes per organisation: about one per 50 devices, at least one when there are devices. */
export function extraNodes(endpoints: number): number {
  return endpoints > 0 ? 1 + Math.floor(endpoints / 50) : 0;
}

export const ORG_ID_BASE = 2;

export class NinjaInstance {
  readonly orgs: NinjaOrg[];
  readonly stride: number;
  /** Some portfolio change is in force: listings resolve each node's owner instead of taking the fast paths. */
  readonly changed: boolean;
  private readonly maxNodes: number;
  /** Node id of a moved device → the organisation holding it now. */
  private readonly moved = new Map<number, NinjaOrg>();

  constructor(views: readonly VendorTenantView[]) {
    this.orgs = views.map((view, k) => ({
      k,
      id: ORG_ID_BASE + k,
      view,
      estate: view.estate,
      nodes: view.estate.knobs.endpoints + extraNodes(view.estate.knobs.endpoints),
      removed: view.portfolio?.removed ?? false,
    }));
    this.stride = Math.max(1, this.orgs.length);
    this.maxNodes = Math.max(0, ...this.orgs.map((o) => o.nodes));
    this.changed = views.some((v) => v.portfolio !== undefined);
    for (const owner of this.orgs) {
      for (const m of owner.view.portfolio?.movedIn ?? []) {
        const from = this.orgOfTenant(m.from.id);
        if (from) this.moved.set(this.nodeId(from, m.device), owner);
      }
    }
  }

  /** The organisation with this id, unless it does not exist (or no longer does). */
  orgById(id: number): NinjaOrg | undefined {
    const org = this.orgs[id - ORG_ID_BASE];
    return org && !org.removed ? org : undefined;
  }

  /** The organisation node j of `org` is listed under now; undefined once that organisation was deleted. */
  ownerOf(org: NinjaOrg, j: number): NinjaOrg | undefined {
    const owner = this.moved.get(this.nodeId(org, j)) ?? org;
    return owner.removed ? undefined : owner;
  }

  /** Position of the organisation holding node `id` now (-1: no such node, or its organisation was deleted). */
  ownerPositionOf(id: number): number {
    const n = this.node(id);
    return n ? (this.ownerOf(n.org, n.j)?.k ?? -1) : -1;
  }

  orgOfTenant(tenantId: string): NinjaOrg | undefined {
    return this.orgs.find((o) => o.view.id === tenantId);
  }

  nodeId(org: NinjaOrg, j: number): number {
    return 1 + j * this.stride + org.k;
  }

  /** The node with this id, if it exists. */
  node(id: number): NinjaNode | null {
    if (!Number.isInteger(id) || id < 1) return null;
    const org = this.orgs[(id - 1) % this.stride];
    const j = Math.floor((id - 1) / this.stride);
    return org && j < org.nodes ? { id, org, j, owner: org } : null;
  }

  /** Nodes with id > after, ascending, limited to the organisations in `scope` (positions; null = all). */
  *nodesAfter(after: number, scope: ReadonlySet<number> | null): Generator<NinjaNode> {
    if (scope && scope.size === 1 && !this.changed) {
      const org = this.orgs[[...scope][0]!];
      if (!org) return;
      const j0 = after < org.k + 1 ? 0 : Math.floor((after - 1 - org.k) / this.stride) + 1;
      for (let j = j0; j < org.nodes; j++) yield { id: this.nodeId(org, j), org, j, owner: org };
      return;
    }
    const maxId = this.maxNodes * this.stride;
    for (let id = Math.max(1, Math.floor(after) + 1); id <= maxId; id++) {
      const org = this.orgs[(id - 1) % this.stride]!;
      const j = Math.floor((id - 1) / this.stride);
      if (j >= org.nodes) continue;
      // Without changes every node is its organisation's; with them, a node is where it is held now (or gone).
      const owner = this.changed ? this.ownerOf(org, j) : org;
      if (!owner || (scope && !scope.has(owner.k))) continue;
      yield { id, org, j, owner };
    }
  }
}

/** Epoch seconds with a microsecond fraction, at or up to one second before `date`. */
export function epochSeconds(date: Date, ...salt: (string | number)[]): number {
  const micros = hash32('ninja-frac', ...salt) % 1_000_000;
  return Math.round(date.getTime() * 1000 - micros) / 1_000_000;
}

// ------------------------------------------------------------------------------------------------ policies

export interface NinjaPolicy {
  id: number;
  parentPolicyId: number | null;
  name: string;
  description: string;
  nodeClass: string;
  nodeClassDefault: boolean;
}

/**
 * The instance's policies. The OS patch settings are not in the API; the simulator's automated ones are
 * "Windows Servers - Auto Patch" (10) and "Windows Workstations - Auto Patch" (20), whose children (11, 21) inherit
 * them. configSection lists them as `automatedPatchPolicies: ["Windows Servers - Auto Patch", 20]`.
 */
export const POLICIES: readonly NinjaPolicy[] = [
  { id: 10, parentPolicyId: null, name: 'Windows Servers - Auto Patch', description: 'OS patches approved automatically, installed Sundays 02:00', nodeClass: 'WINDOWS_SERVER', nodeClassDefault: true },
  { id: 11, parentPolicyId: 10, name: 'Windows Servers - Auto Patch - SQL', description: 'Inherits patching; SQL service monitors', nodeClass: 'WINDOWS_SERVER', nodeClassDefault: false },
  { id: 12, parentPolicyId: null, name: 'Windows Servers - Manual Patching', description: 'Patches approved and installed by hand', nodeClass: 'WINDOWS_SERVER', nodeClassDefault: false },
  { id: 20, parentPolicyId: null, name: 'Windows Workstations - Auto Patch', description: 'OS patches approved automatically, installed daily 12:00', nodeClass: 'WINDOWS_WORKSTATION', nodeClassDefault: true },
  { id: 21, parentPolicyId: 20, name: 'Windows Workstations - Auto Patch - Laptops', description: 'Inherits patching; battery-aware schedule', nodeClass: 'WINDOWS_WORKSTATION', nodeClassDefault: false },
  { id: 22, parentPolicyId: null, name: 'Windows Workstations - Manual Patching', description: 'Kiosks and lab machines patched by hand', nodeClass: 'WINDOWS_WORKSTATION', nodeClassDefault: false },
  { id: 30, parentPolicyId: null, name: 'Network Devices', description: 'SNMP monitoring', nodeClass: 'NMS_SWITCH', nodeClassDefault: true },
];

export const AUTOMATED_PATCH_POLICIES: readonly (string | number)[] = ['Windows Servers - Auto Patch', 20];

const policyName = (id: number) => POLICIES.find((p) => p.id === id)?.name ?? `Policy ${id}`;

/**
 * Effective policy of an estate device. The organisation maps each role to the automated policy (`rolePolicyId`);
 * a device outside automated patching carries a per-device override (`policyId`) to the manual policy, and some
 * automated devices are overridden to a child of the automated policy (inheriting its patch settings).
 */
function policiesOf(d: EstateDevice, seed: number): { rolePolicyId: number; policyId: number | null } {
  if (d.isServer) {
    if (!d.patch.automated) return { rolePolicyId: 10, policyId: 12 };
    return { rolePolicyId: 10, policyId: d.name.includes('SQL') ? 11 : null };
  }
  if (!d.patch.automated) return { rolePolicyId: 20, policyId: 22 };
  return { rolePolicyId: 20, policyId: d.name.includes('-LT-') && hash32(seed, 'ninja-lt-policy', d.index) % 2 === 0 ? 21 : null };
}

// ------------------------------------------------------------------------------------------------ devices

const EXTRA_KINDS = [
  { nodeClass: 'NMS_SWITCH', label: 'SW', rolePolicyId: 30 },
  { nodeClass: 'VMWARE_VM_GUEST', label: 'VM', rolePolicyId: null },
  { nodeClass: 'WINDOWS_WORKSTATION', label: 'NEW', rolePolicyId: 20, pending: true },
  { nodeClass: 'NMS_FIREWALL', label: 'FW', rolePolicyId: 30 },
  { nodeClass: 'NMS_PRINTER', label: 'PRN', rolePolicyId: 30 },
] as const;

function prefixOf(estate: Estate): string {
  return estate.domain.split('.')[0]!.toUpperCase().slice(0, 8);
}

function ipOf(seed: number, j: number): string {
  return `10.${(seed >>> 8) & 0x3f}.${1 + (Math.floor(j / 250) % 250)}.${1 + (j % 250)}`;
}

function macOf(seed: number, j: number): string {
  const h = hash32(seed, 'mac', j).toString(16).padStart(8, '0');
  return `00:15:5D:${h.slice(0, 2)}:${h.slice(2, 4)}:${h.slice(4, 6)}`.toUpperCase();
}

function locationOf(org: NinjaOrg, j: number): { id: number; name: string } {
  return hash32(org.view.seed, 'ninja-location', j) % 4 === 0 ? { id: org.id * 100 + 2, name: 'Branch Office' } : { id: org.id * 100 + 1, name: 'Head Office' };
}

/**
 * One node as `GET /v2/devices-detailed` renders it (`detailed: false` for `GET /v2/devices`). `owner`: the
 * organisation it is listed under now, when it was moved there.
 */
export function renderDevice(inst: NinjaInstance, org: NinjaOrg, j: number, detailed = true, owner: NinjaOrg = org): Row {
  const seed = org.view.seed;
  const now = org.estate.now;
  const id = inst.nodeId(org, j);
  const location = locationOf(owner, j);
  const created = new Date(now.getTime() - (200 + (hash32(seed, 'ninja-created', j) % 900)) * DAY_MS);
  if (j >= org.estate.knobs.endpoints) {
    const e = j - org.estate.knobs.endpoints;
    const kind = EXTRA_KINDS[e % EXTRA_KINDS.length]!;
    const name = `${prefixOf(org.estate)}-${kind.label}-${String(Math.floor(e / EXTRA_KINDS.length) + 1).padStart(2, '0')}`;
    const seen = new Date(now.getTime() - (1 + (hash32(seed, 'ninja-extra-seen', e) % 30)) * 60_000);
    const row: Row = {
      id,
      uid: guid(seed, 'ninja-node', j),
      organizationId: owner.id,
      locationId: location.id,
      nodeClass: kind.nodeClass,
      nodeRoleId: 500 + (e % EXTRA_KINDS.length),
      ...(kind.rolePolicyId !== null ? { rolePolicyId: kind.rolePolicyId } : {}),
      approvalStatus: 'pending' in kind ? 'PENDING' : 'APPROVED',
      offline: false,
      displayName: name,
      systemName: name,
      dnsName: `${name.toLowerCase()}.${org.estate.domain}`,
      created: epochSeconds(created, seed, 'created', j),
      lastContact: epochSeconds(seen, seed, 'contact', j),
      lastUpdate: epochSeconds(seen, seed, 'update', j),
      ipAddresses: [ipOf(seed, j)],
    };
    if (detailed) row.references = { organization: { id: owner.id, name: owner.view.name }, location: { id: location.id, name: location.name } };
    return row;
  }
  const d = org.estate.device(j);
  const policies = policiesOf(d, seed);
  const minutesAgo = (now.getTime() - d.lastContact.getTime()) / 60_000;
  const row: Row = {
    id,
    uid: guid(seed, 'ninja-node', j),
    organizationId: owner.id,
    locationId: location.id,
    nodeClass: d.isServer ? 'WINDOWS_SERVER' : 'WINDOWS_WORKSTATION',
    nodeRoleId: d.isServer ? 2 : 1,
    rolePolicyId: policies.rolePolicyId,
    ...(policies.policyId !== null ? { policyId: policies.policyId } : {}),
    approvalStatus: 'APPROVED',
    offline: minutesAgo > 5,
    displayName: d.name,
    systemName: d.name,
    dnsName: d.fqdn,
    netbiosName: d.name.slice(0, 15),
    created: epochSeconds(created, seed, 'created', j),
    lastContact: epochSeconds(d.lastContact, seed, 'contact', j),
    lastUpdate: epochSeconds(d.lastContact, seed, 'update', j),
    ipAddresses: [ipOf(seed, j)],
    macAddresses: [macOf(seed, j)],
    publicIP: `203.0.113.${1 + (seed % 250)}`,
  };
  if (detailed) {
    row.os = {
      manufacturer: 'Microsoft Corporation',
      name: d.os,
      architecture: '64-bit',
      buildNumber: d.isServer ? '20348' : '22631',
      releaseId: d.isServer ? '21H2' : '23H2',
      servicePackMajorVersion: 0,
      servicePackMinorVersion: 0,
      language: 'en-US',
      needsReboot: d.patch.pendingCritical,
    };
    row.system = {
      manufacturer: d.isServer ? 'Dell Inc.' : 'LENOVO',
      model: d.isServer ? 'PowerEdge R650' : d.name.includes('-LT-') ? 'ThinkPad T14 Gen 4' : 'ThinkCentre M70q',
      name: d.name,
      domain: org.estate.domain,
      totalPhysicalMemory: (d.isServer ? 64 : 16) * 1024 ** 3,
    };
    row.references = {
      organization: { id: owner.id, name: owner.view.name },
      location: { id: location.id, name: location.name },
      rolePolicy: { id: policies.rolePolicyId, name: policyName(policies.rolePolicyId) },
      ...(policies.policyId !== null ? { policy: { id: policies.policyId, name: policyName(policies.policyId) } } : {}),
      role: { id: d.isServer ? 2 : 1, name: d.isServer ? 'Windows Server' : 'Windows Desktops and Laptops', nodeClass: d.isServer ? 'WINDOWS_SERVER' : 'WINDOWS_WORKSTATION' },
    };
  }
  return row;
}

// ------------------------------------------------------------------------------------------------ OS patches

function kb(seed: number, ...salt: (string | number)[]): string {
  return `KB50${String(10000 + (hash32(seed, 'kb', ...salt) % 89999))}`;
}

function month(date: Date): string {
  return date.toISOString().slice(0, 7);
}

/**
 * `GET /v2/queries/os-patches` rows of one estate device (the report lists pending, failed and rejected OS patches;
 * installed ones are not listed). Rendering rules, so the collector's documented derivation gives the estate's truth:
 * - non-compliant device: one APPROVED row older than the 30-day window (its oldest pending patch). On a
 *   `pendingCritical` device that row is a CRITICAL security update; otherwise an IMPORTANT update rollup.
 * - failed device: additionally a FAILED row (install attempted two days ago).
 * - compliant device with a recent pending patch: a MANUAL, not yet approved optional/moderate row (not "relevant":
 *   no approved or critical patch is pending);
 * - `securityPending` device: instead, a MANUAL security update of IMPORTANT severity, 3–22 days old — relevant (it
 *   sets oldestPendingDays) but within the window and not critical (not in pendingCritical).
 * - some compliant devices: an old REJECTED critical row (the admin declined it; ignored).
 */
export function patchRows(inst: NinjaInstance, org: NinjaOrg, j: number): Row[] {
  if (j >= org.estate.knobs.endpoints) return [];
  const seed = org.view.seed;
  const now = org.estate.now;
  const d = org.estate.device(j);
  const deviceId = inst.nodeId(org, j);
  const rows: Row[] = [];
  const osName = d.isServer ? 'Microsoft server operating system version 21H2' : 'Windows 11 Version 23H2';
  const row = (r: number, fields: { severity: string; status: string; type: string; ageDays: number; title: string; installedDaysAgo?: number }): Row => {
    const at = new Date(now.getTime() - fields.ageDays * DAY_MS);
    const k = kb(seed, j, r);
    return {
      id: guid(seed, 'ninja-patch', j, r),
      name: `${month(at)} ${fields.title} for ${osName} for x64-based Systems (${k})`,
      severity: fields.severity,
      status: fields.status,
      type: fields.type,
      ...(fields.installedDaysAgo !== undefined ? { installedAt: epochSeconds(new Date(now.getTime() - fields.installedDaysAgo * DAY_MS), seed, 'installed', j, r) } : {}),
      deviceId,
      timestamp: epochSeconds(at, seed, 'patch-ts', j, r),
      kbNumber: k,
    };
  };
  if (d.patch.compliant) {
    if (hash32(seed, 'ninja-rejected', j) % 9 === 0) {
      rows.push(row(0, { severity: 'CRITICAL', status: 'REJECTED', type: 'SECURITY_UPDATES', ageDays: 120 + (hash32(seed, 'ninja-rej-age', j) % 200), title: 'Security Update' }));
    }
    if (d.patch.securityPending) {
      rows.push(row(1, { severity: 'IMPORTANT', status: 'MANUAL', type: 'SECURITY_UPDATES', ageDays: d.patch.oldestPendingDays, title: 'Security Update' }));
    } else if (d.patch.oldestPendingDays > 0) {
      const optional = hash32(seed, 'ninja-opt', j) % 2 === 0;
      rows.push(row(1, { severity: optional ? 'OPTIONAL' : 'MODERATE', status: 'MANUAL', type: optional ? 'FEATURE_PACKS' : 'UPDATE_ROLLUPS', ageDays: d.patch.oldestPendingDays, title: optional ? 'Feature Update' : 'Cumulative Update Preview' }));
    }
    return rows;
  }
  const ageDays = Math.max(31, d.patch.oldestPendingDays);
  if (d.patch.failed) {
    rows.push(row(2, { severity: 'IMPORTANT', status: 'FAILED', type: 'SECURITY_UPDATES', ageDays: 2, title: 'Security Update', installedDaysAgo: 2 }));
  }
  rows.push(
    d.patch.pendingCritical
      ? row(3, { severity: 'CRITICAL', status: 'APPROVED', type: 'SECURITY_UPDATES', ageDays, title: 'Cumulative Security Update' })
      : row(3, { severity: 'IMPORTANT', status: 'APPROVED', type: 'UPDATE_ROLLUPS', ageDays, title: 'Cumulative Update' }),
  );
  return rows;
}

// ------------------------------------------------------------------------------------------------ antivirus

const DEFENDER = 'Windows Defender';

/**
 * `GET /v2/queries/antivirus-status` rows of one estate device (the agent's Security Center strings). State `on` →
 * ON / Up-to-Date; `off` → OFF; `outdated` → ON / Out-of-Date; `missing` → UNKNOWN / Unknown (Security Center
 * reports no active product). Devices whose product is a third-party AV also list Windows Defender, switched OFF
 * (passive) — one protected product suffices.
 */
export function antivirusRows(inst: NinjaInstance, org: NinjaOrg, j: number): Row[] {
  if (j >= org.estate.knobs.endpoints) return [];
  const seed = org.view.seed;
  const d = org.estate.device(j);
  const deviceId = inst.nodeId(org, j);
  const ts = epochSeconds(d.lastContact, seed, 'av-ts', j);
  const product = d.av.product === 'Microsoft Defender Antivirus' ? DEFENDER : d.av.product;
  const versions: Record<string, string> = { [DEFENDER]: '4.18.24040.4', SentinelOne: '23.4.2.14', 'Bitdefender Endpoint Security': '7.9.13.367' };
  const state = { on: ['ON', 'Up-to-Date'], off: ['OFF', 'Up-to-Date'], outdated: ['ON', 'Out-of-Date'], missing: ['UNKNOWN', 'Unknown'] }[d.av.state];
  const rows: Row[] = [{ productName: product, productState: state[0], definitionStatus: state[1], version: versions[product] ?? '1.0', deviceId, timestamp: ts }];
  if (product !== DEFENDER && d.av.state !== 'missing') rows.push({ productName: DEFENDER, productState: 'OFF', definitionStatus: 'Out-of-Date', version: versions[DEFENDER], deviceId, timestamp: ts });
  return rows;
}

// ------------------------------------------------------------------------------------------------ alerts

const ALERT_SOURCES: Record<string, { sourceType: string; subject: string; sourceName: string; code: string }> = {
  'Disk C: below 10 % free': { sourceType: 'CONDITION_AGENT_DISK_FREE_SPACE', subject: 'Disk space low', sourceName: 'Disk free space < 10 %', code: 'CONDITION_DISK_FREE_SPACE' },
  'Service Spooler stopped': { sourceType: 'CONDITION_WINDOWS_SERVICE_STATE_CHANGED', subject: 'Service stopped', sourceName: 'Print Spooler service', code: 'CONDITION_WINDOWS_SERVICE_STATE' },
  'Agent offline': { sourceType: 'AGENT_OFFLINE', subject: 'Device offline', sourceName: 'Offline', code: 'AGENT_OFFLINE' },
  'CPU above 90 % for 15 minutes': { sourceType: 'CONDITION_AGENT_CPU', subject: 'CPU utilisation high', sourceName: 'CPU > 90 % for 15 min', code: 'CONDITION_CPU' },
};

/**
 * `GET /v2/alerts` rows of the devices of one organisation's estate. NinjaOne's Alert carries no severity (spec
 * 2.0.9-draft: it lives on the policy condition and the activity log), so none is served here: a correct collector
 * joins it from the alert's TRIGGERED activity (`activityRows`, seriesUid = uid). Nor is there an acknowledgement
 * time. An alert goes with its device: `device.organizationId` is the organisation holding the device now, and the
 * alerts of a deleted organisation's devices are gone.
 */
export function alertRows(inst: NinjaInstance, org: NinjaOrg): Row[] {
  const seed = org.view.seed;
  return org.estate.alerts().flatMap((a: EstateAlert) => {
    const owner = inst.ownerOf(org, a.deviceIndex);
    if (!owner) return [];
    const src = ALERT_SOURCES[a.message] ?? { sourceType: 'CONDITION_CUSTOM_FIELD', subject: a.message, sourceName: a.message, code: 'CONDITION' };
    const deviceId = inst.nodeId(org, a.deviceIndex);
    const updated = new Date(Math.min(org.estate.now.getTime(), a.created.getTime() + (hash32(seed, 'ninja-alert-upd', a.id) % 120) * 60_000));
    const d = org.estate.device(a.deviceIndex);
    return {
      uid: alertUid(seed, a.id),
      deviceId,
      message: a.message,
      createTime: epochSeconds(a.created, seed, 'alert-created', a.id),
      updateTime: epochSeconds(updated, seed, 'alert-updated', a.id),
      sourceType: src.sourceType,
      sourceConfigUid: guid(seed, 'ninja-condition', src.sourceType),
      sourceName: src.sourceName,
      subject: src.subject,
      userId: null,
      psaTicketId: null,
      ticketTemplateId: null,
      data: { message: { code: src.code, params: {} } },
      device: { id: deviceId, organizationId: owner.id, locationId: locationOf(owner, a.deviceIndex).id, nodeClass: d.isServer ? 'WINDOWS_SERVER' : 'WINDOWS_WORKSTATION', displayName: d.name, systemName: d.name },
    };
  });
}

const alertUid = (seed: number, alertId: number) => guid(seed, 'ninja-alert', alertId);

/** Severity and priority of an episode's condition: MAJOR/CRITICAL + HIGH when critical, else below both. */
function conditionSeverity(seed: number, e: EstateAlertEpisode): { severity: string; priority: string } {
  const h = hash32(seed, 'ninja-sev', e.key);
  if (e.critical) return { severity: h % 2 === 0 ? 'CRITICAL' : 'MAJOR', priority: 'HIGH' };
  return { severity: (['NONE', 'MINOR', 'MODERATE'] as const)[h % 3]!, priority: (['NONE', 'LOW', 'MEDIUM'] as const)[(h >> 4) % 3]! };
}

export interface ActivityRow extends Row {
  id: number;
  activityTime: number;
  activityType: string;
  statusCode: string;
  seriesUid: string;
  /** Position of the organisation (not served). */
  orgK?: number;
}

const ACTIVITY_ID_BASE = 4_200_000;
const activityCache = new Map<string, ActivityRow[]>();

/**
 * The instance's activity log (`GET /v2/activities`), oldest first with ids ascending in time across every
 * organisation: per alert episode of each estate (`alertEpisodes()`) a CONDITION activity TRIGGERED (with the
 * condition's severity and priority), ACKNOWLEDGED (by a technician, `userId`) and RESET as the episode has them,
 * `seriesUid` = the alert's uid for open alerts; plus some script runs (`ACTION`/`COMPLETED`) a collector must
 * skip. Cached per instance content.
 */
export function activityRows(inst: NinjaInstance): ActivityRow[] {
  const cacheKey = inst.orgs.map((o) => `${o.view.id}:${o.view.seed}:${o.estate.now.getTime()}:${JSON.stringify(o.estate.knobs)}`).join('|');
  const hit = activityCache.get(cacheKey);
  if (hit) return hit;
  const rows: Array<ActivityRow & { sortKey: string }> = [];
  for (const org of inst.orgs) {
    const seed = org.view.seed;
    for (const e of org.estate.alertEpisodes()) {
      const d = org.estate.device(e.deviceIndex);
      const deviceId = inst.nodeId(org, e.deviceIndex);
      const seriesUid = e.alertId !== null ? alertUid(seed, e.alertId) : guid(seed, 'ninja-alert-closed', e.key);
      const src = Object.values(ALERT_SOURCES)[hash32(seed, 'ninja-ep-src', e.key) % 4]!;
      const sev = conditionSeverity(seed, e);
      const entry = (statusCode: string, at: Date, extra: Row = {}) =>
        rows.push({
          id: 0,
          activityTime: epochSeconds(at, seed, 'ninja-act', e.key, statusCode),
          deviceId,
          severity: sev.severity,
          priority: sev.priority,
          seriesUid,
          activityType: 'CONDITION',
          statusCode,
          status: statusCode.charAt(0) + statusCode.slice(1).toLowerCase(),
          sourceConfigUid: guid(seed, 'ninja-condition', src.sourceType),
          sourceName: src.sourceName,
          subject: src.subject,
          message: `${src.subject} on ${d.name}`,
          userId: null,
          type: 'Condition',
          data: { message: { code: src.code, params: {} } },
          orgK: org.k,
          sortKey: `${org.k}:${e.key}:${statusCode === 'TRIGGERED' ? 0 : statusCode === 'ACKNOWLEDGED' ? 1 : 2}`,
          ...extra,
        });
      entry('TRIGGERED', e.triggered);
      if (e.acknowledged) entry('ACKNOWLEDGED', e.acknowledged, { userId: 1 + (hash32(seed, 'ninja-tech', e.key) % 6) });
      if (e.reset) entry('RESET', e.reset);
    }
    const scripts = Math.floor(org.estate.knobs.endpoints / 20);
    for (let k = 0; k < scripts; k++) {
      const j = hash32(seed, 'ninja-script-dev', k) % org.estate.knobs.endpoints;
      const at = new Date(org.estate.now.getTime() - (1 + (hash32(seed, 'ninja-script-age', k) % (34 * 24 * 60))) * 60_000);
      rows.push({
        id: 0,
        activityTime: epochSeconds(at, seed, 'ninja-script', k),
        deviceId: inst.nodeId(org, j),
        seriesUid: guid(seed, 'ninja-script-run', k),
        activityType: 'ACTION',
        statusCode: 'COMPLETED',
        status: 'Completed',
        activityResult: 'SUCCESS',
        sourceName: 'Clear temp files',
        subject: 'Script run',
        message: 'Script "Clear temp files" completed',
        orgK: org.k,
        sortKey: `${org.k}:script-${k}`,
      });
    }
  }
  rows.sort((a, b) => a.activityTime - b.activityTime || (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0));
  const out = rows.map(({ sortKey: _sortKey, ...r }, i) => ({ ...r, id: ACTIVITY_ID_BASE + i }));
  if (activityCache.size >= 16) activityCache.clear();
  activityCache.set(cacheKey, out);
  return out;
}

export function renderPolicy(p: NinjaPolicy, now: Date): Row {
  return { ...p, updated: epochSeconds(new Date(now.getTime() - 30 * DAY_MS), 'policy', p.id), tags: [] };
}

export function renderOrganization(org: NinjaOrg, detailed: boolean): Row {
  const row: Row = {
    id: org.id,
    name: org.view.name,
    description: `Managed client ${org.view.name}`,
    nodeApprovalMode: 'MANUAL',
    tags: [],
    fields: {},
    userData: {},
  };
  if (detailed) {
    row.locations = [
      { id: org.id * 100 + 1, name: 'Head Office', address: '', description: '' },
      { id: org.id * 100 + 2, name: 'Branch Office', address: '', description: '' },
    ];
    row.policies = [
      { nodeRoleId: 1, policyId: 20 },
      { nodeRoleId: 2, policyId: 10 },
    ];
    row.settings = {};
  }
  return row;
}
