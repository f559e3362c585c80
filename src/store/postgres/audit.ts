/**
 * The audit log in PostgreSQL. Other aggregates write their audit entry inside their own transaction through
 * `stageAuditEntry`, so a change and the record of who made it commit together or not at all.
 */
import type { AuditEntry } from '../../domain/audit.js';
import { assertListLimit, auditFromRow, auditRow, valuesOf, type AuditRow } from '../rows.js';
import type { AuditQuery, AuditStore } from '../store.js';
import { POSTGRES_ROWS, type PostgresConnection, type Queryable, type StagedWrite } from './connection.js';

const AUDIT_COLUMN_NAMES = ['id', 'at', 'actor', 'action', 'tenant_id', 'target', 'detail_json'] as const;

const INSERT_AUDIT = `INSERT INTO audit_log (id, at, actor, action, tenant_id, target, detail_json)
  VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)`;

const auditParams = (e: AuditEntry): unknown[] => valuesOf(auditRow(e), AUDIT_COLUMN_NAMES);

/** Stages the insert of `entry` (nothing when there is none) for another aggregate's transaction. */
export function stageAuditEntry(entry: AuditEntry | undefined): StagedWrite {
  if (!entry) return async () => {};
  const params = auditParams(entry);
  return async (client: Queryable) => {
    await client.query(INSERT_AUDIT, params);
  };
}

export class PostgresAuditStore implements AuditStore {
  constructor(private readonly connection: PostgresConnection) {}

  async appendAudit(entry: AuditEntry): Promise<void> {
    await this.connection.query(INSERT_AUDIT, auditParams(entry));
  }

  async auditLog(query: AuditQuery = {}): Promise<AuditEntry[]> {
    const { tenants, limit } = query;
    assertListLimit(limit);
    // Tenant entries filtered by the (optional) list, entries without a tenant only when asked for.
    const { rows } = await this.connection.query<AuditRow<unknown>>(
      `SELECT id, at, actor, action, tenant_id, target, detail_json FROM audit_log
        WHERE (tenant_id IS NULL AND $2::boolean)
           OR (tenant_id IS NOT NULL AND ($1::text[] IS NULL OR tenant_id = ANY ($1::text[])))
        ORDER BY at DESC, seq DESC LIMIT $3`,
      [tenants == null ? null : [...tenants], query.global !== false, limit ?? null],
    );
    return rows.map((r) => auditFromRow(r, POSTGRES_ROWS));
  }
}
