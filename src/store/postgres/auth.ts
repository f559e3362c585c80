/**
 * API tokens and browser sessions in PostgreSQL. Both live in one module because revoking a token deletes its
 * sessions in the same transaction: a revoked token must not live on in a signed-in browser.
 */
import type { AuditEntry } from '../../domain/audit.js';
import { sessionFromRow, sessionRow, tokenFromRow, tokenRow, valuesOf, type SessionRow, type TokenRow } from '../rows.js';
import type { ApiTokenRecord, AuthStore, SessionRecord } from '../store.js';
import { stageAuditEntry } from './audit.js';
import { POSTGRES_ROWS, type PostgresConnection, type Queryable } from './connection.js';

const TOKEN_COLUMN_NAMES = [
  'id', 'name', 'role', 'tenants_json', 'token_hash', 'created_at', 'created_by', 'last_used_at', 'revoked_at', 'revoked_by',
] as const satisfies readonly (keyof TokenRow<unknown>)[];
const SESSION_COLUMN_NAMES = ['id', 'token_id', 'csrf_secret', 'created_at', 'expires_at'] as const satisfies readonly (keyof SessionRow)[];
const TOKEN_COLUMNS = TOKEN_COLUMN_NAMES.join(', ');
const SESSION_COLUMNS = SESSION_COLUMN_NAMES.join(', ');

const fromTokenRow = (r: TokenRow<unknown>): ApiTokenRecord => tokenFromRow(r, POSTGRES_ROWS);

async function selectToken(db: Queryable, id: string): Promise<ApiTokenRecord | null> {
  const { rows } = await db.query<TokenRow<unknown>>(`SELECT ${TOKEN_COLUMNS} FROM api_tokens WHERE id = $1`, [id]);
  return rows[0] ? fromTokenRow(rows[0]) : null;
}

export class PostgresAuthStore implements AuthStore {
  constructor(private readonly connection: PostgresConnection) {}

  async createToken(token: ApiTokenRecord, audit?: AuditEntry): Promise<void> {
    const audited = stageAuditEntry(audit);
    // `tenants` null (all tenants) is SQL NULL, as in SQLite (see tokenRow).
    const params = valuesOf(tokenRow(token), TOKEN_COLUMN_NAMES);
    await this.connection.transaction(async (client) => {
      await client.query(
        `INSERT INTO api_tokens (${TOKEN_COLUMNS}) VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, $8, $9, $10)`,
        params,
      );
      await audited(client);
    });
  }

  async getToken(id: string): Promise<ApiTokenRecord | null> {
    const { rows } = await this.connection.query<TokenRow<unknown>>(`SELECT ${TOKEN_COLUMNS} FROM api_tokens WHERE id = $1`, [id]);
    return rows[0] ? fromTokenRow(rows[0]) : null;
  }

  async listTokens(): Promise<ApiTokenRecord[]> {
    const { rows } = await this.connection.query<TokenRow<unknown>>(`SELECT ${TOKEN_COLUMNS} FROM api_tokens ORDER BY created_at, seq`);
    return rows.map(fromTokenRow);
  }

  async revokeToken(id: string, at: string, by: string, audit?: AuditEntry): Promise<ApiTokenRecord | null> {
    const audited = stageAuditEntry(audit);
    return this.connection.transaction(async (client) => {
      const changed = await client.query(
        'UPDATE api_tokens SET revoked_at = $2, revoked_by = $3 WHERE id = $1 AND revoked_at IS NULL',
        [id, at, by],
      );
      if ((changed.rowCount ?? 0) > 0) {
        await client.query('DELETE FROM sessions WHERE token_id = $1', [id]);
        await audited(client);
      }
      return selectToken(client, id);
    });
  }

  async touchToken(id: string, at: string): Promise<void> {
    await this.connection.query('UPDATE api_tokens SET last_used_at = $2 WHERE id = $1', [id, at]);
  }

  async createSession(session: SessionRecord, audit?: AuditEntry): Promise<void> {
    const audited = stageAuditEntry(audit);
    await this.connection.transaction(async (client) => {
      await client.query(
        `INSERT INTO sessions (${SESSION_COLUMNS}) VALUES ($1, $2, $3, $4, $5)`,
        valuesOf(sessionRow(session), SESSION_COLUMN_NAMES),
      );
      await audited(client);
    });
  }

  async getSession(idHash: string): Promise<SessionRecord | null> {
    const { rows } = await this.connection.query<SessionRow>(`SELECT ${SESSION_COLUMNS} FROM sessions WHERE id = $1`, [idHash]);
    return rows[0] ? sessionFromRow(rows[0]) : null;
  }

  async deleteSession(idHash: string, audit?: AuditEntry): Promise<void> {
    const audited = stageAuditEntry(audit);
    await this.connection.transaction(async (client) => {
      const deleted = await client.query('DELETE FROM sessions WHERE id = $1', [idHash]);
      if ((deleted.rowCount ?? 0) > 0) await audited(client);
    });
  }

  async deleteExpiredSessions(now: string): Promise<number> {
    const deleted = await this.connection.query('DELETE FROM sessions WHERE expires_at <= $1', [now]);
    return deleted.rowCount ?? 0;
  }
}
