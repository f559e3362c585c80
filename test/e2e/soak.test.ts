/**
 * Soak (issue 9): `ratchet serve` as its own process (bench/lib/serve-process.ts) with the demo portfolio behind a
 * simulator that throttles and fails some vendor requests, takes ≥ 20,000 requests on loopback from 16 concurrent
 * keep-alive clients — anonymous, viewer (API with a bearer token, pages with a browser session), technician (scan now,
 * attestations) and hostile (bad tokens and cookies, `../` paths, malformed JSON, ~1 MB bodies) — while scans run.
 * It must end with: the process alive throughout, no connection error, no 5xx (the injected faults are the vendors',
 * never Ratchet's own answers), every answer the one its kind expects, no leaked handles, bounded RSS growth,
 * /healthz 200, no secret or token in the log, and a clean exit 0 on SIGTERM.
 *
 * The load is a count, not a rate: the driver sends exactly 20,000 requests, however long this machine takes, and stops
 * early only at SOAK_HANG_MS, which no healthy run comes near (a hung server). Throughput is a benchmark figure
 * (BENCHMARKS.md, `npm run bench`), never an assertion here: the server, the load driver, the simulator and other
 * test files share this machine's two cores, and a CI run once failed a 60-second bar at 19,151 requests while every
 * answer was right. The load takes ~25 s on a quiet 2-core machine (18–19 s before the tenant page and API carried
 * the Essential Eight view and three times the findings; BENCHMARKS.md has the figures).
 * The server's history is short here (a few scans per tenant), and the cost of the tenant list and pages grows with
 * it up to the 30-scan sparkline.
 */
import { rmSync } from 'node:fs';
import { afterAll, expect, it } from 'vitest';
import { SAMPLE_TENANTS } from '../../src/app/simulator.js';
import { discoverTarget, getOnce, kindTable, ratchetMix, runLoad, scrapeMetrics } from '../../bench/lib/load.js';
import { startServeProcess, type ServeProcess } from '../../bench/lib/serve-process.js';

const SOAK_REQUESTS = 20_000;
/** Only a hung server takes this long: ~25 s quiet, and about twice that while other test files hold the cores. */
const SOAK_HANG_MS = 240_000;
const CONCURRENCY = 16;
/** Vendor-side faults (Graph): 5 % throttled with Retry-After 1 s, 3 % answered 500/503. Retries and partial scans absorb them. */
const VENDOR_FAULTS = '429=0.05:1,5xx=0.03,seed=7';
/**
 * Handles and resources (`nodejs_active_handles_total`, `nodejs_active_resources_total`) after the soak, once the
 * clients have closed their sockets and no scan runs, may exceed the count before it by this much: a scan's vendor
 * keep-alive socket that has not timed out yet, a cron tick in flight. A leak per request or per scan would show as
 * hundreds or dozens.
 */
const HANDLE_SLACK = 3;
const RESOURCE_SLACK = 6;
/**
 * RSS growth from after the warm-up to after the soak. Measured on the 2-core dev machine (2026-12-02, five runs): the
 * server starts at ~215 MB and is at ~250 MB after the warm-up; after the soak it was between 30 MB lower and 8 MB
 * higher, with a transient peak of ~+60 MB while the requests ran (V8 growing the heap between collections). 150 MB
 * is 2.5 × that peak, so GC timing alone does not fail the test, while 20,000 requests that each leaked 8 KB would.
 * A slower leak needs a longer soak than a suite can afford; leaked sockets and timers show in the handle count.
 */
const RSS_GROWTH_BOUND_MB = 150;

let serve: ServeProcess | undefined;

afterAll(async () => {
  if (!serve) return;
  if (serve.exitCode() === null) await serve.stop(5_000);
  rmSync(serve.dir, { recursive: true, force: true });
}, 30_000);

const metric = (m: Map<string, number>, name: string): number => {
  const v = m.get(name);
  if (v === undefined) throw new Error(`/metrics has no ${name}`);
  return v;
};
const scansDone = (m: Map<string, number>) => metric(m, 'ratchet_scans_total{outcome="complete"}') + metric(m, 'ratchet_scans_total{outcome="partial"}');
const idle = (m: Map<string, number>) => metric(m, 'ratchet_scans_running') === 0 && metric(m, 'ratchet_scans_queued') === 0;

/** Scrapes /metrics until `ok` holds (or `ms` passed) and returns the last scrape. */
async function scrapeUntil(url: string, ok: (m: Map<string, number>) => boolean, ms: number): Promise<Map<string, number>> {
  const deadline = Date.now() + ms;
  for (;;) {
    const m = await scrapeMetrics(url);
    if (ok(m) || Date.now() > deadline) return m;
    await new Promise((r) => setTimeout(r, 250));
  }
}

it('serve takes ≥ 20,000 mixed requests while scans run: no crash, no 5xx, no leak', { timeout: 360_000 }, async () => {
  serve = await startServeProcess({
    sim: { tenants: SAMPLE_TENANTS, faults: VENDOR_FAULTS },
    // Every minute, two at a time, no jitter: the scheduler keeps scanning too, besides the technicians' "scan now".
    extraConfig: { schedule: { cron: '* * * * *', timezone: 'UTC', concurrency: 2, jitterSeconds: 0 } },
  });
  const s = serve;
  const target = await discoverTarget(s.url, s.tokens); // waits for the catch-up scans
  const mix = ratchetMix(target);

  // Warm-up: JIT, template cache, the heap's first growth — the baseline is taken after it, with no scan running.
  const warm = await runLoad({ url: s.url, concurrency: CONCURRENCY, durationMs: 3_000, mix, seed: 2 });
  expect(warm.errors, warm.errorSamples.join('\n')).toBe(0);
  const before = await scrapeUntil(s.url, idle, 15_000);

  // The process must stay up during the soak, not only at the end; RSS is sampled for the report.
  let exitedDuring: number | null = null;
  let peakRss = metric(before, 'process_resident_memory_bytes');
  const sampler = setInterval(() => {
    if (s.exitCode() !== null) exitedDuring = s.exitCode();
    scrapeMetrics(s.url)
      .then((m) => (peakRss = Math.max(peakRss, m.get('process_resident_memory_bytes') ?? 0)))
      .catch(() => undefined); // a failed scrape shows up below: the process or its /healthz
  }, 2_000);
  const soak = await runLoad({ url: s.url, concurrency: CONCURRENCY, durationMs: SOAK_HANG_MS, maxRequests: SOAK_REQUESTS, mix, seed: 1 });
  clearInterval(sampler);
  const atEnd = await scrapeMetrics(s.url);

  const fiveXx = Object.entries(soak.statuses).filter(([status]) => Number(status) >= 500);
  console.log(
    `soak: ${soak.completed} requests in ${(soak.durationMs / 1000).toFixed(1)} s = ${soak.rps.toFixed(0)} req/s, p50 ${soak.p50Ms.toFixed(1)} ms, ` +
      `p99 ${soak.p99Ms.toFixed(1)} ms, max ${soak.maxMs.toFixed(0)} ms; scans finished during it: ${scansDone(atEnd) - scansDone(before)}\n${kindTable(soak)}`,
  );

  expect(exitedDuring).toBeNull();
  expect(s.exitCode()).toBeNull();
  // All 20,000 were sent: fewer means the driver gave up at SOAK_HANG_MS, i.e. the server stopped answering.
  expect(soak.sent, `only ${soak.sent} requests answered in ${SOAK_HANG_MS} ms: the server hung`).toBe(SOAK_REQUESTS);
  expect(soak.errors, soak.errorSamples.join('\n')).toBe(0);
  expect(soak.completed).toBe(soak.sent);
  expect(fiveXx).toEqual([]);
  expect(soak.unexpected, soak.unexpectedSamples.join('\n')).toBe(0);
  // Scans ran while the requests did (technician "scan now" and the every-minute schedule).
  expect(scansDone(atEnd) - scansDone(before)).toBeGreaterThanOrEqual(1);
  expect(soak.byKind['tech:scan-now']!.statuses['202'] ?? 0).toBeGreaterThanOrEqual(1);

  // No leaked handles: the clients have closed their keep-alive sockets; wait for running scans and their vendor
  // sockets to finish, then compare with the baseline.
  const handlesBefore = metric(before, 'nodejs_active_handles_total');
  const resourcesBefore = metric(before, 'nodejs_active_resources_total');
  const after = await scrapeUntil(
    s.url,
    (m) => idle(m) && metric(m, 'nodejs_active_handles_total') <= handlesBefore + HANDLE_SLACK && metric(m, 'nodejs_active_resources_total') <= resourcesBefore + RESOURCE_SLACK,
    15_000,
  );
  expect(metric(after, 'nodejs_active_handles_total')).toBeLessThanOrEqual(handlesBefore + HANDLE_SLACK);
  expect(metric(after, 'nodejs_active_resources_total')).toBeLessThanOrEqual(resourcesBefore + RESOURCE_SLACK);

  const mb = (b: number) => b / 2 ** 20;
  const rssBefore = mb(metric(before, 'process_resident_memory_bytes'));
  const rssAfter = mb(metric(after, 'process_resident_memory_bytes'));
  console.log(
    `RSS ${rssBefore.toFixed(0)} MB after warm-up → ${rssAfter.toFixed(0)} MB after the soak (peak ${mb(peakRss).toFixed(0)} MB); ` +
      `handles ${handlesBefore} → ${metric(after, 'nodejs_active_handles_total')}, resources ${resourcesBefore} → ${metric(after, 'nodejs_active_resources_total')}`,
  );
  expect(rssAfter - rssBefore).toBeLessThan(RSS_GROWTH_BOUND_MB);

  const health = await getOnce(`${s.url}/healthz`);
  expect(health.status, health.body).toBe(200);

  // Every request got its log line (probes log at warn only), and nothing logged an error — except a scan that the
  // vendor faults made fail as a whole ("scan failed"), which is the vendors' doing and allowed.
  const lines = s.logLines();
  expect(lines.filter((l) => l.msg === 'request').length).toBeGreaterThanOrEqual(soak.completed - (soak.byKind['anon:healthz']?.count ?? 0));
  const failures = lines.filter((l) => typeof l.level === 'number' && l.level >= 50 && l.msg !== 'scan failed');
  expect(failures.map((l) => `${String(l.msg)} ${JSON.stringify(l.err ?? '')}`.slice(0, 300))).toEqual([]);
  expect(lines.filter((l) => 'raw' in l).map((l) => String(l.raw).slice(0, 200))).toEqual([]);

  // No secret, token or session value in the log, even though hostile clients sent the viewer token with junk appended.
  const log = s.logText();
  const session = target.viewerCookie.split('=')[1]!;
  const secrets = { ...Object.fromEntries(s.secrets.map((v, i) => [`config secret #${i + 1}`, v])), ...s.tokens, session };
  expect(Object.entries(secrets).filter(([, v]) => log.includes(v)).map(([name]) => name)).toEqual([]);

  expect(await s.stop()).toBe(0);
  expect(s.logLines().some((l) => l.msg === 'ratchet serve stopped')).toBe(true);
});
