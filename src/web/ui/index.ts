/**
 * The technician web UI (issue 6): server-rendered HTML pages over the same `WebService` the REST API uses, so a
 * page can never show what the API would refuse. Register it on the server after the auth plugin:
 *
 *   registerWeb(app, { store, config, ruleSet, ui: uiPlugin })     // src/web/index.ts passes { service, tokens }
 *   app.register(uiPlugin, { service, tokens, csrf: true })        // or directly
 *
 * - Rendering: Eta templates in ./templates with auto-escaping on. Tenant data (device names, user names, tenant
 *   names, observed values) is untrusted and only ever reaches the page through `<%= … %>`; the few raw
 *   `<%~ … %>` outputs are layout bodies and partials rendered by the same engine.
 * - No inline script or style: CSS and JS are files under /assets/ (served here with cache headers), so the strict
 *   Content-Security-Policy set by the backend's helmet (`script-src 'self'; style-src 'self'`) holds.
 * - Sign-in: the auth plugin puts `request.principal` on every request; a page without one redirects to /login.
 *   The backend handles POST /login and POST /logout.
 * - State changes are HTML form posts (x-www-form-urlencoded) carrying the CSRF token in `_csrf`; each one answers
 *   303 See Other back to the page (post/redirect/get).
 * - The plugin is encapsulated (not wrapped in fastify-plugin): its error handler, 404 page and form parser apply to
 *   its own routes; the 404 page answers HTML only to browsers and leaves `/api/` and JSON clients a JSON 404.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import formbody from '@fastify/formbody';
import { Eta } from 'eta';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, preHandlerHookHandler } from 'fastify';
import { packageRoot } from '../../paths.js';
import type { WebService } from '../contracts.js';
import { hasRole } from '../../domain/principal.js';
import { safeNext } from '../safe-next.js';
import { PUBLIC, type PageContext, type Ui, type UiTokenAdmin, principalOf } from './context.js';
import { f } from './format.js';
import { registerPages } from './pages.js';
import { registerReportDownload } from './report-download.js';
import type { Store } from '../../store/store.js';

export interface UiOptions {
  service: WebService;
  /** Token administration (the backend's `TokenAdmin`) for the admin page at /admin/tokens; optional. */
  tokens?: UiTokenAdmin;
  /**
   * Forms carry a `_csrf` token (`reply.generateCsrf()`) and session posts are verified with `app.csrfProtection`
   * (the auth plugin registers @fastify/csrf-protection). Default: on when `app.csrfProtection` exists; true without
   * it is a configuration error.
   */
  csrf?: boolean;
  /** Cache compiled templates (default true; false re-reads templates on every request, for template work). */
  cacheTemplates?: boolean;
  /** Clock for relative times and form defaults (tests). */
  now?: () => Date;
  /** The history store (registerWeb passes it): enables *Download report* (report-download.ts). */
  store?: Store;
}

/** Where templates/ and assets/ live: next to this module when running from src/, else the package's src/web/ui. */
export function uiDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const dir of [here, join(packageRoot(), 'src', 'web', 'ui')]) {
    if (existsSync(join(dir, 'templates', 'layout.eta')) && existsSync(join(dir, 'assets'))) return dir;
  }
  throw new Error(`web UI templates not found next to ${here} or under ${join(packageRoot(), 'src', 'web', 'ui')}`);
}

interface Asset {
  body: Buffer;
  type: string;
  hash: string;
}

const ASSET_TYPES: Record<string, string> = {
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

function loadAssets(dir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const name of readdirSync(dir)) {
    const type = ASSET_TYPES[extname(name)];
    if (!type || !/^[a-z0-9][a-z0-9._-]*$/i.test(name)) continue;
    const body = readFileSync(join(dir, name));
    assets.set(name, { body, type, hash: createHash('sha256').update(body).digest('hex').slice(0, 16) });
  }
  return assets;
}

/**
 * Verifies `_csrf` for form posts of a browser session. Bearer-token requests carry no ambient credential and need
 * no CSRF token (the same rule as the auth plugin, which also checks session posts globally; checking twice is
 * harmless and keeps the pages safe when mounted without it).
 */
function sessionCsrf(check: preHandlerHookHandler): preHandlerHookHandler {
  return function (this: FastifyInstance, req, reply, done) {
    if (principalOf(req)?.via === 'token') return done();
    return check.call(this, req, reply, done);
  };
}

const WEB_ERROR_CODES = new Set(['unauthorized', 'forbidden', 'not_found', 'conflict', 'invalid_request', 'unavailable']);
const CSRF_MESSAGE = 'The form has expired or was not sent from this site. Reload the page and try again.';

export { PUBLIC, principalOf, type PageContext, type Ui, type UiToken, type UiTokenAdmin } from './context.js';
export { safeNext } from '../safe-next.js';

export async function uiPlugin(app: FastifyInstance, opts: UiOptions): Promise<void> {
  const dir = uiDir();
  const assets = loadAssets(join(dir, 'assets'));
  const eta = new Eta({ views: join(dir, 'templates'), cache: opts.cacheTemplates ?? true, autoEscape: true, autoTrim: [false, 'nl'] });
  const now = opts.now ?? (() => new Date());

  const csrfHook = (app as FastifyInstance & { csrfProtection?: preHandlerHookHandler }).csrfProtection;
  const csrf = opts.csrf ?? typeof csrfHook === 'function';
  if (csrf && typeof csrfHook !== 'function') {
    throw new Error('uiPlugin: csrf is on but @fastify/csrf-protection is not registered (no app.csrfProtection)');
  }
  if (!app.hasContentTypeParser('application/x-www-form-urlencoded')) await app.register(formbody, { bodyLimit: 64 * 1024 });

  const asset = (name: string): string => {
    const a = assets.get(name);
    return a ? `/assets/${name}?v=${a.hash}` : `/assets/${name}`;
  };

  const context = (req: FastifyRequest, reply: FastifyReply, section: string): PageContext => {
    const principal = principalOf(req);
    let csrfToken: string | null = null;
    if (csrf) csrfToken = (reply as FastifyReply & { generateCsrf: () => string }).generateCsrf();
    return {
      principal,
      csrfToken,
      canAct: principal !== null && hasRole(principal, 'technician'),
      isAdmin: principal !== null && hasRole(principal, 'admin'),
      tokenPage: opts.tokens !== undefined,
      section,
    };
  };

  const render = (req: FastifyRequest, reply: FastifyReply, template: string, data: Record<string, unknown>, status = 200): FastifyReply => {
    const ui = context(req, reply, typeof data.section === 'string' ? data.section : '');
    const html = eta.render(`./${template}`, { ...data, ui, f, asset, now: now() });
    // Encoded once here: given the string, the server would measure its UTF-8 length for Content-Length and then
    // encode it again to write it — a fifth of a 150 KB tenant page's CPU in a profile (BENCHMARKS.md).
    const body = Buffer.from(html, 'utf8');
    return reply.code(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(body);
  };

  const ui: Ui = {
    service: opts.service,
    tokens: opts.tokens ?? null,
    now,
    page: render,
    signedIn(req, reply) {
      const p = principalOf(req);
      if (!p) {
        void reply.redirect(`/login?next=${encodeURIComponent(safeNext(req.url))}`, 303);
        return null;
      }
      return p;
    },
    notFound(req, reply, what) {
      return render(req, reply, 'error', { title: 'Not found', status: 404, heading: 'Not found', message: what ?? 'There is no page at this address, or you do not have access to it.' }, 404);
    },
    guard: csrf && csrfHook ? { preHandler: sessionCsrf(csrfHook) } : {},
  };

  app.get<{ Params: { file: string }; Querystring: { v?: string } }>('/assets/:file', { logLevel: 'warn', config: PUBLIC }, async (req, reply) => {
    const a = assets.get(req.params.file);
    if (!a) return reply.code(404).type('text/plain; charset=utf-8').send('Not found');
    const etag = `"${a.hash}"`;
    reply
      .header('content-type', a.type)
      .header('etag', etag)
      .header('x-content-type-options', 'nosniff')
      .header('cache-control', req.query.v === a.hash ? 'public, max-age=31536000, immutable' : 'public, max-age=300');
    if (req.headers['if-none-match'] === etag) return reply.code(304).send();
    return reply.send(a.body);
  });

  app.setErrorHandler((err: FastifyError, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    if (status >= 500) req.log.error({ err }, 'web UI request failed');
    else req.log.info({ code: err.code, status }, 'web UI request refused');
    const csrf = typeof err.code === 'string' && err.code.startsWith('FST_CSRF');
    // The backend's WebError messages (src/web/errors.ts) are written for people; other 4xx texts may be internals.
    const webError = status < 500 && typeof err.code === 'string' && WEB_ERROR_CODES.has(err.code);
    const message = csrf
      ? CSRF_MESSAGE
      : webError
        ? err.message
        : status === 403
        ? 'Your role does not allow this action.'
        : status === 413
          ? 'The form is too large.'
          : status < 500
            ? 'The request could not be processed.'
            : 'Something went wrong on our side. The error has been logged; try again in a moment.';
    return render(req, reply, 'error', { title: csrf ? 'Form expired' : `Error ${status}`, status, heading: csrf ? 'Form expired' : status === 403 ? 'Not allowed' : status < 500 ? 'Request refused' : 'Something went wrong', message }, status);
  });

  app.setNotFoundHandler((req, reply) => {
    const accept = req.headers.accept ?? '';
    if (req.url.startsWith('/api/') || req.url === '/api' || !accept.includes('text/html')) {
      return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `Route ${req.method}:${req.url.split('?')[0]} not found` });
    }
    return ui.notFound(req, reply);
  });

  registerPages(app, ui);
  if (opts.store) registerReportDownload(app, ui, { store: opts.store });
}

export default uiPlugin;
