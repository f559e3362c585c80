/**
 * The alert outbox in SQLite: deliveries are queued in the transaction of the scan that causes them
 * (`stageDeliveryInserts`, used by `SqliteStore.saveScan`), then claimed, read and updated by the outbox worker.
 */
import type Database from 'better-sqlite3';
import type { Delivery } from '../../domain/episode.js';
import { deliveryFromRow, deliveryRow, type DeliveryRow } from '../rows.js';
import type { DeliveryUpdate, OutboxStore } from '../store.js';
import { SQLITE_ROWS, type SqliteConnection, type StagedWrite } from './connection.js';

const fromDeliveryRow = (r: DeliveryRow<string>): Delivery => deliveryFromRow(r, SQLITE_ROWS);

const prepareOutboxStatements = (db: Database.Database) => ({
  // An idempotency key already queued is left alone: replaying a scan's effects never queues an alert twice.
  insertDelivery: db.prepare(`INSERT INTO deliveries (id, episode_id, event, channel, idempotency_key, payload_json, status,
        attempts, next_attempt_at, last_error, created_at, delivered_at)
      VALUES (@id, @episode_id, @event, @channel, @idempotency_key, @payload_json, @status, @attempts, @next_attempt_at,
        @last_error, @created_at, @delivered_at)
      ON CONFLICT (idempotency_key) DO NOTHING`),
  dueDeliveries: db.prepare<[string, number], DeliveryRow<string>>(`SELECT * FROM deliveries WHERE status = 'pending' AND next_attempt_at <= ?
      ORDER BY next_attempt_at, rowid LIMIT ?`),
  claimDelivery: db.prepare<[{ id: string; lease_until: string }]>(`UPDATE deliveries SET attempts = attempts + 1, next_attempt_at = @lease_until
      WHERE id = @id`),
  deliveries: db.prepare<[{ episode: string | null; limit: number }], DeliveryRow<string>>(`SELECT * FROM deliveries WHERE (@episode IS NULL OR episode_id = @episode)
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

  async claimDueDeliveries(now: string, limit: number, leaseUntil: string): Promise<Delivery[]> {
    const { dueDeliveries, claimDelivery } = this.connection.statements(prepareOutboxStatements);
    // Read and claim in one IMMEDIATE transaction: it holds the database's write lock from the read on, so a claimer
    // on another connection (another process on the same file) waits for it and then reads the rows as claimed —
    // never the same row as due.
    return this.connection.write(() =>
      dueDeliveries.all(now, limit).map((row) => {
        claimDelivery.run({ id: row.id, lease_until: leaseUntil });
        return fromDeliveryRow({ ...row, attempts: row.attempts + 1, next_attempt_at: leaseUntil });
      }),
    );
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
