/**
 * The Acronis endpoints this collector calls, with what each needs. Paths are relative to the data-centre URL.
 */

/** Account Management API v2 token endpoint (HTTP Basic client_id:client_secret, form grant_type=client_credentials). */
export const TOKEN_PATH = '/api/2/idp/token';

/** Resource Management API v4: protection status of resources, cursor-paged. */
export const RESOURCE_STATUSES_PATH = '/api/resource_management/v4/resource_statuses';

/** OAuth scope the OpenAPI declares for `GET /resource_statuses`. */
export const RESOURCE_STATUSES_SCOPE = 'urn:acronis.com::resource_management::read';

/**
 * Account Management API v2, for `ratchet tenants map`: the API client (its `tenant_id`) and the tenants below it.
 * Any API client may read itself and the tenants of its own subtree; no extra role is needed.
 */
export const API_CLIENT_PATH = (clientId: string) => `/api/2/clients/${encodeURIComponent(clientId)}`;
export const TENANTS_PATH = '/api/2/tenants';

/** Tenant kinds that hold customers below them: walked when listing an account's customers. */
export const CONTAINER_KINDS = new Set(['partner', 'folder']);

/** Policy type of the backup module of a protection plan. */
export const BACKUP_POLICY_TYPE = 'policy.backup.machine';

/**
 * Page size. Acronis publishes no maximum for this endpoint; 200 keeps each page small (a few hundred kB at most)
 * while a 10,000-machine partner needs 50 requests.
 */
export const PAGE_LIMIT = 200;

/**
 * The budget Ratchet paces itself to per data centre and API client (config `rateLimit` overrides it). Acronis
 * publishes no request budget — only that some operations answer 429 with Retry-After — so this is a conservative
 * default of our own: 300 requests a minute (5 a second) for every tenant one partner API client serves, together,
 * across every worker. A scan of one customer needs a token and a few pages.
 */
export const PACING = { limit: 300, intervalMs: 60_000 } as const;

/** Safety stop for a server that keeps returning cursors (200 × 5,000 = one million workloads). */
export const MAX_PAGES = 5000;

/** What a 401/403 on the resource endpoint means and how to fix it (API clients cannot be edited after creation). */
export function permissionHint(customerTenantId: string | undefined): string {
  const scope =
    `the API client needs read access to Cyber Protection resources (scope ${RESOURCE_STATUSES_SCOPE}): ` +
    'create it in the management portal (Settings → API clients) while signed in as an administrator whose role includes ' +
    'Cyber Protection (Company/Partner administrator, or Read-only administrator), in the customer tenant or a partner ' +
    'tenant above it — an API client copies its creator’s roles at creation and they cannot be changed later';
  return customerTenantId
    ? `${scope}; also check that customer tenant ${customerTenantId} lies inside the API client’s tenant`
    : scope;
}
