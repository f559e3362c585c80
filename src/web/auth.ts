/**
 * Authentication for everything `ratchet serve` serves (issue: "nothing is served without authentication").
 *
 * - API clients send `Authorization: Bearer rtk_…`; people sign in through OpenID Connect (oidc.ts, when
 *   `server.auth.oidc` is set) or, where `server.auth.tokenLogin` allows it, at `POST /login` with a token. Either
 *   way the browser gets a session cookie `ratchet_session` (HttpOnly, SameSite=Strict, Path=/, Secure when
 *   server.publicUrl is https, server.auth.sessionHours). The cookie value is random; only its SHA-256 is stored, with
 *   the CSRF secret of the session: a token session names its token, a person's session carries the person and the
 *   role and tenants mapped from their groups at sign-in.
 * - Every request gets `request.principal` (null when anonymous). A route is public only when its config says
 *   `public: true` or its URL is in `publicRoutes` (probes: /healthz, /metrics). Anything else without a principal is
 *   refused: `/api/…` and non-HTML requests with 401 JSON and `WWW-Authenticate: Bearer`, browser page requests with a
 *   redirect to `/login?next=…`. Unknown URLs are refused the same way, so they do not reveal what exists.
 * - CSRF: every state-changing request (POST/PUT/PATCH/DELETE) authenticated by the session cookie must carry a token
 *   from `reply.generateCsrf()` — a form field `_csrf` or an `x-csrf-token` header — bound to the session's secret
 *   (@fastify/csrf-protection). Bearer requests carry no ambient credential and need none. `POST /login` has no
 *   session yet; it refuses a cross-origin `Origin`/`Referer` instead.
 * - `POST /login` is rate-limited per presented identity (the token id), not per address, so one client cannot lock
 *   everyone behind the same address (NAT, proxy) out; see `loginRateLimitKey`. The token routes of the API are
 *   limited per authenticated token (api.ts). The client address is `request.ip`, which fastify takes from
 *   X-Forwarded-For only when `server.trustProxy` says so.
 */
import { createHash, randomBytes } from 'node:crypto';
import fastifyCsrfProtection from '@fastify/csrf-protection';
import type {} from '@fastify/cookie';
import { normalizeIP } from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest, preHandlerAsyncHookHandler, preValidationHookHandler } from 'fastify';
import type { Store } from '../store/store.js';
import { tokenLoginAllowed, type AuthConfig } from '../config/auth.js';
import { auditEntry } from './audit.js';
import { hasRole, type Principal, type Role } from '../domain/principal.js';
import { ForbiddenError, WebError } from './errors.js';
import { actorDetail, checkToken, parseToken, principalOf } from './tokens.js';
import { unencapsulated } from './plugin.js';
import { safeNext } from './safe-next.js';

export { safeNext } from './safe-next.js';

export const SESSION_COOKIE = 'ratchet_session';
export const DEFAULT_SESSION_TTL_MS = 12 * 3_600_000;
export const DEFAULT_PUBLIC_ROUTES: readonly string[] = ['/healthz', '/metrics'];
const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** last_used_at is written at most this often per token. */
const TOUCH_INTERVAL_MS = 60_000;

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is calling: set by the auth plugin for every request; null when anonymous. */
    principal: Principal | null;
    /** Session data for @fastify/csrf-protection (`_csrf` = the session's CSRF secret). Not a session store. */
    session: { _csrf?: string } | null;
  }
  interface FastifyInstance {
    /** Which ways to sign in the sign-in page offers (set by the auth plugin from server.auth). */
    signInMethods: SignInMethods;
  }
  interface FastifyContextConfig {
    /** Serve this route without authentication (the login page and its assets). Default: authenticated. */
    public?: boolean;
  }
}

/** What the sign-in page offers. */
export interface SignInMethods {
  /** "Sign in with your organisation account" (OpenID Connect is configured). */
  oidc: boolean;
  /** The API token form (server.auth.tokenLogin, default off once OIDC is configured). */
  token: boolean;
}

export interface RateLimitSetting {
  max: number;
  timeWindow: number | string;
}

export interface AuthOptions {
  store: Store;
  /** server.publicUrl: an https URL makes the session cookie Secure and is an allowed Origin for /login. */
  publicUrl?: string;
  now?: () => Date;
  sessionTtlMs?: number;
  /** Route URLs served without authentication (default: /healthz and /metrics, for probes and scrapers). */
  publicRoutes?: readonly string[];
  /** Rate limit of POST /login per token id, and per address for attempts naming no token (default 10 a minute). */
  loginRateLimit?: RateLimitSetting;
  /** server.auth: whether OIDC is configured and token sign-in allowed (default: no OIDC, token sign-in on). */
  auth?: AuthConfig;
}

/** The session cookie's attributes, the same for token and OIDC sign-in (the OIDC callback sets it too). */
export function sessionCookieOptions(publicUrl: string | undefined) {
  return { httpOnly: true, sameSite: 'strict' as const, secure: publicUrl?.startsWith('https://') ?? false, path: '/' };
}

export const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

function bearer(req: FastifyRequest): string | null | undefined {
  const h = req.headers.authorization;
  if (h === undefined) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  return m ? m[1]! : null;
}

function wantsHtml(req: FastifyRequest): boolean {
  const accept = req.headers.accept ?? '';
  return (req.method === 'GET' || req.method === 'HEAD') && !req.url.startsWith('/api/') && accept.includes('text/html');
}

/**
 * The rate-limit key of an anonymous client: its address (`request.ip`: the socket's, or the one X-Forwarded-For names
 * when fastify's trustProxy trusts the proxy), IPv6 grouped by /64 like @fastify/rate-limit's default key.
 */
export function clientAddressKey(req: FastifyRequest): string {
  return `ip:${normalizeIP(req.ip)}`;
}

/**
 * The rate-limit key of a sign-in attempt (runs as a preHandler, so the form body is parsed):
 *
 * - a token whose id names a stored token → `token:<id>` (the id only, never the secret);
 * - anything else — no token, a malformed one, or a well-formed one whose id names no token → the client's address.
 *
 * A valid token is never refused by the limit (`validSignIn`, the limiter's allowList): its secret is 256 random bits,
 * so there is nothing to brute-force, and refusing it would let anyone who knows a token id (ids are shown in token
 * lists and the audit log) lock its owner out with ten wrong secrets a minute. What the limit stops is the flood of
 * failures: wrong secrets for one real id are counted per id, from any address; everything else — no token, a
 * malformed one, a made-up id — shares the address bucket (keyed by made-up ids, every id would get a fresh
 * allowance, and enough of them would push the real ids' counters out of the limiter's LRU store). So garbage sent
 * from a shared NAT or proxy never refuses a valid token.
 *
 * What this reveals: once an address is over its ceiling, a made-up id answers 429 where a stored one answers 401, so
 * it tells whether an id exists (the rate-limit headers, which would tell it at once, are only sent at the limit).
 * That is acceptable: ids are not secret — 48 random bits shown in token lists and the audit log — and a token is
 * worthless without its secret.
 */
export function loginRateLimitKey(store: Pick<Store, 'getToken'>): (req: FastifyRequest) => Promise<string> {
  return async (req) => {
    const body = req.body;
    const token = body !== null && typeof body === 'object' ? (body as Record<string, unknown>).token : undefined;
    const parsed = typeof token === 'string' ? parseToken(token) : null;
    if (parsed) {
      try {
        if (await store.getToken(parsed.id)) return `token:${parsed.id}`;
      } catch {
        /* the store is unwell: the sign-in itself will fail; count it against the address */
      }
    }
    return clientAddressKey(req);
  };
}

/** The limiter's allowList for POST /login: a sign-in with a valid, unrevoked token is never rate-limited. */
export function validSignIn(store: Store): (req: FastifyRequest) => Promise<boolean> {
  return async (req) => {
    const body = req.body;
    const token = body !== null && typeof body === 'object' ? (body as Record<string, unknown>).token : undefined;
    if (typeof token !== 'string' || !parseToken(token)) return false;
    try {
      return (await checkToken(store, token)).ok;
    } catch {
      return false;
    }
  };
}

export function unauthorized(reply: FastifyReply, message = 'authentication required: send Authorization: Bearer rtk_… or sign in') {
  return reply
    .code(401)
    .header('www-authenticate', 'Bearer realm="ratchet"')
    .header('cache-control', 'no-store')
    .send({ error: { code: 'unauthorized', message } });
}

/** preHandler: 401 without a principal. (The auth plugin already refuses anonymous requests to non-public routes.) */
export const requireAuth: preHandlerAsyncHookHandler = async (req) => {
  if (!req.principal) throw new WebError('unauthorized', 'authentication required');
};

/** preHandler: 401 without a principal, 403 below `role`. */
export function requireRole(role: Role): preHandlerAsyncHookHandler {
  return async (req) => {
    if (!req.principal) throw new WebError('unauthorized', 'authentication required');
    if (!hasRole(req.principal, role)) throw new ForbiddenError(`this needs the ${role} role (${req.principal.person ? 'you are' : 'this token is'} ${req.principal.role})`);
  };
}

function sameOrigin(req: FastifyRequest, publicUrl: string | undefined): boolean {
  const claimed = req.headers.origin ?? req.headers.referer;
  if (claimed === undefined) return true; // not a browser form post (curl, scripts): nothing ambient to abuse
  let host: string;
  try {
    host = new URL(claimed).host;
  } catch {
    return false; // includes Origin: null (sandboxed frames, data: URLs)
  }
  const allowed = new Set<string>();
  if (req.headers.host) allowed.add(req.headers.host);
  if (publicUrl) {
    try {
      allowed.add(new URL(publicUrl).host);
    } catch {
      /* config validated it already */
    }
  }
  return allowed.has(host);
}

async function authPluginImpl(app: FastifyInstance, opts: AuthOptions): Promise<void> {
  const { store } = opts;
  const now = opts.now ?? (() => new Date());
  const ttlMs = opts.sessionTtlMs ?? DEFAULT_SESSION_TTL_MS;
  const publicRoutes = new Set(opts.publicRoutes ?? DEFAULT_PUBLIC_ROUTES);
  const cookieOptions = sessionCookieOptions(opts.publicUrl);
  const methods: SignInMethods = opts.auth ? { oidc: opts.auth.oidc !== undefined, token: tokenLoginAllowed(opts.auth) } : { oidc: false, token: true };

  app.decorateRequest('principal', null);
  app.decorateRequest('session', null);
  app.decorate('signInMethods', methods);

  await app.register(fastifyCsrfProtection, {
    // The secret lives in the server-side session row (request.session._csrf, set below), so a token only works for
    // the session it was issued to; '@fastify/session' is the plugin's mode for "secret in request.session".
    sessionPlugin: '@fastify/session',
    sessionKey: '_csrf',
    getToken: (req) => {
      const body = req.body as Record<string, unknown> | undefined;
      const field = body && typeof body === 'object' && typeof body._csrf === 'string' ? body._csrf : undefined;
      const header = req.headers['x-csrf-token'];
      return field ?? (typeof header === 'string' ? header : undefined);
    },
  });

  const isPublic = (req: FastifyRequest) => req.routeOptions.config?.public === true || (req.routeOptions.url !== undefined && publicRoutes.has(req.routeOptions.url));

  const touch = (t: { id: string; lastUsedAt: string | null }) => {
    const at = now();
    if (t.lastUsedAt === null || at.getTime() - Date.parse(t.lastUsedAt) > TOUCH_INTERVAL_MS) {
      store.touchToken(t.id, at.toISOString()).catch(() => undefined);
    }
  };

  app.addHook('onRequest', async (req, reply) => {
    req.session = {};
    req.principal = null;
    const presented = bearer(req);
    let failed = false;
    if (presented !== undefined) {
      const check = presented === null ? null : await checkToken(store, presented);
      if (check?.ok) {
        req.principal = principalOf(check.token, 'token');
        touch(check.token);
      } else failed = true;
    } else {
      const cookie = req.cookies?.[SESSION_COOKIE];
      if (cookie) {
        const idHash = sha256(cookie);
        const live = (s: { expiresAt: string }) => Date.parse(s.expiresAt) > now().getTime();
        // A token session first (signed in with an API token), else a person's session (signed in through OIDC).
        const session = await store.getSession(idHash);
        const userSession = session ? null : await store.getUserSession(idHash);
        const token = session && live(session) ? await store.getToken(session.tokenId) : null;
        if (session && token && token.revokedAt === null) {
          req.principal = principalOf(token, 'session');
          req.session = { _csrf: session.csrfSecret };
          touch(token);
        } else if (userSession && live(userSession)) {
          // Role and tenants were mapped from the person's groups at sign-in; a change applies at the next sign-in.
          const { person, role, tenants } = userSession;
          req.principal = { via: 'session', tokenId: null, person, name: person.name, role, tenants: tenants === null ? null : [...tenants] };
          req.session = { _csrf: userSession.csrfSecret };
        } else {
          if (session) await store.deleteSession(session.idHash);
          if (userSession) await store.deleteUserSession(userSession.idHash);
          reply.clearCookie(SESSION_COOKIE, cookieOptions);
          failed = true;
        }
      }
    }
    if (isPublic(req) || req.principal) return;
    if (wantsHtml(req)) {
      // A session cookie that no longer works: the sign-in page says the session ended.
      const why = failed ? '&error=expired' : '';
      return reply.header('cache-control', 'no-store').redirect(`/login?next=${encodeURIComponent(safeNext(req.url))}${why}`, 302);
    }
    return unauthorized(reply, failed ? 'invalid, expired or revoked credentials' : undefined);
  });

  // CSRF for cookie-authenticated changes, whoever registered the route (API or pages): after body parsing, before
  // validation and the handler.
  app.addHook('preValidation', (req, reply, done) => {
    if (UNSAFE_METHODS.has(req.method) && req.principal?.via === 'session' && !isPublic(req)) {
      app.csrfProtection(req, reply, done);
      return;
    }
    done();
  });

  app.post(
    '/login',
    {
      config: {
        public: true,
        rateLimit: {
          ...(opts.loginRateLimit ?? { max: 10, timeWindow: '1 minute' }),
          // After body parsing: the key is the token id in the form (see loginRateLimitKey).
          hook: 'preHandler',
          keyGenerator: loginRateLimitKey(store),
          allowList: validSignIn(store),
          // Remaining-attempt headers would tell which bucket (a real token id or the address) an attempt went to.
          addHeadersOnExceeding: { 'x-ratelimit-limit': false, 'x-ratelimit-remaining': false, 'x-ratelimit-reset': false },
        },
      },
    },
    async (req, reply) => {
      const body = (req.body ?? {}) as Record<string, unknown>;
      const next = safeNext(body.next);
      const html = (req.headers.accept ?? '').includes('text/html');
      if (!sameOrigin(req, opts.publicUrl)) {
        return reply.code(403).send({ error: { code: 'forbidden', message: 'cross-origin sign-in refused' } });
      }
      if (!methods.token) {
        // Tokens are for machines here (server.auth.tokenLogin): they keep working as Bearer tokens on the API.
        req.log.warn({ ip: req.ip }, 'token sign-in refused: server.auth.tokenLogin is off');
        if (html) return reply.header('cache-control', 'no-store').redirect(`/login?error=tokenlogin&next=${encodeURIComponent(next)}`, 303);
        return reply.code(403).header('cache-control', 'no-store').send({ error: { code: 'forbidden', message: 'token sign-in is turned off: sign in with your organisation account' } });
      }
      const check = typeof body.token === 'string' ? await checkToken(store, body.token) : null;
      if (!check?.ok) {
        if (check?.token) {
          // A known token id with a wrong secret, or a revoked token: worth an audit trail.
          await store.appendAudit(auditEntry(now(), check.token.name, 'login.failed', null, check.token.id, { reason: check.reason, ip: req.ip }));
        }
        req.log.warn({ reason: check?.reason ?? 'missing', ip: req.ip }, 'sign-in refused');
        if (html) return reply.header('cache-control', 'no-store').redirect(`/login?error=invalid&next=${encodeURIComponent(next)}`, 303);
        return unauthorized(reply, 'invalid or revoked token');
      }
      const at = now();
      const value = randomBytes(32).toString('base64url');
      const expiresAt = new Date(at.getTime() + ttlMs);
      const session = { idHash: sha256(value), tokenId: check.token.id, csrfSecret: randomBytes(24).toString('base64url'), createdAt: at.toISOString(), expiresAt: expiresAt.toISOString() };
      await store.deleteExpiredSessions(at.toISOString());
      // A new sign-in replaces the session the browser had (no session fixation, no orphaned sessions).
      const previous = req.cookies?.[SESSION_COOKIE];
      if (previous) await endSessions(store, sha256(previous));
      await store.createSession(session, auditEntry(at, check.token.name, 'login', null, check.token.id, { tokenId: check.token.id, via: 'session', ip: req.ip, expiresAt: session.expiresAt }));
      touch(check.token);
      reply.setCookie(SESSION_COOKIE, value, { ...cookieOptions, maxAge: Math.floor(ttlMs / 1000), expires: expiresAt });
      return reply.header('cache-control', 'no-store').redirect(next, 303);
    },
  );

  // Public so that signing out of an already expired session still lands on the sign-in page; a live session must
  // send its CSRF token (so another site cannot sign the user out).
  const logoutCsrf: preValidationHookHandler = (req, reply, done) => {
    if (req.principal?.via === 'session') return app.csrfProtection(req, reply, done);
    done();
  };
  app.post('/logout', { config: { public: true }, preValidation: logoutCsrf }, async (req, reply) => {
    const p = req.principal;
    const cookie = req.cookies?.[SESSION_COOKIE];
    if (p?.via === 'session' && cookie) {
      if (p.person) await store.deleteUserSession(sha256(cookie), auditEntry(now(), p.name, 'logout', null, p.person.subject, actorDetail(p)));
      else await store.deleteSession(sha256(cookie), auditEntry(now(), p.name, 'logout', null, p.tokenId, { tokenId: p.tokenId, via: p.via }));
    }
    reply.clearCookie(SESSION_COOKIE, cookieOptions);
    return reply.header('cache-control', 'no-store').redirect('/login?signedout=1', 303);
  });
}

/** Deletes the session (of either kind) with this id: a new sign-in replaces the one the browser had. */
export async function endSessions(store: Pick<Store, 'deleteSession' | 'deleteUserSession'>, idHash: string): Promise<void> {
  await store.deleteSession(idHash);
  await store.deleteUserSession(idHash);
}

/** The auth plugin (fastify-plugin: its hooks apply to every route of the instance it is registered on). */
export const authPlugin = unencapsulated(authPluginImpl, 'ratchet-auth');

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * A minimal sign-in page, registered only when the UI plugin does not provide `GET /login`. No inline script or
 * style (the CSP forbids both).
 */
export function registerLoginFallback(app: FastifyInstance): void {
  app.get('/login', { config: { public: true } }, async (req, reply) => {
    const q = req.query as Record<string, unknown>;
    const next = safeNext(q.next);
    const methods = app.signInMethods;
    const message = loginErrorMessage(q.error);
    const error = message ? `<p role="alert">${escapeHtml(message)}</p>` : '';
    const oidc = methods.oidc ? `<p><a href="${escapeHtml(oidcLoginHref(next))}">Sign in with your organisation account</a></p>\n` : '';
    const token = methods.token
      ? `<form method="post" action="/login">
<label for="token">API token</label>
<input id="token" name="token" type="password" autocomplete="off" required>
<input type="hidden" name="next" value="${escapeHtml(next)}">
<button type="submit">Sign in</button>
</form>
<p>Create a token with <code>ratchet token create --role viewer --name you@example</code>.</p>
`
      : '';
    reply.header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store');
    return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in · Ratchet</title></head>
<body><main><h1>Sign in to Ratchet</h1>${error}
${oidc}${token}</main></body></html>
`;
  });
}

/** Where the "Sign in with your organisation account" link goes (a plain link: no script). */
export function oidcLoginHref(next: string): string {
  return next === '/' ? '/auth/login' : `/auth/login?next=${encodeURIComponent(next)}`;
}

/** The sign-in page's message for `?error=` (the UI page and the fallback say the same). */
export function loginErrorMessage(code: unknown): string | null {
  switch (code) {
    case undefined:
    case '':
      return null;
    case 'expired':
      return 'Your session has ended. Sign in again.';
    case 'tokenlogin':
      return 'Token sign-in is turned off: sign in with your organisation account.';
    default:
      return 'That token is invalid or has been revoked. Check it and try again.';
  }
}
