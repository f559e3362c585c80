/**
 * The alert outbox in PostgreSQL: deliveries are queued in the transaction of the scan that causes them
 * (`stageDeliveryInserts`, used by `PostgresStore.saveScan`), then claimed, read and updated by the outbox worker.
 * `seq` keeps queue order, which breaks ties of equal times.
 */
import type { Delivery } from '../../domain/episode.js';
import { deliveryFromRow, deliveryRow, valuesOf, type DeliveryRow } from '../rows.js';
import type { DeliveryUpdate, OutboxStore } from '../store.js';
import { limitParam, POSTGRES_ROWS, type PostgresConnection, type StagedWrite } from './connection.js';

const DELIVERY_COLUMN_NAMES = [
  'id', 'episode_id', 'event', 'channel', 'idempotency_key', 'payload_json', 'status', 'attempts', 'next_attempt_at',
  'last_error', 'created_at', 'delivered_at',
] as const satisfies readonly (keyof DeliveryRow<unknown>)[];
const DELIVERY_COLUMNS = DELIVERY_COLUMN_NAMES.join(', ');

const fromDeliveryRow = (r: DeliveryRow<unknown>): Delivery => deliveryFromRow(r, POSTGRES_ROWS);

// An idempotency key already queued is left alone: replaying a scan's effects never queues an alert twice. Any
// other conflict (a row id already taken under another key) is an error and rolls the whole scan back.
const INSERT_DELIVERY = `INSERT INTO deliveries (${DELIVERY_COLUMNS})
  VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9, $10, $11, $12)
  ON CONFLICT (idempotency_key) DO NOTHING`;

/**
 * The claim, one statement: lock the due rows in due order, skipping rows another transaction has locked (a
 * concurrent claimer's, which it is about to take), and count an attempt and set the lease on exactly those.
 * A row claimed and committed by someone else since this statement's snapshot fails the re-check of the WHERE
 * that FOR UPDATE does on the newest row version (its next attempt is now the other claimer's lease), so it is
 * dropped, not claimed twice. RETURNING comes in no particular order: the outer SELECT puts the rows back in due
 * order by the pre-claim time the CTE read.
 */
const CLAIM_DUE_DELIVERIES = `WITH due AS MATERIALIZED (
    SELECT id, next_attempt_at AS due_at, seq FROM deliveries
    WHERE status = 'pending' AND next_attempt_at <= $1
    ORDER BY next_attempt_at, seq LIMIT $2
    FOR UPDATE SKIP LOCKED
  ), claimed AS (
    UPDATE deliveries d SET attempts = d.attempts + 1, next_attempt_at = $3
    FROM due WHERE d.id = due.id
    RETURNING ${DELIVERY_COLUMN_NAMES.map((c) => `d.${c}`).join(', ')}, due.due_at, due.seq
  )
  SELECT ${DELIVERY_COLUMNS} FROM claimed ORDER BY due_at, seq`;

const deliveryParams = (d: Delivery): unknown[] => valuesOf(deliveryRow(d), DELIVERY_COLUMN_NAMES);

/** Stages the queueing of `deliveries` for another aggregate's transaction (one statement per row, in order). */
export function stageDeliveryInserts(deliveries: readonly Delivery[]): StagedWrite {
  const rows = deliveries.map(deliveryParams);
  return async (client) => {
    for (const params of rows) await client.query(INSERT_DELIVERY, params);
  };
}

export class PostgresOutboxStore implements OutboxStore {
  constructor(private readonly connection: PostgresConnection) {}

  async dueDeliveries(now: string, limit: number): Promise<Delivery[]> {
    const { rows } = await this.connection.query<DeliveryRow<unknown>>(
      `SELECT ${DELIVERY_COLUMNS} FROM deliveries WHERE status = 'pending' AND next_attempt_at <= $1
        ORDER BY next_attempt_at, seq LIMIT $2`,
      [now, limitParam(limit)],
    );
    return rows.map(fromDeliveryRow);
  }

  async claimDueDeliveries(now: string, limit: number, leaseUntil: string): Promise<Delivery[]> {
    const { rows } = await this.connection.query<DeliveryRow<unknown>>(CLAIM_DUE_DELIVERIES, [now, limitParam(limit), leaseUntil]);
    return rows.map(fromDeliveryRow);
  }

  async deliveries(opts: { episodeId?: string; limit?: number } = {}): Promise<Delivery[]> {
    const { rows } = await this.connection.query<DeliveryRow<unknown>>(
      `SELECT ${DELIVERY_COLUMNS} FROM deliveries WHERE ($1::text IS NULL OR episode_id = $1)
        ORDER BY created_at, seq LIMIT $2`,
      [opts.episodeId ?? null, limitParam(opts.limit)],
    );
    return rows.map(fromDeliveryRow);
  }

  async updateDelivery(id: string, u: DeliveryUpdate): Promise<void> {
    await this.connection.query(
      `UPDATE deliveries SET status = $2, attempts = $3, next_attempt_at = $4, last_error = $5, delivered_at = $6 WHERE id = $1`,
      [id, u.status, u.attempts, u.nextAttemptAt, u.lastError, u.deliveredAt],
    );
  }
}
