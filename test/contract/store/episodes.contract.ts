/** Episodes (EpisodeStore) written outside a scan: an acknowledgement and its audit entry commit together. */
import { describe, expect, it } from 'vitest';
import type { AuditStore, EpisodeStore } from '../../../src/store/store.js';
import { audit, episode, freshStoreForEachTest, type Lifecycle, type StoreFactory } from './fixtures.js';

export function episodeStoreContract(factory: StoreFactory<EpisodeStore & AuditStore>): void {
  describe('episodes', () => {
    let store: EpisodeStore & AuditStore & Lifecycle;
    freshStoreForEachTest(factory, (s) => (store = s));

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
