/**
 * API tokens and browser sessions in SQLite. Both live in one module because revoking a token deletes its sessions
 * in the same transaction: a revoked token must not live on in a signed-in browser. The sessions of people signed in
 * through OpenID Connect and their sign-ins in progress (schema v8) live here too: one sweep expires every kind.
 */
import type Database from 'better-sqlite3';
import type { AuditEntry } from '../../domain/audit.js';
import { sessionFromRow, sessionRow, tokenFromRow, tokenRow, type SessionRow, type TokenRow } from '../rows.js';
import type { ApiTokenRecord, AuthStore, OidcLoginRecord, SessionRecord, UserSessionRecord } from '../store.js';
import {
  oidcLoginFromRow,
  oidcLoginRow,
  userSessionFromRow,
  userSessionRow,
  type OidcLoginRow,
  type UserSessionRow,
} from '../user-session-rows.js';
import { stageAuditEntry } from './audit.js';
import { SQLITE_ROWS, type SqliteConnection } from './connection.js';

const fromTokenRow = (r: TokenRow<string>): ApiTokenRecord => tokenFromRow(r, SQLITE_ROWS);

const prepareAuthStatements = (db: Database.Database) => ({
  insertToken: db.prepare(`INSERT INTO api_tokens (id, name, role, tenants_json, token_hash, created_at, created_by,
        last_used_at, revoked_at, revoked_by)
      VALUES (@id, @name, @role, @tenants_json, @token_hash, @created_at, @created_by, @last_used_at, @revoked_at, @revoked_by)`),
  getToken: db.prepare<[string], TokenRow<string>>('SELECT * FROM api_tokens WHERE id = ?'),
  listTokens: db.prepare<[], TokenRow<string>>('SELECT * FROM api_tokens ORDER BY created_at, rowid'),
  revokeToken: db.prepare<[{ id: string; at: string; by: string }]>(
    'UPDATE api_tokens SET revoked_at = @at, revoked_by = @by WHERE id = @id AND revoked_at IS NULL',
  ),
  deleteSessionsOfToken: db.prepare<[string]>('DELETE FROM sessions WHERE token_id = ?'),
  touchToken: db.prepare<[{ id: string; at: string }]>('UPDATE api_tokens SET last_used_at = @at WHERE id = @id'),
  insertSession: db.prepare(`INSERT INTO sessions (id, token_id, csrf_secret, created_at, expires_at)
      VALUES (@id, @token_id, @csrf_secret, @created_at, @expires_at)`),
  getSession: db.prepare<[string], SessionRow>('SELECT * FROM sessions WHERE id = ?'),
  deleteSession: db.prepare<[string]>('DELETE FROM sessions WHERE id = ?'),
  deleteExpiredSessions: db.prepare<[string]>('DELETE FROM sessions WHERE expires_at <= ?'),
  insertUserSession: db.prepare(`INSERT INTO user_sessions (id_hash, issuer, subject, name, upn, role, tenants_json,
        csrf_secret, created_at, expires_at)
      VALUES (@id_hash, @issuer, @subject, @name, @upn, @role, @tenants_json, @csrf_secret, @created_at, @expires_at)`),
  getUserSession: db.prepare<[string], UserSessionRow<string>>('SELECT * FROM user_sessions WHERE id_hash = ?'),
  deleteUserSession: db.prepare<[string]>('DELETE FROM user_sessions WHERE id_hash = ?'),
  deleteExpiredUserSessions: db.prepare<[string]>('DELETE FROM user_sessions WHERE expires_at <= ?'),
  insertOidcLogin: db.prepare(`INSERT INTO oidc_logins (id_hash, state, nonce, code_verifier, next, created_at, expires_at)
      VALUES (@id_hash, @state, @nonce, @code_verifier, @next, @created_at, @expires_at)`),
  // One statement removes the row and says whether it was still valid: whoever deletes it is the only taker.
  takeOidcLogin: db.prepare<[{ id: string; now: string }], OidcLoginRow & { live: 0 | 1 }>(
    'DELETE FROM oidc_logins WHERE id_hash = @id RETURNING *, expires_at > @now AS live',
  ),
  deleteExpiredOidcLogins: db.prepare<[string]>('DELETE FROM oidc_logins WHERE expires_at <= ?'),
});

export class SqliteAuthStore implements AuthStore {
  constructor(private readonly connection: SqliteConnection) {}

  private statements() {
    return this.connection.statements(prepareAuthStatements);
  }

  async createToken(token: ApiTokenRecord, audit?: AuditEntry): Promise<void> {
    const statements = this.statements();
    const audited = stageAuditEntry(this.connection, audit);
    this.connection.write(() => {
      statements.insertToken.run(tokenRow(token));
      audited();
    });
  }

  async getToken(id: string): Promise<ApiTokenRecord | null> {
    const row = this.statements().getToken.get(id);
    return row ? fromTokenRow(row) : null;
  }

  async listTokens(): Promise<ApiTokenRecord[]> {
    return this.statements().listTokens.all().map(fromTokenRow);
  }

  async revokeToken(id: string, at: string, by: string, audit?: AuditEntry): Promise<ApiTokenRecord | null> {
    const statements = this.statements();
    const audited = stageAuditEntry(this.connection, audit);
    return this.connection.write(() => {
      const changed = statements.revokeToken.run({ id, at, by }).changes;
      if (changed > 0) {
        statements.deleteSessionsOfToken.run(id);
        audited();
      }
      const row = statements.getToken.get(id);
      return row ? fromTokenRow(row) : null;
    });
  }

  async touchToken(id: string, at: string): Promise<void> {
    this.statements().touchToken.run({ id, at });
  }

  async createSession(session: SessionRecord, audit?: AuditEntry): Promise<void> {
    const statements = this.statements();
    const audited = stageAuditEntry(this.connection, audit);
    this.connection.write(() => {
      statements.insertSession.run(sessionRow(session));
      audited();
    });
  }

  async getSession(idHash: string): Promise<SessionRecord | null> {
    const row = this.statements().getSession.get(idHash);
    return row ? sessionFromRow(row) : null;
  }

  async deleteSession(idHash: string, audit?: AuditEntry): Promise<void> {
    const statements = this.statements();
    const audited = stageAuditEntry(this.connection, audit);
    this.connection.write(() => {
      const changed = statements.deleteSession.run(idHash).changes;
      if (changed > 0) audited();
    });
  }

  async deleteExpiredSessions(now: string): Promise<number> {
    const statements = this.statements();
    return this.connection.write(
      () =>
        statements.deleteExpiredSessions.run(now).changes +
        statements.deleteExpiredUserSessions.run(now).changes +
        statements.deleteExpiredOidcLogins.run(now).changes,
    );
  }

  async createUserSession(session: UserSessionRecord, audit?: AuditEntry): Promise<void> {
    const statements = this.statements();
    const row = userSessionRow(session);
    const audited = stageAuditEntry(this.connection, audit);
    this.connection.write(() => {
      statements.insertUserSession.run(row);
      audited();
    });
  }

  async getUserSession(idHash: string): Promise<UserSessionRecord | null> {
    const row = this.statements().getUserSession.get(idHash);
    return row ? userSessionFromRow(row, SQLITE_ROWS) : null;
  }

  async deleteUserSession(idHash: string, audit?: AuditEntry): Promise<void> {
    const statements = this.statements();
    const audited = stageAuditEntry(this.connection, audit);
    // Unlike deleteSession, the entry is written even when the session was gone already (AuthStore says so).
    this.connection.write(() => {
      statements.deleteUserSession.run(idHash);
      audited();
    });
  }

  async saveOidcLogin(login: OidcLoginRecord): Promise<void> {
    this.statements().insertOidcLogin.run(oidcLoginRow(login));
  }

  async takeOidcLogin(idHash: string, now: string): Promise<OidcLoginRecord | null> {
    const statements = this.statements();
    const taken = this.connection.write(() => statements.takeOidcLogin.get({ id: idHash, now }));
    // An expired sign-in is deleted all the same: it can never be completed.
    return taken && taken.live === 1 ? oidcLoginFromRow(taken) : null;
  }
}
