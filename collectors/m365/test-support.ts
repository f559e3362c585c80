/**
 * Test harness: nock stands in for the token endpoint (with the OpenID metadata MSAL reads first) and for Graph,
 * including `$batch`, whose sub-requests are dispatched through the same routes as plain GETs so a fixture serves
 * both. The real @azure/identity and Graph client run on top. Not a test file itself.
 */
import nock from 'nock';
import { collectorContext, fixtures, json, nockReply, Routes, type Reply as KitReply } from '../../src/collector-kit/testing/fake-server.js';
import type { CollectorContext } from '../../src/collector-kit/plugin.js';
import { m365ConfigSchema, type M365Config } from './config.js';
import { contosoDns } from './email-auth/test-dns.js';

export const TENANT = 'contoso.onmicrosoft.com';
export const CLIENT_ID = '11111111-1111-1111-1111-111111111111';
export const SECRET = 'correct-horse-battery-staple-secret';
export const GRAPH = 'https://graph.test';
export const LOGIN = 'https://login.test';
const DEFAULT_LOGIN = LOGIN;
export const NOW = new Date('2024-06-01T00:00:00Z');

/** The e-mail authentication checks ask a loopback DNS server serving contoso.com, never the internet. */
export const TEST_DNS = (await contosoDns()).address;

/** Fresh copy of a fixture (tests may mutate it). */
export const fixture = fixtures(import.meta.url);

export function testConfig(overrides: Record<string, unknown> = {}): M365Config {
  return m365ConfigSchema.parse({
    tenantId: TENANT,
    clientId: CLIENT_ID,
    clientSecret: SECRET,
    cloud: { graphEndpoint: GRAPH, authorityHost: LOGIN },
    timeoutMs: 5000,
    maxRetries: 3,
    dns: { servers: [TEST_DNS], timeoutMs: 500 },
    ...overrides,
  });
}

export function testContext(opts: { only?: string[]; signal?: AbortSignal } = {}): CollectorContext {
  return collectorContext({ ...opts, now: NOW });
}

export interface LoginMock {
  tokenRequests: number;
}

/** Token endpoint + OpenID metadata. A wrong client secret gets Entra's real AADSTS7000215 answer. */
export function mockLogin(opts: { secret?: string; tenant?: string; host?: string } = {}): LoginMock {
  const tenant = opts.tenant ?? TENANT;
  const secret = opts.secret ?? SECRET;
  const LOGIN = opts.host ?? DEFAULT_LOGIN;
  const state: LoginMock = { tokenRequests: 0 };
  nock(LOGIN)
    .persist()
    .get(`/${tenant}/v2.0/.well-known/openid-configuration`)
    .reply(200, {
      token_endpoint: `${LOGIN}/${tenant}/oauth2/v2.0/token`,
      authorization_endpoint: `${LOGIN}/${tenant}/oauth2/v2.0/authorize`,
      issuer: `${LOGIN}/${tenant}/v2.0`,
      jwks_uri: `${LOGIN}/${tenant}/discovery/v2.0/keys`,
      end_session_endpoint: `${LOGIN}/${tenant}/oauth2/v2.0/logout`,
    })
    .post(`/${tenant}/oauth2/v2.0/token`)
    .query(true)
    .reply((_uri, body) => {
      state.tokenRequests += 1;
      const params = new URLSearchParams(typeof body === 'string' ? body : '');
      if (params.get('client_secret') === secret && params.get('client_id') === CLIENT_ID) {
        return [200, { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: 'eyJ0eXAiOiJKV1QifQ.test.token' }];
      }
      return [
        401,
        {
          error: 'invalid_client',
          error_description:
            "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '11111111-1111-1111-1111-111111111111'.\r\nTrace ID: 0d6a2f5e-7b1c-4c4e-9a3e-1c2b3d4e5f60\r\nCorrelation ID: 5f4e3d2c-1b0a-4987-8765-43210fedcba9\r\nTimestamp: 2024-06-01 00:00:00Z",
          error_codes: [7000215],
          timestamp: '2024-06-01 00:00:00Z',
          trace_id: '0d6a2f5e-7b1c-4c4e-9a3e-1c2b3d4e5f60',
          correlation_id: '5f4e3d2c-1b0a-4987-8765-43210fedcba9',
        },
      ];
    });
  return state;
}

export interface GraphRequestInfo {
  /** Path relative to /v1.0, decoded, without query. */
  path: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  viaBatch: boolean;
}

/** `delayMs` applies to plain GETs only. */
export interface Reply extends KitReply {
  /** Plain-text body sent as is (text/plain), e.g. a `$count` answer; wins over `body`. */
  text?: string;
}

export type Handler = (req: GraphRequestInfo) => Reply;

export { json, sequence } from '../../src/collector-kit/testing/fake-server.js';
/** A `$count` answer: a bare integer as text/plain, as Graph sends it. */
export const text = (body: string): Reply => ({ status: 200, text: body, headers: { 'Content-Type': 'text/plain' } });
export const graphError = (status: number, body: unknown, headers?: Record<string, string>): Reply => ({ status, body, headers });

/** Pages selected by `$skiptoken` ('' = first page). */
export function paged(pages: Record<string, unknown>): Handler {
  return (req) => {
    const token = req.query.get('$skiptoken') ?? '';
    return token in pages ? json(pages[token]) : graphError(400, { error: { code: 'BadRequest', message: `unknown skiptoken ${token}` } });
  };
}

interface BatchBody {
  requests: Array<{ id: string; method: string; url: string; headers?: Record<string, string> }>;
}

export class FakeGraph extends Routes<GraphRequestInfo, Reply> {
  constructor(private readonly host: string = GRAPH) {
    super((req) => graphError(404, { error: { code: 'Request_ResourceNotFound', message: `no fake route for ${req.path}` } }));
  }

  readonly batches: BatchBody[] = [];
  /** Authorization headers seen on plain requests (to prove the token reaches a custom host). */
  readonly authorizations: string[] = [];
  /** When set, the $batch envelope itself answers with this (to test the per-request fallback). */
  batchEnvelopeReply: Reply | null = null;

  private static parse(url: string, headers: Record<string, string>, viaBatch: boolean): GraphRequestInfo {
    const u = new URL(url, 'https://fake.invalid/');
    const path = decodeURIComponent(u.pathname).replace(/^\/v1\.0(?=\/)/, '');
    return { path, query: u.searchParams, headers, viaBatch };
  }

  install(): this {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- nock binds `this` to the intercepted request
    const graph = this;
    nock(this.host)
      .persist()
      .get(/^\/v1\.0\//)
      .query(true)
      .reply(function (uri, _body, callback) {
        const headers = lowerHeaders((this.req.headers ?? {}) as Record<string, unknown>);
        if (headers.authorization) graph.authorizations.push(headers.authorization);
        const reply = graph.dispatch(FakeGraph.parse(uri, headers, false));
        const payload = reply.text ?? (reply.body === undefined ? '' : JSON.stringify(reply.body));
        const answer = () => callback(null, [reply.status, payload, { 'Content-Type': 'application/json', ...reply.headers }]);
        if (reply.delayMs) setTimeout(answer, reply.delayMs);
        else answer();
      })
      .post('/v1.0/$batch')
      .reply((_uri, body) => {
        const parsed = (typeof body === 'string' ? JSON.parse(body) : body) as BatchBody;
        graph.batches.push(parsed);
        if (graph.batchEnvelopeReply) {
          return nockReply({ ...graph.batchEnvelopeReply, body: graph.batchEnvelopeReply.body ?? '' });
        }
        const responses = parsed.requests.map((r) => {
          const reply = graph.dispatch(FakeGraph.parse(r.url, lowerHeaders(r.headers ?? {}), true));
          return {
            id: r.id,
            status: reply.status,
            headers: { 'Content-Type': 'application/json', ...reply.headers },
            body: reply.body,
          };
        });
        return [200, { responses }, { 'Content-Type': 'application/json' }];
      });
    return this;
  }
}

function lowerHeaders(h: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v.join(', ') : String(v)]));
}

/** Routes of a healthy, fully licensed tenant (fixtures/), served for both plain GETs and $batch. */
export function standardTenant(graph: FakeGraph): FakeGraph {
  return graph
    .on('/subscribedSkus', json(fixture('subscribed-skus.json')))
    .on('/policies/identitySecurityDefaultsEnforcementPolicy', json(fixture('security-defaults-disabled.json')))
    .on('/security/secureScores', json(fixture('secure-scores.json')))
    .on('/identity/conditionalAccess/policies', json(fixture('conditional-access-policies.json')))
    .on('/roleManagement/directory/roleAssignments', json(fixture('role-assignments-global-admins.json')))
    .on('/users', (req) => {
      const filter = req.query.get('$filter') ?? '';
      if (filter === 'accountEnabled eq false') return json(fixture('users-disabled.json'));
      // inactive-account candidates (signInActivity filters).
      if (filter.startsWith('signInActivity/lastSuccessfulSignInDateTime le ')) return json(fixture('users-signin-inactive.json'));
      if (filter === 'signInActivity/lastSuccessfulSignInDateTime eq null') return json(fixture('users-never-signed-in.json'));
      if (filter.startsWith('accountEnabled eq true')) return json({ '@odata.count': 6, value: [{ id: 'x' }] });
      return paged({ '': fixture('users-page1.json'), users2: fixture('users-page2.json') })(req);
    })
    .on(
      '/reports/authenticationMethods/userRegistrationDetails',
      paged({
        '': fixture('registration-details-page1.json'),
        page2: fixture('registration-details-page2.json'),
        page3: fixture('registration-details-page3.json'),
      }),
    )
    .on('/deviceManagement/managedDevices', paged({ '': fixture('managed-devices-page1.json'), devices2: fixture('managed-devices-page2.json') }))
    // Defender alerts, Windows Update rings, SharePoint settings (Microsoft's documented examples).
    .on('/security/alerts_v2', json(fixture('security-alerts-v2.json')))
    .on('/deviceManagement/deviceConfigurations', json(fixture('update-rings.json')))
    .on('/admin/sharepoint/settings', json(fixture('sharepoint-settings.json')))
    // authorization and authentication methods policies, PIM schedules (Microsoft's documented examples).
    .on('/policies/authorizationPolicy', json(fixture('authorization-policy-restricted.json')))
    .on('/policies/authenticationMethodsPolicy', json(fixture('authentication-methods-policy.json')))
    .on('/roleManagement/directory/roleEligibilitySchedules', json(fixture('role-eligibility-schedules-ga.json')))
    .on('/roleManagement/directory/roleAssignmentSchedules', json(fixture('role-assignment-schedules-ga.json')))
    .on('/domains', json(fixture('domains-password-policy.json')));
}
