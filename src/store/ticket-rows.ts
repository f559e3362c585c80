/**
 * Row mapping of the ticket outbox `ticket_ops` and the tickets episodes have at the PSA `psa_tickets` (schema v7),
 * shared by the SQLite and PostgreSQL adapters. Text that came from a vendor (error bodies, ticket ids) or from
 * collected evidence (ticket bodies) passes `withoutNul` like every other row.
 */
import type { TicketJob, TicketOp, TicketRecord } from '../domain/ticket.js';
import { outboxStateFromRow, outboxStateRow, withoutNul, type OutboxStateRow, type RowCodec } from './rows.js';
import type { DeliveryUpdate } from './store.js';

export interface TicketOpRow<Json> extends OutboxStateRow {
  id: string;
  idempotency_key: string;
  tenant_id: string;
  episode_id: string;
  payload_json: Json;
}

export const TICKET_OP_COLUMN_NAMES = [
  'id', 'idempotency_key', 'tenant_id', 'episode_id', 'payload_json', 'status', 'attempts', 'next_attempt_at',
  'last_error', 'created_at', 'delivered_at',
] as const satisfies readonly (keyof TicketOpRow<unknown>)[];

export function ticketOpRow(raw: TicketOp): TicketOpRow<string> {
  const op = withoutNul(raw);
  return {
    id: op.id,
    idempotency_key: op.idempotencyKey,
    // Copied out of the payload so the outbox can be read per tenant and per episode with plain SQL.
    tenant_id: op.payload.tenantId,
    episode_id: op.payload.episodeId,
    payload_json: JSON.stringify(op.payload),
    ...outboxStateRow(op),
  };
}

export const ticketOpFromRow = <Json>(r: TicketOpRow<Json>, codec: RowCodec<Json, unknown>): TicketOp => ({
  id: r.id,
  idempotencyKey: r.idempotency_key,
  payload: codec.readJson<TicketJob>(r.payload_json),
  ...outboxStateFromRow(r),
});

/** The columns `completeTicketOp` sets on an operation, named as both adapters bind them. */
export interface TicketOpUpdateRow {
  id: string;
  status: TicketOp['status'];
  attempts: number;
  next_attempt_at: string;
  last_error: string | null;
  delivered_at: string | null;
}

export const TICKET_OP_UPDATE_COLUMN_NAMES = [
  'id', 'status', 'attempts', 'next_attempt_at', 'last_error', 'delivered_at',
] as const satisfies readonly (keyof TicketOpUpdateRow)[];

/** An outcome as written: the error text is a PSA's response, which may hold a NUL like any vendor text. */
export function ticketOpUpdateRow(id: string, raw: DeliveryUpdate): TicketOpUpdateRow {
  const u = withoutNul(raw);
  return {
    id,
    status: u.status,
    attempts: u.attempts,
    next_attempt_at: u.nextAttemptAt,
    last_error: u.lastError,
    delivered_at: u.deliveredAt,
  };
}

export interface TicketRecordRow {
  episode_id: string;
  tenant_id: string;
  provider: string;
  ticket_id: string;
  /** PostgreSQL's `bigint` comes back from `pg` as a string; SQLite's INTEGER as a number. */
  company: number | string;
  state: TicketRecord['state'];
  created_at: string;
  updated_at: string;
}

export const TICKET_RECORD_COLUMN_NAMES = [
  'episode_id', 'tenant_id', 'provider', 'ticket_id', 'company', 'state', 'created_at', 'updated_at',
] as const satisfies readonly (keyof TicketRecordRow)[];

export function ticketRecordRow(raw: TicketRecord): TicketRecordRow {
  const t = withoutNul(raw);
  return {
    episode_id: t.episodeId,
    tenant_id: t.tenantId,
    provider: t.provider,
    ticket_id: t.ticketId,
    company: t.company,
    state: t.state,
    created_at: t.createdAt,
    updated_at: t.updatedAt,
  };
}

export const ticketRecordFromRow = (r: TicketRecordRow): TicketRecord => ({
  episodeId: r.episode_id,
  tenantId: r.tenant_id,
  provider: r.provider,
  ticketId: r.ticket_id,
  company: Number(r.company),
  state: r.state,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});
