/**
 * Every Datto RMM endpoint the collector calls, with what the API user needs for it to answer. Paths are relative
 * to the platform root (config `baseUrl`), exactly as the simulator must serve them.
 */

export const TOKEN_PATH = '/auth/oauth/token';

/** Fixed public OAuth client of the Datto RMM API (HTTP Basic on the token request). Not a secret. */
export const PUBLIC_CLIENT = { username: 'public-client', password: 'public' } as const;

/** Largest page Datto serves (`GET /api/v2/system/pagination` → `{ max }`, documented as ≤ 250). */
export const PAGE_SIZE = 250;

/** Refuse to walk more pages than this (a nextPageUrl loop must end in an error, not a hung scan). */
export const MAX_PAGES = 10_000;

/**
 * The account budget Ratchet paces itself to (config `rateLimit` overrides it). Datto counts 600 reads per rolling
 * 60 s across the whole account, adds a one-second delay per response above 90 % (540), answers 429 above 600 and
 * blocks the IP (403) on persistent excess. 500/60 s keeps every Ratchet process together under the slow-down
 * threshold and leaves 100 reads a minute for the MSP's other integrations (PSA sync, documentation tools, scripts)
 * that draw on the same account budget. The rate gate keeps every sliding 60 s window at or under 500.
 */
export const PACING = { limit: 500, intervalMs: 60_000 } as const;

/** Longest Retry-After we wait for; the window is 60 s, so anything longer means something else is wrong. */
export const MAX_RETRY_AFTER_SECONDS = 120;

/**
 * The wait after a 429 without Retry-After (Datto documents the 429, not the header): one rolling window. A retry
 * within seconds would land in the same full window, and persistent excess is what Datto answers with an IP block.
 */
export const THROTTLED_WAIT_MS = PACING.intervalMs;

export const MAX_RETRIES = 3;

export const PATHS = {
  accountDevices: '/api/v2/account/devices',
  /** The account's sites (one per client), for `ratchet tenants map`. */
  accountSites: '/api/v2/account/sites',
  siteDevices: (siteUid: string) => `/api/v2/site/${encodeURIComponent(siteUid)}/devices`,
  accountOpenAlerts: '/api/v2/account/alerts/open',
  siteOpenAlerts: (siteUid: string) => `/api/v2/site/${encodeURIComponent(siteUid)}/alerts/open`,
  /** No data, any API user may read it: the probe that tells an IP block from a missing permission. */
  pagination: '/api/v2/system/pagination',
  requestRate: '/api/v2/system/request_rate',
} as const;

/** What the API user's security level must allow, named in every 401/403 reason and in doctor. */
export const ACCESS = {
  devices:
    'a security level whose Device Visibility includes the site(s) and whose Permissions allow viewing devices (the built-in Administrator level has both)',
  alerts:
    'a security level whose Device Visibility includes the site(s) and whose Permissions allow viewing alerts (the built-in Administrator level has both)',
  api: 'API access enabled for the account (Setup > Global Settings > Access Control > Enable API Access) and API keys generated for the user (Setup > Users > user > Generate API Keys)',
} as const;

export type Resource = 'devices' | 'alerts';
