/**
 * End-to-end harness: a real simulator on loopback TLS and the real CLI in-process (or as a child process), run as
 * production runs: the default log level, and the config's secrets as references the CLI resolves — every other one
 * `${env:…}` (in `env`), the rest `${file:…}` pointing at 0600 files in `dir`, as mounted container secrets.
 */
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { configFor, startSimulator, type Simulator, type SimulatorOptions } from '../../src/app/simulator.js';
import type { SimulatorConfigOptions } from '../../src/simulator/index.js';
import type { Report } from '../../src/domain/report.js';
import { runCli, tempDir, writeConfig, type CliRun } from '../../bench/lib/cli.js';
import { secretValues, splitSecretRefs } from '../../bench/lib/serve-process.js';

export interface E2E {
  sim: Simulator;
  dir: string;
  configPath: string;
  /** The environment the config's `${env:…}` references need (it holds every secret, also those read from files). */
  env: Record<string, string>;
  /** Every secret value the config references (to prove none reaches a log line, a report or a response). */
  secrets: string[];
  scan(args?: string[], env?: Record<string, string>): Promise<CliRun & { reports: Report[] }>;
}

export function parseReports(stdout: string): Report[] {
  const doc = JSON.parse(stdout) as Report | { reports: Report[] };
  return 'reports' in doc ? doc.reports : [doc];
}

const open: Simulator[] = [];
afterAll(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

export async function e2e(opts: SimulatorOptions, extraConfig: Record<string, unknown> = {}, configOpts: SimulatorConfigOptions = {}): Promise<E2E> {
  const caDir = process.env.RATCHET_TEST_CA_DIR;
  if (!caDir) throw new Error('RATCHET_TEST_CA_DIR missing: run through vitest (test/global-setup.ts)');
  const sim = await startSimulator({ ...opts, certDir: caDir });
  open.push(sim);
  const dir = tempDir('ratchet-e2e-');
  const { config, env } = configFor(sim, { ...configOpts, storageUrl: `sqlite:${join(dir, 'ratchet.db')}` });
  const withFiles = splitSecretRefs(config, env, dir) as Record<string, unknown>;
  const configPath = writeConfig(dir, { ...withFiles, ...extraConfig });
  return {
    sim,
    dir,
    configPath,
    env,
    secrets: secretValues(env),
    async scan(args = [], extraEnv = {}) {
      const run = await runCli(['--config', configPath, 'scan', '--format', 'json', ...args], { ...env, ...extraEnv });
      let reports: Report[] = [];
      try {
        reports = parseReports(run.stdout);
      } catch {
        /* no report: the test asserts on code/stderr */
      }
      return { ...run, reports };
    },
  };
}
