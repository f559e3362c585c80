/**
 * Test harness: a fake VBR REST server on nock that behaves as the OpenAPI specs say — `x-api-version` required on
 * every call (the token call too; an unknown one gets 400 "Unsupported RESTAPI version"), password grant, bearer
 * tokens, skip/limit paging with `pagination{total,count,skip,limit}` (the server may cap the page size), restore
 * points filtered by `backupObjectIdFilter` and sorted by `orderColumn`/`orderAsc`, sessions filtered by `typeFilter`
 * and `createdAfterFilter` (SessionModel rows as in the spec's `SessionsResultExample`), and `Error` bodies
 * (`{errorCode, message}`). Overrides inject faults per request. Not a test file itself.
 */
import nock, { type ReplyFnResult } from 'nock';
import { answerLater, collectorContext, fixtures, offline, type Reply } from '../../src/collector-kit/testing/fake-server.js';
import { registerSecret } from '../../src/log/secrets.js';
import type { CollectorContext } from '../../src/collector-kit/plugin.js';
import { API_VERSIONS, resolveConfig, type VeeamVbrConfig } from './config.js';

export const BASE = 'https://vbr.contoso.test:9419';
export const USERNAME = 'CONTOSO\\svc-ratchet';
export const PASSWORD = 'Vbr-Corr3ct-Horse-Battery-Staple';
export const TENANT_ID = 'contoso';
/** 06:00 UTC = 08:00 at the backup server (+02:00). */
export const NOW = new Date('2025-07-29T06:00:00Z');

/** Fresh copy of a fixture (tests may mutate it). */
export const fixture = fixtures(import.meta.url);

export function testConfig(overrides: Record<string, unknown> = {}): VeeamVbrConfig {
  return resolveConfig({
    provider: 'veeam-vbr',
    baseUrl: BASE,
    username: USERNAME,
    password: PASSWORD,
    timeoutMs: 5000,
    maxRetries: 2,
    ...overrides,
  } as VeeamVbrConfig);
}

export function testContext(opts: { only?: string[]; signal?: AbortSignal; now?: Date } = {}): CollectorContext {
  return collectorContext({ ...opts, tenantId: TENANT_ID, now: opts.now ?? NOW });
}

export interface Req {
  method: 'GET' | 'POST';
  path: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  form: URLSearchParams | null;
}

export { json, type Reply } from '../../src/collector-kit/testing/fake-server.js';

/** Returns a reply to answer with, or undefined to let the fake answer normally. */
export type Override = (req: Req) => Reply | undefined;

type Row = Record<string, unknown>;

/**
 * Newest restore point per object id in the standard estate (server at +02:00 unless shown otherwise), scanned at
 * NOW = 2025-07-29T06:00Z.
 */
export const STANDARD_POINTS: Record<string, string[]> = {
  // winsrv88: 08:44:39.694Z on 28 Jul → 21.3 h ago.
  '8c6b5a4e-8b47-4b02-9c2a-898cb7359e52': ['2025-07-27T10:40:00.5+02:00', '2025-07-28T10:44:39.694588+02:00'],
  // sql01: 05:30Z → 24.5 h ago (read as UTC it would wrongly be 22.5 h).
  'b74c6a02-e540-4a5c-8eac-e34550614b35': ['2025-07-28T07:30:00+02:00', '2025-07-27T07:30:00+02:00'],
  // lin-web01: 06:30Z → 23.5 h ago (read as UTC it would wrongly be 28.5 h).
  '4f0c2b7e-5d1a-4c8e-9a61-0e2f9d3b7c10': ['2025-07-28T01:30:00-05:00'],
  // win10_pro (a template, excluded by default).
  '8cc1503d-c191-41dc-97a6-d748aff9cad4': ['2025-06-01T12:00:00+02:00'],
  // old-app: 7-digit fraction, 20 Jul 22:00Z → 200 h ago.
  '1d2e3f40-5a6b-4c7d-8e9f-a0b1c2d3e4f5': ['2025-07-20T22:00:00.0000000+00:00', '2025-07-19T22:00:00+00:00'],
  // App1 (vCloud vApp, platformName "Vcd" as in Veeam's own example): 00:00Z → 6 h ago.
  'cd1d334e-e4fc-4a5c-a783-16a9ec783717': ['2025-07-29T01:00:00+01:00'],
};

export class FakeVbr {
  /** Revisions the server accepts in x-api-version. */
  supported: string[] = [...API_VERSIONS];
  jobs: Row[] = [];
  objects: Row[] = [];
  points: Record<string, string[]> = {};
  /** `SessionModel` rows, served by /api/v1/sessions (empty by default: a server with no run history yet). */
  sessions: Row[] = [];
  /** `RepositoryModel` and `ScaleOutRepositoryModel` rows (backupInfrastructure; empty by default). */
  repositories: Row[] = [];
  scaleOut: Row[] = [];
  /** The server's own cap on `limit`. */
  maxPage = 200;
  restorePointDelayMs = 0;
  readonly requests: Req[] = [];
  readonly overrides: Override[] = [];
  tokensIssued = 0;
  inFlight = 0;
  maxInFlight = 0;
  private readonly valid = new Set<string>();

  static standard(): FakeVbr {
    const f = new FakeVbr();
    f.jobs = [...fixture<{ data: Row[] }>('job-states-page1.json').data, ...fixture<{ data: Row[] }>('job-states-page2.json').data];
    f.objects = fixture<{ data: Row[] }>('backup-objects.json').data;
    f.points = structuredClone(STANDARD_POINTS);
    f.sessions = standardSessions();
    // The spec's example repositories, a hardened one ("Storage 3", the target of two jobs) and an unused S3 one.
    f.repositories = fixture<{ data: Row[] }>('repositories.json').data;
    f.scaleOut = fixture<{ data: Row[] }>('scale-out-repositories.json').data;
    return f;
  }

  /** Invalidate every issued token (VBR answers 401 until the client signs in again). */
  revokeTokens(): void {
    this.valid.clear();
  }

  get(path: string): Req[] {
    return this.requests.filter((r) => r.method === 'GET' && r.path === path);
  }

  get tokenRequests(): Req[] {
    return this.requests.filter((r) => r.method === 'POST' && r.path === '/api/oauth2/token');
  }

  install(): this {
    const handle = (method: 'GET' | 'POST', uri: string, headers: Record<string, string>, body: string | null): Reply => {
      const url = new URL(uri, BASE);
      const req: Req = {
        method,
        path: decodeURIComponent(url.pathname),
        query: url.searchParams,
        headers,
        form: method === 'POST' ? new URLSearchParams(body ?? '') : null,
      };
      this.requests.push(req);
      return this.answer(req);
    };
    const headersOf = (h: Record<string, string | string[] | undefined>): Record<string, string> =>
      Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v.join(', ') : String(v ?? '')]));
    const send = (reply: Reply, cb: (err: NodeJS.ErrnoException | null, result: ReplyFnResult) => void) => {
      // nock serialises an object body itself and sends a string as it is.
      answerLater(reply.delayMs, [reply.status, reply.body ?? '', { 'Content-Type': 'application/json; charset=utf-8', ...reply.headers }] as ReplyFnResult, cb);
    };
    nock(BASE)
      .persist()
      .post('/api/oauth2/token')
      .reply(function (uri, body, cb) {
        send(handle('POST', uri, headersOf(this.req.headers), typeof body === 'string' ? body : new URLSearchParams(body as Record<string, string>).toString()), cb);
      })
      .get(/.*/)
      .query(true)
      .reply(function (uri, _body, cb) {
        send(handle('GET', uri, headersOf(this.req.headers), null), cb);
      });
    return this;
  }

  private answer(req: Req): Reply {
    const version = req.headers['x-api-version'];
    if (!version || !this.supported.includes(version)) {
      return { status: 400, body: { ...fixture<Record<string, unknown>>('error-unsupported-version.json'), message: `Unsupported RESTAPI version. The following versions are supported: ${this.supported.join(', ')}` } };
    }
    for (const o of this.overrides) {
      const r = o(req);
      if (r) return r;
    }
    if (req.method === 'POST') return this.token(req);
    const auth = req.headers.authorization ?? '';
    if (!auth.startsWith('Bearer ') || !this.valid.has(auth.slice(7))) {
      return { status: 401, body: fixture('error-expired-token.json') };
    }
    switch (req.path) {
      case '/api/v1/jobs/states':
        return this.page(req, this.jobs);
      case '/api/v1/backupObjects':
        return this.page(req, this.objects);
      case '/api/v1/restorePoints':
      case '/api/v1/objectRestorePoints':
        return this.restorePoints(req);
      case '/api/v1/sessions':
        return this.page(req, this.filterSessions(req));
      case '/api/v1/backupInfrastructure/repositories':
        return this.page(req, this.repositories);
      case '/api/v1/backupInfrastructure/scaleOutRepositories':
        return this.page(req, this.scaleOut);
      default:
        return { status: 404, body: { errorCode: 'NotFound', message: `No resource at ${req.path}`, resourceId: '' } };
    }
  }

  private token(req: Req): Reply {
    const form = req.form!;
    if (form.get('grant_type') !== 'password' || form.get('username') !== USERNAME || form.get('password') !== PASSWORD) {
      return { status: 401, body: fixture('error-token-credentials.json') };
    }
    this.tokensIssued += 1;
    const token = `vbr-token-${this.tokensIssued}`;
    this.valid.add(token);
    return { status: 200, body: { ...fixture<Record<string, unknown>>('token.json'), access_token: token } };
  }

  private page(req: Req, rows: Row[], extra: Partial<Reply> = {}): Reply {
    const skip = Number(req.query.get('skip') ?? 0);
    const limit = Math.min(Number(req.query.get('limit') ?? this.maxPage), this.maxPage);
    const data = rows.slice(skip, skip + limit);
    return { status: 200, body: { data, pagination: { total: rows.length, count: data.length, skip, limit } }, ...extra };
  }

  private filterSessions(req: Req): Row[] {
    const type = req.query.get('typeFilter');
    const after = req.query.get('createdAfterFilter');
    const rows = this.sessions.filter(
      (s) => (type === null || s.sessionType === type) && (after === null || Date.parse(s.creationTime as string) > Date.parse(after)),
    );
    // orderColumn CreationTime|EndTime (sessions without an end last), orderAsc; rows as stored when unsorted.
    const column = req.query.get('orderColumn');
    if (column !== 'CreationTime' && column !== 'EndTime') return rows;
    const field = column === 'EndTime' ? 'endTime' : 'creationTime';
    const t = (s: Row) => (typeof s[field] === 'string' ? Date.parse(s[field]) : Number.POSITIVE_INFINITY);
    const asc = req.query.get('orderAsc') !== 'false';
    return [...rows].sort((a, b) => (asc ? t(a) - t(b) : t(b) - t(a)) || 0);
  }

  private restorePoints(req: Req): Reply {
    const objectId = req.query.get('backupObjectIdFilter');
    const times = objectId ? (this.points[objectId] ?? []) : Object.values(this.points).flat();
    const template = fixture<{ data: Row[] }>('restore-point.json').data[0]!;
    let rows = times.map((creationTime, i) => ({ ...template, id: `${objectId ?? 'rp'}-${i}`, creationTime }));
    if (req.query.get('orderColumn') === 'CreationTime') {
      const asc = req.query.get('orderAsc') !== 'false';
      rows = rows.sort((a, b) => (Date.parse(a.creationTime) - Date.parse(b.creationTime)) * (asc ? 1 : -1));
    }
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    const delayMs = this.restorePointDelayMs;
    const done = () => {
      this.inFlight -= 1;
    };
    if (delayMs) setTimeout(done, delayMs);
    else done();
    return this.page(req, rows, { delayMs });
  }
}

export const vbrError = (status: number, name: string, headers?: Record<string, string>): Reply => ({ status, body: fixture(name), headers });

/** Answer the first `times` matching requests with `reply`, then let the fake answer normally. */
export function times(n: number, match: (req: Req) => boolean, reply: Reply): Override {
  let left = n;
  return (req) => {
    if (left > 0 && match(req)) {
      left -= 1;
      return reply;
    }
    return undefined;
  };
}

export const isPath = (path: string) => (req: Req) => req.path === path;

/**
 * The standard run history: 7 finished backup job runs (5 Success, 1 Warning, 1 Failed → 6 of 7 successful), one
 * still running, one configuration backup (another session type) and one backup run 31 days old (outside the window).
 */
export function standardSessions(): Record<string, unknown>[] {
  return [
    sessionRow(30, 'Success', { hoursAgo: 31 * 24 }),
    sessionRow(6, 'Success'),
    sessionRow(5, 'Failed'),
    sessionRow(4, 'Success'),
    sessionRow(3, 'Warning'),
    sessionRow(20, 'Success', { sessionType: 'ConfigurationBackup', name: 'Backup Configuration Job' }),
    sessionRow(2, 'Success'),
    sessionRow(1, 'Success'),
    sessionRow(0, 'Success'),
    sessionRow(40, 'None', { hoursAgo: 0.5, state: 'Working' }),
  ];
}

/** One `SessionModel` row (1.2+ shape) of a backup job run. */
export function sessionRow(
  n: number,
  result: 'Success' | 'Warning' | 'Failed' | 'None',
  opts: { hoursAgo?: number; state?: string; sessionType?: string; name?: string; isCanceled?: boolean } = {},
): Record<string, unknown> {
  const created = new Date(NOW.getTime() - (opts.hoursAgo ?? 24 * (n + 1)) * 3_600_000);
  const state = opts.state ?? 'Stopped';
  return {
    sessionType: opts.sessionType ?? 'BackupJob',
    state,
    id: `00000000-0000-4000-9000-${String(n).padStart(12, '0')}`,
    name: opts.name ?? 'Backup Job 1',
    jobId: 'c05dfa57-f59a-4e90-8065-b7f5d3276406',
    creationTime: created.toISOString().replace('Z', '+00:00'),
    endTime: state === 'Stopped' ? new Date(created.getTime() + 20 * 60_000).toISOString().replace('Z', '+00:00') : null,
    progressPercent: state === 'Stopped' ? 100 : 40,
    result: { result, message: result === 'Failed' ? 'Creating synthetic full backup (22% done)' : '', isCanceled: opts.isCanceled ?? false },
    resourceId: 'c7478158-7c99-4bab-93b1-c3efdd1062fa',
    resourceReference: '/api/v1/backups/c7478158-7c99-4bab-93b1-c3efdd1062fa',
    parentSessionId: null,
    usn: n,
  };
}

/**
 * One `SessionModel` row of a SureBackup job run (`sessionType: SureBackup`, 1.2-rev1 … 1.3-rev2 `ESessionType`), which
 * ended `daysAgo` days (plus `hoursPast` hours) before NOW and ran 40 minutes.
 */
export function sureBackupRow(
  n: number,
  result: 'Success' | 'Warning' | 'Failed' | 'None',
  daysAgo: number,
  opts: { hoursPast?: number; state?: string; isCanceled?: boolean; sessionType?: string } = {},
): Record<string, unknown> {
  const end = new Date(NOW.getTime() - (daysAgo * 24 + (opts.hoursPast ?? 3)) * 3_600_000);
  const row = sessionRow(n, result, { hoursAgo: 0, state: opts.state, isCanceled: opts.isCanceled, sessionType: opts.sessionType ?? 'SureBackup', name: 'SureBackup Job 1' });
  const running = opts.state !== undefined && opts.state !== 'Stopped';
  return {
    ...row,
    id: `00000000-0000-4000-a000-${String(n).padStart(12, '0')}`,
    jobId: '5f0d4a3c-2b1e-4c9d-8e7f-6a5b4c3d2e1f',
    creationTime: new Date(end.getTime() - 40 * 60_000).toISOString().replace('Z', '+00:00'),
    // The server's zone (+02:00), as VBR stamps it.
    endTime: running ? null : `${new Date(end.getTime() + 2 * 3_600_000).toISOString().slice(0, 23)}+02:00`,
    resourceId: null,
    resourceReference: null,
  };
}

/** Every test of a file offline (only nock answers) with the VBR password registered for log scrubbing. */
export function offlineWithVbrSecret(): void {
  offline({ clearSecrets: true, before: () => registerSecret(PASSWORD) });
}
