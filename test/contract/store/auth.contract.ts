/**
 * API tokens and browser sessions (AuthStore), with the audit entries written in the same transaction; the sessions
 * of people signed in through OpenID Connect and their sign-ins in progress (schema v8), whose take is single use
 * across store instances on one database.
 */
import { describe, expect, it } from 'vitest';
import type {
  ApiTokenRecord,
  AuditStore,
  AuthStore,
  OidcLoginRecord,
  SessionRecord,
  UserSessionRecord,
} from '../../../src/store/store.js';
import { audit, freshStoreForEachTest, type Lifecycle, type StoreContractOptions, type StoreFactory } from './fixtures.js';

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

const userSession = (over: Partial<UserSessionRecord> = {}): UserSessionRecord => ({
  idHash: '5a'.repeat(32),
  person: {
    subject: '00000000-0000-0000-0000-00000000a11c',
    name: 'Alice Müller',
    upn: 'alice@msp.example',
    issuer: 'https://login.microsoftonline.com/11111111-2222-3333-4444-555555555555/v2.0',
  },
  role: 'technician',
  tenants: ['contoso', 'fabrikam'],
  csrfSecret: 'csrf-secret-of-alice',
  createdAt: '2025-01-01T00:00:00.000Z',
  expiresAt: '2025-01-01T12:00:00.000Z',
  ...over,
});

const oidcLogin = (over: Partial<OidcLoginRecord> = {}): OidcLoginRecord => ({
  idHash: '7c'.repeat(32),
  state: 'state-value',
  nonce: 'nonce-value',
  codeVerifier: 'pkce-code-verifier-of-at-least-43-characters-xyz',
  next: '/tenants/contoso',
  createdAt: '2025-01-01T00:00:00.000Z',
  expiresAt: '2025-01-01T00:10:00.000Z',
  ...over,
});

export function authStoreContract(factory: StoreFactory<AuthStore & AuditStore>, options: StoreContractOptions = {}): void {
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

    describe('sessions of people signed in through OpenID Connect (schema v8)', () => {
      it('round-trips a session with its person, role and tenant scope; no upn and null scope (all tenants) too', async () => {
        const scoped = userSession();
        const everywhere = userSession({
          idHash: '6b'.repeat(32),
          person: { ...userSession().person, subject: 'bob-oid', name: 'Bob', upn: null },
          role: 'admin',
          tenants: null,
        });
        await store.createUserSession(scoped);
        await store.createUserSession(everywhere);
        expect(await store.getUserSession(scoped.idHash)).toEqual(scoped);
        const read = await store.getUserSession(everywhere.idHash);
        expect(read).toEqual(everywhere);
        expect(read?.person.upn).toBeNull();
        expect(read?.tenants).toBeNull();
        expect(await store.getUserSession('00'.repeat(32))).toBeNull();
        // A person's session is not a token session, even under the same id.
        expect(await store.getSession(scoped.idHash)).toBeNull();
      });

      it('an empty tenant scope stays empty (not all tenants)', async () => {
        await store.createUserSession(userSession({ tenants: [] }));
        expect((await store.getUserSession(userSession().idHash))?.tenants).toEqual([]);
      });

      it('stores U+FFFD for a NUL in text from the identity provider', async () => {
        await store.createUserSession(userSession({ person: { ...userSession().person, name: 'Ali\u0000ce', upn: 'a\u0000@msp' } }));
        expect((await store.getUserSession(userSession().idHash))?.person).toMatchObject({ name: 'Ali\uFFFDce', upn: 'a\uFFFD@msp' });
      });

      it('rejects a duplicate id, keeping the first session and writing no audit entry for the second', async () => {
        await store.createUserSession(userSession(), audit({ id: 'login-1', action: 'login', tenantId: null }));
        await expect(
          store.createUserSession(userSession({ role: 'admin', tenants: null }), audit({ id: 'login-2', action: 'login', tenantId: null })),
        ).rejects.toThrow();
        expect(await store.getUserSession(userSession().idHash)).toEqual(userSession());
        expect((await store.auditLog()).map((e) => e.id)).toEqual(['login-1']);
      });

      it('creates a session and its audit entry in one transaction: a failing entry leaves no session', async () => {
        await store.appendAudit(audit({ id: 'taken', action: 'other', tenantId: null }));
        await expect(store.createUserSession(userSession(), audit({ id: 'taken', action: 'login', tenantId: null }))).rejects.toThrow();
        expect(await store.getUserSession(userSession().idHash)).toBeNull();
      });

      it('deletes a session with its audit entry in one transaction; an unknown id still writes the entry', async () => {
        await store.createUserSession(userSession());
        await store.createUserSession(userSession({ idHash: '6b'.repeat(32) }));
        await store.appendAudit(audit({ id: 'taken', action: 'other', tenantId: null }));
        // The entry cannot be written (duplicate id): the delete rolls back with it.
        await expect(store.deleteUserSession(userSession().idHash, audit({ id: 'taken', action: 'logout', tenantId: null }))).rejects.toThrow();
        expect(await store.getUserSession(userSession().idHash)).toEqual(userSession());

        await store.deleteUserSession(userSession().idHash, audit({ id: 'logout', action: 'logout', tenantId: null }));
        expect(await store.getUserSession(userSession().idHash)).toBeNull();
        expect(await store.getUserSession('6b'.repeat(32))).not.toBeNull();
        await store.deleteUserSession(userSession().idHash, audit({ id: 'logout-again', action: 'logout', tenantId: null }));
        await store.deleteUserSession('6b'.repeat(32));
        expect(await store.getUserSession('6b'.repeat(32))).toBeNull();
        // Same timestamp: the later write is newer.
        expect((await store.auditLog()).map((e) => e.id)).toEqual(['logout-again', 'logout', 'taken']);
      });

      it('deleteExpiredSessions removes expired token sessions, sessions of people and sign-ins, and counts them all', async () => {
        const now = '2025-01-01T12:00:00.000Z';
        await store.createToken(token());
        const tokenSession = (idHash: string, expiresAt: string): SessionRecord => ({
          idHash, tokenId: 'a1b2c3d4e5f6', csrfSecret: 's', createdAt: '2025-01-01T00:00:00.000Z', expiresAt,
        });
        await store.createSession(tokenSession('01'.repeat(32), '2025-01-01T11:59:59.999Z'));
        await store.createSession(tokenSession('02'.repeat(32), '2025-01-01T12:00:00.001Z'));
        // Expiry exactly at `now` counts as expired ("at or before").
        await store.createUserSession(userSession({ idHash: '11'.repeat(32), expiresAt: now }));
        await store.createUserSession(userSession({ idHash: '12'.repeat(32), expiresAt: '2024-12-31T00:00:00.000Z' }));
        await store.createUserSession(userSession({ idHash: '13'.repeat(32), expiresAt: '2025-01-02T00:00:00.000Z' }));
        await store.saveOidcLogin(oidcLogin({ idHash: '21'.repeat(32), expiresAt: '2025-01-01T11:10:00.000Z' }));
        await store.saveOidcLogin(oidcLogin({ idHash: '22'.repeat(32), expiresAt: '2025-01-01T12:10:00.000Z' }));

        expect(await store.deleteExpiredSessions(now)).toBe(4);
        expect(await store.getSession('01'.repeat(32))).toBeNull();
        expect(await store.getSession('02'.repeat(32))).not.toBeNull();
        expect(await store.getUserSession('11'.repeat(32))).toBeNull();
        expect(await store.getUserSession('12'.repeat(32))).toBeNull();
        expect(await store.getUserSession('13'.repeat(32))).not.toBeNull();
        // The expired sign-in is gone even for a caller whose clock says it is still valid.
        expect(await store.takeOidcLogin('21'.repeat(32), '2025-01-01T11:00:00.000Z')).toBeNull();
        expect(await store.takeOidcLogin('22'.repeat(32), now)).toEqual(oidcLogin({ idHash: '22'.repeat(32), expiresAt: '2025-01-01T12:10:00.000Z' }));
        expect(await store.deleteExpiredSessions(now)).toBe(0);
      });
    });

    describe('sign-ins in progress (schema v8)', () => {
      it('takes a sign-in once: the first take returns it as saved, a second finds nothing', async () => {
        await store.saveOidcLogin(oidcLogin());
        await store.saveOidcLogin(oidcLogin({ idHash: '8d'.repeat(32), state: 'other-state' }));
        expect(await store.takeOidcLogin(oidcLogin().idHash, '2025-01-01T00:05:00.000Z')).toEqual(oidcLogin());
        expect(await store.takeOidcLogin(oidcLogin().idHash, '2025-01-01T00:05:00.000Z')).toBeNull();
        expect(await store.takeOidcLogin('00'.repeat(32), '2025-01-01T00:05:00.000Z')).toBeNull();
        // Taking one leaves the others alone.
        expect((await store.takeOidcLogin('8d'.repeat(32), '2025-01-01T00:05:00.000Z'))?.state).toBe('other-state');
      });

      it('an expired sign-in (expiry at or before now) is deleted and not returned', async () => {
        await store.saveOidcLogin(oidcLogin());
        expect(await store.takeOidcLogin(oidcLogin().idHash, oidcLogin().expiresAt)).toBeNull();
        // Deleted, not merely hidden: an earlier clock finds nothing either.
        expect(await store.takeOidcLogin(oidcLogin().idHash, '2025-01-01T00:00:01.000Z')).toBeNull();
        expect(await store.deleteExpiredSessions('9999-12-31T23:59:59.999Z')).toBe(0);
      });

      it('stores U+FFFD for a NUL in text', async () => {
        await store.saveOidcLogin(oidcLogin({ next: '/tenants/a\u0000b' }));
        expect((await store.takeOidcLogin(oidcLogin().idHash, '2025-01-01T00:05:00.000Z'))?.next).toBe('/tenants/a\uFFFDb');
      });

      const takerKind = options.sameDatabase ? 'two store instances' : 'one store';
      it(`concurrent takes on one database (${takerKind}) hand each sign-in to exactly one taker`, async () => {
        const logins = Array.from({ length: 8 }, (_, i) => oidcLogin({ idHash: i.toString(16).padStart(2, '0').repeat(32), state: `state-${i}` }));
        for (const login of logins) await store.saveOidcLogin(login);
        const other = options.sameDatabase ? ((await options.sameDatabase(store)) as AuthStore & Lifecycle) : null;
        try {
          const takers = other ? [store, other, store, other] : [store, store, store, store];
          const now = '2025-01-01T00:05:00.000Z';
          const results = await Promise.all(logins.flatMap((login) => takers.map((t) => t.takeOidcLogin(login.idHash, now))));
          const got = results.filter((r) => r !== null);
          // Every sign-in was handed out once, whole; nobody got one twice.
          expect(got.map((r) => r.state).sort()).toEqual(logins.map((l) => l.state).sort());
          for (const login of logins) expect(got.filter((r) => r.idHash === login.idHash)).toEqual([login]);
          expect(await Promise.all(takers.map((t) => t.takeOidcLogin(logins[0]!.idHash, now)))).toEqual([null, null, null, null]);
        } finally {
          await other?.close();
        }
      });
    });
  });
}
