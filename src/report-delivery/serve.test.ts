/**
 * `serve`'s part of scheduled reports: one cron task per schedule in the schedule's time zone, a firing queues that
 * period's rows; a worker-only process plans nothing; no e-mail channel or no schedule means no tasks.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { captureLogger } from '../alerts/test-support.js';
import type { CronScheduler } from '../scheduler/scheduler.js';
import { SqliteStore } from '../store/sqlite/sqlite-store.js';
import { startReportDelivery } from './serve.js';

const EMAIL = { type: 'email' as const, host: '127.0.0.1', port: 1, secure: false, from: 'r@msp.example', to: ['noc@msp.example'] };
const REPORT = { id: 'qbr', tenants: 'all' as const, cron: '0 7 1 */3 *', timezone: 'Europe/Berlin', to: ['it@contoso.example'], format: 'pdf' as const, period: 'previous-quarter' as const };
const config = (over: Record<string, unknown> = {}) =>
  ({ reports: [REPORT], alerts: [EMAIL], tenants: [{ id: 'contoso', name: 'Contoso' }], ...over }) as never;

function fakeCron() {
  const tasks: Array<{ expression: string; timezone: string; name: string; tick: () => void; stopped: boolean }> = [];
  const cron: CronScheduler = (expression, onTick, options) => {
    const t = { expression, timezone: options.timezone, name: options.name, tick: onTick, stopped: false };
    tasks.push(t);
    return { stop: () => void (t.stopped = true) };
  };
  return { cron, tasks };
}

const stores: SqliteStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
});
function store(): SqliteStore {
  const s = new SqliteStore(':memory:');
  stores.push(s);
  return s;
}

describe('startReportDelivery', () => {
  it('schedules each report in its time zone; a firing queues the period; stop stops the tasks', async () => {
    const s = store();
    const { cron, tasks } = fakeCron();
    let now = new Date('2026-09-20T12:00:00Z'); // the last firing (1 July) is too old to catch up
    const d = startReportDelivery({ config: config(), store: s, logger: captureLogger().logger, now: () => now, plans: true, sends: false, cron });
    expect(tasks.map((t) => [t.expression, t.timezone, t.name])).toEqual([['0 7 1 */3 *', 'Europe/Berlin', 'report:qbr']]);
    await new Promise((r) => setTimeout(r, 50));
    expect(await s.reportDeliveries()).toEqual([]);
    now = new Date('2026-10-01T05:00:00Z'); // 07:00 in Berlin
    tasks[0]!.tick();
    tasks[0]!.tick(); // a double firing queues nothing more
    await expect.poll(async () => (await s.reportDeliveries()).map((r) => r.idempotencyKey)).toEqual(['report:qbr:contoso:2026-Q3']);
    await d.stop();
    expect(tasks[0]!.stopped).toBe(true);
    expect(await s.reportDeliveries()).toHaveLength(1);
  });

  it('plans a firing missed within the last 7 days when it starts, and not an older one', async () => {
    const recent = store();
    const d1 = startReportDelivery({ config: config(), store: recent, logger: captureLogger().logger, now: () => new Date('2026-10-04T12:00:00Z'), plans: true, sends: false, cron: fakeCron().cron });
    await d1.stop();
    expect((await recent.reportDeliveries()).map((r) => [r.idempotencyKey, r.createdAt])).toEqual([['report:qbr:contoso:2026-Q3', '2026-10-01T05:00:00.000Z']]);
    const old = store();
    const d2 = startReportDelivery({ config: config(), store: old, logger: captureLogger().logger, now: () => new Date('2026-11-15T12:00:00Z'), plans: true, sends: false, cron: fakeCron().cron });
    await d2.stop();
    expect(await old.reportDeliveries()).toEqual([]);
  });

  it('plans nothing in a process that only sends, or without a schedule or an e-mail channel', async () => {
    for (const [c, plans] of [[config(), false], [config({ reports: [] }), true], [config({ alerts: [] }), true]] as const) {
      const { cron, tasks } = fakeCron();
      const d = startReportDelivery({ config: c, store: store(), logger: captureLogger().logger, plans, sends: false, cron });
      expect(tasks).toEqual([]);
      await d.stop();
    }
  });
});
