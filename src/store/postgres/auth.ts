/**
 * API tokens and browser sessions in PostgreSQL. Both live in one module because revoking a token deletes its
 * sessions in the same transaction: a revoked token must not live on in a signed-in browser. The sessions of people
 * signed in through OpenID Connect and their sign-ins in progress (schema v8) live here too: one sweep expires every
 * kind.
 */
import type { AuditEntry } from '../../domain/audit.js';
import { sessionFromRow, sessionRow, tokenFromRow, tokenRow, valuesOf, type SessionRow, type TokenRow } from '../rows.js';
import type { ApiTokenRecord, AuthStore, OidcLoginRecord, SessionRecord, UserSessionRecord } from '../store.js';
import {
  OIDC_LOGIN_COLUMN_NAMES,
  USER_SESSION_COLUMN_NAMES,
  oidcLoginFromRow,
  oidcLoginRow,
  userSessionFromRow,
  userSessionRow,
  type OidcLoginRow,
  type UserSessionRow,
} from '../user-session-rows.js';
import { stageAuditEntry } from './audit.js';
import { POSTGRES_ROWS, type PostgresConnection, type Queryable } from './connection.js';

const TOKEN_COLUMN_NAMES = [
  'id', 'name', 'role', 'tenants_json', 'token_hash', 'created_at', 'created_by', 'last_used_at', 'revoked_at', 'revoked_by',
] as const satisfies readonly (keyof TokenRow<unknown>)[];
const SESSION_COLUMN_NAMES = ['id', 'token_id', 'csrf_secret', 'created_at', 'expires_at'] as const satisfies readonly (keyof SessionRow)[];
const TOKEN_COLUMNS = TOKEN_COLUMN_NAMES.join(', ');
const SESSION_COLUMNS = SESSION_COLUMN_NAMES.join(', ');
const USER_SESSION_COLUMNS = USER_SESSION_COLUMN_NAMES.join(', ');
const OIDC_LOGIN_COLUMNS = OIDC_LOGIN_COLUMN_NAMES.join(', ');

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
    return this.connection.transaction(async (client) => {
      let deleted = 0;
      for (const table of ['sessions', 'user_sessions', 'oidc_logins']) {
        deleted += (await client.query(`DELETE FROM ${table} WHERE expires_at <= $1`, [now])).rowCount ?? 0;
      }
      return deleted;
    });
  }

  async createUserSession(session: UserSessionRecord, audit?: AuditEntry): Promise<void> {
    const audited = stageAuditEntry(audit);
    const params = valuesOf(userSessionRow(session), USER_SESSION_COLUMN_NAMES);
    await this.connection.transaction(async (client) => {
      await client.query(
        `INSERT INTO user_sessions (${USER_SESSION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, $10)`,
        params,
      );
      await audited(client);
    });
  }

  async getUserSession(idHash: string): Promise<UserSessionRecord | null> {
    const { rows } = await this.connection.query<UserSessionRow<unknown>>(
      `SELECT ${USER_SESSION_COLUMNS} FROM user_sessions WHERE id_hash = $1`,
      [idHash],
    );
    return rows[0] ? userSessionFromRow(rows[0], POSTGRES_ROWS) : null;
  }

  async deleteUserSession(idHash: string, audit?: AuditEntry): Promise<void> {
    const audited = stageAuditEntry(audit);
    // Unlike deleteSession, the entry is written even when the session was gone already (AuthStore says so).
    await this.connection.transaction(async (client) => {
      await client.query('DELETE FROM user_sessions WHERE id_hash = $1', [idHash]);
      await audited(client);
    });
  }

  async saveOidcLogin(login: OidcLoginRecord): Promise<void> {
    await this.connection.query(
      `INSERT INTO oidc_logins (${OIDC_LOGIN_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      valuesOf(oidcLoginRow(login), OIDC_LOGIN_COLUMN_NAMES),
    );
  }

  async takeOidcLogin(idHash: string, now: string): Promise<OidcLoginRecord | null> {
    // One statement removes the row and says whether it was still valid. A concurrent take of the same row waits for
    // this one's commit and then deletes nothing, so only one caller ever gets it.
    const { rows } = await this.connection.query<OidcLoginRow & { live: boolean }>(
      `DELETE FROM oidc_logins WHERE id_hash = $1 RETURNING ${OIDC_LOGIN_COLUMNS}, expires_at > $2 AS live`,
      [idHash, now],
    );
    const taken = rows[0];
    // An expired sign-in is deleted all the same: it can never be completed.
    return taken?.live ? oidcLoginFromRow(taken) : null;
  }
}
