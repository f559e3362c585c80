/**
 * The demo OpenID provider against the real OpenID client Ratchet uses (openid-client), over real HTTPS trusting the
 * test-run CA. The browser is played with plain requests: authorize → sign-in page → credentials → (auto) consent →
 * redirect URI with a code, following each redirect by hand with the provider's cookies.
 */
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_GROUPS, DEMO_PASSWORD, DEMO_USERS, startDemoIdp, type DemoIdp, type IdpUser } from './idp.js';

const REDIRECT = 'https://127.0.0.1:1/auth/callback';
const CLIENT = { clientId: 'ratchet-test', clientSecret: 'test-secret-not-a-real-one', redirectUris: [REDIRECT] };
const ALICE: IdpUser = { id: 'a11ce000-0000-4000-8000-000000000001', name: 'Alice Admin', email: 'alice@example.test', password: 'correct horse', groups: ['g-admins', 'g-viewers'], roles: ['Ratchet.Admin'] };
const OLIVER: IdpUser = { id: '0v3r0000-0000-4000-8000-000000000002', name: 'Oliver Overage', email: 'oliver@example.test', groups: ['g-1', 'g-2', 'g-3'], overage: true };

let idp: DemoIdp;
let ca: string;

interface Reply {
  status: number;
  location: string | null;
  body: string;
  setCookies: string[];
}

function send(url: string, opts: { method?: string; cookies?: Map<string, string>; form?: Record<string, string>; headers?: Record<string, string> } = {}): Promise<Reply> {
  const body = opts.form ? new URLSearchParams(opts.form).toString() : undefined;
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.cookies?.size) headers.cookie = [...opts.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  if (body !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
  return new Promise((resolve, reject) => {
    const req = request(url, { method: opts.method ?? (body ? 'POST' : 'GET'), headers, ca }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const setCookies = res.headers['set-cookie'] ?? [];
        for (const c of setCookies) {
          const [pair] = c.split(';');
          const eq = pair!.indexOf('=');
          opts.cookies?.set(pair!.slice(0, eq), pair!.slice(eq + 1));
        }
        const location = res.headers.location ? new URL(res.headers.location, url).href : null;
        resolve({ status: res.statusCode ?? 0, location, body: Buffer.concat(chunks).toString('utf8'), setCookies });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function config(auth: 'post' | 'basic' = 'post'): Promise<client.Configuration> {
  const method = auth === 'post' ? client.ClientSecretPost(CLIENT.clientSecret) : client.ClientSecretBasic(CLIENT.clientSecret);
  return client.discovery(new URL(idp.issuer), CLIENT.clientId, undefined, method);
}

/** Walk a whole sign-in with a cookie jar (a "browser"); returns the callback URL and the checks to redeem it. */
async function signIn(cfg: client.Configuration, login: string, password: string, jar = new Map<string, string>(), extra: Record<string, string> = {}) {
  const verifier = client.randomPKCECodeVerifier();
  const nonce = client.randomNonce();
  const state = client.randomState();
  const authorize = client.buildAuthorizationUrl(cfg, {
    redirect_uri: REDIRECT,
    scope: 'openid profile email',
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    nonce,
    state,
    ...extra,
  });
  let reply = await send(authorize.href, { cookies: jar });
  let signInPage: string | null = null;
  for (let hop = 0; hop < 12; hop++) {
    // Signing in as someone else ends the old provider session first, through an auto-submitted form (a browser
    // posts it by script); post it the same way.
    const autoSubmit = /<form method="post" action="([^"]+)">/.exec(reply.status === 200 ? reply.body : '');
    if (autoSubmit) {
      const fields = Object.fromEntries([...reply.body.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"\/>/g)].map((f) => [f[1]!, f[2]!]));
      reply = await send(autoSubmit[1]!, { cookies: jar, form: fields });
      continue;
    }
    expect([302, 303], reply.body).toContain(reply.status);
    const next = reply.location!;
    if (next.startsWith(REDIRECT)) return { callback: new URL(next), verifier, nonce, state, signInPage };
    reply = await send(next, { cookies: jar });
    if (reply.status === 200 && reply.body.includes('name="login"')) {
      signInPage = reply.body;
      reply = await send(`${next}/login`, { cookies: jar, form: { login, password } });
      if (reply.status === 401) return { callback: null, verifier, nonce, state, signInPage: reply.body };
    }
  }
  throw new Error('too many redirects');
}

beforeAll(async () => {
  ca = '';
  idp = await startDemoIdp({ certDir: process.env.RATCHET_TEST_CA_DIR, users: [ALICE, OLIVER, ...DEMO_USERS], clients: [CLIENT] });
  ca = readFileSync(idp.caPath, 'utf8');
});
afterAll(async () => {
  await idp?.close();
});

describe('demo OpenID provider', () => {
  it('serves discovery on loopback HTTPS with code flow, S256 PKCE, RS256 and both secret auth methods', async () => {
    expect(idp.issuer).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const meta = (await config()).serverMetadata();
    expect(meta.issuer).toBe(idp.issuer);
    expect(meta.response_types_supported).toContain('code');
    expect(meta.code_challenge_methods_supported).toEqual(['S256']);
    expect(meta.id_token_signing_alg_values_supported).toContain('RS256');
    expect(meta.token_endpoint_auth_methods_supported).toEqual(expect.arrayContaining(['client_secret_post', 'client_secret_basic']));
    expect(meta.grant_types_supported).toEqual(expect.arrayContaining(['authorization_code', 'client_credentials']));
    const jwks = JSON.parse((await send(meta.jwks_uri!)).body) as { keys: Array<Record<string, unknown>> };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });
    expect(jwks.keys[0]).not.toHaveProperty('d');
  });

  it('signs a person in with code + PKCE and puts sub, oid, name, email, groups, roles and the nonce in the ID token', async () => {
    for (const auth of ['post', 'basic'] as const) {
      const cfg = await config(auth);
      const flow = await signIn(cfg, ALICE.email, ALICE.password!);
      expect(flow.signInPage).toContain('name="password"');
      expect(flow.callback!.searchParams.get('iss')).toBe(idp.issuer);
      const tokens = await client.authorizationCodeGrant(cfg, flow.callback!, { pkceCodeVerifier: flow.verifier, expectedNonce: flow.nonce, expectedState: flow.state });
      const claims = tokens.claims()!;
      expect(claims).toMatchObject({
        iss: idp.issuer,
        aud: CLIENT.clientId,
        sub: ALICE.id,
        oid: ALICE.id,
        name: ALICE.name,
        preferred_username: ALICE.email,
        email: ALICE.email,
        groups: ALICE.groups,
        roles: ALICE.roles,
        nonce: flow.nonce,
      });
      expect(claims).not.toHaveProperty('_claim_names');
      // Signed RS256 by the key the JWKS serves.
      const header = JSON.parse(Buffer.from(tokens.id_token!.split('.')[0]!, 'base64url').toString()) as { alg: string };
      expect(header.alg).toBe('RS256');
    }
  });

  it('refuses an authorization request without PKCE', async () => {
    const cfg = await config();
    const url = client.buildAuthorizationUrl(cfg, { redirect_uri: REDIRECT, scope: 'openid', state: client.randomState() });
    const reply = await send(url.href);
    expect(reply.location).toContain(REDIRECT);
    const back = new URL(reply.location!);
    expect(back.searchParams.get('error')).toBe('invalid_request');
    expect(back.searchParams.get('error_description')).toBe('Authorization Server policy requires PKCE to be used for this request');
  });

  it('says so on a wrong password and never echoes it', async () => {
    const cfg = await config();
    const flow = await signIn(cfg, ALICE.email, 'not-the-password');
    expect(flow.callback).toBeNull();
    expect(flow.signInPage).toContain('role="alert"');
    expect(flow.signInPage).toContain('Wrong email or password.');
    expect(flow.signInPage).not.toContain('not-the-password');
  });

  it('answers a sign-in page without its interaction cookie with a plain 400', async () => {
    const reply = await send(`${idp.issuer}/interaction/not-a-real-one`);
    expect(reply.status).toBe(400);
    expect(reply.body).toContain('start again from the application');
  });

  it('keeps the session in a cookie, and prompt=login forces a fresh sign-in as someone else', async () => {
    const cfg = await config();
    const jar = new Map<string, string>();
    const first = await signIn(cfg, ALICE.email, ALICE.password!, jar);
    expect(first.signInPage).not.toBeNull();
    // Same browser, no prompt: the provider's session signs Alice straight in, without the page.
    const again = await signIn(cfg, 'ignored', 'ignored', jar);
    expect(again.signInPage).toBeNull();
    const t1 = await client.authorizationCodeGrant(cfg, again.callback!, { pkceCodeVerifier: again.verifier, expectedNonce: again.nonce, expectedState: again.state });
    expect(t1.claims()!.sub).toBe(ALICE.id);
    // prompt=login: the page again, and a different person this time (a demo user with the demo password).
    const tom = DEMO_USERS[1]!;
    const other = await signIn(cfg, tom.email, DEMO_PASSWORD, jar, { prompt: 'login' });
    expect(other.signInPage).not.toBeNull();
    const t2 = await client.authorizationCodeGrant(cfg, other.callback!, { pkceCodeVerifier: other.verifier, expectedNonce: other.nonce, expectedState: other.state });
    expect(t2.claims()).toMatchObject({ sub: tom.id, groups: [DEMO_GROUPS['technicians-contoso-fabrikam']] });
  });

  it('reads users live: a changed group list shows at the next sign-in', async () => {
    const cfg = await config();
    const vera = idp.users.get(DEMO_USERS[2]!.id)!;
    const before = vera.groups;
    vera.groups = [...before, 'g-added'];
    try {
      const flow = await signIn(cfg, vera.email, DEMO_PASSWORD);
      const tokens = await client.authorizationCodeGrant(cfg, flow.callback!, { pkceCodeVerifier: flow.verifier, expectedNonce: flow.nonce, expectedState: flow.state });
      expect(tokens.claims()!.groups).toEqual([...before, 'g-added']);
    } finally {
      vera.groups = before;
    }
  });

  it('gives an overage user Entra’s overage claim, and the Graph fake answers their groups to a client-credentials token', async () => {
    const cfg = await config();
    const flow = await signIn(cfg, OLIVER.email, DEMO_PASSWORD);
    const tokens = await client.authorizationCodeGrant(cfg, flow.callback!, { pkceCodeVerifier: flow.verifier, expectedNonce: flow.nonce, expectedState: flow.state });
    const claims = tokens.claims()! as Record<string, unknown>;
    expect(claims).not.toHaveProperty('groups');
    const endpoint = `${idp.graphUrl}/v1.0/users/${OLIVER.id}/getMemberGroups`;
    expect(claims._claim_names).toEqual({ groups: 'src1' });
    expect(claims._claim_sources).toEqual({ src1: { endpoint } });

    const graph = (token?: string) =>
      send(endpoint, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) } });
    expect((await graph()).status).toBe(401);
    expect((await graph('made-up-token')).status).toBe(401);
    // A client-credentials token without Graph's scope is this provider's, but not for Graph.
    const notGraph = await client.clientCredentialsGrant(cfg);
    expect((await graph(notGraph.access_token)).status).toBe(401);

    const graphRequests: Array<Record<string, string>> = [{ scope: 'https://graph.microsoft.com/.default' }, { resource: idp.graphUrl }];
    for (const params of graphRequests) {
      const cc = await client.clientCredentialsGrant(cfg, params);
      const ok = await graph(cc.access_token);
      expect(ok.status).toBe(200);
      expect((JSON.parse(ok.body) as { value: string[] }).value).toEqual(OLIVER.groups);
    }
    const cc = await client.clientCredentialsGrant(cfg, { scope: `${idp.graphUrl}/.default` });
    const unknown = await send(`${idp.graphUrl}/v1.0/users/nobody/getMemberGroups`, { method: 'POST', headers: { authorization: `Bearer ${cc.access_token}` } });
    expect(unknown.status).toBe(404);
  });

  describe('tamper knob: openid-client refuses the corrupted ID token', () => {
    // openid-client throws ClientError (code below) whose cause is oauth4webapi's OperationProcessingError (message).
    const cases = [
      // Signatures of token-endpoint ID tokens are only checked with enableNonRepudiationChecks (TLS already
      // authenticates the provider); without it a flipped signature passes — see the next test.
      ['signature', 'OAUTH_INVALID_RESPONSE', 'JWT signature verification failed'],
      ['nonce', 'OAUTH_JWT_CLAIM_COMPARISON_FAILED', 'unexpected ID Token "nonce" claim value'],
      ['issuer', 'OAUTH_JWT_CLAIM_COMPARISON_FAILED', 'unexpected JWT "iss" (issuer) claim value'],
      ['audience', 'OAUTH_JWT_CLAIM_COMPARISON_FAILED', 'unexpected JWT "aud" (audience) claim value'],
      ['expired', 'OAUTH_JWT_TIMESTAMP_CHECK_FAILED', 'unexpected JWT "exp" (expiration time) claim value, expiration is past current timestamp'],
    ] as const;
    for (const [mode, code, message] of cases) {
      it(`refuses a token with a bad ${mode}`, async () => {
        const cfg = await config();
        client.enableNonRepudiationChecks(cfg);
        const flow = await signIn(cfg, ALICE.email, ALICE.password!);
        idp.tamper = mode;
        try {
          const err = await client
            .authorizationCodeGrant(cfg, flow.callback!, { pkceCodeVerifier: flow.verifier, expectedNonce: flow.nonce, expectedState: flow.state })
            .then(() => null, (e: unknown) => e);
          expect(err).toBeInstanceOf(client.ClientError);
          expect(err).toMatchObject({ code });
          expect(((err as Error).cause as Error).message).toBe(message);
        } finally {
          idp.tamper = null;
        }
        // With the knob cleared the same flow succeeds again (the refusal came from the tampering).
        const clean = await signIn(cfg, ALICE.email, ALICE.password!);
        const ok = await client.authorizationCodeGrant(cfg, clean.callback!, { pkceCodeVerifier: clean.verifier, expectedNonce: clean.nonce, expectedState: clean.state });
        expect(ok.claims()!.sub).toBe(ALICE.id);
      });
    }

    it('a flipped signature is only caught with enableNonRepudiationChecks (so Ratchet must turn it on)', async () => {
      const cfg = await config();
      const flow = await signIn(cfg, ALICE.email, ALICE.password!);
      idp.tamper = 'signature';
      try {
        const tokens = await client.authorizationCodeGrant(cfg, flow.callback!, { pkceCodeVerifier: flow.verifier, expectedNonce: flow.nonce, expectedState: flow.state });
        expect(tokens.claims()!.sub).toBe(ALICE.id);
      } finally {
        idp.tamper = null;
      }
    });
  });
});
