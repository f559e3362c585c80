/**
 * Zod schemas of the ConnectWise PSA responses the client reads. Loose objects: ConnectWise returns dozens of fields
 * (`_info`, SLA dates, custom fields …) that Ratchet does not need; only what it reads is checked.
 */
import { z } from 'zod';

const reference = z.object({ id: z.number().int().optional(), name: z.string().optional() });

/** `GET/POST/PATCH /service/tickets[/{id}]`. */
export const ticketSchema = z.object({
  id: z.number().int().positive(),
  summary: z.string(),
  /** Set by ConnectWise when the ticket's status is a closed status of its board. */
  closedFlag: z.boolean().optional(),
  status: reference.optional(),
  company: reference.optional(),
});
export type CwTicket = z.output<typeof ticketSchema>;

export const ticketListSchema = z.array(ticketSchema);

/** `POST /service/tickets/{id}/notes`. */
export const noteSchema = z.object({ id: z.number().int().positive(), ticketId: z.number().int().optional() });

/** `GET /service/boards`. */
export const boardListSchema = z.array(z.object({ id: z.number().int(), name: z.string() }));

/** `GET /company/companies/{id}` (used only to tell which setting a refused create got wrong). */
export const companySchema = z.object({ id: z.number().int(), name: z.string().optional() });

/** ConnectWise's error body (PSA API Requests, "HTTP Response Statuses"; `errors` on InvalidObject). */
export const errorBodySchema = z.object({
  code: z.string(),
  message: z.string(),
  errors: z.array(z.object({ code: z.string(), message: z.string(), resource: z.string().optional(), field: z.string().optional() })).optional(),
});
export type CwErrorBody = z.output<typeof errorBodySchema>;
