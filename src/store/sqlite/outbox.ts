/**
 * The alert outbox in SQLite: deliveries are queued in the transaction of the scan that causes them
 * (`stageDeliveryInserts`, used by `SqliteStore.saveScan`), then read and updated by the outbox worker.
 */
import type Database from 'better-sqlite3';
import type { Delivery } from '../../domain/episode.js';
import type { DeliveryUpdate, OutboxStore } from '../store.js';
import type { SqliteConnection, StagedWrite } from './connection.js';

interface DeliveryRow {
  id: string;
  episode_id: string;
  event: Delivery['event'];
  channel: string;
  idempotency_key: string;
  payload_json: string;
  status: Delivery['status'];
  attempts: number;
  next_attempt_at: string;
  last_error: string | null;
  created_at: string;
  delivered_at: string | null;
}

function deliveryRow(d: Delivery) {
  return {
    id: d.id,
    episode_id: d.episodeId,
    event: d.event,
    channel: d.channel,
    idempotency_key: d.idempotencyKey,
    payload_json: JSON.stringify(d.payload),
    status: d.status,
    attempts: d.attempts,
    next_attempt_at: d.nextAttemptAt,
    last_error: d.lastError,
    created_at: d.createdAt,
    delivered_at: d.deliveredAt,
  };
}

function fromDeliveryRow(r: DeliveryRow): Delivery {
  return {
    id: r.id,
    episodeId: r.episode_id,
    event: r.event,
    channel: r.channel,
    idempotencyKey: r.idempotency_key,
    payload: JSON.parse(r.payload_json) as Delivery['payload'],
    status: r.status,
    attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at,
    lastError: r.last_error,
    createdAt: r.created_at,
    deliveredAt: r.delivered_at,
  };
}

const prepareOutboxStatements = (db: Database.Database) => ({
  // An idempotency key already queued is left alone: replaying a scan's effects never queues an alert twice.
  insertDelivery: db.prepare(`INSERT INTO deliveries (id, episode_id, event, channel, idempotency_key, payload_json, status,
        attempts, next_attempt_at, last_error, created_at, delivered_at)
      VALUES (@id, @episode_id, @event, @channel, @idempotency_key, @payload_json, @status, @attempts, @next_attempt_at,
        @last_error, @created_at, @delivered_at)
      ON CONFLICT (idempotency_key) DO NOTHING`),
  dueDeliveries: db.prepare<[string, number], DeliveryRow>(`SELECT * FROM deliveries WHERE status = 'pending' AND next_attempt_at <= ?
      ORDER BY next_attempt_at, rowid LIMIT ?`),
  deliveries: db.prepare<[{ episode: string | null; limit: number }], DeliveryRow>(`SELECT * FROM deliveries WHERE (@episode IS NULL OR episode_id = @episode)
      ORDER BY created_at, rowid LIMIT @limit`),
  updateDelivery: db.prepare(`UPDATE deliveries SET status = @status, attempts = @attempts, next_attempt_at = @next_attempt_at,
        last_error = @last_error, delivered_at = @delivered_at WHERE id = @id`),
});

/** Stages the queueing of `deliveries` for another aggregate's transaction. */
export function stageDeliveryInserts(connection: SqliteConnection, deliveries: readonly Delivery[]): StagedWrite {
  const { insertDelivery } = connection.statements(prepareOutboxStatements);
  const rows = deliveries.map(deliveryRow);
  return () => {
    for (const row of rows) insertDelivery.run(row);
  };
}

export class SqliteOutboxStore implements OutboxStore {
  constructor(private readonly connection: SqliteConnection) {}

  async dueDeliveries(now: string, limit: number): Promise<Delivery[]> {
    return this.connection.statements(prepareOutboxStatements).dueDeliveries.all(now, limit).map(fromDeliveryRow);
  }

  async deliveries(opts: { episodeId?: string; limit?: number } = {}): Promise<Delivery[]> {
    return this.connection
      .statements(prepareOutboxStatements)
      .deliveries.all({ episode: opts.episodeId ?? null, limit: opts.limit ?? -1 })
      .map(fromDeliveryRow);
  }

  async updateDelivery(id: string, u: DeliveryUpdate): Promise<void> {
    this.connection
      .statements(prepareOutboxStatements)
      .updateDelivery.run({ id, status: u.status, attempts: u.attempts, next_attempt_at: u.nextAttemptAt, last_error: u.lastError, delivered_at: u.deliveredAt });
  }
}
