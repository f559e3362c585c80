/**
 * Every NinjaOne endpoint the collector calls, with its paging style and page size, in one table so that paging,
 * error messages, doctor and the README agree. All are read-only and need the client app's `monitoring` scope.
 */
export const TOKEN_PATH = '/ws/oauth/token';
export const SCOPE = 'monitoring';

/** What a 401/403 means for an API Services client app, and how to fix it. */
export const SCOPE_HINT =
  'the NinjaOne API client app needs the "Monitoring" scope and the Client Credentials grant ' +
  '(Administration → Apps → API → Client App IDs → edit the app; the scope is read-only)';

export const ENDPOINTS = {
  devices: '/v2/devices-detailed',
  osPatches: '/v2/queries/os-patches',
  antivirus: '/v2/queries/antivirus-status',
  alerts: '/v2/alerts',
  activities: '/v2/activities',
  policies: '/v2/policies',
  organization: '/v2/organization/{id}',
  /** The instance's organisations (keyset `pageSize` + `after` = last id), for `ratchet tenants map`. */
  organizations: '/v2/organizations',
} as const;

/** Keyset page size for /v2/devices-detailed and cursor page size for /v2/queries/* (spec default 1000, max 10000). */
export const PAGE_SIZE = 1000;

/** A loop guard: no real tenant needs this many pages of one query (10 million rows). */
export const MAX_PAGES = 10_000;

/** The activity log (/v2/activities): page size (spec: 10–1000, default 200) and the window read. */
export const ACTIVITY_PAGE_SIZE = 1000;
export const ACTIVITY_WINDOW_DAYS = 30;
/**
 * A bound, not a loop guard: at most this many pages of CONDITION activities (100,000 rows, newest first) are read.
 * A walk stopped here is reported (`activityLog.capped`) and the acknowledgement share covers only the span read.
 */
export const MAX_ACTIVITY_PAGES = 100;
/**
 * Open alerts whose TRIGGERED activity is older than the window (or beyond the cap) are looked up one by one
 * (`seriesUid=<alert uid>`), at most this many per collection; the rest count as high severity (worst case).
 */
export const MAX_SERIES_LOOKUPS = 100;
export const SERIES_LOOKUP_PAGE_SIZE = 10;

/**
 * Device filter (`df`) selecting one organisation. NinjaOne's filter syntax is `<field> <op> <value>`
 * (`org = 12`, `class in (WINDOWS_SERVER, MAC)`, `status eq APPROVED`); community clients also send `org=12`.
 */
export function orgFilter(organizationId: number | undefined): string | undefined {
  return organizationId === undefined ? undefined : `org = ${organizationId}`;
}
