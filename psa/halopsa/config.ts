/**
 * The `psa:` block of an MSP whose PSA is HaloPSA (after the core strips `provider` and `ticketOn`). Strict: a typo
 * in a credential block should stop the run with a named path rather than fall back to a default silently.
 */
import { z } from 'zod';
import { httpsUrl, withoutTrailingSlashes } from '../../src/collector-kit/https-url.js';
import { configFiles } from '../../src/collector-kit/plugin.js';
import { rateLimitSchema } from '../../src/collector-kit/rate-gate.js';

const baseUrl = httpsUrl(
  'must be the https:// root of the Halo instance, e.g. https://msp.halopsa.com (plain http is refused: tokens must not travel in clear text)',
  { trim: true },
)
  .transform(withoutTrailingSlashes)
  .refine(
    (value) => !/\/(?:api|auth)$/i.test(value),
    'give the instance root without /api or /auth (https://msp.halopsa.com): the client adds /api/… and /auth/token itself',
  );

const authUrl = httpsUrl(
  'must be the https:// "Authorisation Server" URL shown under Configuration > Integrations > HaloPSA API, e.g. https://msp.halopsa.com/auth',
  { trim: true },
).transform(withoutTrailingSlashes);

const id = (what: string) => z.number().int().positive(`must be the numeric Halo ${what} id`);

export const halopsaConfigSchema = z
  .strictObject({
    /** Instance root; the Resource Server is `{baseUrl}/api`. */
    baseUrl,
    /** Authorisation Server, when it is not `{baseUrl}/auth` (shown on the HaloPSA API page). */
    authUrl: authUrl.optional(),
    /** Hosted Halo's tenant name, sent as `?tenant=` on the token request (self-hosted instances need none). */
    tenant: z.string().trim().min(1, 'must be the Halo tenant name, or leave the key out').optional(),
    clientId: z.string().trim().min(1, 'must be the Client ID of a Halo API application (Client Credentials)'),
    clientSecret: z.string().min(1, 'must not be empty'),
    /** Ticket type of the tickets Ratchet opens (Configuration > Tickets > Ticket Types). */
    ticketTypeId: id('ticket type'),
    priorityId: id('priority').optional(),
    /** Status Ratchet closes tickets with, and the one that counts as closed. Halo's default Closed is 9. */
    closedStatusId: id('status').default(9),
    /**
     * Outcome (action type) of Ratchet's notes: its id (sent as `outcome_id`) or its exact name (sent as
     * `outcome`). Notes are posted hidden from the end user either way.
     */
    noteOutcome: z.union([id('outcome'), z.string().trim().min(1, 'must be an outcome id or name')]).default('Private Note'),
    /** PEM of a private CA (a self-hosted Halo, a TLS-inspecting proxy, the simulator); added to the public roots. */
    caFile: z.string().min(1, 'must be the path of a PEM file').optional(),
    /** The API application's budget; default 500 requests per 300 s (Halo's published limit, see README). */
    rateLimit: rateLimitSchema.optional(),
  })
  .register(configFiles, { caFile: 'ca-certificate' });

export type HalopsaConfig = z.output<typeof halopsaConfigSchema>;
export type HalopsaConfigInput = z.input<typeof halopsaConfigSchema>;

export const secretFields = ['clientSecret'] as const;
