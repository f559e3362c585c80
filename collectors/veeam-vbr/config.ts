/**
 * The `backup` section of a tenant that uses Veeam Backup & Replication (DESIGN §4). Strict: an unknown key is a
 * typo, and a typo in a credential block should stop the run with a named path rather than fall back silently.
 *
 * The core validates rmm/backup sections with this schema but hands the collector the section as written (secrets
 * resolved), so `collect` and `doctor` parse it again through `resolveConfig` to get the defaults applied.
 */
import { z } from 'zod';
import { httpsUrlProblem, withoutTrailingSlashes } from '../../src/collector-kit/https-url.js';
import { configFiles } from '../../src/collector-kit/plugin.js';
import { rateLimitSchema } from '../../src/collector-kit/rate-gate.js';

/**
 * REST API revisions that have the three endpoints this collector reads (helpcenter.veeam.com/docs/backup/vbr_rest/
 * versioning.html). 1.0-rev1/rev2 (VBR 11) are deprecated and predate /api/v1/backupObjects.
 */
export const API_VERSIONS = ['1.1-rev0', '1.1-rev1', '1.1-rev2', '1.2-rev0', '1.2-rev1', '1.3-rev0', '1.3-rev1', '1.3-rev2'] as const;
export type ApiVersion = (typeof API_VERSIONS)[number];
/** VBR 12.3.1: the newest revision every supported VBR 12.3.x build answers. */
export const DEFAULT_API_VERSION: ApiVersion = '1.2-rev1';

/** The server origin (optionally behind a path prefix of a reverse proxy); the collector appends /api/…. */
const baseUrl = z
  .string()
  .trim()
  .superRefine((value, ctx) => {
    const problem = httpsUrlProblem(value);
    const message =
      problem === 'not-a-url'
        ? 'must be an https URL such as https://vbr.contoso.local:9419'
        : problem === 'not-https'
          ? 'must be an https URL (plain http is refused: the password and tokens must not travel in clear text)'
          : problem === 'extras'
            ? 'must be an https URL without credentials, query or fragment'
            : /\/api(\/v1)?\/?$/i.test(new URL(value).pathname)
              ? 'must be the server address without /api, e.g. https://vbr.contoso.local:9419'
              : undefined;
    if (message !== undefined) ctx.addIssue({ code: 'custom', message });
  })
  .transform(withoutTrailingSlashes);

/** A name, or a pattern with `*` wildcards, matched case-insensitively against the whole name. */
const namePattern = z.string().trim().min(1, 'must not be empty');

export const veeamVbrConfigSchema = z.strictObject({
  provider: z.literal('veeam-vbr'),
  baseUrl,
  /** A VBR user with a built-in role (Veeam Backup Viewer is enough), e.g. `CONTOSO\svc-ratchet` or `.\ratchet`. */
  username: z.string().trim().min(1, 'must be the VBR user name (e.g. CONTOSO\\svc-ratchet)'),
  password: z.string().min(1, 'must not be empty'),
  apiVersion: z
    .enum(API_VERSIONS, { error: `must be one of ${API_VERSIONS.join(', ')} (the x-api-version your VBR build supports)` })
    .default(DEFAULT_API_VERSION),
  /** PEM of the CA (or the self-signed certificate) that signed the VBR REST certificate. Added to the public roots. */
  caFile: z.string().trim().min(1, 'must be the path of a PEM file').optional(),
  timeoutMs: z.number().int().min(1000).max(600_000).default(30_000),
  maxRetries: z.number().int().min(0).max(10).default(4),
  /** Newest-restore-point look-ups in flight at once (one per protected object). */
  concurrency: z.number().int().min(1).max(32).default(8),
  /** Only objects of these platforms (`platformName`, e.g. VMware, HyperV, WindowsPhysical, LinuxPhysical). */
  platforms: z.array(z.string().trim().min(1)).min(1, 'list at least one platform, or leave the key out').optional(),
  /**
   * Object types (`type`) that are not workloads. VM templates are only backed up by full runs, so their newest
   * restore point is old by design; they are left out unless this is set to [].
   */
  excludeTypes: z.array(z.string().trim().min(1)).default(['Template']),
  /** Objects to leave out by name (retired machines whose backups are kept for retention, lab VMs …). */
  excludeObjects: z.array(namePattern).default([]),
  /** Jobs to leave out of `failingJobs` by name. */
  excludeJobs: z.array(namePattern).default([]),
  /**
   * Requests to this VBR server, shared by every tenant it serves (and, with PostgreSQL, every worker). Default 2,000
   * per 10 s (endpoints.ts PACING): VBR declares no limit.
   */
  rateLimit: rateLimitSchema.optional(),
}).register(configFiles, { caFile: 'ca-certificate' });

/** The validated section with defaults applied. */
export type VeeamVbrConfig = z.output<typeof veeamVbrConfigSchema>;
/** The section as written in the config file. */
export type VeeamVbrConfigInput = z.input<typeof veeamVbrConfigSchema>;

/** Paths inside the section that hold secrets; the core resolves `${env:…}` references and redacts these. */
export const secretFields = ['password'] as const;

/** Parse again (idempotent): applies defaults when the core handed over the section as written. */
export function resolveConfig(config: VeeamVbrConfig | VeeamVbrConfigInput): VeeamVbrConfig {
  return veeamVbrConfigSchema.parse(config);
}

/** `*`-wildcard name patterns → one case-insensitive matcher. */
export function nameMatcher(patterns: readonly string[]): (name: string) => boolean {
  if (patterns.length === 0) return () => false;
  const regexes = patterns.map((p) => new RegExp(`^${p.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 'i'));
  return (name) => regexes.some((r) => r.test(name));
}
