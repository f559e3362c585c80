/**
 * The simulator host: one HTTPS server on loopback serving the vendor APIs injected into it (vendor.ts) for several
 * deterministic tenants at once, so real clients scan it over real sockets with TLS verification on. It owns what
 * every vendor shares: the tenants (id, name, seed, profile, faults), their RMM/backup estate, TLS, fault draws,
 * latency and stalls, stats, and live `setProfile`/`setFaults`; it knows no vendor.
 *
 * Routing: `/<id>/…` goes to the RMM or backup vendor with that id; every other path to the directory vendor,
 * mounted at the root (at most one).
 */
import { setMaxListeners } from 'node:events';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { FaultInjector, matchesAny, mergeFaults, parseFaultSpec, type FaultConfig } from './faults.js';
import { isProfileName, type ProfileName } from './levels.js';
import { hash32 } from './prng.js';
import { createSimulatorCertificates } from './tls.js';
import { domainLabel, type TenantSpec } from './tenant-spec.js';
import { Estate } from './estate.js';
import { startDnsServer, type DnsServer } from './dns.js';
import { DirectoryDns } from './dns-host.js';
import { ESTATE_PROFILES } from './estate-profiles.js';
import { PortfolioChanges, portfolioRoute, type SimulatorPortfolio } from './portfolio.js';
import { BearerTokens } from './tokens.js';
import { PsaLedger, psaCompanyId, type PsaCompany, type PsaSimulator } from './psa.js';
import type {
  AccountRateLimit,
  DirectorySimulator,
  DirectoryTenantView,
  ProfileChange,
  SimulatorPlugin,
  VendorConfigSection,
  VendorContext,
  VendorRequest,
  VendorResponse,
  VendorSimulator,
  VendorTenantView,
} from './vendor.js';

export interface SimulatedTenantInfo {
  id: string;
  name: string;
  profile: ProfileName;
  /**
   * Confirmed level a fresh scan with the default rules should infer, and the potential level, as the directory
   * vendor promises them; null without a directory vendor, or when knob overrides void the promise.
   */
  expectedLevel: number | null;
  expectedPotential: number | null;
  /** Provider ids of the tenant's RMM and backup sources, as in its TenantSpec. */
  rmm?: string;
  backup?: string;
}

export interface SimulatorOptions {
  /** 0 = any free port. */
  port?: number;
  /** Loopback only; default 127.0.0.1. */
  host?: string;
  /** The simulated tenants (default none; the demo portfolio is SAMPLE_TENANTS in src/app/simulator.ts). */
  tenants?: readonly TenantSpec[];
  /**
   * The vendor APIs this simulator serves (injected: the host names no vendor; src/app/simulator.ts passes every
   * registered one). A tenant's `rmm`/`backup` must name one of them.
   */
  vendors?: readonly SimulatorPlugin[];
  faults?: FaultConfig | string;
  /** Keep the CA here (reused across runs while valid) so NODE_EXTRA_CA_CERTS can name a stable file. */
  certDir?: string;
  /** Reference time of generated data (default: now at start/setProfile). */
  now?: Date;
  /**
   * Vendor id → the account-wide request limit it enforces instead of its documented one (e.g. `{ 'datto-rmm':
   * { requests: 30, perSeconds: 10 } }`), so a test sees a limit bind within seconds. See each vendor's README.
   */
  accountRateLimits?: Readonly<Record<string, AccountRateLimit>>;
  /** PSA fakes to serve (./psa.ts), each under `/<id>`; their companies are the simulated tenants. */
  psa?: readonly PsaSimulator[];
}

export interface SimulatorStats {
  /** Requests answered, sub-requests of batches included (as each vendor records them). */
  total: number;
  /** Route label → { status → count }, e.g. "GET /<id>/v2/devices" → { "200": 3, "429": 1 }. */
  byRoute: Record<string, Record<string, number>>;
  /** Requests per tenant, as each vendor names the tenant (its config id or its id at the vendor). */
  byTenant: Record<string, number>;
  /** Status → count over everything; 499 = a stalled request whose client gave up before the answer. */
  byStatus: Record<string, number>;
}

/** One vendor config section of a tenant; `key` is its key in the tenant's config (`rmm`, `backup`, the directory's id). */
export interface VendorSection extends VendorConfigSection {
  kind: 'rmm' | 'backup' | 'directory';
  key: string;
}

export interface Simulator {
  url: string;
  port: number;
  caPath: string;
  caPem: string;
  tenants: SimulatedTenantInfo[];
  stats(): SimulatorStats;
  resetStats(): void;
  /** Switch a tenant's data live (by config id or a key its directory vendor adds); returns the updated info. */
  setProfile(tenant: string, change: ProfileChange): SimulatedTenantInfo;
  /** Replace the simulator faults, or one tenant's faults. */
  setFaults(faults: FaultConfig | string, tenant?: string): void;
  /** Ground truth of the tenant's directory data (the directory vendor's `truth`). */
  truth(tenant: string): unknown;
  /** What the directory vendor built for the tenant (its typed helpers read it). */
  directoryState(tenant: string): unknown;
  /** The tenant's RMM/backup estate (null without rmm and backup). */
  estate(tenant: string): Estate | null;
  /**
   * The tenant's vendor config sections for configFor, secrets split out: rmm, backup, then the directory's
   * (`preferCertificate`: its client certificate instead of its secret, where it registered one).
   */
  vendorSections(tenant: string, opts?: { preferCertificate?: boolean }): VendorSection[];
  /**
   * Live changes of the MSP's portfolio at the shared vendor accounts (rename, delete a client, move devices between
   * clients) and the ground truth of which devices belong to which tenant now (./portfolio.ts).
   */
  portfolio: SimulatorPortfolio;
  /** A served PSA fake's tickets and faults (./psa.ts). */
  psa(id: string): PsaLedger;
  /**
   * `127.0.0.1:<port>` of the loopback DNS server publishing the tenants' own DNS records (mail authentication),
   * when the directory vendor publishes any (DirectorySimulator.dnsZone); configFor writes it into its section.
   */
  dns: string | null;
  /** The `psa:` block pointing at a served PSA fake, secrets split out (`wrongSecret`: credentials it rejects). */
  psaBlock(id: string, opts?: { wrongSecret?: boolean }): VendorConfigSection;
  close(): Promise<void>;
}

function slug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'tenant';
}

function toFaults(f: FaultConfig | string | undefined): FaultConfig {
  if (f === undefined) return {};
  return typeof f === 'string' ? parseFaultSpec(f) : { ...f };
}

interface TenantState {
  info: SimulatedTenantInfo;
  spec: TenantSpec;
  /** Seed of the spec (or the id) hashed, as vendors receive it. */
  seed: number;
  profile: ProfileName;
  faults: FaultConfig;
  estate: Estate | null;
  /** What the directory vendor built (undefined without one). */
  directory: unknown;
}

function portfolioTenant(t: TenantState) {
  return { id: t.info.id, name: t.info.name, rmm: t.spec.rmm, backup: t.spec.backup, estate: t.estate };
}

function buildEstate(spec: TenantSpec, profile: ProfileName, seed: number, now: Date): Estate | null {
  if (!spec.rmm && !spec.backup) return null;
  return new Estate(hash32(seed, 'estate'), { ...ESTATE_PROFILES[profile], ...(spec.estate ?? {}) }, now, `${domainLabel(spec)}.local`);
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

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.destroyed || res.writableEnded) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': String(Buffer.byteLength(text)) });
  res.end(text);
}

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const host = options.host ?? '127.0.0.1';
  if (!['127.0.0.1', 'localhost', '::1'].includes(host)) throw new Error(`the simulator binds loopback only (127.0.0.1, ::1 or localhost), not ${host}`);
  const certs = await createSimulatorCertificates(options.certDir ? { dir: options.certDir } : {});
  const injector = new FaultInjector();
  let simFaults = toFaults(options.faults);
  const shutdown = new AbortController();
  // Every pending wait listens for shutdown; hundreds of concurrent requests are normal in benchmarks.
  setMaxListeners(0, shutdown.signal);

  const prefixed = new Map<string, VendorSimulator>();
  let directory: DirectorySimulator | undefined;
  for (const v of options.vendors ?? []) {
    if (prefixed.has(v.id) || directory?.id === v.id) throw new Error(`two vendor simulators with id ${v.id}`);
    if (v.kind === 'directory') {
      if (directory) throw new Error(`two directory simulators (${directory.id}, ${v.id}): both would be mounted at the root`);
      directory = v;
    } else prefixed.set(v.id, v);
  }

  const psaFakes = new Map<string, PsaSimulator>();
  for (const p of options.psa ?? []) {
    if (prefixed.has(p.id) || psaFakes.has(p.id) || directory?.id === p.id) throw new Error(`two simulators with id ${p.id}`);
    psaFakes.set(p.id, p);
  }
  const psaLedgers = new Map<string, PsaLedger>();

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

  const mustLookup = (key: string): TenantState => {
    const t = byKey.get(key.toLowerCase());
    if (!t) throw new Error(`no simulated tenant ${JSON.stringify(key)} (known: ${[...tenants.values()].map((s) => s.info.id).join(', ')})`);
    return t;
  };

  // Tenant views per vendor, rebuilt only when a tenant's data or faults change (not per request).
  let views = new Map<string, readonly unknown[]>();
  const invalidate = () => {
    views = new Map();
    directoryDns?.invalidate();
  };
  const portfolio = new PortfolioChanges(
    () => [...tenants.values()].map(portfolioTenant),
    (key) => portfolioTenant(mustLookup(key)),
    () => invalidate(),
  );
  const estateViews = (product: string): readonly VendorTenantView[] => {
    let v = views.get(product) as VendorTenantView[] | undefined;
    if (!v) {
      v = [...tenants.values()]
        .filter((t) => t.estate && (t.spec.rmm === product || t.spec.backup === product))
        .map((t) => ({ id: t.info.id, name: t.info.name, seed: t.seed, estate: t.estate!, faults: mergeFaults(simFaults, t.faults) }));
      v = portfolio.decorate(v, prefixed.get(product)!.kind);
      views.set(product, v);
    }
    return v;
  };
  // The tenants' own DNS zones (UDP and TCP on a loopback port), when the directory vendor publishes any.
  const zoneOf = directory?.dnsZone?.bind(directory);
  const directoryDns = zoneOf
    ? new DirectoryDns(() => [...tenants.values()].map((t) => ({ zone: zoneOf(t.directory), faults: mergeFaults(simFaults, t.faults) })))
    : null;
  const directoryViews = (): readonly DirectoryTenantView[] => {
    let v = views.get('') as DirectoryTenantView[] | undefined;
    if (!v) {
      v = [...tenants.values()].map((t) => ({ id: t.info.id, name: t.info.name, profile: t.profile, faults: mergeFaults(simFaults, t.faults), state: t.directory }));
      views.set('', v);
    }
    return v;
  };

  const refreshInfo = (state: TenantState) => {
    state.info.profile = state.profile;
    if (directory) {
      Object.assign(state.info, directory.info(state.directory));
      const expected = directory.expected(state.directory, mergeFaults(simFaults, state.faults));
      state.info.expectedLevel = expected.level;
      state.info.expectedPotential = expected.potential;
    }
  };

  // One bearer-token store and one local state per vendor, living as long as this simulator.
  const bearerTokens = new Map<string, BearerTokens<object>>();
  const locals = new Map<string, unknown>();
  const localOf =
    (vendorId: string) =>
    <T>(create: () => T): T => {
      if (!locals.has(vendorId)) locals.set(vendorId, create());
      return locals.get(vendorId) as T;
    };

  for (const spec of options.tenants ?? []) {
    const id = spec.id ?? slug(spec.name);
    const seed = spec.seed ?? id;
    const profile = spec.profile ?? 'level3';
    if (!isProfileName(profile)) throw new Error(`tenant ${id}: unknown profile ${JSON.stringify(profile)}`);
    const dirState = directory ? await directory.createTenant({ id, spec, seed, profile, now: options.now, certDir: certs.dir, local: localOf(directory.id) }) : undefined;
    for (const product of [spec.rmm, spec.backup]) {
      if (product && !prefixed.has(product)) throw new Error(`tenant ${id}: no simulator for ${product} (available: ${[...prefixed.keys()].join(', ') || 'none'})`);
    }
    const info: SimulatedTenantInfo = {
      id,
      name: spec.name,
      profile,
      expectedLevel: null,
      expectedPotential: null,
      ...(spec.rmm ? { rmm: spec.rmm } : {}),
      ...(spec.backup ? { backup: spec.backup } : {}),
    };
    const hashed = hash32(String(seed));
    const state: TenantState = {
      info,
      spec,
      seed: hashed,
      profile,
      faults: toFaults(spec.faults),
      estate: buildEstate(spec, profile, hashed, options.now ?? new Date()),
      directory: dirState,
    };
    for (const key of [id, ...(directory ? directory.keys(dirState) : [])]) {
      if (byKey.has(key)) throw new Error(`duplicate simulated tenant key ${key}`);
      byKey.set(key, state);
    }
    tenants.set(id, state);
    refreshInfo(state);
  }

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

  const contextFor = <V>(id: string, vendorBase: string, tenantViews: readonly V[], res: ServerResponse): VendorContext<V> => ({
    baseUrl: vendorBase,
    tenants: tenantViews,
    faults: simFaults,
    now: options.now ?? new Date(),
    decide: (faults, key, path, opts) => injector.decide(faults, key, path, opts),
    latency: (faults, key) => injector.latency(faults, key),
    listed: (list, path) => matchesAny(list, path),
    record: (route, status, tenantId) => record(route, status, tenantId),
    sleep: async (ms) => {
      await sleep(ms, res);
      return !res.destroyed;
    },
    tokens: <T extends object>() => {
      let store = bearerTokens.get(id);
      if (!store) bearerTokens.set(id, (store = new BearerTokens<object>()));
      return store as BearerTokens<T>;
    },
    local: localOf(id),
    ...(options.accountRateLimits?.[id] ? { accountRateLimit: options.accountRateLimits[id] } : {}),
  });

  const reply = (res: ServerResponse, result: VendorResponse) => {
    // Status 0: a stall the client gave up on, nothing to send.
    if (result.status === 0 || res.destroyed || res.writableEnded) return;
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
    const method = req.method ?? 'GET';
    try {
      const admin = portfolioRoute(portfolio, method, url.pathname, url.searchParams, rawBody);
      if (admin) {
        record(`${method} ${url.pathname}`, admin.status);
        sendJson(res, admin.status, admin.body);
        return;
      }
      const psaFake = psaFakes.get(url.pathname.split('/')[1] ?? '');
      if (psaFake) {
        const request: VendorRequest = { method, path: url.pathname.slice(psaFake.id.length + 1) || '/', query: url.searchParams, search: url.search, headers, rawBody };
        const ledger = ledgerOf(psaFake.id);
        const result = await psaFake.handle(request, {
          baseUrl: `${baseUrl}/${psaFake.id}`,
          now: new Date(),
          ledger,
          sleep: async (ms) => {
            await sleep(ms, res);
            return !res.destroyed;
          },
        });
        record(`${method} /${psaFake.id}${request.path.replace(/\/\d+(?=\/|$)/g, '/:id')}`, result.status === 0 ? 499 : result.status);
        ledger.count(result.status === 0 ? 499 : result.status);
        reply(res, result);
        return;
      }
      const vendor = prefixed.get(url.pathname.split('/')[1] ?? '');
      if (vendor) {
        // Latency applies before the vendor even looks at the request, as network latency would.
        await sleep(injector.latency(simFaults, `${vendor.id} ${method} ${url.pathname}${url.search}`), res);
        const request: VendorRequest = { method, path: url.pathname.slice(vendor.id.length + 1) || '/', query: url.searchParams, search: url.search, headers, rawBody };
        reply(res, await vendor.handle(request, contextFor(vendor.id, `${baseUrl}/${vendor.id}`, estateViews(vendor.id), res)));
        return;
      }
      if (directory) {
        const request: VendorRequest = { method, path: url.pathname, query: url.searchParams, search: url.search, headers, rawBody };
        reply(res, await directory.handle(request, contextFor(directory.id, baseUrl, directoryViews(), res)));
        return;
      }
      record(`${method} ${url.pathname}`, 404);
      sendJson(res, 404, { error: 'not_found', error_description: `No simulated endpoint at ${url.pathname}` });
    } catch (err) {
      // Never let a simulator bug take the server down: answer 500 like a broken upstream would.
      sendJson(res, 500, { error: 'internal', error_description: (err as Error).message });
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
  // dns.setServers takes addresses, not names: localhost becomes 127.0.0.1.
  let dnsServer: DnsServer | null = null;
  if (directoryDns) {
    try {
      dnsServer = await startDnsServer({ host: host === 'localhost' ? '127.0.0.1' : host, handler: directoryDns.handler });
    } catch (err) {
      server.close();
      throw err;
    }
  }

  function ledgerOf(id: string): PsaLedger {
    let ledger = psaLedgers.get(id);
    if (!ledger) {
      if (!psaFakes.has(id)) throw new Error(`this simulator serves no PSA ${JSON.stringify(id)} (served: ${[...psaFakes.keys()].join(', ') || 'none'})`);
      const companies = new Map<number, PsaCompany>();
      for (const t of tenants.values()) companies.set(psaCompanyId(t.info.id), { id: psaCompanyId(t.info.id), name: t.info.name, tenantId: t.info.id });
      psaLedgers.set(id, (ledger = new PsaLedger(companies)));
    }
    return ledger;
  }

  const mustDirectory = (): DirectorySimulator => {
    if (!directory) throw new Error('this simulator serves no directory vendor');
    return directory;
  };

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
      let profile = state.profile;
      const named = typeof change === 'string' ? change : 'profile' in change ? change.profile : undefined;
      if (named !== undefined) {
        if (!isProfileName(named)) throw new Error(`unknown profile ${JSON.stringify(named)}`);
        profile = named;
      }
      if (directory) state.directory = directory.reprofile(state.directory, profile, change, options.now);
      state.profile = profile;
      state.estate = buildEstate(state.spec, profile, state.seed, options.now ?? new Date());
      invalidate();
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
      invalidate();
      injector.reset();
    },
    truth: (key) => mustDirectory().truth(mustLookup(key).directory),
    directoryState: (key) => mustLookup(key).directory,
    estate: (key) => mustLookup(key).estate,
    vendorSections: (key, opts = {}) => {
      const state = mustLookup(key);
      const out: VendorSection[] = [];
      for (const product of [state.spec.rmm, state.spec.backup]) {
        if (!product) continue;
        const vendor = prefixed.get(product)!;
        const all = estateViews(product);
        const view = all.find((v) => v.id === state.info.id)!;
        out.push({ kind: vendor.kind, key: vendor.kind, ...vendor.configSection(view, `${baseUrl}/${product}`, all) });
      }
      if (directory) {
        const view = directoryViews().find((v) => v.id === state.info.id)!;
        out.push({ kind: 'directory', key: directory.id, ...directory.configSection(view, baseUrl, opts) });
      }
      return out;
    },
    portfolio,
    psa: (id) => ledgerOf(id),
    dns: dnsServer?.address ?? null,
    psaBlock: (id, opts) => {
      ledgerOf(id);
      return psaFakes.get(id)!.configBlock(`${baseUrl}/${id}`, opts);
    },
    close: async () => {
      shutdown.abort();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      for (const s of sockets) s.destroy();
      await Promise.all([closed, dnsServer?.close()]);
    },
  };
  return sim;
}
