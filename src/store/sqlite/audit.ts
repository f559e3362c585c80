/**
 * The audit log in SQLite. Other aggregates write their audit entry inside their own transaction through
 * `stageAuditEntry`, so a change and the record of who made it commit together or not at all.
 */
import type Database from 'better-sqlite3';
import type { AuditEntry } from '../../domain/audit.js';
import { assertListLimit, auditFromRow, auditRow, type AuditRow } from '../rows.js';
import type { AuditQuery, AuditStore } from '../store.js';
import { SQLITE_ROWS, type SqliteConnection, type StagedWrite } from './connection.js';

const prepareAuditStatements = (db: Database.Database) => ({
  insertAudit: db.prepare(`INSERT INTO audit_log (id, at, actor, action, tenant_id, target, detail_json)
      VALUES (@id, @at, @actor, @action, @tenant_id, @target, @detail_json)`),
  // Tenant entries filtered by the (optional) list, entries without a tenant only when asked for.
  auditLog: db.prepare<[{ tenants: string | null; global: number; limit: number }], AuditRow<string>>(`SELECT * FROM audit_log
      WHERE (tenant_id IS NULL AND @global = 1)
         OR (tenant_id IS NOT NULL AND (@tenants IS NULL OR tenant_id IN (SELECT value FROM json_each(@tenants))))
      ORDER BY at DESC, rowid DESC LIMIT @limit`),
});

/** Stages the insert of `entry` (nothing when there is none) for another aggregate's transaction. */
export function stageAuditEntry(connection: SqliteConnection, entry: AuditEntry | undefined): StagedWrite {
  if (!entry) return () => {};
  const { insertAudit } = connection.statements(prepareAuditStatements);
  const row = auditRow(entry);
  return () => {
    insertAudit.run(row);
  };
}

export class SqliteAuditStore implements AuditStore {
  constructor(private readonly connection: SqliteConnection) {}

  async appendAudit(entry: AuditEntry): Promise<void> {
    this.connection.statements(prepareAuditStatements).insertAudit.run(auditRow(entry));
  }

  async auditLog(query: AuditQuery = {}): Promise<AuditEntry[]> {
    const { tenants, limit } = query;
    assertListLimit(limit);
    return this.connection
      .statements(prepareAuditStatements)
      .auditLog.all({ tenants: tenants == null ? null : JSON.stringify(tenants), global: query.global === false ? 0 : 1, limit: limit ?? -1 })
      .map((r) => auditFromRow(r, SQLITE_ROWS));
  }
}
