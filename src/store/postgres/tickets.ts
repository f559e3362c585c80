/**
 * The ticket outbox and the tickets episodes have at the PSA, in PostgreSQL (schema v7). Operations are queued in
 * the transaction of the scan that causes them (`stageTicketOpInserts`, used by `PostgresStore.saveScan`); `seq`
 * is the queue order.
 *
 * Unlike the alert outbox, the claim does NOT skip locked rows: the queue is worked strictly in order, one operation
 * at a time across every replica, so a claimer that finds the head locked by another claimer waits for it (a short
 * transaction) and then sees it as it is afterwards — leased, so not due, or completed — and never takes the row
 * behind a head that is still pending.
 */
import type { TicketOp, TicketRecord } from '../../domain/ticket.js';
import { valuesOf } from '../rows.js';
import {
  TICKET_OP_COLUMN_NAMES,
  TICKET_OP_UPDATE_COLUMN_NAMES,
  TICKET_RECORD_COLUMN_NAMES,
  ticketOpFromRow,
  ticketOpRow,
  ticketOpUpdateRow,
  ticketRecordFromRow,
  ticketRecordRow,
  type TicketOpRow,
  type TicketRecordRow,
} from '../ticket-rows.js';
import type { DeliveryUpdate, TicketStore } from '../store.js';
import { limitParam, POSTGRES_ROWS, type PostgresConnection, type StagedWrite } from './connection.js';

const OP_COLUMNS = TICKET_OP_COLUMN_NAMES.join(', ');
const TICKET_COLUMNS = TICKET_RECORD_COLUMN_NAMES.join(', ');

const fromRow = (r: TicketOpRow<unknown>): TicketOp => ticketOpFromRow(r, POSTGRES_ROWS);

// A key already queued is left alone (a replayed scan); a row id taken under another key is an error that rolls the
// scan back, as for alert deliveries.
const INSERT_OP = `INSERT INTO ticket_ops (${OP_COLUMNS})
  VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8, $9, $10, $11)
  ON CONFLICT (idempotency_key) DO NOTHING`;

/**
 * The head of the queue, locked: the oldest pending row whatever its due time. A head another transaction holds is
 * waited for; if that transaction completed it (no longer pending), FOR UPDATE's re-check drops it and the next
 * pending row is the head, which is right — it is the oldest pending row now.
 */
const LOCK_HEAD = `SELECT id, next_attempt_at FROM ticket_ops WHERE status = 'pending' ORDER BY seq LIMIT 1 FOR UPDATE`;

const CLAIM = `UPDATE ticket_ops SET attempts = attempts + 1, next_attempt_at = $2 WHERE id = $1 RETURNING ${OP_COLUMNS}`;

const COMPLETE = `UPDATE ticket_ops SET status = $2, attempts = $3, next_attempt_at = $4, last_error = $5, delivered_at = $6
  WHERE id = $1`;

// Upsert by episode: the first ticket's creation time (and its seq, so its place in `tickets()`) stays.
const UPSERT_TICKET = `INSERT INTO psa_tickets (${TICKET_COLUMNS})
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
  ON CONFLICT (episode_id) DO UPDATE SET provider = excluded.provider, ticket_id = excluded.ticket_id,
    company = excluded.company, state = excluded.state, updated_at = excluded.updated_at`;

/** Stages the queueing of `ops` for another aggregate's transaction (the scan's), one statement per row, in order. */
export function stageTicketOpInserts(ops: readonly TicketOp[]): StagedWrite {
  const rows = ops.map((op) => valuesOf(ticketOpRow(op), TICKET_OP_COLUMN_NAMES));
  return async (client) => {
    for (const params of rows) await client.query(INSERT_OP, params);
  };
}

export class PostgresTicketStore implements TicketStore {
  constructor(private readonly connection: PostgresConnection) {}

  async claimNextTicketOp(now: string, leaseUntil: string): Promise<TicketOp | null> {
    return this.connection.transaction(async (client) => {
      const { rows } = await client.query<{ id: string; next_attempt_at: string }>(LOCK_HEAD);
      const head = rows[0];
      // Text comparison, as in SQL: canonical ISO timestamps order as time does.
      if (!head || head.next_attempt_at > now) return null;
      const claimed = await client.query<TicketOpRow<unknown>>(CLAIM, [head.id, leaseUntil]);
      const row = claimed.rows[0];
      return row ? fromRow(row) : null;
    });
  }

  async completeTicketOp(id: string, update: DeliveryUpdate, ticket?: TicketRecord): Promise<void> {
    const opParams = valuesOf(ticketOpUpdateRow(id, update), TICKET_OP_UPDATE_COLUMN_NAMES);
    const ticketParams = ticket ? valuesOf(ticketRecordRow(ticket), TICKET_RECORD_COLUMN_NAMES) : null;
    await this.connection.transaction(async (client) => {
      const res = await client.query(COMPLETE, opParams);
      // An unknown operation changes nothing, and so records no ticket: a ticket is only ever stored with its op.
      if ((res.rowCount ?? 0) === 0 || !ticketParams) return;
      await client.query(UPSERT_TICKET, ticketParams);
    });
  }

  async ticketOps(opts: { tenantId?: string; episodeId?: string; limit?: number } = {}): Promise<TicketOp[]> {
    const { rows } = await this.connection.query<TicketOpRow<unknown>>(
      `SELECT ${OP_COLUMNS} FROM ticket_ops WHERE ($1::text IS NULL OR tenant_id = $1) AND ($2::text IS NULL OR episode_id = $2)
        ORDER BY seq LIMIT $3`,
      [opts.tenantId ?? null, opts.episodeId ?? null, limitParam(opts.limit)],
    );
    return rows.map(fromRow);
  }

  async ticketFor(episodeId: string): Promise<TicketRecord | null> {
    const { rows } = await this.connection.query<TicketRecordRow>(`SELECT ${TICKET_COLUMNS} FROM psa_tickets WHERE episode_id = $1`, [episodeId]);
    return rows[0] ? ticketRecordFromRow(rows[0]) : null;
  }

  async tickets(opts: { tenantId?: string } = {}): Promise<TicketRecord[]> {
    const { rows } = await this.connection.query<TicketRecordRow>(
      `SELECT ${TICKET_COLUMNS} FROM psa_tickets WHERE ($1::text IS NULL OR tenant_id = $1) ORDER BY created_at, seq`,
      [opts.tenantId ?? null],
    );
    return rows.map(ticketRecordFromRow);
  }
}
