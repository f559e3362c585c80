/**
 * Datto RMM renderer: one simulated Datto RMM account (the MSP's) with one site per simulated tenant, rendered from
 * each tenant's Estate in the shapes production sends (pncit/datto-rmm-api-client: spec/openapi.json plus its
 * documented production defects): `Device` with `deviceType{category,type}`, `deviceClass`, `online`, `lastSeen`
 * and every other timestamp as **epoch milliseconds**, pervasive `null`s, `udf{udf1…}`, `antivirus{…}`,
 * `patchManagement{…}`; `Alert` with `priority`, `timestamp` (epoch ms), `muted` and a Jackson `@class`-tagged
 * `alertContext`. Computed on demand from (site, position): a page costs O(page size).
 *
 * Site node j < endpoints is estate device j; the rest are nodes a correct collector leaves out (a printer, an SNMP
 * switch/firewall, an ESXi host, a suspended agent).
 *
 * Portfolio changes (VendorTenantView.portfolio): a deleted site keeps its position but `siteByUid` no longer finds
 * it (404, as for any unknown UID) and its devices vanish; a moved device keeps its UID and id and is listed, with
 * its open alerts, under the site holding it now (`siteUid`/`siteName` of that site).
 *
 * ## patchStatus (the only patch data Datto has: no dates, no severities)
 * Datto's per-device summary cannot say "approved patch pending longer than 30 days"; what it says is whether a
 * patch policy covers the device (`NoPolicy` otherwise) and whether its last run failed (`InstallError`). Rendered:
 * - a failed device → `InstallError`;
 * - a device under an automated policy → `FullyPatched` (some `RebootRequired`), or `ApprovedPending` when approved
 *   patches are waiting (every non-compliant automated device: Datto gives no age to show them overdue);
 * - any other device → `NoPolicy`.
 * With the collector's documented derivation (compliant = FullyPatched|ApprovedPending|RebootRequired, automated =
 * those + InstallError) that yields `failed` = the estate's failed count and `automated` = the estate's automated
 * count exactly — a failed device outside automation would count as automated, so as many automated devices
 * (overdue ones first) are rendered `NoPolicy` instead — and `compliant` = automated − failed. That equals the
 * estate's `compliant` whenever the estate is consistent with Datto's model (automated = compliant + failed);
 * otherwise it differs by exactly what Datto cannot see (overdue patches under a working policy look compliant,
 * patched devices without a policy look non-compliant). See vendorTruth in datto-rmm.ts.
 */
import type { Estate, EstateAlert, EstateDevice } from '../../../src/simulator/estate.js';
import { guid } from '../../../src/simulator/ids.js';
import { hash32 } from '../../../src/simulator/prng.js';
import type { VendorTenantView } from '../../../src/simulator/vendor.js';

const DAY_MS = 86_400_000;

export type Row = Record<string, unknown>;

export interface DattoSite {
  k: number;
  id: number;
  uid: string;
  name: string;
  view: VendorTenantView;
  estate: Estate;
  /** Estate devices + extra nodes. */
  nodes: number;
  /** Deleted from the account (portfolio change): unknown by UID, its devices gone. */
  removed: boolean;
}

/** A node of the account: its site and position there (where it was created). */
export interface DattoNode {
  site: DattoSite;
  j: number;
}

export function extraNodes(endpoints: number): number {
  return endpoints > 0 ? 1 + Math.floor(endpoints / 50) : 0;
}

export function siteUidOf(view: Pick<VendorTenantView, 'seed'>): string {
  return guid(view.seed, 'datto-site');
}

export class DattoAccount {
  readonly sites: DattoSite[];
  readonly uid: string;
  readonly totalNodes: number;
  /** Some portfolio change is in force: listings resolve each node's site instead of taking the fast paths. */
  readonly changed: boolean;
  /** `<site position>:<node>` of a moved device → the site holding it now. */
  private readonly moved = new Map<string, DattoSite>();

  constructor(views: readonly VendorTenantView[]) {
    this.sites = views.map((view, k) => ({
      k,
      id: 1000 + 7 * k,
      uid: siteUidOf(view),
      name: view.name,
      view,
      estate: view.estate,
      nodes: view.estate.knobs.endpoints + extraNodes(view.estate.knobs.endpoints),
      removed: view.portfolio?.removed ?? false,
    }));
    this.uid = `acc-${(hash32('datto-account', ...views.map((v) => v.seed)) % 1_000_000).toString(36)}`;
    this.changed = views.some((v) => v.portfolio !== undefined);
    for (const owner of this.sites) {
      for (const m of owner.view.portfolio?.movedIn ?? []) {
        const from = this.siteOfTenant(m.from.id);
        if (from) this.moved.set(`${from.k}:${m.device}`, owner);
      }
    }
    this.totalNodes = this.changed ? this.sites.reduce((n, s) => n + this.nodesOf(s).length, 0) : this.sites.reduce((n, s) => n + s.nodes, 0);
  }

  /** The site with this UID, unless it does not exist (or no longer does). */
  siteByUid(uid: string): DattoSite | undefined {
    return this.sites.find((s) => s.uid === uid.toLowerCase() && !s.removed);
  }

  /** The site node j of `site` is listed under now; undefined once that site was deleted. */
  ownerOf(site: DattoSite, j: number): DattoSite | undefined {
    const owner = this.moved.get(`${site.k}:${j}`) ?? site;
    return owner.removed ? undefined : owner;
  }

  /** The nodes listed under a site now: its own (not moved away), then those moved in. */
  nodesOf(site: DattoSite): DattoNode[] {
    if (site.removed) return [];
    const out: DattoNode[] = [];
    for (let j = 0; j < site.nodes; j++) if (!this.changed || this.ownerOf(site, j) === site) out.push({ site, j });
    for (const [key, owner] of this.moved) {
      if (owner !== site) continue;
      const [k, j] = key.split(':').map(Number) as [number, number];
      out.push({ site: this.sites[k]!, j });
    }
    return out;
  }

  siteOfTenant(tenantId: string): DattoSite | undefined {
    return this.sites.find((s) => s.view.id === tenantId);
  }

  /** Node at position p of the account-wide listing (sites one after the other; without portfolio changes). */
  accountNode(p: number): { site: DattoSite; j: number } | null {
    let rest = p;
    for (const site of this.sites) {
      if (rest < site.nodes) return { site, j: rest };
      rest -= site.nodes;
    }
    return null;
  }
}

// ------------------------------------------------------------------------------------------------ patch status

const demotedCache = new WeakMap<Estate, ReadonlySet<number>>();

/**
 * Automated, non-failed devices rendered `NoPolicy` so that the automated count stays exact: one per failed device
 * outside automation (its `InstallError` counts as automated). Overdue devices first. O(n) once per estate.
 */
function demoted(estate: Estate): ReadonlySet<number> {
  let set = demotedCache.get(estate);
  if (set) return set;
  const out = new Set<number>();
  if (estate.knobs.patchFailedDevices > 0) {
    let needed = 0;
    const overdue: number[] = [];
    const current: number[] = [];
    for (const d of estate.devices()) {
      if (d.patch.failed && !d.patch.automated) needed++;
      else if (!d.patch.failed && d.patch.automated) (d.patch.compliant ? current : overdue).push(d.index);
    }
    for (const i of [...overdue, ...current].slice(0, needed)) out.add(i);
  }
  set = out;
  demotedCache.set(estate, set);
  return set;
}

export type PatchStatus = 'FullyPatched' | 'ApprovedPending' | 'RebootRequired' | 'InstallError' | 'NoPolicy';

export function patchStatusOf(estate: Estate, d: EstateDevice, seed: number): PatchStatus {
  if (d.patch.failed) return 'InstallError';
  if (d.patch.automated && !demoted(estate).has(d.index)) {
    if (!d.patch.compliant || d.patch.oldestPendingDays > 0) return 'ApprovedPending';
    return hash32(seed, 'datto-reboot', d.index) % 25 === 0 ? 'RebootRequired' : 'FullyPatched';
  }
  return 'NoPolicy';
}

function patchManagement(estate: Estate, d: EstateDevice, seed: number): Row {
  const status = patchStatusOf(estate, d, seed);
  const h = hash32(seed, 'datto-patch-counts', d.index);
  const installed = 150 + (h % 350);
  switch (status) {
    case 'InstallError':
      return { patchStatus: status, patchesApprovedPending: 1 + (h % 4), patchesNotApproved: h % 6, patchesInstalled: installed };
    case 'ApprovedPending':
      return { patchStatus: status, patchesApprovedPending: 1 + (h % 7), patchesNotApproved: h % 4, patchesInstalled: installed };
    case 'NoPolicy':
      return { patchStatus: status, patchesApprovedPending: 0, patchesNotApproved: 5 + (h % 30), patchesInstalled: installed };
    default:
      return { patchStatus: status, patchesApprovedPending: 0, patchesNotApproved: h % 3, patchesInstalled: installed };
  }
}

// ------------------------------------------------------------------------------------------------ devices

const AV_STATUS: Record<EstateDevice['av']['state'], string> = {
  on: 'RunningAndUpToDate',
  off: 'NotRunning',
  outdated: 'RunningAndNotUpToDate',
  missing: 'NotDetected',
};

const EXTRA_KINDS = [
  { label: 'PRN', deviceClass: 'printer', category: 'Printer', type: 'Printer', os: null },
  { label: 'SW', deviceClass: 'rmmnetworkdevice', category: 'Network Device', type: 'Switch', os: null },
  { label: 'ESX', deviceClass: 'esxihost', category: 'ESXi Host', type: 'ESXi Host', os: 'VMware ESXi 8.0.2 build-22380479' },
  { label: 'WS', deviceClass: 'device', category: 'Desktop', type: 'Desktop', os: 'Microsoft Windows 10 Pro 22H2 19045', suspended: true },
  { label: 'FW', deviceClass: 'rmmnetworkdevice', category: 'Network Device', type: 'Firewall', os: null },
] as const;

function udfs(seed: number, j: number, site: DattoSite): Row {
  const out: Row = {};
  for (let i = 1; i <= 30; i++) out[`udf${i}`] = null;
  out.udf1 = hash32(seed, 'datto-udf', j) % 3 === 0 ? 'Finance' : null;
  out.udf2 = site.name;
  return out;
}

function ip(seed: number, j: number): string {
  return `10.${(seed >>> 10) & 0x3f}.${1 + (Math.floor(j / 250) % 250)}.${1 + (j % 250)}`;
}

function prefixOf(estate: Estate): string {
  return estate.domain.split('.')[0]!.toUpperCase().slice(0, 8);
}

export function deviceUid(site: DattoSite, j: number): string {
  return guid(site.view.seed, 'datto-device', j);
}

function deviceId(site: DattoSite, j: number): number {
  return site.id * 100_000 + j + 1;
}

/** One node as the device listings render it; `owner`: the site it is listed under now, when it was moved there. */
export function renderHeldDevice(node: DattoNode, owner: DattoSite): Row {
  const row = renderDevice(node.site, node.j);
  if (owner === node.site) return row;
  return { ...row, siteId: owner.id, siteUid: owner.uid, siteName: owner.name, udf: { ...(row.udf as Row), udf2: owner.name } };
}

/** One node as the device listings render it (in the site it was created in). */
export function renderDevice(site: DattoSite, j: number): Row {
  const seed = site.view.seed;
  const now = site.estate.now.getTime();
  const uid = deviceUid(site, j);
  const id = deviceId(site, j);
  const created = now - (120 + (hash32(seed, 'datto-created', j) % 900)) * DAY_MS;
  const common = {
    id,
    uid,
    siteId: site.id,
    siteUid: site.uid,
    siteName: site.name,
  };
  const urls = {
    portalUrl: `https://merlot.centrastage.net/csm/search?qs=uid%3A${uid}`,
    warrantyDate: null,
    webRemoteUrl: `https://merlot.centrastage.net/csm/remote/rto/${id}`,
  };
  if (j >= site.estate.knobs.endpoints) {
    const e = j - site.estate.knobs.endpoints;
    const kind = EXTRA_KINDS[e % EXTRA_KINDS.length]!;
    const name = `${prefixOf(site.estate)}-${kind.label}-${String(Math.floor(e / EXTRA_KINDS.length) + 1).padStart(2, '0')}`;
    const agent = kind.deviceClass === 'device';
    const seen = now - (agent ? 30 * DAY_MS : (1 + (hash32(seed, 'datto-extra-seen', e) % 30)) * 60_000);
    return {
      ...common,
      deviceType: { category: kind.category, type: kind.type },
      hostname: name,
      intIpAddress: ip(seed, j),
      operatingSystem: kind.os,
      lastLoggedInUser: null,
      domain: agent ? site.estate.domain : null,
      cagVersion: agent ? '4.4.2181' : null,
      displayVersion: null,
      extIpAddress: null,
      description: null,
      a64Bit: agent ? true : null,
      rebootRequired: null,
      online: !agent,
      suspended: 'suspended' in kind,
      deleted: false,
      lastSeen: seen,
      lastReboot: null,
      lastAuditDate: agent ? seen : null,
      creationDate: created,
      udf: udfs(seed, j, site),
      snmpEnabled: !agent,
      deviceClass: kind.deviceClass,
      ...urls,
      antivirus: agent ? { antivirusProduct: 'Windows Defender', antivirusStatus: 'RunningAndUpToDate' } : null,
      patchManagement: agent ? { patchStatus: 'FullyPatched', patchesApprovedPending: 0, patchesNotApproved: 0, patchesInstalled: 310 } : null,
      softwareStatus: agent ? 'Compliant' : null,
      networkProbe: false,
      onboardedViaNetworkMonitor: !agent,
    };
  }
  const d = site.estate.device(j);
  const minutesAgo = (now - d.lastContact.getTime()) / 60_000;
  const pm = patchManagement(site.estate, d, seed);
  const laptop = d.name.includes('-LT-');
  return {
    ...common,
    deviceType: d.isServer
      ? { category: 'Server', type: hash32(seed, 'datto-chassis', j) % 2 === 0 ? 'Rack Mount Chassis' : 'Main System Chassis' }
      : laptop
        ? { category: 'Laptop', type: 'Notebook' }
        : { category: 'Desktop', type: 'Desktop' },
    hostname: d.name,
    intIpAddress: ip(seed, j),
    operatingSystem: d.isServer ? 'Microsoft Windows Server 2022 Standard 20348' : 'Microsoft Windows 11 Pro 23H2 22631',
    lastLoggedInUser: d.isServer ? `${prefixOf(site.estate)}\\administrator` : `${prefixOf(site.estate)}\\user${1 + (j % 97)}`,
    domain: site.estate.domain,
    cagVersion: '4.4.2181',
    displayVersion: d.isServer ? '21H2' : '23H2',
    extIpAddress: `203.0.113.${1 + (seed % 250)}`,
    description: null,
    a64Bit: true,
    rebootRequired: pm.patchStatus === 'RebootRequired',
    online: minutesAgo <= 10,
    suspended: false,
    deleted: false,
    lastSeen: d.lastContact.getTime(),
    lastReboot: d.lastContact.getTime() - (1 + (hash32(seed, 'datto-reboot-at', j) % 20)) * DAY_MS,
    lastAuditDate: d.lastContact.getTime() - (hash32(seed, 'datto-audit', j) % 12) * 3_600_000,
    creationDate: created,
    udf: udfs(seed, j, site),
    snmpEnabled: false,
    deviceClass: 'device',
    ...urls,
    antivirus: { antivirusProduct: d.av.state === 'missing' ? null : d.av.product === 'Microsoft Defender Antivirus' ? 'Windows Defender' : d.av.product, antivirusStatus: AV_STATUS[d.av.state] },
    patchManagement: pm,
    softwareStatus: hash32(seed, 'datto-sw', j) % 10 === 0 ? 'Non-Compliant' : 'Compliant',
    networkProbe: d.isServer && hash32(seed, 'datto-probe', j) % 5 === 0,
    onboardedViaNetworkMonitor: false,
  };
}

// ------------------------------------------------------------------------------------------------ alerts

function alertContext(a: EstateAlert, d: EstateDevice): Row {
  switch (a.message) {
    case 'Agent offline':
      return { '@class': 'online_offline_status_ctx', status: 'OFFLINE' };
    case 'Service Spooler stopped':
      return { '@class': 'srvc_status_ctx', serviceName: 'Spooler', status: 'STOPPED' };
    case 'Disk C: below 10 % free':
      return { '@class': 'perf_disk_usage_ctx', diskName: 'C:', totalVolume: d.isServer ? 476 : 237, freeSpace: 9.4, unitOfMeasure: 'GB' };
    default:
      return { '@class': 'perf_resource_usage_ctx', type: 'CPU', percentage: 90 + (a.id % 10) + 0.5 };
  }
}

/**
 * Open alerts of one site, newest first (Datto's listing order). With portfolio changes (`account`), an alert goes
 * with its device: the alerts of the devices the site holds now, wherever they came from.
 */
export function alertRows(site: DattoSite, account?: DattoAccount): Row[] {
  if (account?.changed) {
    if (site.removed) return [];
    return account.sites.flatMap((origin) =>
      rawAlertRows(origin)
        .filter((r) => account.ownerOf(origin, r.deviceIndex) === site)
        .map((r) => (origin === site ? r.row : { ...r.row, alertSourceInfo: { ...(r.row.alertSourceInfo as Row), siteUid: site.uid, siteName: site.name } })),
    );
  }
  return rawAlertRows(site).map((r) => r.row);
}

function rawAlertRows(site: DattoSite): Array<{ deviceIndex: number; row: Row }> {
  const seed = site.view.seed;
  return site.estate
    .alerts()
    .map((a) => {
      const h = hash32(seed, 'datto-alert', a.id);
      const d = site.estate.device(a.deviceIndex);
      const row: Row = {
        alertUid: guid(seed, 'datto-alert', a.id),
        priority: a.critical ? (h % 2 === 0 ? 'Critical' : 'High') : (['Moderate', 'Low', 'Information'] as const)[h % 3],
        diagnostics: a.message === 'Agent offline' ? null : a.message,
        resolved: false,
        resolvedBy: null,
        resolvedOn: null,
        muted: !a.critical && h % 7 === 0,
        ticketNumber: h % 4 === 0 ? `T${20240000 + (h % 9999)}` : null,
        timestamp: a.created.getTime(),
        alertMonitorInfo: { sendsEmails: true, createsTicket: h % 4 === 0 },
        alertContext: alertContext(a, d),
        alertSourceInfo: { deviceUid: deviceUid(site, a.deviceIndex), deviceName: d.name, siteUid: site.uid, siteName: site.name },
        responseActions: [],
        autoresolveMins: a.message === 'Agent offline' ? 0 : null,
      };
      return { deviceIndex: a.deviceIndex, row };
    })
    .reverse();
}

// ------------------------------------------------------------------------------------------------ sites, account

export function renderSite(site: DattoSite, accountUid: string): Row {
  let online = 0;
  const n = site.estate.knobs.endpoints;
  const now = site.estate.now.getTime();
  // The roll-up counts agents online now; computing it is O(n), fine for a listing of sites.
  for (const d of site.estate.devices()) if (now - d.lastContact.getTime() <= 600_000) online++;
  return {
    id: site.id,
    uid: site.uid,
    accountUid,
    name: site.name,
    description: `Managed client ${site.name}`,
    notes: null,
    onDemand: false,
    splashtopAutoInstall: true,
    proxy: null,
    devicesStatus: { numberOfDevices: n, numberOfOnlineDevices: online, numberOfOfflineDevices: n - online },
    autotaskCompanyName: null,
    autotaskCompanyId: null,
    portalUrl: `https://merlot.centrastage.net/csm/site/${site.uid}`,
  };
}
