/**
 * The `psa:` block of an MSP whose PSA is ConnectWise PSA (Manage), after the core strips `provider` and `ticketOn`.
 * Strict: an unknown key is a typo, and a typo in a credential block should stop the run with a named path.
 * Idempotent (parsing its own output gives the same output).
 */
import { z } from 'zod';
import { httpsUrl, withoutTrailingSlashes } from '../../src/collector-kit/https-url.js';
import { configFiles } from '../../src/collector-kit/plugin.js';
import { rateLimitSchema } from '../../src/collector-kit/rate-gate.js';

/** The REST API under the site, on cloud and most on-premises servers (README: other codebases differ). */
export const DEFAULT_API_PATH = '/v4_6_release/apis/3.0';

const baseUrl = httpsUrl(
  'must be the https:// URL of the ConnectWise PSA site, e.g. https://na.myconnectwise.net or https://api-eu.myconnectwise.net (plain http is refused: the API keys must not travel in clear text)',
  { trim: true },
)
  .transform(withoutTrailingSlashes)
  .refine(
    (value) => !/\/apis\/3\.0$/i.test(value),
    'give the site URL without the API path (https://na.myconnectwise.net, not …/v4_6_release/apis/3.0): set apiPath for a codebase other than v4_6_release',
  );

const apiPath = z
  .string()
  .trim()
  .regex(/^\/[A-Za-z0-9_.\-/]+$/, 'must be the API path on the site, starting with "/", e.g. /v4_6_release/apis/3.0')
  .transform(withoutTrailingSlashes)
  .default(DEFAULT_API_PATH);

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const name = (what: string) => z.string().trim().min(1, `must be the name of ${what} as ConnectWise PSA spells it`);

export const connectwiseConfigSchema = z
  .strictObject({
    baseUrl,
    apiPath,
    /** The MSP's company id as typed on the ConnectWise login page (not a client's company). */
    companyId: z.string().trim().min(1, 'must be the company id you sign in to ConnectWise PSA with'),
    publicKey: z.string().trim().min(1, "must be the API member's public key"),
    privateKey: z.string().min(1, "must be the API member's private key"),
    /** The integration's clientId from developer.connectwise.com, sent as the `clientId` header. */
    clientId: z.string().trim().regex(GUID, 'must be the clientId GUID of your integration from developer.connectwise.com/ClientID'),
    board: name('the service board tickets go to'),
    /** Initial status; the board's default status when absent. */
    status: name('a status of the board').optional(),
    /** The status `close` moves a ticket to; a closed status of the board. */
    closedStatus: name('a closed status of the board').default('>Closed'),
    priority: name('a priority').optional(),
    /** PEM of a private CA (an on-premises server, a TLS-inspecting proxy, the simulator); added to the public roots. */
    caFile: z.string().min(1, 'must be the path of a PEM file').optional(),
    /** The API member's budget when the default (60 per 60 s, README "Rate limits") does not fit. */
    rateLimit: rateLimitSchema.optional(),
  })
  .register(configFiles, { caFile: 'ca-certificate' });

export type ConnectWiseConfig = z.output<typeof connectwiseConfigSchema>;
export type ConnectWiseConfigInput = z.input<typeof connectwiseConfigSchema>;

export const secretFields = ['privateKey'] as const;
