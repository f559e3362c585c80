/**
 * The `rmm` section of a tenant's config when `provider: datto-rmm` (DESIGN §4). Strict: an unknown key is a
 * typo, and a typo in a credential block should stop the run with a named path rather than fall back silently.
 *
 * `baseUrl` is the platform URL Datto shows beside the API keys (Setup > Users > user > API URL), e.g.
 * `https://merlot-api.centrastage.net`. The spec's server URL `…/api` (and `…/api/v2`) is accepted too: the
 * suffix is dropped, so the validated value is always the *root* under which `/auth/oauth/token` and
 * `/api/v2/...` live.
 */
import { z } from 'zod';
import { httpsUrl } from '../../src/collector-kit/https-url.js';
import { configFiles } from '../../src/collector-kit/plugin.js';
import { rateLimitSchema } from '../../src/collector-kit/rate-gate.js';

/** Datto's six platforms (the host part of the API URL); anything else is accepted for proxies and the simulator. */
export const DATTO_PLATFORMS = ['concord', 'merlot', 'pinotage', 'vidal', 'zinfandel', 'syrah'] as const;

/** `https://host[:port][/prefix][/api[/v2]][/]` → `https://host[:port][/prefix]`. */
export function apiRoot(url: string): string {
  return url.replace(/\/+$/, '').replace(/\/api(?:\/v2)?$/i, '').replace(/\/+$/, '');
}

const baseUrl = httpsUrl(
  'must be an https:// URL without query, fragment or credentials, e.g. https://merlot-api.centrastage.net (plain http is refused: the API secret and tokens must not travel in clear text)',
  { trim: true },
).transform(apiRoot);

// Site UIDs are UUIDs in Datto; accept any path-safe token so the simulator and future formats still work.
const siteUid = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/, 'must be a Datto site UID (Sites > site > Settings, e.g. 8f8f4e2c-6d0b-4d6c-9a57-1d2b3c4d5e6f)');

export const dattoRmmConfigSchema = z.strictObject({
  provider: z.literal('datto-rmm'),
  baseUrl,
  /** The API key: the *username* of the OAuth password grant. Identifies the API user; useless without the secret. */
  apiKey: z.string().trim().min(1, 'must be the API key generated for the Datto RMM API user (Setup > Users > user > Generate API Keys)'),
  /** The API secret key: the *password* of the grant. Supply it as ${env:…} or ${file:…}. */
  apiSecret: z.string().min(1, 'must be the API secret key shown once when the API keys were generated'),
  /**
   * The client's site (or sites) in the MSP's Datto account. Absent = the whole account (only right when the
   * account belongs to this one tenant).
   */
  siteUid: z.union([siteUid, z.array(siteUid).min(1, 'list at least one site UID, or leave siteUid out for the whole account')]).optional(),
  /** PEM of a private CA (a TLS-inspecting proxy in front of Datto, or the simulator). Added to the public roots. */
  caFile: z.string().min(1, 'must be the path of a PEM file').optional(),
  /** Per HTTP attempt (each retry gets its own). */
  timeoutMs: z.number().int().min(1).max(600_000).default(30_000),
  /**
   * The account's read budget for Ratchet, shared by every tenant on the same platform and API key (and, with
   * PostgreSQL, every worker). Default 500 per 60 s (endpoints.ts PACING); lower it when other integrations need
   * more of the account's 600.
   */
  rateLimit: rateLimitSchema.optional(),
}).register(configFiles, { caFile: 'ca-certificate' });

/** The validated section as the collector receives it (defaults applied, baseUrl normalised to the root). */
export type DattoRmmConfig = z.output<typeof dattoRmmConfigSchema>;

/**
 * Paths inside the section that hold secrets (the core redacts them and warns when they are literals).
 * Only the secret: the API key is the grant's *username*. Datto keeps showing it on the user page after the secret
 * is hidden, it grants nothing alone, and keeping it readable lets `ratchet doctor` and error lines say which API
 * user a tenant uses.
 */
export const secretFields = ['apiSecret'] as const;

/** The site UIDs in scope, de-duplicated, in config order; empty = the whole account. */
export function siteUidsOf(config: Pick<DattoRmmConfig, 'siteUid'>): string[] {
  if (config.siteUid === undefined) return [];
  const list = typeof config.siteUid === 'string' ? [config.siteUid] : config.siteUid;
  return [...new Set(list)];
}
