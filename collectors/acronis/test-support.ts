/**
 * Test harness: nock stands in for one Acronis data centre — the token endpoint (HTTP Basic client credentials) and
 * `GET /api/resource_management/v4/resource_statuses`, dispatched to per-test handlers. Not a test file itself.
 */
import nock from 'nock';
import { collectorContext, fixtures, header, json, nockReply, type Reply } from '../../src/collector-kit/testing/fake-server.js';
import type { CollectorContext } from '../../src/collector-kit/plugin.js';
import { acronisConfigSchema, type AcronisConfig } from './config.js';
import { RESOURCE_STATUSES_PATH, TOKEN_PATH } from './endpoints.js';

export const BASE = 'https://eu2-cloud.acronis.test';
export const CLIENT_ID = '3b2d8f4e-1c6a-4e2b-9f7d-5a1c2e3f4b6d';
export const SECRET = 'acronis-client-secret-correct-horse';
export const CUSTOMER = '5b15f6e1-88ec-4dce-b523-0e8394c0bc19';
export const OTHER_CUSTOMER = 'c70134c4-a244-4b22-99ad-e081301f7530';
export const NOW = new Date('2024-06-01T00:00:00Z');
export const ACCESS_TOKEN = 'eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.acronis-test.signature';

/** Fresh copy of a fixture (tests may mutate it). */
export const fixture = fixtures(import.meta.url);

export function testConfig(overrides: Record<string, unknown> = {}): AcronisConfig {
  return acronisConfigSchema.parse({ provider: 'acronis', baseUrl: BASE, clientId: CLIENT_ID, clientSecret: SECRET, timeoutMs: 5000, ...overrides });
}

export function testContext(opts: { only?: string[]; signal?: AbortSignal; now?: Date } = {}): CollectorContext {
  return collectorContext({ ...opts, now: opts.now ?? NOW });
}

/** Fast retries for tests; Retry-After from the server still wins over the backoff. */
export const FAST = { backoffBaseMs: 5, maxRetries: 3 };

export { json, sequence, type Reply } from '../../src/collector-kit/testing/fake-server.js';

export interface RequestInfo {
  query: URLSearchParams;
  authorization: string | undefined;
}

export type Handler = (req: RequestInfo) => Reply;

/** Pages keyed by the `after` cursor ('' = first page). Unknown cursors get Acronis' 400 shape. */
export function paged(pages: Record<string, unknown>): Handler {
  return (req) => {
    const after = req.query.get('after') ?? '';
    return after in pages
      ? json(pages[after])
      : { status: 400, body: { domain: 'General', code: 'BadRequestError', message: `unknown cursor ${after}` } };
  };
}

/** The three documented-shape fixture pages, chained by their `after` cursors. */
export function standardPages(): Handler {
  return paged({
    '': fixture('resource-statuses-page1.json'),
    'b2Zmc2V0PTM=': fixture('resource-statuses-page2.json'),
    'b2Zmc2V0PTY=': fixture('resource-statuses-page3.json'),
  });
}

export class FakeAcronis {
  readonly tokenRequests: Array<{ authorization: string | undefined; body: string }> = [];
  readonly statusRequests: RequestInfo[] = [];
  private tokenReply: (() => Reply) | null = null;
  private statuses: Handler = standardPages();

  constructor(private readonly secret: string = SECRET) {}

  /** Override the token answer (e.g. a 503 from the identity service). */
  onToken(reply: Reply): this {
    this.tokenReply = () => reply;
    return this;
  }

  onStatuses(handler: Handler): this {
    this.statuses = handler;
    return this;
  }

  install(): this {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- nock binds `this` to the intercepted request
    const fake = this;
    nock(BASE)
      .persist()
      .post(TOKEN_PATH)
      .reply(function (_uri, body) {
        const authorization = header(this.req.headers, 'authorization');
        const text = typeof body === 'string' ? body : new URLSearchParams(body as Record<string, string>).toString();
        fake.tokenRequests.push({ authorization, body: text });
        if (fake.tokenReply) {
          const r = fake.tokenReply();
          return nockReply({ ...r, body: r.body ?? '' });
        }
        const expected = `Basic ${Buffer.from(`${CLIENT_ID}:${fake.secret}`).toString('base64')}`;
        const form = new URLSearchParams(text);
        if (authorization !== expected || form.get('grant_type') !== 'client_credentials') {
          return [401, JSON.stringify(fixture('error-token-invalid-client.json')), { 'Content-Type': 'application/json' }];
        }
        return [200, JSON.stringify(fixture('token.json')), { 'Content-Type': 'application/json' }];
      })
      .get(RESOURCE_STATUSES_PATH)
      .query(true)
      .reply(function (uri) {
        const authorization = header(this.req.headers, 'authorization');
        const info: RequestInfo = { query: new URL(uri, BASE).searchParams, authorization };
        fake.statusRequests.push(info);
        if (authorization !== `Bearer ${ACCESS_TOKEN}`) {
          return [401, JSON.stringify(fixture('error-unauthorized.json')), { 'Content-Type': 'application/json' }];
        }
        return nockReply(fake.statuses(info));
      });
    return this;
  }
}
