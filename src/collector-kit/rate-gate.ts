/**
 * Pacing of requests to one vendor account (DESIGN §11): every request a collector sends to a vendor first takes a
 * slot from the account's budget, so tenants that share an account — scanned at once by one process, or by ten
 * workers — together send no more than one collector would. The core hands a collector its gate in
 * `CollectorContext.rateGate` (PostgreSQL: one budget shared by every process on the database); without one a
 * collector uses `processRateGate`, the in-memory gate of this process (SQLite, one-shot runs, direct tests).
 *
 * The algorithm, shared by both implementations, is GCRA (the "virtual scheduling" form of a token bucket): one
 * number per account, the theoretical arrival time (TAT) of the next request. A take *reserves* the earliest slot
 * that conforms and is told how long to wait for it, so one round trip per request suffices (no polling, no
 * thundering herd, first come first served). Why not a plain bucket of capacity `limit`: refilled at limit/interval,
 * a full bucket lets `limit` requests through just before a window boundary and `limit` more just after, 2 × limit
 * inside one sliding window. Here the burst is small (about 2 % of the limit) and the steady rate is lowered by that
 * burst, which bounds every sliding window:
 *
 *   burst B, emission interval T = (interval + guard) / (limit − B + 1), tolerance τ = (B − 1) · T.
 *   Conforming sends satisfy (n − 1) · T < window + τ, so any window of `interval + guard` holds at most
 *   limit − B + 1 + B − 1 = limit requests.
 *
 * The guard (5 % of the interval, 100 ms … 2 s) is for what happens between the slot and the vendor's clock: a send
 * that arrives up to `guard` after its slot (event-loop lag on a busy worker, the database round trip, the network)
 * still lands in a window the bound covers. The long-run rate is therefore a little under the limit (Datto's
 * 500/60 s: ≈ 475 a minute; 30/10 s: 28.6 per 10 s).
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';

export interface RateBudget {
  /**
   * The vendor account, e.g. `datto-rmm:https://merlot-api.centrastage.net:<hash of the API key>`. Stored in the
   * database and shown in logs, so it never holds a secret: hash anything credential-like (`credentialDigest`).
   */
  key: string;
  /** Most requests in any window of `intervalMs`, counted as the vendor counts them. */
  limit: number;
  intervalMs: number;
  /** Who is paced, for metrics and logs (a collector id: a bounded label). */
  vendor: string;
  /** The largest `cost` one take asks for (a Graph `$batch` of 20); the burst is at least this. Default 1. */
  maxCost?: number;
}

export interface RateGate {
  /**
   * Resolves when `cost` requests (default 1) may go to `budget`'s account now; rejects at once (with the signal's
   * reason) when `signal` aborts, before or while waiting.
   */
  take(budget: RateBudget, signal: AbortSignal, cost?: number): Promise<void>;
}

/** Told about every take that had to wait, and how long it waited (metrics; keeps this module free of prom-client). */
export type RateWaitListener = (vendor: string, waitedMs: number) => void;

export interface RateSchedule {
  /** Requests that may go at once after a quiet spell; a take's cost is clamped to it. */
  burst: number;
  /** Spacing of the steady rate (T). */
  emissionMs: number;
  /** How far ahead of its slot a request may go (τ = (burst − 1) · T). */
  toleranceMs: number;
}

/** The GCRA parameters of a budget (see the module comment for why each is what it is). */
export function scheduleOf(budget: RateBudget): RateSchedule {
  const limit = Math.max(1, Math.floor(budget.limit));
  const burst = Math.min(limit, Math.max(1, Math.ceil(limit / 50), Math.floor(budget.maxCost ?? 1)));
  const guardMs = Math.min(2000, Math.max(100, budget.intervalMs * 0.05));
  const emissionMs = (Math.max(1, budget.intervalMs) + guardMs) / (limit - burst + 1);
  return { burst, emissionMs, toleranceMs: (burst - 1) * emissionMs };
}

/** A take's cost as the schedule can grant it: at least 1, at most the burst (a bigger one could never conform). */
export function grantableCost(schedule: RateSchedule, cost: number | undefined): number {
  return Math.min(schedule.burst, Math.max(1, Math.floor(cost ?? 1)));
}

/**
 * Reserves `cost` slots on one bucket; returns the new TAT and how long to wait before sending. `tat` and `now` are
 * on one clock (milliseconds). The PostgreSQL gate runs the same arithmetic in SQL.
 */
export function reserve(tat: number | undefined, now: number, schedule: RateSchedule, cost: number): { tat: number; waitMs: number } {
  // The wait is computed from the backlog, not as `next - now - …`: on performance.now()'s large values that
  // subtraction leaves a rounding residue (1e-12 ms), a "wait" on an idle account that the metrics would count.
  const backlog = Math.max(tat ?? now, now) - now;
  const waitMs = backlog + (cost - schedule.burst) * schedule.emissionMs;
  return { tat: now + backlog + cost * schedule.emissionMs, waitMs: waitMs > 1e-6 ? waitMs : 0 };
}

/**
 * The optional `rateLimit` key of a vendor's config section: the account's budget when the built-in default does
 * not fit (other integrations draw on the same account, or the vendor granted more). Every tenant that shares the
 * account should carry the same value (portfolio `defaults` are the place): the budget is per account.
 */
export const rateLimitSchema = z.strictObject({
  requests: z.number().int().min(1, 'must be at least 1 request').max(1_000_000),
  perSeconds: z.number().min(1, 'must be at least 1 second').max(86_400),
});
export type RateLimitConfig = z.output<typeof rateLimitSchema>;

/** An account's budget: the config's `rateLimit` when set, else the collector's default. */
export function accountBudget(
  vendor: string,
  key: string,
  configured: RateLimitConfig | undefined,
  fallback: { limit: number; intervalMs: number },
  maxCost?: number,
): RateBudget {
  const base = configured ? { limit: configured.requests, intervalMs: configured.perSeconds * 1000 } : fallback;
  return { vendor, key, limit: base.limit, intervalMs: base.intervalMs, ...(maxCost !== undefined ? { maxCost } : {}) };
}

/** A short digest of a credential-like value, for account keys: equal inputs share a bucket, nothing is revealed. */
export function credentialDigest(value: string): string {
  return createHash('sha256').update(value).digest('hex').slice(0, 16);
}

/** `https://host[:port]/path` with the host lower-cased and trailing slashes dropped: one spelling per account. */
export function accountUrl(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, '')}`;
}

/** The error a take rejects with when its signal aborts: the signal's reason when it is an Error. */
export function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('aborted while waiting for the vendor account request budget');
}

/** Sleeps `ms`, or rejects at once when `signal` aborts. */
export function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(abortReason(signal));
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortReason(signal));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Waits out a reserved slot and reports the wait (also a partial one, when the signal cut it short). */
export async function waitForSlot(waitMs: number, budget: RateBudget, signal: AbortSignal, onWait?: RateWaitListener): Promise<void> {
  if (waitMs <= 0) return;
  const started = performance.now();
  try {
    await sleepUnlessAborted(waitMs, signal);
  } finally {
    onWait?.(budget.vendor, performance.now() - started);
  }
}

/** The process's buckets: account key → TAT on `performance.now()`'s clock. One map, whichever gate object uses it. */
const PROCESS_BUCKETS = new Map<string, number>();

/**
 * The in-process gate: every take in this process on one account key shares one bucket, whichever collector or
 * gate object it comes through. Right for SQLite (one process) and one-shot runs; not shared with other processes.
 */
export class InProcessRateGate implements RateGate {
  constructor(private readonly opts: { onWait?: RateWaitListener } = {}) {}

  async take(budget: RateBudget, signal: AbortSignal, cost?: number): Promise<void> {
    if (signal.aborted) throw abortReason(signal);
    const schedule = scheduleOf(budget);
    const now = performance.now();
    const slot = reserve(PROCESS_BUCKETS.get(budget.key), now, schedule, grantableCost(schedule, cost));
    PROCESS_BUCKETS.set(budget.key, slot.tat);
    await waitForSlot(slot.waitMs, budget, signal, this.opts.onWait);
  }
}

/** The gate collectors use when the core hands them none (`CollectorContext.rateGate` absent). */
export const processRateGate: RateGate = new InProcessRateGate();

/** The gate of a collector run: the one the core handed over, else this process's. */
export function rateGateOf(ctx: { rateGate?: RateGate }): RateGate {
  return ctx.rateGate ?? processRateGate;
}
