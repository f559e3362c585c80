/**
 * `npm run bench`, one-shot section (issue 12, item 7): `ratchet scan` of a portfolio of small tenants — the
 * Kubernetes CronJob mode — with `schedule.concurrency` 1 (one tenant after the other, as before) and higher (4 is
 * the default). Each run is its own process (bench/one-shot-child.mjs, the built code in dist/) against a fresh
 * simulator and a fresh SQLite file, so no run inherits another's rate window, history or warm caches.
 *
 * Portfolio: BENCH_ONE_SHOT_TENANTS (default 100) small tenants, 100 users / 50 devices / 50 endpoints each, with
 * Microsoft 365, an RMM (NinjaOne and Datto RMM alternating — all Datto tenants share one account and its rate
 * window, as an MSP's do) and a backup product (Veeam VBR and Acronis alternating); 40 ms ± 10 ms latency on every
 * request. BENCH_ONE_SHOT_CONCURRENCY (default "1,4,8") picks the concurrencies.
 *
 * Also runnable alone: `npm run build && node --import tsx bench/one-shot.ts`.
 */
import { spawn } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { configFor, startSimulator, type TenantSpec } from '../src/app/simulator.js';
import { PROFILE_NAMES } from '../src/simulator/index.js';
import { tempDir, writeConfig } from './lib/cli.js';

const LATENCY_MS = 40;
const JITTER_MS = 10;

interface ChildResult {
  code: number;
  wallMs: number;
  tenants: number;
  order: string[];
  statuses: Record<string, number>;
  requests: number;
  maxRssMb: number;
  /** CPU the scanner process used (user + system, all threads). */
  cpuMs: number;
}

export interface OneShotRow extends ChildResult {
  concurrency: number;
  /** Spawn to exit: what a CronJob pays, Node's start-up and module loading included. */
  processMs: number;
  simRequests: number;
  sim429: number;
  /** CPU of this process during the run: the simulator (TLS, data generation) on the same cores. */
  simCpuMs: number;
}

function portfolio(n: number): TenantSpec[] {
  const profiles = PROFILE_NAMES.filter((p) => p !== 'level5');
  return Array.from({ length: n }, (_, i) => {
    const id = `t${String(i + 1).padStart(3, '0')}`;
    return {
      id,
      name: `Tenant ${id}`,
      profile: profiles[i % profiles.length]!,
      seed: id,
      knobs: { users: 100, devices: 50 },
      rmm: i % 2 === 0 ? 'ninjaone' : 'datto-rmm',
      backup: i % 4 < 2 ? 'veeam-vbr' : 'acronis',
      estate: { endpoints: 50 },
    };
  });
}

function runChild(args: string[], env: Record<string, string>): Promise<ChildResult & { processMs: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [join(import.meta.dirname, 'one-shot-child.mjs'), ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.on('error', reject);
    child.on('close', () => {
      const processMs = performance.now() - t0;
      try {
        resolve({ ...(JSON.parse(out.trim().split('\n').at(-1)!) as ChildResult), processMs });
      } catch {
        reject(new Error(`one-shot child printed no measurement: ${out}`));
      }
    });
  });
}

/** One `ratchet scan` of the portfolio (or of `only`) at `concurrency`, against its own simulator. */
async function measure(specs: TenantSpec[], concurrency: number, only?: string): Promise<OneShotRow> {
  const dir = tempDir('ratchet-bench-one-shot-');
  // Uniform jitter 0…2J around (L − J): a mean of L with ±J spread, 40 ms ± 10 ms.
  const sim = await startSimulator({ tenants: specs, faults: `latency=${LATENCY_MS - JITTER_MS}:${2 * JITTER_MS}`, certDir: join(dir, 'ca') });
  try {
    const { config, env } = configFor(sim, { storageUrl: `sqlite:${join(dir, 'bench.db')}` });
    const path = writeConfig(dir, { ...config, schedule: { concurrency } });
    const cpu0 = process.cpuUsage();
    const r = await runChild([path, ...(only ? ['--tenant', only] : [])], env);
    const simCpu = process.cpuUsage(cpu0);
    const expected = only ? [only] : specs.map((s) => s.id);
    if (r.order.join() !== expected.join()) throw new Error(`reports out of config order at concurrency ${concurrency}`);
    const stats = sim.stats();
    return { concurrency, ...r, simRequests: stats.total, sim429: stats.byStatus['429'] ?? 0, simCpuMs: (simCpu.user + simCpu.system) / 1000 };
  } finally {
    await sim.close();
  }
}

export async function oneShotBenchmark(log: (s: string) => void = (s) => process.stderr.write(`${s}\n`)): Promise<string[]> {
  const n = Number(process.env.BENCH_ONE_SHOT_TENANTS ?? 100);
  const levels = (process.env.BENCH_ONE_SHOT_CONCURRENCY ?? '1,4,8').split(',').map(Number);
  const specs = portfolio(n);
  log(`one-shot: one tenant alone …`);
  const one = await measure(specs, 1, specs[0]!.id);
  const rows: OneShotRow[] = [];
  for (const c of levels) {
    log(`one-shot: ${n} tenants at concurrency ${c} …`);
    rows.push(await measure(specs, c));
  }
  const sequential = rows.find((r) => r.concurrency === 1);
  const statusText = (s: Record<string, number>) => Object.entries(s).map(([k, v]) => `${v} ${k}`).join(', ');
  return [
    `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}. Latency ${LATENCY_MS} ms ± ${JITTER_MS} ms per request.`,
    `One tenant alone: ${(one.processMs / 1000).toFixed(2)} s process (${(one.wallMs / 1000).toFixed(2)} s in the command), ${one.requests} requests.`,
    '',
    '| tenants | schedule.concurrency | process (s) | command (s) | tenants/s | s per tenant | speed-up vs 1 | efficiency | scanner CPU (s) | simulator CPU (s) | requests | 429s | peak RSS (MB) | exit | scans |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
    ...rows.map((r) => {
      const speedUp = sequential ? sequential.wallMs / r.wallMs : NaN;
      return `| ${r.tenants} | ${r.concurrency} | ${(r.processMs / 1000).toFixed(2)} | ${(r.wallMs / 1000).toFixed(2)} | ${(r.tenants / (r.wallMs / 1000)).toFixed(2)} | ${(r.wallMs / 1000 / r.tenants).toFixed(3)} | ${speedUp.toFixed(2)} | ${(speedUp / r.concurrency).toFixed(2)} | ${(r.cpuMs / 1000).toFixed(2)} | ${(r.simCpuMs / 1000).toFixed(2)} | ${r.requests} | ${r.sim429} | ${r.maxRssMb.toFixed(0)} | ${r.code} | ${statusText(r.statuses)} |`;
    }),
  ];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.stdout.write(`${(await oneShotBenchmark()).join('\n')}\n`);
}
