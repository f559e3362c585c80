/** Episodes (EpisodeStore) written outside a scan: an acknowledgement and its audit entry commit together. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Episode } from '../../../src/domain/episode.js';
import type { AuditStore, EpisodeStore } from '../../../src/store/store.js';
import { audit, type Lifecycle, type StoreFactory } from './fixtures.js';

const episode = (over: Partial<Episode> = {}): Episode => ({
  id: 'ep-1',
  tenantId: 'contoso',
  kind: 'regression',
  state: 'confirmed',
  openedAt: '2025-01-02T00:00:00.000Z',
  openedScanId: 's-1',
  baselineScanId: null,
  confirmedAt: '2025-01-03T00:00:00.000Z',
  confirmedScanId: 's-2',
  closedAt: null,
  closedScanId: null,
  confirmations: 2,
  previousLevel: 3,
  currentLevel: 2,
  drops: [],
  lostKeys: [],
  acknowledgedAt: null,
  acknowledgedBy: null,
  acknowledgement: null,
  ...over,
});

export function episodeStoreContract(factory: StoreFactory<EpisodeStore & AuditStore>): void {
  describe('episodes', () => {
    let store: EpisodeStore & AuditStore & Lifecycle;

    beforeEach(async () => {
      store = await factory();
      await store.migrate();
    });

    afterEach(async () => {
      await store.close();
    });

    describe('acknowledgement', () => {
      it('acknowledging an episode writes the episode and its audit entry together', async () => {
        await store.saveEpisode(episode());
        const acked = episode({ acknowledgedAt: '2025-01-04T00:00:00.000Z', acknowledgedBy: 'alice@msp', acknowledgement: 'ticket #42' });
        await store.saveEpisode(acked, audit({ id: 'ack', action: 'episode.acknowledged', target: 'ep-1' }));
        expect(await store.episodes('contoso')).toEqual([acked]);
        expect((await store.auditLog()).map((e) => e.id)).toEqual(['ack']);
      });
    });
  });
}
