/**
 * The alert outbox in PostgreSQL: deliveries are queued in the transaction of the scan that causes them
 * (`stageDeliveryInserts`, used by `PostgresStore.saveScan`), then read and updated by the outbox worker. `seq`
 * keeps queue order, which breaks ties of equal times.
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
