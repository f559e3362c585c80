/**
 * Zod schemas of the HaloPSA responses Ratchet reads. Loose objects: a Halo ticket ("Fault") carries a hundred
 * fields and each release adds some; we check only what we use.
 */
import { z } from 'zod';

/** A ticket as `GET /api/Tickets/{id}`, `POST /api/Tickets` and the list return it. */
export const HaloTicket = z.looseObject({
  id: z.number().int(),
  summary: z.string().nullish(),
  client_id: z.number().int().nullish(),
  status_id: z.number().int().nullish(),
});
export type HaloTicket = z.output<typeof HaloTicket>;

/** `POST /api/Tickets` with an array of one answers the ticket; some versions answer an array. */
export const CreatedTickets = z.union([HaloTicket, z.array(HaloTicket).min(1)]);

/** `GET /api/Tickets?pageinate=true…`. */
export const TicketPage = z.looseObject({
  record_count: z.number().int().nonnegative().optional(),
  tickets: z.array(HaloTicket),
});

/** `POST /api/Actions`: the action (or actions) created. */
export const CreatedActions = z.union([z.looseObject({ id: z.number().int() }), z.array(z.looseObject({ id: z.number().int() }))]);

/** `GET /api/TicketType/{id}`, `GET /api/Status/{id}`. */
export const NamedRecord = z.looseObject({ id: z.number().int(), name: z.string().nullish() });
