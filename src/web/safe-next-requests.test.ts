/**
 * One `safeNext` for the whole app, proven through real requests: the sign-in redirect (POST /login), the fallback
 * sign-in page and the UI's sign-in page all refuse hostile `next` values (issue 9).
 */
import { describe, expect, it } from 'vitest';
import { safeNext as authSafeNext } from './auth.js';
import { safeNext } from './safe-next.js';
import { safeNext as uiSafeNext, uiPlugin } from './ui/index.js';
import { fixturesClosedAfterEach } from './test-support.js';

const fixture = fixturesClosedAfterEach();

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

/** Values that used to get through at least one of the two former copies (`/\t/…` got through both). */
const HOSTILE = ['/\t/evil.example', '/%2F%2Fevil.example', '/%5Cevil.example', '/%09/evil.example', '/\u2028/evil.example', '/%', '//evil.example', 'https://evil.example/'];

describe('one safeNext', () => {
  it('auth.ts and the UI use the same function', () => {
    expect(authSafeNext).toBe(safeNext);
    expect(uiSafeNext).toBe(safeNext);
  });

  it('POST /login with a valid token and next=/\\t/evil.example redirects to /', async () => {
    const f = await fixture();
    const res = await f.app.inject({ method: 'POST', url: '/login', headers: FORM, payload: form({ token: f.tokens.viewer, next: '/\t/evil.example' }) });
    expect(res.statusCode).toBe(303);
    expect(res.headers['set-cookie']).toMatch(/ratchet_session=/);
    expect(res.headers.location).toBe('/');
  });

  it('POST /login refuses every hostile next, for a valid token and back to the form for a wrong one', async () => {
    const f = await fixture();
    for (const next of HOSTILE) {
      const ok = await f.app.inject({ method: 'POST', url: '/login', headers: FORM, payload: form({ token: f.tokens.viewer, next }) });
      expect(ok.headers.location, JSON.stringify(next)).toBe('/');
      const bad = await f.app.inject({ method: 'POST', url: '/login', headers: { ...FORM, accept: 'text/html' }, payload: form({ token: 'nope', next }) });
      expect(bad.headers.location, JSON.stringify(next)).toBe('/login?error=invalid&next=%2F');
    }
    // A same-site path still works.
    const ok = await f.app.inject({ method: 'POST', url: '/login', headers: FORM, payload: form({ token: f.tokens.viewer, next: '/tenants/contoso?tab=x' }) });
    expect(ok.headers.location).toBe('/tenants/contoso?tab=x');
  });

  it('GET /login?next=/\\t/evil.example renders the hidden field as / (fallback sign-in page)', async () => {
    const f = await fixture();
    for (const next of HOSTILE) {
      const res = await f.app.inject({ method: 'GET', url: `/login?next=${encodeURIComponent(next)}`, headers: { accept: 'text/html' } });
      expect(res.statusCode).toBe(200);
      expect(res.body, JSON.stringify(next)).toContain('<input type="hidden" name="next" value="/">');
    }
    const kept = await f.app.inject({ method: 'GET', url: `/login?next=${encodeURIComponent('/tenants/contoso?tab=x')}`, headers: { accept: 'text/html' } });
    expect(kept.body).toContain('name="next" value="/tenants/contoso?tab=x"');
  });

  it('GET /login?next=/\\t/evil.example renders the hidden field as / (UI sign-in page)', async () => {
    const f = await fixture({ deps: { ui: uiPlugin } });
    for (const next of HOSTILE) {
      const res = await f.app.inject({ method: 'GET', url: `/login?next=${encodeURIComponent(next)}`, headers: { accept: 'text/html' } });
      expect(res.statusCode).toBe(200);
      expect(res.body, JSON.stringify(next)).toMatch(/name="next" value="\/"/);
    }
    const kept = await f.app.inject({ method: 'GET', url: `/login?next=${encodeURIComponent('/tenants/contoso?tab=x')}`, headers: { accept: 'text/html' } });
    expect(kept.body).toMatch(/name="next" value="\/tenants\/contoso\?tab=x"/);
  });

  it('an anonymous page request returns to its own path after signing in, but never to an encoded //', async () => {
    const f = await fixture();
    const page = await f.app.inject({ method: 'GET', url: '/tenants/contoso?tab=x', headers: { accept: 'text/html' } });
    expect(page.headers.location).toBe(`/login?next=${encodeURIComponent('/tenants/contoso?tab=x')}`);
    const hostile = await f.app.inject({ method: 'GET', url: '/%2F%2Fevil.example', headers: { accept: 'text/html' } });
    expect(hostile.headers.location).toBe('/login?next=%2F');
  });
});
