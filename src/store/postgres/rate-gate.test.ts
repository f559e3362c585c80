/**
 * The PostgreSQL rate gate against a real PostgreSQL (`RATCHET_TEST_PG_URL`, default postgres://postgres@127.0.0.1:5432/test),
 * each test in a fresh schema reached through the URL's search_path and dropped after. Several stores (each its own
 * pool, as separate worker processes have) share one account's budget.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { captureLog } from '../../../bench/lib/cli.js';
import { busiestWindow } from '../../../test/helpers/sliding-window.js';
import type { RateBudget } from '../../collector-kit/rate-gate.js';
import { createLogger } from '../../log/logger.js';
import { PostgresStore } from './postgres-store.js';

const BASE_URL = process.env.RATCHET_TEST_PG_URL || 'postgres://postgres@127.0.0.1:5432/test';
const admin = new pg.Pool({ connectionString: BASE_URL, max: 3, connectionTimeoutMillis: 5_000 });
admin.on('error', () => {});

const schemas: string[] = [];
const stores: PostgresStore[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
  for (const name of schemas.splice(0)) await admin.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
});
afterAll(async () => {
  await admin.end();
});

async function freshSchema(): Promise<string> {
  const name = `ratchet_gate_${process.pid}_${Date.now().toString(36)}_${schemas.length}`;
  await admin.query(`CREATE SCHEMA "${name}"`);
  schemas.push(name);
  return name;
}

function storeOn(schema: string): PostgresStore {
  const u = new URL(BASE_URL);
  u.searchParams.set('options', `-c search_path=${schema}`);
  const store = new PostgresStore(u.toString());
  stores.push(store);
  return store;
}

const budget = (limit: number, intervalMs: number): RateBudget => ({ key: `acme:https://acme.example:${randomUUID()}`, limit, intervalMs, vendor: 'acme' });
const never = () => new AbortController().signal;

describe('PostgresRateGate', () => {
  it('keeps concurrent takers of three "processes" on one account at or under the limit in any sliding window', async () => {
    const schema = await freshSchema();
    const gates = [storeOn(schema), storeOn(schema), storeOn(schema)].map((s) => s.rateGate());
    await stores[0]!.migrate();
    const b = budget(6, 600);
    const granted: number[] = [];
    await Promise.all(
      gates.flatMap((gate) =>
        Array.from({ length: 8 }, async () => {
          await gate.take(b, never());
          granted.push(performance.now());
        }),
      ),
    );
    expect(granted).toHaveLength(24);
    expect(busiestWindow(granted, b.intervalMs)).toBeLessThanOrEqual(b.limit);
    // Shared, not per process: three separate budgets would have let 18 through in the first window.
    expect(Math.max(...granted) - Math.min(...granted)).toBeGreaterThanOrEqual(2 * b.intervalMs);
    const rows = await admin.query<{ account_key: string }>(`SELECT account_key FROM "${schema}".vendor_rate_limits`);
    expect(rows.rows).toEqual([{ account_key: b.key }]);
  });

  it('does not make one account wait for another', async () => {
    const schema = await freshSchema();
    const gate = storeOn(schema).rateGate();
    const busy = budget(1, 30_000);
    await gate.take(busy, never());
    const controller = new AbortController();
    const queued = gate.take(busy, controller.signal).catch(() => 'aborted');
    const t0 = performance.now();
    await gate.take(budget(1, 30_000), never());
    expect(performance.now() - t0).toBeLessThan(3000);
    controller.abort();
    expect(await queued).toBe('aborted');
  });

  it('rejects at once when the signal aborts while waiting for a reserved slot', async () => {
    const schema = await freshSchema();
    const gate = storeOn(schema).rateGate();
    const b = budget(1, 60_000);
    await gate.take(b, never());
    const controller = new AbortController();
    const waiting = gate.take(b, controller.signal);
    setTimeout(() => controller.abort(new Error('scan timed out')), 100);
    const t0 = performance.now();
    await expect(waiting).rejects.toThrow('scan timed out');
    expect(performance.now() - t0).toBeLessThan(3000);
  });

  it('rejects at once when the signal aborts while its statement waits on the row, and falls back when that takes too long', async () => {
    const schema = await freshSchema();
    const log = captureLog();
    const logger = createLogger({ destination: log.destination, level: 'info' });
    const gate = storeOn(schema).rateGate({ logger, queryTimeoutMs: 1500, retryAfterMs: 3000 });
    const b = budget(100, 1000);
    await gate.take(b, never());
    // Another session holds the account's row: the next take's upsert queues behind it.
    const holder = await admin.connect();
    try {
      await holder.query('BEGIN');
      await holder.query(`SELECT * FROM "${schema}".vendor_rate_limits WHERE account_key = $1 FOR UPDATE`, [b.key]);
      const controller = new AbortController();
      const blocked = gate.take(b, controller.signal);
      setTimeout(() => controller.abort(new Error('shutting down')), 100);
      const t0 = performance.now();
      // Rejected, not fallen back: the abort won, well before the statement's timeout.
      await expect(blocked).rejects.toThrow('shutting down');
      expect(performance.now() - t0).toBeLessThan(1400);

      // Past queryTimeoutMs the take goes on this process's budget instead of hanging the scan.
      const t1 = performance.now();
      await gate.take(b, never());
      expect(performance.now() - t1).toBeLessThan(5000);
      expect(log.lines().filter((l) => /vendor rate limiter: the database did not answer/.test(String(l.msg)))).toHaveLength(1);
      // Right after a failure takes skip the database (the row is still held: going there would take 1.5 s).
      const t2 = performance.now();
      await gate.take(b, never());
      expect(performance.now() - t2).toBeLessThan(1200);
    } finally {
      await holder.query('ROLLBACK');
      holder.release();
    }
    // Once the database answers again, takes are shared again, and the log says so.
    await new Promise((r) => setTimeout(r, 3100));
    await gate.take(b, never());
    expect(log.lines().filter((l) => /vendor rate limiter: the database answers again/.test(String(l.msg)))).toHaveLength(1);
  });

  it('falls back to the in-process gate when the database is unreachable, and says so once', async () => {
    const log = captureLog();
    const logger = createLogger({ destination: log.destination, level: 'info' });
    const unreachable = new PostgresStore('postgres://postgres@127.0.0.1:1/test', { connectTimeoutMs: 500 });
    stores.push(unreachable);
    const gate = unreachable.rateGate({ logger });
    const b = budget(2, 2000);
    const t0 = performance.now();
    await gate.take(b, never());
    await gate.take(b, never());
    expect(performance.now() - t0).toBeLessThan(15_000);
    // The in-process gate still paces: the third take of 2 per 2 s waits.
    const t1 = performance.now();
    await gate.take(b, never());
    expect(performance.now() - t1).toBeGreaterThanOrEqual(500);
    const warnings = log.lines().filter((l) => /vendor rate limiter: the database did not answer/.test(String(l.msg)));
    expect(warnings).toHaveLength(1);
    expect(JSON.stringify(warnings)).not.toContain('postgres://postgres@127.0.0.1:1/test?');
  });
});
