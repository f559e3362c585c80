/**
 * The alert outbox (OutboxStore): rows are queued only by `Store.saveScan`, then read and moved on by the outbox
 * worker (src/alerts/outbox.ts). What the worker relies on: a queued row is due from its next-attempt time on;
 * `claimDueDeliveries` takes due rows atomically, so claimers on one database — several store instances, as
 * several processes or replicas have — never get the same row twice; `updateDelivery` is how it retries, delivers
 * or fails a row, and due filtering follows the update at once; a replayed row (same idempotency key) is never
 * queued twice nor reset, so a delivered alert stays delivered.
 */
import { describe, expect, it } from 'vitest';
import type { Delivery } from '../../../src/domain/episode.js';
import type { EpisodeStore, OutboxStore, Store } from '../../../src/store/store.js';
import { sampleScan } from '../../helpers/sample-scan.js';
import { at, delivery, episode, freshStoreForEachTest, type Lifecycle, type StoreContractOptions, type StoreFactory } from './fixtures.js';

/** Rows reach the outbox only with the scan that causes them, so the suite needs `saveScan` (and episodes, which rows belong to). */
type OutboxWithSave = OutboxStore & EpisodeStore & Pick<Store, 'saveScan'>;

/** Far enough ahead that every pending row is due (the worker uses the same bound to count what is left). */
const FAR_FUTURE = '9999-12-31T23:59:59.999Z';

const ids = (rows: readonly Delivery[]): string[] => rows.map((d) => d.id);

export function outboxStoreContract(factory: StoreFactory<OutboxWithSave>, options: StoreContractOptions = {}): void {
  describe('outbox', () => {
    let store: OutboxWithSave & Lifecycle;
    let scans = 0;

    /** Queues rows the way a scan does: with a new scan and the episodes they belong to, in one saveScan. */
    const queue = async (...rows: Delivery[]): Promise<void> => {
      scans += 1;
      const episodes = [...new Set(rows.map((d) => d.episodeId))].map((id) => episode({ id }));
      await store.saveScan(sampleScan({ id: `outbox-scan-${scans}` }), { episodes, deliveries: rows });
    };

    freshStoreForEachTest(factory, (s) => (store = s));

    describe('queueing', () => {
      it('stores queued rows exactly as given, payload included', async () => {
        const rows = [delivery({ channel: '0:webhook' }), delivery({ channel: '1:teams', event: 'recovery' })];
        await queue(...rows);
        expect(await store.deliveries()).toEqual(rows);
      });

      it('a row is due from its next-attempt time on, inclusive', async () => {
        const row = delivery({ nextAttemptAt: at(10) });
        await queue(row);
        expect(await store.dueDeliveries(at(0), 10)).toEqual([]);
        expect(await store.dueDeliveries(new Date(Date.parse(at(10)) - 1).toISOString(), 10)).toEqual([]);
        expect(await store.dueDeliveries(at(10), 10)).toEqual([row]);
        expect(await store.dueDeliveries(at(60), 10)).toEqual([row]);
      });

      it('replaying a row (same idempotency key) neither queues it twice nor resets it', async () => {
        const row = delivery();
        await queue(row);
        const delivered = { status: 'delivered', attempts: 1, nextAttemptAt: row.nextAttemptAt, lastError: null, deliveredAt: at(1) } as const;
        await store.updateDelivery(row.id, delivered);

        // The same scan effects replayed (a retried scan, a restart), then a re-plan that made a new row id for
        // the same key: the key decides, and the stored row keeps its delivered state.
        await queue(row);
        await queue(delivery({ id: 'dl-replanned', payload: { ...row.payload, command: 'changed' } }));
        expect(await store.deliveries()).toEqual([{ ...row, ...delivered }]);
        expect(await store.dueDeliveries(FAR_FUTURE, 10)).toEqual([]);
      });

      it('two rows with one idempotency key in the same save queue only the first', async () => {
        const first = delivery();
        await queue(first, delivery({ id: 'dl-second', channel: first.channel, lastError: 'second' }));
        expect(await store.deliveries()).toEqual([first]);
      });
    });

    describe('dueDeliveries', () => {
      it('returns due pending rows oldest next attempt first, queue order on ties, up to the limit', async () => {
        const late = delivery({ channel: 'late', nextAttemptAt: at(3) });
        const tieA = delivery({ channel: 'tie-a', nextAttemptAt: at(1) });
        const early = delivery({ channel: 'early', nextAttemptAt: at(0) });
        const tieB = delivery({ channel: 'tie-b', nextAttemptAt: at(1) });
        const notYet = delivery({ channel: 'not-yet', nextAttemptAt: at(9) });
        await queue(late, tieA);
        await queue(early, tieB, notYet);

        expect(ids(await store.dueDeliveries(at(5), 10))).toEqual(ids([early, tieA, tieB, late]));
        // The limit cuts the oldest-first list, it does not pick arbitrary due rows.
        expect(ids(await store.dueDeliveries(at(5), 2))).toEqual(ids([early, tieA]));
        expect(await store.dueDeliveries(at(5), 0)).toEqual([]);
      });

      it('delivered and failed rows are never due again, whatever their next-attempt time', async () => {
        const sent = delivery({ channel: 'sent' });
        const dead = delivery({ channel: 'dead' });
        const waiting = delivery({ channel: 'waiting' });
        await queue(sent, dead, waiting);
        await store.updateDelivery(sent.id, { status: 'delivered', attempts: 1, nextAttemptAt: at(0), lastError: null, deliveredAt: at(1) });
        await store.updateDelivery(dead.id, { status: 'failed', attempts: 8, nextAttemptAt: at(0), lastError: 'HTTP 404', deliveredAt: null });

        expect(ids(await store.dueDeliveries(FAR_FUTURE, 10))).toEqual([waiting.id]);
        // They stay in the outbox as the record of what happened.
        expect(ids(await store.deliveries())).toEqual(ids([sent, dead, waiting]));
      });
    });

    describe('claimDueDeliveries', () => {
      it('claims due rows in due order up to the limit: attempt counted, next attempt = the lease, nothing else changed', async () => {
        const late = delivery({ channel: 'late', nextAttemptAt: at(3), attempts: 2, lastError: 'HTTP 503' });
        const tieA = delivery({ channel: 'tie-a', nextAttemptAt: at(1) });
        const early = delivery({ channel: 'early', nextAttemptAt: at(0) });
        const tieB = delivery({ channel: 'tie-b', nextAttemptAt: at(1) });
        const notYet = delivery({ channel: 'not-yet', nextAttemptAt: at(9) });
        await queue(late, tieA);
        await queue(early, tieB, notYet);
        const claimed = (d: Delivery, lease: string): Delivery => ({ ...d, attempts: d.attempts + 1, nextAttemptAt: lease });

        // Returned as stored after the claim, oldest next attempt first, queue order on ties, cut by the limit.
        expect(await store.claimDueDeliveries(at(5), 2, at(30))).toEqual([claimed(early, at(30)), claimed(tieA, at(30))]);
        expect(await store.deliveries()).toEqual([late, tieA, early, tieB, notYet].map((d) => (d === early || d === tieA ? claimed(d, at(30)) : d)));
        // Claimed rows are not due while their lease runs; the rest are claimed next, the row not yet due never.
        expect(ids(await store.dueDeliveries(at(5), 10))).toEqual(ids([tieB, late]));
        expect(await store.claimDueDeliveries(at(5), 10, at(30))).toEqual([claimed(tieB, at(30)), claimed(late, at(30))]);
        expect(await store.claimDueDeliveries(at(5), 10, at(30))).toEqual([]);
        expect(await store.claimDueDeliveries(at(5), 0, at(30))).toEqual([]);

        // A lease that ran out (the claimer crashed) makes the row due again, with the next attempt counted too;
        // leases ending together keep queue order.
        const again = await store.claimDueDeliveries(at(30), 10, at(60));
        expect(ids(again)).toEqual(ids([notYet, late, tieA, early, tieB]));
        expect(again.map((d) => d.attempts)).toEqual([1, 4, 2, 2, 2]);
      });

      it('never claims delivered or failed rows, whatever their next-attempt time', async () => {
        const sent = delivery({ channel: 'sent' });
        const dead = delivery({ channel: 'dead' });
        const waiting = delivery({ channel: 'waiting' });
        await queue(sent, dead, waiting);
        await store.updateDelivery(sent.id, { status: 'delivered', attempts: 1, nextAttemptAt: at(0), lastError: null, deliveredAt: at(1) });
        await store.updateDelivery(dead.id, { status: 'failed', attempts: 8, nextAttemptAt: at(0), lastError: 'HTTP 404', deliveredAt: null });

        expect(ids(await store.claimDueDeliveries(FAR_FUTURE, 10, FAR_FUTURE))).toEqual([waiting.id]);
        const [storedSent, storedDead] = await store.deliveries();
        expect(storedSent).toMatchObject({ status: 'delivered', attempts: 1 });
        expect(storedDead).toMatchObject({ status: 'failed', attempts: 8 });
      });

      const claimerKind = options.sameDatabase ? 'two store instances' : 'one store';
      it(`concurrent claimers on one database (${claimerKind}) never get the same row twice, and together get every due row`, async () => {
        const DUE = 60;
        const rows = Array.from({ length: DUE }, (_, i) => delivery({ channel: `c${i}`, nextAttemptAt: at(i % 7) }));
        const notYet = delivery({ channel: 'not-yet', nextAttemptAt: at(30) });
        for (let i = 0; i < rows.length; i += 20) await queue(...rows.slice(i, i + 20));
        await queue(notYet);

        const other = options.sameDatabase ? ((await options.sameDatabase(store)) as OutboxStore & Lifecycle) : null;
        try {
          const claimers: OutboxStore[] = other ? [store, other, store, other] : [store, store, store, store];
          const got: string[] = [];
          // Rounds of four claims at once with small, different limits, so claimers keep reaching for the same
          // oldest rows, until a whole round finds nothing.
          for (let round = 0; round < DUE; round += 1) {
            const results = await Promise.all(claimers.map((c, i) => c.claimDueDeliveries(at(10), 1 + ((round + i) % 3), at(20))));
            const claimedNow = results.flat();
            got.push(...ids(claimedNow));
            if (claimedNow.length === 0) break;
          }
          expect(got).toHaveLength(new Set(got).size);
          expect([...got].sort()).toEqual(ids(rows).sort());
          // Each row was claimed once, and the store says so: one attempt each, leased; the row not due untouched.
          const stored = await store.deliveries();
          expect(stored.filter((d) => d.id !== notYet.id).every((d) => d.attempts === 1 && d.nextAttemptAt === at(20))).toBe(true);
          expect(stored.find((d) => d.id === notYet.id)).toEqual(notYet);
        } finally {
          await other?.close();
        }
      });
    });

    describe('updateDelivery', () => {
      it('moves state, attempts, error and next attempt; due filtering follows at once', async () => {
        const row = delivery({ nextAttemptAt: at(0) });
        const other = delivery({ channel: 'other', nextAttemptAt: at(0) });
        await queue(row, other);

        // The worker's claim: attempt counted, next attempt pushed past the send timeout.
        const claim = { status: 'pending', attempts: 1, nextAttemptAt: at(5), lastError: null, deliveredAt: null } as const;
        await store.updateDelivery(row.id, claim);
        expect(ids(await store.dueDeliveries(at(1), 10))).toEqual([other.id]);

        // A failed attempt: retry later, with the error kept.
        const retry = { status: 'pending', attempts: 1, nextAttemptAt: at(2), lastError: 'HTTP 503 from receiver', deliveredAt: null } as const;
        await store.updateDelivery(row.id, retry);
        expect(ids(await store.dueDeliveries(at(1), 10))).toEqual([other.id]);
        expect(ids(await store.dueDeliveries(at(2), 10))).toEqual([other.id, row.id]);

        // Only the updated fields change: identity, payload and creation time are the row's for good.
        const stored = await store.deliveries();
        expect(stored).toEqual([{ ...row, ...retry }, other]);

        const done = { status: 'delivered', attempts: 2, nextAttemptAt: at(2), lastError: null, deliveredAt: at(2) } as const;
        await store.updateDelivery(row.id, done);
        expect(ids(await store.dueDeliveries(FAR_FUTURE, 10))).toEqual([other.id]);
        expect((await store.deliveries())[0]).toEqual({ ...row, ...done });
      });
    });

    describe('deliveries', () => {
      it('lists rows oldest first (created, then queue order), filtered by episode and limited', async () => {
        const newer = delivery({ episodeId: 'ep-a', createdAt: at(2), nextAttemptAt: at(2) });
        const older = delivery({ episodeId: 'ep-b', createdAt: at(1), nextAttemptAt: at(1) });
        const sameTimeA = delivery({ episodeId: 'ep-a', channel: '1:teams', createdAt: at(3), nextAttemptAt: at(3) });
        const sameTimeB = delivery({ episodeId: 'ep-b', channel: '1:teams', createdAt: at(3), nextAttemptAt: at(3) });
        await queue(newer, older);
        await queue(sameTimeB, sameTimeA);

        expect(ids(await store.deliveries())).toEqual(ids([older, newer, sameTimeB, sameTimeA]));
        expect(ids(await store.deliveries({ episodeId: 'ep-a' }))).toEqual(ids([newer, sameTimeA]));
        expect(ids(await store.deliveries({ episodeId: 'ep-b', limit: 1 }))).toEqual(ids([older]));
        expect(ids(await store.deliveries({ limit: 2 }))).toEqual(ids([older, newer]));
        expect(await store.deliveries({ episodeId: 'ep-unknown' })).toEqual([]);
      });
    });
  });
}
