/**
 * The simulator: one HTTPS server on loopback that impersonates the Microsoft identity platform
 * (`/{tenant}/oauth2/v2.0/token`, OIDC metadata) and Microsoft Graph v1.0 (`/v1.0/...`) for several deterministic
 * tenants at once, so the real @azure/identity + @microsoft/microsoft-graph-client can scan it over real sockets
 * with TLS verification on. Point a tenant's config at it with
 * `cloud: { graphEndpoint: sim.url, authorityHost: sim.url }` (see configFor in config.ts).
 *
 * Tokens name their tenant (`tid`), so one server answers every tenant; each Graph request is served from that
 * tenant's model with that tenant's faults layered over the simulator's.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import { FaultInjector, matchesAny, mergeFaults, parseFaultSpec, type FaultConfig } from './faults.js';
import { executeBatch, executeGraph, faultResult, fromThrown, graphError, type DispatchEnv, type GraphCall } from './graph-dispatch.js';
import { routeTemplate, type GraphResult } from './graph-routes.js';
import { guid } from './ids.js';
import { publicKeyOfCertificate, routeIdentity, type IdentityEnv, type IdentityTenant } from './identity-routes.js';
import { SkipTokens } from './odata.js';
import { hash32 } from './prng.js';
import { isProfileName, overridesGatingKnob, PROFILES, type KnobOverrides, type ProfileName, type TenantKnobs } from './profiles.js';
import { TenantModel, type TenantTruth } from './tenant-model.js';
import { createClientCertificate, createSimulatorCertificates } from './tls.js';
import type { TenantSpec } from './tenant-spec.js';
import { Estate } from './estate.js';
import { ESTATE_PROFILES } from './estate-profiles.js';
import { BearerTokens, TokenIssuer } from './tokens.js';
import type { VendorContext, VendorSimulator, VendorTenantView } from './vendor.js';

export interface SimulatedTenantInfo {
  id: string;
  tenantId: string;
  name: string;
  domain: string;
  profile: ProfileName;
  clientId: string;
  clientSecret: string;
  /** Private key + certificate PEM, and where it was written, when `certificate: true`. */
  certificatePem?: string;
  certificatePath?: string;
  /**
   * Confirmed level a fresh scan with the default rules should infer, and the potential level; null when knob
   * overrides make the profile's promise void (compute it from `truth()` instead). See expectedLevelFor.
   */
  expectedLevel: number | null;
  expectedPotential: number | null;
  knobs: TenantKnobs;
  /** Provider ids of the tenant's RMM and backup sources, as in its TenantSpec. */
  rmm?: string;
  backup?: string;
}

export interface SimulatorOptions {
  /** 0 = any free port. */
  port?: number;
  /** Loopback only; default 127.0.0.1. */
  host?: string;
  /** The simulated tenants (default none; the demo portfolio is SAMPLE_TENANTS in collectors/index.ts). */
  tenants?: readonly TenantSpec[];
  /**
   * The vendor APIs this simulator serves, each under `/<id>` (injected: the host names no vendor; src/app/simulator.ts
   * passes every registered one). A tenant's `rmm`/`backup` must name one of them.
   */
  vendors?: readonly VendorSimulator[];
  faults?: FaultConfig | string;
  /** Keep the CA here (reused across runs while valid) so NODE_EXTRA_CA_CERTS can name a stable file. */
  certDir?: string;
  /** Reference time of generated data (default: now at start/setProfile). */
  now?: Date;
}

export interface SimulatorStats {
  /** Requests answered, batch sub-requests included. */
  total: number;
  /** "GET /v1.0/users" → { "200": 3, "429": 1 }; batch sub-requests are listed as "BATCH GET /v1.0/…". */
  byRoute: Record<string, Record<string, number>>;
  /** Requests per tenant id (GUID). */
  byTenant: Record<string, number>;
  /** Status → count over everything; 499 = a stalled request whose client gave up before the answer. */
  byStatus: Record<string, number>;
}

export type ProfileChange = ProfileName | KnobOverrides | { profile?: ProfileName; knobs?: KnobOverrides };

export interface Simulator {
  url: string;
  port: number;
  caPath: string;
  caPem: string;
  tenants: SimulatedTenantInfo[];
  stats(): SimulatorStats;
  resetStats(): void;
  /** Switch a tenant's data live (by config id or tenant GUID); returns the updated info. */
  setProfile(tenant: string, change: ProfileChange): SimulatedTenantInfo;
  /** Replace the simulator faults, or one tenant's faults. */
  setFaults(faults: FaultConfig | string, tenant?: string): void;
  /** The tenant's generator (ground truth for tests). */
  model(tenant: string): TenantModel;
  truth(tenant: string): TenantTruth;
  /** The tenant's RMM/backup estate (null without rmm and backup). */
  estate(tenant: string): Estate | null;
  /** Vendor config sections (rmm/backup) for configFor, secrets split out. */
  vendorSections(tenant: string): Array<{ kind: 'rmm' | 'backup'; section: Record<string, unknown>; secrets: Record<string, string> }>;
  close(): Promise<void>;
}

/** Endpoints whose loss (403, malformed, schema) leaves a level-2 gate unknown with the default rules. */
const GATING_PATHS = [
  '/reports/authenticationMethods/userRegistrationDetails',
  '/users',
  '/identity/conditionalAccess/policies',
  '/policies/identitySecurityDefaultsEnforcementPolicy',
  '/roleManagement/directory/roleAssignments',
  '/deviceManagement/managedDevices',
];

/**
 * What a fresh scan should infer. Fault-free (or only transient faults the collector retries through): the
 * profile's promise. A whole gating endpoint lost to 403/malformed/schema faults leaves a level-2 gate unknown:
 * confirmed 1, potential unchanged (a permission gap must never look like a security failure).
 */
export function expectedLevelFor(profile: ProfileName, knobs: KnobOverrides | undefined, faults: FaultConfig): { level: number | null; potential: number | null } {
  if (overridesGatingKnob(knobs)) return { level: null, potential: null };
  const def = PROFILES[profile];
  const lost = GATING_PATHS.some((p) => matchesAny(faults.forbidden, p) || matchesAny(faults.malformed, p) || matchesAny(faults.schemaViolation, p));
  return { level: lost ? 1 : def.expectedLevel, potential: def.expectedPotential };
}

function slug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'tenant';
}

function toFaults(f: FaultConfig | string | undefined): FaultConfig {
  if (f === undefined) return {};
  return typeof f === 'string' ? parseFaultSpec(f) : { ...f };
}

const NON_GATING: readonly (keyof KnobOverrides)[] = ['users', 'devices', 'guests', 'disabled', 'secureScorePct', 'staleDevicesPct'];

interface TenantState {
  info: SimulatedTenantInfo;
  spec: TenantSpec;
  overrides: KnobOverrides;
  model: TenantModel;
  faults: FaultConfig;
  identity: IdentityTenant;
  estate: Estate | null;
}

function buildEstate(spec: TenantSpec, profile: ProfileName, seed: number, model: TenantModel, now: Date | undefined): Estate | null {
  if (!spec.rmm && !spec.backup) return null;
  const domain = `${model.domain.split('.')[0]}.local`;
  return new Estate(hash32(seed, 'estate'), { ...ESTATE_PROFILES[profile], ...(spec.estate ?? {}) }, now ?? model.now, domain);
}

const MAX_BODY = 1024 * 1024;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new Error('request body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function lowerHeaders(req: IncomingMessage): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(req.headers)) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const host = options.host ?? '127.0.0.1';
  if (!['127.0.0.1', 'localhost', '::1'].includes(host)) throw new Error(`the simulator binds loopback only (127.0.0.1, ::1 or localhost), not ${host}`);
  const certs = await createSimulatorCertificates(options.certDir ? { dir: options.certDir } : {});
  const tokens = new TokenIssuer();
  const skipTokens = new SkipTokens(randomBytes(32));
  const injector = new FaultInjector();
  let simFaults = toFaults(options.faults);
  const shutdown = new AbortController();
  // Every pending wait listens for shutdown; hundreds of concurrent requests are normal in benchmarks.
  setMaxListeners(0, shutdown.signal);

  const tenants = new Map<string, TenantState>();
  const byKey = new Map<string, TenantState>();
  let baseUrl = '';
  let stats: SimulatorStats = { total: 0, byRoute: {}, byTenant: {}, byStatus: {} };

  const record = (route: string, status: number, tenantId?: string) => {
    stats.total += 1;
    const byStatus = (stats.byRoute[route] ??= {});
    byStatus[status] = (byStatus[status] ?? 0) + 1;
    stats.byStatus[status] = (stats.byStatus[status] ?? 0) + 1;
    if (tenantId) stats.byTenant[tenantId] = (stats.byTenant[tenantId] ?? 0) + 1;
  };

  const lookup = (key: string): TenantState | undefined => byKey.get(key.toLowerCase());

  const mustLookup = (key: string): TenantState => {
    const t = lookup(key);
    if (!t) throw new Error(`no simulated tenant ${JSON.stringify(key)} (known: ${[...tenants.values()].map((s) => s.info.id).join(', ')})`);
    return t;
  };

  const refreshInfo = (state: TenantState) => {
    const profile = state.model.profile;
    const expected = expectedLevelFor(profile, state.overrides, mergeFaults(simFaults, state.faults));
    state.info.profile = profile;
    state.info.knobs = state.model.knobs;
    state.info.expectedLevel = expected.level;
    state.info.expectedPotential = expected.potential;
    state.identity.tokenRefuse = mergeFaults(simFaults, state.faults).tokenRefuse ?? false;
  };

  const specs = options.tenants ?? [];
  const vendors = new Map<string, VendorSimulator>();
  for (const v of options.vendors ?? []) {
    if (vendors.has(v.id)) throw new Error(`two vendor simulators with id ${v.id}`);
    vendors.set(v.id, v);
  }
  // One bearer-token store per vendor, living as long as this simulator (VendorContext.tokens).
  const bearerTokens = new Map<string, BearerTokens<object>>();
  const tokensOf = (id: string): BearerTokens<object> => {
    let store = bearerTokens.get(id);
    if (!store) bearerTokens.set(id, (store = new BearerTokens<object>()));
    return store;
  };
  for (const spec of specs) {
    const id = spec.id ?? slug(spec.name);
    const seed = spec.seed ?? id;
    const profile = spec.profile ?? 'level3';
    if (!isProfileName(profile)) throw new Error(`tenant ${id}: unknown profile ${JSON.stringify(profile)}`);
    const tenantId = (spec.tenantId ?? guid(hash32(String(seed)), 'tenant-id')).toLowerCase();
    const model = new TenantModel({ id: tenantId, name: spec.name, seed, profile, knobs: spec.knobs, domain: spec.domain, now: options.now });
    const clientId = (spec.clientId ?? guid(hash32(String(seed)), 'client-id')).toLowerCase();
    const clientSecret = spec.clientSecret ?? `sim~${randomBytes(24).toString('base64url')}`;
    const info: SimulatedTenantInfo = {
      id,
      tenantId,
      name: spec.name,
      domain: model.domain,
      profile,
      clientId,
      clientSecret,
      expectedLevel: null,
      expectedPotential: null,
      knobs: model.knobs,
      ...(spec.rmm ? { rmm: spec.rmm } : {}),
      ...(spec.backup ? { backup: spec.backup } : {}),
    };
    for (const product of [spec.rmm, spec.backup]) {
      if (product && !vendors.has(product)) throw new Error(`tenant ${id}: no simulator for ${product} (available: ${[...vendors.keys()].join(', ') || 'none'})`);
    }
    const identity: IdentityTenant = { tenantId, domain: model.domain, name: spec.name, clientId, clientSecret };
    if (spec.certificate) {
      const cert = await createClientCertificate(`ratchet-${id}`);
      identity.certificateKey = publicKeyOfCertificate(cert.certPem);
      info.certificatePem = cert.combinedPem;
      info.certificatePath = join(certs.dir, `${id}-client.pem`);
      writeFileSync(info.certificatePath, cert.combinedPem, { mode: 0o600 });
    }
    const estate = buildEstate(spec, profile, hash32(String(seed)), model, options.now);
    const state: TenantState = { info, spec, overrides: { ...(spec.knobs ?? {}) }, model, faults: toFaults(spec.faults), identity, estate };
    for (const key of [id, tenantId, model.domain.toLowerCase()]) {
      if (byKey.has(key)) throw new Error(`duplicate simulated tenant key ${key}`);
      byKey.set(key, state);
    }
    tenants.set(tenantId, state);
    refreshInfo(state);
  }

  const identityEnv = (): IdentityEnv => ({
    baseUrl,
    tokens,
    lookupTenant: (key) => lookup(key)?.identity,
    resources: [baseUrl, 'https://graph.microsoft.com'],
  });

  const sleep = (ms: number, res: ServerResponse) =>
    new Promise<void>((resolve) => {
      if (ms <= 0) return resolve();
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        shutdown.signal.removeEventListener('abort', done);
        res.off('close', done);
        resolve();
      }
      // A client that gives up (timeout) or a closing simulator ends the wait at once.
      shutdown.signal.addEventListener('abort', done, { once: true });
      res.once('close', done);
    });

  const send = (res: ServerResponse, result: GraphResult | { status: number; headers: Record<string, string>; body: unknown; rawBody?: string }, headers: Record<string, string | undefined>) => {
    if (res.destroyed || res.writableEnded) return;
    const requestId = result.headers['request-id'] ?? randomUUID();
    const out: Record<string, string> = {
      'request-id': requestId,
      'client-request-id': headers['client-request-id'] ?? requestId,
      'x-ms-ags-diagnostic': '{"ServerInfo":{"DataCenter":"Simulated","Slice":"E","Ring":"1","ScaleUnit":"000","RoleInstance":"RATCHET-SIM"}}',
      'Strict-Transport-Security': 'max-age=31536000',
      'Cache-Control': 'no-cache',
      ...result.headers,
    };
    const text = 'rawBody' in result && result.rawBody !== undefined ? result.rawBody : result.body === undefined ? '' : JSON.stringify(result.body);
    out['Content-Length'] = String(Buffer.byteLength(text));
    res.writeHead(result.status, out);
    res.end(text);
  };

  const handleGraph = async (req: IncomingMessage, res: ServerResponse, url: URL, headers: Record<string, string | undefined>, rawBody: string) => {
    const path = decodeURIComponent(url.pathname.replace(/^\/v1\.0/i, '')) || '/';
    const label = `${req.method} /v1.0${routeTemplate(path)}`;
    // Authentication first, as Graph does: the token says which tenant's data (and faults) apply.
    const auth = /^Bearer\s+(.+)$/i.exec(headers.authorization ?? '');
    const fail401 = (message: string) => {
      const r = graphError(401, 'InvalidAuthenticationToken', message, headers);
      record(label, 401);
      send(res, r, headers);
    };
    if (!auth) return fail401('Access token is empty.');
    const check = tokens.verify(auth[1]!);
    if (!check.ok) return fail401(check.message);
    const state = tenants.get(check.claims.tid);
    if (!state || check.claims.appid !== state.info.clientId) return fail401('Access token validation failure. Invalid audience.');
    if (![baseUrl, 'https://graph.microsoft.com'].includes(check.claims.aud)) return fail401('Access token validation failure. Invalid audience.');

    const faults = mergeFaults(simFaults, state.faults);
    const env: DispatchEnv = {
      tenant: state.model,
      faults,
      injector,
      skipTokens,
      baseUrl,
      record: (route, status) => record(route, status, state.info.tenantId),
    };
    const requestKey = `${state.info.tenantId} ${req.method} ${url.pathname}${url.search}`;
    await sleep(injector.latency(faults, requestKey), res);

    let body: unknown;
    if (rawBody) {
      try {
        body = JSON.parse(rawBody);
      } catch {
        const r = graphError(400, 'BadRequest', 'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.', headers);
        record(label, 400, state.info.tenantId);
        return send(res, r, headers);
      }
    }
    const call: GraphCall = { method: req.method ?? 'GET', path, params: url.searchParams, headers, body };
    if (path.toLowerCase() === '/$batch') {
      if (call.method !== 'POST') {
        const r = graphError(405, 'Request_BadRequest', 'Specified HTTP method is not allowed for the request target.', headers);
        record(label, 405, state.info.tenantId);
        return send(res, r, headers);
      }
      // The envelope itself can stall or be throttled too (it is one HTTP request); permission faults apply per
      // sub-request only, as Graph authorises each one.
      const decision = injector.decide({ ...faults, forbidden: [] }, requestKey, path);
      if (decision.kind === 'stall') await sleep(decision.ms, res);
      else if (decision.kind !== 'none') {
        const r = faultResult(decision, headers);
        record(label, r.status, state.info.tenantId);
        return send(res, r, headers);
      }
      let result: GraphResult;
      try {
        result = executeBatch(env, call, state.info.tenantId);
      } catch (err) {
        result = fromThrown(err, headers);
      }
      record(label, result.status, state.info.tenantId);
      return send(res, result, headers);
    }
    let result = executeGraph(env, call, requestKey, label, true);
    if ('stallMs' in result) {
      await sleep(result.stallMs, res);
      if (res.destroyed) {
        // The client gave up (its timeout fired): count it as nginx's 499 "client closed request".
        record(label, 499, state.info.tenantId);
        return;
      }
      // Still connected after the stall (a patient client): answer normally, without drawing another stall.
      result = executeGraph(env, call, `${requestKey} after-stall`, label, false);
    }
    send(res, result as GraphResult, headers);
  };

  const vendorViews = (product: string): VendorTenantView[] =>
    [...tenants.values()]
      .filter((t) => t.estate && (t.spec.rmm === product || t.spec.backup === product))
      .map((t) => ({ id: t.info.id, name: t.info.name, seed: hash32(String(t.spec.seed ?? t.info.id)), estate: t.estate!, faults: mergeFaults(simFaults, t.faults) }));

  const handleVendor = async (product: string, req: IncomingMessage, res: ServerResponse, url: URL, headers: Record<string, string | undefined>, rawBody: string) => {
    const vendor = vendors.get(product)!;
    const views = vendorViews(product);
    // Latency applies before the vendor even looks at the request, as network latency would.
    await sleep(injector.latency(simFaults, `${product} ${req.method} ${url.pathname}${url.search}`), res);
    const ctx: VendorContext = {
      baseUrl: `${baseUrl}/${product}`,
      tenants: views,
      now: options.now ?? new Date(),
      decide: (faults, key, path) => injector.decide(faults, key, path),
      listed: (list, path) => matchesAny(list, path),
      record: (route, status, tenantId) => record(route, status, tenantId),
      sleep: async (ms) => {
        await sleep(ms, res);
        return !res.destroyed;
      },
      tokens: <T extends object>() => tokensOf(product) as BearerTokens<T>,
    };
    const path = url.pathname.slice(product.length + 1) || '/';
    const result = await vendor.handle({ method: req.method ?? 'GET', path, query: url.searchParams, headers, rawBody }, ctx);
    if (result.status === 0) {
      // A stall the client gave up on: nothing to send.
      return;
    }
    if (res.destroyed || res.writableEnded) return;
    const text = result.rawBody !== undefined ? result.rawBody : result.body === undefined ? '' : JSON.stringify(result.body);
    res.writeHead(result.status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': String(Buffer.byteLength(text)), ...(result.headers ?? {}) });
    res.end(text);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const headers = lowerHeaders(req);
    let url: URL;
    try {
      url = new URL(req.url ?? '/', baseUrl);
    } catch {
      res.writeHead(400).end();
      return;
    }
    let rawBody = '';
    try {
      rawBody = await readBody(req);
    } catch {
      if (!res.destroyed) res.writeHead(413).end();
      return;
    }
    try {
      if (/^\/v1\.0(\/|$)/i.test(url.pathname)) {
        await handleGraph(req, res, url, headers, rawBody);
        return;
      }
      const vendor = vendors.get(url.pathname.split('/')[1] ?? '');
      if (vendor) {
        await handleVendor(vendor.id, req, res, url, headers, rawBody);
        return;
      }
      const key = url.pathname.split('/').filter(Boolean)[0] ?? '';
      const tenant = lookup(key);
      const faults = mergeFaults(simFaults, tenant?.faults);
      await sleep(injector.latency(faults, `${key} ${req.method} ${url.pathname}`), res);
      const result = routeIdentity(identityEnv(), { method: req.method ?? 'GET', path: url.pathname, params: url.searchParams, headers, rawBody });
      const label = `${req.method} ${url.pathname.replace(/^\/[^/]+/, '/{tenant}')}`;
      if (!result) {
        record(label, 404, tenant?.info.tenantId);
        send(res, { status: 404, headers: { 'Content-Type': 'application/json' }, body: { error: 'not_found', error_description: `No simulated endpoint at ${url.pathname}` } }, headers);
        return;
      }
      record(label, result.status, tenant?.info.tenantId);
      send(res, result, headers);
    } catch (err) {
      // Never let a simulator bug take the server down: answer 500 like a broken upstream would.
      send(res, fromThrown(err, headers), headers);
    }
  };

  const server: Server = createServer({ key: certs.keyPem, cert: certs.certPem }, (req, res) => {
    void handle(req, res);
  });
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  baseUrl = `https://${host === '::1' ? '[::1]' : host}:${port}`;

  const sim: Simulator = {
    url: baseUrl,
    port,
    caPath: certs.caPath,
    caPem: certs.caPem,
    tenants: [...tenants.values()].map((s) => s.info),
    stats: () => JSON.parse(JSON.stringify(stats)) as SimulatorStats,
    resetStats: () => {
      stats = { total: 0, byRoute: {}, byTenant: {}, byStatus: {} };
    },
    setProfile: (key, change) => {
      const state = mustLookup(key);
      let profile = state.model.profile;
      let overrides: KnobOverrides;
      if (typeof change === 'string') {
        if (!isProfileName(change)) throw new Error(`unknown profile ${JSON.stringify(change)}`);
        profile = change;
        // A profile switch resets the gating knobs to the profile's, keeping the tenant's size.
        overrides = Object.fromEntries(Object.entries(state.overrides).filter(([k]) => NON_GATING.includes(k as keyof KnobOverrides)));
      } else if ('profile' in change || 'knobs' in change) {
        const c = change as { profile?: ProfileName; knobs?: KnobOverrides };
        if (c.profile !== undefined && !isProfileName(c.profile)) throw new Error(`unknown profile ${JSON.stringify(c.profile)}`);
        profile = c.profile ?? profile;
        const kept = Object.fromEntries(Object.entries(state.overrides).filter(([k]) => NON_GATING.includes(k as keyof KnobOverrides)));
        overrides = { ...kept, ...(c.knobs ?? {}) };
      } else {
        const k = change as KnobOverrides;
        overrides = { ...state.overrides, ...k, caPolicies: { ...(state.overrides.caPolicies ?? {}), ...(k.caPolicies ?? {}) } };
        if (!k.caPolicies && !state.overrides.caPolicies) delete overrides.caPolicies;
      }
      state.model = new TenantModel({
        id: state.info.tenantId,
        name: state.info.name,
        seed: state.spec.seed ?? state.info.id,
        profile,
        knobs: overrides,
        domain: state.model.domain,
        now: options.now,
      });
      state.overrides = overrides;
      state.estate = buildEstate(state.spec, profile, hash32(String(state.spec.seed ?? state.info.id)), state.model, options.now);
      refreshInfo(state);
      return state.info;
    },
    setFaults: (faults, key) => {
      if (key === undefined) {
        simFaults = toFaults(faults);
        for (const s of tenants.values()) refreshInfo(s);
      } else {
        const state = mustLookup(key);
        state.faults = toFaults(faults);
        refreshInfo(state);
      }
      injector.reset();
    },
    model: (key) => mustLookup(key).model,
    truth: (key) => mustLookup(key).model.truth(),
    estate: (key) => mustLookup(key).estate,
    vendorSections: (key) => {
      const state = mustLookup(key);
      const out: Array<{ kind: 'rmm' | 'backup'; section: Record<string, unknown>; secrets: Record<string, string> }> = [];
      for (const product of [state.spec.rmm, state.spec.backup]) {
        if (!product) continue;
        const vendor = vendors.get(product)!;
        const views = vendorViews(product);
        const view = views.find((v) => v.id === state.info.id)!;
        out.push({ kind: vendor.kind, ...vendor.configSection(view, `${baseUrl}/${product}`, views) });
      }
      return out;
    },
    close: async () => {
      shutdown.abort();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
  return sim;
}
