/** Test doubles for the scheduler: a manual clock with timers, a cron that fires on demand, deferred scans. */
import type { Logger } from 'pino';
import { createLogger } from '../log/logger.js';
import type { CronScheduler, CronTaskOptions } from './scheduler.js';
import type { Report } from '../domain/report.js';
import { captureLog } from '../../bench/lib/cli.js';

/** Lets queued promise callbacks run (p-limit, async functions) without any real waiting. */
export async function flush(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
}

interface FakeTimer {
  id: number;
  at: number;
  fn: () => void;
}

/** A clock whose time and timers move only when the test says so. */
export class FakeClock {
  private timers: FakeTimer[] = [];
  private seq = 0;
  constructor(public ms: number) {}
  now = (): Date => new Date(this.ms);
  setTimer = (fn: () => void, ms: number): number => {
    const t = { id: ++this.seq, at: this.ms + ms, fn };
    this.timers.push(t);
    return t.id;
  };
  clearTimer = (h: unknown): void => {
    this.timers = this.timers.filter((t) => t.id !== h);
  };
  /** Delays of the pending timers, relative to now. */
  pending(): number[] {
    return this.timers.map((t) => t.at - this.ms).sort((a, b) => a - b);
  }
  /** Moves time forward, firing due timers in order and letting promises settle after each. */
  async advance(ms: number): Promise<void> {
    const end = this.ms + ms;
    await flush();
    for (;;) {
      const next = [...this.timers].sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (!next || next.at > end) break;
      this.timers = this.timers.filter((t) => t !== next);
      this.ms = next.at;
      next.fn();
      await flush();
    }
    this.ms = end;
    await flush();
  }
}

export interface FakeCronTask {
  expression: string;
  options: CronTaskOptions;
  onTick: () => void;
  stopped: boolean;
}

export class FakeCron {
  tasks: FakeCronTask[] = [];
  schedule: CronScheduler = (expression, onTick, options) => {
    const task: FakeCronTask = { expression, options, onTick, stopped: false };
    this.tasks.push(task);
    return {
      stop: () => {
        task.stopped = true;
      },
      getStatus: () => (task.stopped ? 'stopped' : 'idle'),
    };
  };
  /** Fires the task of a tenant (by its name `ratchet-scan:<id>`), as node-cron would at the scheduled minute. */
  fire(tenantId: string): void {
    const task = this.tasks.find((t) => t.options.name === `ratchet-scan:${tenantId}`);
    if (!task) throw new Error(`no cron task for ${tenantId}`);
    if (!task.stopped) task.onTick();
  }
  fireAll(): void {
    for (const t of this.tasks) if (!t.stopped) t.onTick();
  }
}

export function fakeReport(tenantId: string, status: Report['scan']['status'] = 'complete'): Report {
  return {
    schemaVersion: 1,
    tenant: { id: tenantId, name: tenantId },
    scan: { id: `scan-${tenantId}`, startedAt: '2025-01-01T00:00:00.000Z', finishedAt: '2025-01-01T00:00:10.000Z', status, collectors: [] },
    level: { value: 2, name: 'Managed', potential: 3, confirmed: false, blockers: [], unknown: [] },
    capabilities: [],
    findings: [],
    evidence: [],
    regression: { detected: false, confirmed: false, previousLevel: null, drops: [], lostVisibility: [] },
    roadmap: [],
  } as unknown as Report;
}

/** A scan the test finishes by hand; it rejects when its signal is aborted (like a real scan's HTTP calls). */
export interface ControlledScan {
  tenantId: string;
  signal: AbortSignal;
  startedAt: number;
  settled: boolean;
  finish(): void;
  fail(e: Error): void;
}

export class ScanBench {
  started: ControlledScan[] = [];
  active = 0;
  maxActive = 0;
  constructor(private readonly clock?: FakeClock, private readonly ignoreAbort = false) {}
  runScan = (tenant: { id: string }, signal: AbortSignal): Promise<Report> =>
    new Promise<Report>((resolve, reject) => {
      this.active += 1;
      this.maxActive = Math.max(this.maxActive, this.active);
      const done = () => {
        if (scan.settled) return false;
        scan.settled = true;
        this.active -= 1;
        return true;
      };
      const scan: ControlledScan = {
        tenantId: tenant.id,
        signal,
        startedAt: this.clock?.ms ?? Date.now(),
        settled: false,
        finish: () => {
          if (done()) resolve(fakeReport(tenant.id));
        },
        fail: (e) => {
          if (done()) reject(e);
        },
      };
      if (!this.ignoreAbort) signal.addEventListener('abort', () => scan.fail(signal.reason as Error), { once: true });
      this.started.push(scan);
    });
  byTenant(id: string): ControlledScan[] {
    return this.started.filter((s) => s.tenantId === id);
  }
}

/**
 * The production logger (src/log/logger.ts: bounds, redaction, scrubbing) at the default level, writing JSON lines the
 * test can read. `info` is enough: the scheduler tests read only info, warn and error lines.
 */
export function captureLogger(): { logger: Logger; lines: () => Array<Record<string, unknown>> } {
  const log = captureLog();
  return { logger: createLogger({ level: 'info', destination: log.destination }), lines: log.lines };
}
