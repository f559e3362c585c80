/**
 * The plug-in points for vendor APIs in the simulator; each vendor lives in collectors/<id>/simulator/ and is
 * injected into the host (src/app/simulator.ts passes every one collectors/index.ts lists). Two kinds:
 *
 * - RMM and backup vendors (VendorSimulator) render the same vendor-neutral Estate (./estate.ts) with the vendor's
 *   own paths, auth, paging, field names, time formats and throttle signals, mounted under their own path prefix
 *   (`https://127.0.0.1:PORT/<id>`): the collector's `baseUrl` is that prefix, so every path it builds lands here
 *   unchanged. A tenant names the one it uses (TenantSpec.rmm / .backup).
 * - A directory vendor (DirectorySimulator) is the tenant's identity and productivity platform: every tenant has
 *   one, with state of its own (its users, its app registration) built from the tenant's profile. Its clients
 *   expect it at the root of a host (an authority and an API endpoint, not a base path), so it is mounted at the
 *   root and answers every request no prefixed vendor claims.
 */
import type { DnsRecord } from './dns.js';
import type { Estate } from './estate.js';
import type { FaultConfig, FaultDecision } from './faults.js';
import type { ProfileName } from './levels.js';
import type { TenantSpec } from './tenant-spec.js';
import type { BearerTokens } from './tokens.js';

export interface VendorTenantView {
  /** Ratchet config id of the tenant. */
  id: string;
  /** The client's name at the vendor (organisation, site, customer tenant): the tenant's, unless renamed there. */
  name: string;
  /** Stable per-tenant seed (numbers, ids, credentials derive from it). */
  seed: number;
  estate: Estate;
  /** Tenant faults merged over the simulator's. */
  faults: FaultConfig;
  /**
   * Portfolio changes at the vendor (Simulator.portfolio, ./portfolio.ts): the client deleted, devices moved in or
   * out. Absent while nothing changed anywhere, so a vendor may keep its fast paths.
   */
  portfolio?: PortfolioView;
}

/** A device moved into a client: the view of the client it came from, and its index in that client's estate. */
export interface MovedDevice {
  from: VendorTenantView;
  device: number;
}

/** A vendor's share of the portfolio changes for one of its tenants (./portfolio.ts; absent: nothing changed). */
export interface PortfolioView {
  /** The client no longer exists at the vendor: its id answers as the vendor answers an unknown one. */
  removed: boolean;
  /** Indexes of the tenant's own estate devices that are now listed under another client. */
  movedOut: ReadonlySet<number>;
  /** Devices of other clients' estates now listed under this one. */
  movedIn: readonly MovedDevice[];
}

export interface VendorRequest {
  method: string;
  /** Path after the vendor prefix, e.g. `/v2/devices` for `/<id>/v2/devices` (the whole path for a root mount). */
  path: string;
  query: URLSearchParams;
  /** The query string as sent (`?…`, or empty), for keys that must not depend on re-encoding. */
  search: string;
  headers: Record<string, string | undefined>;
  rawBody: string;
}

export interface VendorResponse {
  /** 0 = send nothing (the client is gone). */
  status: number;
  headers?: Record<string, string>;
  /** JSON body (serialised by the server). */
  body?: unknown;
  /** Raw text instead of JSON (malformed-payload faults). */
  rawBody?: string;
}

export interface VendorContext<V = VendorTenantView> {
  /** Absolute base URL of this vendor on the simulator, e.g. `https://127.0.0.1:4443/<id>` (no path for a root mount). */
  baseUrl: string;
  /** Every simulated tenant that uses this vendor. */
  tenants: readonly V[];
  /** The simulator-wide faults (each tenant view carries its own, merged over these). */
  faults: FaultConfig;
  now: Date;
  /**
   * The fault decision for this request (stall/429/5xx/403 by the tenant's FaultConfig; `path` is matched against
   * the fault path lists *with* the vendor prefix, e.g. `/<id>/v2/devices`). Call it once
   * per request, after authentication has told you the tenant (use the simulator-wide faults before that).
   * `allowStall: false` draws no stall (a request answered after a stall it already sat out).
   */
  decide(faults: FaultConfig, key: string, path: string, opts?: { allowStall: boolean }): FaultDecision;
  /**
   * Latency (ms) the faults add to the request `key`. The host waits it out before a prefixed vendor sees the
   * request; a root-mounted vendor learns the tenant first, so it draws and sleeps itself.
   */
  latency(faults: FaultConfig, key: string): number;
  /** Whether a path is listed in one of the path faults (malformed / schemaViolation). */
  listed(list: readonly string[] | undefined, path: string): boolean;
  /** Record the request for stats (`route` like `GET /<id>/v2/devices`). */
  record(route: string, status: number, tenantId?: string): void;
  /**
   * Wait (latency, stall faults). Resolves false when the client hung up meanwhile: then return `{ status: 0 }`
   * (nothing is sent) — and record the request as 499.
   */
  sleep(ms: number): Promise<boolean>;
  /**
   * This vendor's bearer-token store on this simulator (the same store on every call; `T` is what a token stands
   * for). A token issued by another simulator run, or by another vendor, is unknown here.
   */
  tokens<T extends object = Record<never, never>>(): BearerTokens<T>;
  /** This vendor's own state on this simulator (signing keys…): `create()` on the first call, the same value after. */
  local<T>(create: () => T): T;
  /**
   * The account-wide request limit this vendor should enforce instead of its documented one
   * (`SimulatorOptions.accountRateLimits`), for tests that need the limit to bind within seconds. Undefined = the
   * vendor's own. Vendors that model no account limit ignore it.
   */
  accountRateLimit?: AccountRateLimit;
}

/** Requests per rolling window of `perSeconds`, counted across one vendor account. */
export interface AccountRateLimit {
  requests: number;
  perSeconds: number;
}

/** A vendor's config section of one tenant (DESIGN §4), pointing at the simulator, with the secrets split out. */
export interface VendorConfigSection {
  section: Record<string, unknown>;
  /** Field of `section` → its secret value; configFor replaces each with a `${env:…}` reference. */
  secrets: Record<string, string>;
  /**
   * Field → name of its environment variable after `<PREFIX>_<TENANT>_` (default `<KIND>_<FIELD>`, e.g.
   * `RMM_CLIENT_SECRET`).
   */
  secretNames?: Record<string, string>;
  /**
   * A directory vendor's shared app (DESIGN §12 `defaults.<key>`): its block, and this tenant's section when the
   * tenant draws on it (undefined: the tenant keeps its own app, e.g. the shared app is not consented there).
   */
  shared?: { defaults: VendorConfigSection; section?: Record<string, unknown> };
}

export interface VendorSimulator {
  /** The provider id in Ratchet's config (the registry's) and the path prefix the API is mounted under. */
  id: string;
  kind: 'rmm' | 'backup';
  handle(req: VendorRequest, ctx: VendorContext): Promise<VendorResponse> | VendorResponse;
  /**
   * The tenant's config section (DESIGN §4 `rmm:`/`backup:`), pointing at `baseUrl`, with secrets split out:
   * `secrets` maps a field of `section` to its value; configFor() replaces them with `${env:…}` references.
   */
  configSection(tenant: VendorTenantView, baseUrl: string, all: readonly VendorTenantView[]): VendorConfigSection;
  /** Fields of the estate truth this vendor's API cannot supply (set to null in the expected evidence). */
  unsupported?: Partial<Record<string, readonly string[]>>;
}

/** A tenant as its directory vendor sees it: `state` is what the vendor built for it (createTenant/reprofile). */
export interface DirectoryTenantView<S = unknown> {
  /** Ratchet config id of the tenant. */
  id: string;
  name: string;
  profile: ProfileName;
  /** Tenant faults merged over the simulator's. */
  faults: FaultConfig;
  state: S;
}

/** What the host hands a directory vendor to build a tenant's state. */
export interface DirectoryTenantInput {
  /** Ratchet config id. */
  id: string;
  /** The spec as given (the vendor reads its own fields from it: credentials, knobs, domain). */
  spec: TenantSpec;
  /** Seed of all generated data (the spec's, or the id). */
  seed: number | string;
  profile: ProfileName;
  /** Reference time of generated data (SimulatorOptions.now); undefined = now. */
  now: Date | undefined;
  /** Where the simulator keeps its certificates (client certificates the vendor issues go there too). */
  certDir: string;
  /**
   * This vendor's own state on this simulator, the same store as VendorContext.local: what the directory holds once
   * per simulator rather than per tenant (the Microsoft 365 directory's MSP partner tenant and its app).
   */
  local<T>(create: () => T): T;
}

/** Change of a tenant's data (Simulator.setProfile): a profile, knob overrides, or both; the vendor defines the knobs. */
export type ProfileChange = ProfileName | { profile?: ProfileName; knobs?: Readonly<Record<string, unknown>> } | Readonly<Record<string, unknown>>;

export interface DirectorySimulator<S = unknown> {
  /** The provider id in Ratchet's config, also the key of its config section (DESIGN §4). */
  id: string;
  kind: 'directory';
  handle(req: VendorRequest, ctx: VendorContext<DirectoryTenantView<S>>): Promise<VendorResponse> | VendorResponse;
  /** The tenant's state at start (may issue credentials, write certificates). */
  createTenant(input: DirectoryTenantInput): Promise<S>;
  /** The tenant's state after Simulator.setProfile (`profile` is already resolved from `change`). */
  reprofile(state: S, profile: ProfileName, change: ProfileChange, now: Date | undefined): S;
  /** More keys the tenant is found by (besides its config id), e.g. its directory id and domain. */
  keys(state: S): string[];
  /** Fields the vendor adds to the tenant's SimulatedTenantInfo (credentials, the knobs in force). */
  info(state: S): object;
  /** What a fresh scan with the default rules should infer under these faults (null: no promise). */
  expected(state: S, faults: FaultConfig): { level: number | null; potential: number | null };
  /** Ground truth of the tenant's data, in the evidence vocabulary (Simulator.truth). */
  truth(state: S): unknown;
  /** `preferCertificate`: use a registered client certificate instead of the secret where the tenant has one. */
  configSection(tenant: DirectoryTenantView<S>, baseUrl: string, opts: { preferCertificate?: boolean }): VendorConfigSection;
  /**
   * The DNS records the tenant publishes under its own domains (`apexes`), e.g. mail authentication. When defined,
   * the host serves them from a loopback DNS server (./dns.ts) and configFor points the directory's section at it.
   */
  dnsZone?(state: S): { apexes: string[]; records: DnsRecord[] };
}

/** Anything the host can serve. */
export type SimulatorPlugin = VendorSimulator | DirectorySimulator;
