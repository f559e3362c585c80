/**
 * `npm run bench`: scan benchmark against the simulator with realistic latency, rules-engine throughput, and the
 * one-shot `ratchet scan` of a portfolio at several concurrencies (bench/one-shot.ts; BENCH_ONE_SHOT=0 skips it),
 * then the serve benchmark (bench/serve.ts, its own process as before). `npm run bench -- --portfolio` runs only
 * the worker-fleet portfolio benchmark (bench/portfolio.ts), which takes minutes and PostgreSQL.
 * Not part of `npm test` — timing goals live here. Writes Markdown tables to stdout; BENCHMARKS.md records runs.
 *
 * Lower bound of a scan = the sequential round trips the protocol and the data force: the authority's OpenID
 * metadata and the token (MSAL needs both), the first $batch, then the longest chain of dependent pages (pages of
 * 999 registration rows one after another; device pages of 1,000 run concurrently beside them), each costing the
 * mean latency. ratio = collector wall time / lower bound.
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { evaluate } from '../src/engine/evaluate.js';
import { loadRuleSet } from '../src/config/load-rules.js';
import { defaultRulesPath } from '../src/paths.js';
import { configFor, startSimulator } from '../src/app/simulator.js';
import { writeConfig, tempDir } from './lib/cli.js';
import { ALL_SOURCES, bundle, historyScans, NOW, strongTenant } from './lib/evidence-samples.js';
import { oneShotBenchmark } from './one-shot.js';
import { portfolioBenchmark } from './portfolio.js';

const LATENCY_MS = 40;
const JITTER_MS = 10;
const SIZES = (process.env.BENCH_SIZES ?? '1000,10000,100000').split(',').map(Number);

interface Measured {
  code: number;
  wallMs: number;
  collectorMs: number;
  requests: number;
  level: number;
  status: string;
  maxRssMb: number;
}

function runChild(configPath: string, env: Record<string, string>): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(import.meta.dirname, 'scan-child.mjs'), configPath], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.on('error', reject);
    child.on('close', () => {
      try {
        resolve(JSON.parse(out.trim().split('\n').at(-1)!) as Measured);
      } catch {
        reject(new Error(`benchmark child printed no measurement: ${out}`));
      }
    });
  });
}

async function scanBenchmark(users: number) {
  const devices = Math.round(users / 2);
  const dir = tempDir('ratchet-bench-');
  // Uniform jitter 0…2J around (L − J) gives a mean of L with ±J spread: 40 ms ± 10 ms.
  const sim = await startSimulator({
    tenants: [{ id: `bench-${users}`, name: `Bench ${users}`, profile: 'level3', seed: 'bench', knobs: { users, devices } }],
    faults: `latency=${LATENCY_MS - JITTER_MS}:${2 * JITTER_MS}`,
    certDir: join(dir, 'ca'),
  });
  try {
    const { config, env } = configFor(sim, { storageUrl: `sqlite:${join(dir, 'bench.db')}` });
    const configPath = writeConfig(dir, config);
    const m = await runChild(configPath, env);
    const registrationPages = Math.ceil(users / 999);
    const devicePages = Math.ceil(devices / 1000);
    const roundTrips = 3 + Math.max(registrationPages, devicePages);
    const lowerBoundMs = roundTrips * LATENCY_MS;
    return { users, devices, ...m, roundTrips, lowerBoundMs, ratio: m.collectorMs / lowerBoundMs, simRequests: sim.stats().total };
  } finally {
    await sim.close();
  }
}

function rulesThroughput(): { bundlesPerSecond: number; rules: number } {
  const { rules } = loadRuleSet(defaultRulesPath());
  // Every source connected and 190 days of daily history: the heaviest bundle (both passes, every history gate).
  const b = bundle([...strongTenant(), historyScans(190, () => 4, 1)], ALL_SOURCES);
  const n = 20_000;
  for (let i = 0; i < 1000; i++) evaluate(b, rules, { now: NOW });
  const t0 = performance.now();
  for (let i = 0; i < n; i++) evaluate(b, rules, { now: NOW });
  return { bundlesPerSecond: Math.round(n / ((performance.now() - t0) / 1000)), rules: rules.length };
}

async function scanBenchmarks(): Promise<string[]> {
  const rows = [];
  for (const users of SIZES) {
    process.stderr.write(`scanning a simulated tenant of ${users} users …\n`);
    rows.push(await scanBenchmark(users));
  }
  const rt = rulesThroughput();
  const lines = [
    `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}. Latency ${LATENCY_MS} ms ± ${JITTER_MS} ms per request.`,
    '',
    '| users | devices | wall (CLI, s) | collector (s) | requests | round trips (lower bound) | lower bound (s) | ratio | peak RSS (MB) | level | status |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
    ...rows.map(
      (r) =>
        `| ${r.users} | ${r.devices} | ${(r.wallMs / 1000).toFixed(2)} | ${(r.collectorMs / 1000).toFixed(2)} | ${r.requests} | ${r.roundTrips} | ${(r.lowerBoundMs / 1000).toFixed(2)} | ${r.ratio.toFixed(2)} | ${r.maxRssMb.toFixed(0)} | ${r.level} | ${r.status} |`,
    ),
    '',
    `Rules evaluation: ${rt.bundlesPerSecond.toLocaleString('en')} evidence bundles re-scored per second (${rt.rules} rules, one core).`,
  ];
  if (process.env.BENCH_ONE_SHOT !== '0') lines.push('', '### One-shot `ratchet scan` of a portfolio', '', ...(await oneShotBenchmark()));
  return lines;
}

if (process.argv.includes('--portfolio')) {
  await portfolioBenchmark();
} else {
  process.stdout.write(`${(await scanBenchmarks()).join('\n')}\n`);
  // The serve benchmark in its own process, as when the npm script ran it separately.
  const serve = spawnSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'serve.ts')], { stdio: 'inherit' });
  process.exitCode = serve.status ?? 1;
}
