/**
 * The `rmm` section of a tenant whose RMM is NinjaOne (DESIGN §4). Strict: an unknown key is a typo, and a typo in
 * a credential block should stop the run with a named path rather than fall back to a default silently.
 *
 * The schema is idempotent (parsing its own output gives the same output): the collector parses the section again
 * on entry so defaults and the URL normalisation hold whatever the core hands over.
 */
import { z } from 'zod';
import { httpsUrl, withoutTrailingSlashes } from '../../src/collector-kit/https-url.js';
import { configFiles } from '../../src/collector-kit/plugin.js';
import { rateLimitSchema } from '../../src/collector-kit/rate-gate.js';

/** Regional instances (reference/vendor-apis.md §2). Other hosts are accepted (simulator, future regions). */
export const NINJAONE_REGIONS: Readonly<Record<string, string>> = {
  'app.ninjarmm.com': 'US',
  'us2.ninjarmm.com': 'US 2',
  'eu.ninjarmm.com': 'EU',
  'oc.ninjarmm.com': 'Oceania',
  'ca.ninjarmm.com': 'Canada',
  'fed.ninjarmm.com': 'US federal',
};

const baseUrl = httpsUrl(
  'must be an https:// URL of the NinjaOne instance, e.g. https://app.ninjarmm.com or https://eu.ninjarmm.com (plain http is refused: tokens must not travel in clear text)',
  { trim: true },
)
  .transform(withoutTrailingSlashes)
  .refine(
    (value) => !/\/(?:api\/)?v2$/i.test(value),
    'give the instance URL without the API path (https://eu.ninjarmm.com, not …/v2): the collector adds /v2/… and /ws/oauth/token itself',
  );

export const ninjaoneConfigSchema = z.strictObject({
  provider: z.literal('ninjaone'),
  baseUrl,
  clientId: z.string().trim().min(1, 'must be the Client ID of a NinjaOne "API Services (machine-to-machine)" client app'),
  clientSecret: z.string().min(1, 'must not be empty'),
  /** The MSP's client = one NinjaOne organisation. Without it the whole instance is one tenant. */
  organizationId: z.number().int().positive('must be the numeric NinjaOne organization id').optional(),
  /** A relevant OS patch pending longer than this makes its device non-compliant. */
  patchWindowDays: z.number().int().min(1).max(365).default(30),
  /**
   * Policies (ids or exact names) whose OS patch settings install approved patches automatically. The public API
   * does not expose a policy's patch settings, so without this `rmm.patches.automated` is null (unknown).
   */
  automatedPatchPolicies: z
    .array(z.union([z.number().int().positive(), z.string().trim().min(1)]))
    .min(1, 'list at least one policy id or name, or leave the key out')
    .optional(),
  /** PEM of a private CA (a TLS-inspecting proxy or the simulator); added to the public roots. */
  caFile: z.string().min(1, 'must be the path of a PEM file').optional(),
  timeoutMs: z.number().int().min(1).max(600_000).default(30_000),
  maxRetries: z.number().int().min(0).max(10).default(4),
  /**
   * The budget of this API client on the instance, shared by every tenant using it (and, with PostgreSQL, every
   * worker). Default 20 per second (http.ts PACING): NinjaOne publishes no limit.
   */
  rateLimit: rateLimitSchema.optional(),
}).register(configFiles, { caFile: 'ca-certificate' });

/** The validated section as the collector uses it (defaults applied). */
export type NinjaOneConfig = z.output<typeof ninjaoneConfigSchema>;
/** What a config file may hold (defaults optional). */
export type NinjaOneConfigInput = z.input<typeof ninjaoneConfigSchema>;

/** Paths inside the section that hold secrets; the core resolves `${env:…}` references and redacts these. */
export const secretFields = ['clientSecret'] as const;
