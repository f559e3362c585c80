/**
 * A stand-in for the backend around the UI plugin, for the UI's fast tests: cookie, CSRF protection and helmet with
 * the project's Content-Security-Policy, a token sign-in that sets a session cookie, and `request.principal`.
 */
import cookie from '@fastify/cookie';
import csrf from '@fastify/csrf-protection';
import formbody from '@fastify/formbody';
import helmet from '@fastify/helmet';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Principal } from '../../src/domain/principal.js';
import type { WebService } from '../../src/web/contracts.js';
import { uiPlugin } from '../../src/web/ui/index.js';

export const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

export const TOKENS: Record<string, Principal> = {
  'tok-viewer': { via: 'session', tokenId: 't1', person: null, name: 'vera@msp (viewer)', role: 'viewer', tenants: null },
  'tok-tech': { via: 'session', tokenId: 't2', person: null, name: 'alice@msp', role: 'technician', tenants: null },
  'tok-scoped': { via: 'session', tokenId: 't3', person: null, name: 'sam@msp', role: 'technician', tenants: ['fabrikam'] },
};

export async function fakeApp(service: WebService, opts: { csrf?: boolean } = {}): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  await app.register(cookie, { secret: 'test-cookie-secret-test-cookie-secret' });
  await app.register(formbody);
  await app.register(csrf, { sessionPlugin: '@fastify/cookie', cookieOpts: { signed: true, httpOnly: true, sameSite: 'strict', path: '/' } });
  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        frameAncestors: ["'none'"],
        formAction: ["'self'"],
      },
    },
  });
  const sessions = new Map<string, Principal>();
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (req) => {
    const raw = req.cookies.sid ? req.unsignCookie(req.cookies.sid) : null;
    const p = raw?.valid && raw.value ? sessions.get(raw.value) : undefined;
    const bearer = req.headers['x-test-token'];
    (req as unknown as { principal: Principal | null }).principal = p ?? (typeof bearer === 'string' ? (TOKENS[bearer] ?? null) : null);
  });
  app.post('/login', { preHandler: opts.csrf === false ? [] : app.csrfProtection }, async (req, reply) => {
    const body = req.body as { token?: string; next?: string };
    const p = body.token ? TOKENS[body.token] : undefined;
    if (!p) return reply.redirect('/login?error=1', 303);
    const sid = `s${sessions.size + 1}${Math.random().toString(36).slice(2)}`;
    sessions.set(sid, p);
    reply.setCookie('sid', sid, { signed: true, httpOnly: true, sameSite: 'strict', path: '/' });
    return reply.redirect(body.next && body.next.startsWith('/') && !body.next.startsWith('//') ? body.next : '/', 303);
  });
  app.post('/logout', { preHandler: opts.csrf === false ? [] : app.csrfProtection }, async (_req, reply) => {
    reply.clearCookie('sid', { path: '/' });
    return reply.redirect('/login?signedout=1', 303);
  });
  await app.register(uiPlugin, { service, csrf: opts.csrf ?? true, now: () => new Date('2026-03-01T06:00:00Z') });
  await app.ready();
  return app;
}
