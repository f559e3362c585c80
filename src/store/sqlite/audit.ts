/**
 * The audit log in SQLite. Other aggregates write their audit entry inside their own transaction through
 * `stageAuditEntry`, so a change and the record of who made it commit together or not at all.
 */
import type Database from 'better-sqlite3';
import type { AuditEntry } from '../../domain/audit.js';
import type { AuditQuery, AuditStore } from '../store.js';
import type { SqliteConnection, StagedWrite } from './connection.js';

interface AuditRow {
  id: string;
  at: string;
  actor: string;
  action: string;
  tenant_id: string | null;
  target: string | null;
  detail_json: string;
}

const fromAuditRow = (r: AuditRow): AuditEntry => ({
  id: r.id,
  at: r.at,
  actor: r.actor,
  action: r.action,
  tenantId: r.tenant_id,
  target: r.target,
  detail: JSON.parse(r.detail_json) as Record<string, unknown>,
});

function auditRow(e: AuditEntry) {
  return { id: e.id, at: e.at, actor: e.actor, action: e.action, tenant_id: e.tenantId, target: e.target, detail_json: JSON.stringify(e.detail ?? {}) };
}

const prepareAuditStatements = (db: Database.Database) => ({
  insertAudit: db.prepare(`INSERT INTO audit_log (id, at, actor, action, tenant_id, target, detail_json)
      VALUES (@id, @at, @actor, @action, @tenant_id, @target, @detail_json)`),
  // Tenant entries filtered by the (optional) list, entries without a tenant only when asked for.
  auditLog: db.prepare<[{ tenants: string | null; global: number; limit: number }], AuditRow>(`SELECT * FROM audit_log
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
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) {
      throw new RangeError(`limit must be a non-negative integer, got ${String(limit)}`);
    }
    return this.connection
      .statements(prepareAuditStatements)
      .auditLog.all({ tenants: tenants == null ? null : JSON.stringify(tenants), global: query.global === false ? 0 : 1, limit: limit ?? -1 })
      .map(fromAuditRow);
  }
}
