/**
 * The ticket outbox and the tickets episodes have at the PSA, in SQLite (schema v7). Operations are queued in the
 * transaction of the scan that causes them (`stageTicketOpInserts`, used by `SqliteStore.saveScan`); the ticket
 * dispatcher claims the head of the queue, one operation at a time, and completes it with the ticket it made.
 */
import type Database from 'better-sqlite3';
import type { TicketOp, TicketRecord } from '../../domain/ticket.js';
import {
  ticketOpFromRow,
  ticketOpRow,
  ticketOpUpdateRow,
  ticketRecordFromRow,
  ticketRecordRow,
  type TicketOpRow,
  type TicketRecordRow,
} from '../ticket-rows.js';
import type { DeliveryUpdate, TicketStore } from '../store.js';
import { SQLITE_ROWS, type SqliteConnection, type StagedWrite } from './connection.js';

const fromRow = (r: TicketOpRow<string>): TicketOp => ticketOpFromRow(r, SQLITE_ROWS);

const prepareStatements = (db: Database.Database) => ({
  // An idempotency key already queued is left alone: a replayed scan never queues an operation twice, nor resets one.
  insertOp: db.prepare(`INSERT INTO ticket_ops (id, idempotency_key, tenant_id, episode_id, payload_json, status,
        attempts, next_attempt_at, last_error, created_at, delivered_at)
      VALUES (@id, @idempotency_key, @tenant_id, @episode_id, @payload_json, @status, @attempts, @next_attempt_at,
        @last_error, @created_at, @delivered_at)
      ON CONFLICT (idempotency_key) DO NOTHING`),
  // The head is the oldest pending row whatever its due time: a row behind a backing-off head waits for it.
  head: db.prepare<[], TicketOpRow<string>>(`SELECT * FROM ticket_ops WHERE status = 'pending' ORDER BY rowid LIMIT 1`),
  claim: db.prepare<[{ id: string; lease_until: string }]>(`UPDATE ticket_ops SET attempts = attempts + 1,
      next_attempt_at = @lease_until WHERE id = @id`),
  complete: db.prepare(`UPDATE ticket_ops SET status = @status, attempts = @attempts, next_attempt_at = @next_attempt_at,
      last_error = @last_error, delivered_at = @delivered_at WHERE id = @id`),
  // Upsert by episode: the first ticket's creation time stays, the rest is the ticket as it is now.
  upsertTicket: db.prepare(`INSERT INTO psa_tickets (episode_id, tenant_id, provider, ticket_id, company, state, created_at,
        updated_at)
      VALUES (@episode_id, @tenant_id, @provider, @ticket_id, @company, @state, @created_at, @updated_at)
      ON CONFLICT (episode_id) DO UPDATE SET provider = excluded.provider, ticket_id = excluded.ticket_id,
        company = excluded.company, state = excluded.state, updated_at = excluded.updated_at`),
  listOps: db.prepare<[{ tenant: string | null; episode: string | null; limit: number }], TicketOpRow<string>>(`SELECT *
      FROM ticket_ops WHERE (@tenant IS NULL OR tenant_id = @tenant) AND (@episode IS NULL OR episode_id = @episode)
      ORDER BY rowid LIMIT @limit`),
  ticketFor: db.prepare<[string], TicketRecordRow>(`SELECT * FROM psa_tickets WHERE episode_id = ?`),
  tickets: db.prepare<[{ tenant: string | null }], TicketRecordRow>(`SELECT * FROM psa_tickets
      WHERE (@tenant IS NULL OR tenant_id = @tenant) ORDER BY created_at, rowid`),
});

/** Stages the queueing of `ops` for another aggregate's transaction (the scan's), in the order given. */
export function stageTicketOpInserts(connection: SqliteConnection, ops: readonly TicketOp[]): StagedWrite {
  const { insertOp } = connection.statements(prepareStatements);
  const rows = ops.map(ticketOpRow);
  return () => {
    for (const row of rows) insertOp.run(row);
  };
}

export class SqliteTicketStore implements TicketStore {
  constructor(private readonly connection: SqliteConnection) {}

  async claimNextTicketOp(now: string, leaseUntil: string): Promise<TicketOp | null> {
    const { head, claim } = this.connection.statements(prepareStatements);
    // Read and claim in one IMMEDIATE transaction: it holds the write lock from the read on, so a claimer on another
    // connection waits, then reads the head as claimed (its lease not due) and gets nothing — never the row behind.
    return this.connection.write(() => {
      const row = head.get();
      if (!row || row.next_attempt_at > now) return null;
      claim.run({ id: row.id, lease_until: leaseUntil });
      return fromRow({ ...row, attempts: row.attempts + 1, next_attempt_at: leaseUntil });
    });
  }

  async completeTicketOp(id: string, update: DeliveryUpdate, ticket?: TicketRecord): Promise<void> {
    const { complete, upsertTicket } = this.connection.statements(prepareStatements);
    const opRow = ticketOpUpdateRow(id, update);
    const ticketRow = ticket ? ticketRecordRow(ticket) : null;
    this.connection.write(() => {
      // An unknown operation changes nothing, and so records no ticket: a ticket is only ever stored with its op.
      if (complete.run(opRow).changes === 0) return;
      if (ticketRow) upsertTicket.run(ticketRow);
    });
  }

  async ticketOps(opts: { tenantId?: string; episodeId?: string; limit?: number } = {}): Promise<TicketOp[]> {
    return this.connection
      .statements(prepareStatements)
      .listOps.all({ tenant: opts.tenantId ?? null, episode: opts.episodeId ?? null, limit: opts.limit ?? -1 })
      .map(fromRow);
  }

  async ticketFor(episodeId: string): Promise<TicketRecord | null> {
    const row = this.connection.statements(prepareStatements).ticketFor.get(episodeId);
    return row ? ticketRecordFromRow(row) : null;
  }

  async tickets(opts: { tenantId?: string } = {}): Promise<TicketRecord[]> {
    return this.connection.statements(prepareStatements).tickets.all({ tenant: opts.tenantId ?? null }).map(ticketRecordFromRow);
  }
}
