/**
 * Datto paging: `page` + `max` (≤ 250) on the first request, then follow `pageDetails.nextPageUrl` — an absolute
 * URL — until it is null (or `""`). Items are handed to the caller page by page and never accumulated, so memory
 * does not grow with the inventory.
 *
 * The next URL is never sent anywhere but the configured platform: only its path and query are kept and re-based
 * on `baseUrl` (behind a load balancer Datto may hand out another scheme or host name for itself), and the path
 * must be the endpoint being walked. A missing `max` is put back (some clients report Datto dropping query
 * parameters from nextPageUrl). A URL seen twice, or more than MAX_PAGES pages, ends the walk with an error.
 */
import type { z } from 'zod';
import { VendorHttpError } from '../../src/http/errors.js';
import { MAX_PAGES, PAGE_SIZE } from './endpoints.js';
import type { DattoClient } from './http.js';
import { VENDOR } from './http.js';
import type { PageDetails } from './schema.js';

/** Progress of one walk, readable after a failure (a 403 after page 1 cannot be a missing permission). */
export interface WalkState {
  pages: number;
  /** Page requests sent by this walk (retries of the HTTP layer are only in the collector total). */
  requests: number;
}

export function newWalkState(): WalkState {
  return { pages: 0, requests: 0 };
}

function walkError(path: string, message: string): VendorHttpError {
  return new VendorHttpError(VENDOR, 'schema', `${VENDOR} GET ${path}: ${message}`, 200, path);
}

/** nextPageUrl → a path + query relative to the platform root, or an error if it leaves the endpoint. */
export function rebaseNextPageUrl(next: string, root: URL, endpointPath: string): string {
  let url: URL;
  try {
    url = new URL(next, root);
  } catch {
    throw walkError(endpointPath, `pageDetails.nextPageUrl is not a URL: ${JSON.stringify(next.slice(0, 100))}`);
  }
  const prefix = root.pathname.replace(/\/+$/, '');
  let path = url.pathname;
  if (prefix && path.startsWith(`${prefix}/`)) path = path.slice(prefix.length);
  if (path !== endpointPath) {
    throw walkError(endpointPath, `pageDetails.nextPageUrl points at ${path}, not the endpoint being paged; refusing to follow it`);
  }
  if (!url.searchParams.has('max')) url.searchParams.set('max', String(PAGE_SIZE));
  return `${path}${url.search}`;
}

export interface WalkOptions<P extends { pageDetails: PageDetails }> {
  client: DattoClient;
  /** Endpoint path relative to the platform root, without query. */
  path: string;
  pageSchema: z.ZodType<P>;
  onPage: (page: P) => void;
  state: WalkState;
  signal: AbortSignal;
}

export async function walkPages<P extends { pageDetails: PageDetails }>(opts: WalkOptions<P>): Promise<void> {
  const { client, path, state } = opts;
  const seen = new Set<string>();
  let target: string | null = `${path}?max=${PAGE_SIZE}`;
  while (target !== null) {
    if (opts.signal.aborted) throw new VendorHttpError(VENDOR, 'aborted', `${VENDOR} GET ${path} was aborted`, null, path);
    if (state.pages >= MAX_PAGES) throw walkError(path, `more than ${MAX_PAGES} pages; stopping (nextPageUrl loop?)`);
    seen.add(target);
    state.requests += 1;
    const page: P = await client.get(target, opts.pageSchema);
    state.pages += 1;
    opts.onPage(page);
    const next = page.pageDetails.nextPageUrl;
    if (next === null || next.trim() === '') {
      target = null;
    } else {
      target = rebaseNextPageUrl(next.trim(), client.root, path);
      if (seen.has(target)) throw walkError(path, `pageDetails.nextPageUrl repeats ${target}; stopping (paging loop)`);
    }
  }
}
