/**
 * The `m365` section of a tenant's config (DESIGN §4). Strict: an unknown key is a typo, and a typo in a
 * credential block should stop the run with a named path rather than silently fall back to a default.
 */
import { isIP } from 'node:net';
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

/**
 * The credential modes, exactly one per section (README "Credentials"). `clientId` is the app registration in
 * every mode: with managedIdentity and workloadIdentity the Azure-issued token is only the *assertion* the app
 * registration trusts through a federated identity credential, never a token for Graph itself.
 */
export const CREDENTIAL_FIELDS = ['clientSecret', 'certificatePath', 'managedIdentity', 'workloadIdentity'] as const;
export type CredentialField = (typeof CREDENTIAL_FIELDS)[number];

const CREDENTIAL_CHOICES =
  'clientSecret, certificatePath (a PEM with key and certificate, or a PFX with certificatePassword), managedIdentity: {} (or { clientId } of a user-assigned identity), or workloadIdentity: true';

const managedIdentitySchema = z
  .union([
    z.literal(true).transform((): { clientId?: string } => ({})),
    z.strictObject({
      clientId: z
        .string()
        .trim()
        .refine((v) => GUID.test(v), 'must be the client id (a GUID) of the user-assigned managed identity; leave it out for the system-assigned one')
        .optional(),
    }),
  ])
  .describe('The Azure managed identity whose token the app registration trusts (a federated identity credential).');

const workloadIdentitySchema = z
  .union([
    z.literal(true).transform((): { tokenFilePath?: string } => ({})),
    z.strictObject({
      tokenFilePath: z.string().min(1, 'must not be empty; leave it out to use AZURE_FEDERATED_TOKEN_FILE').optional(),
    }),
  ])
  .describe('The Kubernetes service-account token file (AKS, Container Apps) the app registration trusts.');

/**
 * `host` or `host:port`, host an IP address (IPv6 in brackets when a port follows, as `[::1]:53`): what
 * dns.setServers accepts. Names are refused — the resolver cannot resolve its own address.
 */
function isDnsServer(v: string): boolean {
  const m = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(v) ?? /^([^:]+)(?::(\d{1,5}))?$/.exec(v);
  const [host, port] = m ? [m[1]!, m[2]] : [v, undefined];
  if (!isIP(host)) return false;
  return port === undefined || (Number(port) >= 1 && Number(port) <= 65_535);
}

export const dnsSchema = z.strictObject({
  servers: z
    .array(z.string().trim().refine(isDnsServer, 'must be an IP address with an optional port: 1.1.1.1, 10.0.0.53:5353 or [2606:4700:4700::1111]:53'))
    .min(1, 'must name at least one server (leave dns out to use the system resolver)')
    .optional(),
  /** Per attempt (two attempts per query). */
  timeoutMs: z.number().int().min(50).max(60_000).default(3_000),
});

export const m365ConfigSchema = z
  .strictObject({
    tenantId: z
      .string()
      .trim()
      .refine((v) => GUID.test(v) || DOMAIN.test(v), 'must be the directory (tenant) GUID or a domain such as contoso.onmicrosoft.com'),
    clientId: z.string().trim().min(1, 'must be the application (client) id of the app registration'),
    clientSecret: z.string().min(1, 'must not be empty').optional(),
    /** A PEM (key + certificate) or a PKCS#12 (.pfx/.p12) file, told apart by content. */
    certificatePath: z.string().min(1, 'must not be empty').optional(),
    /** Opens a PFX or an encrypted PEM key. A secret. */
    certificatePassword: z.string().min(1, 'must not be empty (leave it out for a file without a password)').optional(),
    managedIdentity: managedIdentitySchema.optional(),
    workloadIdentity: workloadIdentitySchema.optional(),
    cloud: z.union([z.enum(NATIONAL_CLOUDS), customCloudSchema]).default('global'),
    timeoutMs: z.number().int().min(1).max(600_000).default(30_000),
    // RetryHandlerOptions refuses more than 10.
    maxRetries: z.number().int().min(0).max(10).default(3),
    /**
     * Graph requests per 10 s (or another window) for this app in this tenant, `$batch` sub-requests counted one by
     * one. Default 700 per 10 s (endpoints.ts GRAPH_PACING).
     */
    rateLimit: rateLimitSchema.optional(),
    /** Resolver for the e-mail authentication checks (SPF, DKIM, DMARC); default: the system's servers. */
    dns: dnsSchema.optional(),
  })
  .superRefine((cfg, ctx) => {
    const set = CREDENTIAL_FIELDS.filter((f) => cfg[f] !== undefined);
    if (set.length === 0) {
      // At clientSecret, the usual one: an unset `${env:…}` there is then reported once, by the secret resolver.
      ctx.addIssue({ code: 'custom', path: ['clientSecret'], message: `no credential is set: set exactly one of ${CREDENTIAL_CHOICES}` });
    } else if (set.length > 1) {
      ctx.addIssue({
        code: 'custom',
        path: [set[1]!],
        message: `set exactly one credential, not ${set.length}: ${set.join(' and ')} are all set (with defaults.m365, a tenant that brings its own credential also needs its own clientId)`,
      });
    }
    if (cfg.certificatePassword !== undefined && cfg.certificatePath === undefined) {
      ctx.addIssue({ code: 'custom', path: ['certificatePassword'], message: 'only opens the file certificatePath names: set certificatePath too, or remove it' });
    }
  })
  // The certificate is read when the config loads (src/config/files.ts) and again by the credential at scan time.
  .register(configFiles, { certificatePath: { kind: 'certificate-and-key-or-pkcs12', passwordField: 'certificatePassword' } });

/** The validated section as the collector receives it (defaults applied). */
export type M365Config = z.output<typeof m365ConfigSchema>;

/** Paths inside the section that hold secrets; the core resolves `${env:…}` references and redacts these. */
export const secretFields = ['clientSecret', 'certificatePassword'] as const;
