/**
 * The web layer of `ratchet serve`: `registerWeb(app, deps)` adds, to the fastify instance of src/server/app.ts,
 * security headers (@fastify/helmet, strict CSP), cookies, form bodies, rate limits, authentication (auth.ts), the
 * REST API under /api/v1 (api.ts), OpenID Connect sign-in when `server.auth.oidc` is set (oidc.ts: /auth/login and
 * the redirect path) and the HTML pages (the UI plugin, src/web/ui). Nothing is served without authentication except
 * the routes in `publicRoutes` (default /healthz and /metrics, for probes and scrapers) and routes that declare
 * `config: { public: true }` (the sign-in pages, the OIDC start and callback, and the assets).
 *
 * Content-Security-Policy: `default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:;
 * object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'` — pages serve their JS and CSS as
 * files; inline scripts, inline styles and `style=` attributes are refused by browsers.
 */
import fastifyCookie from '@fastify/cookie';
import fastifyFormbody from '@fastify/formbody';
import fastifyHelmet from '@fastify/helmet';
import fastifyRateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { RatchetConfig } from '../config/schema.js';
import type { RuleSet } from '../config/load-rules.js';
import type { Store } from '../store/store.js';
import { API_PREFIX, apiPlugin, webErrorHandler } from './api.js';
import { authPlugin, DEFAULT_PUBLIC_ROUTES, DEFAULT_SESSION_TTL_MS, registerLoginFallback, type RateLimitSetting } from './auth.js';
import type { WebService } from './contracts.js';
import { registerOidc } from './oidc.js';
import { createWebService, type ScanTrigger } from './service.js';
import { createTokenAdmin, type TokenAdmin } from './tokens.js';

export const CONTENT_SECURITY_POLICY = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  objectSrc: ["'none'"],
  baseUri: ["'none'"],
  frameAncestors: ["'none'"],
  formAction: ["'self'"],
};

/** What the UI plugin (src/web/ui) is registered with. */
export interface UiPluginOptions {
  service: WebService;
  tokens: TokenAdmin;
  store: Store;
  config: Pick<RatchetConfig, 'tenants' | 'server'>;
}

export interface WebDeps {
  store: Store;
  config: Pick<RatchetConfig, 'tenants' | 'server'>;
  ruleSet: RuleSet;
  /** "Scan now": `ratchet serve` adapts its Scheduler (scanNow → { queued, reason }). */
  scheduler?: ScanTrigger;
  now?: () => Date;
  /** Route URLs served without authentication (default: /healthz, /metrics). */
  publicRoutes?: readonly string[];
  /** How long a browser session lasts (default: server.auth.sessionHours). */
  sessionTtlMs?: number;
  loginRateLimit?: RateLimitSetting;
  tokenRateLimit?: RateLimitSetting;
  /** The HTML pages (src/web/ui `uiPlugin`); without it only a minimal sign-in page is served. */
  ui?: FastifyPluginAsync<UiPluginOptions>;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The web data service (scope- and role-enforcing), for the pages. */
    webService: WebService;
  }
}

export async function registerWeb(app: FastifyInstance, deps: WebDeps): Promise<{ service: WebService; tokens: TokenAdmin }> {
  const now = deps.now ?? (() => new Date());
  const publicUrl = deps.config.server.publicUrl;
  const https = publicUrl?.startsWith('https://') ?? false;
  const auth = deps.config.server.auth;
  const sessionTtlMs = deps.sessionTtlMs ?? (auth?.sessionHours !== undefined ? auth.sessionHours * 3_600_000 : undefined);
  const service = createWebService({ store: deps.store, config: deps.config, ruleSet: deps.ruleSet, scheduler: deps.scheduler, now });
  const tokens = createTokenAdmin({ store: deps.store, tenantIds: () => deps.config.tenants.map((t) => t.id), now });

  await app.register(fastifyHelmet, {
    global: true,
    contentSecurityPolicy: { useDefaults: false, directives: CONTENT_SECURITY_POLICY },
    // Same as frame-ancestors 'none', for browsers that predate CSP level 2.
    frameguard: { action: 'deny' },
    // HSTS only makes sense (and is only honoured) when the public URL is https.
    strictTransportSecurity: https ? { maxAge: 31_536_000, includeSubDomains: true } : false,
  });
  await app.register(fastifyCookie);
  await app.register(fastifyFormbody, { bodyLimit: 64 * 1024 });
  await app.register(fastifyRateLimit, { global: false });
  app.setErrorHandler(webErrorHandler);
  await app.register(authPlugin, {
    store: deps.store,
    publicUrl,
    now,
    sessionTtlMs,
    publicRoutes: deps.publicRoutes ?? DEFAULT_PUBLIC_ROUTES,
    loginRateLimit: deps.loginRateLimit,
    auth,
  });
  if (auth?.oidc) {
    // Config validation requires publicUrl with oidc (the redirect URI is built from it, never from Host).
    if (!publicUrl) throw new Error('server.auth.oidc needs server.publicUrl');
    registerOidc(app, {
      store: deps.store,
      oidc: auth.oidc,
      roleMap: auth.roleMap,
      publicUrl,
      sessionTtlMs: sessionTtlMs ?? DEFAULT_SESSION_TTL_MS,
      now,
      // Starting a sign-in is a sign-in attempt: the same setting as POST /login (per address here).
      ...(deps.loginRateLimit ? { startRateLimit: deps.loginRateLimit } : {}),
    });
  }
  app.decorate('webService', service);

  await app.register(
    async (api) => {
      // Tenant data is confidential: never kept by browsers or proxies.
      api.addHook('onSend', async (_req, reply, payload) => {
        if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
        return payload;
      });
      await api.register(apiPlugin, { service, tokens, tokenRateLimit: deps.tokenRateLimit, publicUrl });
    },
    { prefix: API_PREFIX },
  );

  if (deps.ui) await app.register(deps.ui, { service, tokens, store: deps.store, config: deps.config });
  if (!app.hasRoute({ method: 'GET', url: '/login' })) registerLoginFallback(app);
  return { service, tokens };
}

export { requireAuth, requireRole, SESSION_COOKIE } from './auth.js';
export { WebError, ForbiddenError } from './errors.js';
