/**
 * `Store.saveScan` with effects, the unit of work across aggregates: a finished scan, the episodes it opens,
 * confirms or closes, and the alerts it queues commit together or not at all (src/store/store.ts). If any part is
 * refused, no scan, no episode change and no delivery remains — otherwise a retried scan would find its alert
 * already queued for a scan history does not show, or an episode confirmed by a scan that never happened.
 *
 * The failures here are ones the adapter really produces from rows the types allow: a delivery id already taken
 * under another idempotency key, a delivery for an episode that is not stored, a duplicate scan id.
 */
import { describe, expect, it } from 'vitest';
import type { Store } from '../../../src/store/store.js';
import { sampleScan } from '../../helpers/sample-scan.js';
import { at, delivery, episode, freshStoreForEachTest, type Lifecycle, type StoreContractOptions, type StoreFactory } from './fixtures.js';

export function scanEffectsContract(factory: StoreFactory<Store>, options: StoreContractOptions = {}): void {
  describe('saveScan with effects', () => {
    let store: Store & Lifecycle;
    freshStoreForEachTest(factory, (s) => (store = s));

    /** What a first scan leaves behind: an open episode and its queued alert. */
    const opened = episode({ id: 'ep-1', state: 'pending', confirmedAt: null, confirmedScanId: null, confirmations: 1 });
    const firstAlert = delivery({ episodeId: 'ep-1', channel: '0:webhook' });
    const first = sampleScan({ id: 'scan-1', startedAt: '2025-01-01T02:00:00.000Z' });
    const second = sampleScan({ id: 'scan-2', startedAt: '2025-01-02T02:00:00.000Z' });

    const expectUnchangedAfterFirst = async (): Promise<void> => {
      expect(await store.getScan('scan-2')).toBeNull();
      expect((await store.listScans('contoso')).map((s) => s.id)).toEqual(['scan-1']);
      expect(await store.episodes('contoso')).toEqual([opened]);
      expect(await store.deliveries()).toEqual([firstAlert]);
      expect(await store.dueDeliveries(at(60), 10)).toEqual([firstAlert]);
      if (options.rowCounts) {
        const counts = await options.rowCounts(store, 'scan-2');
        expect(Object.values(counts).every((n) => n === 0), JSON.stringify(counts)).toBe(true);
      }
    };

    it('writes the scan, its episode upserts and its deliveries together', async () => {
      await store.saveScan(first, { episodes: [opened], deliveries: [firstAlert] });
      const confirmed = { ...opened, state: 'confirmed' as const, confirmedAt: at(0), confirmedScanId: 'scan-2', confirmations: 2 };
      const recovery = delivery({ episodeId: 'ep-1', event: 'recovery' });
      await store.saveScan(second, { episodes: [confirmed], deliveries: [recovery] });

      expect(await store.getScan('scan-2')).toEqual(second);
      // Upsert by id: the second scan's version replaces the first's, it does not add an episode.
      expect(await store.episodes('contoso')).toEqual([confirmed]);
      expect(await store.deliveries({ episodeId: 'ep-1' })).toEqual([firstAlert, recovery]);
    });

    it('a delivery id already queued under another key rolls back the scan, its episode changes and its other deliveries', async () => {
      await store.saveScan(first, { episodes: [opened], deliveries: [firstAlert] });

      const confirmed = { ...opened, state: 'confirmed' as const, confirmedAt: at(0), confirmedScanId: 'scan-2', confirmations: 2 };
      const newEpisode = episode({ id: 'ep-2', kind: 'visibility', lostKeys: ['m365.secure_score'] });
      const fine = delivery({ episodeId: 'ep-2', event: 'lost_visibility' });
      // Same row id as the queued alert, different key: not a replay but a second row with a taken identity.
      const clash = delivery({ id: firstAlert.id, episodeId: 'ep-1', channel: '1:teams' });
      // The bad row comes last, so the scan, both episodes and the good row are written before it fails.
      await expect(
        store.saveScan(second, { episodes: [confirmed, newEpisode], deliveries: [fine, clash] }),
      ).rejects.toThrow();
      await expectUnchangedAfterFirst();

      // Nothing of the failed attempt lingers: the corrected save goes through and queues its row once.
      await store.saveScan(second, { episodes: [confirmed, newEpisode], deliveries: [fine] });
      expect(await store.getScan('scan-2')).toEqual(second);
      expect(await store.deliveries()).toEqual([firstAlert, fine]);
    });

    it('a delivery for an episode that is not stored rolls back the scan and its episode changes', async () => {
      await store.saveScan(first, { episodes: [opened], deliveries: [firstAlert] });
      const closed = { ...opened, state: 'closed' as const, closedAt: at(0), closedScanId: 'scan-2' };
      const orphan = delivery({ episodeId: 'ep-nowhere', event: 'recovery' });
      await expect(
        store.saveScan(second, { episodes: [closed], deliveries: [delivery({ episodeId: 'ep-1', event: 'recovery' }), orphan] }),
      ).rejects.toThrow();
      await expectUnchangedAfterFirst();
    });

    it('a duplicate scan id writes none of its effects', async () => {
      await store.saveScan(first, { episodes: [opened], deliveries: [firstAlert] });
      const impostor = sampleScan({ id: 'scan-1', startedAt: '2025-01-02T02:00:00.000Z', level: 1 });
      const closed = { ...opened, state: 'closed' as const, closedAt: at(0), closedScanId: 'scan-1' };
      await expect(
        store.saveScan(impostor, {
          episodes: [closed, episode({ id: 'ep-2' })],
          deliveries: [delivery({ episodeId: 'ep-1', event: 'recovery' }), delivery({ episodeId: 'ep-2' })],
        }),
      ).rejects.toThrow();
      expect(await store.getScan('scan-1')).toEqual(first);
      expect(await store.episodes('contoso')).toEqual([opened]);
      expect(await store.deliveries()).toEqual([firstAlert]);
    });
  });
}
