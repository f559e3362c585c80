/**
 * Test harness: nock stands in for the Datto platform (token endpoint and /api/v2), answering with the fixtures in
 * fixtures/ — shapes from Datto's OpenAPI spec and the production captures documented by
 * pncit/datto-rmm-api-client (epoch-ms timestamps, nulls, @class-tagged alert contexts). Not a test file itself.
 */
import nock from 'nock';
import { collectorContext, fixtures } from '../../src/collector-kit/testing/fake-server.js';
import type { CollectorContext } from '../../src/collector-kit/plugin.js';
import { dattoRmmConfigSchema, type DattoRmmConfig } from './config.js';

export const BASE = 'https://merlot-api.test';
export const SITE = '7d7b1e7a-3c5e-4b1f-9a2d-0c1e2f3a4b5c';
export const API_KEY = 'K7RQ2M9XAPIKEY01';
export const API_SECRET = 'Vb2+secret/QmZ9x4LrT8wq3';
export const TOKEN = '6c0b1a7e-2f1d-4f3a-9a3b-token-fixture';
/** 2024-07-16T12:00:00Z: the fixtures' timestamps are relative to it. */
export const NOW = new Date(1721131200000);
export const HOUR = 3_600_000;

export const SITE_DEVICES = `/api/v2/site/${SITE}/devices`;
export const SITE_ALERTS = `/api/v2/site/${SITE}/alerts/open`;
export const ACCOUNT_DEVICES = '/api/v2/account/devices';
export const ACCOUNT_ALERTS = '/api/v2/account/alerts/open';

/** Fresh copy of a fixture (tests may mutate it). */
export const fixture = fixtures(import.meta.url);

type Page = { pageDetails: { nextPageUrl: string | null; [k: string]: unknown }; [k: string]: unknown };

/** A fixture page with its nextPageUrl replaced (null = last page). */
export function page(name: string, next: string | null): Page {
  const p = fixture<Page>(name);
  p.pageDetails.nextPageUrl = next;
  return p;
}

export function testConfig(overrides: Record<string, unknown> = {}): DattoRmmConfig {
  return dattoRmmConfigSchema.parse({
    provider: 'datto-rmm',
    baseUrl: BASE,
    apiKey: API_KEY,
    apiSecret: API_SECRET,
    siteUid: SITE,
    timeoutMs: 5000,
    ...overrides,
  });
}

export function testContext(opts: { only?: string[]; signal?: AbortSignal; now?: Date } = {}): CollectorContext {
  return collectorContext({ ...opts, now: opts.now ?? NOW });
}

export interface TokenMock {
  requests: number;
  /** Form bodies received (for asserting the grant). */
  forms: URLSearchParams[];
  authorizations: string[];
}

/**
 * POST /auth/oauth/token: password grant with HTTP Basic public-client:public. The right key/secret gets a token;
 * anything else gets the Spring Security OAuth2 answer (HTTP 400 invalid_grant "Bad credentials").
 */
export function mockToken(opts: { key?: string; secret?: string; base?: string; path?: string } = {}): TokenMock {
  const state: TokenMock = { requests: 0, forms: [], authorizations: [] };
  nock(opts.base ?? BASE)
    .persist()
    .post(opts.path ?? '/auth/oauth/token')
    .reply(function (_uri, body) {
      state.requests += 1;
      const form = new URLSearchParams(typeof body === 'string' ? body : '');
      state.forms.push(form);
      const auth = String(this.req.headers.authorization ?? '');
      state.authorizations.push(auth);
      const basicOk = auth === `Basic ${Buffer.from('public-client:public').toString('base64')}`;
      if (!basicOk) return [401, { error: 'unauthorized', error_description: 'Full authentication is required to access this resource' }];
      if (form.get('grant_type') === 'password' && form.get('username') === (opts.key ?? API_KEY) && form.get('password') === (opts.secret ?? API_SECRET)) {
        return [200, fixture('token.json')];
      }
      return [400, fixture('token-error-invalid-grant.json')];
    });
  return state;
}

/** Scope of the platform API, requiring our bearer token on every call. */
export function api(base = BASE): nock.Scope {
  return nock(base, { reqheaders: { authorization: `Bearer ${TOKEN}` } });
}

/** Both site device pages (page 2 reached through nextPageUrl ?max=250&page=1). */
export function mockSiteDevices(scope = api()): nock.Scope {
  return scope
    .get(SITE_DEVICES)
    .query({ max: '250' })
    .reply(200, fixture('site-devices-page1.json'))
    .get(SITE_DEVICES)
    .query({ max: '250', page: '1' })
    .reply(200, fixture('site-devices-page2.json'));
}

export function mockSiteAlerts(scope = api()): nock.Scope {
  return scope
    .get(SITE_ALERTS)
    .query({ max: '250' })
    .reply(200, fixture('site-alerts-open-page1.json'))
    .get(SITE_ALERTS)
    .query({ max: '250', page: '1' })
    .reply(200, fixture('site-alerts-open-page2.json'));
}
