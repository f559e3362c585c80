/** The vendor account rate gate: its schedule's window bound, and the in-process gate with real timers. */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { busiestWindow } from '../../test/helpers/sliding-window.js';
import { accountBudget, accountUrl, credentialDigest, InProcessRateGate, processRateGate, rateLimitSchema, reserve, scheduleOf, type RateBudget } from './rate-gate.js';

/** A fresh account per test: the in-process buckets are process-wide. */
const budget = (limit: number, intervalMs: number, extra: Partial<RateBudget> = {}): RateBudget => ({ key: `test:${randomUUID()}`, limit, intervalMs, vendor: 'acme', ...extra });

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32). */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('the schedule (GCRA reservations)', () => {
  it('never makes a take on an idle account wait, whatever the clock reads (no rounding residue)', () => {
    const random = prng(7);
    for (const b of [budget(1, 400), budget(12, 1500), budget(600, 60_000)]) {
      const schedule = scheduleOf(b);
      for (let i = 0; i < 50_000; i++) {
        const now = 1 + random() * 1e8; // performance.now() after minutes to days of uptime
        expect(reserve(undefined, now, schedule, 1).waitMs).toBe(0);
        expect(reserve(now - 1, now, schedule, 1).waitMs).toBe(0);
      }
    }
  });

  const budgets: RateBudget[] = [
    budget(1, 1000),
    budget(5, 1000),
    budget(30, 10_000),
    budget(500, 60_000),
    budget(700, 10_000, { maxCost: 20 }),
  ];

  for (const b of budgets) {
    it(`keeps every sliding window at or under the limit, also for sends up to the guard late: ${b.limit} per ${b.intervalMs} ms`, () => {
      const s = scheduleOf(b);
      // What the module promises to absorb: a send up to 5 % of the interval (100 ms … 2 s) after its slot.
      const lateMs = Math.min(2000, Math.max(100, b.intervalMs * 0.05));
      const random = prng(b.limit);
      let tat: number | undefined;
      let now = 0;
      const sends: number[] = [];
      const late: number[] = [];
      for (let i = 0; i < b.limit * 6; i++) {
        // Takers arriving about twice as fast as the steady rate, in clumps, with a quiet spell now and then.
        if (random() < 0.5 / b.limit) now += random() * b.intervalMs;
        else if (random() < 0.5) now += random() * 2 * s.emissionMs;
        const cost = Math.min(s.burst, 1 + Math.floor(random() * (b.maxCost ?? 1)));
        const slot = reserve(tat, now, s, cost);
        tat = slot.tat;
        const at = now + slot.waitMs;
        const delay = random() < 0.5 ? lateMs * 0.999 : random() * lateMs;
        for (let u = 0; u < cost; u++) {
          sends.push(at);
          late.push(at + delay);
        }
      }
      expect(busiestWindow(sends, b.intervalMs)).toBeLessThanOrEqual(b.limit);
      expect(busiestWindow(late, b.intervalMs)).toBeLessThanOrEqual(b.limit);
      // Not vacuous: the takers did press against the limit.
      expect(busiestWindow(sends, b.intervalMs)).toBeGreaterThanOrEqual(Math.floor(b.limit * 0.85));
    });
  }

  it('still lets at least 90 % of the limit through under constant pressure', () => {
    for (const b of budgets) {
      const s = scheduleOf(b);
      let tat: number | undefined;
      let last = 0;
      const n = b.limit * 10;
      for (let i = 0; i < n; i++) {
        const slot = reserve(tat, 0, s, 1);
        tat = slot.tat;
        last = slot.waitMs;
      }
      // The first `burst` go at once, then one every emission interval.
      const perInterval = ((n - s.burst) / last) * b.intervalMs;
      expect(perInterval).toBeGreaterThanOrEqual(b.limit * 0.9);
      expect(perInterval).toBeLessThanOrEqual(b.limit);
    }
  });

  it('gives a batch room: the burst is at least the largest cost a take asks for, never more than the limit', () => {
    expect(scheduleOf(budget(700, 10_000, { maxCost: 20 })).burst).toBe(20);
    expect(scheduleOf(budget(500, 60_000)).burst).toBe(10);
    expect(scheduleOf(budget(5, 10_000, { maxCost: 20 })).burst).toBe(5);
  });
});

describe('InProcessRateGate', () => {
  it('lets concurrent takers on one account through at no more than the limit in any sliding window', async () => {
    const b = budget(4, 400);
    const gate = new InProcessRateGate();
    const signal = new AbortController().signal;
    const granted: number[] = [];
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        await gate.take(b, signal);
        granted.push(performance.now());
      }),
    );
    expect(granted).toHaveLength(16);
    expect(busiestWindow(granted, b.intervalMs)).toBeLessThanOrEqual(b.limit);
  });

  it('is one budget per account in the whole process, whichever gate object takes', async () => {
    const b = budget(2, 2000);
    const signal = new AbortController().signal;
    await new InProcessRateGate().take(b, signal);
    await processRateGate.take(b, signal);
    const t0 = performance.now();
    await new InProcessRateGate().take(b, signal);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(500);
  });

  it('does not make one account wait for another', async () => {
    const busy = budget(2, 10_000);
    const gate = new InProcessRateGate();
    const controller = new AbortController();
    const queued = Array.from({ length: 6 }, () => gate.take(busy, controller.signal).catch(() => 'aborted'));
    let lastQueuedDone = false;
    void queued[5]!.then(() => (lastQueuedDone = true));
    const t0 = performance.now();
    await gate.take(budget(2, 10_000), new AbortController().signal);
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(lastQueuedDone).toBe(false);
    controller.abort();
    await Promise.all(queued);
  });

  it('rejects at once with the reason when the signal aborts while waiting, and when it was aborted before', async () => {
    const b = budget(1, 60_000);
    const gate = new InProcessRateGate();
    await gate.take(b, new AbortController().signal);
    const controller = new AbortController();
    const waiting = gate.take(b, controller.signal);
    const t0 = performance.now();
    setTimeout(() => controller.abort(new Error('scan timed out')), 20);
    await expect(waiting).rejects.toThrow('scan timed out');
    expect(performance.now() - t0).toBeLessThan(2000);
    await expect(gate.take(b, controller.signal)).rejects.toThrow('scan timed out');
    // A take refused before it reserved anything costs the account nothing.
    const fresh = budget(1, 60_000);
    await expect(gate.take(fresh, controller.signal)).rejects.toThrow();
    const t1 = performance.now();
    await gate.take(fresh, new AbortController().signal);
    expect(performance.now() - t1).toBeLessThan(1000);
  });

  it('reports each take that had to wait, and how long, to its listener', async () => {
    const waits: Array<[string, number]> = [];
    const gate = new InProcessRateGate({ onWait: (vendor, ms) => waits.push([vendor, ms]) });
    const b = budget(2, 300);
    const signal = new AbortController().signal;
    await Promise.all([gate.take(b, signal), gate.take(b, signal), gate.take(b, signal)]);
    expect(waits.length).toBeGreaterThanOrEqual(1);
    expect(waits.length).toBeLessThanOrEqual(2);
    for (const [vendor, ms] of waits) {
      expect(vendor).toBe('acme');
      expect(ms).toBeGreaterThan(50);
    }
  });
});

describe('account keys and configured budgets', () => {
  it('spells one account one way, and digests credentials', () => {
    expect(accountUrl('https://EU.NinjaRMM.com/')).toBe(accountUrl('https://eu.ninjarmm.com'));
    expect(accountUrl('https://127.0.0.1:8443/datto-rmm/')).toBe('https://127.0.0.1:8443/datto-rmm');
    expect(credentialDigest('secret-api-key')).toMatch(/^[0-9a-f]{16}$/);
    expect(credentialDigest('secret-api-key')).not.toContain('secret');
    expect(credentialDigest('a')).not.toBe(credentialDigest('b'));
  });

  it('takes the config rateLimit over the default', () => {
    expect(accountBudget('acme', 'k', undefined, { limit: 500, intervalMs: 60_000 })).toEqual({ vendor: 'acme', key: 'k', limit: 500, intervalMs: 60_000 });
    expect(accountBudget('acme', 'k', { requests: 30, perSeconds: 10 }, { limit: 500, intervalMs: 60_000 }, 20)).toEqual({ vendor: 'acme', key: 'k', limit: 30, intervalMs: 10_000, maxCost: 20 });
    expect(rateLimitSchema.safeParse({ requests: 0, perSeconds: 10 }).success).toBe(false);
    expect(rateLimitSchema.safeParse({ requests: 30, perSeconds: 10, burst: 5 }).success).toBe(false);
  });
});
