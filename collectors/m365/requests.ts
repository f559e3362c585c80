/**
 * The three ways the collector talks to Graph: one GET, a paged collection (PageIterator), and a JSON batch
 * (BatchRequestContent / BatchResponseContent). Every body is checked against its zod schema here, so modules
 * above only ever see typed, validated data or a typed failure (GraphFailure / SchemaViolation).
 */
import { BatchRequestContent, BatchResponseContent, PageIterator, type Client } from '@microsoft/microsoft-graph-client';
import type { ZodType } from 'zod';
import { BATCH_LIMIT } from './endpoints.js';
import { GraphFailure, SchemaViolation, failureFromSubResponse, pathOf, schemaViolationFrom, toGraphFailure } from './errors.js';
import { RequestCost, RequestTag } from './graph.js';
import { batchResponseBody, collectionPage, type CollectionPage } from './schema.js';

export interface GraphContext {
  client: Client;
  /** Origin of the Graph endpoint (https://host[:port]); $batch sub-request URLs are built from it. */
  graphOrigin: string;
  maxRetries: number;
  signal: AbortSignal;
}

type Headers = Record<string, string>;

export function parseWith<T>(schema: ZodType<T>, body: unknown, path: string, fieldPrefix = ''): T {
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw schemaViolationFrom(parsed.error, path, fieldPrefix);
  return parsed.data;
}

/** GET one resource and validate it. Throws GraphFailure or SchemaViolation. */
export async function getJson<T>(g: GraphContext, url: string, schema: ZodType<T>, tag: RequestTag, headers?: Headers): Promise<T> {
  const path = pathOf(url);
  let body: unknown;
  try {
    let request = g.client.api(url).middlewareOptions([tag]);
    if (headers) request = request.headers(headers);
    body = await request.get();
  } catch (err) {
    throw toGraphFailure(err, path);
  }
  return parseWith(schema, body, path);
}

export interface PageOptions<T> {
  /** First page URL (relative to /v1.0, with query) — or the already-fetched first page in `firstPage`. */
  url: string;
  firstPage?: unknown;
  itemSchema: ZodType<T>;
  tag: RequestTag;
  headers?: Headers;
  /** Called per validated item. Return false to pause: `onPause` runs before paging resumes. */
  onItem: (item: T) => boolean | void;
  onPause?: () => Promise<void>;
}

/**
 * Walk a collection with PageIterator, validating each item as it arrives (memory stays flat however large the
 * tenant: nothing is accumulated here). `@odata.nextLink` is handed back to Graph verbatim by the iterator.
 */
export async function iteratePages<T>(g: GraphContext, opts: PageOptions<T>): Promise<{ count: number | null }> {
  const path = pathOf(opts.url);
  let first: CollectionPage;
  if (opts.firstPage !== undefined) {
    first = parseWith(collectionPage, opts.firstPage, path);
  } else {
    first = await getJson(g, opts.url, collectionPage, opts.tag, opts.headers);
  }

  let index = 0;
  // Errors thrown inside the callback would surface from deep inside the library; park them and stop instead.
  let callbackError: unknown = null;
  const iterator = new PageIterator(
    g.client,
    first,
    (raw: unknown) => {
      try {
        const item = parseWith(opts.itemSchema, raw, path, `value[${index}]`);
        index += 1;
        return opts.onItem(item) !== false;
      } catch (err) {
        callbackError = err;
        return false;
      }
    },
    { headers: opts.headers, middlewareOptions: [opts.tag] },
  );

  const step = async (run: () => Promise<unknown>): Promise<void> => {
    try {
      await run();
    } catch (err) {
      if (err instanceof TypeError && callbackError === null) {
        // PageIterator dereferences `value` of every page; a page without it is a malformed body.
        throw new SchemaViolation(path, 'value', 'a page of the collection has no value array');
      }
      throw toGraphFailure(err, path);
    }
    if (callbackError !== null) throw callbackError;
  };

  await step(() => iterator.iterate());
  while (!iterator.isComplete()) {
    if (opts.onPause) await opts.onPause();
    await step(() => iterator.resume());
  }
  return { count: first['@odata.count'] ?? null };
}

export interface BatchRequest {
  id: string;
  /** Relative to /v1.0, with query. */
  url: string;
  headers?: Headers;
}

export type BatchOutcome = { ok: true; body: unknown; status: number } | { ok: false; error: Error };

/** A document read and checked against its schema, or why not. */
export type Fetched<T> = { ok: true; data: T } | { ok: false; error: Error };

/**
 * The answer to one request of a `$batch` (`runBatch`'s outcome for its id), parsed with `schema`: a request that was
 * not made, a refused or failed one, and a body the schema rejects all come back as the error, never thrown, so the
 * caller turns each into unknown evidence of its own key.
 */
export function single<T>(outcome: BatchOutcome | undefined, url: string, schema: ZodType<T>): Fetched<T> {
  if (!outcome) return { ok: false, error: new Error(`GET ${pathOf(url)} was not requested`) };
  if (!outcome.ok) return { ok: false, error: outcome.error };
  try {
    return { ok: true, data: parseWith(schema, outcome.body, pathOf(url)) };
  } catch (err) {
    return { ok: false, error: err as Error };
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * BatchResponseContent rebuilds each sub-response as a fetch Response and only JSON-encodes the body when the
 * header is spelled exactly `Content-Type`; Graph and proxies vary the casing, so normalise before handing over.
 */
function normaliseForResponseContent(body: ReturnType<typeof batchResponseBody.parse>) {
  return {
    ...body,
    responses: body.responses.map((r) => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(r.headers ?? {})) headers[k.toLowerCase() === 'content-type' ? 'Content-Type' : k] = v;
      const hasBody = r.body !== undefined && r.body !== null && r.status !== 204;
      if (hasBody && typeof r.body === 'object' && !headers['Content-Type']) headers['Content-Type'] = 'application/json';
      return { ...r, headers, body: hasBody ? r.body : undefined };
    }),
  };
}

const RETRYABLE = new Set([429, 503, 504]);

/**
 * Run up to 20 GETs in one `POST /$batch`. Each sub-response is judged on its own status: the envelope can be
 * 200 while sub-requests were throttled or refused. Throttled subs (429/503/504) are re-sent in a new batch after
 * the longest Retry-After they carried, up to maxRetries rounds; anything else is returned as that id's failure.
 * Throws only when the envelope itself fails.
 */
export async function runBatch(g: GraphContext, requests: readonly BatchRequest[], tag: RequestTag): Promise<Map<string, BatchOutcome>> {
  if (requests.length === 0) return new Map();
  if (requests.length > BATCH_LIMIT) throw new Error(`a $batch holds at most ${BATCH_LIMIT} requests (got ${requests.length})`);
  const results = new Map<string, BatchOutcome>();
  let pending = [...requests];
  for (let round = 0; pending.length > 0; round += 1) {
    const content = new BatchRequestContent(
      pending.map((r) => ({ id: r.id, request: new Request(`${g.graphOrigin}${r.url}`, { method: 'GET', headers: r.headers }) })),
    );
    let raw: unknown;
    try {
      // Graph counts each sub-request against throttling: so does the pacing.
      raw = await g.client.api('/$batch').middlewareOptions([tag, new RequestCost(pending.length)]).post(await content.getContent());
    } catch (err) {
      throw toGraphFailure(err, '/$batch');
    }
    const envelope = parseWith(batchResponseBody, raw, '/$batch');
    const responses = new BatchResponseContent(normaliseForResponseContent(envelope));

    const retry: BatchRequest[] = [];
    let waitSeconds = 0;
    for (const req of pending) {
      const path = pathOf(req.url);
      const response = responses.getResponseById(req.id);
      if (!response) {
        results.set(req.id, { ok: false, error: new SchemaViolation('/$batch', 'responses', `no response for request id ${req.id}`) });
        continue;
      }
      const headers: Record<string, string> = {};
      response.headers.forEach((v, k) => {
        headers[k] = v;
      });
      let body: unknown = null;
      const text = await response.text();
      if (text) {
        try {
          body = JSON.parse(text);
        } catch {
          results.set(req.id, { ok: false, error: new SchemaViolation(path, '(body)', 'sub-response body is not JSON') });
          continue;
        }
      }
      if (response.status >= 200 && response.status < 300) {
        results.set(req.id, { ok: true, body, status: response.status });
        continue;
      }
      const failure: GraphFailure = failureFromSubResponse(response.status, headers, body, path);
      if (RETRYABLE.has(response.status) && round < g.maxRetries) {
        retry.push(req);
        // Without Retry-After, back off exponentially (1 s, 2 s, 4 s…) as Microsoft's throttling guidance says.
        waitSeconds = Math.max(waitSeconds, failure.retryAfterSeconds ?? 2 ** round);
      }
      results.set(req.id, { ok: false, error: failure });
    }
    if (retry.length === 0) break;
    await sleep(Math.min(waitSeconds, 180) * 1000, g.signal);
    pending = retry;
  }
  return results;
}

/** Split into batches of at most 20 and run them with bounded concurrency. */
export async function runBatches(
  g: GraphContext,
  requests: readonly BatchRequest[],
  tag: RequestTag,
  concurrency = 3,
): Promise<Map<string, BatchOutcome>> {
  const chunks: BatchRequest[][] = [];
  for (let i = 0; i < requests.length; i += BATCH_LIMIT) chunks.push(requests.slice(i, i + BATCH_LIMIT));
  const results = new Map<string, BatchOutcome>();
  let next = 0;
  const worker = async () => {
    while (next < chunks.length) {
      const chunk = chunks[next++]!;
      for (const [id, outcome] of await runBatch(g, chunk, tag)) results.set(id, outcome);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, chunks.length) }, worker));
  return results;
}
