/** API tokens and browser sessions (AuthStore), with the audit entries written in the same transaction. */
import { describe, expect, it } from 'vitest';
import type { ApiTokenRecord, AuditStore, AuthStore, SessionRecord } from '../../../src/store/store.js';
import { audit, freshStoreForEachTest, type Lifecycle, type StoreFactory } from './fixtures.js';

const token = (over: Partial<ApiTokenRecord> = {}): ApiTokenRecord => ({
  id: 'a1b2c3d4e5f6',
  name: 'alice@msp',
  role: 'technician',
  tenants: ['contoso', 'fabrikam'],
  tokenHash: 'ab'.repeat(32),
  createdAt: '2025-01-01T00:00:00.000Z',
  createdBy: 'cli',
  lastUsedAt: null,
  revokedAt: null,
  revokedBy: null,
  ...over,
});

export function authStoreContract(factory: StoreFactory<AuthStore & AuditStore>): void {
  describe('auth', () => {
    let store: AuthStore & AuditStore & Lifecycle;
    freshStoreForEachTest(factory, (s) => (store = s));

    describe('API tokens (schema v3)', () => {
      it('round-trips a token with its scope; null scope means all tenants', async () => {
        await store.createToken(token());
        await store.createToken(token({ id: 'ffffffffffff', name: 'admin', role: 'admin', tenants: null, createdAt: '2025-01-02T00:00:00.000Z' }));
        expect(await store.getToken('a1b2c3d4e5f6')).toEqual(token());
        expect((await store.getToken('ffffffffffff'))?.tenants).toBeNull();
        expect(await store.getToken('000000000000')).toBeNull();
        expect((await store.listTokens()).map((t) => t.id)).toEqual(['a1b2c3d4e5f6', 'ffffffffffff']);
      });

      it('rejects a duplicate token id', async () => {
        await store.createToken(token());
        await expect(store.createToken(token({ name: 'other' }))).rejects.toThrow();
        expect(await store.listTokens()).toHaveLength(1);
      });

      it('writes the audit entry with the token, and nothing when the insert fails', async () => {
        await store.createToken(token(), audit({ id: 'a-create', action: 'token.created', tenantId: null, target: 'a1b2c3d4e5f6' }));
        await expect(store.createToken(token(), audit({ id: 'a-dup', action: 'token.created', tenantId: null }))).rejects.toThrow();
        expect((await store.auditLog()).map((e) => e.id)).toEqual(['a-create']);
      });

      it('revokes once: sessions go, the audit entry is written once, a second revoke changes nothing', async () => {
        await store.createToken(token());
        await store.createSession({ idHash: 'cd'.repeat(32), tokenId: 'a1b2c3d4e5f6', csrfSecret: 's', createdAt: '2025-01-01T00:00:00.000Z', expiresAt: '2099-01-01T00:00:00.000Z' });
        const revoked = await store.revokeToken('a1b2c3d4e5f6', '2025-02-01T00:00:00.000Z', 'admin', audit({ id: 'r1', action: 'token.revoked', tenantId: null }));
        expect(revoked).toMatchObject({ revokedAt: '2025-02-01T00:00:00.000Z', revokedBy: 'admin' });
        expect(await store.getSession('cd'.repeat(32))).toBeNull();
        const again = await store.revokeToken('a1b2c3d4e5f6', '2025-03-01T00:00:00.000Z', 'other', audit({ id: 'r2', action: 'token.revoked', tenantId: null }));
        expect(again?.revokedAt).toBe('2025-02-01T00:00:00.000Z');
        expect((await store.auditLog()).map((e) => e.id)).toEqual(['r1']);
        expect(await store.revokeToken('000000000000', '2025-02-01T00:00:00.000Z', 'admin')).toBeNull();
      });

      it('touchToken records the last use', async () => {
        await store.createToken(token());
        await store.touchToken('a1b2c3d4e5f6', '2025-01-05T00:00:00.000Z');
        expect((await store.getToken('a1b2c3d4e5f6'))?.lastUsedAt).toBe('2025-01-05T00:00:00.000Z');
      });
    });

    describe('sessions (schema v3)', () => {
      const session = (over: Partial<SessionRecord> = {}): SessionRecord => ({
        idHash: 'ef'.repeat(32),
        tokenId: 'a1b2c3d4e5f6',
        csrfSecret: 'csrf-secret',
        createdAt: '2025-01-01T00:00:00.000Z',
        expiresAt: '2025-01-01T12:00:00.000Z',
        ...over,
      });

      it('round-trips, deletes, and expires sessions', async () => {
        await store.createToken(token());
        await store.createSession(session(), audit({ id: 'login', action: 'login', tenantId: null }));
        await store.createSession(session({ idHash: '01'.repeat(32), expiresAt: '2025-01-02T00:00:00.000Z' }));
        expect(await store.getSession('ef'.repeat(32))).toEqual(session());
        expect((await store.auditLog()).map((e) => e.action)).toEqual(['login']);
        expect(await store.deleteExpiredSessions('2025-01-01T12:00:00.000Z')).toBe(1);
        expect(await store.getSession('ef'.repeat(32))).toBeNull();
        await store.deleteSession('01'.repeat(32), audit({ id: 'logout', action: 'logout', tenantId: null }));
        await store.deleteSession('01'.repeat(32), audit({ id: 'logout-2', action: 'logout', tenantId: null }));
        expect(await store.getSession('01'.repeat(32))).toBeNull();
        // Same timestamp: the later write is newer. The second delete found nothing and wrote no entry.
        expect((await store.auditLog()).map((e) => e.id)).toEqual(['logout', 'login']);
      });

      it('refuses a session for an unknown token', async () => {
        await expect(store.createSession(session({ tokenId: 'nope' }))).rejects.toThrow();
      });
    });
  });
}
