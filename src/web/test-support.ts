/**
 * A web fixture: the real `buildServer` of `ratchet serve` with `registerWeb` on top, a SqliteStore in a temp dir
 * seeded with scans, episodes and tokens of every role and scope, and a fake scheduler that records "scan now". The
 * server logs through the production logger at the default level (info), into `log`.
 * Requests go through `app.inject` (no socket).
 */
import { join } from 'node:path';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterEach } from 'vitest';
import { Registry } from 'prom-client';
import type { RatchetConfig } from '../config/schema.js';
import { loadRuleSet } from '../config/load-rules.js';
import { createLogger } from '../log/logger.js';
import { defaultRulesPath } from '../paths.js';
import type { Episode } from '../domain/episode.js';
import { buildServer, type ServerDeps } from '../server/app.js';
import { SqliteStore } from '../store/sqlite/sqlite-store.js';
import type { Role } from '../domain/principal.js';
import { registerWeb, type WebDeps } from './index.js';
import { createApiToken, revokeApiToken } from './tokens.js';
import { captureLog, tempDir, type LogCapture } from '../../bench/lib/cli.js';
import { sampleScan } from '../../test/helpers/sample-scan.js';

export const TENANTS = [
  { id: 'contoso', name: 'Contoso Ltd' },
  { id: 'fabrikam', name: 'Fabrikam <script>alert(1)</script> & Co' },
  { id: 'northwind', name: 'Northwind Traders' },
];

export type TokenName =
  | 'viewer'
  | 'technician'
  | 'admin'
  | 'viewerContoso'
  | 'technicianContoso'
  | 'adminContoso'
  | 'revoked'
  | 'revokedAdmin';

export interface WebFixture {
  app: FastifyInstance;
  store: SqliteStore;
  dbPath: string;
  tokens: Record<TokenName, string>;
  tokenIds: Record<TokenName, string>;
  scanRequests: string[];
  /** Tenants whose "scan now" the fake scheduler refuses (already running). */
  busy: Set<string>;
  clock: { ms: number; now: () => Date };
  config: RatchetConfig;
  /** What the server logged: the production logger at the default level (info), captured. */
  log: LogCapture;
  /** inject with `Authorization: Bearer <token of name>` (or none for null). */
  as(name: TokenName | null, opts: InjectOptions): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export const T0 = Date.parse('2025-03-01T12:00:00.000Z');
/** Why contoso's config declares recovery out of scope (its newest seeded report carries it in `level.scope`). */
export const OUT_OF_SCOPE_REASON = "backup run by the client's own provider";

export function testConfig(overrides: Partial<RatchetConfig> = {}): RatchetConfig {
  return {
    storage: { url: 'sqlite::memory:' },
    server: { host: '127.0.0.1', port: 0, trustProxy: false, auth: { roleMap: [], sessionHours: 12 } },
    schedule: { cron: '0 2 * * *', timezone: 'UTC', concurrency: 1, jitterSeconds: 0 },
    scan: { collectorTimeoutSeconds: 60 },
    regression: { confirmScans: 2, scoreDrop: 10 },
    alerts: [],
    rules: {},
    tenants: TENANTS.map((t) => ({ ...t, m365: {} as never })),
    ...overrides,
  } as RatchetConfig;
}

export function episode(over: Partial<Episode> = {}): Episode {
  return {
    id: 'ep-contoso-1',
    tenantId: 'contoso',
    kind: 'regression',
    state: 'confirmed',
    openedAt: '2025-01-02T02:00:00.000Z',
    openedScanId: 'scan-contoso-2',
    baselineScanId: 'scan-contoso-1',
    confirmedAt: '2025-01-03T02:00:00.000Z',
    confirmedScanId: 'scan-contoso-2',
    closedAt: null,
    closedScanId: null,
    confirmations: 2,
    previousLevel: 3,
    currentLevel: 2,
    drops: [],
    lostKeys: [],
    acknowledgedAt: null,
    acknowledgedBy: null,
    acknowledgement: null,
    ...over,
  };
}

export interface WebFixtureOptions {
  config?: Partial<RatchetConfig>;
  deps?: Partial<WebDeps>;
  seed?: boolean;
  /** fastify's trustProxy, given to `buildServer` as `ratchet serve` does with server.trustProxy (default false). */
  trustProxy?: ServerDeps['trustProxy'];
}

export async function webFixture(opts: WebFixtureOptions = {}): Promise<WebFixture> {
  const dir = tempDir('ratchet-web-');
  const dbPath = join(dir, 'ratchet.db');
  const store = new SqliteStore(dbPath);
  await store.migrate();
  const config = testConfig(opts.config);
  const clock = { ms: T0, now: () => new Date(clock.ms) };

  if (opts.seed !== false) {
    // Two scans per tenant for contoso and fabrikam (a diff needs two); northwind has none yet.
    for (const t of ['contoso', 'fabrikam']) {
      const name = TENANTS.find((x) => x.id === t)!.name;
      await store.saveScan(sampleScan({ tenantId: t, tenantName: name, id: `scan-${t}-1`, startedAt: '2025-01-01T02:00:00.000Z', level: 3, potential: 3 }));
      // Contoso's newest report carries the scope (recovery declared out of scope); fabrikam's predates scope.
      const scope = t === 'contoso' ? { scope: { outOfScope: { recovery: OUT_OF_SCOPE_REASON } } } : {};
      const second = sampleScan({ tenantId: t, tenantName: name, id: `scan-${t}-2`, startedAt: '2025-01-02T02:00:00.000Z', level: 2, potential: 3, regressionDetected: true, offendersPerEvidence: 120, ...scope });
      second.report.findings[3] = { ...second.report.findings[3]!, outcome: 'pass', score: 1, observed: '118 of 120 devices compliant (98 %)' };
      second.report.evidence[4] = { ...second.report.evidence[4]!, status: 'ok', value: { open: 1, critical: 0, oldestOpenHours: 2, staleOver24h: 0 }, reason: null, reasonCode: null };
      // The offender list is capped at collection; the true count sits beside it.
      (second.report.evidence[0]!.value as Record<string, unknown>).unregisteredTotal = 1500;
      await store.saveScan(second);
      await store.saveEpisode(episode({ id: `ep-${t}-1`, tenantId: t, openedScanId: `scan-${t}-2`, baselineScanId: `scan-${t}-1`, confirmedScanId: `scan-${t}-2` }));
      await store.saveEpisode(episode({ id: `ep-${t}-closed`, tenantId: t, state: 'closed', closedAt: '2025-01-05T00:00:00.000Z', closedScanId: `scan-${t}-2` }));
    }
  }

  const make = async (name: TokenName, role: Role, tenants: string[] | null) =>
    createApiToken(store, { name: `${name}@test`, role, tenants }, { createdBy: 'test', knownTenants: TENANTS.map((t) => t.id), now: new Date(T0 - 86_400_000) });
  const defs: Array<[TokenName, Role, string[] | null]> = [
    ['viewer', 'viewer', null],
    ['technician', 'technician', null],
    ['admin', 'admin', null],
    ['viewerContoso', 'viewer', ['contoso']],
    ['technicianContoso', 'technician', ['contoso']],
    ['adminContoso', 'admin', ['contoso']],
    ['revoked', 'technician', null],
    ['revokedAdmin', 'admin', null],
  ];
  const tokens = {} as Record<TokenName, string>;
  const tokenIds = {} as Record<TokenName, string>;
  for (const [name, role, tenants] of defs) {
    const { token, record } = await make(name, role, tenants);
    tokens[name] = token;
    tokenIds[name] = record.id;
  }
  await revokeApiToken(store, tokenIds.revoked, { by: 'test', now: new Date(T0 - 3_600_000) });
  await revokeApiToken(store, tokenIds.revokedAdmin, { by: 'test', now: new Date(T0 - 3_600_000) });

  const scanRequests: string[] = [];
  const busy = new Set<string>();
  const log = captureLog();
  const logger = createLogger({ level: 'info', destination: log.destination });
  const app = buildServer({
    scheduler: { health: () => ({ alive: true, stopping: false, startedAt: null, lastTickAt: null, tenants: 3, concurrency: 1, running: 0 }) as never },
    store,
    registry: new Registry(),
    logger,
    trustProxy: opts.trustProxy ?? opts.config?.server?.trustProxy,
  });
  await registerWeb(app, {
    store,
    config,
    ruleSet: loadRuleSet(defaultRulesPath()),
    scheduler: {
      scanNow: (id) => {
        scanRequests.push(id);
        return busy.has(id) ? { queued: false, reason: 'a scan of this tenant is already running' } : { queued: true };
      },
    },
    now: clock.now,
    loginRateLimit: { max: 10_000, timeWindow: 60_000 },
    tokenRateLimit: { max: 10_000, timeWindow: 60_000 },
    ...opts.deps,
  });
  await app.ready();

  return {
    app,
    store,
    dbPath,
    tokens,
    tokenIds,
    scanRequests,
    busy,
    clock,
    config,
    log,
    as(name, o) {
      const headers = { ...(o.headers ?? {}) } as Record<string, string>;
      if (name) headers.authorization = `Bearer ${tokens[name]}`;
      return app.inject({ ...o, headers });
    },
    async close() {
      await app.close();
      await store.close();
    },
  };
}

/** Signs in through POST /login and returns the session cookie value and a CSRF token for it. */
/** `webFixture`, closed after each test of the file that calls this (at its top level). */
export function fixturesClosedAfterEach(): (opts?: WebFixtureOptions) => Promise<WebFixture> {
  let open: WebFixture[] = [];
  afterEach(async () => {
    for (const f of open) await f.close();
    open = [];
  });
  return async (opts) => {
    const f = await webFixture(opts);
    open.push(f);
    return f;
  };
}

export async function signIn(f: WebFixture, name: TokenName): Promise<{ cookie: string; csrf: string; setCookie: string }> {
  const res = await f.app.inject({
    method: 'POST',
    url: '/login',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: `token=${encodeURIComponent(f.tokens[name])}&next=%2F`,
  });
  if (res.statusCode !== 303) throw new Error(`sign-in failed: ${res.statusCode} ${res.body}`);
  const setCookie = String(res.headers['set-cookie']);
  const cookie = /ratchet_session=([^;]+)/.exec(setCookie)?.[1];
  if (!cookie) throw new Error(`no session cookie in ${setCookie}`);
  const me = await f.app.inject({ method: 'GET', url: '/api/v1/me', cookies: { ratchet_session: cookie } });
  const csrf = (me.json() as { csrfToken: string }).csrfToken;
  return { cookie, csrf, setCookie };
}
