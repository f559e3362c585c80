/**
 * The outbox of scheduled client reports (ReportOutboxStore, schema v6): what src/report/delivery relies on. A key
 * already queued is ignored (a second planner or a restart queues nothing) and reported as not queued; rows are due
 * from their next-attempt time; a claim is atomic across store instances on one database (never the same row twice);
 * updates move a row on; a delivered row is never reset by a re-plan.
 */
import { describe, expect, it } from 'vitest';
import type { ReportDelivery } from '../../../src/domain/report-delivery.js';
import type { ReportOutboxStore } from '../../../src/store/store.js';
import { at, freshStoreForEachTest, type Lifecycle, type StoreFactory } from './fixtures.js';

let n = 0;
function reportRow({ tenantId = 'contoso', ...over }: Partial<ReportDelivery> & { tenantId?: string } = {}): ReportDelivery {
  n += 1;
  const key = over.idempotencyKey ?? `report:qbr:${tenantId}:2026-Q${(n % 4) + 1}-${n}`;
  return {
    id: over.id ?? `rd-${n}`,
    idempotencyKey: key,
    payload: {
      scheduleId: 'qbr',
      tenantId,
      period: { label: '2026-Q3', from: '2026-07-01T00:00:00.000Z', to: '2026-10-01T00:00:00.000Z' },
      format: 'pdf',
      brand: null,
      to: ['it@contoso.example'],
    },
    status: 'pending',
    attempts: 0,
    nextAttemptAt: over.nextAttemptAt ?? at(0),
    lastError: null,
    createdAt: over.createdAt ?? at(0),
    deliveredAt: null,
    ...over,
  };
}

export function reportOutboxStoreContract(factory: StoreFactory<ReportOutboxStore>): void {
  describe('report outbox', () => {
    let store: ReportOutboxStore & Lifecycle;
    freshStoreForEachTest(factory, (s) => (store = s));

    it('stores queued rows exactly as given and returns the rows it queued', async () => {
      const rows = [reportRow(), reportRow({ tenantId: 'fabrikam' })];
      expect(await store.queueReportDeliveries(rows)).toEqual(rows);
      expect(await store.reportDeliveries()).toEqual(rows);
      expect(await store.reportDeliveries({ tenantId: 'fabrikam' })).toEqual([rows[1]]);
    });

    it('a key already queued is ignored and never resets the stored row', async () => {
      const row = reportRow();
      await store.queueReportDeliveries([row]);
      await store.updateReportDelivery(row.id, { status: 'delivered', attempts: 1, nextAttemptAt: row.nextAttemptAt, lastError: null, deliveredAt: at(1) });
      const replanned = reportRow({ idempotencyKey: row.idempotencyKey, createdAt: at(5) });
      expect(await store.queueReportDeliveries([replanned])).toEqual([]);
      const [stored] = await store.reportDeliveries();
      expect(stored).toMatchObject({ id: row.id, status: 'delivered', attempts: 1, deliveredAt: at(1) });
      expect(await store.reportDeliveries()).toHaveLength(1);
    });

    it('claims due rows only, counting the attempt and setting the lease', async () => {
      const due = reportRow({ nextAttemptAt: at(0) });
      const later = reportRow({ nextAttemptAt: at(10) });
      await store.queueReportDeliveries([due, later]);
      const claimed = await store.claimDueReportDeliveries(at(1), 10, at(2));
      expect(claimed).toEqual([{ ...due, attempts: 1, nextAttemptAt: at(2) }]);
      // Held by the lease: not claimable again until it ends.
      expect(await store.claimDueReportDeliveries(at(1), 10, at(3))).toEqual([]);
      expect((await store.claimDueReportDeliveries(at(11), 10, at(12))).map((d) => d.id)).toEqual([due.id, later.id]);
    });

    it('an updated row follows its new state', async () => {
      const row = reportRow();
      await store.queueReportDeliveries([row]);
      await store.updateReportDelivery(row.id, { status: 'failed', attempts: 3, nextAttemptAt: at(1), lastError: 'SMTP 550', deliveredAt: null });
      expect(await store.claimDueReportDeliveries(at(60), 10, at(61))).toEqual([]);
      expect((await store.reportDeliveries())[0]).toMatchObject({ status: 'failed', attempts: 3, lastError: 'SMTP 550' });
      await store.updateReportDelivery('no-such-row', { status: 'failed', attempts: 1, nextAttemptAt: at(1), lastError: null, deliveredAt: null });
      expect(await store.reportDeliveries()).toHaveLength(1);
    });
  });
}
