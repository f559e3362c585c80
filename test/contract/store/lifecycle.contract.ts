/** The store as a whole: migrations are idempotent, and a closed store refuses every further use. */
import { describe, expect, it } from 'vitest';
import { freshStoreForEachTest } from './fixtures.js';
import type { Store } from '../../../src/store/store.js';
import { sampleScan } from '../../helpers/sample-scan.js';
import type { Lifecycle, StoreFactory } from './fixtures.js';

export function lifecycleContract(factory: StoreFactory<Store>): void {
  describe('lifecycle', () => {
    let store: Store & Lifecycle;
    freshStoreForEachTest(factory, (s) => (store = s));

    describe('migrate', () => {
      it('is idempotent: migrating again changes nothing and the store keeps working', async () => {
        const first = sampleScan({ id: 'before' });
        await store.saveScan(first);
        await store.migrate();
        await store.migrate();
        expect(await store.getScan('before')).toEqual(first);
        const second = sampleScan({ id: 'after', startedAt: '2025-03-01T00:00:00.000Z' });
        await store.saveScan(second);
        expect((await store.listScans('contoso')).map((s) => s.id)).toEqual(['after', 'before']);
      });
    });

    describe('close', () => {
      it('closes idempotently and refuses further use', async () => {
        await store.saveScan(sampleScan());
        await store.close();
        await store.close();
        await expect(store.getScan('scan-contoso-0001')).rejects.toThrow(/closed/i);
        await expect(store.saveScan(sampleScan({ id: 'late' }))).rejects.toThrow(/closed/i);
        await expect(store.listScans('contoso')).rejects.toThrow(/closed/i);
        await expect(store.tenantIds()).rejects.toThrow(/closed/i);
      });
    });
  });
}
