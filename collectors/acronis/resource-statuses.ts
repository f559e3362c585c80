/**
 * Cursor paging over `GET /api/resource_management/v4/resource_statuses`.
 *
 * First page: `type`, `limit` and (when configured) `tenant_id`. Next pages: `limit` + `after` only — Acronis' page
 * token "encodes the query parameters of the request" (developer.acronis.com, Pagination), as in the official
 * examples (monitoring/tasks_pagination.py). Paging continues while `paging.cursors.after` is a non-empty string.
 * Items are handed over page by page and never accumulated, so memory stays flat whatever the inventory size.
 */
import type { VendorHttp } from '../../src/http/client.js';
import { MAX_PAGES, PAGE_LIMIT, RESOURCE_STATUSES_PATH } from './endpoints.js';
import { CollectionError } from './errors.js';
import { resourceStatusPage, type ResourceStatus } from './schema.js';

export interface ResourceStatusQuery {
  type: string;
  tenantId?: string;
  limit?: number;
}

export interface PagingStats {
  pages: number;
  items: number;
  /** `paging.cursors.total` of the first page, when the server sends it. */
  reportedTotal: number | null;
}

export async function forEachResourceStatus(
  http: VendorHttp,
  query: ResourceStatusQuery,
  onItem: (item: ResourceStatus) => void,
  signal?: AbortSignal,
): Promise<PagingStats> {
  const limit = query.limit ?? PAGE_LIMIT;
  const stats: PagingStats = { pages: 0, items: 0, reportedTotal: null };
  const seen = new Set<string>();
  let after: string | null = null;
  do {
    if (signal?.aborted) throw new CollectionError(`collection aborted after ${stats.pages} page(s) of ${RESOURCE_STATUSES_PATH}`);
    const params: Record<string, string | number> = after === null ? { type: query.type, limit, ...(query.tenantId ? { tenant_id: query.tenantId } : {}) } : { limit, after };
    const page = await http.get(RESOURCE_STATUSES_PATH, resourceStatusPage, { params });
    stats.pages += 1;
    if (stats.pages === 1) stats.reportedTotal = page.paging?.cursors?.total ?? null;
    for (const item of page.items) {
      stats.items += 1;
      onItem(item);
    }
    const next = page.paging?.cursors?.after;
    after = typeof next === 'string' && next.length > 0 ? next : null;
    if (after !== null) {
      if (seen.has(after)) throw new CollectionError(`${RESOURCE_STATUSES_PATH}: paging did not advance (cursor repeated after page ${stats.pages}); stopping instead of looping`);
      seen.add(after);
      if (stats.pages >= MAX_PAGES) throw new CollectionError(`${RESOURCE_STATUSES_PATH}: more than ${MAX_PAGES} pages; stopping`);
    }
  } while (after !== null);
  return stats;
}
