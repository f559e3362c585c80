/** The composition root's rate gate: which one each store gets, and that its waits reach the metrics. */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { captureLog, tempDir, writeConfig } from '../../bench/lib/cli.js';
import { InProcessRateGate } from '../collector-kit/rate-gate.js';
import { metrics } from '../metrics.js';
import { PostgresRateGate } from '../store/postgres/rate-gate.js';
import { openContext, type Context } from './context.js';

const BASE_URL = process.env.RATCHET_TEST_PG_URL || 'postgres://postgres@127.0.0.1:5432/test';
const admin = new pg.Pool({ connectionString: BASE_URL, max: 2, connectionTimeoutMillis: 5_000 });
admin.on('error', () => {});
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
afterAll(() => admin.end());

async function contextWith(storageUrl: string): Promise<Context> {
  const dir = tempDir('ratchet-context-');
  const path = writeConfig(dir, {
    storage: { url: storageUrl },
    tenants: [
      {
        id: 'contoso',
        name: 'Contoso Ltd',
        rmm: { provider: 'datto-rmm', baseUrl: 'https://merlot-api.centrastage.net', apiKey: 'API-KEY', apiSecret: '${env:CONTEXT_TEST_SECRET}' },
      },
    ],
  });
  const io = { out: () => undefined, err: () => undefined, env: { CONTEXT_TEST_SECRET: 'not-a-real-secret-1234' }, logDestination: captureLog().destination };
  const ctx = await openContext({ config: path }, io);
  cleanups.push(() => ctx.close());
  return ctx;
}

async function counter(name: string, vendor: string): Promise<number> {
  const metric = await metrics.registry.getSingleMetric(name)!.get();
  return metric.values.find((v) => v.labels.vendor === vendor)?.value ?? 0;
}

describe('the Context rate gate', () => {
  it('is the in-process gate with SQLite, and counts its waits into the limiter metrics', async () => {
    const ctx = await contextWith(`sqlite:${join(tempDir(), 'ratchet.db')}`);
    expect(ctx.rateGate).toBeInstanceOf(InProcessRateGate);
    const vendor = `ctx-${randomUUID().slice(0, 8)}`;
    const budget = { key: `${vendor}:account`, limit: 1, intervalMs: 400, vendor };
    const signal = new AbortController().signal;
    await ctx.rateGate.take(budget, signal);
    expect(await counter('ratchet_vendor_limiter_waits_total', vendor)).toBe(0);
    await ctx.rateGate.take(budget, signal);
    expect(await counter('ratchet_vendor_limiter_waits_total', vendor)).toBe(1);
    expect(await counter('ratchet_vendor_limiter_wait_seconds_total', vendor)).toBeGreaterThan(0.2);
  });

  it('is the PostgreSQL gate with a PostgreSQL store, shared through the database', async () => {
    const schema = `ratchet_ctx_${process.pid}_${Date.now().toString(36)}`;
    await admin.query(`CREATE SCHEMA "${schema}"`);
    cleanups.push(() => admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`));
    const u = new URL(BASE_URL);
    u.searchParams.set('options', `-c search_path=${schema}`);
    const ctx = await contextWith(u.toString());
    expect(ctx.rateGate).toBeInstanceOf(PostgresRateGate);
    await ctx.rateGate.take({ key: 'acme:https://acme.example', limit: 10, intervalMs: 1000, vendor: 'acme' }, new AbortController().signal);
    const rows = await admin.query(`SELECT account_key FROM "${schema}".vendor_rate_limits`);
    expect(rows.rows).toEqual([{ account_key: 'acme:https://acme.example' }]);
  });
});
