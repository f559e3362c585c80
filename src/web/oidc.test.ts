/**
 * OpenID Connect sign-in end to end over plain HTTP: the real `ratchet serve` web stack (webFixture: buildServer +
 * registerWeb + the UI, SQLite) and a real OpenID provider (oidc-provider, src/simulator/idp.ts) over HTTPS on
 * loopback, trusted through `server.auth.oidc.caFile`. The browser is played by hand: /auth/login → the provider's
 * authorize endpoint → its sign-in form → consent → back to the callback with the `ratchet_oidc` cookie.
 */
import { createHash, createPublicKey } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClientCertificate } from '../simulator/tls.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthSchema } from '../config/auth.js';
import { startDemoIdp, type DemoIdp, type IdpUser } from '../simulator/idp.js';
import { uiPlugin } from './ui/index.js';
import { fixturesClosedAfterEach, signIn, T0, type WebFixture } from './test-support.js';

const PUBLIC_URL = 'https://ratchet.msp.test';
const CLIENT = { clientId: 'ratchet-web', clientSecret: 'oidc-client-secret-7f3a9c2e1b', redirectUris: [`${PUBLIC_URL}/auth/callback`] };
const G = { admins: 'g-admins', techContoso: 'g-tech-contoso', viewers: 'g-viewers', other: 'g-unrelated' };

const USERS: IdpUser[] = [
  { id: 'oid-ada', name: 'Ada Admin', email: 'ada@msp.example', password: 'ada-pw', groups: [G.admins] },
  { id: 'oid-tom', name: 'Tom Technician', email: 'tom@msp.example', password: 'tom-pw', groups: [G.techContoso, G.viewers] },
  { id: 'oid-una', name: 'Una Unmapped', email: 'una@msp.example', password: 'una-pw', groups: [G.other] },
  { id: 'oid-oli', name: 'Oli Overage', email: 'oli@msp.example', password: 'oli-pw', groups: [G.other, G.admins], overage: true },
  { id: 'oid-rae', name: 'Rae Roles', email: 'rae@msp.example', password: 'rae-pw', groups: [], roles: ['Ratchet.Viewer'] },
];

/** A second app that authenticates with a certificate (private_key_jwt), as `certificatePath` configures it. */
const CERT_CLIENT_ID = 'ratchet-web-cert';
let certificatePath = '';

let idp: DemoIdp;
beforeAll(async () => {
  const cert = await createClientCertificate('ratchet-signin');
  certificatePath = join(mkdtempSync(join(tmpdir(), 'ratchet-oidc-cert-')), 'signin.pem');
  writeFileSync(certificatePath, cert.combinedPem, { mode: 0o600 });
  const jwk = { ...createPublicKey(cert.certPem).export({ format: 'jwk' }), alg: 'RS256', use: 'sig' };
  const certClient = { clientId: CERT_CLIENT_ID, clientSecret: 'not-used-by-a-certificate-client', redirectUris: CLIENT.redirectUris, jwks: { keys: [jwk] } };
  idp = await startDemoIdp({ certDir: process.env.RATCHET_TEST_CA_DIR, users: USERS.map((u) => ({ ...u, groups: [...u.groups] })), clients: [CLIENT, certClient] });
});
afterAll(async () => {
  await idp?.close();
});

const fixture = fixturesClosedAfterEach();

async function oidcFixture(over: { groupsOverage?: 'graph' | 'deny'; tokenLogin?: boolean; certificate?: boolean } = {}): Promise<WebFixture> {
  const credential = over.certificate ? { clientId: CERT_CLIENT_ID, certificatePath } : { clientId: CLIENT.clientId, clientSecret: CLIENT.clientSecret };
  const auth = AuthSchema.parse({
    oidc: { issuer: idp.issuer, ...credential, caFile: idp.caPath, graphUrl: idp.graphUrl, groupsOverage: over.groupsOverage ?? 'graph' },
    roleMap: [
      { group: G.admins, role: 'admin' },
      { group: G.techContoso, role: 'technician', tenants: ['contoso'] },
      { group: G.viewers, role: 'viewer' },
      { appRole: 'Ratchet.Viewer', role: 'viewer', tenants: ['fabrikam'] },
    ],
    ...(over.tokenLogin !== undefined ? { tokenLogin: over.tokenLogin } : {}),
  });
  return fixture({ config: { server: { host: '127.0.0.1', port: 0, trustProxy: false, publicUrl: PUBLIC_URL, auth } }, deps: { ui: uiPlugin } });
}

/** A cookie jar for the provider's origin (its session and interaction cookies). */
class Jar {
  private readonly cookies = new Map<string, string>();
  take(res: Response): void {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(c)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

interface Started {
  /** The `ratchet_oidc` cookie value. */
  oidcCookie: string;
  /** Path and query of the callback the provider sent the browser to. */
  callback: string;
}

/** Starts a sign-in at Ratchet and signs in at the provider; stops where the provider sends the browser back. */
async function atProvider(f: WebFixture, user: IdpUser, next = '/'): Promise<Started> {
  const start = await f.app.inject({ method: 'GET', url: `/auth/login?next=${encodeURIComponent(next)}&prompt=login` });
  expect(start.statusCode).toBe(302);
  const setCookie = String(start.headers['set-cookie']);
  expect(setCookie).toMatch(/^ratchet_oidc=[A-Za-z0-9_-]{43};/);
  expect(setCookie).toMatch(/; HttpOnly/);
  expect(setCookie).toMatch(/; SameSite=Lax/);
  expect(setCookie).toMatch(/; Secure/);
  expect(setCookie).toMatch(/; Path=\/auth/);
  const oidcCookie = /ratchet_oidc=([^;]+)/.exec(setCookie)![1]!;
  const authorize = new URL(String(start.headers.location));
  expect(authorize.origin).toBe(idp.issuer);
  expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
  expect(authorize.searchParams.get('redirect_uri')).toBe(`${PUBLIC_URL}/auth/callback`);
  expect(authorize.searchParams.get('prompt')).toBe('login');
  for (const p of ['state', 'nonce', 'code_challenge']) expect(authorize.searchParams.get(p)).toBeTruthy();

  const jar = new Jar();
  let url = authorize.href;
  for (let hop = 0; hop < 12; hop++) {
    if (url.startsWith(`${PUBLIC_URL}/`)) return { oidcCookie, callback: url.slice(PUBLIC_URL.length) };
    const res = await fetch(url, { redirect: 'manual', headers: { cookie: jar.header() } });
    jar.take(res);
    if (res.status >= 300 && res.status < 400) {
      url = new URL(res.headers.get('location')!, url).href;
      continue;
    }
    const html = await res.text();
    const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
    if (res.status !== 200 || !action) throw new Error(`unexpected answer from the provider at ${url}: ${res.status}`);
    const post = await fetch(new URL(action.replace(/&amp;/g, '&'), url), {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ login: user.email, password: user.password! }).toString(),
    });
    jar.take(post);
    expect(post.status).toBe(303);
    url = new URL(post.headers.get('location')!, url).href;
  }
  throw new Error('too many hops at the provider');
}

async function callback(f: WebFixture, s: Started, callbackPath = s.callback, extraCookies: Record<string, string> = {}) {
  return f.app.inject({ method: 'GET', url: callbackPath, cookies: { ratchet_oidc: s.oidcCookie, ...extraCookies } });
}

/** The whole flow; returns the session cookie and a CSRF token for it. */
async function signInOidc(f: WebFixture, user: IdpUser, next = '/') {
  const res = await callback(f, await atProvider(f, user, next));
  expect(res.statusCode, res.body).toBe(200);
  const setCookie = String(res.headers['set-cookie']);
  const cookie = /ratchet_session=([^;]+)/.exec(setCookie)?.[1];
  if (!cookie) throw new Error(`no session cookie: ${setCookie}`);
  const me = await f.app.inject({ method: 'GET', url: '/api/v1/me', cookies: { ratchet_session: cookie } });
  expect(me.statusCode).toBe(200);
  const body = me.json() as { principal: Record<string, unknown>; csrfToken: string };
  return { cookie, setCookie, res, principal: body.principal, csrf: body.csrfToken };
}

const sha = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
const user = (id: string) => USERS.find((u) => u.id === id)!;
const live = (id: string) => idp.users.get(id)!;

describe('OIDC sign-in against a real provider', () => {
  it('a mapped technician gets a session with the mapped role and tenant scope; other tenants are 404', async () => {
    const f = await oidcFixture();
    const s = await signInOidc(f, user('oid-tom'), '/tenants/contoso');
    // The session cookie is set exactly as token sign-in sets it; the page moves on without a redirect.
    expect(s.setCookie).toMatch(/ratchet_session=[A-Za-z0-9_-]{43};/);
    expect(s.setCookie).toMatch(/; HttpOnly/);
    expect(s.setCookie).toMatch(/; SameSite=Strict/);
    expect(s.setCookie).toMatch(/; Secure/);
    expect(s.setCookie).toMatch(/; Path=\//);
    expect(s.setCookie).toMatch(/; Max-Age=43200/);
    expect(s.setCookie).toMatch(/ratchet_oidc=;/); // the sign-in cookie is cleared
    expect(s.res.body).toContain('<meta http-equiv="refresh" content="0;url=/tenants/contoso">');
    expect(s.res.body).toContain('href="/tenants/contoso"');
    expect(s.res.body).not.toMatch(/<script/);
    expect(s.principal).toEqual({
      via: 'session',
      tokenId: null,
      person: { subject: 'oid-tom', name: 'Tom Technician', upn: 'tom@msp.example', issuer: idp.issuer },
      name: 'Tom Technician',
      role: 'technician',
      tenants: ['contoso'],
    });
    const get = (url: string, html = false) => f.app.inject({ method: 'GET', url, cookies: { ratchet_session: s.cookie }, headers: html ? { accept: 'text/html' } : {} });
    expect((await get('/api/v1/tenants/contoso')).statusCode).toBe(200);
    expect((await get('/api/v1/tenants/fabrikam')).statusCode).toBe(404);
    expect((await get('/tenants/contoso', true)).statusCode).toBe(200);
    const other = await get('/tenants/fabrikam', true);
    expect(other.statusCode).toBe(404);
    expect(other.body).not.toContain('Fabrikam');
    expect(((await get('/api/v1/tenants')).json() as { tenants: Array<{ id: string }> }).tenants.map((t) => t.id)).toEqual(['contoso']);
    // Request log lines name the person by object id.
    expect(f.log.lines().some((l) => l.msg === 'request' && l.path === '/api/v1/tenants/contoso' && l.principal === 'person:oid-tom')).toBe(true);
    // The callback's log lines carry no code, token or client secret.
    expect(f.log.text()).not.toContain(CLIENT.clientSecret);
    expect(f.log.text()).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\./);
  });

  it('an app with a certificate credential (certificatePath: private_key_jwt) signs people in, overage look-up included', async () => {
    const f = await oidcFixture({ certificate: true });
    const tom = await signInOidc(f, user('oid-tom'));
    expect(tom.principal).toMatchObject({ role: 'technician', tenants: ['contoso'], person: { subject: 'oid-tom' } });
    // The overage look-up's client-credentials token is requested with the same assertion.
    const oli = await signInOidc(f, user('oid-oli'));
    expect(oli.principal).toMatchObject({ role: 'admin', person: { subject: 'oid-oli' } });
  });

  it('app roles map like groups (a viewer of fabrikam only)', async () => {
    const f = await oidcFixture();
    const s = await signInOidc(f, user('oid-rae'));
    expect(s.principal).toMatchObject({ role: 'viewer', tenants: ['fabrikam'] });
  });

  it('records the sign-in, actions and sign-out by person (name, object id, upn), on the audit page and API', async () => {
    const f = await oidcFixture();
    const tom = await signInOidc(f, user('oid-tom'));
    const ack = await f.app.inject({
      method: 'POST',
      url: '/api/v1/tenants/contoso/episodes/ep-contoso-1/acknowledge',
      cookies: { ratchet_session: tom.cookie },
      headers: { 'x-csrf-token': tom.csrf },
      payload: { comment: 'planned change' },
    });
    expect(ack.statusCode, ack.body).toBe(200);
    expect(ack.json()).toMatchObject({ acknowledgedBy: 'Tom Technician' });
    const scan = await f.app.inject({ method: 'POST', url: '/api/v1/tenants/contoso/scan', cookies: { ratchet_session: tom.cookie }, headers: { 'x-csrf-token': tom.csrf } });
    expect(scan.statusCode).toBe(202);
    const out = await f.app.inject({ method: 'POST', url: '/logout', cookies: { ratchet_session: tom.cookie }, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: `_csrf=${encodeURIComponent(tom.csrf)}` });
    expect(out.statusCode).toBe(303);

    const ada = await signInOidc(f, user('oid-ada'));
    const audit = await f.app.inject({ method: 'GET', url: '/api/v1/audit?limit=50', cookies: { ratchet_session: ada.cookie } });
    const entries = (audit.json() as { entries: Array<{ actor: string; action: string; target: string | null; detail: Record<string, unknown> }> }).entries;
    const tomPerson = { name: 'Tom Technician', oid: 'oid-tom', upn: 'tom@msp.example', issuer: idp.issuer };
    for (const action of ['login', 'episode.acknowledged', 'scan.requested', 'logout']) {
      const e = entries.find((x) => x.action === action && x.actor === 'Tom Technician');
      expect(e, action).toBeDefined();
      expect(e!.detail.person, action).toEqual(tomPerson);
      expect(e!.detail.tokenId, action).toBeUndefined();
    }
    expect(entries.find((x) => x.action === 'login' && x.actor === 'Tom Technician')!.detail).toMatchObject({ via: 'session', role: 'technician', tenants: ['contoso'] });
    // The audit page shows the name and upn, the object id on hover.
    const page = await f.app.inject({ method: 'GET', url: '/audit', cookies: { ratchet_session: ada.cookie }, headers: { accept: 'text/html' } });
    expect(page.statusCode).toBe(200);
    expect(page.body).toMatch(/<span class="person" title="object id oid-tom[^"]*">Tom Technician<\/span> <span class="small muted">tom@msp.example<\/span>/);
  });

  it('an unmapped person is refused with a page saying which groups to join', async () => {
    const f = await oidcFixture();
    const res = await callback(f, await atProvider(f, user('oid-una')));
    expect(res.statusCode).toBe(403);
    expect(res.body).toContain('your account is not in any group Ratchet knows: ask an admin to add you to');
    expect(res.body).toContain(G.techContoso);
    expect(res.body).not.toContain(G.other);
    expect(String(res.headers['set-cookie'])).not.toMatch(/ratchet_session=[^;]/);
    expect(f.log.text()).toContain('no roleMap entry matches');
  });

  it('an overage person gets their groups from the Graph fake; with groupsOverage: deny they are refused', async () => {
    const f = await oidcFixture();
    const s = await signInOidc(f, user('oid-oli'));
    expect(s.principal).toMatchObject({ role: 'admin', tenants: null, person: { subject: 'oid-oli' } });

    const denying = await oidcFixture({ groupsOverage: 'deny' });
    const res = await callback(denying, await atProvider(denying, user('oid-oli')));
    expect(res.statusCode).toBe(403);
    expect(res.body).toContain('too many groups');
    expect(res.body).toContain('docs/sso.md');
  });

  it('a change of group membership applies at the next sign-in', async () => {
    const f = await oidcFixture();
    const before = await signInOidc(f, user('oid-ada'));
    expect(before.principal).toMatchObject({ role: 'admin', tenants: null });
    try {
      live('oid-ada').groups = [G.viewers];
      // The running session keeps the role it was given at sign-in...
      const me = await f.app.inject({ method: 'GET', url: '/api/v1/me', cookies: { ratchet_session: before.cookie } });
      expect(me.json()).toMatchObject({ principal: { role: 'admin' } });
      // ...the next sign-in maps the new groups, and replaces the old session.
      const after = await signInOidc(f, user('oid-ada'));
      expect(after.principal).toMatchObject({ role: 'viewer', tenants: null });
      live('oid-ada').groups = [];
      const refused = await callback(f, await atProvider(f, user('oid-ada')));
      expect(refused.statusCode).toBe(403);
    } finally {
      live('oid-ada').groups = [G.admins];
    }
  });

  it('signing in again replaces the session the browser had', async () => {
    const f = await oidcFixture();
    const first = await signInOidc(f, user('oid-tom'));
    const second = await callback(f, await atProvider(f, user('oid-tom')), undefined, { ratchet_session: first.cookie });
    expect(second.statusCode).toBe(200);
    expect(await f.store.getUserSession(sha(first.cookie))).toBeNull();
    const me = await f.app.inject({ method: 'GET', url: '/api/v1/me', cookies: { ratchet_session: first.cookie } });
    expect(me.statusCode).toBe(401);
  });
});

/** What openid-client's refusal says for each of the provider's tamper modes. */
const CHECK = { signature: 'signature verification failed', nonce: '"nonce"', issuer: '"iss"', audience: '"aud"', expired: '"exp"' } as const;

describe('OIDC sign-in refusals', () => {
  it('a tampered state is refused, and the sign-in cannot be finished afterwards', async () => {
    const f = await oidcFixture();
    const s = await atProvider(f, user('oid-tom'));
    const tampered = new URL(s.callback, PUBLIC_URL);
    tampered.searchParams.set('state', 'attacker-state');
    const res = await callback(f, s, tampered.pathname + tampered.search);
    expect(res.statusCode).toBe(401);
    expect(res.body).toContain('Sign-in refused');
    expect(String(res.headers['set-cookie'])).not.toMatch(/ratchet_session=[^;]/);
    // The sign-in in progress was used up by the refused attempt.
    expect((await callback(f, s)).statusCode).toBe(400);
  });

  it('a replayed callback is refused (single use)', async () => {
    const f = await oidcFixture();
    const s = await atProvider(f, user('oid-tom'));
    expect((await callback(f, s)).statusCode).toBe(200);
    const again = await callback(f, s);
    expect(again.statusCode).toBe(400);
    expect(again.body).toContain('This sign-in expired or was already used: start again.');
    expect(again.body).toContain('href="/login');
  });

  it('a callback without the sign-in cookie, or after 10 minutes, is refused', async () => {
    const f = await oidcFixture();
    const s = await atProvider(f, user('oid-tom'));
    const noCookie = await f.app.inject({ method: 'GET', url: s.callback });
    expect(noCookie.statusCode).toBe(400);
    expect((await callback(f, { ...s, oidcCookie: 'made-up-value' })).statusCode).toBe(400);
    f.clock.ms += 10 * 60_000 + 1;
    expect((await callback(f, s)).statusCode).toBe(400);
  });

  it.each(['signature', 'nonce', 'issuer', 'audience', 'expired'] as const)('an ID token with a tampered %s is refused', async (mode) => {
    const f = await oidcFixture();
    const s = await atProvider(f, user('oid-tom'));
    idp.tamper = mode;
    try {
      const res = await callback(f, s);
      expect(res.statusCode).toBe(401);
      expect(res.body).toContain('Sign-in refused');
      expect(res.body).not.toMatch(/nonce|signature|issuer|audience|exp\b/i);
      expect(String(res.headers['set-cookie'])).not.toMatch(/ratchet_session=[^;]/);
    } finally {
      idp.tamper = null;
    }
    expect(f.log.text()).toContain('OIDC sign-in refused');
    // Refused by the check the tampering targets (openid-client's own message, in the log only).
    const why = f.log.lines().find((l) => String(l.msg).startsWith('OIDC sign-in refused'))?.reason as { cause?: { message?: string } } | undefined;
    expect(why?.cause?.message).toContain(CHECK[mode]);
    expect(f.log.text()).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\./);
  });
});

describe('starting a sign-in', () => {
  it('never carries an off-site next through the provider', async () => {
    const f = await oidcFixture();
    const s = await atProvider(f, user('oid-tom'), '//evil.example/x');
    const res = await callback(f, s);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<meta http-equiv="refresh" content="0;url=/">');
    expect(res.body).not.toContain('evil.example');
  });

  it('is rate-limited per address (each start stores a sign-in in progress)', async () => {
    const f = await fixture({ config: (await oidcFixture()).config, deps: { loginRateLimit: { max: 2, timeWindow: 60_000 } } });
    const codes = [];
    for (let i = 0; i < 3; i++) codes.push((await f.app.inject({ method: 'GET', url: '/auth/login' })).statusCode);
    expect(codes).toEqual([302, 302, 429]);
  });

  it('sends prompt=login only when asked', async () => {
    const f = await oidcFixture();
    const res = await f.app.inject({ method: 'GET', url: '/auth/login' });
    expect(res.statusCode).toBe(302);
    expect(new URL(String(res.headers.location)).searchParams.has('prompt')).toBe(false);
  });

  it('an unreachable provider gives a page saying so, without details', async () => {
    const auth = AuthSchema.parse({
      oidc: { issuer: 'https://127.0.0.1:9/', clientId: CLIENT.clientId, clientSecret: CLIENT.clientSecret, caFile: idp.caPath },
      roleMap: [{ group: G.admins, role: 'admin' }],
    });
    const f = await fixture({ config: { server: { host: '127.0.0.1', port: 0, trustProxy: false, publicUrl: PUBLIC_URL, auth } } });
    const res = await f.app.inject({ method: 'GET', url: '/auth/login' });
    expect(res.statusCode).toBe(502);
    expect(res.body).toContain('The sign-in service cannot be reached right now.');
    expect(res.body).not.toContain('127.0.0.1');
    expect(f.log.text()).toContain('OpenID provider discovery failed');
    expect(f.log.text()).not.toContain(CLIENT.clientSecret);
  });

  it('the fallback sign-in page (no UI) offers the organisation account and no token form', async () => {
    const auth = AuthSchema.parse({ oidc: { issuer: idp.issuer, clientId: CLIENT.clientId, clientSecret: CLIENT.clientSecret, caFile: idp.caPath }, roleMap: [{ group: G.admins, role: 'admin' }] });
    const f = await fixture({ config: { server: { host: '127.0.0.1', port: 0, trustProxy: false, publicUrl: PUBLIC_URL, auth } } });
    const page = await f.app.inject({ method: 'GET', url: '/login?next=%2Faudit&error=tokenlogin' });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<a href="/auth/login?next=%2Faudit">Sign in with your organisation account</a>');
    expect(page.body).toContain('Token sign-in is turned off');
    expect(page.body).not.toContain('name="token"');
    expect(page.body).not.toMatch(/<script|style=/);
  });
});

describe('sessions and tokens with OIDC on', () => {
  it('a session ends when it expires (sessionHours)', async () => {
    const f = await oidcFixture();
    const s = await signInOidc(f, user('oid-tom'));
    f.clock.ms = T0 + 12 * 3_600_000 + 1;
    const api = await f.app.inject({ method: 'GET', url: '/api/v1/me', cookies: { ratchet_session: s.cookie } });
    expect(api.statusCode).toBe(401);
    expect(String(api.headers['set-cookie'])).toMatch(/ratchet_session=;/);
    const page = await f.app.inject({ method: 'GET', url: '/tenants/contoso', cookies: { ratchet_session: s.cookie }, headers: { accept: 'text/html' } });
    expect(page.statusCode).toBe(302);
    expect(page.headers.location).toBe('/login?next=%2Ftenants%2Fcontoso&error=expired');
    expect(await f.store.getUserSession(sha(s.cookie))).toBeNull();
  });

  it('logout ends the session', async () => {
    const f = await oidcFixture();
    const s = await signInOidc(f, user('oid-tom'));
    const noCsrf = await f.app.inject({ method: 'POST', url: '/logout', cookies: { ratchet_session: s.cookie } });
    expect(noCsrf.statusCode).toBe(403);
    const out = await f.app.inject({ method: 'POST', url: '/logout', cookies: { ratchet_session: s.cookie }, headers: { 'x-csrf-token': s.csrf } });
    expect(out.statusCode).toBe(303);
    expect(String(out.headers['set-cookie'])).toMatch(/ratchet_session=;/);
    expect((await f.app.inject({ method: 'GET', url: '/api/v1/me', cookies: { ratchet_session: s.cookie } })).statusCode).toBe(401);
  });

  it('token sign-in is refused by default with OIDC on; API tokens keep working; the sign-in page offers the organisation account', async () => {
    const f = await oidcFixture();
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const json = await f.app.inject({ method: 'POST', url: '/login', headers: form, payload: `token=${encodeURIComponent(f.tokens.admin)}` });
    expect(json.statusCode).toBe(403);
    expect(json.json()).toEqual({ error: { code: 'forbidden', message: 'token sign-in is turned off: sign in with your organisation account' } });
    expect(json.headers['set-cookie']).toBeUndefined();
    const html = await f.app.inject({ method: 'POST', url: '/login', headers: { ...form, accept: 'text/html' }, payload: `token=${encodeURIComponent(f.tokens.admin)}&next=%2Faudit` });
    expect(html.statusCode).toBe(303);
    expect(html.headers.location).toBe('/login?error=tokenlogin&next=%2Faudit');
    expect(html.headers['set-cookie']).toBeUndefined();

    const page = await f.app.inject({ method: 'GET', url: '/login?error=tokenlogin&next=%2Faudit', headers: { accept: 'text/html' } });
    expect(page.body).toContain('Token sign-in is turned off: sign in with your organisation account.');
    expect(page.body).toContain('<a class="btn btn-primary" href="/auth/login?next=%2Faudit">Sign in with your organisation account</a>');
    expect(page.body).not.toContain('name="token"');

    expect((await f.as('admin', { method: 'GET', url: '/api/v1/tenants' })).statusCode).toBe(200);
    expect((await f.as('technicianContoso', { method: 'POST', url: '/api/v1/tenants/contoso/scan' })).statusCode).toBe(202);
  });

  it('tokenLogin: true keeps the token form beside the organisation account', async () => {
    const f = await oidcFixture({ tokenLogin: true });
    const { cookie } = await signIn(f, 'viewer');
    expect(cookie).toBeTruthy();
    const page = await f.app.inject({ method: 'GET', url: '/login', headers: { accept: 'text/html' } });
    expect(page.body).toContain('name="token"');
    expect(page.body).toContain('href="/auth/login"');
  });
});
