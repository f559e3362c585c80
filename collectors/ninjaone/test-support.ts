/**
 * Test harness: nock stands in for a NinjaOne instance — the OAuth token endpoint and the /v2 routes — with the
 * vendor's documented paging (keyset `after` on devices, cursor objects on queries) and device filter (`df`).
 * Fixtures in fixtures/ follow the spec's response shapes. Not a test file itself.
 */
import nock from 'nock';
import { answerLater, collectorContext, fixtures, json, nockReply, offline, Routes, type Reply } from '../../src/collector-kit/testing/fake-server.js';
import type { CollectorContext } from '../../src/collector-kit/plugin.js';
import { ninjaoneConfigSchema, type NinjaOneConfig } from './config.js';

export const BASE = 'https://ninja.test';
export const CLIENT_ID = 'ratchet-client-id-0001';
export const SECRET = 'ninja-secret-correct-horse-battery';
export const ORG = 12;
export const OTHER_ORG = 99;
/** 2024-06-01T00:00:00Z = epoch 1717200000 s. */
export const NOW = new Date('2024-06-01T00:00:00Z');
export const NOW_S = NOW.getTime() / 1000;
/** Small pages so fixtures exercise paging. */
export const TEST_PAGE_SIZE = 3;

/** Fixture with `"$NOW-<seconds>"` strings replaced by epoch seconds relative to NOW (and `"$NOWMS-<s>"` by ms). */
export const fixture: <T = unknown>(name: string) => T = fixtures(import.meta.url, (text) =>
  text
    .replace(/"\$NOWMS-([0-9.]+)"/g, (_m, s: string) => String((NOW_S - Number(s)) * 1000))
    .replace(/"\$NOW-([0-9.]+)"/g, (_m, s: string) => String(NOW_S - Number(s))),
);

export function testConfig(overrides: Record<string, unknown> = {}): NinjaOneConfig {
  const raw: Record<string, unknown> = {
    provider: 'ninjaone',
    baseUrl: BASE,
    clientId: CLIENT_ID,
    clientSecret: SECRET,
    organizationId: ORG,
    timeoutMs: 2000,
    maxRetries: 2,
    ...overrides,
  };
  for (const [k, v] of Object.entries(raw)) if (v === undefined) delete raw[k];
  return ninjaoneConfigSchema.parse(raw);
}

export function testContext(opts: { only?: string[]; signal?: AbortSignal; tenantId?: string } = {}): CollectorContext {
  return collectorContext({ ...opts, now: NOW });
}

/** Transport options for tests: fast backoff, small pages. */
export const FAST = { backoffBaseMs: 5, pageSize: TEST_PAGE_SIZE } as const;

export interface RequestInfo {
  path: string;
  query: URLSearchParams;
  authorization: string | undefined;
}

export { json, type Reply } from '../../src/collector-kit/testing/fake-server.js';

export type Handler = (req: RequestInfo) => Reply;

export const ninjaError = (status: number, resultCode: string, errorMessage: string, headers?: Record<string, string>): Reply => ({
  status,
  body: { resultCode, errorMessage },
  headers,
});

/** Replies in order; the last one repeats. */
export function sequence(...replies: Array<Reply | Handler>): Handler {
  let i = 0;
  return (req) => {
    const r = replies[Math.min(i++, replies.length - 1)]!;
    return typeof r === 'function' ? r(req) : r;
  };
}

/** The organisation a `df` selects (`org = 12` or `org=12`), or null for none. */
export function orgOf(df: string | null): number | null {
  const m = /^\s*org\s*=\s*(\d+)\s*$/.exec(df ?? '');
  return m ? Number(m[1]) : null;
}

/** A device-like row's organisation, from a lookup of device ids (query rows carry only `deviceId`). */
type OrgLookup = (row: Record<string, unknown>) => number | null | undefined;

/**
 * Keyset paging of /v2/devices-detailed: rows with id > `after`, ascending, `pageSize` at a time, `df` applied
 * unless `ignoreDf`.
 */
export function keysetDevices(rows: Array<Record<string, unknown>>, opts: { ignoreDf?: boolean } = {}): Handler {
  return (req) => {
    const org = opts.ignoreDf ? null : orgOf(req.query.get('df'));
    const after = Number(req.query.get('after') ?? Number.NEGATIVE_INFINITY);
    const size = Number(req.query.get('pageSize') ?? 1000);
    const page = rows
      .filter((r) => org === null || r.organizationId === org)
      .filter((r) => (r.id as number) > after)
      .sort((a, b) => (a.id as number) - (b.id as number))
      .slice(0, size);
    return json(page);
  };
}

/**
 * Cursor paging of /v2/queries/*: the first call opens a cursor (name fixed per query), later calls pass
 * `cursor=<name>` and advance by `pageSize`. `df` applied via `orgOfRow` unless `ignoreDf`.
 */
export function cursorQuery(rows: Array<Record<string, unknown>>, orgOfRow: OrgLookup, opts: { ignoreDf?: boolean; name?: string } = {}): Handler {
  const name = opts.name ?? 'c0ffee-cursor';
  const offsets = new Map<string, number>();
  return (req) => {
    const org = opts.ignoreDf ? null : orgOf(req.query.get('df'));
    const size = Number(req.query.get('pageSize') ?? 1000);
    const filtered = rows.filter((r) => org === null || orgOfRow(r) === org);
    const cur = req.query.get('cursor');
    if (cur !== null && cur !== name) return ninjaError(400, 'INVALID_CURSOR', `unknown cursor ${cur}`);
    const offset = cur === null ? 0 : (offsets.get(name) ?? 0);
    const results = filtered.slice(offset, offset + size);
    offsets.set(name, offset + results.length);
    return json({ cursor: { name, offset, count: results.length, expires: 1717203600.5 }, results });
  };
}

/**
 * GET /v2/activities: the log newest first (descending id), filtered by `df` (via the device), `type` (activityType),
 * `seriesUid`, `after` (epoch seconds, exclusive) and `olderThan` (id, exclusive), `pageSize` rows at a time
 * (default 200), in the spec's `{ lastActivityId, activities }` shape.
 */
export function activityLog(rows: Array<Record<string, unknown>>, orgOfRow: OrgLookup, opts: { ignoreDf?: boolean; ignoreAfter?: boolean } = {}): Handler {
  return (req) => {
    const org = opts.ignoreDf ? null : orgOf(req.query.get('df'));
    const q = (k: string) => req.query.get(k);
    const size = Number(q('pageSize') ?? 200);
    const after = q('after') === null || opts.ignoreAfter ? Number.NEGATIVE_INFINITY : Number(q('after'));
    const olderThan = q('olderThan') === null ? Number.POSITIVE_INFINITY : Number(q('olderThan'));
    const page = rows
      .filter((r) => org === null || orgOfRow(r) === org)
      .filter((r) => q('type') === null || r.activityType === q('type'))
      .filter((r) => q('seriesUid') === null || r.seriesUid === q('seriesUid'))
      .filter((r) => (r.activityTime as number) > after && (r.id as number) < olderThan)
      .sort((a, b) => (b.id as number) - (a.id as number))
      .slice(0, size);
    return json({ lastActivityId: Math.max(0, ...rows.map((r) => r.id as number)), activities: page });
  };
}

export class FakeNinja extends Routes<RequestInfo, Reply> {
  tokenRequests = 0;
  readonly tokenForms: URLSearchParams[] = [];
  /** Override the token endpoint's answer (e.g. a 500). */
  tokenReply: Reply | null = null;

  constructor(
    private readonly host: string = BASE,
    private readonly secret: string = SECRET,
    /** Path prefix the instance lives under (the simulator serves `https://host:port/ninjaone`). */
    private readonly prefix: string = '',
  ) {
    super((req) => ninjaError(404, 'NOT_FOUND', `no fake route for ${req.path}`));
  }

  install(): this {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- nock binds `this` to the intercepted request
    const fake = this;
    nock(this.host)
      .persist()
      .post(`${this.prefix}/ws/oauth/token`)
      .reply((_uri, body) => {
        fake.tokenRequests += 1;
        const form = new URLSearchParams(typeof body === 'string' ? body : '');
        fake.tokenForms.push(form);
        if (fake.tokenReply) return nockReply({ status: fake.tokenReply.status, body: fake.tokenReply.body ?? '' });
        if (form.get('grant_type') === 'client_credentials' && form.get('client_id') === CLIENT_ID && form.get('client_secret') === fake.secret) {
          return [200, { access_token: `tok-${fake.tokenRequests}`, token_type: 'bearer', expires_in: 3600, scope: form.get('scope') ?? '' }];
        }
        return [401, fixture('token-invalid-client.json')];
      })
      .get((uri) => uri.startsWith(`${fake.prefix}/v2/`))
      .query(true)
      .reply(function (uri, _body, callback) {
        const u = new URL(uri, 'https://fake.invalid/');
        const auth = this.req.headers.authorization;
        const info: RequestInfo = { path: decodeURIComponent(u.pathname).slice(fake.prefix.length), query: u.searchParams, authorization: Array.isArray(auth) ? auth[0] : auth };
        const reply = info.authorization?.startsWith('Bearer tok-') ? fake.dispatch(info) : ninjaError(401, 'UNAUTHORIZED', 'missing or invalid token');
        answerLater(reply.delayMs, nockReply(reply), callback);
      });
    return this;
  }
}

/** Device id → organisation, from the devices fixture, for filtering query rows by `df`. */
export function orgLookup(devices: Array<Record<string, unknown>>): OrgLookup {
  const byId = new Map(devices.map((d) => [d.id as number, d.organizationId as number]));
  return (row) => byId.get(row.deviceId as number) ?? null;
}

/** Routes of a healthy organisation 12 (with a foreign organisation 99 the server filters out). */
export function standardTenant(fake: FakeNinja, opts: { ignoreDf?: boolean } = {}): FakeNinja {
  const devices = fixture<Array<Record<string, unknown>>>('devices-detailed.json');
  const lookup = orgLookup(devices);
  const alerts = fixture<Array<Record<string, unknown>>>('alerts.json');
  return fake
    .on('/v2/devices-detailed', keysetDevices(devices, opts))
    .on('/v2/queries/os-patches', cursorQuery(fixture('os-patches.json'), lookup, { ...opts, name: 'os-patches-cursor' }))
    .on('/v2/queries/antivirus-status', cursorQuery(fixture('antivirus-status.json'), lookup, { ...opts, name: 'av-cursor' }))
    .on('/v2/alerts', (req) => {
      const org = opts.ignoreDf ? null : orgOf(req.query.get('df'));
      return json(alerts.filter((a) => org === null || lookup(a) === org));
    })
    .on('/v2/activities', activityLog(fixture('activities.json'), lookup, opts))
    .on('/v2/policies', json(fixture('policies.json')))
    .on(/^\/v2\/organization\/\d+$/, (req) =>
      req.path === `/v2/organization/${ORG}` ? json({ id: ORG, name: 'Contoso Ltd', nodeApprovalMode: 'AUTOMATIC' }) : ninjaError(404, 'NOT_FOUND', 'Organization not found'),
    );
}

/** Every test of a file (or describe block) offline — only nock answers — with a fresh fake NinjaOne handed to `use`. */
export function offlineWithFakeNinja(use: (fake: FakeNinja) => void): void {
  offline({ clearSecrets: true, before: () => use(new FakeNinja()) });
}
