/**
 * Issue 9: `ratchet serve` died on its first anonymous request, and no test saw it because the suites ran with a quiet
 * logger. This test runs `serve` the way the container does — its own process, the real logger at the default level
 * (info), secrets from `${env:…}` and `${file:…}` references, catch-up scans running meanwhile — and sweeps it with
 * hostile requests: every route of the OpenAPI document and every page the UI registers, anonymously, with bad
 * credentials, with a read-only token on routes that need more, with hostile path parameters (raw and encoded),
 * hostile query strings, oversized, mistyped, malformed and deeply nested bodies, odd methods and raw paths.
 *
 * Afterwards: no response was a server error or echoed a secret or a credential, anonymous API requests were 401 and
 * anonymous page requests were sent to `/login?next=<a local path>`, the process is alive and healthy, each request
 * left one `request` log line (method, route, status, ms), nothing was logged at error level, no log line holds a
 * secret, and SIGTERM ends the process with exit 0.
 */
import { readFileSync } from 'node:fs';
import { request, type IncomingHttpHeaders } from 'node:http';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logPath } from '../../src/log/logger.js';
import { SAMPLE_TENANTS } from '../../src/app/simulator.js';
import { poll } from '../helpers/poll.js';
import { startServeProcess, type ServeProcess } from '../../bench/lib/serve-process.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
/** Parallel clients of the sweep. */
const CLIENTS = 8;
const REQUEST_TIMEOUT_MS = 20_000;
/** Response bodies are read up to this size (the OpenAPI document is the largest). */
const MAX_BODY = 4 * 1024 * 1024;

// ── what is sent ──────────────────────────────────────────────────────────────────────────────────────────────────

interface Probe {
  /** What the probe tests, for the failure messages. */
  what: string;
  method: string;
  /** The raw request target, sent as is (node:http does not normalise it). */
  path: string;
  headers?: Record<string, string>;
  body?: string;
  /** A problem with the reply, or null. */
  check?: (r: Reply) => string | null;
  /**
   * A large upload the server may answer (with this status) and close before the client has sent it all: the client
   * may then see the connection break instead of the answer, and the server's log line stands for the answer. Several
   * statuses when which one comes first is a race (a rate-limited route: 429 before the body, or 413 while reading it).
   */
  resetStatus?: number | number[];
}

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  /** Set when the exchange failed (no response, or the connection broke before the response ended). */
  error?: string;
  /** Answered by the application (not refused by Node's HTTP parser, which sets no security headers). */
  routed: boolean;
}

interface Exchange {
  probe: Probe;
  reply: Reply;
}

/** Sends one request over its own connection, exactly as given; never rejects. */
function send(base: URL, probe: Probe): Promise<Reply> {
  return new Promise((resolveReply) => {
    let status = 0;
    let headers: IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const done = (error?: string) => {
      if (settled) return;
      settled = true;
      resolveReply({ status, headers, body: Buffer.concat(chunks).toString('utf8'), error, routed: headers['x-content-type-options'] !== undefined });
    };
    const body = probe.body === undefined ? undefined : Buffer.from(probe.body, 'utf8');
    let req;
    try {
      req = request({
        host: base.hostname,
        port: base.port,
        method: probe.method,
        path: probe.path,
        headers: { ...probe.headers, ...(body ? { 'content-length': String(body.length) } : {}) },
        agent: false,
        timeout: REQUEST_TIMEOUT_MS,
      });
    } catch (e) {
      done(`not sendable: ${(e as Error).message}`);
      return;
    }
    req.on('response', (res) => {
      status = res.statusCode ?? 0;
      headers = res.headers;
      res.on('data', (c: Buffer) => {
        if (size < MAX_BODY) chunks.push(c);
        size += c.length;
      });
      res.on('end', () => done());
      res.on('error', (e) => done(e.message));
      res.on('aborted', () => done('response aborted'));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`)));
    // The server may answer (401, 413) and close before it has read a large body: the answer is what counts.
    req.on('error', (e) => done(status === 0 ? e.message : undefined));
    req.end(body);
  });
}

async function sweep(base: URL, probes: Probe[]): Promise<Exchange[]> {
  const out: Exchange[] = [];
  let next = 0;
  const worker = async () => {
    while (next < probes.length) {
      const probe = probes[next++]!;
      out.push({ probe, reply: await send(base, probe) });
    }
  };
  await Promise.all(Array.from({ length: CLIENTS }, worker));
  return out;
}

// ── hostile inputs ────────────────────────────────────────────────────────────────────────────────────────────────

const HOSTILE_VALUES: Array<[string, string]> = [
  ['traversal', '../../etc/passwd'],
  ['NUL escape', '%00'],
  ['encoded traversal', '%2e%2e%2f'],
  ['10 kB segment', 'A'.repeat(10_240)],
  ['script', '<script>alert(1)</script>'],
  ['unicode', 'ünïcødé-☃-𝄞-\u202e-ﬀ'],
  ['backslash traversal', '..%5c..%5cwindows'],
  ['bad escape', '%E0%A4%A'],
];

/** Each hostile value as a client library would send it (encoded) and raw, where HTTP/1.1 lets it through. */
function hostileSegments(): Array<{ what: string; segment: string }> {
  const out: Array<{ what: string; segment: string }> = [];
  for (const [what, v] of HOSTILE_VALUES) {
    out.push({ what: `${what} (encoded)`, segment: encodeURIComponent(v) });
    // node:http refuses characters outside \u0021-\u00ff in a raw path; those only travel encoded.
    if (!/[^\u0021-\u00ff]/.test(v)) out.push({ what: `${what} (raw)`, segment: v });
  }
  return out;
}

const HOSTILE_QUERIES: Array<[string, string]> = [
  ['open redirect', '?next=//evil.example'],
  ['encoded open redirect', '?next=%2F%2Fevil.example%2F'],
  ['repeated params', '?limit=1&limit=2&limit=3&page=1&page=x&pageSize=5&pageSize=5'],
  ['5,000 params', `?${Array.from({ length: 5000 }, () => 'x').join('&')}`],
  ['huge value', `?q=${'Z'.repeat(10_000)}&capability=${'c'.repeat(10_000)}`],
  ['prototype keys', '?__proto__=1&constructor=2&toString=3&hasOwnProperty=4&__proto__[polluted]=1'],
  ['odd numbers', '?limit=-1&page=1e309&pageSize=NaN&level=99'],
  ['script', '?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E&sort=cap:__proto__&outcome=%00'],
  ['diff ids', `?from=${'a'.repeat(5000)}&to=../../etc/passwd`],
  ['bad escape', '?q=%E0%A4%A&next=%'],
];

/** Refused by Node's HTTP parser (over the 16 kB header limit): must be 431, never reach the app, never crash it. */
const OVERSIZED_QUERY = `?q=${'Q'.repeat(20_000)}`;

const HUGE_HEADER = 'x'.repeat(20 * 1024);
const BAD_CREDENTIALS: Array<[string, Record<string, string>]> = [
  ['bogus token', { authorization: 'Bearer rtk_bogus_xxx' }],
  ['empty bearer', { authorization: 'Bearer ' }],
  ['basic auth', { authorization: `Basic ${Buffer.from('admin:hunter2-password').toString('base64')}` }],
  ['well-formed unknown token', { authorization: `Bearer rtk_0123456789ab_${'A'.repeat(43)}` }],
  ['20 kB authorization', { authorization: `Bearer ${HUGE_HEADER}` }],
  ['bad session cookie', { cookie: 'ratchet_session=not-a-session' }],
];
/** Credential values a client sent: the server must never echo them. */
const SENT_CREDENTIALS = ['rtk_bogus_xxx', Buffer.from('admin:hunter2-password').toString('base64'), `rtk_0123456789ab_${'A'.repeat(43)}`, 'not-a-session'];

const MB = 1024 * 1024;
const JSON_TYPE = { 'content-type': 'application/json' };
const FORM_TYPE = { 'content-type': 'application/x-www-form-urlencoded' };
/** What, content type, body, and the status of a server that stops reading it early (over a body limit). */
const HOSTILE_BODIES: Array<[string, Record<string, string>, string, number?]> = [
  ['1 MB JSON', JSON_TYPE, JSON.stringify({ comment: 'x'.repeat(1_000_000), note: 'n', name: 'n', role: 'viewer' })],
  ['10 MB JSON', JSON_TYPE, JSON.stringify({ comment: 'y'.repeat(10 * MB) }), 413],
  ['wrong content type', { 'content-type': 'application/xml' }, '<comment>x</comment>'],
  ['text body', { 'content-type': 'text/plain' }, 'comment=hello'],
  ['malformed JSON', JSON_TYPE, '{"comment": "x", '],
  ['empty JSON', JSON_TYPE, ''],
  ['10,000 nested arrays', JSON_TYPE, `{"comment":${'['.repeat(10_000)}${']'.repeat(10_000)}}`],
  ['10,000 nested objects', JSON_TYPE, `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`],
  ['prototype pollution', JSON_TYPE, '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"comment":"x"}'],
  ['100 kB form', FORM_TYPE, `comment=${'f'.repeat(100 * 1024)}`, 413],
];

/** Raw request targets a scanner or a confused proxy sends. */
const HOSTILE_PATHS = [
  '/%2e%2e/',
  '/%2e%2e/%2e%2e/etc/passwd',
  '/../../etc/passwd',
  '//evil.example',
  '//evil.example/%2e%2e',
  '/\\evil',
  '/\\\\evil.example/',
  '/%5Cevil.example',
  '/%09/evil.example',
  '/%00',
  '/%E0%A4%A',
  '///',
  '/login?next=/%09/evil',
  '/login?next=//evil.example',
  '/login?next=%2F%2Fevil.example',
  '/login?next=/\\evil',
  '/login?next=javascript:alert(1)',
  '/login?next=%2Flogin%3Fnext%3D%2F%2Fevil',
  '/login?next=/tenants/x%0d%0aSet-Cookie:%20a=b',
  '/login?error=%3Cscript%3E&signedout=<script>',
  '/login/',
  '/LOGIN',
  '/logout',
  '/assets/..%2f..%2fpackage.json',
  '/assets/%2e%2e%2f%2e%2e%2fpackage.json',
  '/assets/../../package.json',
  '/assets/.env',
  '/assets/ui.css%00.js',
  '/api/v1/../../etc/passwd',
  '/api/v1/%2e%2e/%2e%2e/',
  '/api/v1/tenants/%2e%2e',
  '/api/v1/tenants/..%5c..%5c',
  '/.git/config',
  '/tenants/%3Cscript%3E/findings/%3Cimg%20src=x%3E',
  '/?q=<script>alert(1)</script>&sort=__proto__&dir=%00',
  `/${'%2e%2e/'.repeat(500)}`,
];

const ODD_METHODS = ['HEAD', 'OPTIONS', 'PUT', 'DELETE', 'PATCH', 'TRACE', 'PROPFIND', 'BOGUS'];

// ── expectations ──────────────────────────────────────────────────────────────────────────────────────────────────

/** A Location the server sends must stay on this site; a sign-in redirect's `next` must be a local path too. */
function unsafeLocation(location: string): string | null {
  if (!location.startsWith('/') || location.startsWith('//') || location.includes('\\') || /[\s\p{Cc}]/u.test(location)) return `redirects off-site: ${location.slice(0, 200)}`;
  const url = new URL(location, 'http://ratchet.test');
  if (url.host !== 'ratchet.test') return `redirects off-site: ${location.slice(0, 200)}`;
  if (url.pathname === '/login' && url.searchParams.has('next')) {
    const next = url.searchParams.get('next')!;
    const target = new URL(next, 'http://ratchet.test');
    if (!next.startsWith('/') || next.startsWith('//') || next.includes('\\') || target.host !== 'ratchet.test' || target.pathname.startsWith('/login')) {
      return `unsafe next in ${location.slice(0, 200)}`;
    }
    let decoded: string;
    try {
      decoded = decodeURIComponent(next);
    } catch {
      return `next with a malformed escape in ${location.slice(0, 200)}`;
    }
    if (decoded.startsWith('//') || decoded.includes('\\') || /[\s\p{Cc}]/u.test(decoded)) return `next that decodes off-site in ${location.slice(0, 200)}`;
  }
  return null;
}

/**
 * Refused before authentication, whoever asks: by Node's HTTP parser (an unknown method, headers over 16 kB), or by the
 * router for a URL it cannot decode (a malformed percent-escape), which answers 400 the same for every path.
 */
const refusedUnread = (r: Reply) =>
  (!r.routed && (r.status === 431 || (r.status === 400 && r.body.includes('"Client Error"')))) || (r.routed && r.status === 400 && r.body.includes('"the URL is malformed"'));

/** Anonymous or badly authenticated API request: 401. */
const expect401 = (r: Reply) => (r.status === 401 || refusedUnread(r) ? null : `expected 401, got ${r.status}`);

/** Anonymous browser request for a page: a redirect to the sign-in page with a safe `next`. */
const expectSignIn = (r: Reply) => {
  if (refusedUnread(r)) return null;
  const location = String(r.headers.location ?? '');
  return r.status === 302 && location.startsWith('/login?next=') ? null : `expected 302 to /login?next=…, got ${r.status} ${location.slice(0, 120)}`;
};

const expectStatus =
  (...statuses: number[]) =>
  (r: Reply) =>
    statuses.includes(r.status) || refusedUnread(r) ? null : `expected ${statuses.join(' or ')}, got ${r.status}`;

// ── the test ──────────────────────────────────────────────────────────────────────────────────────────────────────

/** The page routes the UI and the auth plugin register, read from their sources so a new page is swept too. */
function pageRoutes(): Array<{ method: 'GET' | 'POST'; url: string }> {
  const routes = new Map<string, { method: 'GET' | 'POST'; url: string }>();
  for (const file of ['src/web/ui/pages.ts', 'src/web/ui/index.ts', 'src/web/auth.ts']) {
    const source = readFileSync(join(ROOT, file), 'utf8');
    for (const m of source.matchAll(/\bapp\.(get|post)(?:<[^(]*?>)?\(\s*'(\/[^']*)'/g)) {
      const method = m[1]!.toUpperCase() as 'GET' | 'POST';
      routes.set(`${method} ${m[2]}`, { method, url: m[2]! });
    }
  }
  return [...routes.values()];
}

const fill = (template: string, values: Record<string, string>) =>
  template.replace(/\{(\w+)\}|:(\w+)/g, (_, a: string | undefined, b: string | undefined) => {
    const name = (a ?? b)!;
    const v = values[name];
    if (v === undefined) throw new Error(`no value for the path parameter ${name} of ${template}`);
    return v;
  });

/** The names of the path parameters of a route template (`{id}` or `:id`). */
const paramsOf = (template: string) => [...template.matchAll(/\{(\w+)\}|:(\w+)/g)].map((m) => (m[1] ?? m[2])!);

let sp: ServeProcess;
let exchanges: Exchange[] = [];
/** The requests that found the ids and signed in, before the sweep (they are in the log too). */
const setup: Exchange[] = [];
let stopped = false;

beforeAll(async () => {
  sp = await startServeProcess({
    sim: { tenants: SAMPLE_TENANTS },
    extraConfig: { schedule: { cron: '0 2 * * *', timezone: 'UTC', concurrency: 2, jitterSeconds: 0 } },
  });
  const base = new URL(sp.url);
  const { viewer, technician, admin } = sp.tokens;
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const setupSend = async (probe: Probe) => {
    const reply = await send(base, probe);
    setup.push({ probe, reply });
    return reply;
  };
  const getJson = async (path: string, token = viewer) => {
    const r = await setupSend({ what: 'setup', method: 'GET', path, headers: bearer(token) });
    if (r.status !== 200) throw new Error(`GET ${path}: ${r.status} ${r.body.slice(0, 300)}`);
    return JSON.parse(r.body) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  };

  // Real ids: a tenant whose catch-up scan has landed (the others are still scanning during the sweep).
  const scanned = await poll(async () => {
    const { tenants } = await getJson('/api/v1/tenants');
    return (tenants as Array<{ id: string; lastScan: { id: string } | null }>).find((t) => t.lastScan !== null);
  }, 'a first catch-up scan', 45_000, 100);
  const report = await getJson(`/api/v1/tenants/${scanned.id}/scans/${scanned.lastScan!.id}`);
  const episodes = (await getJson(`/api/v1/tenants/${scanned.id}/episodes`)).episodes as Array<{ id: string }>;
  const me = await getJson('/api/v1/me');
  // Path parameters by name, as the OpenAPI document (`{id}`) and the pages (`:id`) call them.
  const real: Record<string, string> = {
    id: scanned.id,
    scanId: scanned.lastScan!.id,
    key: (report.evidence as Array<{ key: string }>)[0]!.key,
    ruleId: (report.findings as Array<{ ruleId: string }>)[0]!.ruleId,
    episodeId: episodes[0]?.id ?? 'no-such-episode',
    aid: 'no-such-attestation',
    attestationId: 'no-such-attestation',
    tokenId: me.principal.tokenId as string,
    file: 'ui.css',
  };

  const openapi = await getJson('/api/v1/openapi.json');
  const apiRoutes: Array<{ method: string; template: string; role: 'viewer' | 'technician' | 'admin' }> = [];
  for (const [template, ops] of Object.entries(openapi.paths as Record<string, Record<string, unknown>>)) {
    for (const method of Object.keys(ops)) {
      const role = template.startsWith('/api/v1/tokens') ? 'admin' : method === 'get' ? 'viewer' : 'technician';
      apiRoutes.push({ method: method.toUpperCase(), template, role });
    }
  }
  apiRoutes.push({ method: 'GET', template: '/api/v1/openapi.json', role: 'viewer' });

  // Two browser sessions (sign-in is rate limited per token: one each).
  const session = async (token: string) => {
    const r = await setupSend({ what: 'sign-in', method: 'POST', path: '/login', headers: FORM_TYPE, body: `token=${encodeURIComponent(token)}&next=%2F` });
    const cookie = /ratchet_session=([^;]+)/.exec(String(r.headers['set-cookie'] ?? ''))?.[1];
    if (r.status !== 303 || !cookie) throw new Error(`sign-in failed: ${r.status}`);
    return { cookie: `ratchet_session=${cookie}` };
  };
  const viewerSession = await session(viewer);
  const technicianSession = await session(technician);

  const probes: Probe[] = [];
  const add = (p: Probe) => probes.push(p);
  const segments = hostileSegments();
  /** A body the route accepts, so that a role check (not validation) decides. */
  const validBody = (template: string): string | undefined => {
    if (template.endsWith('/acknowledge')) return JSON.stringify({ comment: 'accepted for now' });
    if (template.endsWith('/attestations')) {
      const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
      return JSON.stringify({ kind: 'dr_plan', note: 'DR plan', attestedAt: day(-1), expiresAt: day(180) });
    }
    if (template === '/api/v1/tokens') return JSON.stringify({ name: 'sweep', role: 'viewer' });
    return undefined;
  };

  // The REST API: every route of the OpenAPI document.
  for (const route of apiRoutes) {
    const path = fill(route.template, real);
    const body = route.method === 'GET' ? undefined : validBody(route.template);
    const type = body === undefined ? {} : JSON_TYPE;
    const where = `${route.method} ${route.template}`;
    add({ what: `${where} anonymous`, method: route.method, path, headers: type, body, check: expect401 });
    for (const [what, headers] of BAD_CREDENTIALS) add({ what: `${where} ${what}`, method: route.method, path, headers: { ...type, ...headers }, body, check: expect401 });
    // The viewer may read; anything more is 403 (the token routes count calls per token first: 429 is fine there).
    add({
      what: `${where} viewer`,
      method: route.method,
      path,
      headers: { ...type, ...bearer(viewer) },
      body,
      check: route.role === 'viewer' ? undefined : route.role === 'admin' ? expectStatus(403, 429) : expectStatus(403),
    });
    if (route.method === 'GET') {
      for (const [what, query] of HOSTILE_QUERIES) {
        add({ what: `${where} viewer, query: ${what}`, method: 'GET', path: `${path}${query}`, headers: bearer(viewer) });
        add({ what: `${where} anonymous, query: ${what}`, method: 'GET', path: `${path}${query}`, check: expect401 });
      }
    } else {
      // Bodies, sent with the role that may act so that they reach the parsers and validators (the token routes allow
      // an admin 10 calls a minute: the later ones are 429 before their body is read).
      const actor = route.role === 'admin' ? admin : technician;
      for (const [what, headers, hostileBody, early] of HOSTILE_BODIES) {
        const resetStatus = early === undefined ? undefined : route.role === 'admin' ? [early, 429] : early;
        add({ what: `${where} ${route.role}, body: ${what}`, method: route.method, path, headers: { ...headers, ...bearer(actor) }, body: hostileBody, resetStatus });
      }
      add({ what: `${where} anonymous, 10 MB body`, method: route.method, path, headers: JSON_TYPE, body: HOSTILE_BODIES[1]![2], check: expect401, resetStatus: 401 });
    }
    // Hostile path parameters, one at a time, the others real.
    for (const name of paramsOf(route.template)) {
      for (const { what, segment } of segments) {
        const hostilePath = fill(route.template, { ...real, [name]: segment });
        const tag = `${where} ${name}=${what}`;
        add({ what: `${tag} anonymous`, method: route.method, path: hostilePath, check: expect401 });
        add({ what: `${tag} viewer`, method: route.method, path: hostilePath, headers: bearer(viewer) });
        if (route.role !== 'viewer' && route.role !== 'admin') add({ what: `${tag} technician`, method: route.method, path: hostilePath, headers: { ...type, ...bearer(technician) }, body });
      }
    }
  }
  add({ what: 'GET /api/v1/tenants oversized query', method: 'GET', path: `/api/v1/tenants${OVERSIZED_QUERY}`, headers: bearer(viewer), check: expectStatus(431) });
  add({ what: 'GET /api/v1/nope anonymous', method: 'GET', path: '/api/v1/nope', check: expect401 });

  // The pages, and the sign-in and sign-out posts.
  const routes = pageRoutes();
  const html = { accept: 'text/html,application/xhtml+xml' };
  for (const route of routes) {
    const where = `${route.method} ${route.url}`;
    const path = fill(route.url, real);
    const isPublic = route.url === '/login' || route.url === '/logout' || route.url.startsWith('/assets/');
    const needs = route.url.startsWith('/admin/') ? 'admin' : route.method === 'POST' && !isPublic ? 'technician' : 'viewer';
    if (route.method === 'GET') {
      add({ what: `${where} anonymous`, method: 'GET', path, headers: html, check: isPublic ? expectStatus(200) : expectSignIn });
      add({ what: `${where} anonymous HEAD`, method: 'HEAD', path, headers: html, check: isPublic ? expectStatus(200) : expectSignIn });
      add({ what: `${where} anonymous, no HTML`, method: 'GET', path, check: isPublic ? expectStatus(200) : expect401 });
      for (const [what, headers] of BAD_CREDENTIALS) add({ what: `${where} ${what}`, method: 'GET', path, headers: { ...html, ...headers }, check: isPublic ? undefined : expectSignIn });
      // The sign-in page sends a signed-in visitor on (303).
      const signedIn = needs === 'admin' ? expectStatus(403) : route.url === '/login' ? expectStatus(200, 303) : expectStatus(200);
      add({ what: `${where} viewer`, method: 'GET', path, headers: { ...html, ...bearer(viewer) }, check: signedIn });
      add({ what: `${where} viewer session`, method: 'GET', path, headers: { ...html, ...viewerSession }, check: signedIn });
      if (!isPublic) {
        for (const [what, query] of HOSTILE_QUERIES) {
          add({ what: `${where} viewer, query: ${what}`, method: 'GET', path: `${path}${query}`, headers: { ...html, ...viewerSession } });
          add({ what: `${where} anonymous, query: ${what}`, method: 'GET', path: `${path}${query}`, headers: html, check: expectSignIn });
        }
      } else {
        for (const [what, query] of HOSTILE_QUERIES) add({ what: `${where} anonymous, query: ${what}`, method: 'GET', path: `${path}${query}`, headers: html });
      }
    } else {
      const form = route.url === '/login' ? 'token=rtk_bogus_xxx&next=%2F%2Fevil.example' : 'comment=ok&kind=dr_plan&note=n&attestedAt=2025-01-01&expiresAt=2026-01-01&name=n&role=viewer&scope=all';
      add({ what: `${where} anonymous`, method: 'POST', path, headers: { ...html, ...FORM_TYPE }, body: form, check: isPublic ? undefined : expect401 });
      for (const [what, headers] of BAD_CREDENTIALS) add({ what: `${where} ${what}`, method: 'POST', path, headers: { ...html, ...FORM_TYPE, ...headers }, body: form, check: isPublic ? undefined : expect401 });
      if (!isPublic) {
        add({ what: `${where} viewer`, method: 'POST', path, headers: { ...html, ...FORM_TYPE, ...bearer(viewer) }, body: form, check: expectStatus(403) });
        // A session post without its CSRF token is refused whatever the role.
        add({ what: `${where} technician session, no CSRF`, method: 'POST', path, headers: { ...html, ...FORM_TYPE, ...technicianSession }, body: form, check: expectStatus(403) });
        for (const [what, headers, hostileBody, early] of HOSTILE_BODIES) {
          add({ what: `${where} ${needs}, body: ${what}`, method: 'POST', path, headers: { ...html, ...headers, ...bearer(needs === 'admin' ? admin : technician) }, body: hostileBody, resetStatus: early });
        }
        add({ what: `${where} anonymous, 10 MB body`, method: 'POST', path, headers: JSON_TYPE, body: HOSTILE_BODIES[1]![2], check: expect401, resetStatus: 401 });
      } else {
        for (const [what, headers, hostileBody, early] of HOSTILE_BODIES) {
          add({ what: `${where} anonymous, body: ${what}`, method: 'POST', path, headers: { ...html, ...headers }, body: hostileBody, resetStatus: early });
        }
      }
    }
    const publicGet = routes.some((r) => r.method === 'GET' && r.url === route.url) && isPublic;
    for (const method of ODD_METHODS) {
      if (method === 'HEAD' && route.method === 'GET') continue;
      add({ what: `${where} anonymous ${method}`, method, path, headers: html, check: method !== 'HEAD' ? expect401 : publicGet ? expectStatus(200) : expectSignIn });
    }
    for (const name of paramsOf(route.url)) {
      for (const { what, segment } of segments) {
        const hostilePath = fill(route.url, { ...real, [name]: segment });
        const tag = `${where} ${name}=${what}`;
        const anonymous = route.method === 'GET' ? (isPublic ? undefined : expectSignIn) : expect401;
        add({ what: `${tag} anonymous`, method: route.method, path: hostilePath, headers: { ...html, ...(route.method === 'POST' ? FORM_TYPE : {}) }, body: route.method === 'POST' ? 'comment=x' : undefined, check: anonymous });
        add({ what: `${tag} viewer`, method: route.method, path: hostilePath, headers: { ...html, ...bearer(viewer), ...(route.method === 'POST' ? FORM_TYPE : {}) }, body: route.method === 'POST' ? 'comment=x' : undefined });
      }
    }
  }
  for (const path of HOSTILE_PATHS) {
    const publicPath = /^\/(login|assets\/)/.test(path) && !/^\/login\//.test(path);
    add({ what: `${path.slice(0, 60)} anonymous`, method: 'GET', path, headers: html, check: publicPath ? undefined : path.startsWith('/api/') ? expect401 : expectSignIn });
    add({ what: `${path.slice(0, 60)} anonymous, no HTML`, method: 'GET', path, check: publicPath ? undefined : expect401 });
    add({ what: `${path.slice(0, 60)} viewer`, method: 'GET', path, headers: { ...html, ...viewerSession } });
  }
  for (const method of ODD_METHODS) add({ what: `/ anonymous ${method}`, method, path: '/', headers: html, check: method === 'HEAD' ? expectSignIn : expect401 });
  add({ what: 'GET /healthz hostile query', method: 'GET', path: `/healthz${HOSTILE_QUERIES[3]![1]}` });
  add({ what: 'GET /metrics bad token', method: 'GET', path: '/metrics', headers: { authorization: 'Bearer rtk_bogus_xxx' } });

  const started = Date.now();
  exchanges = await sweep(base, probes);
  // The log lines of the last requests may still be on their way through the pipe: wait until the log stands still.
  let length = -1;
  await poll(async () => {
    const now = sp.logText().length;
    const still = now === length;
    length = now;
    return still ? true : undefined;
  }, 'the log to settle', 10_000, 100).catch(() => undefined);
  console.info(`hostile sweep: ${exchanges.length} requests (${apiRoutes.length} API routes, ${routes.length} page routes) in ${Date.now() - started} ms`);
}, 120_000);

afterAll(async () => {
  if (sp && !stopped) await sp.stop();
});

const secretsAndTokens = () => {
  const tokenSecrets = Object.values(sp.tokens).map((t) => t.split('_').slice(2).join('_'));
  return [...sp.secrets, ...Object.values(sp.tokens), ...tokenSecrets];
};

const describeExchange = (e: Exchange) => `${e.probe.what}: ${e.probe.method} ${e.probe.path.slice(0, 120)} → ${e.reply.status}${e.reply.error ? ` (${e.reply.error})` : ''}`;

describe('ratchet serve under a hostile sweep (production logging, secrets from env and files)', () => {
  it('answers every request, never with a server error', () => {
    expect(exchanges.length).toBeGreaterThan(1000);
    // A broken connection counts as an answer only for an upload the server may stop reading (its log line is checked
    // below); anything else must have been answered.
    const broken = exchanges.filter((e) => (e.reply.error !== undefined && e.probe.resetStatus === undefined) || e.reply.status >= 500);
    expect(broken.map(describeExchange)).toEqual([]);
  });

  it('gives each request the answer its credentials call for', () => {
    const wrong = exchanges.flatMap((e) => {
      if (e.reply.status === 0 && e.probe.resetStatus !== undefined) return []; // its log line is checked below
      const problem = e.probe.check?.(e.reply) ?? null;
      return problem ? [`${describeExchange(e)}: ${problem}`] : [];
    });
    expect(wrong).toEqual([]);
  });

  it('redirects only to local paths, and the sign-in page keeps only a safe next', () => {
    const unsafe = exchanges.flatMap((e) => {
      const location = e.reply.headers.location;
      const problem = location === undefined ? null : unsafeLocation(String(location));
      const hidden = /name="next" value="([^"]*)"/.exec(e.reply.body)?.[1];
      const next = hidden?.replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n))).replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'");
      const nextProblem = next === undefined ? null : unsafeLocation(`/login?next=${encodeURIComponent(next)}`);
      return [problem, nextProblem].filter((p): p is string => p !== null).map((p) => `${describeExchange(e)}: ${p}`);
    });
    expect(unsafe).toEqual([]);
    // The sign-in page was asked to send people off-site and keeps `/` instead.
    const offsite = exchanges.filter((e) => e.probe.method === 'GET' && e.probe.path.startsWith('/login?next=') && e.reply.status === 200);
    expect(offsite.length).toBeGreaterThan(5);
    for (const e of offsite) expect(/name="next" value="([^"]*)"/.exec(e.reply.body)?.[1], e.probe.path).toBe('/');
  });

  it('never echoes a secret, a token or a credential the client sent', () => {
    const values = [...secretsAndTokens(), ...SENT_CREDENTIALS];
    const leaks = exchanges.filter((e) => {
      const text = `${JSON.stringify(e.reply.headers)}\n${e.reply.body}`;
      return values.some((v) => text.includes(v));
    });
    expect(leaks.map(describeExchange)).toEqual([]);
  });

  it('logs one request line per request (method, route, status, ms), nothing at error level and no secret', () => {
    const lines = sp.logLines().filter((l) => l.msg === 'request');
    for (const l of lines) {
      expect(l).toMatchObject({ level: 30, method: expect.any(String), status: expect.any(Number), ms: expect.any(Number) });
      expect('route' in l).toBe(true);
    }
    // Every answer the application gave is in the log exactly once; probes, scrapes and assets log at warn only.
    const quiet = ({ probe, reply }: Exchange) =>
      (probe.method === 'GET' || probe.method === 'HEAD') &&
      (/^\/(healthz|metrics)(\?|$)/.test(probe.path) || /^\/assets\/[^/?]*(\?|$)/.test(probe.path)) &&
      !refusedUnread(reply);
    const expected = new Map<string, number>();
    const count = (key: string) => expected.set(key, (expected.get(key) ?? 0) + 1);
    const raced: Array<{ at: string; statuses: number[] }> = [];
    for (const e of [...setup, ...exchanges]) {
      if ((!e.reply.routed && e.reply.status !== 0) || quiet(e)) continue;
      const at = `${e.probe.method} ${logPath(e.probe.path)}`;
      const statuses = e.reply.status === 0 ? [e.probe.resetStatus ?? []].flat() : [e.reply.status];
      if (statuses.length === 1) count(`${at} ${statuses[0]}`);
      else raced.push({ at, statuses });
    }
    const logged = new Map<string, number>();
    for (const l of lines) {
      const key = `${String(l.method)} ${String(l.path)} ${String(l.status)}`;
      logged.set(key, (logged.get(key) ?? 0) + 1);
    }
    // A broken upload whose status was a race: one of its statuses must have a log line no other request accounts for.
    const unlogged = raced.filter(({ at, statuses }) => {
      const key = statuses.map((s) => `${at} ${s}`).find((k) => (logged.get(k) ?? 0) > (expected.get(k) ?? 0));
      if (key) count(key);
      return key === undefined;
    });
    expect(unlogged.map((r) => `${r.at} ${r.statuses.join('|')}: no log line`)).toEqual([]);
    const keys = new Set([...expected.keys(), ...logged.keys()]);
    const mismatched = [...keys].filter((k) => expected.get(k) !== logged.get(k)).map((k) => `${k.slice(0, 200)}: ${logged.get(k) ?? 0} logged for ${expected.get(k) ?? 0} requests`);
    expect(mismatched).toEqual([]);
    expect(expected.size).toBeGreaterThan(100);

    const errors = sp.logLines().filter((l) => typeof l.level === 'number' && l.level >= 50);
    expect(errors).toEqual([]);
    const text = sp.logText();
    expect(secretsAndTokens().filter((s) => text.includes(s)).length).toBe(0);
  });

  it('is still alive and healthy afterwards, and SIGTERM ends it with exit 0', async () => {
    expect(sp.exitCode()).toBeNull();
    const health = await send(new URL(sp.url), { what: 'healthz', method: 'GET', path: '/healthz' });
    expect(health.status, health.body).toBe(200);
    expect(JSON.parse(health.body)).toMatchObject({ status: 'ok' });
    stopped = true;
    expect(await sp.stop()).toBe(0);
    expect(sp.logLines().filter((l) => typeof l.level === 'number' && l.level >= 50)).toEqual([]);
  }, 60_000);
});
