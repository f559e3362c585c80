/** Attestations (AttestationStore), with the audit entries written in the same transaction. */
import { describe, expect, it } from 'vitest';
import type { Attestation } from '../../../src/domain/attestation.js';
import type { AttestationStore, AuditStore } from '../../../src/store/store.js';
import { audit, freshStoreForEachTest, type Lifecycle, type StoreFactory } from './fixtures.js';

const attestation = (over: Partial<Attestation> = {}): Attestation => ({
  id: 'att-1',
  tenantId: 'contoso',
  kind: 'dr_plan',
  note: 'DR plan v3 approved by the client — "Ünïcode" <b>not html</b>',
  fileRef: 'https://dms.example/dr-plan-v3.pdf',
  author: 'alice@msp',
  attestedAt: '2025-01-10T00:00:00.000Z',
  expiresAt: '2026-01-10T00:00:00.000Z',
  createdAt: '2025-01-11T09:00:00.000Z',
  revokedAt: null,
  revokedBy: null,
  ...over,
});

export function attestationStoreContract(factory: StoreFactory<AttestationStore & AuditStore>): void {
  describe('attestations', () => {
    let store: AttestationStore & AuditStore & Lifecycle;
    freshStoreForEachTest(factory, (s) => (store = s));

    describe('attestations (schema v3)', () => {
      it('round-trips attestations per tenant, newest first', async () => {
        await store.saveAttestation(attestation(), audit());
        await store.saveAttestation(attestation({ id: 'att-2', kind: 'restore_test', fileRef: null, createdAt: '2025-01-12T00:00:00.000Z' }));
        await store.saveAttestation(attestation({ id: 'att-3', tenantId: 'fabrikam' }));
        expect(await store.getAttestation('att-1')).toEqual(attestation());
        expect(await store.getAttestation('nope')).toBeNull();
        expect((await store.attestations('contoso')).map((a) => a.id)).toEqual(['att-2', 'att-1']);
        expect((await store.attestations('contoso', { limit: 1 })).map((a) => a.id)).toEqual(['att-2']);
        expect((await store.attestations('fabrikam')).map((a) => a.id)).toEqual(['att-3']);
        expect(await store.attestations('nobody')).toEqual([]);
        await expect(store.saveAttestation(attestation())).rejects.toThrow();
      });

      it('lists every tenant\'s attestations, oldest first, revoked ones included', async () => {
        expect(await store.allAttestations()).toEqual([]);
        await store.saveAttestation(attestation({ id: 'att-2', createdAt: '2025-01-12T00:00:00.000Z' }));
        await store.saveAttestation(attestation({ id: 'att-3', tenantId: 'fabrikam', createdAt: '2025-01-12T00:00:00.000Z' }));
        await store.saveAttestation(attestation());
        await store.revokeAttestation('att-3', '2025-02-01T00:00:00.000Z', 'bob');
        const all = await store.allAttestations();
        expect(all.map((a) => a.id)).toEqual(['att-1', 'att-2', 'att-3']);
        expect(all[2]).toMatchObject({ tenantId: 'fabrikam', revokedBy: 'bob' });
      });

      it('revokes once, with one audit entry', async () => {
        await store.saveAttestation(attestation());
        const a = await store.revokeAttestation('att-1', '2025-02-01T00:00:00.000Z', 'bob', audit({ id: 'rv1', action: 'attestation.revoked' }));
        expect(a).toMatchObject({ revokedAt: '2025-02-01T00:00:00.000Z', revokedBy: 'bob' });
        const again = await store.revokeAttestation('att-1', '2025-03-01T00:00:00.000Z', 'carol', audit({ id: 'rv2', action: 'attestation.revoked' }));
        expect(again?.revokedBy).toBe('bob');
        expect((await store.auditLog()).map((e) => e.id)).toEqual(['rv1']);
        expect(await store.revokeAttestation('nope', '2025-02-01T00:00:00.000Z', 'bob')).toBeNull();
      });
    });
  });
}
