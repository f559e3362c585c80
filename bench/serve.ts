/**
 * `npm run bench`, serve section (issue 9): `ratchet serve` as its own process (bench/lib/serve-process.ts, the
 * default log level, the demo portfolio behind the simulator) under closed-loop load from the soak test's driver
 * (bench/lib/load.ts) on loopback. Measures requests/s and p50/p99 latency of `GET /api/v1/tenants` (viewer bearer
 * token) and the tenant page `GET /tenants/:id` (HTML, viewer browser session), each alone and inside the soak mix
 * while scans run. Writes a Markdown table to stdout; BENCHMARKS.md records runs.
 *
 * History first: every tenant is scanned until it has BENCH_SERVE_HISTORY scans (default 30 — the sparkline window,
 * i.e. a month of daily scans), since both routes read that much history per tenant. The schedule is daily, so during
 * the "alone" runs no scan runs; in the mixed run the technicians' "scan now" keeps scans going.
 *
 * Environment: BENCH_SERVE_SECONDS (default 10) per alone run, twice that for the mixed one; BENCH_SERVE_CLIENTS
 * (default 16); BENCH_SERVE_HISTORY (default 30). To profile the server: BENCH_SERVE_DIST=1 (the built dist/, for real
 * line numbers) and BENCH_SERVE_NODE_ARGS="--cpu-prof --cpu-prof-dir=DIR" (bench/lib/serve-process.ts).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SAMPLE_TENANTS } from '../src/app/simulator.js';
import { createSimulatorCertificates } from '../src/simulator/tls.js';
import { discoverTarget, ratchetMix, runLoad, scrapeMetrics, type LoadResult, type MixEntry, type RatchetTarget } from './lib/load.js';
import { startServeProcess, type ServeProcess } from './lib/serve-process.js';

const SECONDS = Number(process.env.BENCH_SERVE_SECONDS ?? 10);
const CLIENTS = Number(process.env.BENCH_SERVE_CLIENTS ?? 16);
const HISTORY = Number(process.env.BENCH_SERVE_HISTORY ?? 30);

const log = (s: string) => process.stderr.write(`${s}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Scan every tenant (technician "scan now", one at a time per tenant) until each has `n` scans. */
async function fillHistory(s: ServeProcess, tenants: string[], n: number): Promise<void> {
  const auth = { authorization: `Bearer ${s.tokens.technician}` };
  const count = async (id: string) => {
    const res = await fetch(`${s.url}/api/v1/tenants/${id}/scans?limit=${n}`, { headers: auth });
    return ((await res.json()) as { scans: unknown[] }).scans.length;
  };
  const started = Date.now();
  for (;;) {
    const counts = await Promise.all(tenants.map(count));
    const short = tenants.filter((_, i) => counts[i]! < n);
    if (short.length === 0) break;
    if (Date.now() - started > 600_000) throw new Error(`history: still ${counts.join(', ')} scans after 10 minutes`);
    for (const id of short) await (await fetch(`${s.url}/api/v1/tenants/${id}/scan`, { method: 'POST', headers: auth })).arrayBuffer();
    await sleep(250);
  }
  // Let the last scans finish.
  for (;;) {
    const m = await scrapeMetrics(s.url);
    if (m.get('ratchet_scans_running') === 0 && m.get('ratchet_scans_queued') === 0) break;
    await sleep(250);
  }
  log(`history: ${n} scans per tenant after ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

/** CPU seconds the whole machine spent busy so far (Linux /proc/stat; null elsewhere). */
function machineBusySeconds(): number | null {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = f;
    return (user + nice + system + irq + softirq + steal) / 100; // USER_HZ
  } catch {
    return null;
  }
}

interface Phase {
  name: string;
  result: LoadResult;
  /** Server CPU (process_cpu_seconds_total, all threads) per completed request, ms. */
  serverCpuMsPerRequest: number;
  /** This process's CPU (load driver + simulator) per completed request, ms. */
  clientCpuMsPerRequest: number;
  scans: number;
  /** Cores' worth of CPU used by everything else on the machine during the run (other test runs), or null. */
  otherCores: number | null;
}

async function phase(s: ServeProcess, name: string, mix: MixEntry[], clients: number, seconds: number): Promise<Phase> {
  await runLoad({ url: s.url, concurrency: clients, durationMs: 2_000, mix, seed: 7 }); // warm-up
  const m0 = await scrapeMetrics(s.url);
  const c0 = process.cpuUsage();
  const busy0 = machineBusySeconds();
  const result = await runLoad({ url: s.url, concurrency: clients, durationMs: seconds * 1000, mix, seed: 1 });
  const c1 = process.cpuUsage(c0);
  const busy1 = machineBusySeconds();
  const m1 = await scrapeMetrics(s.url);
  const d = (k: string) => (m1.get(k) ?? 0) - (m0.get(k) ?? 0);
  const scans = d('ratchet_scans_total{outcome="complete"}') + d('ratchet_scans_total{outcome="partial"}') + d('ratchet_scans_total{outcome="failed"}');
  const fiveXx = Object.entries(result.statuses).filter(([st]) => Number(st) >= 500);
  if (result.errors > 0 || result.unexpected > 0 || fiveXx.length > 0) {
    throw new Error(`${name}: ${result.errors} errors, ${result.unexpected} unexpected answers, 5xx ${JSON.stringify(fiveXx)}\n${[...result.errorSamples, ...result.unexpectedSamples].join('\n')}`);
  }
  const serverCpu = d('process_cpu_seconds_total');
  const clientCpu = (c1.user + c1.system) / 1e6;
  const p = {
    name,
    result,
    serverCpuMsPerRequest: (serverCpu * 1000) / result.completed,
    clientCpuMsPerRequest: (clientCpu * 1000) / result.completed,
    scans,
    otherCores: busy0 === null || busy1 === null ? null : Math.max(0, busy1 - busy0 - serverCpu - clientCpu) / (result.durationMs / 1000),
  };
  log(`${name}: ${result.rps.toFixed(0)} req/s, p50 ${result.p50Ms.toFixed(1)} ms, p99 ${result.p99Ms.toFixed(1)} ms, server CPU ${p.serverCpuMsPerRequest.toFixed(2)} ms/req, scans ${scans}, other load ${p.otherCores?.toFixed(2) ?? '?'} cores`);
  return p;
}

function only(t: RatchetTarget, kind: 'viewer:api-tenants' | 'viewer:page-tenant'): MixEntry[] {
  const entry = ratchetMix(t).find((m) => m.kind === kind)!;
  return [{ ...entry, weight: 1 }];
}

export async function serveBenchmark(): Promise<string> {
  const caDir = mkdtempSync(join(tmpdir(), 'ratchet-bench-ca-'));
  const certs = await createSimulatorCertificates({ dir: caDir });
  process.env.NODE_EXTRA_CA_CERTS = certs.caPath;
  process.env.RATCHET_TEST_CA_DIR = caDir;
  log('starting ratchet serve with the demo portfolio …');
  const s = await startServeProcess({
    sim: { tenants: SAMPLE_TENANTS },
    extraConfig: { schedule: { cron: '0 2 * * *', timezone: 'UTC', concurrency: 2, jitterSeconds: 0 } },
  });
  // The harness keeps the whole log and re-runs its "listening" regex over all of it on every stderr chunk — quadratic
  // in the log's size, ~1 ms of this process's CPU per request late in a run, taken from the server on a 2-core
  // machine. The benchmark does not read the log: drain the pipe without keeping it.
  s.child.stderr!.removeAllListeners('data');
  s.child.stderr!.on('data', () => undefined);
  try {
    const target0 = await discoverTarget(s.url, s.tokens);
    await fillHistory(s, target0.tenants, HISTORY);
    const target = await discoverTarget(s.url, s.tokens);
    const rows: Array<{ route: string; load: string; phase: Phase; kind: string }> = [];
    for (const [route, kind] of [
      ['`GET /api/v1/tenants` (bearer)', 'viewer:api-tenants'],
      ['`GET /tenants/:id` (HTML, session)', 'viewer:page-tenant'],
    ] as const) {
      const one = await phase(s, `${kind} alone, 1 client`, only(target, kind), 1, Math.max(3, SECONDS / 2));
      rows.push({ route, load: 'alone, 1 client', phase: one, kind });
      const many = await phase(s, `${kind} alone, ${CLIENTS} clients`, only(target, kind), CLIENTS, SECONDS);
      rows.push({ route, load: `alone, ${CLIENTS} clients`, phase: many, kind });
    }
    const mixed = await phase(s, `soak mix, ${CLIENTS} clients`, ratchetMix(target), CLIENTS, SECONDS * 2);
    for (const [route, kind] of [
      ['`GET /api/v1/tenants` (bearer)', 'viewer:api-tenants'],
      ['`GET /tenants/:id` (HTML, session)', 'viewer:page-tenant'],
    ] as const) {
      rows.push({ route, load: `in the soak mix, ${CLIENTS} clients, scans running`, phase: mixed, kind });
    }
    const body = (kind: string, p: Phase) => (p.result.byKind[kind]!.meanBytes / 1024).toFixed(1);
    const lines = [
      `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}; load average at the end ${loadavg()
        .map((x) => x.toFixed(1))
        .join(' ')}. Server, load driver and simulator share these cores. History: ${HISTORY} scans per tenant.`,
      '',
      '| route | load | req/s (route) | p50 (ms) | p99 (ms) | max (ms) | body (KiB) | all req/s | server CPU / req (ms) | driver CPU / req (ms) | scans during | other load (cores) |',
      '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
      ...rows.map(({ route, load, phase: p, kind }) => {
        const k = p.result.byKind[kind]!;
        return `| ${route} | ${load} | ${k.rps.toFixed(0)} | ${k.p50Ms.toFixed(1)} | ${k.p99Ms.toFixed(1)} | ${k.maxMs.toFixed(0)} | ${body(kind, p)} | ${p.result.rps.toFixed(0)} | ${p.serverCpuMsPerRequest.toFixed(2)} | ${p.clientCpuMsPerRequest.toFixed(2)} | ${p.scans} | ${p.otherCores?.toFixed(2) ?? '?'} |`;
      }),
      '',
      `Soak mix overall: ${mixed.result.completed.toLocaleString('en')} requests in ${(mixed.result.durationMs / 1000).toFixed(1)} s = ${mixed.result.rps.toFixed(0)} req/s, p50 ${mixed.result.p50Ms.toFixed(1)} ms, p99 ${mixed.result.p99Ms.toFixed(1)} ms, max ${mixed.result.maxMs.toFixed(0)} ms, ${mixed.scans} scans finished during it.`,
    ];
    return lines.join('\n');
  } finally {
    await s.stop();
    rmSync(s.dir, { recursive: true, force: true });
    rmSync(caDir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.stdout.write(`${await serveBenchmark()}\n`);
}
