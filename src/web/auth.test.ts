/**
 * Browser sign-in, session cookies, CSRF, redirects, security headers, rate limits, and what stays public.
 */
import { describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY } from './index.js';
import { fixturesClosedAfterEach, signIn, T0 } from './test-support.js';

const fixture = fixturesClosedAfterEach();

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

describe('POST /login', () => {
  it('sets an HttpOnly, SameSite=Strict, Path=/ session cookie with a 12 h lifetime (not Secure over http) and redirects to next', async () => {
    const f = await fixture();
    const res = await f.app.inject({ method: 'POST', url: '/login', headers: FORM, payload: form({ token: f.tokens.viewer, next: '/tenants/contoso' }) });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/tenants/contoso');
    const cookie = String(res.headers['set-cookie']);
    expect(cookie).toMatch(/^ratchet_session=[A-Za-z0-9_-]{43};/);
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; SameSite=Strict/);
    expect(cookie).toMatch(/; Path=\//);
    expect(cookie).toMatch(/; Max-Age=43200/);
    expect(cookie).not.toMatch(/Secure/);
    // Only the hash of the cookie is stored.
    const value = /ratchet_session=([^;]+)/.exec(cookie)![1]!;
    const db = await import('node:fs').then((fs) => fs.readFileSync(f.dbPath).toString('latin1') + (fs.existsSync(`${f.dbPath}-wal`) ? fs.readFileSync(`${f.dbPath}-wal`).toString('latin1') : ''));
    expect(db).not.toContain(value);
  });

  it('marks the cookie Secure when server.publicUrl is https', async () => {
    const f = await fixture({ config: { server: { host: '127.0.0.1', port: 0, trustProxy: false, auth: { roleMap: [], sessionHours: 12 }, publicUrl: 'https://ratchet.msp.example' } } });
    const { setCookie } = await signIn(f, 'viewer');
    expect(setCookie).toMatch(/; Secure/);
    const res = await f.as('viewer', { method: 'GET', url: '/api/v1/me' });
    expect(res.headers['strict-transport-security']).toMatch(/max-age=31536000/);
  });

  it('refuses a wrong, revoked or missing token: 401 JSON for scripts, 303 back to the form for browsers', async () => {
    const f = await fixture();
    for (const token of ['rtk_000000000000_' + 'A'.repeat(43), f.tokens.revoked, `${f.tokens.viewer.slice(0, -1)}x`, '']) {
      const res = await f.app.inject({ method: 'POST', url: '/login', headers: FORM, payload: form({ token }) });
      expect(res.statusCode, token).toBe(401);
      expect(res.headers['set-cookie']).toBeUndefined();
    }
    const browser = await f.app.inject({ method: 'POST', url: '/login', headers: { ...FORM, accept: 'text/html' }, payload: form({ token: 'nope', next: '/x' }) });
    expect(browser.statusCode).toBe(303);
    expect(browser.headers.location).toBe('/login?error=invalid&next=%2Fx');
    // A known token id with a bad secret, and a revoked token, leave an audit trail.
    const failed = (await f.store.auditLog()).filter((e) => e.action === 'login.failed');
    expect(failed.map((e) => e.detail.reason).sort()).toEqual(['mismatch', 'revoked']);
  });

  it('never redirects off-site after signing in', async () => {
    const f = await fixture();
    for (const next of ['https://evil.example/', '//evil.example', '/\\evil.example', 'javascript:alert(1)', '/login']) {
      const res = await f.app.inject({ method: 'POST', url: '/login', headers: FORM, payload: form({ token: f.tokens.viewer, next }) });
      expect(res.headers.location, next).toBe('/');
    }
  });

  it('refuses a cross-origin sign-in (login CSRF) but accepts same-origin and publicUrl origins', async () => {
    const f = await fixture({ config: { server: { host: '127.0.0.1', port: 0, trustProxy: false, auth: { roleMap: [], sessionHours: 12 }, publicUrl: 'https://ratchet.msp.example' } } });
    const attempt = (origin: string) =>
      f.app.inject({ method: 'POST', url: '/login', headers: { ...FORM, origin, host: 'localhost:8080' }, payload: form({ token: f.tokens.viewer }) });
    expect((await attempt('https://evil.example')).statusCode).toBe(403);
    expect((await attempt('null')).statusCode).toBe(403);
    expect((await attempt('http://localhost:8080')).statusCode).toBe(303);
    expect((await attempt('https://ratchet.msp.example')).statusCode).toBe(303);
  });

  it('records the sign-in in the audit log', async () => {
    const f = await fixture();
    await signIn(f, 'technician');
    const [entry] = (await f.store.auditLog()).filter((e) => e.action === 'login');
    expect(entry).toMatchObject({ actor: 'technician@test', tenantId: null, target: f.tokenIds.technician });
  });

  it('is rate-limited: the 11th garbage attempt from an address in a minute is 429, a valid token still signs in (more in rate-limit.test.ts)', async () => {
    const f = await fixture({ deps: { loginRateLimit: undefined } });
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) {
      const res = await f.app.inject({ method: 'POST', url: '/login', headers: FORM, payload: form({ token: 'guess' }) });
      statuses.push(res.statusCode);
    }
    expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true);
    expect(statuses[10]).toBe(429);
    const limited = await f.app.inject({ method: 'POST', url: '/login', headers: FORM, payload: form({ token: 'guess' }) });
    expect(limited.json()).toMatchObject({ error: { code: 'rate_limited' } });
    // The limit is keyed by the presented token's id: others' garbage from the same address never refuses a valid token.
    const last = await f.app.inject({ method: 'POST', url: '/login', headers: FORM, payload: form({ token: f.tokens.admin }) });
    expect(last.statusCode).toBe(303);
    // Another address is not affected.
    const other = await f.app.inject({ method: 'POST', url: '/login', headers: FORM, payload: form({ token: 'guess' }), remoteAddress: '10.1.2.3' });
    expect(other.statusCode).toBe(401);
  });
});

describe('token routes are rate-limited', () => {
  it('the 11th call to /api/v1/tokens* in a minute is 429', async () => {
    const f = await fixture({ deps: { tokenRateLimit: undefined } });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await f.as('admin', { method: 'GET', url: '/api/v1/tokens' })).statusCode);
    for (let i = 0; i < 5; i++) statuses.push((await f.as('admin', { method: 'POST', url: '/api/v1/tokens', payload: { name: `t${i}`, role: 'viewer' } })).statusCode);
    expect(statuses.slice(0, 6)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(statuses.slice(6, 10)).toEqual([201, 201, 201, 201]);
    expect(statuses[10]).toBe(429);
    // Other routes are not limited.
    expect((await f.as('admin', { method: 'GET', url: '/api/v1/tenants' })).statusCode).toBe(200);
  });
});

describe('sessions', () => {
  it('a session cookie authenticates pages and API reads; /me shows the principal and a CSRF token', async () => {
    const f = await fixture();
    const { cookie, csrf } = await signIn(f, 'technicianContoso');
    expect(csrf).toMatch(/\S{20,}/);
    const me = await f.app.inject({ method: 'GET', url: '/api/v1/me', cookies: { ratchet_session: cookie } });
    expect(me.json()).toMatchObject({ principal: { via: 'session', name: 'technicianContoso@test', role: 'technician', tenants: ['contoso'] } });
    const tenants = await f.app.inject({ method: 'GET', url: '/api/v1/tenants', cookies: { ratchet_session: cookie } });
    expect((tenants.json() as { tenants: Array<{ id: string }> }).tenants.map((t) => t.id)).toEqual(['contoso']);
  });

  it('state-changing requests with the session cookie need the CSRF token (form field or header)', async () => {
    const f = await fixture();
    const { cookie, csrf } = await signIn(f, 'technician');
    const url = '/api/v1/tenants/contoso/scan';
    const none = await f.app.inject({ method: 'POST', url, cookies: { ratchet_session: cookie } });
    expect(none.statusCode).toBe(403);
    expect(none.json()).toMatchObject({ error: { code: 'csrf' } });
    const wrong = await f.app.inject({ method: 'POST', url, cookies: { ratchet_session: cookie }, headers: { 'x-csrf-token': 'forged' } });
    expect(wrong.statusCode).toBe(403);
    expect(f.scanRequests).toEqual([]);

    const header = await f.app.inject({ method: 'POST', url, cookies: { ratchet_session: cookie }, headers: { 'x-csrf-token': csrf } });
    expect(header.statusCode).toBe(202);
    const field = await f.app.inject({
      method: 'POST',
      url: '/api/v1/tenants/contoso/episodes/ep-contoso-1/acknowledge',
      cookies: { ratchet_session: cookie },
      headers: FORM,
      payload: form({ comment: 'from a form', _csrf: csrf }),
    });
    expect(field.statusCode).toBe(200);
  });

  it("a CSRF token of one session does not work for another session", async () => {
    const f = await fixture();
    const alice = await signIn(f, 'technician');
    const bob = await signIn(f, 'technician');
    const res = await f.app.inject({ method: 'POST', url: '/api/v1/tenants/contoso/scan', cookies: { ratchet_session: bob.cookie }, headers: { 'x-csrf-token': alice.csrf } });
    expect(res.statusCode).toBe(403);
  });

  it('bearer requests need no CSRF token (no ambient credential)', async () => {
    const f = await fixture();
    expect((await f.as('technician', { method: 'POST', url: '/api/v1/tenants/contoso/scan' })).statusCode).toBe(202);
  });

  it('POST /logout needs the CSRF token, deletes the session and clears the cookie', async () => {
    const f = await fixture();
    const { cookie, csrf } = await signIn(f, 'viewer');
    const forged = await f.app.inject({ method: 'POST', url: '/logout', cookies: { ratchet_session: cookie } });
    expect(forged.statusCode).toBe(403);
    const res = await f.app.inject({ method: 'POST', url: '/logout', cookies: { ratchet_session: cookie }, headers: FORM, payload: form({ _csrf: csrf }) });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/login?signedout=1');
    expect(String(res.headers['set-cookie'])).toMatch(/ratchet_session=;.*Expires=Thu, 01 Jan 1970/);
    const after = await f.app.inject({ method: 'GET', url: '/api/v1/me', cookies: { ratchet_session: cookie } });
    expect(after.statusCode).toBe(401);
    expect((await f.store.auditLog()).map((e) => e.action)).toContain('logout');
    // Signing out again (an ended session) just lands on the sign-in page.
    const again = await f.app.inject({ method: 'POST', url: '/logout', cookies: { ratchet_session: cookie } });
    expect(again.statusCode).toBe(303);
    expect(again.headers.location).toBe('/login?signedout=1');
  });

  it('signing in again replaces the previous session', async () => {
    const f = await fixture();
    const first = await signIn(f, 'viewer');
    const res = await f.app.inject({ method: 'POST', url: '/login', headers: FORM, cookies: { ratchet_session: first.cookie }, payload: form({ token: f.tokens.viewer }) });
    expect(res.statusCode).toBe(303);
    expect((await f.app.inject({ method: 'GET', url: '/api/v1/me', cookies: { ratchet_session: first.cookie } })).statusCode).toBe(401);
  });

  it('a session ends when it expires (12 h) and when its token is revoked', async () => {
    const f = await fixture();
    const a = await signIn(f, 'viewer');
    f.clock.ms = T0 + 12 * 3_600_000 + 1;
    const expired = await f.app.inject({ method: 'GET', url: '/api/v1/me', cookies: { ratchet_session: a.cookie } });
    expect(expired.statusCode).toBe(401);
    expect(String(expired.headers['set-cookie'])).toMatch(/ratchet_session=;/);
    const page = await f.app.inject({ method: 'GET', url: '/tenants/contoso', headers: { accept: 'text/html' }, cookies: { ratchet_session: a.cookie } });
    expect(page.statusCode).toBe(302);
    expect(page.headers.location).toBe('/login?next=%2Ftenants%2Fcontoso&error=expired');

    const b = await signIn(f, 'technician');
    expect((await f.app.inject({ method: 'GET', url: '/api/v1/me', cookies: { ratchet_session: b.cookie } })).statusCode).toBe(200);
    await f.as('admin', { method: 'POST', url: `/api/v1/tokens/${f.tokenIds.technician}/revoke` });
    expect((await f.app.inject({ method: 'GET', url: '/api/v1/me', cookies: { ratchet_session: b.cookie } })).statusCode).toBe(401);
  });

  it('a made-up session cookie is refused', async () => {
    const f = await fixture();
    const res = await f.app.inject({ method: 'GET', url: '/api/v1/tenants', cookies: { ratchet_session: 'A'.repeat(43) } });
    expect(res.statusCode).toBe(401);
  });
});

describe('nothing is served without authentication', () => {
  it('browser page requests redirect to /login with next; other requests get 401', async () => {
    const f = await fixture();
    const page = await f.app.inject({ method: 'GET', url: '/tenants/contoso?tab=findings', headers: { accept: 'text/html,application/xhtml+xml' } });
    expect(page.statusCode).toBe(302);
    expect(page.headers.location).toBe('/login?next=%2Ftenants%2Fcontoso%3Ftab%3Dfindings');
    const api = await f.app.inject({ method: 'GET', url: '/api/v1/tenants', headers: { accept: 'text/html' } });
    expect(api.statusCode).toBe(401);
    const unknown = await f.app.inject({ method: 'GET', url: '/does/not/exist' });
    expect(unknown.statusCode).toBe(401);
    const post = await f.app.inject({ method: 'POST', url: '/api/v1/tenants/contoso/scan', headers: FORM, payload: 'a=b' });
    expect(post.statusCode).toBe(401);
    expect(f.scanRequests).toEqual([]);
  });

  it('/healthz and /metrics stay public for probes and scrapers', async () => {
    const f = await fixture();
    expect((await f.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    expect((await f.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(200);
  });

  it('GET /login (fallback page) is public, has a form posting to /login, and no inline script or style', async () => {
    const f = await fixture();
    const res = await f.app.inject({ method: 'GET', url: '/login?next=%2Ftenants%2F%22%3E%3Cscript%3E' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.body).toMatch(/<form method="post" action="\/login">/);
    expect(res.body).not.toMatch(/<script|<style|style=|on\w+=/i);
    expect(res.body).toContain('value="/tenants/&#34;&#62;&#60;script&#62;"');
  });
});

describe('security headers', () => {
  it('sends the strict CSP and friends on every response, public or not', async () => {
    const f = await fixture();
    const expected = "default-src 'self';script-src 'self';style-src 'self';img-src 'self' data:;object-src 'none';base-uri 'none';frame-ancestors 'none';form-action 'self'";
    for (const res of [
      await f.as('viewer', { method: 'GET', url: '/api/v1/tenants' }),
      await f.app.inject({ method: 'GET', url: '/login' }),
      await f.app.inject({ method: 'GET', url: '/api/v1/tenants' }),
    ]) {
      expect(res.headers['content-security-policy']).toBe(expected);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
    }
    expect(Object.keys(CONTENT_SECURITY_POLICY)).toHaveLength(8);
  });
});
