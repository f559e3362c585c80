/**
 * `ratchet demo --serve` as a newcomer runs it: the real CLI in a child process on a fresh data directory. It prints a
 * URL and a technician token; the token signs in to the UI and calls the API, anonymous requests are refused, *Scan
 * now* (the UI form, the REST endpoint, and the button in Chromium) scans a tenant through the simulator the demo
 * keeps running, and SIGINT stops serve and the simulator and exits 0. When serve dies, the demo stops the simulator
 * and exits non-zero with serve's last lines.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';
import { Agent } from 'undici';
import { connect } from 'node:net';
import type { Readable } from 'node:stream';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../../bench/lib/cli.js';
import { freePort } from '../../src/cli/commands/demo-serve.js';
import { selfCommand } from '../../src/cli/self.js';
import { ensureChromium } from '../helpers/chromium.js';
import { poll } from '../helpers/poll.js';

type Child = ChildProcessByStdio<null, Readable, Readable>;

interface Demo {
  child: Child;
  stdout(): string;
  stderr(): string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Waits until stdout matches `re` (fails if the demo exits first). */
  waitFor(re: RegExp, what: string, ms?: number): Promise<RegExpMatchArray>;
}

const running: Demo[] = [];

function startDemo(args: string[]): Demo {
  const self = selfCommand();
  const child: Child = spawn(self.command, [...self.args, 'demo', '--serve', ...args], { env: { ...process.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.on('close', (code, signal) => r({ code, signal })));
  let exited = false;
  void exit.then(() => (exited = true));
  const demo: Demo = {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    exit,
    waitFor: (re, what, ms = 220_000) =>
      poll(
        () => {
          const m = stdout.match(re);
          if (m) return m;
          if (exited) throw new Error(`the demo exited before printing ${what}\nstdout:\n${stdout}\nstderr (end):\n${stderr.slice(-3000)}`);
          return undefined;
        },
        what,
        ms,
        100,
      ),
  };
  running.push(demo);
  return demo;
}

/** Stops a demo a failed test left running the way a user would (SIGTERM), so its serve child does not outlive it. */
async function stopDemo(d: Demo): Promise<void> {
  if (d.child.exitCode !== null || d.child.signalCode !== null) return;
  d.child.kill('SIGTERM');
  const done = await Promise.race([d.exit.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 50_000))]);
  if (!done) d.child.kill('SIGKILL');
}

afterAll(async () => {
  for (const d of running.splice(0)) await stopDemo(d);
});

/**
 * One data directory for both demos: the second finds the simulated history already there (the demo adds it only to
 * a fresh store), which keeps it to one scan of the portfolio.
 */
const dataDir = tempDir('ratchet-demo-serve-');

/** True when nothing accepts connections on 127.0.0.1:port. */
function portClosed(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ECONNREFUSED'));
  });
}

/** Pids of the live children of `pid` whose command line contains `word` (Linux /proc). */
function childrenOf(pid: number, word: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid && readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').includes(word)) found.push(Number(entry));
    } catch {
      /* the process ended while we looked */
    }
  }
  return found;
}

interface Printed {
  url: string;
  token: string;
  simPort: number;
}

async function signInBlock(d: Demo): Promise<Printed> {
  const [, token] = await d.waitFor(/^ {2}Token: +(rtk_\S+)$/m, 'the sign-in token');
  const [, url] = d.stdout().match(/^ {2}URL: +(http:\/\/127\.0\.0\.1:\d+)\/$/m)!;
  const [, simPort] = d.stdout().match(/simulator keeps answering at https:\/\/127\.0\.0\.1:(\d+)/)!;
  return { url: url!, token: token!, simPort: Number(simPort) };
}

interface ScanRow {
  id: string;
  status: string;
  level: number | null;
}

describe('ratchet demo --serve', { timeout: 240_000 }, () => {
  let demo: Demo;
  let p: Printed;
  const api = (path: string, init: RequestInit & { bearer?: string } = {}) =>
    fetch(`${p.url}${path}`, { ...init, headers: { ...(init.bearer ? { authorization: `Bearer ${init.bearer}` } : {}), ...(init.headers as Record<string, string>) } });
  const latestScan = async (tenant: string): Promise<ScanRow | undefined> => {
    const res = await api(`/api/v1/tenants/${tenant}/scans?limit=1`, { bearer: p.token });
    expect(res.status).toBe(200);
    return ((await res.json()) as { scans: ScanRow[] }).scans[0];
  };
  /** The next complete scan of `tenant` after `before`, as the API lists it. */
  const nextScan = (tenant: string, before: ScanRow | undefined) =>
    poll(
      async () => {
        const s = await latestScan(tenant);
        return s && s.id !== before?.id && s.status !== 'running' ? s : undefined;
      },
      `a new scan of ${tenant}`,
      60_000,
      250,
    );

  beforeAll(async () => {
    demo = startDemo(['--data-dir', dataDir]);
    p = await signInBlock(demo);
  }, 240_000);
  // A failed test must not leave this demo holding the data directory the next one uses.
  afterAll(async () => (demo ? stopDemo(demo) : undefined), 60_000);

  it('prints the portfolio, then a URL on 127.0.0.1, a token and a curl line that works', async () => {
    const out = demo.stdout();
    for (const name of ['Northwind Traders', 'Fabrikam Inc', 'Contoso Ltd', 'Tailspin Toys', 'Woodgrove Bank']) expect(out).toContain(name);
    expect(out.indexOf('Woodgrove Bank')).toBeLessThan(out.indexOf('Token:'));
    // The token is printed once, on stdout: never in serve's logs.
    expect(demo.stderr()).not.toContain(p.token);
    expect(demo.stderr()).toMatch(/"msg":"ratchet serve listening on http:\/\/127\.0\.0\.1:\d+"/);

    const curl = out.match(/^API: +curl -H "Authorization: Bearer (rtk_\S+)" (http:\/\/\S+)$/m)!;
    expect(curl[1]).toBe(p.token);
    const res = await fetch(curl[2]!, { headers: { authorization: `Bearer ${curl[1]}` } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { summary: { id: string } }).summary.id).toBe('northwind');

    const list = (await (await api('/api/v1/tenants', { bearer: p.token })).json()) as { tenants: Array<{ id: string; level: number | null }> };
    expect(list.tenants.map((t) => [t.id, t.level]).sort()).toEqual([
      ['contoso', 3],
      ['fabrikam', 2],
      ['northwind', 1],
      ['tailspin', 4],
      ['woodgrove', 1],
    ]);
  });

  it('offers its own OpenID provider: the printed people sign in with their roles and scope (the real code flow)', async () => {
    const out = demo.stdout();
    for (const who of ['ada@msp.example', 'tom@msp.example', 'vera@msp.example']) expect(out).toContain(who);
    expect(out).toMatch(/tom@msp\.example +Tom Technician — technician of contoso and fabrikam/);
    // The provider's certificate is from the demo's CA (under the data dir), which serve trusts; so does this client.
    const dispatcher = new Agent({ connect: { ca: [...rootCertificates, readFileSync(join(dataDir, 'demo', 'ca', 'ca.pem'), 'utf8')] } });
    const jar = new Map<string, string>();
    const keep = (res: Response) => {
      for (const c of res.headers.getSetCookie()) {
        const [pair] = c.split(';');
        const eq = pair!.indexOf('=');
        jar.set(pair!.slice(0, eq), pair!.slice(eq + 1));
      }
    };
    const cookies = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const start = await api('/auth/login?next=/', { redirect: 'manual' });
    expect(start.status).toBe(302);
    keep(start);
    let url = start.headers.get('location')!;
    for (let hop = 0; hop < 12 && !url.startsWith(p.url); hop++) {
      const res = (await fetch(url, { redirect: 'manual', headers: { cookie: cookies() }, dispatcher } as RequestInit)) as Response;
      keep(res);
      if (res.status >= 300 && res.status < 400) {
        url = new URL(res.headers.get('location')!, url).href;
        continue;
      }
      const action = /<form method="post" action="([^"]+)"/.exec(await res.text())?.[1];
      expect(action, `a sign-in form at ${url}`).toBeTruthy();
      const post = (await fetch(new URL(action!.replace(/&amp;/g, '&'), url), {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie: cookies(), 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ login: 'tom@msp.example', password: 'demo' }).toString(),
        dispatcher,
      } as RequestInit)) as Response;
      keep(post);
      url = new URL(post.headers.get('location')!, url).href;
    }
    expect(url.startsWith(`${p.url}/auth/callback?`)).toBe(true);
    const back = await fetch(url, { redirect: 'manual', headers: { cookie: cookies() } });
    expect(back.status).toBe(200);
    keep(back);
    const me = (await (await api('/api/v1/me', { headers: { cookie: cookies() } })).json()) as { principal: { role: string; tenants: string[] | null; person: { name: string; upn: string } | null } };
    expect(me.principal).toMatchObject({ role: 'technician', tenants: ['contoso', 'fabrikam'], person: { name: 'Tom Technician', upn: 'tom@msp.example' } });
    expect((await api('/api/v1/tenants/northwind', { headers: { cookie: cookies() } })).status).toBe(404);
    expect((await api('/api/v1/tenants/contoso', { headers: { cookie: cookies() } })).status).toBe(200);
    await dispatcher.close();
  });

  it('refuses anonymous and wrong-token requests', async () => {
    const anon = await api('/api/v1/tenants');
    expect(anon.status).toBe(401);
    expect(anon.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await api('/api/v1/tenants/contoso/scan', { method: 'POST' })).status).toBe(401);
    const forged = `${p.token.slice(0, -4)}AAAA`;
    expect((await api('/api/v1/tenants', { bearer: forged })).status).toBe(401);
    const page = await api('/tenants/contoso', { headers: { accept: 'text/html' }, redirect: 'manual' });
    expect(page.status).toBe(302);
    expect(page.headers.get('location')).toMatch(/^\/login\?next=/);
  });

  it('the token signs in to the UI, and its Scan now form scans the tenant through the simulator', async () => {
    const login = await api('/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html', origin: p.url },
      body: new URLSearchParams({ token: p.token, next: '/tenants/fabrikam' }).toString(),
      redirect: 'manual',
    });
    expect(login.status).toBe(303);
    expect(login.headers.get('location')).toBe('/tenants/fabrikam');
    const cookie = login.headers.getSetCookie().find((c) => c.startsWith('ratchet_session='))!.split(';')[0]!;

    const tenantPage = await api('/tenants/fabrikam', { headers: { cookie, accept: 'text/html' } });
    expect(tenantPage.status).toBe(200);
    const html = await tenantPage.text();
    const csrf = html.match(/<form method="post" action="\/tenants\/fabrikam\/scan"[^>]*>\s*<input type="hidden" name="_csrf" value="([^"]+)"/)?.[1];
    expect(csrf, 'the Scan now form with its CSRF token').toBeDefined();

    const before = await latestScan('fabrikam');
    const posted = await api('/tenants/fabrikam/scan', {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html', origin: p.url },
      body: new URLSearchParams({ _csrf: csrf! }).toString(),
      redirect: 'manual',
    });
    expect(posted.status).toBe(303);
    expect(posted.headers.get('location')).toBe('/tenants/fabrikam?notice=scan_queued');
    const scan = await nextScan('fabrikam', before);
    expect(scan).toMatchObject({ status: 'complete', level: 2 });
  });

  it('Scan now over the REST API (bearer token) scans the tenant through the simulator', async () => {
    const before = await latestScan('contoso');
    const res = await api('/api/v1/tenants/contoso/scan', { method: 'POST', bearer: p.token });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ queued: true });
    expect(await nextScan('contoso', before)).toMatchObject({ status: 'complete', level: 3 });
  });

  it.skipIf(process.env.RATCHET_SKIP_BROWSER_TESTS === '1')('the Scan now button in Chromium queues a scan that completes', async () => {
    const browser = await chromium.launch({
      executablePath: ensureChromium(),
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
    });
    try {
      const page = await browser.newPage();
      page.on('dialog', (d) => void (d.type() === 'confirm' ? d.accept() : d.dismiss()));
      await page.goto(`${p.url}/`);
      await page.waitForURL(/\/login\?next=/);
      await page.getByLabel('API token').fill(p.token);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(`${p.url}/`);
      await page.getByRole('link', { name: 'Tailspin Toys' }).click();
      await page.waitForURL(`${p.url}/tenants/tailspin`);
      const before = await latestScan('tailspin');
      await page.getByRole('button', { name: 'Scan now' }).click();
      await page.waitForURL(/\/tenants\/tailspin\?notice=scan_queued$/);
      expect(await page.locator('.flash').first().textContent()).toMatch(/Scan queued/);
      expect(await nextScan('tailspin', before)).toMatchObject({ status: 'complete', level: 4 });
    } finally {
      await browser.close();
    }
  });

  it('SIGINT stops serve and the simulator and exits 0', async () => {
    const servePort = Number(new URL(p.url).port);
    expect(await portClosed(servePort)).toBe(false);
    expect(await portClosed(p.simPort)).toBe(false);
    demo.child.kill('SIGINT');
    const exit = await demo.exit;
    expect(exit, demo.stderr().slice(-3000)).toEqual({ code: 0, signal: null });
    expect(demo.stderr()).toMatch(/"msg":"ratchet serve stopped"/);
    expect(await portClosed(servePort)).toBe(true);
    expect(await portClosed(p.simPort)).toBe(true);
  });
});

describe('ratchet demo --serve when serve dies', () => {
  it('stops the simulator and exits non-zero with serve\'s last lines', { timeout: 240_000 }, async () => {
    const port = await freePort();
    const demo = startDemo(['--data-dir', dataDir, '--port', String(port)]);
    const p = await signInBlock(demo);
    expect(p.url).toBe(`http://127.0.0.1:${port}`);
    const [serve] = childrenOf(demo.child.pid!, 'serve');
    expect(serve, 'the serve child of the demo').toBeDefined();
    process.kill(serve!, 'SIGKILL');

    const exit = await demo.exit;
    expect(exit.code).not.toBe(0);
    expect(exit.signal).toBeNull();
    expect(demo.stderr()).toMatch(/ratchet demo: ratchet serve was killed by SIGKILL while the demo was serving; stopping the simulator\. serve's last lines:\n\{"level"/);
    expect(await portClosed(port)).toBe(true);
    expect(await portClosed(p.simPort)).toBe(true);
  });
});

describe('ratchet demo --serve usage', () => {
  it('refuses --port without --serve, a bad port, and a JSON or HTML document with --serve (exit 2, before any simulator starts)', async () => {
    const dir = tempDir('ratchet-demo-usage-');
    const cases: Array<[string[], RegExp]> = [
      [['demo', '--data-dir', dir, '--port', '8080'], /--port goes with --serve/],
      [['demo', '--data-dir', dir, '--serve', '--port', '70000'], /--port: a whole number from 0 to 65535/],
      [['demo', '--data-dir', dir, '--serve', '--format', 'json'], /--serve prints the portfolio as a table/],
      [['demo', '--data-dir', dir, '--serve', '--format', 'html'], /without --serve for a html document/],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(args, process.env);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stdout).toBe('');
    }
    // Refused before the demo wrote anything.
    expect(readdirSync(dir)).toEqual([]);
  });
});
