/**
 * Scale-out on PostgreSQL (issue 12, DESIGN §11), the way an operator runs it: separate `ratchet serve --role …`
 * processes at the default log level with secrets from ${env:…}/${file:…}, one PostgreSQL schema, the tenant
 * simulator on loopback TLS as the vendors, a webhook receiver for the alerts.
 * - two schedulers starting together queue each tenant's catch-up once; two workers scan each tenant once;
 *   the web role's "Scan now" goes through the same queue; /healthz names the role and the queue's state;
 * - a worker killed with SIGKILL mid-scan: its job is retried by another worker after the lease, history shows one
 *   complete scan, and the regression alert that scan confirms is delivered exactly once.
 */
import { createServer } from 'node:http';
import { connect, createServer as createNetServer, type Socket } from 'node:net';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import pino from 'pino';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { configFor, startSimulator, type Simulator } from '../../src/app/simulator.js';
import { ScanQueue } from '../../src/queue/scan-queue.js';
import { openStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/store.js';
import { runCli, tempDir, writeConfig } from '../../bench/lib/cli.js';
import { secretValues, spawnServe, splitSecretRefs, type RatchetProcess } from '../../bench/lib/serve-process.js';
import { poll } from '../helpers/poll.js';

const BASE_URL = process.env.RATCHET_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const admin = new pg.Pool({ connectionString: BASE_URL, max: 2 });
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});
afterAll(() => admin.end());

/** A fresh schema for the history and one for the queue, dropped after the test. */
async function schemas(): Promise<{ storeUrl: string; queueSchema: string }> {
  const name = `rq_${process.pid}_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6)}`;
  const queueSchema = `${name}_q`;
  await admin.query(`CREATE SCHEMA ${name}`);
  cleanups.push(() => admin.query(`DROP SCHEMA IF EXISTS ${name} CASCADE; DROP SCHEMA IF EXISTS ${queueSchema} CASCADE`));
  const u = new URL(BASE_URL);
  u.searchParams.set('options', `-c search_path=${name}`);
  return { storeUrl: u.toString(), queueSchema };
}

interface Fleet {
  sim: Simulator;
  dir: string;
  configPath: string;
  env: Record<string, string>;
  secrets: string[];
  store: Store;
  queue: ScanQueue;
  start(role: string): Promise<RatchetProcess>;
}

async function fleet(
  tenants: Array<{ id: string; name: string; profile: string; seed: string }>,
  extraConfig: Record<string, unknown>,
  /** How the processes reach PostgreSQL (default: directly; a test may route them through a proxy it can cut). */
  processUrl: (storeUrl: string) => string = (u) => u,
): Promise<Fleet> {
  const caDir = process.env.RATCHET_TEST_CA_DIR;
  if (!caDir) throw new Error('RATCHET_TEST_CA_DIR missing: run through vitest (test/global-setup.ts)');
  const { storeUrl, queueSchema } = await schemas();
  const sim = await startSimulator({ tenants, certDir: caDir } as Parameters<typeof startSimulator>[0]);
  cleanups.push(() => sim.close());
  const dir = tempDir('ratchet-fleet-');
  const { config, env } = configFor(sim, {});
  // The database URL as an operator keeps it: a secret reference, resolved by each process.
  env.RATCHET_DATABASE_URL = processUrl(storeUrl);
  const withFiles = splitSecretRefs(config, env, dir) as Record<string, unknown>;
  const configPath = writeConfig(dir, {
    server: { host: '127.0.0.1', port: 0 },
    storage: { url: '${env:RATCHET_DATABASE_URL}' },
    schedule: { cron: '0 2 * * *', timezone: 'UTC', concurrency: 2, jitterSeconds: 0 },
    ...withFiles,
    ...extraConfig,
    queue: { schema: queueSchema, pollSeconds: 0.5, ...(extraConfig.queue as object | undefined) },
  });
  const store = openStore(storeUrl);
  await store.migrate();
  cleanups.push(() => store.close());
  const queue = await ScanQueue.open({
    url: storeUrl,
    settings: { schema: queueSchema, leaseSeconds: 1800, retryLimit: 2, retryDelaySeconds: 1, pollSeconds: 0.5, ...(extraConfig.queue as object | undefined) },
    logger: pino({ level: 'silent' }),
  });
  cleanups.push(() => queue.close());
  const started: RatchetProcess[] = [];
  cleanups.push(() => Promise.all(started.map((p) => p.stop(10_000))));
  return {
    sim,
    dir,
    configPath,
    env,
    secrets: secretValues(env),
    store,
    queue,
    async start(role) {
      const p = await spawnServe({ configPath, dir, env, args: ['--role', role, '--grace-seconds', '5'] });
      started.push(p);
      return p;
    },
  };
}

/** A TCP proxy in front of PostgreSQL that the test can cut (every connection dropped, new ones refused) and restore. */
async function cuttableProxy(target: { host: string; port: number }): Promise<{ port: number; cut(): Promise<void>; restore(): Promise<void>; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createNetServer((client) => {
    const upstream = connect(target.port, target.host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => s.destroy());
    }
    client.pipe(upstream).pipe(client);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  const closeServer = () => new Promise<void>((r) => server.close(() => r()));
  return {
    port,
    async cut() {
      const closed = closeServer();
      for (const s of sockets) s.destroy();
      await closed;
    },
    async restore() {
      server.listen(port, '127.0.0.1');
      await once(server, 'listening');
    },
    async close() {
      for (const s of sockets) s.destroy();
      if (server.listening) await closeServer();
    },
  };
}

const completeScans = async (store: Store, tenantId: string) => (await store.listScans(tenantId, { limit: 100 })).filter((s) => s.status !== 'failed');

async function webhookReceiver(): Promise<{ url: string; keys: string[]; close(): Promise<void> }> {
  const keys: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      keys.push(String(req.headers['idempotency-key'] ?? JSON.parse(body).event?.kind));
      res.writeHead(200).end('{}');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, keys, close: () => new Promise((r) => server.close(() => r())) };
}

describe('serve --role on PostgreSQL', () => {
  it('two schedulers queue each catch-up once, two workers scan each tenant once, web queues Scan now, /healthz says the role and the queue', async () => {
    const tenants = ['alpha', 'bravo', 'charlie'].map((id) => ({ id, name: id, profile: 'level3', seed: id }));
    const f = await fleet(tenants, {});
    const [schedA, schedB] = await Promise.all([f.start('scheduler'), f.start('scheduler')]);
    // Both caught up the same never-scanned tenants for the same slot: one job each.
    await poll(async () => ((await f.queue.stats()).byState.created + (await f.queue.stats()).byState.active + (await f.queue.stats()).byState.completed >= 3 ? true : undefined), 'three jobs', 30_000);
    const queued = [...schedA.logLines(), ...schedB.logLines()].filter((l) => l.msg === 'scan queued');
    expect(queued.map((l) => l.tenant).sort()).toEqual(['alpha', 'bravo', 'charlie']);

    const workers = await Promise.all([f.start('worker'), f.start('worker')]);
    for (const t of tenants) await poll(async () => ((await completeScans(f.store, t.id)).length >= 1 ? true : undefined), `a scan of ${t.id}`, 90_000);
    await poll(async () => ((await f.queue.stats()).byState.completed === 3 ? true : undefined), 'three completed jobs', 30_000);
    for (const t of tenants) expect(await completeScans(f.store, t.id)).toHaveLength(1);

    const health = (await (await fetch(`${workers[0]!.url}/healthz`)).json()) as Record<string, unknown>;
    expect(health).toMatchObject({ status: 'ok', role: 'worker', store: 'ok', worker: { started: true, concurrency: 2 }, queue: { depth: 0, oldestWaitingSeconds: null } });
    expect(health.scheduler).toBeUndefined();
    const schedHealth = (await (await fetch(`${schedA.url}/healthz`)).json()) as Record<string, unknown>;
    expect(schedHealth).toMatchObject({ status: 'ok', role: 'scheduler', scheduler: { alive: true, tenants: 3 }, queue: { byState: { completed: 3 } } });
    // A scheduler or worker serves probes and metrics, not the UI or the API.
    expect((await fetch(`${schedA.url}/api/v1/tenants`)).status).toBe(404);
    const metrics = await (await fetch(`${workers[0]!.url}/metrics`)).text();
    expect(metrics).toMatch(/^ratchet_queue_jobs\{state="completed"\} 3$/m);
    expect(metrics).toMatch(/^ratchet_worker_concurrency 2$/m);

    // Scan now from the web role: a technician's token, through the queue, scanned by a worker.
    const token = await runCli(['--config', f.configPath, 'token', 'create', '--role', 'technician', '--name', 'tech@fleet'], f.env);
    expect(token.code).toBe(0);
    const web = await f.start('web');
    const res = await fetch(`${web.url}/api/v1/tenants/bravo/scan`, { method: 'POST', headers: { authorization: `Bearer ${token.stdout.trim().split('\n')[0]!.trim()}` } });
    expect(res.status).toBe(202);
    await poll(async () => ((await completeScans(f.store, 'bravo')).length === 2 ? true : undefined), 'the requested scan of bravo', 90_000);
    expect((await (await fetch(`${web.url}/healthz`)).json()) as Record<string, unknown>).toMatchObject({ status: 'ok', role: 'web' });

    // Nothing secret in any process's log.
    for (const p of [schedA, schedB, ...workers, web]) for (const s of f.secrets) expect(p.logText()).not.toContain(s);
  }, 240_000);

  it('a worker killed with SIGKILL mid-scan: another worker retries the job after its lease, one complete scan, one alert', async () => {
    const hook = await webhookReceiver();
    cleanups.push(() => hook.close());
    const tenants = [{ id: 'tailspin', name: 'Tailspin Toys', profile: 'level4', seed: 'tailspin' }];
    const f = await fleet(tenants, {
      queue: { leaseSeconds: 14, retryDelaySeconds: 1, pollSeconds: 0.5 },
      scan: { collectorTimeoutSeconds: 4 },
      regression: { confirmScans: 1, scoreDrop: 10 },
      alerts: [{ type: 'webhook', url: hook.url, secret: 'webhook-shared-secret-0123456789' }],
    });
    // History before: one scan at level 3 (the one-shot CLI on the same PostgreSQL).
    const first = await runCli(['--config', f.configPath, 'scan', '--format', 'json'], f.env);
    expect(first.code, first.stderr).toBe(0);
    expect((JSON.parse(first.stdout) as { level: { value: number } }).level.value).toBe(3);

    // The tenant slips, and every request is slow enough for the kill to land mid-scan.
    f.sim.setProfile('tailspin', 'level2');
    f.sim.setFaults('latency=400');
    const doomed = await f.start('worker');
    const job = await f.queue.enqueue({ tenantId: 'tailspin', trigger: 'manual', slot: null, requestedAt: new Date().toISOString() });
    expect(job.accepted).toBe(true);
    await poll(async () => ((await f.queue.job(job.jobId!))?.state === 'active' ? true : undefined), 'the job claimed', 30_000).catch(async (e) => {
      throw new Error(`${(e as Error).message}: ${JSON.stringify(await f.queue.job(job.jobId!))}\n${doomed.logText().slice(-3000)}`);
    });
    await new Promise((r) => setTimeout(r, 800));
    doomed.child.kill('SIGKILL');
    await doomed.exited;
    expect(await completeScans(f.store, 'tailspin')).toHaveLength(1); // nothing of the killed scan

    // Two survivors: one retries the scan after the lease; both send alerts, and the outbox lets one of them.
    const survivors = await Promise.all([f.start('worker'), f.start('worker')]);
    await poll(async () => ((await f.queue.job(job.jobId!))?.state === 'completed' ? true : undefined), 'the job retried and completed', 120_000);
    const stored = await completeScans(f.store, 'tailspin');
    expect(stored).toHaveLength(2);
    expect(stored[0]!.level).toBe(2);
    const after = await f.queue.job(job.jobId!);
    expect(after?.retryCount).toBe(1);
    await poll(async () => (hook.keys.length >= 1 ? true : undefined), 'the regression alert', 60_000);
    // Another full dispatch interval for any duplicate to show up.
    await new Promise((r) => setTimeout(r, 16_000));
    expect(hook.keys).toHaveLength(1);
    for (const p of survivors) for (const s of f.secrets) expect(p.logText()).not.toContain(s);
  }, 300_000);
  it('PostgreSQL unreachable: serve stays up, /healthz says why, nothing is lost; when it is back the queue runs again', async () => {
    const target = new URL(BASE_URL);
    const proxy = await cuttableProxy({ host: target.hostname, port: Number(target.port || 5432) });
    cleanups.push(() => proxy.close());
    const viaProxy = (u: string) => {
      const x = new URL(u);
      x.port = String(proxy.port);
      return x.toString();
    };
    const tenants = ['alpha', 'bravo'].map((id) => ({ id, name: id, profile: 'level3', seed: id }));
    const f = await fleet(tenants, {}, viaProxy);
    const token = await runCli(['--config', f.configPath, 'token', 'create', '--role', 'technician', '--name', 'tech@outage'], f.env);
    const bearer = { authorization: `Bearer ${token.stdout.trim().split('\n')[0]!.trim()}` };
    const all = await f.start('all');
    for (const t of tenants) await poll(async () => ((await completeScans(f.store, t.id)).length === 1 ? true : undefined), `the catch-up scan of ${t.id}`, 90_000);

    await proxy.cut();
    const down = await poll(async () => {
      const r = await fetch(`${all.url}/healthz`);
      return r.status === 503 ? ((await r.json()) as { problems: string[]; role: string }) : undefined;
    }, '/healthz 503', 30_000);
    expect(down.role).toBe('all');
    expect(down.problems).toEqual(expect.arrayContaining([expect.stringMatching(/^store unreachable/), expect.stringMatching(/^queue unreachable/)]));
    // "Scan now" cannot queue while the database is away: a clear refusal, not a crash.
    const refused = await fetch(`${all.url}/api/v1/tenants/alpha/scan`, { method: 'POST', headers: bearer });
    expect(refused.status).toBeGreaterThanOrEqual(400);
    await new Promise((r) => setTimeout(r, 5_000));
    expect(all.exitCode()).toBeNull();

    await proxy.restore();
    await poll(async () => ((await fetch(`${all.url}/healthz`)).status === 200 ? true : undefined), '/healthz 200 again', 60_000);
    const again = await fetch(`${all.url}/api/v1/tenants/alpha/scan`, { method: 'POST', headers: bearer });
    expect(again.status).toBe(202);
    await poll(async () => ((await completeScans(f.store, 'alpha')).length === 2 ? true : undefined), 'a scan after the outage', 90_000);
    expect(await completeScans(f.store, 'bravo')).toHaveLength(1);
    expect(all.exitCode()).toBeNull();
    for (const s of f.secrets) expect(all.logText()).not.toContain(s);
  }, 300_000);
});
