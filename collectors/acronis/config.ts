/**
 * The `backup` section of a tenant's config when `provider: acronis` (DESIGN §4). Strict: an unknown key is a typo,
 * and a typo in a credential block should stop the run with a named path rather than silently fall back.
 */
import { z } from 'zod';
import { carriesExtras, httpsUrlProblem, urlOrNull, withoutTrailingSlashes } from '../../src/collector-kit/https-url.js';
import { configFiles } from '../../src/collector-kit/plugin.js';
import { rateLimitSchema } from '../../src/collector-kit/rate-gate.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The data-centre URL shown when the API client was created, e.g. `https://eu2-cloud.acronis.com`. The collector
 * appends `/api/2/idp/token` and `/api/resource_management/v4/…`, so a URL that already ends in `/api` (the form
 * newer Acronis docs print as `base_url`) would double it: refuse it with a message instead of a 404 later.
 */
const dataCentreUrl = z
  .string()
  .trim()
  .refine(
    (value) => httpsUrlProblem(value) !== 'not-a-url' && httpsUrlProblem(value) !== 'not-https',
    'must be an https:// URL (the Acronis data-centre URL, e.g. https://eu2-cloud.acronis.com); plain http is refused: tokens must not travel in clear text',
  )
  // Each check passes what it does not judge (an unparsable value is reported once, by the first).
  .refine((value) => !(urlOrNull(value) && carriesExtras(urlOrNull(value)!)), 'must not carry a query, fragment or credentials')
  .refine(
    (value) => !/\/api\/?$/i.test(urlOrNull(value)?.pathname ?? ''),
    'must be the data-centre URL without /api (e.g. https://eu2-cloud.acronis.com): the collector adds /api/… itself',
  )
  .transform(withoutTrailingSlashes);

/** `resource.machine`, `resource.virtual_machine.vmwesx`, … (Acronis `ResourceType`, `type.scope` format). */
const resourceType = z.string().regex(/^resource\.[a-z0-9_.]+$/i, 'must be an Acronis resource type such as resource.machine');

export const DEFAULT_RESOURCE_TYPES = ['resource.machine'] as const;

export const acronisConfigSchema = z.strictObject({
  provider: z.literal('acronis'),
  baseUrl: dataCentreUrl,
  clientId: z.string().trim().min(1, 'must be the client ID of an Acronis API client (Settings → API clients)'),
  clientSecret: z.string().min(1, 'must not be empty'),
  /**
   * UUID of the MSP's customer tenant to report on. Required in practice when the API client was created at partner
   * level (it then sees every customer); optional when the client was created inside the customer tenant.
   */
  customerTenantId: z
    .string()
    .trim()
    .refine((v) => UUID.test(v), 'must be the customer tenant UUID (management portal → the customer → Show ID)')
    .transform((v) => v.toLowerCase())
    .optional(),
  /** Resource types whose protection status is read; one paged request series per type. */
  resourceTypes: z
    .array(resourceType)
    .min(1, 'list at least one resource type, or leave resourceTypes out for the default (resource.machine)')
    .max(10, 'at most 10 resource types')
    .default([...DEFAULT_RESOURCE_TYPES])
    .transform((types) => [...new Set(types)]),
  /** PEM of a private CA, for a private Acronis deployment behind a corporate TLS proxy; added to the public roots. */
  caFile: z.string().min(1, 'must be the path of a PEM file').optional(),
  timeoutMs: z.number().int().min(1).max(600_000).default(30_000),
  /**
   * Requests per API client and data centre, shared by every tenant using it (and, with PostgreSQL, every worker).
   * Default 300 per 60 s (endpoints.ts PACING): Acronis publishes no budget.
   */
  rateLimit: rateLimitSchema.optional(),
}).register(configFiles, { caFile: 'ca-certificate' });

/** The validated section as the collector receives it (defaults applied). */
export type AcronisConfig = z.output<typeof acronisConfigSchema>;

/** Paths inside the section that hold secrets; the core resolves `${env:…}` references and redacts these. */
export const secretFields = ['clientSecret'] as const;
