/**
 * The ticket outbox and the tickets episodes have at the PSA (TicketStore, schema v7): what the ticket dispatcher
 * relies on. Operations arrive only with the scan that causes them (`saveScan` effects, one transaction; a replayed
 * key is ignored and never resets a stored operation). The claim hands out the HEAD of the queue — the oldest
 * pending operation in queue order, whatever its due time — and nothing else: a head that is backing off or leased
 * blocks everything behind it, across store instances on one database, so a note never reaches a ticket before the
 * ticket exists. Completing an operation and recording its ticket is one transaction.
 */
import { describe, expect, it } from 'vitest';
import type { TicketJob, TicketOp, TicketRecord } from '../../../src/domain/ticket.js';
import type { DeliveryUpdate, Store } from '../../../src/store/store.js';
import { sampleScan } from '../../helpers/sample-scan.js';
import { at, episode, freshStoreForEachTest, type Lifecycle, type StoreContractOptions, type StoreFactory } from './fixtures.js';

const FAR_FUTURE = '9999-12-31T23:59:59.999Z';

function ticketJob(over: Partial<TicketJob> = {}): TicketJob {
  const episodeId = over.episodeId ?? 'ep-1';
  const marker = `[ratchet:${episodeId}]`;
  return {
    action: 'open',
    tenantId: 'contoso',
    tenantName: 'Contoso Ltd — Zürich',
    episodeId,
    episodeKind: 'regression',
    company: 250,
    scanId: 's-2',
    occurredAt: at(0),
    marker,
    summary: `Ratchet: Contoso dropped to level 2 ${marker}`,
    body: { text: 'MFA enforcement: 71.5 % → none\n', html: '<p>MFA enforcement: 71.5 % → none</p>' },
    note: null,
    ...over,
  };
}

/** A pending operation as the scan path queues it; the key names the episode and action, the id derives from it. */
function ticketOp({ payload: over, ...rest }: Partial<Omit<TicketOp, 'payload'>> & { payload?: Partial<TicketJob> } = {}): TicketOp {
  const payload = ticketJob(over);
  const idempotencyKey = rest.idempotencyKey ?? `ticket:${payload.episodeId}:${payload.action}${payload.action === 'note' ? `:${payload.scanId}` : ''}`;
  return {
    id: `to-${idempotencyKey}`,
    idempotencyKey,
    payload,
    status: 'pending',
    attempts: 0,
    nextAttemptAt: at(0),
    lastError: null,
    createdAt: at(0),
    deliveredAt: null,
    ...rest,
  };
}

const ticket = (over: Partial<TicketRecord> = {}): TicketRecord => ({
  episodeId: 'ep-1',
  tenantId: 'contoso',
  provider: 'connectwise',
  ticketId: '48213',
  company: 250,
  state: 'open',
  createdAt: at(1),
  updatedAt: at(1),
  ...over,
});

const delivered = (op: TicketOp, when = at(1)): DeliveryUpdate => ({
  status: 'delivered',
  attempts: op.attempts,
  nextAttemptAt: op.nextAttemptAt,
  lastError: null,
  deliveredAt: when,
});

const ids = (ops: readonly TicketOp[]): string[] => ops.map((o) => o.id);

export function ticketStoreContract(factory: StoreFactory<Store>, options: StoreContractOptions = {}): void {
  describe('ticket outbox and PSA tickets', () => {
    let store: Store & Lifecycle;
    let scans = 0;

    /** Queues operations the way a scan does: with a new scan and the episodes they belong to, in one saveScan. */
    const queue = async (...ops: TicketOp[]): Promise<void> => {
      scans += 1;
      const episodes = [...new Set(ops.map((o) => o.payload.episodeId))].map((id) => {
        const tenantId = ops.find((o) => o.payload.episodeId === id)!.payload.tenantId;
        return episode({ id, tenantId });
      });
      await store.saveScan(sampleScan({ id: `ticket-scan-${scans}`, startedAt: at(scans) }), { episodes, ticketOps: ops });
    };

    freshStoreForEachTest(factory, (s) => (store = s));

    describe('queueing with saveScan', () => {
      it('stores operations with the scan exactly as given, in queue order', async () => {
        const open = ticketOp();
        const other = ticketOp({ payload: { episodeId: 'ep-2', episodeKind: 'visibility' } });
        const note = ticketOp({
          payload: { action: 'note', scanId: 's-3', note: { text: 'Still failing: "x" & <y>', html: '<p>Still failing</p>' } },
        });
        await queue(open, other, note);
        expect(await store.getScan('ticket-scan-1')).not.toBeNull();
        expect(await store.ticketOps()).toEqual([open, other, note]);
      });

      it('a replayed key is ignored and never resets a stored operation', async () => {
        const op = ticketOp();
        await queue(op);
        await store.completeTicketOp(op.id, delivered(op), ticket());
        // The same effects replayed, and a re-plan that made a new id for the same key: the key decides.
        await queue({ ...op, createdAt: at(9) });
        await queue({ ...op, id: 'to-replanned', nextAttemptAt: at(9) });
        expect(await store.ticketOps()).toEqual([{ ...op, ...delivered(op) }]);
        expect(await store.claimNextTicketOp(FAR_FUTURE, FAR_FUTURE)).toBeNull();
      });

      it('an operation for an episode that is not stored rolls the whole scan back', async () => {
        const fine = ticketOp();
        const orphan = ticketOp({ payload: { episodeId: 'ep-nowhere' } });
        await expect(
          store.saveScan(sampleScan({ id: 'doomed' }), { episodes: [episode({ id: 'ep-1' })], ticketOps: [fine, orphan] }),
        ).rejects.toThrow();
        expect(await store.getScan('doomed')).toBeNull();
        expect(await store.episodes('contoso')).toEqual([]);
        expect(await store.ticketOps()).toEqual([]);
      });

      it('an operation id already queued under another key rolls the whole scan back', async () => {
        const op = ticketOp();
        await queue(op);
        const clash = ticketOp({ id: op.id, idempotencyKey: 'ticket:ep-1:close', payload: { action: 'close' } });
        await expect(store.saveScan(sampleScan({ id: 'doomed' }), { ticketOps: [clash] })).rejects.toThrow();
        expect(await store.getScan('doomed')).toBeNull();
        expect(await store.ticketOps()).toEqual([op]);
      });
    });

    describe('claimNextTicketOp', () => {
      it('returns null on an empty queue', async () => {
        expect(await store.claimNextTicketOp(FAR_FUTURE, FAR_FUTURE)).toBeNull();
      });

      it('claims the head: attempt counted, lease set, returned as stored afterwards', async () => {
        const op = ticketOp({ nextAttemptAt: at(0) });
        await queue(op);
        const claimed = await store.claimNextTicketOp(at(1), at(5));
        expect(claimed).toEqual({ ...op, attempts: 1, nextAttemptAt: at(5) });
        expect(await store.ticketOps()).toEqual([claimed]);
      });

      it('is due from its next-attempt time on, inclusive', async () => {
        const op = ticketOp({ nextAttemptAt: at(10) });
        await queue(op);
        expect(await store.claimNextTicketOp(new Date(Date.parse(at(10)) - 1).toISOString(), at(20))).toBeNull();
        expect((await store.claimNextTicketOp(at(10), at(20)))?.id).toBe(op.id);
      });

      it('follows queue order, not due time: a later row due earlier waits behind the head', async () => {
        const head = ticketOp({ nextAttemptAt: at(5), createdAt: at(5) });
        const behind = ticketOp({ payload: { episodeId: 'ep-2' }, nextAttemptAt: at(0), createdAt: at(0) });
        await queue(head);
        await queue(behind);
        // The head is not due yet and blocks everything behind it, though that row is due.
        expect(await store.claimNextTicketOp(at(1), at(2))).toBeNull();
        expect(await store.claimNextTicketOp(at(4), at(6))).toBeNull();
        expect(await store.ticketOps()).toEqual([head, behind]);
        // Both due: still the head first.
        expect((await store.claimNextTicketOp(at(5), at(30)))?.id).toBe(head.id);
      });

      it('a leased head blocks the queue until its lease ends, then is claimed again', async () => {
        const first = ticketOp();
        const second = ticketOp({ payload: { episodeId: 'ep-2' } });
        await queue(first, second);
        expect((await store.claimNextTicketOp(at(0), at(10)))?.id).toBe(first.id);
        expect(await store.claimNextTicketOp(at(5), at(15))).toBeNull();
        expect(await store.claimNextTicketOp(new Date(Date.parse(at(10)) - 1).toISOString(), at(15))).toBeNull();
        // The lease ended without an outcome (a crashed dispatcher): the same head again, second attempt.
        expect(await store.claimNextTicketOp(at(10), at(20))).toEqual({ ...first, attempts: 2, nextAttemptAt: at(20) });
        expect((await store.ticketOps())[1]).toEqual(second);
      });

      it('a head retried later (still pending) keeps blocking; a delivered or failed head no longer does', async () => {
        const a = ticketOp({ payload: { episodeId: 'ep-a' } });
        const b = ticketOp({ payload: { episodeId: 'ep-b' } });
        const c = ticketOp({ payload: { episodeId: 'ep-c' } });
        await queue(a, b, c);
        const claimedA = (await store.claimNextTicketOp(at(0), at(1)))!;
        await store.completeTicketOp(a.id, { status: 'pending', attempts: claimedA.attempts, nextAttemptAt: at(30), lastError: 'HTTP 503', deliveredAt: null });
        expect(await store.claimNextTicketOp(at(20), at(21))).toBeNull();

        await store.completeTicketOp(a.id, { status: 'failed', attempts: 2, nextAttemptAt: at(30), lastError: 'HTTP 400', deliveredAt: null });
        const claimedB = await store.claimNextTicketOp(at(20), at(21));
        expect(claimedB?.id).toBe(b.id);
        await store.completeTicketOp(b.id, delivered(claimedB!, at(21)));
        expect((await store.claimNextTicketOp(at(21), at(22)))?.id).toBe(c.id);
        expect((await store.ticketOps()).map((o) => [o.id, o.status, o.attempts])).toEqual([
          [a.id, 'failed', 2],
          [b.id, 'delivered', 1],
          [c.id, 'pending', 1],
        ]);
      });

      const claimerKind = options.sameDatabase ? 'two store instances' : 'one store';
      it(`concurrent claimers on one database (${claimerKind}) get the head once, and nothing behind it while it is leased`, async () => {
        const ops = Array.from({ length: 8 }, (_, i) => ticketOp({ payload: { episodeId: `ep-${i}` }, nextAttemptAt: at(0) }));
        await queue(...ops.slice(0, 4));
        await queue(...ops.slice(4));
        const other = options.sameDatabase ? await options.sameDatabase(store) : null;
        try {
          const claimers = other ? [store, other, store, other] : [store, store, store, store];
          for (const [i, op] of ops.entries()) {
            const now = at(10 + i);
            const got = (await Promise.all(claimers.map((c) => c.claimNextTicketOp(now, FAR_FUTURE)))).filter((o) => o !== null);
            // Exactly one claimer got the head, and it is the head.
            expect(ids(got)).toEqual([op.id]);
            // While it is leased, nobody gets anything, the rows behind it included.
            const again = await Promise.all(claimers.map((c) => c.claimNextTicketOp(now, FAR_FUTURE)));
            expect(again).toEqual([null, null, null, null]);
            await (i % 2 === 0 ? store : (other ?? store)).completeTicketOp(op.id, delivered(got[0]!, now));
          }
          const stored = await store.ticketOps();
          expect(stored.map((o) => [o.status, o.attempts])).toEqual(ops.map(() => ['delivered', 1]));
        } finally {
          await other?.close();
        }
      });
    });

    describe('completeTicketOp', () => {
      it('records the outcome and the ticket together; ticketFor and tickets read it', async () => {
        const op = ticketOp();
        await queue(op);
        const claimed = (await store.claimNextTicketOp(at(0), at(1)))!;
        const made = ticket();
        await store.completeTicketOp(op.id, delivered(claimed), made);
        expect(await store.ticketOps()).toEqual([{ ...op, ...delivered(claimed) }]);
        expect(await store.ticketFor('ep-1')).toEqual(made);
        expect(await store.tickets()).toEqual([made]);
        expect(await store.ticketFor('ep-unknown')).toBeNull();
      });

      it('an outcome without a ticket only moves the operation', async () => {
        const op = ticketOp();
        await queue(op);
        const retry = { status: 'pending', attempts: 1, nextAttemptAt: at(7), lastError: 'HTTP 429 from PSA', deliveredAt: null } as const;
        await store.completeTicketOp(op.id, retry);
        expect(await store.ticketOps()).toEqual([{ ...op, ...retry }]);
        expect(await store.tickets()).toEqual([]);
      });

      it('a ticket already recorded for the episode is updated (state, id, updatedAt), keeping its creation time', async () => {
        const open = ticketOp();
        const close = ticketOp({ payload: { action: 'close', note: { text: 'Recovered', html: '<p>Recovered</p>' } } });
        await queue(open, close);
        await store.completeTicketOp(open.id, delivered(open), ticket());
        await store.completeTicketOp(
          close.id,
          delivered(close, at(9)),
          ticket({ ticketId: '48999', state: 'closed', createdAt: at(9), updatedAt: at(9) }),
        );
        const expected = ticket({ ticketId: '48999', state: 'closed', updatedAt: at(9) });
        expect(await store.ticketFor('ep-1')).toEqual(expected);
        expect(await store.tickets()).toEqual([expected]);
      });

      it('writes the operation and the ticket in one transaction: a refused ticket leaves the operation as it was', async () => {
        const op = ticketOp();
        await queue(op);
        const bad = { ...ticket(), state: 'lost' } as unknown as TicketRecord;
        await expect(store.completeTicketOp(op.id, delivered(op), bad)).rejects.toThrow();
        expect(await store.ticketOps()).toEqual([op]);
        expect(await store.ticketFor('ep-1')).toBeNull();
      });

      it('an unknown operation changes nothing and records no ticket', async () => {
        const op = ticketOp();
        await queue(op);
        await store.completeTicketOp('no-such-op', delivered(op), ticket());
        expect(await store.ticketOps()).toEqual([op]);
        expect(await store.tickets()).toEqual([]);
      });
    });

    describe('reading', () => {
      it('ticketOps lists queue order (not creation time), filtered by tenant and episode, and limited', async () => {
        const a1 = ticketOp({ payload: { episodeId: 'ep-a' }, createdAt: at(9) });
        const b1 = ticketOp({ payload: { episodeId: 'ep-b', tenantId: 'fabrikam' }, createdAt: at(1) });
        const a2 = ticketOp({ payload: { episodeId: 'ep-a', action: 'note', scanId: 's-5' }, createdAt: at(2) });
        await queue(a1, b1);
        await queue(a2);
        expect(ids(await store.ticketOps())).toEqual(ids([a1, b1, a2]));
        expect(ids(await store.ticketOps({ tenantId: 'contoso' }))).toEqual(ids([a1, a2]));
        expect(ids(await store.ticketOps({ tenantId: 'fabrikam' }))).toEqual(ids([b1]));
        expect(ids(await store.ticketOps({ episodeId: 'ep-a', limit: 1 }))).toEqual(ids([a1]));
        expect(ids(await store.ticketOps({ tenantId: 'contoso', episodeId: 'ep-b' }))).toEqual([]);
        expect(ids(await store.ticketOps({ limit: 2 }))).toEqual(ids([a1, b1]));
      });

      it('tickets lists oldest first, filtered by tenant', async () => {
        const ops = [
          ticketOp({ payload: { episodeId: 'ep-late' } }),
          ticketOp({ payload: { episodeId: 'ep-early', tenantId: 'fabrikam' } }),
          ticketOp({ payload: { episodeId: 'ep-mid' } }),
        ];
        await queue(...ops);
        const late = ticket({ episodeId: 'ep-late', createdAt: at(30), updatedAt: at(30) });
        const early = ticket({ episodeId: 'ep-early', tenantId: 'fabrikam', ticketId: '1', createdAt: at(10), updatedAt: at(10) });
        const mid = ticket({ episodeId: 'ep-mid', ticketId: '2', company: 2_147_483_647, createdAt: at(20), updatedAt: at(20) });
        for (const [i, t] of [late, early, mid].entries()) await store.completeTicketOp(ops[i]!.id, delivered(ops[i]!), t);
        expect(await store.tickets()).toEqual([early, mid, late]);
        expect(await store.tickets({ tenantId: 'contoso' })).toEqual([mid, late]);
        expect(await store.tickets({ tenantId: 'nobody' })).toEqual([]);
      });
    });

    it('stores U+FFFD for a NUL in any text, as every other row does', async () => {
      const op = ticketOp({ payload: { summary: 'Device PC\u000001 [ratchet:ep-1]', body: { text: 'a\u0000b', html: '<p>a\u0000b</p>' } } });
      await queue(op);
      expect((await store.ticketOps())[0]?.payload).toMatchObject({ summary: 'Device PC\uFFFD01 [ratchet:ep-1]', body: { text: 'a\uFFFDb' } });
      await store.completeTicketOp(
        op.id,
        { status: 'pending', attempts: 1, nextAttemptAt: at(0), lastError: 'PSA said \u0000', deliveredAt: null },
        ticket({ ticketId: 'T\u00001' }),
      );
      expect((await store.ticketOps())[0]?.lastError).toBe('PSA said \uFFFD');
      expect((await store.ticketFor('ep-1'))?.ticketId).toBe('T\uFFFD1');
    });
  });
}
