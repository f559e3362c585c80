/**
 * The vendor request limiter shared by every process on one PostgreSQL database (DESIGN §11): the GCRA of
 * src/collector-kit/rate-gate.ts with its one number per account — the theoretical arrival time (TAT) — in a row of
 * `vendor_rate_limits`, so ten workers scanning tenants of one vendor account together obey the budget one worker
 * obeys alone.
 *
 * Why PostgreSQL and not Redis: the fleet already depends on PostgreSQL (store, queue); a limiter there is one
 * fewer moving part to deploy, secure and monitor, and a take is one indexed single-row upsert — a few hundred per
 * second at most, well within what the database does anyway.
 *
 * One statement per take, atomic without a transaction: `INSERT … ON CONFLICT DO UPDATE` locks the account's row,
 * and the DO UPDATE always sees the newest committed TAT (READ COMMITTED re-reads the conflicting row), so
 * concurrent takes from any number of processes are serialised on that row. Time is the database's
 * `clock_timestamp()` — read after the row lock is held, so a take that queued on the lock does not compute with a
 * stale "now" — never a process's clock, so skew between workers does not matter. The statement *reserves* the
 * earliest conforming slot and returns how long to wait for it; the caller sleeps that long (abortable) and sends.
 * No retry loop: each take is one round trip, waiters are served in arrival order, and nobody polls.
 *
 * A failing database must not wedge scans: when a take's statement fails or takes longer than
 * `queryTimeoutMs`, that take falls back to the in-process gate (this process's buckets), and the failure is logged
 * once per outage (again after a take succeeds). For `retryAfterMs` after a failure, takes go straight to the
 * in-process gate, so a database that hangs costs one timeout per few seconds, not one per request. An abort
 * rejects at once, also while the statement is in flight.
 */
import type { Logger } from 'pino';
import {
  abortReason,
  grantableCost,
  InProcessRateGate,
  scheduleOf,
  waitForSlot,
  type RateBudget,
  type RateGate,
  type RateWaitListener,
} from '../../collector-kit/rate-gate.js';
import type { PostgresConnection } from './connection.js';

export interface PostgresRateGateOptions {
  /** Where the one warning per database outage goes. */
  logger?: Logger;
  /** Told about every take that had to wait (metrics). */
  onWait?: RateWaitListener;
  /** A take's statement slower than this falls back to the in-process gate (default 5 s). */
  queryTimeoutMs?: number;
  /** After a failure, how long takes skip the database before trying it again (default 5 s). */
  retryAfterMs?: number;
}

/**
 * $1 account key, $2 cost × T (ms), $3 burst × T (ms). New TAT = max(TAT, now) + cost·T; the slot is
 * max(now, TAT_new − burst·T), so the wait is max(0, TAT_new − now − burst·T) — `reserve()` in SQL.
 */
const TAKE = `
INSERT INTO vendor_rate_limits AS b (account_key, tat, updated_at)
SELECT $1, n.at + $2::double precision * interval '1 millisecond', n.at FROM (SELECT clock_timestamp() AS at) n
ON CONFLICT (account_key) DO UPDATE
  SET tat = greatest(b.tat, clock_timestamp()) + $2::double precision * interval '1 millisecond',
      updated_at = clock_timestamp()
RETURNING greatest(0, extract(epoch FROM (b.tat - b.updated_at)) * 1000 - $3::double precision)::double precision AS wait_ms`;

const DEFAULT_QUERY_TIMEOUT_MS = 5000;
const DEFAULT_RETRY_AFTER_MS = 5000;

class TakeTimeout extends Error {
  constructor(ms: number) {
    super(`the rate limit statement took longer than ${ms} ms`);
    this.name = 'TakeTimeout';
  }
}

export class PostgresRateGate implements RateGate {
  private readonly fallback: InProcessRateGate;
  private failing = false;
  /** While failing: when to try the database again (performance.now()). */
  private retryAt = 0;

  constructor(
    private readonly connection: PostgresConnection,
    private readonly opts: PostgresRateGateOptions = {},
  ) {
    this.fallback = new InProcessRateGate({ onWait: opts.onWait });
  }

  async take(budget: RateBudget, signal: AbortSignal, cost?: number): Promise<void> {
    if (signal.aborted) throw abortReason(signal);
    if (this.failing && performance.now() < this.retryAt) return this.fallback.take(budget, signal, cost);
    const schedule = scheduleOf(budget);
    const units = grantableCost(schedule, cost);
    let waitMs: number;
    try {
      waitMs = await this.reserve(budget.key, units * schedule.emissionMs, schedule.burst * schedule.emissionMs, signal);
    } catch (err) {
      if (signal.aborted) throw abortReason(signal);
      this.noteFailure(budget, err);
      // Fall back for this take only: the next one tries the database again.
      return this.fallback.take(budget, signal, cost);
    }
    this.noteSuccess();
    await waitForSlot(waitMs, budget, signal, this.opts.onWait);
  }

  /** The statement, raced against the signal and the timeout (a reservation made meanwhile only costs a slot). */
  private reserve(key: string, costMs: number, burstMs: number, signal: AbortSignal): Promise<number> {
    const timeoutMs = this.opts.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS;
    return new Promise<number>((resolve, reject) => {
      const onAbort = () => finish(() => reject(abortReason(signal)));
      const timer = setTimeout(() => finish(() => reject(new TakeTimeout(timeoutMs))), timeoutMs);
      let done = false;
      const finish = (settle: () => void) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        settle();
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.connection.query<{ wait_ms: number }>(TAKE, [key, costMs, burstMs]).then(
        (result) => finish(() => resolve(Number(result.rows[0]?.wait_ms ?? 0))),
        (err: unknown) => finish(() => reject(err)),
      );
    });
  }

  private noteFailure(budget: RateBudget, err: unknown): void {
    this.retryAt = performance.now() + (this.opts.retryAfterMs ?? DEFAULT_RETRY_AFTER_MS);
    if (this.failing) return;
    this.failing = true;
    this.opts.logger?.warn(
      { err, vendor: budget.vendor },
      'vendor rate limiter: the database did not answer; pacing in this process only until it does (other workers are not counted meanwhile)',
    );
  }

  private noteSuccess(): void {
    if (!this.failing) return;
    this.failing = false;
    this.opts.logger?.info('vendor rate limiter: the database answers again; pacing is shared by every worker');
  }
}
