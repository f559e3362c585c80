/** The audit log (AuditStore): order, tenant scoping and limits. */
import { describe, expect, it } from 'vitest';
import type { AuditStore } from '../../../src/store/store.js';
import { audit, freshStoreForEachTest, type Lifecycle, type StoreFactory } from './fixtures.js';

export function auditStoreContract(factory: StoreFactory<AuditStore>): void {
  describe('audit', () => {
    let store: AuditStore & Lifecycle;
    freshStoreForEachTest(factory, (s) => (store = s));

    describe('audit log (schema v3)', () => {
      it('lists newest first, filters by tenant scope and global entries, honours limit', async () => {
        await store.appendAudit(audit({ id: 'e1', at: '2025-01-01T00:00:00.000Z', tenantId: 'contoso' }));
        await store.appendAudit(audit({ id: 'e2', at: '2025-01-02T00:00:00.000Z', tenantId: 'fabrikam' }));
        await store.appendAudit(audit({ id: 'e3', at: '2025-01-03T00:00:00.000Z', tenantId: null, action: 'token.created' }));
        await store.appendAudit(audit({ id: 'e4', at: '2025-01-03T00:00:00.000Z', tenantId: 'contoso' }));
        const ids = async (q?: Parameters<AuditStore['auditLog']>[0]) => (await store.auditLog(q)).map((e) => e.id);
        expect(await ids()).toEqual(['e4', 'e3', 'e2', 'e1']);
        expect(await ids({ tenants: ['contoso'] })).toEqual(['e4', 'e3', 'e1']);
        expect(await ids({ tenants: ['contoso'], global: false })).toEqual(['e4', 'e1']);
        expect(await ids({ tenants: [], global: true })).toEqual(['e3']);
        expect(await ids({ tenants: [], global: false })).toEqual([]);
        expect(await ids({ limit: 2 })).toEqual(['e4', 'e3']);
        expect((await store.auditLog())[0]?.detail).toEqual({ kind: 'dr_plan', nested: { n: 1 } });
      });
    });
  });
}
