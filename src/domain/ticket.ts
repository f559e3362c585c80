/**
 * PSA tickets (DESIGN §13): one ticket per regression or lost-visibility episode. Scans queue ticket operations in
 * the same transaction as the episodes that cause them (the ticket outbox); the ticket dispatcher carries them out
 * against the MSP's PSA in queue order and records the ticket it made or found with the operation, in one
 * transaction. What the PSA is and how to reach it is config; the store keeps only ids and text.
 */
import type { EpisodeKind, OutboxState } from './episode.js';

/** `open` a ticket for a confirmed episode, add a `note` when its evidence changed materially, `close` on recovery. */
export type TicketAction = 'open' | 'note' | 'close';

/** Text of a ticket body or note, plain and HTML, rendered when the operation is queued (the evidence of that scan). */
export interface TicketTextPayload {
  text: string;
  html: string;
}

export interface TicketJob {
  action: TicketAction;
  tenantId: string;
  tenantName: string;
  episodeId: string;
  episodeKind: EpisodeKind;
  /** The tenant's `psa.company` when the operation was queued. */
  company: number;
  scanId: string;
  occurredAt: string;
  /** `[ratchet:<episode id>]`, kept at the end of the summary: how a ticket is found again after a crash. */
  marker: string;
  /** One line, at most 100 characters, ending with the marker. */
  summary: string;
  /** The full ticket body as of this scan: used by `open`, and by a `note` or `close` that finds no ticket. */
  body: TicketTextPayload;
  /** The note (`note`, `close`); null for `open`. */
  note: TicketTextPayload | null;
}

/** One ticket operation: a row of the ticket outbox. */
export interface TicketOp extends OutboxState {
  id: string;
  /** `ticket:<episode>:open`, `ticket:<episode>:note:<scan>`, `ticket:<episode>:close`: a replayed scan queues nothing new. */
  idempotencyKey: string;
  payload: TicketJob;
}

/** The ticket an episode has at the PSA. */
export interface TicketRecord {
  episodeId: string;
  tenantId: string;
  /** `psa.provider` it was made at. */
  provider: string;
  ticketId: string;
  company: number;
  state: 'open' | 'closed';
  createdAt: string;
  updatedAt: string;
}
