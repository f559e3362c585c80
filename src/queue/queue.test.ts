/**
 * The scan queue on a real PostgreSQL (a pg-boss schema per test): one job per tenant per schedule slot whatever the
 * number of schedulers, no second job for a tenant already waiting or running, the figures /healthz and /metrics
 * show, and the worker's handling of failed and unknown-tenant jobs.
 */
import pg from 'pg';
import { Registry } from 'prom-client';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { captureLogger, FakeCron } from '../scheduler/test-support.js';
import { poll } from '../../test/helpers/poll.js';
import { registerQueueMetrics } from './metrics.js';
import { QueueScheduler, slotJitterSeconds } from './queue-scheduler.js';
import { ScanQueue, slotJobId, type ScanQueueSettings } from './scan-queue.js';
import { ScanWorker } from './scan-worker.js';

const URL_ = process.env.RATCHET_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const admin = new pg.Pool({ connectionString: URL_, max: 2 });
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});
afterAll(() => admin.end());

async function queues(n: number, overrides: Partial<ScanQueueSettings> = {}): Promise<ScanQueue[]> {
  const schema = `qt_${process.pid}_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6)}`;
  cleanups.push(() => admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
  const settings: ScanQueueSettings = { schema, leaseSeconds: 60, retryLimit: 2, retryDelaySeconds: 1, pollSeconds: 0.5, ...overrides };
  const out: ScanQueue[] = [];
  // Sequentially: the first installs pg-boss's schema (the others would wait on its advisory lock anyway).
  for (let i = 0; i < n; i += 1) {
    const q = await ScanQueue.open({ url: URL_, settings, logger: captureLogger().logger });
    cleanups.push(() => q.close());
    out.push(q);
  }
  return out;
}

const schedule = { cron: '0 2 * * *', timezone: 'UTC', concurrency: 2, jitterSeconds: 300 };
const tenants = [{ id: 'alpha' }, { id: 'bravo' }, { id: 'charlie' }];

describe('QueueScheduler', () => {
  it('two schedulers catching up and firing the same slot queue one job per tenant, with the same id and jitter', async () => {
    const [qa, qb] = await queues(2);
    const now = () => new Date('2026-12-04T09:00:00.000Z');
    const crons = [new FakeCron(), new FakeCron()];
    const schedulers = [qa!, qb!].map(
      (queue, i) => new QueueScheduler({ queue, tenants, scheduleConfig: schedule, lastScanAt: async () => null, logger: captureLogger().logger, now, cron: crons[i]!.schedule }),
    );
    const [a, b] = await Promise.all(schedulers.map((s) => s.start()));
    // Both found every tenant overdue for the 02:00 slot; between them they queued each once.
    expect([...a!.catchUp, ...b!.catchUp].sort()).toEqual(['alpha', 'bravo', 'charlie']);
    const stats = await qa!.stats();
    expect(stats.byState.created).toBe(3);
    const slot = '2026-12-04T02:00:00.000Z';
    for (const t of tenants) {
      const job = await qa!.job(slotJobId(t.id, slot));
      expect(job?.data).toMatchObject({ tenantId: t.id, trigger: 'catch-up', slot });
      // A catch-up starts from now plus the slot's jitter, the same in every scheduler.
      expect(job!.startAfter.getTime()).toBe(now().getTime() + slotJitterSeconds(t.id, slot, 300) * 1000);
    }
    // The cron fires in both processes for the same slot while the catch-up jobs wait: nothing more is queued.
    for (const c of crons) c.fireAll();
    // Each refused the tenants the other queued first at catch-up, and all three ticks.
    const refusedAfterTicks = [a!, b!].map((r) => 3 - r.catchUp.length + 3);
    await poll(async () => (schedulers.every((s, i) => s.health().refused === refusedAfterTicks[i]) ? true : undefined), 'both ticks handled');
    expect((await qa!.stats()).byState.created).toBe(3);
    expect(schedulers.map((s) => s.health())).toEqual([
      expect.objectContaining({ alive: true, enqueued: a!.catchUp.length, refused: refusedAfterTicks[0], tenants: 3 }),
      expect.objectContaining({ alive: true, enqueued: b!.catchUp.length, refused: refusedAfterTicks[1], tenants: 3 }),
    ]);
    await Promise.all(schedulers.map((s) => s.stop()));
    expect(schedulers[0]!.health()).toMatchObject({ alive: false, stopping: true });
  });

  it('does not catch up a tenant scanned since the last slot; its tick queues the slot with its jitter', async () => {
    const [q] = await queues(1);
    const cron = new FakeCron();
    let at = new Date('2026-12-04T09:00:00.000Z');
    const s = new QueueScheduler({
      queue: q!,
      tenants: [{ id: 'alpha' }],
      scheduleConfig: schedule,
      lastScanAt: async () => new Date('2026-12-04T02:03:00.000Z'),
      logger: captureLogger().logger,
      now: () => at,
      cron: cron.schedule,
    });
    expect((await s.start()).catchUp).toEqual([]);
    // node-cron calls a little after the minute: the job still belongs to that minute's slot.
    at = new Date('2026-12-05T02:00:00.400Z');
    cron.fire('alpha');
    const slot = '2026-12-05T02:00:00.000Z';
    const job = await poll(async () => (await q!.job(slotJobId('alpha', slot))) ?? undefined, 'the slot job');
    expect(job.data).toMatchObject({ trigger: 'schedule', slot });
    expect(job.startAfter.toISOString()).toBe(new Date(Date.parse(slot) + slotJitterSeconds('alpha', slot, 300) * 1000).toISOString());
    await s.stop();
  });
});

describe('ScanQueue', () => {
  it('refuses a second job for a tenant that has one waiting or running, and reports depth, states and the oldest wait', async () => {
    const [q] = await queues(1);
    const manual = (tenantId: string) => q!.enqueue({ tenantId, trigger: 'manual', slot: null, requestedAt: new Date().toISOString() });
    const first = await manual('alpha');
    expect(first).toMatchObject({ accepted: true });
    expect(await manual('alpha')).toEqual({ accepted: false, jobId: null, reason: 'a scan of alpha is already queued' });
    await q!.enqueue({ tenantId: 'bravo', trigger: 'schedule', slot: '2026-12-05T02:00:00.000Z', requestedAt: new Date().toISOString() }, { startAfter: new Date(Date.now() + 3_600_000) });
    await new Promise((r) => setTimeout(r, 1100));
    const stats = await q!.stats();
    expect(stats.oldestWaitingSeconds).toBeGreaterThanOrEqual(1);
    expect(stats).toMatchObject({ depth: 1, scheduled: 1, byState: { created: 2, active: 0 } });
    // "Scan now" of bravo pulls its scheduled job forward instead of being refused or queueing a second one.
    const pulled = await manual('bravo');
    expect(pulled).toEqual({ accepted: true, jobId: slotJobId('bravo', '2026-12-05T02:00:00.000Z') });
    expect(await q!.stats()).toMatchObject({ depth: 2, scheduled: 0, byState: { created: 2 } });

    // A worker claims alpha's job and holds it: "Scan now" says it is running.
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const worker = new ScanWorker({ queue: q!, tenants: [{ id: 'alpha' }], concurrency: 1, leaseSeconds: 60, runScan: () => held, logger: captureLogger().logger });
    await worker.start();
    await poll(async () => (worker.health().running === 1 ? true : undefined), 'alpha claimed');
    expect(await manual('alpha')).toEqual({ accepted: false, jobId: null, reason: 'a scan of alpha is already running' });
    expect((await q!.stats()).byState.active).toBe(1);
    expect(worker.health()).toMatchObject({ started: true, concurrency: 1, running: 1, runningTenants: ['alpha'] });

    // /metrics reads the same figures at scrape time.
    const registry = new Registry();
    const remove = registerQueueMetrics(registry, { queue: q!, worker });
    const text = await registry.metrics();
    expect(text).toMatch(/^ratchet_queue_up 1$/m);
    expect(text).toMatch(/^ratchet_queue_jobs\{state="active"\} 1$/m);
    expect(text).toMatch(/^ratchet_queue_depth 1$/m); // bravo, pulled forward
    expect(text).toMatch(/^ratchet_worker_scans_running 1$/m);
    remove();
    expect(await registry.metrics()).not.toMatch(/ratchet_queue/);

    release();
    await poll(async () => ((await q!.job(first.jobId!))?.state === 'completed' ? true : undefined), 'alpha completed');
    expect(await manual('alpha')).toMatchObject({ accepted: true });
    await worker.stop(0);
  });
});

describe('ScanWorker', () => {
  it('fails a scan that throws (retried with backoff), completes a job for a tenant no longer configured', async () => {
    const [q] = await queues(1, { retryLimit: 1, retryDelaySeconds: 1 });
    let attempts = 0;
    const worker = new ScanWorker({
      queue: q!,
      tenants: [{ id: 'alpha' }],
      concurrency: 2,
      leaseSeconds: 60,
      runScan: async () => {
        attempts += 1;
        if (attempts === 1) throw new Error('the history store is unreachable');
      },
      logger: captureLogger().logger,
    });
    await worker.start();
    const failing = await q!.enqueue({ tenantId: 'alpha', trigger: 'manual', slot: null, requestedAt: new Date().toISOString() });
    const gone = await q!.enqueue({ tenantId: 'removed-tenant', trigger: 'manual', slot: null, requestedAt: new Date().toISOString() });
    const done = await poll(async () => {
      const j = await q!.job(failing.jobId!);
      return j?.state === 'completed' ? j : undefined;
    }, 'the retried job', 30_000);
    expect(done.retryCount).toBe(1);
    expect(attempts).toBe(2);
    const skipped = await poll(async () => {
      const j = await q!.job(gone.jobId!);
      return j?.state === 'completed' ? j : undefined;
    }, 'the unknown tenant job');
    expect(skipped.output).toEqual({ skipped: 'tenant not in config' });
    expect(worker.health()).toMatchObject({ completed: 2, failed: 1, running: 0 });
    expect(await worker.stop(1000)).toEqual({ finished: 0, aborted: 0 });
  });

  it('aborts the running scans when the grace period is over on stop, and their jobs go back to the queue', async () => {
    const [q] = await queues(1, { retryDelaySeconds: 1 });
    const worker = new ScanWorker({
      queue: q!,
      tenants: [{ id: 'alpha' }],
      concurrency: 1,
      leaseSeconds: 60,
      runScan: (_t, signal) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true })),
      logger: captureLogger().logger,
    });
    await worker.start();
    const job = await q!.enqueue({ tenantId: 'alpha', trigger: 'manual', slot: null, requestedAt: new Date().toISOString() });
    await poll(async () => (worker.health().running === 1 ? true : undefined), 'claimed');
    expect(await worker.stop(200)).toEqual({ finished: 0, aborted: 1 });
    const after = await poll(async () => {
      const j = await q!.job(job.jobId!);
      return j?.state === 'retry' ? j : undefined;
    }, 'the job back in the queue');
    expect(after.output).toMatchObject({ message: expect.stringMatching(/shutting down/) });
  });
});
