/**
 * A demo/test OpenID provider on loopback — NOT FOR PRODUCTION USE: users, passwords and clients live in memory, the
 * signing key is generated per start, and the sign-in page exists only so tests and `ratchet demo --serve` can walk
 * the real flow. It is a real, certified provider underneath (`oidc-provider` v9), so Ratchet's OpenID client
 * (openid-client) talks to it exactly as it would to Entra ID:
 *
 * - HTTPS on 127.0.0.1 with a certificate from the simulator CA (tls.ts); TLS verification stays on everywhere.
 * - Authorization code flow, PKCE (S256) required, `nonce` echoed, ID tokens signed RS256 (JWKS at /jwks).
 * - The ID token itself carries the claims Ratchet reads (`conformIdTokenClaims: false`): sub and oid (the user id),
 *   name, preferred_username and email (the email), groups (object ids) and roles. A user with `overage: true` gets
 *   Entra's groups overage instead of `groups`: `_claim_names: { groups: 'src1' }` and `_claim_sources: { src1:
 *   { endpoint: graphUrl + '/v1.0/users/{oid}/getMemberGroups' } }`.
 * - A Microsoft Graph fake for that look-up (`serveGraph`):
 *   POST {graphUrl}/v1.0/users/{oid}/getMemberGroups with a client-credentials token this provider issued for Graph
 *   (scope `https://graph.microsoft.com/.default` or `{graphUrl}/.default`, or resource indicator `graphUrl` /
 *   `https://graph.microsoft.com`) answers `{ value: [group ids] }`; 401 without or with a bad token, 404 for an
 *   unknown user.
 * - Clients authenticate with client_secret_basic or client_secret_post (oidc-provider treats the two as one family).
 * - Sessions are oidc-provider's cookies; `prompt=login` forces a fresh sign-in. Signing in as a different person in
 *   the same browser first ends the old provider session through an auto-submitted form (oidc-provider's own page,
 *   posted by script — a browser follows it unaided). Consent is granted automatically (no page).
 * - State lives in a private in-memory store per instance; nothing survives close().
 * - oidc-provider prints "Unsupported runtime" once at import on Node 20 (it wants 22+); it runs on Node 20.18+ (it
 *   uses URL.parse), so import this module only where the provider is wanted.
 * - `tamper` corrupts the ID token of the next authorization-code token responses (until set back to null): a flipped
 *   signature, or a validly re-signed token with a wrong nonce / issuer / audience / a past expiry. openid-client
 *   checks the signature of a token-endpoint ID token only after `enableNonRepudiationChecks(config)`.
 *
 * The sign-in page (for browser tests), at /interaction/{uid}:
 *   `input[name=login]` (email or user id), `input[name=password]`, `button[type=submit]`;
 *   a wrong password re-renders the form with `[role=alert]` saying "Wrong email or password." (HTTP 401).
 * A user without a `password` signs in with DEMO_PASSWORD ("demo"). Passwords are never logged or echoed.
 */
import { createPrivateKey, generateKeyPairSync, randomBytes, randomUUID, sign, timingSafeEqual, createHash, type JsonWebKey } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import Provider, { errors, type Account, type KoaContext, type KoaMiddleware } from 'oidc-provider';
import { createMemoryAdapter } from 'oidc-provider/lib/adapters/memory_adapter.js';
import { createSimulatorCertificates } from './tls.js';

export interface IdpUser {
  id: string;
  name: string;
  email: string;
  password?: string;
  groups: string[];
  roles?: string[];
  /** More groups than fit in a token: the ID token carries Entra's overage claim instead of groups. */
  overage?: boolean;
}
export interface IdpClient {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
  /**
   * The client's public keys: it then authenticates with a signed assertion (private_key_jwt, what a certificate
   * credential on an Entra app registration amounts to) instead of its secret.
   */
  jwks?: { keys: JsonWebKey[] };
}
export type IdpTamper = null | 'signature' | 'nonce' | 'issuer' | 'audience' | 'expired';
export interface DemoIdp {
  /** https://127.0.0.1:PORT (discovery at issuer + '/.well-known/openid-configuration'). */
  issuer: string;
  /** The CA the provider's certificate chains to. */
  caPath: string;
  /** Live: changes apply to the next sign-in (claims are read when the tokens are issued). */
  users: Map<string, IdpUser>;
  /** As registered at start (oidc-provider's static clients). */
  clients: IdpClient[];
  /** Applied to every authorization-code token response until set back to null. */
  tamper: IdpTamper;
  /** The Graph fake's base URL: issuer + '/graph'. */
  graphUrl: string;
  close(): Promise<void>;
}
export interface DemoIdpOptions {
  port?: number;
  certDir?: string;
  users: IdpUser[];
  clients: IdpClient[];
  /** A line shown under the sign-in form (the demo names its sample accounts there). Plain text. */
  signInHint?: string;
}

/** The password of any user that has none of its own. */
export const DEMO_PASSWORD = 'demo';

/** Group object ids (GUID-like, as Entra puts them in the groups claim) by meaning, for the demo's roleMap. */
export const DEMO_GROUPS = {
  admins: '6f1c2a4e-8d3b-4c59-9a1e-2b7d5f0c3a11',
  'technicians-contoso-fabrikam': '0b8e4d27-31f5-4a6c-b2d9-7c1e9a5f4e22',
  viewers: 'c47a9e13-5b2d-4f80-8e6a-d3f1b0a7c933',
} as const satisfies Record<string, string>;

/** Three sample people for `ratchet demo --serve`; each signs in with password "demo" (DEMO_PASSWORD). */
export const DEMO_USERS: IdpUser[] = [
  { id: '1a5d7e90-2c4b-4e6f-8a1b-3c5d7e9f0a01', name: 'Ada Admin', email: 'ada@msp.example', groups: [DEMO_GROUPS.admins] },
  {
    id: '2b6e8fa1-3d5c-4f70-9b2c-4d6e8fa01b02',
    name: 'Tom Technician',
    email: 'tom@msp.example',
    groups: [DEMO_GROUPS['technicians-contoso-fabrikam']],
  },
  { id: '3c7f9ab2-4e6d-4081-ac3d-5e7f9ab12c03', name: 'Vera Viewer', email: 'vera@msp.example', groups: [DEMO_GROUPS.viewers] },
];

/** The Graph scopes/resources a client-credentials token must carry for the Graph fake to accept it. */
const GRAPH_PUBLIC = 'https://graph.microsoft.com';

function sha256(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

/** Constant-time password check (hash first so lengths never leak). */
function passwordMatches(user: IdpUser, given: string): boolean {
  return timingSafeEqual(sha256(user.password ?? DEMO_PASSWORD), sha256(given));
}

function findUser(users: Map<string, IdpUser>, login: string): IdpUser | undefined {
  const wanted = login.trim().toLowerCase();
  if (!wanted) return undefined;
  return users.get(login.trim()) ?? [...users.values()].find((u) => u.email.toLowerCase() === wanted);
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

function signInPage(uid: string, clientId: string, opts: { error?: string; login?: string; hint?: string }): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in — Ratchet demo identity provider</title>
<style>body{font-family:system-ui,sans-serif;max-width:26rem;margin:4rem auto;padding:0 1rem}label{display:block;margin:.8rem 0}
input{display:block;width:100%;padding:.4rem;box-sizing:border-box}button{margin-top:1rem;padding:.5rem 1.2rem}
.error{color:#b00020}.note{color:#555;font-size:.9rem}</style></head>
<body><h1>Sign in</h1>
<p class="note">Demo identity provider for Ratchet (not for production use). Signing in to <code>${escapeHtml(clientId)}</code>.</p>
${opts.error ? `<p class="error" role="alert">${escapeHtml(opts.error)}</p>` : ''}
<form method="post" action="/interaction/${encodeURIComponent(uid)}/login" autocomplete="off">
<label>Email <input name="login" type="text" autofocus required value="${escapeHtml(opts.login ?? '')}"></label>
<label>Password <input name="password" type="password" required></label>
<button type="submit">Sign in</button>
</form>
${opts.hint ? `<p class="note">${escapeHtml(opts.hint)}</p>` : ''}
</body></html>`;
}

async function readForm(ctx: KoaContext): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    size += (chunk as Buffer).length;
    if (size > 16_384) throw new Error('form too large');
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function b64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

/**
 * Corrupt an ID token the way `mode` says. Claim changes are re-signed with the provider's own key (same header, so
 * same kid), so the signature verifies and only the relying party's claim checks can refuse the token.
 */
function tamperIdToken(idToken: string, mode: Exclude<IdpTamper, null>, privateJwk: JsonWebKey): string {
  const [header, payload, signature] = idToken.split('.') as [string, string, string];
  if (mode === 'signature') {
    const sig = Buffer.from(signature, 'base64url');
    sig[0] = (sig[0] ?? 0) ^ 0xff;
    sig[sig.length - 1] = (sig[sig.length - 1] ?? 0) ^ 0xff;
    return `${header}.${payload}.${b64url(sig)}`;
  }
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
  const now = Math.floor(Date.now() / 1000);
  if (mode === 'nonce') claims.nonce = `tampered-${randomBytes(8).toString('hex')}`;
  if (mode === 'issuer') claims.iss = 'https://issuer.invalid';
  if (mode === 'audience') claims.aud = 'someone-else';
  if (mode === 'expired') Object.assign(claims, { iat: now - 7200, exp: now - 3600 });
  const input = `${header}.${b64url(JSON.stringify(claims))}`;
  const sig = sign('sha256', Buffer.from(input), createPrivateKey({ key: privateJwk, format: 'jwk' }));
  return `${input}.${b64url(sig)}`;
}

function graphError(ctx: KoaContext, status: number, code: string, message: string): void {
  ctx.status = status;
  ctx.type = 'application/json';
  ctx.body = { error: { code, message } };
}

export async function startDemoIdp(opts: DemoIdpOptions): Promise<DemoIdp> {
  const certs = await createSimulatorCertificates(opts.certDir ? { dir: opts.certDir } : {});
  const users = new Map(opts.users.map((u) => [u.id, u]));
  const clients = opts.clients.map((c) => ({ ...c, redirectUris: [...c.redirectUris] }));

  // The issuer carries the port, so the socket is bound before the provider exists; requests wait for the handler.
  const server: Server = createServer({ cert: certs.certPem, key: certs.keyPem });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const issuer = `https://127.0.0.1:${port}`;
  const graphUrl = `${issuer}/graph`;
  const graphResources = new Set([graphUrl, GRAPH_PUBLIC]);
  const graphScopes = new Set([...graphResources].map((r) => `${r}/.default`));

  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const privateJwk: JsonWebKey = { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), alg: 'RS256', use: 'sig' };

  const findAccount = async (_ctx: KoaContext, sub: string): Promise<Account | undefined> => {
    if (!users.has(sub)) return undefined;
    return {
      accountId: sub,
      // Read at issue time, so tests that change a user's groups see it at the next sign-in.
      claims: () => {
        const u = users.get(sub);
        if (!u) return { sub };
        const base = { sub, oid: u.id, name: u.name, preferred_username: u.email, email: u.email, ...(u.roles ? { roles: u.roles } : {}) };
        if (!u.overage) return { ...base, groups: u.groups };
        return {
          ...base,
          _claim_names: { groups: 'src1' },
          _claim_sources: { src1: { endpoint: `${graphUrl}/v1.0/users/${encodeURIComponent(u.id)}/getMemberGroups` } },
        };
      },
    };
  };

  const provider = new Provider(issuer, {
    clients: clients.map((c) => ({
      client_id: c.clientId,
      redirect_uris: c.redirectUris,
      grant_types: ['authorization_code', 'client_credentials'],
      response_types: ['code'],
      ...(c.jwks
        ? { jwks: c.jwks, token_endpoint_auth_method: 'private_key_jwt', token_endpoint_auth_signing_alg: 'RS256' }
        : { client_secret: c.clientSecret, token_endpoint_auth_method: 'client_secret_basic' }),
    })),
    jwks: { keys: [privateJwk] },
    // Its own in-memory store (the default one is shared by every provider in the process, and warns).
    adapter: createMemoryAdapter(),
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    findAccount,
    claims: {
      openid: ['sub', 'oid', 'groups', 'roles'],
      profile: ['name', 'preferred_username'],
      email: ['email'],
    },
    // Ratchet reads the ID token, not userinfo: put every granted claim in it.
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    interactions: { url: (_ctx: KoaContext, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        // Entra-style: a client-credentials request for `{resource}/.default` is a request for that resource.
        defaultResource: async (ctx: KoaContext, _client: unknown, oneOf?: string) => {
          if (oneOf !== undefined || ctx.oidc?.params?.grant_type !== 'client_credentials') return oneOf;
          const scopes = String(ctx.oidc.params.scope ?? '').split(' ');
          return [...graphResources].find((r) => scopes.includes(`${r}/.default`));
        },
        useGrantedResource: async () => false,
        getResourceServerInfo: async (_ctx: KoaContext, resource: string) => {
          if (!graphResources.has(resource)) throw new errors.InvalidTarget();
          return { scope: `${resource}/.default`, audience: resource, accessTokenFormat: 'opaque' };
        },
      },
    },
    ttl: { Session: 3600, Interaction: 600, AuthorizationCode: 60, AccessToken: 600, ClientCredentials: 600, IdToken: 600, Grant: 3600 },
  });
  // Errors go to the caller as OAuth error responses; keep the provider from printing request details.
  provider.on('server_error', () => undefined);

  const idp: DemoIdp = {
    issuer,
    caPath: certs.caPath,
    users,
    clients,
    tamper: null,
    graphUrl,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };

  const serveInteraction: KoaMiddleware = async (ctx, next) => {
    const m = /^\/interaction\/([^/]+)(\/login)?$/.exec(ctx.path);
    if (!m) return next();
    // No interaction cookie, an expired interaction or another tab's: a plain page instead of a stack of errors.
    const details = await provider.interactionDetails(ctx.req, ctx.res).catch(() => null);
    if (!details || details.uid !== decodeURIComponent(m[1] ?? '')) {
      ctx.status = 400;
      ctx.type = 'text/plain';
      ctx.body = 'This sign-in has expired or was already used; start again from the application.';
      return;
    }
    const clientId = String(details.params.client_id ?? '');
    ctx.set('Cache-Control', 'no-store');

    if (details.prompt.name === 'consent') {
      // Consent is granted without a page: the demo has one first-party application.
      const accountId = details.session?.accountId ?? '';
      const grant = (details.grantId ? await provider.Grant.find(details.grantId) : undefined) ?? new provider.Grant({ accountId, clientId });
      const d = details.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[]; missingResourceScopes?: Record<string, string[]> };
      if (d.missingOIDCScope) grant.addOIDCScope(d.missingOIDCScope.join(' '));
      if (d.missingOIDCClaims) grant.addOIDCClaims(d.missingOIDCClaims);
      for (const [resource, scopes] of Object.entries(d.missingResourceScopes ?? {})) grant.addResourceScope(resource, scopes.join(' '));
      const grantId = await grant.save();
      ctx.redirect(await provider.interactionResult(ctx.req, ctx.res, { consent: { grantId } }, { mergeWithLastSubmission: true }));
      return;
    }

    if (!m[2]) {
      ctx.type = 'text/html';
      ctx.body = signInPage(details.uid, clientId, { hint: opts.signInHint });
      return;
    }
    if (ctx.method !== 'POST') {
      ctx.status = 405;
      return;
    }
    const form = await readForm(ctx);
    const login = form.get('login') ?? '';
    const user = findUser(users, login);
    if (!user || !passwordMatches(user, form.get('password') ?? '')) {
      ctx.status = 401;
      ctx.type = 'text/html';
      ctx.body = signInPage(details.uid, clientId, { error: 'Wrong email or password.', login, hint: opts.signInHint });
      return;
    }
    const returnTo = await provider.interactionResult(ctx.req, ctx.res, { login: { accountId: user.id } }, { mergeWithLastSubmission: false });
    ctx.status = 303;
    ctx.redirect(returnTo);
  };

  const serveGraph: KoaMiddleware = async (ctx, next) => {
    if (!ctx.path.startsWith('/graph/')) return next();
    const m = /^\/graph\/v1\.0\/users\/([^/]+)\/getMemberGroups$/.exec(ctx.path);
    if (!m || ctx.method !== 'POST') return graphError(ctx, 404, 'Request_ResourceNotFound', 'No such Graph resource in the demo fake.');
    const auth = /^Bearer (\S+)$/i.exec(ctx.get('authorization'));
    const token = auth?.[1] ? await provider.ClientCredentials.find(auth[1]) : undefined;
    const audiences = token ? [token.aud ?? []].flat() : [];
    const forGraph = token && ((token.scope ?? '').split(' ').some((s) => graphScopes.has(s)) || audiences.some((a) => graphResources.has(a)));
    if (!token || token.isExpired || !forGraph || !clients.some((c) => c.clientId === token.clientId)) {
      ctx.set('WWW-Authenticate', 'Bearer error="invalid_token"');
      return graphError(ctx, 401, 'InvalidAuthenticationToken', 'Access token is missing, invalid or not for Microsoft Graph.');
    }
    const user = users.get(decodeURIComponent(m[1] ?? ''));
    if (!user) return graphError(ctx, 404, 'Request_ResourceNotFound', `Resource '${m[1] ?? ''}' does not exist.`);
    ctx.type = 'application/json';
    ctx.body = { '@odata.context': `${graphUrl}/v1.0/$metadata#Collection(Edm.String)`, value: [...user.groups] };
  };

  const tamperTokens: KoaMiddleware = async (ctx, next) => {
    await next();
    const mode = idp.tamper;
    if (!mode || ctx.path !== '/token' || ctx.status !== 200 || ctx.oidc?.params?.grant_type !== 'authorization_code') return;
    const body = ctx.body as { id_token?: unknown } | null;
    if (body && typeof body.id_token === 'string') body.id_token = tamperIdToken(body.id_token, mode, privateJwk);
  };

  provider.use(serveInteraction);
  provider.use(serveGraph);
  provider.use(tamperTokens);
  server.on('request', provider.callback());
  return idp;
}
