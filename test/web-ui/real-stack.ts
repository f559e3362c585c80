/**
 * The real stack behind the browser test: the tenant simulator scanned by the real CLI (in-process, with a fake clock
 * so the history spans a few hours and one tenant regresses), API tokens created with `ratchet token create`, one stored
 * scan whose evidence names a hostile device and user, and the real server (auth, CSRF, helmet CSP, data service,
 * UI) listening on a free loopback port.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import type { SchedulerHealth } from '../../src/scheduler/scheduler.js';
import { buildServer } from '../../src/server/app.js';
import { runServe } from '../../src/server/serve.js';
import { registerWeb } from '../../src/web/index.js';
import { uiPlugin } from '../../src/web/ui/index.js';
import { openContext } from '../../src/app/context.js';
import { SAMPLE_TENANTS } from '../../src/app/simulator.js';
import { SqliteStore } from '../../src/store/index.js';
import type { StoredScan } from '../../src/store/store.js';
import { captureLog, runCli, type LogCapture } from '../../bench/lib/cli.js';
import { e2e, type E2E } from '../e2e/harness.js';

export const HOSTILE = '<img src=x onerror=alert(1)><script>window.__pwned=1</script>';

export interface RealStack {
  url: string;
  h: E2E;
  tokens: { technician: string; viewer: string; admin: string };
  /** Tenant and rule whose evidence lists the hostile device name. */
  hostile: { tenantId: string; ruleId: string; evidenceKey: string };
  /** What the server logged (the production logger at the default level, info), captured. */
  log: LogCapture;
  /** Stops the server; fails when a secret of the config or an API token reached the log. */
  stop(): Promise<void>;
}

/**
 * The CLI context the server runs with, as in production: the default log level (info), secrets resolved from the
 * config's `${env:…}` and `${file:…}` references; the log lines go to `log` instead of the test runner's output.
 */
async function serverContext(h: E2E, log: LogCapture) {
  const io = { out: () => undefined, err: () => undefined, env: { ...process.env, ...h.env }, logDestination: log.destination };
  return { io, ctx: await openContext({ config: h.configPath }, io) };
}

function assertNoLeak(log: LogCapture, values: string[]): void {
  const text = log.text();
  const leaked = values.filter((v) => text.includes(v));
  if (leaked.length > 0) throw new Error(`${leaked.length} secret or token value(s) reached the server log`);
}

/** Between two scans of the history. */
const STEP = 20 * 60_000;

async function cli(h: E2E, args: string[], now?: Date): Promise<string> {
  const run = await runCli(['--config', h.configPath, ...args], h.env, now ? () => now : undefined);
  if (run.code !== 0) throw new Error(`ratchet ${args.join(' ')} exited ${run.code}: ${run.stderr}${run.logs.slice(-2000)}`);
  return run.stdout;
}

/**
 * Scans the sample portfolio `count` times, STEP apart, against simulator data generated as of one STEP before the
 * first scan (its agents' check-ins and backup times are relative to that, so scans stay close to it); Contoso slips
 * from level 3 to 2 halfway, so a regression episode opens and is confirmed.
 */
async function history(h: E2E, count: number, dataAt: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    if (i === Math.floor(count / 2)) h.sim.setProfile('contoso', 'level2');
    await cli(h, ['scan', '--format', 'json'], new Date(dataAt + (i + 1) * STEP));
  }
}

/** Stores one more scan of `tenantId` whose device and user offender lists start with the hostile name. */
async function saveHostileScan(dbPath: string, tenantId: string): Promise<{ ruleId: string; evidenceKey: string }> {
  const store = new SqliteStore(dbPath);
  try {
    const [latest] = await store.listScans(tenantId, { limit: 1 });
    const base = (await store.getScan(latest!.id))!;
    const at = Date.parse(base.finishedAt) + 30_000;
    const scan: StoredScan = structuredClone(base);
    scan.id = randomUUID();
    scan.startedAt = new Date(at).toISOString();
    scan.finishedAt = new Date(at + 5_000).toISOString();
    scan.report.scan = { ...scan.report.scan, id: scan.id, startedAt: scan.startedAt, finishedAt: scan.finishedAt };
    for (const evidence of [scan.report.evidence, scan.bundle.evidence]) {
      for (const e of evidence) {
        const v = e.value as Record<string, unknown> | null;
        if (e.key === 'm365.devices.compliance' && v && Array.isArray(v.nonCompliant)) v.nonCompliant = [HOSTILE, ...(v.nonCompliant as string[])];
        if (e.key === 'm365.mfa.registration' && v && Array.isArray(v.unregistered)) v.unregistered = [`${HOSTILE}@evil.example`, ...(v.unregistered as string[])];
      }
    }
    const finding = scan.report.findings.find((f) => f.evidence.includes('m365.devices.compliance') && f.outcome !== 'pass');
    if (!finding) throw new Error(`no failing device-compliance finding for ${tenantId}`);
    await store.saveScan(scan);
    return { ruleId: finding.ruleId, evidenceKey: 'm365.devices.compliance' };
  } finally {
    await store.close();
  }
}

/** The restore test and DR plan a technician recorded for Contoso: recovery level 3 asks for both. */
async function attestContoso(dbPath: string, at: number): Promise<void> {
  const store = new SqliteStore(dbPath);
  await store.migrate();
  try {
    for (const kind of ['restore_test', 'dr_plan'] as const) {
      await store.saveAttestation({
        id: randomUUID(),
        tenantId: 'contoso',
        kind,
        note: `${kind === 'restore_test' ? 'Restored FS01 into the isolated network' : 'DR plan v3 with RPO/RTO per system class'} (test stack)`,
        fileRef: null,
        author: 'alice@msp',
        attestedAt: new Date(at - 10 * 86_400_000).toISOString(),
        expiresAt: new Date(at + 80 * 86_400_000).toISOString(),
        createdAt: new Date(at).toISOString(),
        revokedAt: null,
        revokedBy: null,
      });
    }
  } finally {
    await store.close();
  }
}

export async function startRealStack(opts: { scans?: number } = {}): Promise<RealStack> {
  const count = opts.scans ?? 8;
  const dataAt = Date.now() - (count + 1) * STEP;
  const h = await e2e({ tenants: SAMPLE_TENANTS, now: new Date(dataAt) }, { regression: { confirmScans: 2, scoreDrop: 10 } });
  const dbPath = join(h.dir, 'ratchet.db');
  await attestContoso(dbPath, dataAt);
  await history(h, count, dataAt);
  const hostile = { tenantId: 'fabrikam', ...(await saveHostileScan(dbPath, 'fabrikam')) };
  const token = async (role: string, name: string) => (await cli(h, ['token', 'create', '--role', role, '--name', name])).trim().split('\n')[0]!.trim();
  const tokens = { technician: await token('technician', 'alice@msp'), viewer: await token('viewer', 'vera@client'), admin: await token('admin', 'root@msp') };

  const log = captureLog();
  const secrets = [...h.secrets, ...Object.values(tokens)];
  if (process.env.RATCHET_UI_STACK !== 'serve') {
    const server = await composed(h, log);
    return {
      ...server,
      h,
      tokens,
      hostile,
      log,
      async stop() {
        await server.stop();
        assertNoLeak(log, secrets);
      },
    };
  }

  // `ratchet serve` in-process: the same code path as the command, on a free port, until stop() is called.
  let stop!: (reason: string) => void;
  const until = new Promise<string>((r) => (stop = r));
  let listening!: (url: string) => void;
  const url = new Promise<string>((r) => (listening = r));
  const { io, ctx } = await serverContext(h, log);
  const done = runServe(ctx, io, { port: 0, host: '127.0.0.1', until, onListening: listening, graceSeconds: 0 });
  const base = await Promise.race([url, done.then((code) => Promise.reject(new Error(`ratchet serve exited ${code} before listening`)))]);
  return {
    url: base,
    h,
    tokens,
    hostile,
    log,
    async stop() {
      stop('test done');
      await done;
      assertNoLeak(log, secrets);
    },
  };
}

/**
 * The server of `ratchet serve` (buildServer) with the real web layer (registerWeb: helmet, cookies, auth, CSRF, API,
 * UI), without the scheduler: "scan now" is answered by a stub that queues.
 */
async function composed(h: E2E, log: LogCapture): Promise<{ url: string; stop(): Promise<void> }> {
  const { ctx } = await serverContext(h, log);
  const scheduler = { health: () => ({ alive: true, stopping: false }) as unknown as SchedulerHealth };
  const app = buildServer({ scheduler, store: ctx.store, registry: new Registry(), logger: ctx.logger });
  await registerWeb(app, { store: ctx.store, config: ctx.config, ruleSet: ctx.ruleSet, ui: uiPlugin, scheduler: { scanNow: () => ({ queued: true }) } });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    url,
    async stop() {
      await app.close();
      await ctx.close();
    },
  };
}
