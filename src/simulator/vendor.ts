/**
 * The plug-in point for RMM and backup vendor APIs in the simulator; each lives in collectors/<id>/simulator/ and is
 * injected into the host (src/app/simulator.ts passes every one collectors/index.ts lists). Each renders the same
 * vendor-neutral Estate (../estate.ts) with the vendor's own paths, auth, paging, field names, time formats and
 * throttle signals, mounted under its own path prefix on the simulator's TLS server (`https://127.0.0.1:PORT/<id>`):
 * the collector's `baseUrl` is that prefix, so every path the collector builds lands here unchanged.
 */
import type { Estate } from './estate.js';
import type { FaultConfig, FaultDecision } from './faults.js';
import type { BearerTokens } from './tokens.js';

export interface VendorTenantView {
  /** Ratchet config id of the tenant. */
  id: string;
  name: string;
  /** Stable per-tenant seed (numbers, ids, credentials derive from it). */
  seed: number;
  estate: Estate;
  /** Tenant faults merged over the simulator's. */
  faults: FaultConfig;
}

export interface VendorRequest {
  method: string;
  /** Path after the vendor prefix, e.g. `/v2/devices` for `/<id>/v2/devices`. */
  path: string;
  query: URLSearchParams;
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

export interface VendorContext {
  /** Absolute base URL of this vendor on the simulator, e.g. `https://127.0.0.1:4443/<id>`. */
  baseUrl: string;
  /** Every simulated tenant that uses this vendor. */
  tenants: readonly VendorTenantView[];
  now: Date;
  /**
   * The fault decision for this request (stall/429/5xx/403 by the tenant's FaultConfig; `path` is matched against
   * the fault path lists *with* the vendor prefix, e.g. `/<id>/v2/devices`). Call it once
   * per request, after authentication has told you the tenant (use the simulator-wide faults before that).
   */
  decide(faults: FaultConfig, key: string, path: string): FaultDecision;
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
  configSection(tenant: VendorTenantView, baseUrl: string, all: readonly VendorTenantView[]): { section: Record<string, unknown>; secrets: Record<string, string> };
  /** Fields of the estate truth this vendor's API cannot supply (set to null in the expected evidence). */
  unsupported?: Partial<Record<string, readonly string[]>>;
}
