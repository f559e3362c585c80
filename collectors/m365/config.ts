/**
 * The `m365` section of a tenant's config (DESIGN §4). Strict: an unknown key is a typo, and a typo in a
 * credential block should stop the run with a named path rather than silently fall back to a default.
 */
import { z } from 'zod';
import { httpsUrl, withoutTrailingSlashes } from '../../src/collector-kit/https-url.js';
import { configFiles } from '../../src/collector-kit/plugin.js';
import { rateLimitSchema } from '../../src/collector-kit/rate-gate.js';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// A verified domain such as contoso.onmicrosoft.com: Entra accepts either form in the token URL.
const DOMAIN = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;

export const NATIONAL_CLOUDS = ['global', 'usgov', 'usgovdod', 'china'] as const;
export type NationalCloud = (typeof NATIONAL_CLOUDS)[number];

/**
 * @azure/identity refuses a non-https authority and the Graph client only attaches tokens to https hosts, so an
 * http URL would fail later with a confusing error; say it here instead. Trailing slashes are dropped so paths
 * join cleanly.
 */
const cloudUrl = httpsUrl(
  'must be an https:// URL without query, fragment or credentials (plain http is refused: tokens must not travel in clear text)',
).transform(withoutTrailingSlashes);

export const customCloudSchema = z.strictObject({
  graphEndpoint: cloudUrl,
  authorityHost: cloudUrl,
});
export type CustomCloud = z.output<typeof customCloudSchema>;

export const m365ConfigSchema = z
  .strictObject({
    tenantId: z
      .string()
      .trim()
      .refine((v) => GUID.test(v) || DOMAIN.test(v), 'must be the directory (tenant) GUID or a domain such as contoso.onmicrosoft.com'),
    clientId: z.string().trim().min(1, 'must be the application (client) id of the app registration'),
    clientSecret: z.string().min(1, 'must not be empty').optional(),
    certificatePath: z.string().min(1, 'must not be empty').optional(),
    cloud: z.union([z.enum(NATIONAL_CLOUDS), customCloudSchema]).default('global'),
    timeoutMs: z.number().int().min(1).max(600_000).default(30_000),
    // RetryHandlerOptions refuses more than 10.
    maxRetries: z.number().int().min(0).max(10).default(3),
    /**
     * Graph requests per 10 s (or another window) for this app in this tenant, `$batch` sub-requests counted one by
     * one. Default 700 per 10 s (endpoints.ts GRAPH_PACING).
     */
    rateLimit: rateLimitSchema.optional(),
  })
  .superRefine((cfg, ctx) => {
    const hasSecret = cfg.clientSecret !== undefined;
    const hasCert = cfg.certificatePath !== undefined;
    if (hasSecret === hasCert) {
      ctx.addIssue({
        code: 'custom',
        path: hasSecret ? ['certificatePath'] : ['clientSecret'],
        message: hasSecret
          ? 'set exactly one of clientSecret or certificatePath, not both'
          : 'set exactly one of clientSecret or certificatePath (neither is set)',
      });
    }
  })
  // The PEM is read by @azure/identity at scan time; the core checks it when the config loads.
  .register(configFiles, { certificatePath: 'certificate-and-key' });

/** The validated section as the collector receives it (defaults applied). */
export type M365Config = z.output<typeof m365ConfigSchema>;

/** Paths inside the section that hold secrets; the core resolves `${env:…}` references and redacts these. */
export const secretFields = ['clientSecret'] as const;
