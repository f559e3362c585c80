/** End-to-end harness: a real simulator on loopback TLS and the real CLI in-process (or as a child process). */
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { configFor, startSimulator, type Simulator, type SimulatorOptions } from '../../src/simulator/index.js';
import type { Report } from '../../src/report/types.js';
import { runCli, tempDir, writeConfig, type CliRun } from '../helpers/cli.js';

export interface E2E {
  sim: Simulator;
  dir: string;
  configPath: string;
  env: Record<string, string>;
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

export async function e2e(opts: SimulatorOptions, extraConfig: Record<string, unknown> = {}): Promise<E2E> {
  const caDir = process.env.RATCHET_TEST_CA_DIR;
  if (!caDir) throw new Error('RATCHET_TEST_CA_DIR missing: run through vitest (test/global-setup.ts)');
  const sim = await startSimulator({ ...opts, certDir: caDir });
  open.push(sim);
  const dir = tempDir('ratchet-e2e-');
  const { config, env } = configFor(sim, { storageUrl: `sqlite:${join(dir, 'ratchet.db')}` });
  const configPath = writeConfig(dir, { ...config, ...extraConfig });
  return {
    sim,
    dir,
    configPath,
    env,
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
