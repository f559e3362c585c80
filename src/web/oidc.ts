/**
 * OpenID Connect sign-in for people (DESIGN §15): the authorization code flow with PKCE through `openid-client`,
 * which checks the ID token's issuer, audience, nonce and expiry, the response's state and — with
 * `enableNonRepudiationChecks`, which we turn on — the ID token's signature against the provider's JWKS. Nothing
 * here parses or verifies a JWT by hand.
 *
 * - `GET /auth/login?next=…` (public) discovers the provider (cached per process, rediscovered after a failure),
 *   makes a PKCE verifier, a state and a nonce, stores them server-side (`OidcLoginRecord`, 10 minutes, keyed by the
 *   SHA-256 of a random value in the `ratchet_oidc` cookie: HttpOnly, SameSite=Lax — the provider's redirect back is
 *   a cross-site top-level GET that a Strict cookie would not survive —, Path=/auth) and redirects to the provider.
 * - `GET {redirectPath}` (public) takes that record (once: a replayed callback finds nothing), lets openid-client
 *   redeem the code, maps the claims to a person, role and tenants (oidc-claims.ts; Graph on Entra's groups overage,
 *   oidc-groups.ts), creates a person's session (`UserSessionRecord`, audit `login`) and sets `ratchet_session` like
 *   token sign-in does. It answers with a tiny page that moves on to `next`, not a redirect: the SameSite=Strict
 *   session cookie is not sent on a redirect that continues a cross-site navigation.
 *
 * Refusals are pages that help the person and not an attacker; the reason goes to the log at warn. The client
 * secret, the code and every token stay out of logs, errors and pages.
 */
import { randomBytes, createHash, createPrivateKey, webcrypto, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { rootCertificates } from 'node:tls';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import * as oidc from 'openid-client';
import { Agent, fetch as undiciFetch } from 'undici';
import type { OidcConfig, RoleMapEntry } from '../config/auth.js';
import type { Principal } from '../domain/principal.js';
import type { Store } from '../store/store.js';
import { registerSecret } from '../log/secrets.js';
import { auditEntry } from './audit.js';
import { clientAddressKey, endSessions, SESSION_COOKIE, sessionCookieOptions, sha256, type RateLimitSetting } from './auth.js';
import { appRolesFromClaims, groupsFromClaims, groupsOverage, mappedNames, mapRoles, personFromClaims } from './oidc-claims.js';
import { memberGroups } from './oidc-groups.js';
import { safeNext } from './safe-next.js';
import { actorDetail } from './tokens.js';

export const OIDC_COOKIE = 'ratchet_oidc';
export const OIDC_LOGIN_TTL_MS = 10 * 60_000;
export const OIDC_LOGIN_PATH = '/auth/login';

export interface OidcOptions {
  store: Store;
  oidc: OidcConfig;
  roleMap: readonly RoleMapEntry[];
  /** server.publicUrl: the redirect URI is publicUrl + redirectPath. */
  publicUrl: string;
  sessionTtlMs: number;
  now: () => Date;
  /**
   * Rate limit of GET /auth/login per client address (default 30 a minute): each start stores a sign-in in progress,
   * so an anonymous flood must not grow the table.
   */
  startRateLimit?: RateLimitSetting;
}

/** The provider's client: discovered once per process, again after a failure. */
export interface OidcClient {
  configuration(): Promise<oidc.Configuration>;
  /** Forget the discovered configuration (the next sign-in rediscovers). */
  forget(): void;
  /** Fetch options for Graph requests (a dispatcher trusting caFile), if any. */
  graphFetchOptions?: Record<string, unknown>;
}

export function createOidcClient(cfg: OidcConfig): OidcClient {
  if (cfg.clientSecret) registerSecret(cfg.clientSecret);
  let agent: Agent | undefined;
  const caPem = cfg.caFile ? readFile(cfg.caFile, 'utf8') : undefined;
  const dispatcher = async () => {
    if (!caPem) return undefined;
    // A private CA is added to the public roots, never replacing them and never turning verification off.
    agent ??= new Agent({ connect: { ca: [...rootCertificates, await caPem] } });
    return agent;
  };
  let cached: Promise<oidc.Configuration> | null = null;
  const client: OidcClient = {
    configuration() {
      cached ??= (async () => {
        const d = await dispatcher();
        const auth = cfg.clientSecret ? oidc.ClientSecretBasic(cfg.clientSecret) : await certificateAuth(cfg.certificatePath!);
        // openid-client trusts an ID token from the token endpoint on the strength of TLS alone unless asked to check
        // its signature too (OIDC Core 3.1.3.7 allows either); we ask: the provider's JWKS must vouch for it.
        const options: oidc.DiscoveryRequestOptions = { execute: [oidc.enableNonRepudiationChecks] };
        if (d) options[oidc.customFetch] = ((url: string, init: oidc.CustomFetchOptions) => undiciFetch(url, { ...init, dispatcher: d } as never)) as unknown as oidc.CustomFetch;
        return oidc.discovery(new URL(cfg.issuer), cfg.clientId, undefined, auth, options);
      })();
      cached.catch(() => {
        cached = null;
      });
      return cached;
    },
    forget() {
      cached = null;
    },
  };
  if (caPem) {
    // Graph's client uses the global fetch; a dispatcher option carries the CA (resolved at first use).
    client.graphFetchOptions = {};
    void dispatcher().then((d) => {
      if (d && client.graphFetchOptions) client.graphFetchOptions.dispatcher = d;
    }, () => undefined);
  }
  return client;
}

/**
 * private_key_jwt from a PEM holding the app's certificate and private key: the client assertion carries the
 * certificate's thumbprints (`x5t`, `x5t#S256`), which is how Entra ID finds the certificate on the app registration.
 */
async function certificateAuth(path: string): Promise<oidc.ClientAuth> {
  const pem = await readFile(path, 'utf8');
  const certPem = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(pem)?.[0];
  if (!certPem) throw new Error(`server.auth.oidc.certificatePath: ${path} holds no certificate`);
  const der = new X509Certificate(certPem).raw;
  const keyObject = createPrivateKey(pem);
  const pkcs8 = keyObject.export({ type: 'pkcs8', format: 'der' });
  const curve = keyObject.asymmetricKeyDetails?.namedCurve;
  const algorithm =
    keyObject.asymmetricKeyType === 'rsa'
      ? { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }
      : keyObject.asymmetricKeyType === 'ec' && curve === 'prime256v1'
        ? { name: 'ECDSA', namedCurve: 'P-256' }
        : null;
  if (!algorithm) throw new Error(`server.auth.oidc.certificatePath: ${path} holds neither an RSA nor a P-256 key`);
  const key = await webcrypto.subtle.importKey('pkcs8', pkcs8, algorithm, false, ['sign']);
  const x5t = createHash('sha1').update(der).digest('base64url');
  const x5tS256 = createHash('sha256').update(der).digest('base64url');
  return oidc.PrivateKeyJwt(
    { key } as unknown as Parameters<typeof oidc.PrivateKeyJwt>[0],
    {
      [oidc.modifyAssertion]: (header) => {
        (header as Record<string, unknown>).x5t = x5t;
        (header as Record<string, unknown>)['x5t#S256'] = x5tS256;
      },
    },
  );
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A small page of its own (the UI plugin may not be registered): no inline script or style, the UI's stylesheet. */
function page(reply: FastifyReply, status: number, title: string, body: string, head = ''): FastifyReply {
  return reply
    .code(status)
    .type('text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .send(
      `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">${head}
<title>${escapeHtml(title)} · Ratchet</title><link rel="stylesheet" href="/assets/ui.css"></head>
<body><main id="main" class="login"><h1>${escapeHtml(title)}</h1>
${body}
</main></body></html>
`,
    );
}

const startAgain = (next = '/') => `<p><a href="/login?next=${escapeHtml(encodeURIComponent(next))}">Start again</a></p>`;

/**
 * An error's kind for the log: names, openid-client codes and their fixed messages, one level of `cause` deep (where
 * openid-client keeps the specific check that failed). Never the cause's other fields: they can hold the response,
 * the claims or the token.
 */
function reason(e: unknown, depth = 0): Record<string, unknown> {
  const err = e as { name?: unknown; code?: unknown; error?: unknown; message?: unknown; cause?: unknown };
  const out: Record<string, unknown> = { name: typeof err.name === 'string' ? err.name : 'Error' };
  if (typeof err.code === 'string') out.code = err.code;
  if (typeof err.error === 'string') out.error = err.error;
  if (typeof err.message === 'string') out.message = err.message.slice(0, 200);
  if (depth === 0 && err.cause instanceof Error) out.cause = reason(err.cause, 1);
  return out;
}

export function registerOidc(app: FastifyInstance, opts: OidcOptions, client: OidcClient = createOidcClient(opts.oidc)): void {
  const { store, now } = opts;
  const base = opts.publicUrl.replace(/\/+$/, '');
  const redirectUri = base + opts.oidc.redirectPath;
  const secure = base.startsWith('https://');
  // Sent back only under /auth (the default callback lives there), or to a callback configured elsewhere.
  const loginCookie = { httpOnly: true, sameSite: 'lax' as const, secure, path: opts.oidc.redirectPath.startsWith('/auth/') ? '/auth' : opts.oidc.redirectPath };
  const sessionCookie = sessionCookieOptions(opts.publicUrl);

  /** The provider's configuration, or null after answering with a page saying sign-in is unavailable. */
  const discover = async (req: FastifyRequest, reply: FastifyReply, next: string): Promise<oidc.Configuration | null> => {
    try {
      return await client.configuration();
    } catch (e) {
      req.log.warn({ reason: reason(e), issuer: opts.oidc.issuer }, 'OpenID provider discovery failed');
      void page(reply, 502, 'Sign-in unavailable', `<p>The sign-in service cannot be reached right now. Try again in a moment.</p>${startAgain(next)}`);
      return null;
    }
  };

  const rateLimit = { ...(opts.startRateLimit ?? { max: 30, timeWindow: '1 minute' }), keyGenerator: clientAddressKey };
  app.get(OIDC_LOGIN_PATH, { config: { public: true, rateLimit } }, async (req, reply) => {
    const q = req.query as Record<string, unknown>;
    const next = safeNext(q.next);
    const config = await discover(req, reply, next);
    if (!config) return reply;
    const codeVerifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const value = randomBytes(32).toString('base64url');
    const at = now();
    await store.deleteExpiredSessions(at.toISOString()); // abandoned sign-ins too
    await store.saveOidcLogin({
      idHash: sha256(value),
      state,
      nonce,
      codeVerifier,
      next,
      createdAt: at.toISOString(),
      expiresAt: new Date(at.getTime() + OIDC_LOGIN_TTL_MS).toISOString(),
    });
    const params: Record<string, string> = {
      redirect_uri: redirectUri,
      scope: opts.oidc.scopes.join(' '),
      code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    };
    if (q.prompt === 'login') params.prompt = 'login';
    const url = oidc.buildAuthorizationUrl(config, params);
    reply.setCookie(OIDC_COOKIE, value, { ...loginCookie, maxAge: OIDC_LOGIN_TTL_MS / 1000 });
    return reply.header('cache-control', 'no-store').redirect(url.href, 302);
  });

  app.get(opts.oidc.redirectPath, { config: { public: true } }, async (req, reply) => {
    const cookie = req.cookies?.[OIDC_COOKIE];
    reply.clearCookie(OIDC_COOKIE, loginCookie);
    const at = now();
    const login = cookie ? await store.takeOidcLogin(sha256(cookie), at.toISOString()) : null;
    if (!login) {
      req.log.warn({ cookie: cookie !== undefined }, 'OIDC callback refused: no sign-in in progress (expired, replayed or started elsewhere)');
      return page(reply, 400, 'Sign-in expired', `<p role="alert">This sign-in expired or was already used: start again.</p>${startAgain()}`);
    }
    const next = login.next;
    const refused = () => page(reply, 401, 'Sign-in refused', `<p role="alert">Sign-in refused. Start again; if it keeps happening, ask an administrator.</p>${startAgain(next)}`);

    // The URL the provider sent the browser to, built from the configured public URL (never the Host header).
    const queryAt = req.url.indexOf('?');
    const currentUrl = new URL(redirectUri + (queryAt >= 0 ? req.url.slice(queryAt) : ''));
    const config = await discover(req, reply, next);
    if (!config) return reply;
    let claims: Record<string, unknown> | undefined;
    try {
      const tokens = await oidc.authorizationCodeGrant(config, currentUrl, {
        pkceCodeVerifier: login.codeVerifier,
        expectedState: login.state,
        expectedNonce: login.nonce,
        idTokenExpected: true,
      });
      claims = tokens.claims() as Record<string, unknown> | undefined;
    } catch (e) {
      req.log.warn({ reason: reason(e) }, 'OIDC sign-in refused: the provider response did not validate');
      return refused();
    }
    const issuer = config.serverMetadata().issuer;
    const person = claims ? personFromClaims(claims, issuer) : null;
    if (!claims || !person) {
      req.log.warn('OIDC sign-in refused: the ID token names no subject');
      return refused();
    }

    let groups = groupsFromClaims(claims, opts.oidc.groupsClaim);
    if (groupsOverage(claims, opts.oidc.groupsClaim)) {
      if (opts.oidc.groupsOverage === 'deny') {
        req.log.warn({ subject: person.subject }, 'OIDC sign-in refused: groups overage and server.auth.oidc.groupsOverage is deny');
        return page(
          reply,
          403,
          'Too many groups',
          `<p role="alert">Your account is in too many groups for the sign-in token to list them, and this Ratchet does not look them up. ` +
            `Ask an administrator to map app roles instead of groups (docs/sso.md, step 4: the groups overage).</p>${startAgain(next)}`,
        );
      }
      try {
        groups = await memberGroups({ config, graphUrl: opts.oidc.graphUrl, oid: person.subject, ...(client.graphFetchOptions ? { fetchOptions: client.graphFetchOptions } : {}) });
      } catch (e) {
        req.log.warn({ subject: person.subject, reason: reason(e) }, 'OIDC sign-in refused: the groups overage look-up in Microsoft Graph failed');
        return page(reply, 502, 'Sign-in unavailable', `<p role="alert">Your groups could not be read from Microsoft Graph. Try again in a moment; if it keeps happening, ask an administrator (docs/sso.md, step 4: the groups overage).</p>${startAgain(next)}`);
      }
    }
    const grant = mapRoles(opts.roleMap, { groups, appRoles: appRolesFromClaims(claims) });
    if (!grant) {
      req.log.warn({ subject: person.subject, upn: person.upn }, 'OIDC sign-in refused: no roleMap entry matches the person');
      const names = mappedNames(opts.roleMap);
      const list = [...names.groups.map((g) => `group <code>${escapeHtml(g)}</code>`), ...names.appRoles.map((r) => `app role <code>${escapeHtml(r)}</code>`)];
      return page(
        reply,
        403,
        'No access yet',
        `<p role="alert">You signed in as ${escapeHtml(person.upn ?? person.name)}, but your account is not in any group Ratchet knows: ` +
          `ask an admin to add you to one of these${list.length ? `: ${list.join(', ')}` : ''}.</p>` +
          `<p>Group changes apply the next time you sign in.</p>${startAgain(next)}`,
      );
    }

    const principal: Principal = { via: 'session', tokenId: null, person, name: person.name, role: grant.role, tenants: grant.tenants };
    const value = randomBytes(32).toString('base64url');
    const expiresAt = new Date(at.getTime() + opts.sessionTtlMs);
    await store.deleteExpiredSessions(at.toISOString());
    // A new sign-in replaces the session the browser had (no session fixation, no orphaned sessions).
    const previous = req.cookies?.[SESSION_COOKIE];
    if (previous) await endSessions(store, sha256(previous));
    await store.createUserSession(
      { idHash: sha256(value), person, role: grant.role, tenants: grant.tenants, csrfSecret: randomBytes(24).toString('base64url'), createdAt: at.toISOString(), expiresAt: expiresAt.toISOString() },
      auditEntry(at, person.name, 'login', null, person.subject, { ...actorDetail(principal), role: grant.role, tenants: grant.tenants, ip: req.ip, expiresAt: expiresAt.toISOString() }),
    );
    req.log.info({ subject: person.subject, role: grant.role, tenants: grant.tenants }, 'OIDC sign-in');
    reply.setCookie(SESSION_COOKIE, value, { ...sessionCookie, maxAge: Math.floor(opts.sessionTtlMs / 1000), expires: expiresAt });
    return continueTo(reply, safeNext(next));
  });
}

/** 200 with a page that moves on to `next` (a meta refresh and a link: the CSP forbids inline script). */
function continueTo(reply: FastifyReply, next: string): FastifyReply {
  const href = escapeHtml(next);
  return page(reply, 200, 'Signed in', `<p>You are signed in. <a href="${href}">Continue</a></p>`, `<meta http-equiv="refresh" content="0;url=${href}">`);
}
