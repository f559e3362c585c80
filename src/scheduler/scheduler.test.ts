/** The scan scheduler: cron per tenant, jitter, bounded concurrency, no overlap, catch-up, graceful stop. */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../config/load.js';
import { Scheduler, type ScheduleConfig, type SchedulableTenant } from './scheduler.js';
import { captureLogger, FakeClock, FakeCron, flush, ScanBench } from './test-support.js';

const NOW = Date.parse('2024-06-01T12:00:00.000Z');
const schedule = (over: Partial<ScheduleConfig> = {}): ScheduleConfig => ({ cron: '0 2 * * *', timezone: 'UTC', concurrency: 4, jitterSeconds: 0, ...over });
const tenants = (...ids: string[]): SchedulableTenant[] => ids.map((id) => ({ id }));

function setup(opts: {
  tenants: SchedulableTenant[];
  schedule?: Partial<ScheduleConfig>;
  lastScanAt?: (id: string) => Promise<Date | null>;
  random?: () => number;
  ignoreAbort?: boolean;
  abortWaitMs?: number;
}) {
  const clock = new FakeClock(NOW);
  const cron = new FakeCron();
  const bench = new ScanBench(clock, opts.ignoreAbort);
  const log = captureLogger();
  const scheduler = new Scheduler({
    tenants: opts.tenants,
    scheduleConfig: schedule(opts.schedule),
    runScan: bench.runScan,
    // Default: every tenant was scanned a minute ago, so nothing is caught up.
    lastScanAt: opts.lastScanAt ?? (async () => new Date(NOW - 60_000)),
    logger: log.logger,
    now: clock.now,
    random: opts.random ?? (() => 0),
    setTimer: clock.setTimer,
    clearTimer: clock.clearTimer,
    cron: cron.schedule,
    abortWaitMs: opts.abortWaitMs,
  });
  return { clock, cron, bench, log, scheduler };
}

describe('Scheduler', () => {
  it('schedules each tenant with its own cron override or the global cron, in the configured time zone', async () => {
    const { cron, scheduler } = setup({ tenants: [{ id: 'a' }, { id: 'b', schedule: '30 3 * * 1' }], schedule: { cron: '0 2 * * *', timezone: 'America/New_York' } });
    await scheduler.start();
    expect(cron.tasks.map((t) => ({ expr: t.expression, tz: t.options.timezone, name: t.options.name }))).toEqual([
      { expr: '0 2 * * *', tz: 'America/New_York', name: 'ratchet-scan:a' },
      { expr: '30 3 * * 1', tz: 'America/New_York', name: 'ratchet-scan:b' },
    ]);
    // 2024-06-01 is a Saturday; New York is UTC-4 in June.
    expect(scheduler.schedules()).toEqual([
      { tenantId: 'a', cron: '0 2 * * *', timezone: 'America/New_York', source: 'schedule.cron', nextRunAt: '2024-06-02T06:00:00.000Z' },
      { tenantId: 'b', cron: '30 3 * * 1', timezone: 'America/New_York', source: 'tenants[1].schedule', nextRunAt: '2024-06-03T07:30:00.000Z' },
    ]);
    await scheduler.stop(0);
  });

  it('runs a scan when real node-cron fires (every-second schedule, time zone passed through)', async () => {
    const bench = new ScanBench();
    const scheduler = new Scheduler({
      tenants: tenants('a'),
      scheduleConfig: schedule({ cron: '* * * * * *', timezone: 'Asia/Tokyo' }),
      runScan: bench.runScan,
      lastScanAt: async () => new Date(),
      logger: captureLogger().logger,
    });
    await scheduler.start();
    const deadline = Date.now() + 3000;
    while (bench.started.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(bench.byTenant('a')).toHaveLength(1);
    expect(scheduler.health()).toMatchObject({ alive: true, running: 1 });
    expect(scheduler.health().lastTickAt).not.toBeNull();
    bench.started[0]!.finish();
    await scheduler.stop(1000);
    expect(scheduler.health().alive).toBe(false);
  });

  it('spreads the start of scans fired together over the jitter window', async () => {
    const ids = ['t1', 't2', 't3', 't4', 't5'];
    const draws = [0.1, 0.3, 0.5, 0.7, 0.9];
    const { clock, cron, bench, scheduler } = setup({ tenants: tenants(...ids), schedule: { jitterSeconds: 300, concurrency: 10 }, random: () => draws.shift()! });
    await scheduler.start();
    cron.fireAll();
    await flush();
    expect(bench.started).toHaveLength(0);
    expect(clock.pending()).toEqual([30_000, 90_000, 150_000, 210_000, 270_000]);
    expect(scheduler.health()).toMatchObject({ running: 0, queued: 5 });
    await clock.advance(300_000);
    expect(bench.started.map((s) => [s.tenantId, (s.startedAt - NOW) / 1000])).toEqual([
      ['t1', 30],
      ['t2', 90],
      ['t3', 150],
      ['t4', 210],
      ['t5', 270],
    ]);
    for (const s of bench.started) s.finish();
    await scheduler.stop(0);
  });

  it('never runs more scans at once than schedule.concurrency', async () => {
    const ids = Array.from({ length: 7 }, (_, i) => `t${i}`);
    const { cron, bench, scheduler } = setup({ tenants: tenants(...ids), schedule: { concurrency: 2 } });
    await scheduler.start();
    cron.fireAll();
    await flush();
    expect(bench.active).toBe(2);
    expect(scheduler.health()).toMatchObject({ running: 2, queued: 5 });
    // Finish scans one at a time, alternating oldest and newest; each frees exactly one slot.
    for (let round = 0; bench.started.some((s) => !s.settled); round++) {
      const open = bench.started.filter((s) => !s.settled);
      (round % 2 === 0 ? open[0] : open[open.length - 1])!.finish();
      await flush();
      expect(bench.active).toBeLessThanOrEqual(2);
      expect(bench.active).toBe(Math.min(2, ids.length - bench.started.filter((s) => s.settled).length));
    }
    expect(bench.maxActive).toBe(2);
    expect(new Set(bench.started.map((s) => s.tenantId))).toEqual(new Set(ids));
    expect(scheduler.health()).toMatchObject({ running: 0, queued: 0 });
    await scheduler.stop(0);
  });

  it('does not start a second scan of a tenant while one is running or queued', async () => {
    const { cron, bench, log, scheduler } = setup({ tenants: tenants('a', 'b'), schedule: { concurrency: 1 } });
    await scheduler.start();
    cron.fire('a');
    cron.fire('b');
    await flush();
    expect(scheduler.health()).toMatchObject({ running: 1, queued: 1, runningTenants: ['a'] });
    cron.fire('a'); // running
    cron.fire('b'); // queued
    expect(scheduler.scanNow('a')).toMatchObject({ accepted: false, state: 'running' });
    await flush();
    const skipped = log.lines().filter((l) => l.msg === 'skipped: previous scan still running');
    expect(skipped.map((l) => [l.tenant, l.state])).toEqual([
      ['a', 'running'],
      ['b', 'queued'],
      ['a', 'running'],
    ]);
    bench.byTenant('a')[0]!.finish();
    await flush();
    bench.byTenant('b')[0]!.finish();
    await flush();
    expect(bench.started.map((s) => s.tenantId)).toEqual(['a', 'b']);
    // Once the scan is over, the next fire scans again.
    cron.fire('a');
    await flush();
    expect(bench.byTenant('a')).toHaveLength(2);
    bench.byTenant('a')[1]!.finish();
    await scheduler.stop(0);
  });

  it('scanNow skips the jitter, also for a scheduled scan still waiting for it', async () => {
    const { clock, cron, bench, scheduler } = setup({ tenants: tenants('a', 'b'), schedule: { jitterSeconds: 600 }, random: () => 0.5 });
    await scheduler.start();
    const req = scheduler.scanNow('b');
    expect(req.accepted).toBe(true);
    cron.fire('a');
    await flush();
    expect(bench.started.map((s) => s.tenantId)).toEqual(['b']);
    expect(scheduler.scanNow('a')).toMatchObject({ accepted: true });
    await flush();
    expect(bench.started.map((s) => s.tenantId)).toEqual(['b', 'a']);
    expect(clock.pending()).toEqual([]);
    bench.byTenant('b')[0]!.finish();
    expect(await req.done).toMatchObject({ status: 'ok', report: { tenant: { id: 'b' } } });
    expect(() => scheduler.scanNow('nope')).toThrow(/no tenant "nope"/);
    bench.byTenant('a')[0]!.finish();
    await scheduler.stop(0);
  });

  it('catches up on start for a tenant whose last scan is older than the previous fire time, in the schedule time zone', async () => {
    // now 2024-06-01T12:00Z; "0 2 * * *" last fired at 02:00 UTC, or at 02:00 JST = 2024-05-31T17:00Z.
    const last: Record<string, Date | null> = {
      fresh: new Date('2024-06-01T02:05:00Z'),
      stale: new Date('2024-05-31T02:04:00Z'),
      never: null,
      tokyoFresh: new Date('2024-05-31T20:00:00Z'),
    };
    const lastScanAt = async (id: string) => last[id] ?? null;
    const utc = setup({ tenants: tenants('fresh', 'stale', 'never'), lastScanAt });
    expect(await utc.scheduler.start()).toEqual({ catchUp: ['stale', 'never'] });
    await flush();
    expect(utc.bench.started.map((s) => s.tenantId)).toEqual(['stale', 'never']);
    expect(utc.log.lines().filter((l) => String(l.msg).startsWith('catch-up')).map((l) => [l.tenant, l.scheduledAt])).toEqual([
      ['stale', '2024-06-01T02:00:00.000Z'],
      ['never', '2024-06-01T02:00:00.000Z'],
    ]);
    for (const s of utc.bench.started) s.finish();
    await utc.scheduler.stop(0);

    // Scanned at 20:00 UTC on May 31: stale for a UTC schedule, fresh for 02:00 in Tokyo (17:00 UTC).
    const tokyo = setup({ tenants: [{ id: 'tokyoFresh' }, { id: 'stale', schedule: '0 2 * * *' }], schedule: { timezone: 'Asia/Tokyo' }, lastScanAt });
    expect(await tokyo.scheduler.start()).toEqual({ catchUp: ['stale'] });
    const utcAgain = setup({ tenants: tenants('tokyoFresh'), lastScanAt });
    expect(await utcAgain.scheduler.start()).toEqual({ catchUp: ['tokyoFresh'] });
    for (const s of [...tokyo.bench.started, ...utcAgain.bench.started]) s.finish();
    await Promise.all([tokyo.scheduler.stop(0), utcAgain.scheduler.stop(0)]);
  });

  it('spreads catch-up scans with the jitter too', async () => {
    const draws = [0.25, 0.75];
    const { clock, bench, scheduler } = setup({ tenants: tenants('a', 'b'), schedule: { jitterSeconds: 100 }, lastScanAt: async () => null, random: () => draws.shift()! });
    await scheduler.start();
    expect(clock.pending()).toEqual([25_000, 75_000]);
    await clock.advance(100_000);
    expect(bench.started.map((s) => [s.tenantId, s.startedAt - NOW])).toEqual([
      ['a', 25_000],
      ['b', 75_000],
    ]);
    for (const s of bench.started) s.finish();
    await scheduler.stop(0);
  });

  it('rejects a bad cron or time zone with an error naming the config path', () => {
    const make = (ts: SchedulableTenant[], s: Partial<ScheduleConfig>) => () =>
      new Scheduler({ tenants: ts, scheduleConfig: schedule(s), runScan: new ScanBench().runScan, lastScanAt: async () => null, logger: captureLogger().logger, cron: new FakeCron().schedule });
    expect(make([{ id: 'a' }, { id: 'b', schedule: 'every day' }], {})).toThrow(ConfigError);
    expect(make([{ id: 'a' }, { id: 'b', schedule: 'every day' }], {})).toThrow(/tenants\[1\]\.schedule: invalid cron expression "every day"/);
    expect(make([{ id: 'a' }], { cron: '61 * * * *' })).toThrow(/schedule\.cron: invalid cron expression "61 \* \* \* \*": minute: 61 is a invalid expression/);
    expect(make([{ id: 'a' }], { timezone: 'Mars/Olympus_Mons' })).toThrow(/schedule\.timezone: unknown time zone "Mars\/Olympus_Mons"/);
    // All problems at once.
    try {
      make([{ id: 'a', schedule: '* * *' }], { cron: 'x', timezone: 'Nowhere' })();
      expect.unreachable();
    } catch (e) {
      expect((e as ConfigError).problems.map((p) => p.split(':')[0])).toEqual(['schedule.timezone', 'schedule.cron', 'tenants[0].schedule']);
    }
  });

  it('stop(): no new scans, queued ones dropped, running ones get the grace period, the rest are aborted', async () => {
    // a, b, c draw no jitter; d waits 30 s for its jitter when the stop comes.
    const draws = [0, 0, 0, 0.5];
    const { clock, cron, bench, log, scheduler } = setup({ tenants: tenants('a', 'b', 'c', 'd'), schedule: { concurrency: 2, jitterSeconds: 60 }, random: () => draws.shift()! });
    await scheduler.start();
    cron.fire('a');
    cron.fire('b');
    cron.fire('c');
    cron.fire('d');
    await flush();
    expect(clock.pending()).toEqual([30_000]);
    expect(scheduler.health()).toMatchObject({ alive: true, running: 2, queued: 2 });

    const stopping = scheduler.stop(10_000);
    await flush();
    expect(scheduler.health()).toMatchObject({ alive: false, stopping: true, running: 2, queued: 0 });
    expect(scheduler.scanNow('c')).toMatchObject({ accepted: false, reason: 'the scheduler is stopping' });
    cron.fire('c'); // stopped task: nothing
    expect(cron.tasks.every((t) => t.stopped)).toBe(true);

    // a finishes within the grace period; b does not.
    await clock.advance(4_000);
    bench.byTenant('a')[0]!.finish();
    await flush();
    let resolved = false;
    void stopping.then(() => (resolved = true));
    await flush();
    expect(resolved).toBe(false);
    const b = bench.byTenant('b')[0]!;
    expect(b.signal.aborted).toBe(false);
    await clock.advance(6_000);
    expect(b.signal.aborted).toBe(true);
    expect((b.signal.reason as Error).message).toMatch(/grace period of 10 s is over/);
    expect(await stopping).toEqual({ finished: 1, aborted: 1, dropped: 2 });
    expect(bench.started.map((s) => s.tenantId)).toEqual(['a', 'b']);
    expect(log.lines().some((l) => l.msg === 'scan aborted; nothing stored' && l.tenant === 'b')).toBe(true);
    expect(scheduler.health()).toMatchObject({ running: 0, queued: 0 });
    // Idempotent.
    expect(await scheduler.stop(0)).toEqual({ finished: 1, aborted: 1, dropped: 2 });
  });

  it('stop() resolves without waiting when every running scan ends within the grace period', async () => {
    const { cron, bench, scheduler } = setup({ tenants: tenants('a') });
    await scheduler.start();
    cron.fire('a');
    await flush();
    const stopping = scheduler.stop(60_000);
    bench.started[0]!.finish();
    expect(await stopping).toEqual({ finished: 1, aborted: 0, dropped: 0 });
    expect(bench.started[0]!.signal.aborted).toBe(false);
  });

  it('stop() gives up on a scan that ignores its abort signal after abortWaitMs', async () => {
    const { clock, cron, bench, log, scheduler } = setup({ tenants: tenants('a'), ignoreAbort: true, abortWaitMs: 5_000 });
    await scheduler.start();
    cron.fire('a');
    await flush();
    const stopping = scheduler.stop(1_000);
    await clock.advance(1_000);
    expect(bench.started[0]!.signal.aborted).toBe(true);
    await clock.advance(5_000);
    expect(await stopping).toEqual({ finished: 0, aborted: 1, dropped: 0 });
    expect(log.lines().some((l) => l.msg === 'aborted scans did not end in time; leaving them behind')).toBe(true);
  });
});
