/**
 * A small HTTP load driver for the soak test and `npm run bench`: N concurrent closed-loop clients on keep-alive
 * sockets (`node:http` Agent; undici is not a dependency of this project), each sending one request at a time drawn
 * from a weighted mix, until a request budget or a time budget runs out. Every response body is read to the end;
 * status and latency (first byte sent → last byte received) are recorded per request kind.
 *
 * Loopback only: the driver refuses a URL whose host is not 127.0.0.1, ::1 or localhost.
 */
import http from 'node:http';
import { mulberry32 } from '../../src/simulator/prng.js';

export interface LoadRequest {
  method?: string;
  /** Path and query, sent as is (no normalisation: `../` and `%2e%2e` reach the server). */
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export interface MixEntry {
  /** Name of the request kind in the results (e.g. `viewer:api-tenants`). */
  kind: string;
  /** Relative weight in the mix (> 0). */
  weight: number;
  /** Builds the next request of this kind (`random` is the driver's seeded generator). */
  request: (random: () => number) => LoadRequest;
  /** Statuses this kind may answer; anything else is counted as unexpected (with a few samples kept). */
  expect: readonly number[];
  /**
   * Send on a fresh connection, closed afterwards, instead of a pooled keep-alive one: for requests the server answers
   * before reading their body and then closes the connection (a body over the limit: fastify answers 413 with
   * `Connection: close`). Closing with unread data sends a TCP reset, which may reach the client before it has read
   * the answer; on loopback that was not seen (1,200 such requests on pooled sockets, no error), but TCP does not
   * promise it, and a soak test must not fail on it.
   */
  ownConnection?: boolean;
}

export interface LoadOptions {
  url: string;
  /** Concurrent clients (= keep-alive sockets). */
  concurrency: number;
  /** Stop starting new requests after this long. */
  durationMs: number;
  /** Stop starting new requests after this many (default: no limit). */
  maxRequests?: number;
  mix: readonly MixEntry[];
  /** Seed of the request choice (default 1). */
  seed?: number;
  /** A request without a complete answer after this long counts as an error (default 10 s). */
  requestTimeoutMs?: number;
}

export interface KindStats {
  kind: string;
  count: number;
  statuses: Record<string, number>;
  unexpected: number;
  errors: number;
  /** Completed requests of this kind per second of the whole run. */
  rps: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
  /** Mean size of the response bodies. */
  meanBytes: number;
}

export interface LoadResult {
  /** Requests started. */
  sent: number;
  /** Requests answered (any status). */
  completed: number;
  /** Requests that ended without a complete answer (connection error, reset, timeout). */
  errors: number;
  errorSamples: string[];
  /** Responses with a status outside their kind's `expect`. */
  unexpected: number;
  unexpectedSamples: string[];
  /** Status → count over all kinds. */
  statuses: Record<string, number>;
  durationMs: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  byKind: Record<string, KindStats>;
}

/** Nearest-rank percentile of ascending `sorted` (p in 0…100); 0 for an empty list. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

class Samples {
  private data = new Float64Array(1024);
  length = 0;
  push(v: number) {
    if (this.length === this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
  sorted(): Float64Array {
    return this.data.slice(0, this.length).sort();
  }
}

interface Outcome {
  status: number | null;
  bytes?: number;
  error?: string;
}

function send(base: URL, agent: http.Agent | false, req: LoadRequest, timeoutMs: number): Promise<Outcome> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (o: Outcome) => {
      if (!settled) {
        settled = true;
        resolve(o);
      }
    };
    const headers: Record<string, string | number> = { ...req.headers };
    if (req.body !== undefined) headers['content-length'] = Buffer.byteLength(req.body);
    if (agent === false) headers.connection = 'close';
    const r = http.request(
      { host: base.hostname.replace(/^\[(.*)\]$/, '$1'), port: base.port, method: req.method ?? 'GET', path: req.path, headers, agent },
      (res) => {
        let bytes = 0;
        res.on('data', (chunk: Buffer) => (bytes += chunk.length));
        res.on('end', () => done({ status: res.statusCode ?? 0, bytes }));
        res.on('error', (e) => done({ status: null, error: `${e.message} (after ${res.statusCode})` }));
        // The connection closed before the whole answer arrived (after 'end', this is a no-op).
        res.on('close', () => {
          if (!res.complete) done({ status: null, error: `connection closed mid-answer (status ${res.statusCode})` });
        });
      },
    );
    r.setTimeout(timeoutMs, () => {
      r.destroy(new Error(`no complete answer within ${timeoutMs} ms`));
    });
    r.on('error', (e) => done({ status: null, error: e.message }));
    r.end(req.body);
  });
}

function pick(mix: readonly MixEntry[], cumulative: number[], total: number, random: () => number): MixEntry {
  const x = random() * total;
  for (let i = 0; i < mix.length; i++) if (x < cumulative[i]!) return mix[i]!;
  return mix[mix.length - 1]!;
}

/** Runs the load and returns per-kind statistics. The keep-alive sockets are closed before it returns. */
export async function runLoad(opts: LoadOptions): Promise<LoadResult> {
  const base = new URL(opts.url);
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(base.hostname)) throw new Error(`load driver: loopback only, not ${base.hostname}`);
  if (opts.mix.length === 0 || opts.mix.some((m) => !(m.weight > 0))) throw new Error('load driver: every mix entry needs a weight > 0');
  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.concurrency, maxFreeSockets: opts.concurrency, scheduling: 'fifo' });
  // Seeded, so a run's request sequence is reproducible.
  const random = mulberry32(opts.seed ?? 1);
  const cumulative: number[] = [];
  let total = 0;
  for (const m of opts.mix) cumulative.push((total += m.weight));
  const timeoutMs = opts.requestTimeoutMs ?? 10_000;
  const maxRequests = opts.maxRequests ?? Number.POSITIVE_INFINITY;

  const all = new Samples();
  const perKind = new Map<string, { samples: Samples; statuses: Record<string, number>; unexpected: number; errors: number; bytes: number }>();
  for (const m of opts.mix) perKind.set(m.kind, { samples: new Samples(), statuses: {}, unexpected: 0, errors: 0, bytes: 0 });
  const statuses: Record<string, number> = {};
  const errorSamples: string[] = [];
  const unexpectedSamples: string[] = [];
  let sent = 0;
  let completed = 0;
  let errors = 0;
  let unexpected = 0;

  const started = performance.now();
  const deadline = started + opts.durationMs;
  const client = async () => {
    while (sent < maxRequests && performance.now() < deadline) {
      sent++;
      const entry = pick(opts.mix, cumulative, total, random);
      const req = entry.request(random);
      const k = perKind.get(entry.kind)!;
      const t0 = performance.now();
      const out = await send(base, entry.ownConnection ? false : agent, req, timeoutMs);
      const ms = performance.now() - t0;
      if (out.status === null) {
        errors++;
        k.errors++;
        if (errorSamples.length < 20) errorSamples.push(`${entry.kind} ${req.method ?? 'GET'} ${req.path.slice(0, 120)}: ${out.error}`);
        continue;
      }
      completed++;
      all.push(ms);
      k.samples.push(ms);
      k.bytes += out.bytes ?? 0;
      const s = String(out.status);
      statuses[s] = (statuses[s] ?? 0) + 1;
      k.statuses[s] = (k.statuses[s] ?? 0) + 1;
      if (!entry.expect.includes(out.status)) {
        unexpected++;
        k.unexpected++;
        if (unexpectedSamples.length < 20) unexpectedSamples.push(`${entry.kind} ${req.method ?? 'GET'} ${req.path.slice(0, 120)} → ${out.status}`);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: opts.concurrency }, client));
  } finally {
    agent.destroy();
  }
  const durationMs = performance.now() - started;
  const sortedAll = all.sorted();
  const byKind: Record<string, KindStats> = {};
  for (const [kind, k] of perKind) {
    const sorted = k.samples.sorted();
    let sum = 0;
    for (const v of sorted) sum += v;
    byKind[kind] = {
      kind,
      count: sorted.length,
      statuses: k.statuses,
      unexpected: k.unexpected,
      errors: k.errors,
      rps: sorted.length / (durationMs / 1000),
      p50Ms: percentile(sorted, 50),
      p99Ms: percentile(sorted, 99),
      maxMs: sorted.length > 0 ? sorted[sorted.length - 1]! : 0,
      meanMs: sorted.length > 0 ? sum / sorted.length : 0,
      meanBytes: sorted.length > 0 ? k.bytes / sorted.length : 0,
    };
  }
  return {
    sent,
    completed,
    errors,
    errorSamples,
    unexpected,
    unexpectedSamples,
    statuses,
    durationMs,
    rps: completed / (durationMs / 1000),
    p50Ms: percentile(sortedAll, 50),
    p99Ms: percentile(sortedAll, 99),
    maxMs: sortedAll.length > 0 ? sortedAll[sortedAll.length - 1]! : 0,
    byKind,
  };
}

/** One Markdown table row per kind: kind, requests, req/s, p50, p99, max, mean body size, statuses. */
export function kindTable(result: LoadResult): string {
  const rows = Object.values(result.byKind)
    .sort((a, b) => b.count - a.count)
    .map(
      (k) =>
        `| ${k.kind} | ${k.count} | ${k.rps.toFixed(0)} | ${k.p50Ms.toFixed(1)} | ${k.p99Ms.toFixed(1)} | ${k.maxMs.toFixed(0)} | ${(k.meanBytes / 1024).toFixed(1)} | ${Object.entries(k.statuses)
          .map(([s, n]) => `${s}×${n}`)
          .join(' ')} |`,
    );
  return ['| kind | requests | req/s | p50 (ms) | p99 (ms) | max (ms) | body (KiB) | statuses |', '|---|---:|---:|---:|---:|---:|---:|---|', ...rows].join('\n');
}

/** Reads one Prometheus text exposition into `name{labels}` → value (comments skipped). */
export function parsePrometheus(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    if (i > 0) out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}

// ── The Ratchet mix: what `ratchet serve` is asked by browsers, scripts and attackers at once ─────────────────────

export interface RatchetTarget {
  url: string;
  tokens: { viewer: string; technician: string };
  /** Tenant ids in the viewer's scope. */
  tenants: string[];
  /** Per tenant: one stored scan and the evidence keys of its report (for the scan/findings/evidence routes). */
  scans: Record<string, { scanId: string; evidenceKeys: string[] }>;
  /** `ratchet_session=…` of a browser session signed in with the viewer token (POST /login). */
  viewerCookie: string;
}

async function getJson<T>(url: string, token: string): Promise<T> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  if (res.status !== 200) throw new Error(`GET ${url} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
}

/**
 * What the mix needs to know of a running server: its tenants, a scan and evidence keys of each (waits up to
 * `waitMs` for every tenant to have one, i.e. for the catch-up scans), and a viewer browser session.
 */
export async function discoverTarget(url: string, tokens: RatchetTarget['tokens'], waitMs = 60_000): Promise<RatchetTarget> {
  const { tenants } = await getJson<{ tenants: Array<{ id: string }> }>(`${url}/api/v1/tenants`, tokens.viewer);
  const ids = tenants.map((t) => t.id);
  const scans: RatchetTarget['scans'] = {};
  const deadline = Date.now() + waitMs;
  for (const id of ids) {
    for (;;) {
      const { scans: list } = await getJson<{ scans: Array<{ id: string }> }>(`${url}/api/v1/tenants/${id}/scans?limit=1`, tokens.viewer);
      if (list[0]) {
        const { evidence } = await getJson<{ evidence: Array<{ key: string }> }>(`${url}/api/v1/tenants/${id}/scans/${list[0].id}/evidence`, tokens.viewer);
        scans[id] = { scanId: list[0].id, evidenceKeys: evidence.map((e) => e.key) };
        break;
      }
      if (Date.now() > deadline) throw new Error(`tenant ${id} has no scan after ${waitMs} ms`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  const login = await fetch(`${url}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: tokens.viewer, next: '/' }).toString(),
  });
  const cookie = /ratchet_session=[^;]+/.exec(login.headers.get('set-cookie') ?? '')?.[0];
  if (login.status !== 303 || !cookie) throw new Error(`sign-in answered ${login.status} without a session cookie`);
  return { url, tokens, tenants: ids, scans, viewerCookie: cookie };
}

export interface RatchetMixOptions {
  /**
   * Weight of technician "scan now" posts (default 0.1: ~1 in 1,000 requests, about one scan a second at 1,000 req/s —
   * thousands of times a real schedule's rate, yet a demo-tenant scan costs the server ~0.2 s of CPU, so a weight of 1
   * keeps all five tenants scanning back to back and halves the request rate).
   */
  scanNowWeight?: number;
  /** Weight of the ~1 MB bodies (default 0.4: ~0.4 % of requests; at 1,000 req/s ~2.5 MB of JSON parsed per second). */
  bigBodyWeight?: number;
}

/**
 * The soak mix, by weight: anonymous 10, viewer 62, technician 6, hostile 18.4 (≈ 10 %, 64 %, 6 %, 19 % of the
 * requests). Every kind names the statuses it may get; a 5xx is never among them.
 */
export function ratchetMix(t: RatchetTarget, opts: RatchetMixOptions = {}): MixEntry[] {
  const oneOf = <T>(xs: readonly T[], random: () => number): T => xs[Math.floor(random() * xs.length)]!;
  const tenant = (r: () => number) => oneOf(t.tenants, r);
  const viewer = { authorization: `Bearer ${t.tokens.viewer}` };
  const technician = { authorization: `Bearer ${t.tokens.technician}` };
  const html = { accept: 'text/html,application/xhtml+xml' };
  const json = { 'content-type': 'application/json' };
  const scanOf = (r: () => number) => {
    const id = tenant(r);
    return { id, ...t.scans[id]! };
  };
  const day = (offsetDays: number) => new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);
  // Under fastify's 1 MiB body limit: read and parsed whole, then refused by validation (note ≤ 4000 characters).
  const bigButAllowed = JSON.stringify({ kind: 'restore_test', note: 'x'.repeat(1_000_000), attestedAt: day(0), expiresAt: day(30) });
  // Over it: 413 with `Connection: close`, before the body is read.
  const tooBig = Buffer.alloc(1_200_000, 0x61);
  const badTokens = ['rtk_000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', 'rtk_', 'not-a-token', `${t.tokens.viewer}x`, 'rtk_../../etc/passwd_x'];
  const traversal = [
    '/api/v1/tenants/..%2F..%2Fetc%2Fpasswd',
    '/api/v1/tenants/../../etc/passwd',
    '/api/v1/tenants/%2e%2e%2f%2e%2e%2fetc%2fpasswd/scans',
    '/assets/..%2F..%2F..%2Fpackage.json',
    '/assets/../../package.json',
    '/../../../etc/passwd',
    '/tenants/..%2F..%2Fetc%2Fpasswd',
  ];
  const bigBody = opts.bigBodyWeight ?? 0.4;
  return [
    // anonymous (10)
    { kind: 'anon:api', weight: 5, expect: [401], request: (r) => ({ path: oneOf(['/api/v1/tenants', `/api/v1/tenants/${tenant(r)}`, '/api/v1/me', '/api/v1/audit'], r) }) },
    { kind: 'anon:page', weight: 4, expect: [302], request: (r) => ({ path: oneOf(['/', `/tenants/${tenant(r)}`, '/audit'], r), headers: html }) },
    { kind: 'anon:healthz', weight: 1, expect: [200], request: () => ({ path: '/healthz' }) },
    // viewer (62)
    { kind: 'viewer:api-tenants', weight: 15, expect: [200], request: () => ({ path: '/api/v1/tenants', headers: viewer }) },
    { kind: 'viewer:api-tenant', weight: 8, expect: [200], request: (r) => ({ path: `/api/v1/tenants/${tenant(r)}`, headers: viewer }) },
    { kind: 'viewer:api-scans', weight: 6, expect: [200], request: (r) => ({ path: `/api/v1/tenants/${tenant(r)}/scans?limit=20`, headers: viewer }) },
    {
      kind: 'viewer:api-findings',
      weight: 5,
      expect: [200],
      request: (r) => {
        const s = scanOf(r);
        return { path: `/api/v1/tenants/${s.id}/scans/${s.scanId}/findings${r() < 0.5 ? '?outcome=fail' : ''}`, headers: viewer };
      },
    },
    {
      kind: 'viewer:api-evidence',
      weight: 5,
      expect: [200],
      request: (r) => {
        const s = scanOf(r);
        const key = s.evidenceKeys.length > 0 && r() < 0.7 ? `/${encodeURIComponent(oneOf(s.evidenceKeys, r))}?pageSize=20` : '';
        return { path: `/api/v1/tenants/${s.id}/scans/${s.scanId}/evidence${key}`, headers: viewer };
      },
    },
    { kind: 'viewer:api-episodes', weight: 2, expect: [200], request: (r) => ({ path: `/api/v1/tenants/${tenant(r)}/episodes`, headers: viewer }) },
    { kind: 'viewer:page-tenant', weight: 15, expect: [200], request: (r) => ({ path: `/tenants/${tenant(r)}${r() < 0.2 ? '?show=problems' : ''}`, headers: { ...html, cookie: t.viewerCookie } }) },
    { kind: 'viewer:page-portfolio', weight: 5, expect: [200], request: () => ({ path: '/', headers: { ...html, cookie: t.viewerCookie } }) },
    // A read-only role trying to act: refused, not crashed.
    { kind: 'viewer:scan-now', weight: 1, expect: [403], request: (r) => ({ method: 'POST', path: `/api/v1/tenants/${tenant(r)}/scan`, headers: viewer }) },
    // technician (6.1)
    { kind: 'tech:scan-now', weight: opts.scanNowWeight ?? 0.1, expect: [202, 409], request: (r) => ({ method: 'POST', path: `/api/v1/tenants/${tenant(r)}/scan`, headers: technician }) },
    {
      kind: 'tech:attest',
      weight: 0.5,
      expect: [201],
      request: (r) => ({
        method: 'POST',
        path: `/api/v1/tenants/${tenant(r)}/attestations`,
        headers: { ...technician, ...json },
        body: JSON.stringify({ kind: 'restore_test', note: `soak restore test ${Math.floor(r() * 1e9)}`, fileRef: null, attestedAt: day(0), expiresAt: day(365) }),
      }),
    },
    { kind: 'tech:api-tenant', weight: 3, expect: [200], request: (r) => ({ path: `/api/v1/tenants/${tenant(r)}`, headers: technician }) },
    { kind: 'tech:page-tenant', weight: 2.5, expect: [200], request: (r) => ({ path: `/tenants/${tenant(r)}`, headers: { ...html, ...technician } }) },
    // hostile (18.4)
    { kind: 'hostile:bad-token', weight: 5, expect: [401], request: (r) => ({ path: oneOf(['/api/v1/tenants', `/api/v1/tenants/${tenant(r)}`], r), headers: { authorization: oneOf([...badTokens.map((b) => `Bearer ${b}`), 'Basic YWRtaW46YWRtaW4=', 'Bearer'], r) } }) },
    { kind: 'hostile:bad-cookie', weight: 2, expect: [302], request: (r) => ({ path: `/tenants/${tenant(r)}`, headers: { ...html, cookie: `ratchet_session=${Math.floor(r() * 1e16).toString(36)}` } }) },
    { kind: 'hostile:traversal', weight: 4, expect: [400, 401, 404], request: (r) => ({ path: oneOf(traversal, r), headers: r() < 0.5 ? viewer : {} }) },
    {
      kind: 'hostile:bad-query',
      weight: 2,
      expect: [400],
      request: (r) => {
        const s = scanOf(r);
        return {
          path: oneOf(
            [`/api/v1/tenants/${s.id}/scans?limit=abc`, `/api/v1/tenants/${s.id}/scans?limit=-1`, `/api/v1/tenants/${s.id}/scans/${s.scanId}/evidence/${s.evidenceKeys[0] ?? 'k'}?pageSize=100000`, `/api/v1/tenants/${s.id}/scans?limit=${'9'.repeat(4000)}`],
            r,
          ),
          headers: viewer,
        };
      },
    },
    { kind: 'hostile:not-found', weight: 2, expect: [404], request: (r) => ({ path: oneOf(['/api/v1/tenants/no-such-tenant', '/api/v1/nothing-here', `/api/v1/tenants/${tenant(r)}/scans/00000000-0000-0000-0000-000000000000`], r), headers: viewer }) },
    {
      kind: 'hostile:malformed-json',
      weight: 3,
      expect: [400, 415],
      request: (r) => ({
        method: 'POST',
        path: `/api/v1/tenants/${tenant(r)}/attestations`,
        headers: { ...technician, 'content-type': oneOf(['application/json', 'application/json', 'text/plain'], r) },
        body: oneOf(['{"kind": "restore_test", "note": ', '{"__proto__": {"polluted": 1}}', 'null', '[]', '{"kind":"restore_test","note":"x","attestedAt":"not a date","expiresAt":"2099-01-01"}'], r),
      }),
    },
    { kind: 'hostile:big-body', weight: bigBody * 0.6, expect: [400], request: (r) => ({ method: 'POST', path: `/api/v1/tenants/${tenant(r)}/attestations`, headers: { ...technician, ...json }, body: bigButAllowed }) },
    {
      kind: 'hostile:too-big-body',
      weight: bigBody * 0.4,
      expect: [413],
      ownConnection: true,
      request: (r) => ({ method: 'POST', path: `/api/v1/tenants/${tenant(r)}/attestations`, headers: { ...technician, ...json }, body: tooBig }),
    },
  ];
}

/**
 * One GET on its own connection, closed afterwards: for probes and scrapes taken around a load run, so that no pooled
 * keep-alive socket stays open and shows up in the server's handle count.
 */
export function getOnce(url: string, headers: Record<string, string> = {}, timeoutMs = 10_000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const r = http.get(url, { agent: false, headers: { ...headers, connection: 'close' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    r.setTimeout(timeoutMs, () => r.destroy(new Error(`GET ${url}: no answer within ${timeoutMs} ms`)));
    r.on('error', reject);
  });
}

/** The server's Prometheus metrics (`GET /metrics`), parsed. */
export async function scrapeMetrics(url: string, headers: Record<string, string> = {}): Promise<Map<string, number>> {
  const res = await getOnce(`${url}/metrics`, headers);
  if (res.status !== 200) throw new Error(`GET /metrics answered ${res.status}`);
  return parsePrometheus(res.body);
}
