/**
 * The dispatcher over a real SqliteStore in a temp dir and real loopback receivers: delivered rows, retries with
 * backoff on a fake clock, Retry-After, permanent failures, a vanished channel, restarts (nothing lost, nothing sent
 * twice), the drain deadline, the server loop, two dispatchers on one file (each alert once), a failing claim, and
 * that no secret reaches a log line. The same on PostgreSQL with replicas: outbox-replicas.test.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { AlertChannel } from './channel.js';
import { createChannels } from './channels.js';
import { AlertDispatcher, planDeliveries, type AlertDispatcherOptions } from './outbox.js';
import { createTeamsChannel } from './teams.js';
import { createWebhookChannel } from './webhook.js';
import { clearSecrets } from '../log/secrets.js';
import type { AlertEvent, Delivery, Episode } from '../domain/episode.js';
import { SqliteStore } from '../store/sqlite/sqlite-store.js';
import type { Store } from '../store/store.js';
import { sampleScan } from '../../test/helpers/sample-scan.js';
import { captureLogger, sampleEvent, startReceiver, startSmtp, type Receiver, type SmtpReceiver } from './test-support.js';

const tempRoot = mkdtempSync(join(tmpdir(), 'ratchet-alerts-'));
afterAll(() => rmSync(tempRoot, { recursive: true, force: true }));
let dbCounter = 0;
const tempDb = (): string => join(tempRoot, `db-${(dbCounter += 1)}`, 'ratchet.db');

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  clearSecrets();
});

async function receiver(...args: Parameters<typeof startReceiver>): Promise<Receiver> {
  const r = await startReceiver(...args);
  cleanups.push(() => r.close());
  return r;
}

function openStore(path = tempDb()): { store: SqliteStore; path: string } {
  const store = new SqliteStore(path);
  cleanups.push(() => store.close());
  return { store, path };
}

const T0 = new Date('2025-01-02T03:00:00.000Z');
function fakeClock(start = T0) {
  let t = start.getTime();
  return { now: () => new Date(t), advance: (ms: number) => void (t += ms), set: (d: Date) => void (t = d.getTime()) };
}

function episodeFor(event: AlertEvent): Episode {
  return {
    id: event.episodeId,
    tenantId: event.tenant.id,
    kind: event.kind === 'regression' || event.kind === 'recovery' ? 'regression' : 'visibility',
    state: 'confirmed',
    openedAt: event.occurredAt,
    openedScanId: event.scanId,
    baselineScanId: null,
    confirmedAt: event.occurredAt,
    confirmedScanId: event.scanId,
    closedAt: null,
    closedScanId: null,
    confirmations: 2,
    previousLevel: event.previousLevel,
    currentLevel: event.currentLevel,
    drops: event.drops,
    lostKeys: event.lostKeys,
    acknowledgedAt: null,
    acknowledgedBy: null,
    acknowledgement: null,
  };
}

let scanCounter = 0;
/** Queues an event for the channels the way a scan does: rows written with the scan, in one transaction. */
async function enqueue(store: Store, event: AlertEvent, channels: ReadonlyArray<AlertChannel | string>, now: Date): Promise<Delivery[]> {
  const rows = planDeliveries(event, channels, now);
  scanCounter += 1;
  await store.saveScan(sampleScan({ id: `scan-alerts-${scanCounter}`, tenantId: event.tenant.id }), { episodes: [episodeFor(event)], deliveries: rows });
  return rows;
}

function dispatcher(opts: Partial<AlertDispatcherOptions> & Pick<AlertDispatcherOptions, 'store' | 'channels'>) {
  const log = captureLogger();
  const d = new AlertDispatcher({ logger: log.logger, ...opts });
  cleanups.push(() => d.stop());
  return { d, log };
}

async function row(store: Store, id: string): Promise<Delivery> {
  const found = (await store.deliveries()).find((x) => x.id === id);
  if (!found) throw new Error(`no delivery ${id}`);
  return found;
}

describe('planDeliveries', () => {
  it('one pending row per channel, keyed by episode, kind and channel; identical when planned again', () => {
    const event = sampleEvent();
    const rows = planDeliveries(event, ['0:teams', { id: '1:slack', type: 'slack', send: async () => undefined }], T0);
    expect(rows.map((r) => r.idempotencyKey)).toEqual(['ep-0123456789abcdef0123:regression:0:teams', 'ep-0123456789abcdef0123:regression:1:slack']);
    expect(rows[0]).toMatchObject({
      episodeId: event.episodeId,
      event: 'regression',
      channel: '0:teams',
      status: 'pending',
      attempts: 0,
      nextAttemptAt: T0.toISOString(),
      createdAt: T0.toISOString(),
      lastError: null,
      deliveredAt: null,
      payload: event,
    });
    expect(rows[0]!.id).toMatch(/^dl-[0-9a-f]{24}$/);
    expect(planDeliveries(event, ['0:teams', '1:slack'], T0)).toEqual(rows);
    expect(planDeliveries({ ...event, kind: 'recovery' }, ['0:teams'], T0)[0]!.id).not.toBe(rows[0]!.id);
  });

  it('re-planning the same event does not queue it twice', async () => {
    const { store } = openStore();
    await enqueue(store, sampleEvent(), ['0:teams'], T0);
    await enqueue(store, sampleEvent(), ['0:teams'], new Date(T0.getTime() + 60_000));
    expect(await store.deliveries()).toHaveLength(1);
  });
});

describe('AlertDispatcher', () => {
  it('delivers to every channel once; a second run and a restarted dispatcher send nothing more', async () => {
    const teams = await receiver([{ status: 202 }]);
    const slack = await receiver([{ status: 200, body: 'ok' }]);
    const hook = await receiver([{ status: 200 }]);
    const smtp = await startSmtp();
    cleanups.push(() => smtp.close());
    const channels = createChannels([
      { type: 'teams', url: teams.url },
      { type: 'slack', url: slack.url },
      { type: 'webhook', url: hook.url, secret: 'whsec-0123456789abcdef' },
      { type: 'email', host: '127.0.0.1', port: smtp.port, secure: false, from: 'alerts@msp.example', to: ['noc@msp.example'] },
    ]);
    expect(channels.map((c) => c.id)).toEqual(['0:teams', '1:slack', '2:webhook', '3:email']);
    const { store, path } = openStore();
    const clock = fakeClock();
    const rows = await enqueue(store, sampleEvent(), channels, clock.now());

    const { d, log } = dispatcher({ store, channels, now: clock.now });
    expect(await d.runOnce()).toEqual({ delivered: 4, retried: 0, failed: 0 });
    for (const r of rows) {
      expect(await row(store, r.id)).toMatchObject({ status: 'delivered', attempts: 1, lastError: null, deliveredAt: T0.toISOString() });
    }
    expect(log.records().filter((l) => l.msg === 'alert delivered').map((l) => l.channel)).toEqual(expect.arrayContaining(['0:teams', '1:slack', '2:webhook', '3:email']));

    expect(await d.runOnce()).toEqual({ delivered: 0, retried: 0, failed: 0 });
    // Restart: a new store connection and a new dispatcher on the same file.
    const again = openStore(path);
    clock.advance(24 * 3_600_000);
    const { d: d2 } = dispatcher({ store: again.store, channels, now: clock.now });
    expect(await d2.runOnce()).toEqual({ delivered: 0, retried: 0, failed: 0 });
    expect([teams.requests.length, slack.requests.length, hook.requests.length, smtp.messages.length]).toEqual([1, 1, 1, 1]);
  });

  it('500 then 202: retried after the backoff (fake clock), delivered with the same idempotency key', async () => {
    const teams = await receiver([{ status: 500, body: 'flow failed' }, { status: 202 }]);
    const hook = await receiver([{ status: 500 }, { status: 200 }]);
    const channels = [createTeamsChannel({ id: '0:teams', url: teams.url }), createWebhookChannel({ id: '1:webhook', url: hook.url, secret: 'whsec-0123456789abcdef' })];
    const { store } = openStore();
    const clock = fakeClock();
    const [teamsRow, hookRow] = await enqueue(store, sampleEvent(), channels, clock.now());
    const { d, log } = dispatcher({ store, channels, now: clock.now });

    expect(await d.runOnce()).toEqual({ delivered: 0, retried: 2, failed: 0 });
    const pending = await row(store, teamsRow!.id);
    expect(pending).toMatchObject({ status: 'pending', attempts: 1, nextAttemptAt: new Date(T0.getTime() + 30_000).toISOString(), deliveredAt: null });
    expect(pending.lastError).toBe(`0:teams POST to ${new URL(teams.url).host} failed: HTTP 500: flow failed`);
    const warns = log.records().filter((l) => l.msg === 'alert delivery failed; will retry');
    expect(warns).toHaveLength(2);
    expect(warns.find((w) => w.channel === '0:teams')).toMatchObject({
      level: 40,
      channel: '0:teams',
      event: 'regression',
      episode: 'ep-0123456789abcdef0123',
      attempt: 1,
      nextAttemptAt: new Date(T0.getTime() + 30_000).toISOString(),
    });

    // Not due yet: nothing is sent.
    clock.advance(29_000);
    expect(await d.runOnce()).toEqual({ delivered: 0, retried: 0, failed: 0 });
    clock.advance(1_000);
    expect(await d.runOnce()).toEqual({ delivered: 2, retried: 0, failed: 0 });
    expect(await row(store, teamsRow!.id)).toMatchObject({ status: 'delivered', attempts: 2, lastError: null, deliveredAt: new Date(T0.getTime() + 30_000).toISOString() });
    expect(teams.requests).toHaveLength(2);
    expect(hook.requests.map((r) => r.headers['idempotency-key'])).toEqual([hookRow!.idempotencyKey, hookRow!.idempotencyKey]);
  });

  it('backs off 30 s, 60 s, 120 s … and gives up after maxAttempts, loudly', async () => {
    const hook = await receiver([{ status: 503 }]);
    const channels = [createWebhookChannel({ id: '0:webhook', url: hook.url })];
    const { store } = openStore();
    const clock = fakeClock();
    const [r] = await enqueue(store, sampleEvent(), channels, clock.now());
    const { d, log } = dispatcher({ store, channels, now: clock.now, maxAttempts: 4 });
    const delays: number[] = [];
    for (let i = 0; i < 3; i += 1) {
      expect(await d.runOnce()).toEqual({ delivered: 0, retried: 1, failed: 0 });
      const next = Date.parse((await row(store, r!.id)).nextAttemptAt);
      delays.push(next - clock.now().getTime());
      clock.set(new Date(next));
    }
    expect(delays).toEqual([30_000, 60_000, 120_000]);
    expect(await d.runOnce()).toEqual({ delivered: 0, retried: 0, failed: 1 });
    const failed = await row(store, r!.id);
    expect(failed.status).toBe('failed');
    expect(failed.attempts).toBe(4);
    expect(failed.lastError).toMatch(/^gave up after 4 attempts: 0:webhook POST to 127\.0\.0\.1:\d+ failed: HTTP 503/);
    expect(log.records().find((l) => l.level === 50)).toMatchObject({ channel: '0:webhook', attempt: 4, maxAttempts: 4, msg: 'alert delivery failed after 4 attempts; giving up' });
    clock.advance(10 * 3_600_000);
    expect(await d.runOnce()).toEqual({ delivered: 0, retried: 0, failed: 0 });
    expect(hook.requests).toHaveLength(4);
  });

  it('caps the backoff at 1 h', () => {
    const { d } = dispatcher({ store: openStore().store, channels: [] });
    expect([1, 2, 3, 7, 8, 20].map((n) => d.backoffMs(n))).toEqual([30_000, 60_000, 120_000, 1_920_000, 3_600_000, 3_600_000]);
  });

  it('429 with Retry-After: the receiver’s wait is honoured when longer than the backoff', async () => {
    const slack = await receiver([{ status: 429, body: 'rate_limited', headers: { 'Retry-After': '600' } }, { status: 200, body: 'ok' }]);
    const channels = createChannels([{ type: 'slack', url: slack.url }]);
    const { store } = openStore();
    const clock = fakeClock();
    const [r] = await enqueue(store, sampleEvent(), channels, clock.now());
    const { d, log } = dispatcher({ store, channels, now: clock.now });
    expect(await d.runOnce()).toEqual({ delivered: 0, retried: 1, failed: 0 });
    expect((await row(store, r!.id)).nextAttemptAt).toBe(new Date(T0.getTime() + 600_000).toISOString());
    expect(log.records().find((l) => l.msg === 'alert delivery failed; will retry')).toMatchObject({ kind: 'throttled', status: 429, retryAfterMs: 600_000 });
    clock.advance(599_000);
    expect(await d.runOnce()).toEqual({ delivered: 0, retried: 0, failed: 0 });
    clock.advance(1_000);
    expect(await d.runOnce()).toEqual({ delivered: 1, retried: 0, failed: 0 });
  });

  it('400 fails permanently at once and is logged at error with channel, event, episode and attempt', async () => {
    const slack = await receiver([{ status: 400, body: 'invalid_payload' }], '/services/T000/B000/XXXXXXXXXXXXXXXXXXXXXXXX');
    const channels = createChannels([{ type: 'slack', url: slack.url }]);
    const { store } = openStore();
    const clock = fakeClock();
    const [r] = await enqueue(store, sampleEvent(), channels, clock.now());
    const { d, log } = dispatcher({ store, channels, now: clock.now });
    expect(await d.runOnce()).toEqual({ delivered: 0, retried: 0, failed: 1 });
    expect(await row(store, r!.id)).toMatchObject({ status: 'failed', attempts: 1, lastError: `0:slack POST to ${new URL(slack.url).host} failed: HTTP 400: invalid_payload` });
    const err = log.records().find((l) => l.level === 50);
    expect(err).toMatchObject({
      msg: 'alert delivery rejected by the receiver; not retrying',
      channel: '0:slack',
      channelType: 'slack',
      target: new URL(slack.url).host,
      event: 'regression',
      episode: 'ep-0123456789abcdef0123',
      attempt: 1,
      status: 400,
      kind: 'rejected',
    });
    expect(log.lines.join('\n')).not.toContain('/services/');
    clock.advance(3_600_000);
    expect(await d.runOnce()).toEqual({ delivered: 0, retried: 0, failed: 0 });
    expect(slack.requests).toHaveLength(1);
  });

  it('marks a delivery whose channel left the config as failed, with the reason', async () => {
    const { store } = openStore();
    const clock = fakeClock();
    const [r] = await enqueue(store, sampleEvent(), ['5:slack'], clock.now());
    const { d, log } = dispatcher({ store, channels: [], now: clock.now });
    expect(await d.runOnce()).toEqual({ delivered: 0, retried: 0, failed: 1 });
    const failed = await row(store, r!.id);
    expect(failed.status).toBe('failed');
    expect(failed.lastError).toBe('channel 5:slack is not in the current config (alerts[] changed after this alert was queued); not sent');
    expect(log.records().find((l) => l.level === 50)).toMatchObject({ channel: '5:slack', episode: 'ep-0123456789abcdef0123', event: 'regression' });
  });

  it('loses nothing across a restart: a failing attempt, then a new process delivers it once', async () => {
    const hook = await receiver([{ status: 502 }, { status: 200 }]);
    const channels = [createWebhookChannel({ id: '0:webhook', url: hook.url })];
    const { store, path } = openStore();
    const clock = fakeClock();
    const [r] = await enqueue(store, sampleEvent(), channels, clock.now());
    const first = dispatcher({ store, channels, now: clock.now });
    expect(await first.d.runOnce()).toEqual({ delivered: 0, retried: 1, failed: 0 });
    await first.d.stop();
    await store.close();

    clock.advance(60_000);
    const reopened = openStore(path);
    const second = dispatcher({ store: reopened.store, channels, now: clock.now });
    expect(await second.d.runOnce()).toEqual({ delivered: 1, retried: 0, failed: 0 });
    const third = dispatcher({ store: openStore(path).store, channels, now: clock.now });
    clock.advance(86_400_000);
    expect(await third.d.runOnce()).toEqual({ delivered: 0, retried: 0, failed: 0 });
    expect(hook.requests).toHaveLength(2);
    expect(await row(reopened.store, r!.id)).toMatchObject({ status: 'delivered', attempts: 2 });
  });

  it('a crash between sending and recording re-sends after the lease with the same idempotency key (at least once)', async () => {
    const hook = await receiver([{ status: 200 }]);
    const channels = [createWebhookChannel({ id: '0:webhook', url: hook.url })];
    const { store, path } = openStore();
    const clock = fakeClock();
    const [r] = await enqueue(store, sampleEvent(), channels, clock.now());
    // The process "dies" right after the receiver accepted: the delivered state is never written.
    const crashing: Store = Object.create(store, {
      updateDelivery: {
        value: async (id: string, u: Parameters<Store['updateDelivery']>[1]) => {
          if (u.status === 'delivered') throw new Error('SQLITE_IOERR: disk I/O error');
          return store.updateDelivery(id, u);
        },
      },
    });
    const first = dispatcher({ store: crashing, channels, now: clock.now, sendTimeoutMs: 10_000 });
    expect(await first.d.runOnce()).toEqual({ delivered: 0, retried: 1, failed: 0 });
    expect(first.log.records().find((l) => l.msg === 'could not record alert delivery state')).toMatchObject({ channel: '0:webhook', status: 'delivered' });
    const claimed = await row(store, r!.id);
    expect(claimed.status).toBe('pending');
    expect(claimed.attempts).toBe(1);
    // Not picked up again while the lease runs (send timeout + margin) …
    expect(await first.d.runOnce()).toEqual({ delivered: 0, retried: 0, failed: 0 });
    // … then another process sends it again, with the key the receiver dedupes on.
    clock.advance(Date.parse(claimed.nextAttemptAt) - clock.now().getTime());
    const second = dispatcher({ store: openStore(path).store, channels, now: clock.now });
    expect(await second.d.runOnce()).toEqual({ delivered: 1, retried: 0, failed: 0 });
    expect(hook.requests.map((q) => q.headers['idempotency-key'])).toEqual([r!.idempotencyKey, r!.idempotencyKey]);
  });

  it('a channel that never answers is cut off by the send timeout and retried later', async () => {
    const hanging: AlertChannel = { id: '0:webhook', type: 'webhook', send: () => new Promise<void>(() => undefined) };
    const { store } = openStore();
    const clock = fakeClock();
    const [r] = await enqueue(store, sampleEvent(), [hanging], clock.now());
    const { d } = dispatcher({ store, channels: [hanging], now: clock.now, sendTimeoutMs: 150 });
    expect(await d.runOnce()).toEqual({ delivered: 0, retried: 1, failed: 0 });
    expect((await row(store, r!.id)).lastError).toBe('0:webhook gave no result within 150 ms');
  });

  it('an unclassified exception from a channel is retried, not dropped', async () => {
    const buggy: AlertChannel = {
      id: '0:webhook',
      type: 'webhook',
      send: async () => {
        throw new TypeError('cannot read properties of undefined');
      },
    };
    const { store } = openStore();
    const clock = fakeClock();
    await enqueue(store, sampleEvent(), [buggy], clock.now());
    const { d, log } = dispatcher({ store, channels: [buggy], now: clock.now });
    expect(await d.runOnce()).toEqual({ delivered: 0, retried: 1, failed: 0 });
    expect(log.records().find((l) => l.level === 40)).toMatchObject({ kind: 'unknown', error: 'cannot read properties of undefined' });
  });

  describe('drain (one-shot CLI)', () => {
    it('sends what is due, does not wait for later attempts, and reports them', async () => {
      const ok = await receiver([{ status: 202 }]);
      const down = await receiver([{ status: 503 }]);
      const channels = [createTeamsChannel({ id: '0:teams', url: ok.url }), createWebhookChannel({ id: '1:webhook', url: down.url })];
      const { store } = openStore();
      const clock = fakeClock();
      await enqueue(store, sampleEvent(), channels, clock.now());
      const { d, log } = dispatcher({ store, channels, now: clock.now });
      const started = Date.now();
      const result = await d.drain(20_000);
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(result).toEqual({ delivered: 1, retried: 1, failed: 0, pending: 1, nextAttemptAt: new Date(T0.getTime() + 30_000).toISOString(), timedOut: false });
      expect(log.records().find((l) => l.msg === '1 alert delivery still pending; the next run of ratchet scan or ratchet serve retries them')).toMatchObject({ pending: 1 });
    });

    it('drains more than one batch', async () => {
      const hook = await receiver([{ status: 200 }]);
      const channels = [createWebhookChannel({ id: '0:webhook', url: hook.url })];
      const { store } = openStore();
      const clock = fakeClock();
      for (let i = 0; i < 7; i += 1) await enqueue(store, sampleEvent({ episodeId: `ep-${i}` }), channels, clock.now());
      const { d } = dispatcher({ store, channels, now: clock.now, batchSize: 3 });
      expect(await d.drain(20_000)).toEqual({ delivered: 7, retried: 0, failed: 0, pending: 0, nextAttemptAt: null, timedOut: false });
    });

    it('stops starting sends when the time is up and leaves the rest pending', async () => {
      const slow: AlertChannel = { id: '0:webhook', type: 'webhook', send: () => new Promise<void>((resolve) => setTimeout(resolve, 300)) };
      const { store } = openStore();
      const clock = fakeClock();
      for (let i = 0; i < 5; i += 1) await enqueue(store, sampleEvent({ episodeId: `ep-${i}` }), [slow], clock.now());
      const { d } = dispatcher({ store, channels: [slow], now: clock.now, concurrency: 1, sendTimeoutMs: 1_000 });
      const result = await d.drain(1_500);
      expect(result.timedOut).toBe(true);
      expect(result.delivered).toBeGreaterThanOrEqual(1);
      expect(result.delivered).toBeLessThan(5);
      expect(result.delivered + result.pending).toBe(5);
      expect(result.retried).toBe(0);
    });
  });

  describe('start / stop (server)', () => {
    it('delivers in the background without overlapping runs, and survives a failing run', async () => {
      let active = 0;
      let maxActive = 0;
      const sent: string[] = [];
      const slow: AlertChannel = {
        id: '0:webhook',
        type: 'webhook',
        send: async (_e, key) => {
          active += 1;
          maxActive = Math.max(maxActive, active);
          await new Promise((resolve) => setTimeout(resolve, 40));
          sent.push(key);
          active -= 1;
        },
      };
      const { store } = openStore();
      const clock = fakeClock();
      let failOnce = true;
      const flaky: Store = Object.create(store, {
        claimDueDeliveries: {
          value: async (now: string, limit: number, leaseUntil: string) => {
            if (failOnce) {
              failOnce = false;
              throw new Error('SQLITE_BUSY: database is locked');
            }
            return store.claimDueDeliveries(now, limit, leaseUntil);
          },
        },
      });
      for (let i = 0; i < 3; i += 1) await enqueue(store, sampleEvent({ episodeId: `ep-${i}` }), [slow], clock.now());
      const { d, log } = dispatcher({ store: flaky, channels: [slow], now: clock.now, concurrency: 1 });
      d.start(5);
      // A manual run while the loop is going queues behind it instead of overlapping.
      void d.runOnce().catch(() => undefined);
      const deadline = Date.now() + 10_000;
      while (sent.length < 3 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      await d.stop();
      expect(sent).toHaveLength(3);
      expect(new Set(sent).size).toBe(3);
      expect(maxActive).toBe(1);
      expect(log.records().find((l) => l.msg === 'alert dispatch run failed; retrying on the next tick')).toMatchObject({ level: 50, error: 'SQLITE_BUSY: database is locked' });
      expect((await store.deliveries()).every((x) => x.status === 'delivered')).toBe(true);
    });
  });

  describe('claims', () => {
    /** A channel that records each key and holds every send until `open()`: held sends are sends in flight. */
    function gatedChannel(id = '0:webhook') {
      const keys: string[] = [];
      const held: Array<() => void> = [];
      let gateOpen = false;
      const channel: AlertChannel = {
        id,
        type: 'webhook',
        send: async (_e, key) => {
          keys.push(key);
          if (!gateOpen) await new Promise<void>((resolve) => held.push(resolve));
        },
      };
      const open = () => {
        gateOpen = true;
        for (const release of held.splice(0)) release();
      };
      /** Lets the longest-held send finish; the gate stays closed for the others. */
      const releaseOne = () => held.shift()?.();
      return { channel, keys, held: () => held.length, open, releaseOne };
    }

    async function until(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
      const deadline = Date.now() + 20_000;
      while (!(await check())) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }

    it('two dispatchers on two connections to one file split the outbox and send every alert once', async () => {
      const gate = gatedChannel();
      const { store, path } = openStore();
      const other = openStore(path).store;
      const clock = fakeClock();
      const rows: Delivery[] = [];
      for (let i = 0; i < 20; i += 1) rows.push(...(await enqueue(store, sampleEvent({ episodeId: `ep-${i}` }), [gate.channel], clock.now())));
      const a = dispatcher({ store, channels: [gate.channel], now: clock.now, concurrency: 2, batchSize: 3 });
      const b = dispatcher({ store: other, channels: [gate.channel], now: clock.now, concurrency: 2, batchSize: 3 });
      a.d.start(5);
      b.d.start(5);
      // Two sends in flight per dispatcher at most: four held means both hold rows.
      await until('both dispatchers to have sends in flight', () => gate.held() === 4);
      gate.open();
      await until('every alert to be delivered', async () => (await store.deliveries()).every((x) => x.status === 'delivered'));
      await Promise.all([a.d.stop(), b.d.stop()]);

      expect(gate.keys).toHaveLength(rows.length);
      expect([...gate.keys].sort()).toEqual(rows.map((r) => r.idempotencyKey).sort());
      expect((await store.deliveries()).every((x) => x.attempts === 1)).toBe(true);
      const delivered = (log: typeof a.log) => log.records().filter((l) => l.msg === 'alert delivered').length;
      expect(delivered(a.log) + delivered(b.log)).toBe(rows.length);
      expect(Math.min(delivered(a.log), delivered(b.log))).toBeGreaterThanOrEqual(2);
    });

    it('a failing claim stops the run, which ends once the sends in flight are recorded: runOnce rejects, drain keeps its counts', async () => {
      const gate = gatedChannel();
      const { store } = openStore();
      const clock = fakeClock();
      for (let i = 0; i < 5; i += 1) await enqueue(store, sampleEvent({ episodeId: `ep-${i}` }), [gate.channel], clock.now());
      let claims = 0;
      const failing: Store = Object.create(store, {
        claimDueDeliveries: {
          value: async (now: string, limit: number, leaseUntil: string) => {
            claims += 1;
            // The third claim of each run below fails, while the second row's send is still in flight.
            if (claims === 3 || claims === 6) throw new Error('SQLITE_BUSY: database is locked');
            return store.claimDueDeliveries(now, limit, leaseUntil);
          },
        },
      });
      const { d, log } = dispatcher({ store: failing, channels: [gate.channel], now: clock.now, concurrency: 2 });
      const statuses = async () => (await store.deliveries()).map((x) => `${x.status}/${x.attempts}`);

      let settled = false;
      const run = d.runOnce().finally(() => void (settled = true));
      run.catch(() => undefined);
      await until('two sends in flight', () => gate.held() === 2);
      gate.releaseOne();
      await until('the failing claim', () => claims === 3);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(settled).toBe(false);
      gate.releaseOne();
      await expect(run).rejects.toThrow('SQLITE_BUSY: database is locked');
      // Both sends in flight were recorded before the run gave up; the other rows were never claimed.
      expect(await statuses()).toEqual(['delivered/1', 'delivered/1', 'pending/0', 'pending/0', 'pending/0']);

      const draining = d.drain(20_000);
      await until('two sends in flight', () => gate.held() === 2);
      gate.releaseOne();
      await until('the failing claim', () => claims === 6);
      gate.releaseOne();
      expect(await draining).toMatchObject({ delivered: 2, retried: 0, failed: 0, pending: 1, timedOut: false });
      expect(log.records().find((l) => l.msg === 'alert dispatch run failed; pending alerts stay queued')).toMatchObject({ level: 50, error: 'SQLITE_BUSY: database is locked' });
      expect(await statuses()).toEqual(['delivered/1', 'delivered/1', 'delivered/1', 'delivered/1', 'pending/0']);
      expect(gate.keys).toHaveLength(4);
    });
  });

  it('stop() lets the send in flight finish and leaves queued ones pending for the next start', async () => {
    const sent: string[] = [];
    let started = 0;
    const slow: AlertChannel = {
      id: '0:webhook',
      type: 'webhook',
      send: async (_e, key) => {
        started += 1;
        await new Promise((resolve) => setTimeout(resolve, 100));
        sent.push(key);
      },
    };
    const { store } = openStore();
    const clock = fakeClock();
    for (let i = 0; i < 3; i += 1) await enqueue(store, sampleEvent({ episodeId: `ep-${i}` }), [slow], clock.now());
    const { d } = dispatcher({ store, channels: [slow], now: clock.now, concurrency: 1 });
    d.start(60_000);
    while (started === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    await d.stop();
    expect(sent).toHaveLength(1);
    const rows = await store.deliveries();
    expect(rows.filter((x) => x.status === 'delivered')).toHaveLength(1);
    expect(rows.filter((x) => x.status === 'pending' && x.attempts === 0)).toHaveLength(2);
    // The next process (or start) sends the rest.
    expect(await d.runOnce()).toEqual({ delivered: 2, retried: 0, failed: 0 });
    expect(new Set(sent).size).toBe(3);
  });

  it('puts no secret in any log line or stored error: webhook secret, URL query token, Slack/Teams URL, SMTP password', async () => {
    const WEBHOOK_SECRET = 'whsec-SUPERSECRET-0123456789';
    const QUERY_TOKEN = 'qtok-TOKENVALUE-0123456789';
    const SLACK_TOKEN = 'SLACKTOKEN0123456789abcd';
    const TEAMS_SIG = 'teamsSIG-0123456789abcdef';
    const SMTP_PASSWORD = 'smtp-PASSWORD-0123456789';
    const hook = await receiver([{ status: 500, body: 'upstream error' }], `/hook?token=${QUERY_TOKEN}`);
    // A receiver that echoes its own URL back in the error body.
    const slack = await receiver([{ status: 403, body: 'invalid_token' }], `/services/T000/B000/${SLACK_TOKEN}`);
    slack.answers = [{ status: 403, body: `invalid_token for ${slack.url}` }];
    const teams = await receiver([{ status: 401, body: '' }], `/workflows/abc/triggers/manual/paths/invoke?api-version=1&sig=${TEAMS_SIG}`);
    teams.answers = [{ status: 401, body: JSON.stringify({ error: { message: `bad sig ${TEAMS_SIG}`, url: teams.url } }) }];
    const smtp: SmtpReceiver = await startSmtp({ auth: { username: 'ratchet', password: 'another-password-0123456789' } });
    cleanups.push(() => smtp.close());
    const channels = createChannels([
      { type: 'webhook', url: hook.url, secret: WEBHOOK_SECRET },
      { type: 'slack', url: slack.url },
      { type: 'teams', url: teams.url },
      { type: 'email', host: '127.0.0.1', port: smtp.port, secure: false, username: 'ratchet', password: SMTP_PASSWORD, from: 'alerts@msp.example', to: ['noc@msp.example'] },
    ]);
    const { store } = openStore();
    const clock = fakeClock();
    await enqueue(store, sampleEvent(), channels, clock.now());
    const { d, log } = dispatcher({ store, channels, now: clock.now });
    // Something logging a channel's config by mistake is caught by the scrubber too.
    log.logger.info({ config: { url: hook.url, secret: WEBHOOK_SECRET, password: SMTP_PASSWORD } }, `config ${slack.url}`);
    expect(await d.runOnce()).toEqual({ delivered: 0, retried: 1, failed: 3 });

    const everything = [log.lines.join('\n'), JSON.stringify(await store.deliveries())].join('\n');
    for (const secret of [WEBHOOK_SECRET, QUERY_TOKEN, SLACK_TOKEN, TEAMS_SIG, SMTP_PASSWORD, '/services/T000', 'sig=']) {
      expect(everything).not.toContain(secret);
    }
    // What a log line does say: which channel, which host.
    const channelIds = log.records().filter((l) => Number(l.level) >= 40).map((l) => l.channel);
    expect(new Set(channelIds)).toEqual(new Set(['0:webhook', '1:slack', '2:teams', '3:email']));
  });
});
