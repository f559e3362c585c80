/**
 * `ratchet demo --serve`: after the demo's first scan, keep the simulator running and serve the demo portfolio with
 * `ratchet serve` on 127.0.0.1, so a newcomer can click through the web UI (and press *Scan now*) with a fresh
 * technician token.
 *
 * serve runs as a child process for the same reason the demo's scans do: Node reads NODE_EXTRA_CA_CERTS (the
 * simulator's CA) only at start-up. The demo config holds `${env:…}` references only; the secrets they name live in
 * this process and reach the child through its environment — never through a file.
 *
 * The child gets its own process group (`detached`), so a Ctrl-C in the terminal reaches this process alone and
 * serve is asked to stop exactly once (a second signal would make serve abort running scans at once); this process
 * keeps the simulator up until serve has finished, then closes it.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Readable } from 'node:stream';
import { parse as parseYaml, stringify } from 'yaml';
import { EXIT, type CliIO } from '../../app/io.js';
import { selfCommand } from '../self.js';

export interface DemoServeOptions {
  /** The demo config (written by `ratchet demo`; it holds `${env:…}` references, no secret). */
  configPath: string;
  /** Environment of the serve child: the simulator's secrets and NODE_EXTRA_CA_CERTS naming its CA. */
  env: NodeJS.ProcessEnv;
  /** Port on 127.0.0.1; undefined or 0: a free one. */
  port?: number;
  /** The global --log-level, passed on to serve (unset: the product's default, info). */
  logLevel?: string;
  /** A tenant for the curl example. */
  exampleTenant: string;
  simulatorUrl: string;
  /** Resolves when the demo should stop (default: the first SIGINT, SIGTERM or SIGHUP). */
  until?: Promise<string>;
  /** How long serve may take to answer /healthz (default 60 s). */
  startTimeoutMs?: number;
  /**
   * The simulator's certificate folder: the demo's OpenID provider takes its certificate from the same CA, which the
   * serve child already trusts (NODE_EXTRA_CA_CERTS). Undefined: no demo provider, token sign-in only.
   */
  certDir?: string;
}

/** The demo's sign-in people, for the printed block. */
interface DemoSignIn {
  users: Array<{ name: string; email: string; role: string }>;
  password: string;
  close(): Promise<void>;
}

const DEMO_OIDC_SECRET_ENV = 'RATCHET_DEMO_OIDC_SECRET';

/**
 * Starts the built-in demo OpenID provider (src/simulator/idp.ts, a real provider: code flow with PKCE, signed ID
 * tokens) with three sample people, and writes a serve config beside the demo's that signs them in with it
 * (`server.auth`, DESIGN §15). Token sign-in stays on in the demo, so the printed token works in the browser too.
 * Imported lazily: the provider library is only for the demo and the tests.
 */
async function startDemoSignIn(opts: DemoServeOptions, url: string, certDir: string): Promise<{ configPath: string; env: NodeJS.ProcessEnv; signIn: DemoSignIn }> {
  const { startDemoIdp, DEMO_USERS, DEMO_GROUPS, DEMO_PASSWORD } = await import('../../simulator/idp.js');
  const clientSecret = randomBytes(24).toString('base64url');
  const roles: Record<string, string> = { [DEMO_GROUPS.admins]: 'admin', [DEMO_GROUPS['technicians-contoso-fabrikam']]: 'technician of contoso and fabrikam', [DEMO_GROUPS.viewers]: 'viewer' };
  const idp = await startDemoIdp({
    certDir,
    users: DEMO_USERS,
    clients: [{ clientId: 'ratchet-demo', clientSecret, redirectUris: [`${url}/auth/callback`] }],
    signInHint: `Demo accounts: ${DEMO_USERS.map((u) => u.email).join(', ')}; password "${DEMO_PASSWORD}".`,
  });
  const base = parseYaml(readFileSync(opts.configPath, 'utf8')) as Record<string, unknown>;
  const server = (base.server as Record<string, unknown> | undefined) ?? {};
  const config = {
    ...base,
    server: {
      ...server,
      publicUrl: url,
      auth: {
        oidc: { issuer: idp.issuer, clientId: 'ratchet-demo', clientSecret: `\${env:${DEMO_OIDC_SECRET_ENV}}` },
        roleMap: [
          { group: DEMO_GROUPS.admins, role: 'admin' },
          { group: DEMO_GROUPS['technicians-contoso-fabrikam'], role: 'technician', tenants: ['contoso', 'fabrikam'] },
          { group: DEMO_GROUPS.viewers, role: 'viewer' },
        ],
        tokenLogin: true,
      },
    },
  };
  const configPath = opts.configPath.replace(/\.yaml$/, '') + '.serve.yaml';
  writeFileSync(configPath, `# Written by \`ratchet demo --serve\`: the demo config plus sign-in through the demo OpenID provider.\n${stringify(config)}`);
  return {
    configPath,
    env: { ...opts.env, [DEMO_OIDC_SECRET_ENV]: clientSecret },
    signIn: {
      users: DEMO_USERS.map((u) => ({ name: u.name, email: u.email, role: roles[u.groups[0] ?? ''] ?? 'none' })),
      password: DEMO_PASSWORD,
      close: () => idp.close(),
    },
  };
}

const HOST = '127.0.0.1';
/** serve's own default grace period is 30 s; after this much more it is killed. */
const STOP_TIMEOUT_MS = 45_000;
/** Lines of serve's stderr kept to explain why it died. */
const TAIL_LINES = 15;

type Child = ChildProcessByStdio<null, Readable, Readable>;
interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A port nothing listens on right now (the OS picks it); serve binds it a moment later. */
export function freePort(host = HOST): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, host, () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => (port ? resolvePort(port) : reject(new Error('could not find a free port'))));
    });
  });
}

/** The last `n` lines of a growing text, for the message when serve dies. */
function tail(n: number): { push(chunk: string): void; lines(): string[] } {
  let lines: string[] = [];
  let partial = '';
  return {
    push(chunk) {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop() ?? '';
      lines = [...lines, ...parts.filter((l) => l.trim() !== '')].slice(-n);
    },
    lines: () => [...lines, ...(partial.trim() ? [partial] : [])].slice(-n),
  };
}

/** Runs a CLI subcommand to completion with its output captured (the token must not pass through stderr). */
function runQuiet(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  const self = selfCommand();
  return new Promise((resolveRun, reject) => {
    const child = spawn(self.command, [...self.args, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolveRun({ code: code ?? EXIT.runtime, stdout, stderr }));
  });
}

/** A fresh technician token through the product's own path (`ratchet token create`): printed once, stored hashed. */
async function createToken(opts: DemoServeOptions, io: CliIO): Promise<string | number> {
  const r = await runQuiet(
    ['--config', opts.configPath, 'token', 'create', '--role', 'technician', '--name', `ratchet demo --serve (${new Date().toISOString().slice(0, 16)}Z)`],
    opts.env,
  );
  const token = r.stdout.trim();
  if (r.code !== EXIT.ok || !/^rtk_\S+$/.test(token)) {
    io.err(`ratchet demo: could not create a sign-in token (exit ${r.code}):\n${r.stderr}`);
    return r.code === EXIT.ok ? EXIT.runtime : r.code;
  }
  return token;
}

/** The first SIGINT/SIGTERM/SIGHUP resolves `first`; later ones call `again` (serve then aborts running scans). */
function stopSignals(again: () => void): { first: Promise<string>; dispose(): void } {
  let seen = false;
  let resolveFirst!: (s: string) => void;
  const first = new Promise<string>((r) => (resolveFirst = r));
  const handler = (signal: NodeJS.Signals) => {
    if (seen) return again();
    seen = true;
    resolveFirst(signal);
  };
  const names: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const n of names) process.on(n, handler);
  return { first, dispose: () => names.forEach((n) => process.off(n, handler)) };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

/** Polls /healthz until it answers 200 with status ok; false once `deadline` passes or `gaveUp()` says so. */
async function healthy(url: string, deadline: number, gaveUp: () => boolean): Promise<boolean> {
  while (Date.now() < deadline && !gaveUp()) {
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
      const body = (await res.json().catch(() => null)) as { status?: string } | null;
      if (res.status === 200 && body?.status === 'ok') return true;
    } catch {
      /* not listening yet */
    }
    await sleep(200);
  }
  return false;
}

function describeExit(e: Exit): string {
  return e.signal ? `was killed by ${e.signal}` : `exited with code ${e.code}`;
}

function signInBlock(url: string, token: string, opts: DemoServeOptions, people: DemoSignIn | null): string {
  const sso = people
    ? `Sign in with your organisation account (the demo's own OpenID provider) as one of three people, password "${people.password}":\n` +
      people.users.map((u) => `  ${u.email.padEnd(18)} ${u.name} — ${u.role}\n`).join('') +
      `or use the token below.\n`
    : '';
  return (
    `\nThe demo portfolio is served at ${url}/ (the simulator keeps answering at ${opts.simulatorUrl}).\n` +
    sso +
    `Sign in with this technician token (created just now, shown once; only its hash is stored):\n\n` +
    `  URL:    ${url}/\n` +
    `  Token:  ${token}\n\n` +
    `API:     curl -H "Authorization: Bearer ${token}" ${url}/api/v1/tenants/${opts.exampleTenant}\n` +
    `Open a tenant and press *Scan now*: serve scans it through the simulator. serve's logs follow on stderr ` +
    `(JSON lines; \`2>serve.log\` keeps them apart). Ctrl-C stops serve and the simulator.\n`
  );
}

/**
 * Serves the demo until a stop signal (or `opts.until`). Returns 0 when stopped on request, otherwise non-zero with
 * serve's last stderr lines on stderr. The caller closes the simulator afterwards: serve has exited by then.
 */
export async function serveDemo(opts: DemoServeOptions, io: CliIO): Promise<number> {
  const port = opts.port ? opts.port : await freePort();
  const url = `http://${HOST}:${port}`;
  const token = await createToken(opts, io);
  if (typeof token === 'number') return token;

  let child: Child | undefined;
  let people: DemoSignIn | null = null;
  const sig = stopSignals(() => child?.kill('SIGTERM'));
  const stop = opts.until ?? sig.first;
  try {
    let configPath = opts.configPath;
    let env = opts.env;
    if (opts.certDir) {
      const sso = await startDemoSignIn(opts, url, opts.certDir);
      ({ configPath, env, signIn: people } = sso);
    }
    const self = selfCommand();
    const args = ['--config', configPath, ...(opts.logLevel ? ['--log-level', opts.logLevel] : []), 'serve', '--host', HOST, '--port', String(port)];
    const serve: Child = spawn(self.command, [...self.args, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    child = serve;
    const last = tail(TAIL_LINES);
    // stdout stays the demo's (the sign-in block); whatever serve writes goes to stderr, with its logs.
    serve.stdout.on('data', (c: Buffer) => io.err(c.toString()));
    serve.stderr.on('data', (c: Buffer) => {
      const text = c.toString();
      last.push(text);
      io.err(text);
    });
    let exited: Exit | undefined;
    const exit = new Promise<Exit>((resolveExit) => {
      serve.on('error', (e) => {
        last.push(`${e.message}\n`);
        resolveExit((exited = { code: EXIT.runtime, signal: null }));
      });
      serve.on('close', (code, signal) => resolveExit((exited = { code, signal })));
    });
    let stopping: string | undefined;
    void stop.then((s) => (stopping = s));

    const died = (e: Exit, what: string) => {
      const lines = last.lines();
      io.err(`ratchet demo: ratchet serve ${describeExit(e)} ${what}; stopping the simulator.${lines.length ? ` serve's last lines:\n${lines.join('\n')}` : ''}\n`);
      return e.code !== null && e.code !== EXIT.ok ? e.code : EXIT.runtime;
    };

    const up = await healthy(url, Date.now() + (opts.startTimeoutMs ?? 60_000), () => exited !== undefined || stopping !== undefined);
    if (!up && exited) return died(exited, 'before it answered /healthz');
    if (up) io.out(signInBlock(url, token, opts, people));
    else if (!stopping) {
      serve.kill('SIGTERM');
      return died(await exit, `without answering ${url}/healthz within ${Math.round((opts.startTimeoutMs ?? 60_000) / 1000)} s`);
    }

    const outcome = await Promise.race([exit.then((e) => ({ exit: e })), stop.then((signal) => ({ signal }))]);
    if ('exit' in outcome) return died(outcome.exit, 'while the demo was serving');

    // Asked to stop: serve finishes running scans (against the simulator, still up) and exits.
    serve.kill('SIGTERM');
    const timer = setTimeout(() => serve.kill('SIGKILL'), STOP_TIMEOUT_MS);
    const e = await exit;
    clearTimeout(timer);
    // Killed by our SIGTERM before its own handlers were installed (a very early Ctrl-C) is a clean stop too.
    if (e.code === EXIT.ok || (e.code === null && e.signal === 'SIGTERM')) {
      io.err(`ratchet demo: stopped (${outcome.signal}); serve and the simulator are closed.\n`);
      return EXIT.ok;
    }
    return died(e, `while stopping (${outcome.signal})`);
  } finally {
    sig.dispose();
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await people?.close();
  }
}
