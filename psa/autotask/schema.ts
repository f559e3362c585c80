/**
 * zod schemas of the Autotask REST answers Ratchet reads. Objects are loose (`z.object`): Autotask returns every
 * field of an entity and adds fields between releases; only what the client uses is checked.
 */
import { z } from 'zod';

/** `GET …/v1.0/ZoneInformation?user=` */
export const zoneInformation = z.object({
  zoneName: z.string().optional(),
  url: z.string().min(1),
  webUrl: z.string().optional(),
  ci: z.number().optional(),
});

const ticket = z.object({
  id: z.number().int(),
  status: z.number().int().nullable().optional(),
  completedDate: z.string().nullable().optional(),
  companyID: z.number().int().nullable().optional(),
  title: z.string().nullable().optional(),
});
export type AutotaskTicket = z.infer<typeof ticket>;

/** `GET Tickets/{id}`: an unknown id answers `{"item": null}`. */
export const ticketItem = z.object({ item: ticket.nullable() });

/** `POST Tickets/query` */
export const ticketQuery = z.object({
  items: z.array(ticket),
  pageDetails: z
    .object({
      count: z.number().int().optional(),
      requestCount: z.number().int().optional(),
      prevPageUrl: z.string().nullable().optional(),
      nextPageUrl: z.string().nullable().optional(),
    })
    .optional(),
});

/** POST / PATCH of an entity or a child entity. */
export const operationResult = z.object({ itemId: z.number().int() });

/** `GET Companies/{id}` (only whether it exists). */
export const companyItem = z.object({ item: z.object({ id: z.number().int() }).nullable() });

/** `GET Tickets/entityInformation/fields`: the ticket fields with their picklists. */
export const ticketFields = z.object({
  fields: z.array(
    z.object({
      name: z.string(),
      isPickList: z.boolean().optional(),
      picklistValues: z
        .array(z.object({ value: z.string(), label: z.string().optional(), isActive: z.boolean().optional() }))
        .nullable()
        .optional(),
    }),
  ),
});
export type TicketFields = z.infer<typeof ticketFields>;
