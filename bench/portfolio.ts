/**
 * `npm run bench -- --portfolio` (issue 12, item 6): the scaled-out deployment serving a portfolio — one
 * `ratchet serve --role scheduler` and N `ratchet serve --role worker` processes on one PostgreSQL, the real CLI at
 * the default log level with its secrets as `${env:…}` references (bench/lib/serve-process.ts), the tenant simulator
 * on loopback TLS as every vendor with 40 ms ± 10 ms on each request. Portfolio and shared vendor accounts:
 * bench/lib/portfolio-model.ts.
 *
 * One run per worker count, each from nothing: fresh schemas for the store and the queue, a fresh simulator (so
 * no run inherits a vendor's rate window). The workers start first and poll an empty queue; then the scheduler
 * starts and its catch-up queues one job per tenant (none has a scan yet). Wall time = first job queued → last job
 * finished, by the queue's own timestamps in PostgreSQL; then the store must hold one finished scan per tenant.
 * Meanwhile every worker's resident set is sampled from /proc (peak = the larger of the samples and VmHWM).
 *
 * Two modes (BENCH_PORTFOLIO_VENDOR_LIMITS, default both): `documented` — the shared accounts under the vendors'
 * documented limits (the simulator enforces Datto's) and Ratchet's default budgets, as an MSP runs it; `off` — no
 * account limit anywhere, so what is measured is the fleet itself (round trips, CPU, PostgreSQL).
 *
 * Lower bound (portfolio-model.ts): max of (a) each shared vendor account's requests ÷ its documented limit and
 * (b) every tenant's critical path of round trips × tenants ÷ scan slots. Beside it: the same with Ratchet's
 * default budgets through its gate (and per-tenant budgets stretching each VBR scan), and the CPU the run used ÷
 * cores.
 *
 * Environment: BENCH_PORTFOLIO_TENANTS (default 500), BENCH_PORTFOLIO_WORKERS (default "1,2,4"; an entry `N:T` runs
 * N workers on T tenants instead), BENCH_PORTFOLIO_CONCURRENCY (schedule.concurrency per worker, default 4),
 * BENCH_PORTFOLIO_USERS (1000), BENCH_PORTFOLIO_DEVICES (300), BENCH_PORTFOLIO_VENDOR_LIMITS ("documented,off"),
 * RATCHET_TEST_PG_URL (default the tests' database). Beside the fleet, the same portfolio is scanned once by one
 * `ratchet scan` process (the built CLI, as the CronJob runs it; BENCH_PORTFOLIO_ONE_SHOT=0 skips it). Also
 * runnable alone: `npm run build && node --import tsx bench/portfolio.ts`.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import pino from 'pino';
import { configFor, startSimulator, type Simulator } from '../src/app/simulator.js';
import { ScanQueue, type QueueStats } from '../src/queue/scan-queue.js';
import { openStore } from '../src/store/index.js';
import type { Store } from '../src/store/store.js';
import { tempDir, writeConfig } from './lib/cli.js';
import { createRunSchemas, jobSpan } from './lib/pg-schemas.js';
import {
  accountCounts,
  criticalPathRoundTrips,
  lowerBound,
  portfolioTenants,
  requestsUnder,
  SHARED_ACCOUNTS,
  simulatorAccountLimits,
  withVendorLimits,
  type AccountCount,
  type LowerBound,
  type PortfolioSize,
  type VendorLimits,
} from './lib/portfolio-model.js';
import { machineBusySeconds, MemorySampler, procCpuSeconds } from './lib/proc-stats.js';
import { spawnServe, type RatchetProcess } from './lib/serve-process.js';

const LATENCY_MS = 40;
const JITTER_MS = 10;
const PG_URL = process.env.RATCHET_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
/** A run that has not finished by then is reported as failed (a hung fleet must not hang the benchmark). */
const RUN_TIMEOUT_MS = 3 * 3600_000;

const log = (s: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} portfolio: ${s}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface PortfolioRun {
  limits: VendorLimits;
  workers: number;
  concurrency: number;
  size: PortfolioSize;
  wallSeconds: number;
  /** First job queued → last job queued (the scheduler's catch-up), inside the wall time. */
  enqueueSeconds: number;
  tenantsPerHour: number;
  statuses: Record<string, number>;
  /** Tenants whose store holds other than exactly one scan. */
  scanCountMismatches: number;
  /** Per collector: mean duration (s) and requests of its runs. */
  collectors: Record<string, { runs: number; meanSeconds: number; meanRequests: number; failed: number }>;
  meanScanSeconds: number;
  peakRssMb: number[];
  /**
   * CPU seconds from the scheduler's start (before it queued anything) until every job finished — `measuredSeconds`,
   * a little longer than the wall time: each worker, the scheduler, this process (simulator and polling), the
   * machine (every process on it, other people's included).
   */
  measuredSeconds: number;
  workerCpu: number[];
  schedulerCpu: number;
  simulatorCpu: number;
  machineBusy: number | null;
  simRequests: number;
  sim429: number;
  counts: AccountCount[];
  bound: LowerBound;
  errorSamples: string[];
}

interface RunPlan {
  workers: number;
  tenants: number;
}

function parsePlans(text: string, tenants: number): RunPlan[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => {
      const [w, t] = s.split(':');
      const plan = { workers: Number(w), tenants: t === undefined ? tenants : Number(t) };
      if (!Number.isInteger(plan.workers) || plan.workers < 1 || !Number.isInteger(plan.tenants) || plan.tenants < 1) {
        throw new Error(`BENCH_PORTFOLIO_WORKERS: "${s}" is not N or N:TENANTS`);
      }
      return plan;
    });
}

/** The portfolio behind 40 ms ± 10 ms: uniform jitter 0…2J around (L − J), a mean of L with ±J spread. */
function simulatorOptions(specs: ReturnType<typeof portfolioTenants>, limits: VendorLimits) {
  const accountRateLimits = simulatorAccountLimits(limits);
  return { tenants: specs, faults: `latency=${LATENCY_MS - JITTER_MS}:${2 * JITTER_MS}`, ...(accountRateLimits ? { accountRateLimits } : {}) };
}

/** The tenants on a VBR server of their own and every request those servers answered. */
function vbrOf(specs: ReturnType<typeof portfolioTenants>, stats: ReturnType<Simulator['stats']>) {
  return { tenants: specs.filter((t) => t.backup === 'veeam-vbr').length, requests: requestsUnder(stats, '/veeam-vbr/') };
}

/** Waits until every job is finished, logging progress; rejects if a process dies or time runs out. */
async function untilDrained(queue: ScanQueue, tenants: number, processes: RatchetProcess[]): Promise<QueueStats> {
  const started = Date.now();
  let lastLog = 0;
  for (;;) {
    const s = await queue.stats();
    const finished = s.byState.completed + s.byState.failed + s.byState.cancelled;
    if (finished >= tenants && s.byState.created + s.byState.retry + s.byState.active === 0) return s;
    const dead = processes.find((p) => p.exitCode() !== null);
    if (dead) throw new Error(`a ratchet process exited ${dead.exitCode()} mid-run:\n${dead.logText().slice(-3000)}`);
    if (Date.now() - started > RUN_TIMEOUT_MS) throw new Error(`not drained after ${RUN_TIMEOUT_MS / 1000} s: ${JSON.stringify(s.byState)}`);
    if (Date.now() - lastLog >= 15_000) {
      lastLog = Date.now();
      log(`${finished}/${tenants} finished, ${s.byState.active} active, ${s.byState.created + s.byState.retry} waiting`);
    }
    await sleep(500);
  }
}

/** What the store holds after the run: the latest scan's status per tenant, and per-collector figures. */
async function readBack(store: Store, tenantIds: readonly string[]) {
  const statuses: Record<string, number> = {};
  const collectors: PortfolioRun['collectors'] = {};
  const errorSamples: string[] = [];
  let mismatches = 0;
  let scanSeconds = 0;
  for (const id of tenantIds) {
    const scans = await store.recentScans(id, { limit: 3 });
    if (scans.length !== 1) mismatches += 1;
    const scan = scans[0];
    if (!scan) {
      statuses.missing = (statuses.missing ?? 0) + 1;
      continue;
    }
    statuses[scan.status] = (statuses[scan.status] ?? 0) + 1;
    scanSeconds += (Date.parse(scan.finishedAt) - Date.parse(scan.startedAt)) / 1000;
    for (const c of scan.report.scan.collectors) {
      const agg = (collectors[c.id] ??= { runs: 0, meanSeconds: 0, meanRequests: 0, failed: 0 });
      agg.runs += 1;
      agg.meanSeconds += c.durationMs / 1000;
      agg.meanRequests += c.requests;
      if (c.status !== 'ok') {
        agg.failed += 1;
        if (errorSamples.length < 5) errorSamples.push(`${id} ${c.id} ${c.status}: ${c.error ?? ''}`.slice(0, 300));
      }
    }
  }
  for (const agg of Object.values(collectors)) {
    agg.meanSeconds /= agg.runs;
    agg.meanRequests /= agg.runs;
  }
  return { statuses, collectors, errorSamples, mismatches, meanScanSeconds: scanSeconds / tenantIds.length };
}

async function runFleet(plan: RunPlan, base: Omit<PortfolioSize, 'tenants'>, concurrency: number, limits: VendorLimits): Promise<PortfolioRun> {
  const size = { ...base, tenants: plan.tenants };
  const specs = portfolioTenants(size);
  const dir = tempDir('ratchet-bench-portfolio-');
  const schemas = await createRunSchemas(PG_URL, 'bench_pf');
  const cleanups: Array<() => Promise<unknown>> = [() => schemas.drop()];
  const processes: RatchetProcess[] = [];
  try {
    const sim: Simulator = await startSimulator({ ...simulatorOptions(specs, limits), certDir: join(dir, 'ca') });
    cleanups.unshift(() => sim.close());
    const { config, env } = configFor(sim, {});
    // The database URL as an operator keeps it: a secret reference each process resolves.
    env.RATCHET_DATABASE_URL = schemas.storeUrl;
    const queueSettings = { schema: schemas.queueSchema, leaseSeconds: 1800, retryLimit: 2, retryDelaySeconds: 60, pollSeconds: 0.5 };
    const configPath = writeConfig(dir, {
      server: { host: '127.0.0.1', port: 0 },
      storage: { url: '${env:RATCHET_DATABASE_URL}' },
      // A daily slot: the catch-up on start queues every tenant (none has a scan), and no tick fires during the run.
      schedule: { cron: '0 2 * * *', timezone: 'UTC', concurrency, jitterSeconds: 0 },
      queue: queueSettings,
      tenants: withVendorLimits(config.tenants, limits),
    });
    // The schemas exist before any process starts, so the fleet's start does not race on creating them.
    const store = openStore(schemas.storeUrl);
    await store.migrate();
    cleanups.unshift(() => store.close());
    const queue = await ScanQueue.open({ url: schemas.storeUrl, settings: queueSettings, logger: pino({ level: 'silent' }), maxConnections: 2 });
    cleanups.unshift(() => queue.close());

    const start = (role: string) => spawnServe({ configPath, dir, env, args: ['--role', role, '--grace-seconds', '10'], startTimeoutMs: 120_000 });
    log(`${plan.workers} worker(s) × concurrency ${concurrency}, ${plan.tenants} tenants, vendor limits ${limits}: starting the workers …`);
    cleanups.unshift(() => Promise.all(processes.map((p) => p.stop(30_000))));
    // Each one kept as soon as it listens, so a sibling that fails to start leaves none behind unstopped.
    await Promise.all(Array.from({ length: plan.workers }, async () => void processes.push(await start('worker'))));
    const workerPids = processes.map((p) => p.child.pid!);
    const sampler = new MemorySampler(workerPids);
    sim.resetStats();

    log('starting the scheduler (its catch-up queues every tenant) …');
    const scheduler = await start('scheduler');
    processes.push(scheduler);
    // CPU from here on: the scheduler listens before its catch-up queues anything (src/server/serve.ts), so its own
    // start-up stays out and the scans are all in.
    const t0 = performance.now();
    const workerCpu0 = workerPids.map((pid) => procCpuSeconds(pid) ?? 0);
    const schedulerCpu0 = procCpuSeconds(scheduler.child.pid!) ?? 0;
    const busy0 = machineBusySeconds();
    const self0 = process.cpuUsage();
    const drained = await untilDrained(queue, plan.tenants, processes);

    sampler.stop();
    const measuredSeconds = (performance.now() - t0) / 1000;
    const selfCpu = process.cpuUsage(self0);
    const busy1 = machineBusySeconds();
    const workerCpu = workerPids.map((pid, i) => (procCpuSeconds(pid) ?? 0) - workerCpu0[i]!);
    const schedulerCpu = (procCpuSeconds(scheduler.child.pid!) ?? 0) - schedulerCpu0;
    const stats = sim.stats();
    const span = await jobSpan(schemas.storeUrl, schemas.queueSchema);
    if (!span || span.jobs !== plan.tenants) throw new Error(`expected ${plan.tenants} jobs, the queue holds ${span?.jobs ?? 0} (${JSON.stringify(drained.byState)})`);
    const back = await readBack(store, specs.map((s) => s.id!));
    const wallSeconds = (span.lastFinished.getTime() - span.firstQueued.getTime()) / 1000;
    const counts = accountCounts(stats);
    return {
      limits,
      workers: plan.workers,
      concurrency,
      size,
      wallSeconds,
      enqueueSeconds: (span.lastQueued.getTime() - span.firstQueued.getTime()) / 1000,
      tenantsPerHour: (plan.tenants / wallSeconds) * 3600,
      statuses: back.statuses,
      scanCountMismatches: back.mismatches,
      collectors: back.collectors,
      meanScanSeconds: back.meanScanSeconds,
      peakRssMb: workerPids.map((pid) => sampler.peakMb(pid) ?? NaN),
      workerCpu,
      schedulerCpu,
      simulatorCpu: (selfCpu.user + selfCpu.system) / 1e6,
      machineBusy: busy0 !== null && busy1 !== null ? busy1 - busy0 : null,
      measuredSeconds,
      simRequests: stats.total,
      sim429: stats.byStatus['429'] ?? 0,
      counts,
      bound: lowerBound({ size, counts, vbr: vbrOf(specs, stats), slots: plan.workers * concurrency, latencyMs: LATENCY_MS, limits }),
      errorSamples: back.errorSamples,
    };
  } finally {
    for (const c of cleanups) await c().catch((e: unknown) => log(`cleanup: ${(e as Error).message}`));
  }
}

export interface OneShotRun {
  limits: VendorLimits;
  size: PortfolioSize;
  concurrency: number;
  /** Inside `main()` of the CLI, and spawn to exit (what a CronJob pays). */
  wallSeconds: number;
  processSeconds: number;
  tenantsPerHour: number;
  statuses: Record<string, number>;
  peakRssMb: number;
  cpuSeconds: number;
  simRequests: number;
  sim429: number;
  bound: LowerBound;
}

const ONE_SHOT_CHILD = join(import.meta.dirname, 'one-shot-child.mjs');
const BUILT_CLI = join(import.meta.dirname, '..', 'dist', 'src', 'cli', 'main.js');

/**
 * The same portfolio scanned by one `ratchet scan` (the CronJob mode) on the same PostgreSQL: the built CLI in its own
 * process (bench/one-shot-child.mjs, as bench/one-shot.ts runs it), `schedule.concurrency` as each worker's.
 */
async function runOneShot(size: PortfolioSize, concurrency: number, limits: VendorLimits): Promise<OneShotRun> {
  const specs = portfolioTenants(size);
  const dir = tempDir('ratchet-bench-portfolio-once-');
  const schemas = await createRunSchemas(PG_URL, 'bench_pf1');
  const cleanups: Array<() => Promise<unknown>> = [() => schemas.drop()];
  try {
    const sim = await startSimulator({ ...simulatorOptions(specs, limits), certDir: join(dir, 'ca') });
    cleanups.unshift(() => sim.close());
    const { config, env } = configFor(sim, {});
    env.RATCHET_DATABASE_URL = schemas.storeUrl;
    const configPath = writeConfig(dir, { storage: { url: '${env:RATCHET_DATABASE_URL}' }, schedule: { concurrency }, tenants: withVendorLimits(config.tenants, limits) });
    log(`one-shot \`ratchet scan\` of ${size.tenants} tenants at concurrency ${concurrency} …`);
    const t0 = performance.now();
    const out = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, [ONE_SHOT_CHILD, configPath], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
      let text = '';
      child.stdout.on('data', (c: Buffer) => (text += c.toString()));
      child.on('error', reject);
      child.on('close', () => resolve(text));
    });
    const processSeconds = (performance.now() - t0) / 1000;
    let r: { code: number; wallMs: number; tenants: number; statuses: Record<string, number>; maxRssMb: number; cpuMs: number };
    try {
      r = JSON.parse(out.trim().split('\n').at(-1)!) as typeof r;
    } catch {
      throw new Error(`the one-shot child printed no measurement: ${out.slice(-2000)}`);
    }
    if (r.tenants !== size.tenants) throw new Error(`one-shot: ${r.tenants} reports for ${size.tenants} tenants (exit ${r.code})`);
    const stats = sim.stats();
    const wallSeconds = r.wallMs / 1000;
    return {
      limits,
      size,
      concurrency,
      wallSeconds,
      processSeconds,
      tenantsPerHour: (size.tenants / wallSeconds) * 3600,
      statuses: r.statuses,
      peakRssMb: r.maxRssMb,
      cpuSeconds: r.cpuMs / 1000,
      simRequests: stats.total,
      sim429: stats.byStatus['429'] ?? 0,
      bound: lowerBound({ size, counts: accountCounts(stats), vbr: vbrOf(specs, stats), slots: concurrency, latencyMs: LATENCY_MS, limits }),
    };
  } finally {
    for (const c of cleanups) await c().catch((e: unknown) => log(`cleanup: ${(e as Error).message}`));
  }
}

const f1 = (n: number) => n.toFixed(1);
const f2 = (n: number) => n.toFixed(2);
const int = (n: number) => Math.round(n).toLocaleString('en');

const statusText = (statuses: Record<string, number>) =>
  Object.entries(statuses)
    .map(([k, v]) => `${v} ${k}`)
    .join(', ');

/** The tables of one vendor-limits mode: the fleet runs, the shared accounts, the collectors, the one-shot beside. */
export function portfolioTables(runs: readonly PortfolioRun[], once: OneShotRun | null): string[] {
  const one = runs.find((r) => r.workers === 1);
  const documented = (runs[0] ?? once)?.limits !== 'off';
  const lines = [
    '| workers × concurrency | tenants | wall (s) | enqueue (s) | **tenants/h** | lower bound (s): documented · budgets · round trips · with per-tenant pacing | **÷ bound** (documented · budgets) | CPU ÷ cores (s) | scaling efficiency vs 1 | peak RSS per worker (MB) | worker CPU (s) | simulator CPU (s) | machine busy (cores) | requests | 429s | scans |',
    '|---|---:|---:|---:|---:|---|---|---:|---:|---|---|---:|---:|---:|---:|---|',
    ...runs.map((r) => {
      const efficiency = one ? r.tenantsPerHour / (r.workers * one.tenantsPerHour) : NaN;
      const ourCpu = r.workerCpu.reduce((a, b) => a + b, 0) + r.schedulerCpu + r.simulatorCpu;
      const scans = statusText(r.statuses) + (r.scanCountMismatches ? `; ${r.scanCountMismatches} tenants ≠ 1 scan` : '');
      return (
        `| ${r.workers} × ${r.concurrency} | ${r.size.tenants} | ${f1(r.wallSeconds)} | ${f1(r.enqueueSeconds)} | **${int(r.tenantsPerHour)}** | ` +
        `${f1(r.bound.documentedSeconds)} · ${f1(r.bound.budgetSeconds)} · ${f1(r.bound.roundTripSeconds)} · ${f1(r.bound.pacedPathSeconds)} | ` +
        `**${f2(r.wallSeconds / r.bound.documentedSeconds)}** · ${f2(r.wallSeconds / r.bound.budgetSeconds)} | ${f1(ourCpu / cpus().length)} | ` +
        `${f2(efficiency)} | ${r.peakRssMb.map((m) => m.toFixed(0)).join(', ')} | ${r.workerCpu.map(f1).join(', ')} | ${f1(r.simulatorCpu)} | ` +
        `${r.machineBusy === null ? '–' : f2(r.machineBusy / r.measuredSeconds)} | ${int(r.simRequests)} | ${r.sim429} | ${scans} |`
      );
    }),
  ];
  if (once) {
    lines.push(
      '',
      `One-shot \`ratchet scan\` of the same ${once.size.tenants} tenants (one process, the same PostgreSQL, concurrency ${once.concurrency}): ` +
        `${f1(once.wallSeconds)} s in the command (${f1(once.processSeconds)} s spawn to exit) = **${int(once.tenantsPerHour)} tenants/h**, ` +
        `${f2(once.wallSeconds / once.bound.documentedSeconds)}× the documented bound (${f1(once.bound.documentedSeconds)} s), ` +
        `${f2(once.wallSeconds / once.bound.budgetSeconds)}× the budget bound (${f1(once.bound.budgetSeconds)} s); ` +
        `CPU ${f1(once.cpuSeconds)} s, peak RSS ${once.peakRssMb.toFixed(0)} MB, ${int(once.simRequests)} requests, ${once.sim429} 429s, ${statusText(once.statuses)}.`,
    );
  }
  if (documented && runs.length > 0) {
    lines.push(
      '',
      '| workers | shared account | requests (all, as the gate paces them) | requests the vendor counts | 429s | documented limit → s | Ratchet budget, through its gate → s |',
      '|---:|---|---:|---:|---:|---:|---:|',
      ...runs.flatMap((r) =>
        SHARED_ACCOUNTS.map((a) => {
          const c = r.counts.find((x) => x.vendor === a.vendor)!;
          const b = r.bound.accounts.find((x) => x.vendor === a.vendor)!;
          const doc = a.documented ? `${a.documented.limit}/${a.documented.intervalMs / 1000} s → ${f1(b.documentedSeconds!)}` : 'none published';
          return `| ${r.workers} | ${a.vendor} | ${int(c.requests)} | ${int(c.counted)} | ${c.throttled} | ${doc} | ${a.ratchetBudget.limit}/${a.ratchetBudget.intervalMs / 1000} s → ${f1(b.budgetSeconds)} |`;
        }),
      ),
    );
  }
  const ids = [...new Set(runs.flatMap((r) => Object.keys(r.collectors)))];
  if (ids.length > 0) {
    lines.push(
      '',
      `| workers | mean scan (s) | ${ids.map((c) => `${c}: mean s / requests / not ok`).join(' | ')} |`,
      `|---:|---:|${ids.map(() => '---:').join('|')}|`,
      ...runs.map((r) => {
        const cells = ids.map((c) => {
          const x = r.collectors[c];
          return x ? `${f2(x.meanSeconds)} / ${f1(x.meanRequests)} / ${x.failed}` : '–';
        });
        return `| ${r.workers} | ${f2(r.meanScanSeconds)} | ${cells.join(' | ')} |`;
      }),
    );
  }
  for (const r of runs) if (r.errorSamples.length) lines.push('', `Not-ok collector runs with ${r.workers} worker(s), first ${r.errorSamples.length}:`, ...r.errorSamples.map((e) => `- ${e}`));
  return lines;
}

/**
 * Runs every mode and worker count; `emit` gets the Markdown of each mode as soon as that mode is done (a later
 * failure keeps what was measured before it).
 */
export async function portfolioBenchmark(emit: (lines: string[]) => void = (l) => process.stdout.write(`${l.join('\n')}\n`)): Promise<void> {
  const tenants = Number(process.env.BENCH_PORTFOLIO_TENANTS ?? 500);
  const plans = parsePlans(process.env.BENCH_PORTFOLIO_WORKERS ?? '1,2,4', tenants);
  const concurrency = Number(process.env.BENCH_PORTFOLIO_CONCURRENCY ?? 4);
  const base = { users: Number(process.env.BENCH_PORTFOLIO_USERS ?? 1000), devices: Number(process.env.BENCH_PORTFOLIO_DEVICES ?? 300) };
  const modes = (process.env.BENCH_PORTFOLIO_VENDOR_LIMITS ?? 'documented,off').split(',').map((m) => m.trim());
  for (const m of modes) if (m !== 'documented' && m !== 'off') throw new Error(`BENCH_PORTFOLIO_VENDOR_LIMITS: "${m}" is neither documented nor off`);
  const path = criticalPathRoundTrips({ ...base, tenants });
  emit([
    `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}. Latency ${LATENCY_MS} ms ± ${JITTER_MS} ms per request.`,
    `Tenants: ${base.users} users, ${base.devices} devices and endpoints, Microsoft 365 + RMM + backup each; critical path ${path.longest} round trips (M365 ${path.m365}, RMM ${path.rmm}, backup ${path.backup}).`,
  ]);
  for (const limits of modes as VendorLimits[]) {
    const runs: PortfolioRun[] = [];
    for (const plan of plans) {
      const r = await runFleet(plan, base, concurrency, limits);
      log(`${plan.workers} worker(s): ${r.size.tenants} tenants in ${f1(r.wallSeconds)} s = ${int(r.tenantsPerHour)} tenants/h, ${f2(r.wallSeconds / r.bound.documentedSeconds)}× the lower bound`);
      runs.push(r);
    }
    let once: OneShotRun | null = null;
    if (process.env.BENCH_PORTFOLIO_ONE_SHOT !== '0') {
      // The built CLI, as the CronJob runs it: `npm run bench` builds first; alone, `npm run build` before.
      if (existsSync(BUILT_CLI)) once = await runOneShot({ ...base, tenants }, concurrency, limits);
      else log(`no ${BUILT_CLI}: the one-shot comparison needs \`npm run build\` first; skipped`);
    }
    emit(['', `#### Vendor limits ${limits}`, '', ...portfolioTables(runs, once)]);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await portfolioBenchmark();
}
