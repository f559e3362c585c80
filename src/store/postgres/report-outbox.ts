/**
 * The outbox of scheduled client reports in PostgreSQL (schema v6): the claim is the alert outbox's
 * (`FOR UPDATE SKIP LOCKED`, see outbox.ts), so replicas split due rows and never send one twice.
 */
import type { ReportDelivery } from '../../domain/report-delivery.js';
import { valuesOf } from '../rows.js';
import {
  REPORT_DELIVERY_COLUMN_NAMES,
  reportDeliveryFromRow,
  reportDeliveryRow,
  type ReportDeliveryRow,
} from '../report-delivery-rows.js';
import type { DeliveryUpdate, ReportOutboxStore } from '../store.js';
import { limitParam, POSTGRES_ROWS, type PostgresConnection } from './connection.js';

const COLUMNS = REPORT_DELIVERY_COLUMN_NAMES.join(', ');
const fromRow = (r: ReportDeliveryRow<unknown>): ReportDelivery => reportDeliveryFromRow(r, POSTGRES_ROWS);

const INSERT = `INSERT INTO report_deliveries (${COLUMNS})
  VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, $8, $9, $10)
  ON CONFLICT (idempotency_key) DO NOTHING`;

const CLAIM = `WITH due AS MATERIALIZED (
    SELECT id, next_attempt_at AS due_at, seq FROM report_deliveries
    WHERE status = 'pending' AND next_attempt_at <= $1
    ORDER BY next_attempt_at, seq LIMIT $2
    FOR UPDATE SKIP LOCKED
  ), claimed AS (
    UPDATE report_deliveries d SET attempts = d.attempts + 1, next_attempt_at = $3
    FROM due WHERE d.id = due.id
    RETURNING ${REPORT_DELIVERY_COLUMN_NAMES.map((c) => `d.${c}`).join(', ')}, due.due_at, due.seq
  )
  SELECT ${COLUMNS} FROM claimed ORDER BY due_at, seq`;

export class PostgresReportOutboxStore implements ReportOutboxStore {
  constructor(private readonly connection: PostgresConnection) {}

  async queueReportDeliveries(rows: readonly ReportDelivery[]): Promise<ReportDelivery[]> {
    const prepared = rows.map((r) => [r, valuesOf(reportDeliveryRow(r), REPORT_DELIVERY_COLUMN_NAMES)] as const);
    return this.connection.transaction(async (client) => {
      const queued: ReportDelivery[] = [];
      for (const [r, params] of prepared) {
        const res = await client.query(INSERT, params);
        if ((res.rowCount ?? 0) > 0) queued.push(r);
      }
      return queued;
    });
  }

  async claimDueReportDeliveries(now: string, limit: number, leaseUntil: string): Promise<ReportDelivery[]> {
    const { rows } = await this.connection.query<ReportDeliveryRow<unknown>>(CLAIM, [now, limitParam(limit), leaseUntil]);
    return rows.map(fromRow);
  }

  async reportDeliveries(opts: { tenantId?: string; limit?: number } = {}): Promise<ReportDelivery[]> {
    const { rows } = await this.connection.query<ReportDeliveryRow<unknown>>(
      `SELECT ${COLUMNS} FROM report_deliveries WHERE ($1::text IS NULL OR tenant_id = $1)
        ORDER BY created_at, seq LIMIT $2`,
      [opts.tenantId ?? null, limitParam(opts.limit)],
    );
    return rows.map(fromRow);
  }

  async updateReportDelivery(id: string, u: DeliveryUpdate): Promise<void> {
    await this.connection.query(
      `UPDATE report_deliveries SET status = $2, attempts = $3, next_attempt_at = $4, last_error = $5, delivered_at = $6 WHERE id = $1`,
      [id, u.status, u.attempts, u.nextAttemptAt, u.lastError, u.deliveredAt],
    );
  }
}
