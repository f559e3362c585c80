/**
 * Portfolio changes at the shared vendor accounts between scans (issue 13): an MSP renames a client's organisation,
 * site or customer tenant, deletes it, or moves a device from one client to another. The host keeps them here,
 * vendor-neutral, and hands each vendor its share through `VendorTenantView.portfolio`; each vendor renders them in
 * its own API (NinjaOne: an organisation that 404s and a device whose `organizationId` changed; Datto: a site that
 * 404s; Acronis: a customer tenant outside the API client's subtree). `truth()` says which devices belong to which
 * tenant at this moment, so a test can check that no report holds another client's device.
 *
 * Ids never shift: a deleted client keeps its position among the vendor's tenants (organisation ids, node ids and
 * the shared account's credentials all derive from positions and seeds), as a real vendor never renumbers the
 * clients that remain. A moved device keeps its identity (NinjaOne node id, Datto device UID, Acronis resource id);
 * only the client it is listed under changes.
 */
import type { Estate, EstateDevice } from './estate.js';
import type { MovedDevice, VendorTenantView } from './vendor.js';

export type { MovedDevice, PortfolioView } from './vendor.js';

export type SourceKind = 'rmm' | 'backup';

/** What the host knows of a tenant, for the portfolio (its products and its current estate). */
export interface PortfolioTenant {
  id: string;
  /** The tenant's name in Ratchet's config (a rename at the vendor does not change it). */
  name: string;
  rmm?: string;
  backup?: string;
  estate: Estate | null;
}

/** A device of a tenant's estate, by where it was created: the tenant and its index in that estate. */
export interface DeviceOrigin {
  tenant: string;
  index: number;
}

/** A device a tenant holds now at a vendor (its own, or one moved in). */
export interface PortfolioDevice extends DeviceOrigin {
  name: string;
  isServer: boolean;
}

/** The backup workloads a tenant holds now: estate backup objects of the devices it holds. */
export interface PortfolioWorkload extends DeviceOrigin {
  /** The name the backup product shows (FQDN, short or NetBIOS-truncated). */
  name: string;
  /** The host name of the device it protects. */
  deviceName: string;
}

export interface PortfolioSourceTruth {
  provider: string;
  /** The client (organisation, site, customer tenant) no longer exists at the vendor. */
  removed: boolean;
  /** Estate devices listed under the client now (none once removed). */
  devices: PortfolioDevice[];
  /** Backup workloads of those devices (backup sources only; empty for an RMM). */
  workloads: PortfolioWorkload[];
}

/** Ground truth of one tenant at the vendors at this moment. */
export interface PortfolioTruth {
  id: string;
  /** The client's name at its vendors (after a rename). */
  vendorName: string;
  rmm: PortfolioSourceTruth | null;
  backup: PortfolioSourceTruth | null;
}

/** The live handle on the running simulator (`Simulator.portfolio`). Tenants are given by config id. */
export interface SimulatorPortfolio {
  /** Rename the client at every vendor the tenant uses (organisation, site, customer tenant). */
  rename(tenant: string, name: string): void;
  /**
   * Delete the client at its vendors (default both its RMM and its backup source): its id no longer exists there,
   * and its devices go with it (those moved away before stay where they are).
   */
  remove(tenant: string, kinds?: readonly SourceKind[]): void;
  /**
   * Move devices from one client to another at every vendor both tenants share (their RMM, their backup product or
   * both; at least one). Devices are given by name (as the tenant holds them now) or by index in `from`'s own
   * estate. Returns the devices moved.
   */
  moveDevice(from: string, to: string, devices: number | string | readonly (number | string)[]): PortfolioDevice[];
  /** Which devices and workloads belong to each tenant now (one tenant, or every tenant in config order). */
  truth(tenant: string): PortfolioTruth;
  truth(): PortfolioTruth[];
}

const key = (o: DeviceOrigin) => `${o.tenant}#${o.index}`;

function parseKey(k: string): DeviceOrigin {
  const at = k.lastIndexOf('#');
  return { tenant: k.slice(0, at), index: Number(k.slice(at + 1)) };
}

/**
 * The changes themselves. `lookup` resolves a tenant key (config id, or another key the host knows) to the tenant;
 * `changed` is called after every change (the host rebuilds its vendor views).
 */
export class PortfolioChanges implements SimulatorPortfolio {
  private readonly names = new Map<string, string>();
  private readonly removed = new Map<string, Set<SourceKind>>();
  /** Per source kind: origin key → the tenant holding the device now (absent: its origin). */
  private readonly owners: Record<SourceKind, Map<string, string>> = { rmm: new Map(), backup: new Map() };

  constructor(
    private readonly tenants: () => readonly PortfolioTenant[],
    private readonly lookup: (tenant: string) => PortfolioTenant,
    private readonly changed: () => void,
  ) {}

  /** Whether anything changed (vendors keep their fast paths otherwise). */
  get active(): boolean {
    return this.names.size > 0 || this.removed.size > 0 || this.owners.rmm.size > 0 || this.owners.backup.size > 0;
  }

  vendorName(tenant: PortfolioTenant): string {
    return this.names.get(tenant.id) ?? tenant.name;
  }

  isRemoved(tenantId: string, kind: SourceKind): boolean {
    return this.removed.get(tenantId)?.has(kind) ?? false;
  }

  rename(tenant: string, name: string): void {
    const t = this.lookup(tenant);
    if (name.trim() === '') throw new Error(`rename ${t.id}: the new name is empty`);
    this.names.set(t.id, name);
    this.changed();
  }

  remove(tenant: string, kinds: readonly SourceKind[] = ['rmm', 'backup']): void {
    const t = this.lookup(tenant);
    const present = kinds.filter((k) => t[k] !== undefined);
    if (present.length === 0) throw new Error(`remove ${t.id}: it has no ${kinds.join(' or ')} source`);
    const set = this.removed.get(t.id) ?? new Set<SourceKind>();
    for (const k of present) set.add(k);
    this.removed.set(t.id, set);
    this.changed();
  }

  moveDevice(from: string, to: string, devices: number | string | readonly (number | string)[]): PortfolioDevice[] {
    const src = this.lookup(from);
    const dst = this.lookup(to);
    if (src.id === dst.id) throw new Error(`moveDevice: ${src.id} to itself`);
    const kinds = (['rmm', 'backup'] as const).filter((k) => src[k] !== undefined && src[k] === dst[k]);
    if (kinds.length === 0) throw new Error(`moveDevice ${src.id} → ${dst.id}: they share no vendor (rmm ${src.rmm ?? '-'}/${dst.rmm ?? '-'}, backup ${src.backup ?? '-'}/${dst.backup ?? '-'})`);
    for (const k of kinds) {
      if (this.isRemoved(src.id, k) || this.isRemoved(dst.id, k)) throw new Error(`moveDevice ${src.id} → ${dst.id}: one of them was removed from its ${k}`);
    }
    const held = this.held(src, kinds[0]!);
    const moved: PortfolioDevice[] = [];
    for (const wanted of Array.isArray(devices) ? (devices as readonly (number | string)[]) : [devices as number | string]) {
      const device =
        typeof wanted === 'number'
          ? held.find((d) => d.tenant === src.id && d.index === wanted)
          : held.find((d) => d.name.toLowerCase() === wanted.toLowerCase() && !moved.some((m) => m.tenant === d.tenant && m.index === d.index));
      if (!device) throw new Error(`moveDevice: ${src.id} holds no device ${JSON.stringify(wanted)}`);
      for (const k of kinds) {
        if (device.tenant === dst.id) this.owners[k].delete(key(device));
        else this.owners[k].set(key(device), dst.id);
      }
      moved.push(device);
    }
    this.changed();
    return moved;
  }

  truth(tenant: string): PortfolioTruth;
  truth(): PortfolioTruth[];
  truth(tenant?: string): PortfolioTruth | PortfolioTruth[] {
    if (tenant !== undefined) return this.truthOf(this.lookup(tenant));
    return this.tenants().map((t) => this.truthOf(t));
  }

  /**
   * The portfolio share of each view of one vendor (`kind` is the vendor's): names after renames, and `portfolio`
   * on every view when anything changed. Views keep their positions (ids derive from them).
   */
  decorate(views: VendorTenantView[], kind: SourceKind): VendorTenantView[] {
    if (!this.active) return views;
    const out = views.map((v) => ({ ...v, name: this.names.get(v.id) ?? v.name }));
    const shares = new Map(out.map((v) => [v.id, { removed: this.isRemoved(v.id, kind), movedOut: new Set<number>(), movedIn: [] as MovedDevice[] }]));
    const outById = new Map(out.map((v) => [v.id, v]));
    for (const [k, owner] of this.owners[kind]) {
      const origin = parseKey(k);
      const from = outById.get(origin.tenant);
      const share = shares.get(owner);
      if (!from || !share || origin.index >= from.estate.knobs.endpoints) continue;
      shares.get(origin.tenant)!.movedOut.add(origin.index);
      share.movedIn.push({ from, device: origin.index });
    }
    for (const v of out) v.portfolio = shares.get(v.id)!;
    return out;
  }

  /** The devices a tenant holds now at its `kind` source (own ones not moved away, plus those moved in). */
  private held(t: PortfolioTenant, kind: SourceKind): PortfolioDevice[] {
    if (t[kind] === undefined || this.isRemoved(t.id, kind)) return [];
    const out: PortfolioDevice[] = [];
    const owners = this.owners[kind];
    if (t.estate) {
      for (const d of t.estate.devices()) if (!owners.has(key({ tenant: t.id, index: d.index }))) out.push(device(t.id, d));
    }
    for (const [k, owner] of owners) {
      if (owner !== t.id) continue;
      const origin = parseKey(k);
      const src = this.lookup(origin.tenant);
      if (src.estate && origin.index < src.estate.knobs.endpoints) out.push(device(src.id, src.estate.device(origin.index)));
    }
    return out;
  }

  private truthOf(t: PortfolioTenant): PortfolioTruth {
    const source = (kind: SourceKind): PortfolioSourceTruth | null => {
      const provider = t[kind];
      if (provider === undefined) return null;
      const devices = this.held(t, kind);
      const workloads: PortfolioWorkload[] = [];
      if (kind === 'backup') {
        const wanted = new Set(devices.map(key));
        const origins = new Set(devices.map((d) => d.tenant));
        for (const id of origins) {
          const estate = this.lookup(id).estate;
          for (const o of estate?.backupObjects() ?? []) {
            if (wanted.has(key({ tenant: id, index: o.deviceIndex }))) {
              workloads.push({ tenant: id, index: o.deviceIndex, name: o.name, deviceName: estate!.device(o.deviceIndex).name });
            }
          }
        }
      }
      return { provider, removed: this.isRemoved(t.id, kind), devices, workloads };
    };
    return { id: t.id, vendorName: this.vendorName(t), rmm: source('rmm'), backup: source('backup') };
  }
}

function device(tenant: string, d: EstateDevice): PortfolioDevice {
  return { tenant, index: d.index, name: d.name, isServer: d.isServer };
}

/** Path prefix of the simulator's admin route for portfolio changes (loopback only, like the whole simulator). */
export const PORTFOLIO_ROUTE = '/_simulator/portfolio';

/**
 * The admin route, for a simulator started outside a test (`ratchet simulate`, the demo): `GET` → every tenant's
 * truth (`?tenant=ID` → one); `POST` with a JSON body `{"rename": {"tenant", "name"}}`, `{"remove": {"tenant",
 * "kinds"?}}` or `{"move": {"from", "to", "devices"}}` → the change, answered with the tenants' truth after it.
 * Null when the path is not this route.
 */
export function portfolioRoute(portfolio: SimulatorPortfolio, method: string, path: string, query: URLSearchParams, rawBody: string): { status: number; body: unknown } | null {
  if (path !== PORTFOLIO_ROUTE) return null;
  try {
    if (method === 'GET') {
      const tenant = query.get('tenant');
      return { status: 200, body: tenant ? portfolio.truth(tenant) : portfolio.truth() };
    }
    if (method !== 'POST') return { status: 405, body: { error: 'method_not_allowed', error_description: 'GET or POST' } };
    const body = JSON.parse(rawBody || '{}') as {
      rename?: { tenant: string; name: string };
      remove?: { tenant: string; kinds?: SourceKind[] };
      move?: { from: string; to: string; devices: number | string | Array<number | string> };
    };
    if (body.rename) portfolio.rename(body.rename.tenant, body.rename.name);
    else if (body.remove) portfolio.remove(body.remove.tenant, body.remove.kinds);
    else if (body.move) portfolio.moveDevice(body.move.from, body.move.to, body.move.devices);
    else return { status: 400, body: { error: 'invalid_request', error_description: 'expected one of rename, remove, move' } };
    return { status: 200, body: portfolio.truth() };
  } catch (err) {
    return { status: 400, body: { error: 'invalid_request', error_description: (err as Error).message } };
  }
}
