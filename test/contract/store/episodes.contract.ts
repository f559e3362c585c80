/** Episodes (EpisodeStore) written outside a scan: an acknowledgement and its audit entry commit together. */
import { describe, expect, it } from 'vitest';
import type { AuditStore, EpisodeStore } from '../../../src/store/store.js';
import { audit, episode, freshStoreForEachTest, type Lifecycle, type StoreFactory } from './fixtures.js';
import { sampleForecast } from '../../../src/foresight/test-support.js';

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

    describe('at-risk episodes (schema v9)', () => {
      it('stores an at_risk episode with its forecast, updates and closes it, and lists it beside the others', async () => {
        const forecast = [sampleForecast()];
        const regression = episode({ id: 'ep-reg', openedAt: '2025-01-01T00:00:00.000Z' });
        const atRisk = episode({ id: 'ep-risk', kind: 'at_risk', previousLevel: 3, currentLevel: 3, forecast });
        await store.saveEpisode(regression);
        await store.saveEpisode(atRisk);
        expect(await store.episodes('contoso', { open: true })).toEqual([atRisk, regression]);
        const closed = { ...atRisk, state: 'closed' as const, closedAt: '2025-01-05T00:00:00.000Z', closedScanId: 's-5', closedReason: 'cleared' as const };
        await store.saveEpisode(closed);
        expect(await store.episodes('contoso', { open: true })).toEqual([regression]);
        expect(await store.episodes('contoso')).toEqual([closed, regression]);
      });
    });
  });
}
