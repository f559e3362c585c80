/**
 * OpenID Connect sign-in in a real browser (issue 15, item 5): Debian's Chromium driven by playwright-core walks the
 * whole flow against the real `ratchet serve` web stack (webFixture: buildServer + registerWeb + the UI, SQLite,
 * listening on a loopback port) and a real OpenID provider in-process (oidc-provider, src/simulator/idp.ts, HTTPS on
 * loopback). Nothing is shortcut: the browser follows Ratchet's redirect to the provider, fills in its sign-in form,
 * comes back through the callback, and carries the session cookie like any browser would.
 *
 * Trusting the provider's certificate without turning verification off: Chromium gets
 * `--ignore-certificate-errors-spki-list=<base64 SHA-256 of the provider's SubjectPublicKeyInfo>`, read from the
 * certificate the provider's TLS server actually presents. That flag accepts a chain only if it contains exactly that
 * public key; every other certificate is still verified (and the provider's key is new at every start, so the pin
 * can trust nothing else). It needs `--user-data-dir`, which playwright always passes. The alternative — a temporary
 * HOME with an NSS database holding the test CA — would need `certutil` (libnss3-tools), an extra package for no gain.
 * No `ignoreHTTPSErrors`, no `--ignore-certificate-errors`.
 *
 * Ratchet itself is served over plain http on 127.0.0.1 (a potentially trustworthy origin for Chromium, so the
 * provider's https → http redirect back is not a mixed-form submission). The port must be known before the server is
 * built (publicUrl, the redirect URI registered at the provider), so a socket is bound first and the server is handed
 * that very socket: no window in which another process could take the port.
 *
 * One browser for the file, a fresh context (cookie jar) per person; one Ratchet server and one provider for the
 * file. Screenshot of the sign-in page to docs/screenshots/login-sso.png only with UPDATE_SCREENSHOTS=1.
 * RATCHET_SKIP_BROWSER_TESTS=1 skips the file deliberately (as browser.test.ts).
 */
import { createHash, X509Certificate } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer } from 'node:net';
import { resolve } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthSchema } from '../../src/config/auth.js';
import { startDemoIdp, type DemoIdp, type IdpUser } from '../../src/simulator/idp.js';
import { T0, webFixture, type WebFixture } from '../../src/web/test-support.js';
import { uiPlugin } from '../../src/web/ui/index.js';
import { ensureChromium } from '../helpers/chromium.js';

const CLIENT_ID = 'ratchet-web';
const CLIENT_SECRET = 'oidc-browser-secret-5d81c0a4e2';
const G = { admins: 'g-admins', techContoso: 'g-tech-contoso', viewers: 'g-viewers' };

const USERS: IdpUser[] = [
  { id: 'oid-ada', name: 'Ada Admin', email: 'ada@msp.example', password: 'ada-pw-3k9', groups: [G.admins] },
  { id: 'oid-tom', name: 'Tom Technician', email: 'tom@msp.example', password: 'tom-pw-7q2', groups: [G.techContoso] },
  // Scenario 3 takes this one's group away; Tom stays as he is for the others.
  { id: 'oid-lee', name: 'Lee Leaver', email: 'lee@msp.example', password: 'lee-pw-4m8', groups: [G.techContoso] },
];
const user = (id: string) => USERS.find((u) => u.id === id)!;

/** Binds 127.0.0.1 on a free port and keeps the socket: the server listens on this very handle later. */
async function bindLoopback(): Promise<NetServer> {
  const s = createNetServer();
  await new Promise<void>((ok, fail) => {
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => ok());
  });
  return s;
}

/** base64(SHA-256(SubjectPublicKeyInfo)) of the certificate the TLS server at `port` presents (verified against `ca`). */
async function spkiPin(port: number, ca: string): Promise<string> {
  const raw = await new Promise<Buffer>((ok, fail) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, ca }, () => {
      const cert = socket.getPeerCertificate();
      socket.end();
      ok(cert.raw);
    });
    socket.once('error', fail);
  });
  const spki = new X509Certificate(raw).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('base64');
}

// Several sign-ins per test: room for a loaded 2-core CI runner.
describe.skipIf(process.env.RATCHET_SKIP_BROWSER_TESTS === '1')('OIDC sign-in in Chromium against a real provider', { timeout: 90_000 }, () => {
  let idp: DemoIdp;
  let f: WebFixture;
  let socket: NetServer;
  let base: string;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    const executablePath = ensureChromium();
    socket = await bindLoopback();
    base = `http://127.0.0.1:${(socket.address() as AddressInfo).port}`;
    idp = await startDemoIdp({
      certDir: process.env.RATCHET_TEST_CA_DIR,
      users: USERS.map((u) => ({ ...u, groups: [...u.groups] })),
      clients: [{ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, redirectUris: [`${base}/auth/callback`] }],
    });
    const auth = AuthSchema.parse({
      oidc: { issuer: idp.issuer, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, caFile: idp.caPath },
      roleMap: [
        { group: G.admins, role: 'admin' },
        { group: G.techContoso, role: 'technician', tenants: ['contoso'] },
        { group: G.viewers, role: 'viewer' },
      ],
    });
    f = await webFixture({ config: { server: { host: '127.0.0.1', port: 0, trustProxy: false, publicUrl: base, auth } }, deps: { ui: uiPlugin } });
    // The fastify instance is ready (its request handler is attached to f.app.server); serve it on the bound socket.
    await new Promise<void>((ok, fail) => {
      f.app.server.once('error', fail);
      f.app.server.listen(socket, () => ok());
    });
    const pin = await spkiPin(Number(new URL(idp.issuer).port), readFileSync(idp.caPath, 'utf8'));
    browser = await chromium.launch({
      executablePath,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-quic',
        '--no-first-run',
        '--disable-component-update',
        '--disable-sync',
        `--ignore-certificate-errors-spki-list=${pin}`,
      ],
    });
  }, 900_000);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    if (f) {
      f.app.server.closeAllConnections();
      await new Promise<void>((ok) => f.app.server.close(() => ok()));
      await f.close();
    }
    socket?.close();
    await idp?.close();
  });

  async function newPage(): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    contexts.push(context);
    return { context, page: await context.newPage() };
  }

  /** From Ratchet's sign-in page through the provider's form; resolves once the browser is back at Ratchet. */
  async function signInAtProvider(page: Page, who: IdpUser, start = `${base}/login`): Promise<void> {
    if (start) await page.goto(start);
    if (!page.url().startsWith(idp.issuer)) {
      await page.getByRole('link', { name: 'Sign in with your organisation account' }).click();
    }
    await page.waitForURL((u) => u.href.startsWith(`${idp.issuer}/interaction/`));
    await page.fill('input[name=login]', who.email);
    await page.fill('input[name=password]', who.password!);
    await page.click('button[type=submit]');
    await page.waitForURL((u) => u.href.startsWith(base));
    await page.waitForLoadState('load');
  }

  /** Signs in and waits for the portfolio (the callback's page moves on to `/` by itself). */
  async function signIn(page: Page, who: IdpUser): Promise<void> {
    await signInAtProvider(page, who);
    await page.waitForURL(`${base}/`);
    expect(await page.locator('.who-name').textContent()).toBe(who.name);
  }

  const sessionCookie = async (context: BrowserContext) => (await context.cookies(base)).find((c) => c.name === 'ratchet_session')?.value;

  const apiWith = (cookie: string | undefined, path: string) => fetch(`${base}${path}`, { headers: cookie ? { cookie: `ratchet_session=${cookie}` } : {} });

  const portfolioTenants = (page: Page) => page.locator('#portfolio-table tbody .tenant-link + .sub').allTextContents();

  it('an admin signs in with the organisation account, sees every tenant and the tokens page, and signs out', async () => {
    const { context, page } = await newPage();
    await page.goto(`${base}/`);
    await page.waitForURL(`${base}/login?next=%2F`);
    await expect.poll(() => page.getByRole('link', { name: 'Sign in with your organisation account' }).count()).toBe(1);
    // tokenLogin is off once OIDC is configured: no token field at all.
    expect(await page.locator('input[name=token]').count()).toBe(0);
    expect(await page.getByLabel('API token').count()).toBe(0);
    if (process.env.UPDATE_SCREENSHOTS) {
      const dir = resolve('docs/screenshots');
      mkdirSync(dir, { recursive: true });
      await page.screenshot({ path: resolve(dir, 'login-sso.png') });
    }

    await page.getByRole('link', { name: 'Sign in with your organisation account' }).click();
    await page.waitForURL((u) => u.href.startsWith(`${idp.issuer}/interaction/`));
    // A wrong password stays at the provider with its error; Ratchet sets no session.
    await page.fill('input[name=login]', user('oid-ada').email);
    await page.fill('input[name=password]', 'not-the-password');
    await page.click('button[type=submit]');
    await expect.poll(() => page.locator('[role=alert]').textContent()).toBe('Wrong email or password.');
    expect(await sessionCookie(context)).toBeUndefined();
    await page.fill('input[name=login]', user('oid-ada').email);
    await page.fill('input[name=password]', user('oid-ada').password!);
    await page.click('button[type=submit]');
    await page.waitForURL(`${base}/`);

    expect(await page.locator('.who-name').textContent()).toBe('Ada Admin');
    expect(await page.locator('.who .role').textContent()).toBe('admin');
    expect((await portfolioTenants(page)).sort()).toEqual(['contoso', 'fabrikam', 'northwind']);
    const cookie = (await context.cookies(base)).find((c) => c.name === 'ratchet_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    // The sign-in cookie was used up and cleared.
    expect((await context.cookies(base)).some((c) => c.name === 'ratchet_oidc')).toBe(false);

    await page.getByRole('link', { name: 'Tokens' }).click();
    await page.waitForURL(`${base}/admin/tokens`);
    expect(await page.locator('h1').first().textContent()).toMatch(/token/i);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${base}/login?signedout=1`);
    expect(await page.getByRole('status').textContent()).toContain('You are signed out.');
    expect(await sessionCookie(context)).toBeUndefined();
    // The session is gone on the server too: the old cookie value is refused, and a reload asks for sign-in.
    expect((await apiWith(cookie!.value, '/api/v1/me')).status).toBe(401);
    await page.goto(`${base}/`);
    await page.waitForURL(/\/login\?next=%2F$/);
  });

  it('a technician scoped to contoso sees only contoso, gets 404 for fabrikam, and the audit names them', async () => {
    const { page } = await newPage();
    await signIn(page, user('oid-tom'));
    expect(await page.locator('.who .role').textContent()).toBe('technician');
    expect(await portfolioTenants(page)).toEqual(['contoso']);
    expect(await page.getByRole('link', { name: 'Tokens' }).count()).toBe(0);

    const other = await page.goto(`${base}/tenants/fabrikam`);
    expect(other!.status()).toBe(404);
    expect(await page.locator('h1').textContent()).toBe('Not found');
    expect(await page.content()).not.toContain('Fabrikam');

    const own = await page.goto(`${base}/tenants/contoso`);
    expect(own!.status()).toBe(200);
    expect(await page.getByRole('button', { name: 'Scan now' }).count()).toBe(1);
    expect(await page.getByRole('button', { name: 'Acknowledge' }).count()).toBeGreaterThan(0);

    // An admin, in a browser of their own, finds Tom's sign-in in the audit log: name and upn, object id on hover.
    const admin = await newPage();
    await signIn(admin.page, user('oid-ada'));
    await admin.page.goto(`${base}/audit`);
    const row = admin.page.locator('table.audit tbody tr', { has: admin.page.locator('code', { hasText: /^login$/ }) }).filter({ hasText: 'Tom Technician' }).first();
    expect(await row.locator('.person').textContent()).toBe('Tom Technician');
    expect(await row.locator('.person + .small').textContent()).toBe('tom@msp.example');
    expect(await row.locator('.person').getAttribute('title')).toContain('object id oid-tom');
    expect(await row.textContent()).toContain('technician');
  });

  it('removing someone from their group takes effect at their next sign-in', async () => {
    const { context, page } = await newPage();
    const lee = user('oid-lee');
    await signIn(page, lee);
    try {
      idp.users.get(lee.id)!.groups = [];
      // The running session keeps what it was given at sign-in...
      await page.goto(`${base}/tenants/contoso`);
      expect(await page.locator('.who-name').textContent()).toBe('Lee Leaver');
      expect(await page.locator('h1').first().textContent()).toContain('Contoso');
      // ...until it ends. Signing in again (prompt=login: the provider asks for the password again) is refused.
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.waitForURL(`${base}/login?signedout=1`);
      await signInAtProvider(page, lee, `${base}/auth/login?prompt=login`);
      expect(await page.locator('h1').textContent()).toBe('No access yet');
      expect(await page.getByRole('alert').textContent()).toContain('your account is not in any group Ratchet knows');
      expect(await page.getByRole('alert').textContent()).toContain('lee@msp.example');
      expect(await sessionCookie(context)).toBeUndefined();
      await page.goto(`${base}/`);
      await page.waitForURL(/\/login\?next=%2F$/);
    } finally {
      idp.users.get(lee.id)!.groups = [...lee.groups];
    }
  });

  it('a tampered state is refused in the browser, and the sign-in it belonged to is used up', async () => {
    const { context, page } = await newPage();
    // Chromium's own interception (CDP Fetch) catches the provider's redirect back — playwright's page.route does
    // not see requests reached through a redirect — and sends it on with another state.
    const cdp = await context.newCDPSession(page);
    await cdp.send('Fetch.enable', { patterns: [{ urlPattern: `${base}/auth/callback*`, requestStage: 'Request' }] });
    let genuine: string | null = null;
    cdp.on('Fetch.requestPaused', (e: { requestId: string; request: { url: string } }) => {
      genuine = e.request.url;
      const tampered = new URL(e.request.url);
      tampered.searchParams.set('state', 'attacker-state');
      void cdp.send('Fetch.continueRequest', { requestId: e.requestId, url: tampered.href });
    });
    const refused = page.waitForResponse((r) => r.url().startsWith(`${base}/auth/callback`));
    await signInAtProvider(page, user('oid-tom'));
    expect((await refused).status()).toBe(401);
    expect(await page.locator('h1').textContent()).toBe('Sign-in refused');
    expect(await sessionCookie(context)).toBeUndefined();
    await cdp.send('Fetch.disable');

    // The provider's redirect carried a code and the genuine state; replayed now, it finds the sign-in used up.
    expect(genuine).not.toBeNull();
    const sent = new URL(genuine!);
    expect(sent.searchParams.get('code')).toBeTruthy();
    expect(sent.searchParams.get('state')).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    const replay = await page.goto(genuine!);
    expect(replay!.status()).toBe(400);
    expect(await page.locator('h1').textContent()).toBe('Sign-in expired');
    expect(await sessionCookie(context)).toBeUndefined();
  });

  it('an ID token with a bad signature or a wrong nonce is refused; an untampered one works again', async () => {
    for (const mode of ['signature', 'nonce'] as const) {
      const { context, page } = await newPage();
      idp.tamper = mode;
      try {
        await signInAtProvider(page, user('oid-tom'));
      } finally {
        idp.tamper = null;
      }
      expect(page.url(), mode).toMatch(new RegExp(`^${base}/auth/callback\\?`));
      expect(await page.locator('h1').textContent(), mode).toBe('Sign-in refused');
      expect(await page.getByRole('alert').textContent(), mode).toContain('Sign-in refused.');
      expect(await sessionCookie(context), mode).toBeUndefined();
      await page.goto(`${base}/`);
      await page.waitForURL(/\/login\?next=%2F$/);
    }
    const why = f.log.lines().filter((l) => l.msg === 'OIDC sign-in refused: the provider response did not validate');
    expect(why.map((l) => (l.reason as { cause?: { message?: string } }).cause?.message).join(' | ')).toMatch(/signature verification failed.*"nonce"/);

    const { page } = await newPage();
    await signIn(page, user('oid-tom'));
    expect(await portfolioTenants(page)).toEqual(['contoso']);
  });

  it('an expired session is refused: the page asks for sign-in again and the API answers 401', async () => {
    const { context, page } = await newPage();
    await signIn(page, user('oid-tom'));
    const cookie = await sessionCookie(context);
    expect(cookie).toBeTruthy();
    expect((await apiWith(cookie, '/api/v1/me')).status).toBe(200);
    try {
      f.clock.ms = T0 + 12 * 3_600_000 + 1; // sessionHours: 12
      await page.reload();
      await page.waitForURL(`${base}/login?next=%2F&error=expired`);
      expect(await page.getByRole('alert').textContent()).toBe('Your session has ended. Sign in again.');
      expect(await page.locator('.who-name').count()).toBe(0);
      expect((await apiWith(cookie, '/api/v1/me')).status).toBe(401);
    } finally {
      f.clock.ms = T0;
    }
    // Even with the clock back, the expired session was deleted, not merely refused.
    expect((await apiWith(cookie, '/api/v1/me')).status).toBe(401);
  });

  it('API tokens keep working for machines while token sign-in to the web UI is refused', async () => {
    const api = await fetch(`${base}/api/v1/tenants`, { headers: { authorization: `Bearer ${f.tokens.admin}` } });
    expect(api.status).toBe(200);
    expect(((await api.json()) as { tenants: Array<{ id: string }> }).tenants.map((t) => t.id).sort()).toEqual(['contoso', 'fabrikam', 'northwind']);
    expect((await fetch(`${base}/api/v1/tenants`, { headers: { authorization: 'Bearer rtk_not_a_real_token' } })).status).toBe(401);

    const { context, page } = await newPage();
    await page.goto(`${base}/login`);
    // The browser posts a token the way the old form did; the server says no and sets no session.
    const refused = await page.request.post(`${base}/login`, { form: { token: f.tokens.admin, next: '/' }, headers: { accept: 'text/html' }, maxRedirects: 0 });
    expect(refused.status()).toBe(303);
    expect(refused.headers().location).toBe('/login?error=tokenlogin&next=%2F');
    expect(await sessionCookie(context)).toBeUndefined();
    await page.goto(`${base}${refused.headers().location}`);
    expect(await page.getByRole('alert').textContent()).toBe('Token sign-in is turned off: sign in with your organisation account.');
    expect(await page.locator('input[name=token]').count()).toBe(0);
    await page.goto(`${base}/`);
    await page.waitForURL(/\/login\?next=%2F$/);
  });
});
