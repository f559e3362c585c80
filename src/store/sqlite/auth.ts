/**
 * API tokens and browser sessions in SQLite. Both live in one module because revoking a token deletes its sessions
 * in the same transaction: a revoked token must not live on in a signed-in browser.
 */
import type Database from 'better-sqlite3';
import type { AuditEntry } from '../../domain/audit.js';
import type { Role } from '../../domain/principal.js';
import type { ApiTokenRecord, AuthStore, SessionRecord } from '../store.js';
import { stageAuditEntry } from './audit.js';
import type { SqliteConnection } from './connection.js';

interface TokenRow {
  id: string;
  name: string;
  role: Role;
  tenants_json: string | null;
  token_hash: string;
  created_at: string;
  created_by: string;
  last_used_at: string | null;
  revoked_at: string | null;
  revoked_by: string | null;
}

interface SessionRow {
  id: string;
  token_id: string;
  csrf_secret: string;
  created_at: string;
  expires_at: string;
}

const fromTokenRow = (r: TokenRow): ApiTokenRecord => ({
  id: r.id,
  name: r.name,
  role: r.role,
  tenants: r.tenants_json === null ? null : (JSON.parse(r.tenants_json) as string[]),
  tokenHash: r.token_hash,
  createdAt: r.created_at,
  createdBy: r.created_by,
  lastUsedAt: r.last_used_at,
  revokedAt: r.revoked_at,
  revokedBy: r.revoked_by,
});

const fromSessionRow = (r: SessionRow): SessionRecord => ({
  idHash: r.id,
  tokenId: r.token_id,
  csrfSecret: r.csrf_secret,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
});

const prepareAuthStatements = (db: Database.Database) => ({
  insertToken: db.prepare(`INSERT INTO api_tokens (id, name, role, tenants_json, token_hash, created_at, created_by,
        last_used_at, revoked_at, revoked_by)
      VALUES (@id, @name, @role, @tenants_json, @token_hash, @created_at, @created_by, @last_used_at, @revoked_at, @revoked_by)`),
  getToken: db.prepare<[string], TokenRow>('SELECT * FROM api_tokens WHERE id = ?'),
  listTokens: db.prepare<[], TokenRow>('SELECT * FROM api_tokens ORDER BY created_at, rowid'),
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
      statements.insertToken.run({
        id: token.id,
        name: token.name,
        role: token.role,
        tenants_json: token.tenants === null ? null : JSON.stringify(token.tenants),
        token_hash: token.tokenHash,
        created_at: token.createdAt,
        created_by: token.createdBy,
        last_used_at: token.lastUsedAt,
        revoked_at: token.revokedAt,
        revoked_by: token.revokedBy,
      });
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
      statements.insertSession.run({
        id: session.idHash,
        token_id: session.tokenId,
        csrf_secret: session.csrfSecret,
        created_at: session.createdAt,
        expires_at: session.expiresAt,
      });
      audited();
    });
  }

  async getSession(idHash: string): Promise<SessionRecord | null> {
    const row = this.statements().getSession.get(idHash);
    return row ? fromSessionRow(row) : null;
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
    return this.statements().deleteExpiredSessions.run(now).changes;
  }
}
