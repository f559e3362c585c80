/**
 * The `psa:` block for Autotask PSA (after the core strips `provider` and `ticketOn`). Strict: a typo in a credential
 * block must stop the run with a named path instead of falling back to a default silently.
 *
 * Picklist defaults are Autotask's shipped values (README "Picklists"): status 1 = New, 5 = Complete; priority
 * 2 = Medium; note type 1 and publish 2 = Internal Only. A database may have renamed or replaced them — `ratchet psa
 * check` verifies each against the database's own picklists.
 */
import { z } from 'zod';
import { httpsUrl, withoutTrailingSlashes } from '../../src/collector-kit/https-url.js';
import { configFiles } from '../../src/collector-kit/plugin.js';
import { rateLimitSchema } from '../../src/collector-kit/rate-gate.js';

export const DEFAULT_ZONE_INFORMATION_URL = 'https://webservices.autotask.net/atservicesrest';

const picklistValue = (what: string) => z.number().int().positive(`must be the numeric ${what} picklist value`);

export const autotaskConfigSchema = z
  .strictObject({
    /** Where the database's zone is looked up (`GET {this}/v1.0/ZoneInformation?user=…`). */
    zoneInformationUrl: httpsUrl(
      'must be an https:// URL, normally https://webservices.autotask.net/atservicesrest (the zone lookup; plain http is refused: the secret must not travel in clear text)',
      { trim: true },
    )
      .transform(withoutTrailingSlashes)
      .refine((value) => !/\/v1\.0$/i.test(value), 'give the URL without /v1.0 (https://webservices.autotask.net/atservicesrest): the client adds /v1.0/… itself')
      .default(DEFAULT_ZONE_INFORMATION_URL),
    /** The API-only user's username (an e-mail address). */
    userName: z.string().trim().min(1, 'must be the username of the Autotask API-only user (an e-mail address)'),
    /** The API user's secret (password). */
    secret: z.string().min(1, 'must not be empty'),
    /** The API tracking identifier of the integration (header ApiIntegrationCode). */
    integrationCode: z.string().trim().min(1, 'must be the API tracking identifier of the API user (Admin > Resources > the API user > Security)'),
    /** Acts as this resource (header ImpersonationResourceId): tickets and notes then show that resource as creator. */
    impersonationResourceId: z.number().int().positive('must be the numeric id of an Autotask resource').optional(),
    queueId: picklistValue('Queue (ticket queueID)'),
    status: picklistValue('ticket Status').default(1),
    closedStatus: picklistValue('ticket Status').default(5),
    priority: picklistValue('ticket Priority').default(2),
    ticketType: picklistValue('ticket Ticket Type').optional(),
    source: picklistValue('ticket Source').optional(),
    issueType: picklistValue('ticket Issue Type').optional(),
    noteType: picklistValue('ticket note Note Type').default(1),
    /** Who sees Ratchet's notes: 2 = Internal Only by default (never visible to the client's contacts). */
    notePublish: picklistValue('ticket note Publish').default(2),
    /** Tickets need a due date; Ratchet sets it this many hours after creation. */
    dueHours: z.number().int().min(1).max(24 * 90).default(24),
    /** PEM of a private CA (a TLS-inspecting proxy or the simulator); added to the public roots. */
    caFile: z.string().min(1, 'must be the path of a PEM file').optional(),
    /**
     * Requests per window for the whole database. Default 10,000 per hour (Autotask's threshold), but every
     * integration on the database shares it: configure Ratchet's share (e.g. 2,000 per 3,600 s).
     */
    rateLimit: rateLimitSchema.optional(),
  })
  .register(configFiles, { caFile: 'ca-certificate' });

export type AutotaskConfig = z.output<typeof autotaskConfigSchema>;
export type AutotaskConfigInput = z.input<typeof autotaskConfigSchema>;

export const secretFields = ['secret', 'integrationCode'] as const;
