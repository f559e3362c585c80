/** The outbox of scheduled client reports in SQLite (schema v6); the claim works as the alert outbox's does. */
import type Database from 'better-sqlite3';
import type { ReportDelivery } from '../../domain/report-delivery.js';
import { reportDeliveryFromRow, reportDeliveryRow, type ReportDeliveryRow } from '../report-delivery-rows.js';
import type { DeliveryUpdate, ReportOutboxStore } from '../store.js';
import { SQLITE_ROWS, type SqliteConnection } from './connection.js';

const fromRow = (r: ReportDeliveryRow<string>): ReportDelivery => reportDeliveryFromRow(r, SQLITE_ROWS);

const prepareStatements = (db: Database.Database) => ({
  // A key already queued is left alone: a second planner (restart, another replica) queues nothing.
  insert: db.prepare(`INSERT INTO report_deliveries (id, idempotency_key, tenant_id, payload_json, status, attempts,
        next_attempt_at, last_error, created_at, delivered_at)
      VALUES (@id, @idempotency_key, @tenant_id, @payload_json, @status, @attempts, @next_attempt_at, @last_error,
        @created_at, @delivered_at)
      ON CONFLICT (idempotency_key) DO NOTHING`),
  due: db.prepare<[string, number], ReportDeliveryRow<string>>(`SELECT * FROM report_deliveries WHERE status = 'pending'
      AND next_attempt_at <= ? ORDER BY next_attempt_at, rowid LIMIT ?`),
  claim: db.prepare<[{ id: string; lease_until: string }]>(`UPDATE report_deliveries SET attempts = attempts + 1,
      next_attempt_at = @lease_until WHERE id = @id`),
  list: db.prepare<[{ tenant: string | null; limit: number }], ReportDeliveryRow<string>>(`SELECT * FROM report_deliveries
      WHERE (@tenant IS NULL OR tenant_id = @tenant) ORDER BY created_at, rowid LIMIT @limit`),
  update: db.prepare(`UPDATE report_deliveries SET status = @status, attempts = @attempts, next_attempt_at = @next_attempt_at,
        last_error = @last_error, delivered_at = @delivered_at WHERE id = @id`),
});

export class SqliteReportOutboxStore implements ReportOutboxStore {
  constructor(private readonly connection: SqliteConnection) {}

  async queueReportDeliveries(rows: readonly ReportDelivery[]): Promise<ReportDelivery[]> {
    const { insert } = this.connection.statements(prepareStatements);
    const prepared = rows.map((r) => [r, reportDeliveryRow(r)] as const);
    return this.connection.write(() => prepared.filter(([, row]) => insert.run(row).changes > 0).map(([r]) => r));
  }

  async claimDueReportDeliveries(now: string, limit: number, leaseUntil: string): Promise<ReportDelivery[]> {
    const { due, claim } = this.connection.statements(prepareStatements);
    // One IMMEDIATE transaction holds the write lock from the read on: another claimer reads the rows as claimed.
    return this.connection.write(() =>
      due.all(now, limit).map((row) => {
        claim.run({ id: row.id, lease_until: leaseUntil });
        return fromRow({ ...row, attempts: row.attempts + 1, next_attempt_at: leaseUntil });
      }),
    );
  }

  async reportDeliveries(opts: { tenantId?: string; limit?: number } = {}): Promise<ReportDelivery[]> {
    return this.connection
      .statements(prepareStatements)
      .list.all({ tenant: opts.tenantId ?? null, limit: opts.limit ?? -1 })
      .map(fromRow);
  }

  async updateReportDelivery(id: string, u: DeliveryUpdate): Promise<void> {
    this.connection
      .statements(prepareStatements)
      .update.run({ id, status: u.status, attempts: u.attempts, next_attempt_at: u.nextAttemptAt, last_error: u.lastError, delivered_at: u.deliveredAt });
  }
}
