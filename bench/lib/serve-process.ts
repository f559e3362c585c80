/**
 * `ratchet serve` as the container runs it: its own process (`node --import tsx src/cli/entry.ts … serve`), the real
 * logger at the default level (RATCHET_LOG_LEVEL unset: info), the config's secrets as `${env:…}` and `${file:…}`
 * references resolved by the child, the tenant simulator on loopback TLS as the vendors. The test sees only what an
 * operator sees: the port, the exit code and the log lines on stderr.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { configFor, startSimulator, type Simulator, type SimulatorOptions } from '../../src/app/simulator.js';
import { parseLogLines, runCli, tempDir, writeConfig } from './cli.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
/** tsx's loader by absolute URL: the child runs in its own temporary folder, where `--import tsx` would not resolve. */
const TSX = pathToFileURL(join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;

export interface ServeProcess {
  url: string;
  sim: Simulator;
  dir: string;
  configPath: string;
  /** Every secret value the config references (to prove none reaches a log line or a response). */
  secrets: string[];
  /** API tokens created with `ratchet token create` before the server started. */
  tokens: { viewer: string; technician: string; admin: string };
  child: ChildProcess;
  /** Raw stderr (pino JSON lines) so far. */
  logText(): string;
  /** Parsed log lines so far (lines that are not JSON are kept as `{ raw }`). */
  logLines(): Array<Record<string, unknown>>;
  /** null while the process runs. */
  exitCode(): number | null;
  /** SIGTERM, then the exit code (SIGKILL after `graceMs`). */
  stop(graceMs?: number): Promise<number | null>;
}

export interface ServeProcessOptions {
  sim: SimulatorOptions;
  /** Merged into the generated config (server, schedule, regression, …). */
  extraConfig?: Record<string, unknown>;
  /** Extra environment for the child. */
  env?: Record<string, string>;
  /** How long to wait for "listening" (default 60 s: the first scans may start at once). */
  startTimeoutMs?: number;
}

/**
 * Rewrites every other `${env:NAME}` reference of the config into `${file:PATH}` with the value in a 0600 file, so both
 * reference kinds are resolved by the server as in a container (env for some secrets, mounted files for others).
 */
export function splitSecretRefs(node: unknown, env: Record<string, string>, dir: string, state = { n: 0 }): unknown {
  if (typeof node === 'string') {
    const m = /^\$\{env:([A-Z0-9_]+)\}$/.exec(node);
    if (!m || state.n++ % 2 === 0) return node;
    const path = join(dir, `${m[1]!.toLowerCase()}.secret`);
    writeFileSync(path, `${env[m[1]!]}\n`, { mode: 0o600 });
    return `\${file:${path}}`;
  }
  if (Array.isArray(node)) return node.map((v) => splitSecretRefs(v, env, dir, state));
  if (node && typeof node === 'object') return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, splitSecretRefs(v, env, dir, state)]));
  return node;
}

/** The secret values of a simulator config's environment (everything but the CA path). */
export function secretValues(env: Record<string, string>): string[] {
  return Object.entries(env)
    .filter(([k]) => k !== 'NODE_EXTRA_CA_CERTS')
    .map(([, v]) => v);
}

export async function startServeProcess(opts: ServeProcessOptions): Promise<ServeProcess> {
  const caDir = process.env.RATCHET_TEST_CA_DIR;
  if (!caDir) throw new Error('RATCHET_TEST_CA_DIR missing: run through vitest (test/global-setup.ts)');
  const sim = await startSimulator({ ...opts.sim, certDir: caDir });
  const dir = tempDir('ratchet-serve-');
  const { config, env } = configFor(sim, { storageUrl: `sqlite:${join(dir, 'data', 'ratchet.db')}` });
  const withFiles = splitSecretRefs(config, env, dir) as Record<string, unknown>;
  const configPath = writeConfig(dir, { server: { host: '127.0.0.1', port: 0 }, ...withFiles, ...opts.extraConfig });
  const secrets = secretValues(env);

  const token = async (role: string) => {
    const r = await runCli(['--config', configPath, 'token', 'create', '--role', role, '--name', `${role}@serve-process`], env);
    if (r.code !== 0) throw new Error(`token create exited ${r.code}: ${r.stderr}`);
    return r.stdout.trim().split('\n')[0]!.trim();
  };
  const tokens = { viewer: await token('viewer'), technician: await token('technician'), admin: await token('admin') };

  let proc: RatchetProcess;
  try {
    proc = await spawnServe({ configPath, dir, env: { ...env, ...opts.env }, args: ['--grace-seconds', '5'], startTimeoutMs: opts.startTimeoutMs });
  } catch (e) {
    await sim.close();
    throw e;
  }
  const { child, url } = proc;
  return {
    url,
    sim,
    dir,
    configPath,
    secrets,
    tokens,
    child,
    logText: proc.logText,
    logLines: proc.logLines,
    exitCode: proc.exitCode,
    async stop(graceMs = 20_000) {
      const code = await proc.stop(graceMs);
      await sim.close();
      return code;
    },
  };
}

/** One `ratchet serve` child process (any role), as the container runs it. */
export interface RatchetProcess {
  url: string;
  child: ChildProcess;
  logText(): string;
  logLines(): Array<Record<string, unknown>>;
  /** null while the process runs. */
  exitCode(): number | null;
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number | null>;
  /** SIGTERM, then the exit code (SIGKILL after `graceMs`). */
  stop(graceMs?: number): Promise<number | null>;
}

/**
 * Starts `ratchet --config CONFIG serve ARGS` in its own process at the default log level and resolves once it
 * listens (rejects with the log's tail if it exits or does not listen in time).
 */
export async function spawnServe(opts: {
  configPath: string;
  dir: string;
  env: Record<string, string | undefined>;
  args?: string[];
  startTimeoutMs?: number | undefined;
}): Promise<RatchetProcess> {
  const startTimeoutMs = opts.startTimeoutMs ?? 60_000;
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...opts.env };
  delete childEnv.RATCHET_LOG_LEVEL; // the default level, as in the container
  // For profiling the server under load: BENCH_SERVE_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") are Node
  // flags for the server process only (NODE_OPTIONS refuses --cpu-prof, and would profile every process besides);
  // BENCH_SERVE_DIST=1 runs the built dist/ (`npm run build` first) instead of the sources through tsx, whose
  // transformed modules put every function of a profile on line 1.
  const nodeArgs = (process.env.BENCH_SERVE_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const entry = process.env.BENCH_SERVE_DIST === '1' ? [join(ROOT, 'dist', 'src', 'cli', 'entry.js')] : ['--import', TSX, join(ROOT, 'src', 'cli', 'entry.ts')];
  const child = spawn(process.execPath, [...nodeArgs, ...entry, '--config', opts.configPath, 'serve', ...(opts.args ?? [])], {
    cwd: opts.dir,
    env: childEnv,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  let code: number | null = null;
  const exited = new Promise<number | null>((r) => child.once('exit', (c, signal) => r((code = c ?? (signal ? 128 : null)))));
  child.stderr!.setEncoding('utf8');
  const listening = new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`ratchet serve did not listen within ${startTimeoutMs} ms:\n${stderr.slice(-4000)}`)), startTimeoutMs);
    let found = false;
    child.stderr!.on('data', (chunk: string) => {
      stderr += chunk;
      // Once listening, only collect: searching the whole growing log per chunk would cost the test quadratic CPU.
      if (found) return;
      const m = /"msg":"ratchet serve listening on (http:\/\/[^"]+)"/.exec(stderr);
      if (m) {
        found = true;
        clearTimeout(timer);
        resolveUrl(m[1]!);
      }
    });
    void exited.then((c) => {
      clearTimeout(timer);
      reject(new Error(`ratchet serve exited ${c} before listening:\n${stderr.slice(-4000)}`));
    });
  });
  let url: string;
  try {
    url = await listening;
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  }
  return {
    url,
    child,
    exited,
    logText: () => stderr,
    logLines: () => parseLogLines(stderr),
    exitCode: () => code,
    async stop(graceMs = 20_000) {
      if (code === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }
      return code;
    },
  };
}
