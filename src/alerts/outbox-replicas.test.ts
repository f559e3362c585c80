/**
 * Several dispatchers on one PostgreSQL database — `ratchet serve` replicas, or a replica next to a CLI `ratchet
 * scan` — with real parts: each dispatcher on its own PostgresStore (its own pool), one schema, one real webhook
 * receiver over loopback HTTP. Running at once, they split the outbox between them and the receiver gets every
 * alert exactly once (counted by Idempotency-Key): the claim is atomic in the database (`FOR UPDATE SKIP LOCKED`),
 * where a read-then-update claim would let two of them read the same row and both send it.
 *
 * Needs PostgreSQL at postgres://postgres@127.0.0.1:5432/test (or RATCHET_TEST_PG_URL), like
 * test/contract/postgres.test.ts; unreachable, it fails rather than skips. Each test gets a schema of its own,
 * dropped after.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { clearSecrets } from '../log/secrets.js';
import type { Delivery } from '../domain/episode.js';
import { PostgresStore } from '../store/postgres/postgres-store.js';
import type { Store } from '../store/store.js';
import { sampleScan } from '../../test/helpers/sample-scan.js';
import { episode } from '../../test/contract/store/fixtures.js';
import type { AlertChannel } from './channel.js';
import { AlertDispatcher, planDeliveries } from './outbox.js';
import { captureLogger, sampleEvent } from './test-support.js';
import { createWebhookChannel } from './webhook.js';

const BASE_URL = process.env.RATCHET_TEST_PG_URL || 'postgres://postgres@127.0.0.1:5432/test';
const admin = new pg.Pool({ connectionString: BASE_URL, max: 2, connectionTimeoutMillis: 5_000 });
admin.on('error', () => {});

beforeAll(async () => {
  try {
    await admin.query('SELECT 1');
  } catch (err) {
    throw new Error(`PostgreSQL is unreachable at 127.0.0.1:5432 (${(err as Error).message}); start one or set RATCHET_TEST_PG_URL`);
  }
});

const schemas: string[] = [];
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  for (const name of schemas.splice(0)) await admin.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
  clearSecrets();
});
afterAll(async () => {
  await admin.end();
});

/** A fresh schema and the URL that reaches it, as a user's `storage.url` would (`options=-c search_path=…`). */
async function freshSchemaUrl(): Promise<string> {
  const name = `ratchet_replicas_${process.pid}_${Date.now().toString(36)}_${schemas.length}`;
  await admin.query(`CREATE SCHEMA "${name}"`);
  schemas.push(name);
  const u = new URL(BASE_URL);
  u.searchParams.set('options', `-c search_path=${name}`);
  return u.toString();
}

/**
 * A webhook receiver that records each request's Idempotency-Key and holds every answer while its gate is closed:
 * with answers held, a dispatcher's sends stay in flight, so how many are held shows how many dispatchers got rows.
 */
interface GatedReceiver {
  url: string;
  keys: string[];
  held(): number;
  open(): void;
  close(): Promise<void>;
}

async function startGatedReceiver(): Promise<GatedReceiver> {
  const keys: string[] = [];
  const waiting: ServerResponse[] = [];
  let gateOpen = false;
  const answer = (res: ServerResponse) => res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      keys.push(String(req.headers['idempotency-key']));
      if (gateOpen) answer(res);
      else waiting.push(res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    keys,
    held: () => waiting.length,
    open: () => {
      gateOpen = true;
      for (const res of waiting.splice(0)) answer(res);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function waitFor(what: string, check: () => boolean | Promise<boolean>, ms = 25_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const FAR_FUTURE = '9999-12-31T23:59:59.999Z';

/** One replica's store: its own pool on the shared schema. */
function replicaStore(url: string): Store {
  const store = new PostgresStore(url);
  cleanups.push(() => store.close());
  return store;
}

const CONCURRENCY = 3;

function replica(store: Store, channels: readonly AlertChannel[]) {
  const log = captureLogger();
  // A small batch makes every dispatcher go back to the outbox many times while the other is sending.
  const d = new AlertDispatcher({ store, channels, logger: log.logger, concurrency: CONCURRENCY, batchSize: 5 });
  cleanups.push(() => d.stop());
  return { d, log };
}

const EVENTS = 30;

/**
 * The outbox as scans leave it: EVENTS regressions, each queued for two webhook channels that post to the same
 * receiver (so 2 × EVENTS rows with distinct idempotency keys), written with their scans and episodes.
 */
async function queueAlerts(store: Store, channels: readonly AlertChannel[]): Promise<Delivery[]> {
  const rows: Delivery[] = [];
  const now = new Date();
  for (let i = 0; i < EVENTS; i += 1) {
    const event = sampleEvent({ episodeId: `ep-replicas-${i}` });
    const planned = planDeliveries(event, channels, now);
    await store.saveScan(sampleScan({ id: `scan-replicas-${i}` }), { episodes: [episode({ id: event.episodeId })], deliveries: planned });
    rows.push(...planned);
  }
  return rows;
}

/** Every row delivered, each by exactly one request, and every attempt counted once. */
async function expectEachDeliveredOnce(store: Store, hook: GatedReceiver, rows: readonly Delivery[]): Promise<void> {
  const perKey = new Map<string, number>();
  for (const key of hook.keys) perKey.set(key, (perKey.get(key) ?? 0) + 1);
  const sentTwice = [...perKey].filter(([, n]) => n > 1);
  expect(sentTwice).toEqual([]);
  expect([...perKey.keys()].sort()).toEqual(rows.map((r) => r.idempotencyKey).sort());
  expect(hook.keys).toHaveLength(rows.length);
  const stored = await store.deliveries();
  expect(stored).toHaveLength(rows.length);
  expect(stored.filter((d) => d.status !== 'delivered' || d.attempts !== 1)).toEqual([]);
}

const allSettled = (store: Store) => async () => (await store.dueDeliveries(FAR_FUTURE, 1)).length === 0;
const deliveredBy = (log: ReturnType<typeof captureLogger>) => log.records().filter((l) => l.msg === 'alert delivered').length;

describe('AlertDispatcher replicas on one PostgreSQL database', () => {
  async function setUp() {
    const hook = await startGatedReceiver();
    cleanups.push(() => hook.close());
    const channels = [
      createWebhookChannel({ id: '0:webhook', url: hook.url, secret: 'whsec-replicas-0123456789' }),
      createWebhookChannel({ id: '1:webhook', url: hook.url }),
    ];
    const url = await freshSchemaUrl();
    const storeA = replicaStore(url);
    const storeB = replicaStore(url);
    await storeA.migrate();
    await storeB.migrate();
    const rows = await queueAlerts(storeA, channels);
    expect(rows).toHaveLength(2 * EVENTS);
    return { hook, storeA, storeB, rows, a: replica(storeA, channels), b: replica(storeB, channels) };
  }

  it('two serve loops running at once deliver every alert exactly once, and both take part', async () => {
    const { hook, storeA, storeB, rows, a, b } = await setUp();
    a.d.start(10);
    b.d.start(10);
    // Each loop has at most CONCURRENCY sends in flight, so twice that many held answers means both hold rows —
    // and that the second to claim skipped the first one's locked rows instead of waiting for them.
    await waitFor('both replicas to have sends in flight', () => hook.held() === 2 * CONCURRENCY);
    hook.open();
    await waitFor('every alert to be delivered', allSettled(storeB));
    // Stopping waits for the sends in flight: nothing can reach the receiver after this.
    await Promise.all([a.d.stop(), b.d.stop()]);

    await expectEachDeliveredOnce(storeA, hook, rows);
    const [byA, byB] = [deliveredBy(a.log), deliveredBy(b.log)];
    expect(byA + byB).toBe(rows.length);
    expect(Math.min(byA, byB)).toBeGreaterThanOrEqual(CONCURRENCY);
    expect([...a.log.records(), ...b.log.records()].filter((l) => Number(l.level) >= 40)).toEqual([]);
  });

  it('a CLI drain next to a serve loop: together every alert once, and the drain reports what it sent', async () => {
    const { hook, storeA, rows, a, b } = await setUp();
    a.d.start(10);
    await waitFor('the serve loop to have sends in flight', () => hook.held() === CONCURRENCY);
    const draining = b.d.drain(25_000);
    await waitFor('the drain to have sends in flight too', () => hook.held() === 2 * CONCURRENCY);
    hook.open();
    const drained = await draining;
    // The drain stops once nothing is due for it; rows the loop holds at that moment are the loop's to finish.
    expect(drained).toMatchObject({ retried: 0, failed: 0, timedOut: false });
    await waitFor('every alert to be delivered', allSettled(storeA));
    await a.d.stop();

    await expectEachDeliveredOnce(storeA, hook, rows);
    expect(deliveredBy(a.log) + drained.delivered).toBe(rows.length);
    expect(drained.delivered).toBeGreaterThanOrEqual(CONCURRENCY);
  });
});
