/** Runs the real CLI in-process with captured stdout, stderr and log lines. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { stringify } from 'yaml';
import { main } from '../../src/cli/main.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  logs: string;
}

export async function runCli(args: string[], env: NodeJS.ProcessEnv = {}, now?: () => Date): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  let logs = '';
  const logDestination = new Writable({
    write(chunk, _enc, cb) {
      logs += chunk.toString();
      cb();
    },
  });
  const code = await main(['node', 'ratchet', ...args], {
    out: (t) => (stdout += t),
    err: (t) => (stderr += t),
    env: { ...env },
    logDestination: logDestination as never,
    now,
  });
  return { code, stdout, stderr, logs };
}

export function tempDir(prefix = 'ratchet-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Writes a config YAML into `dir` and returns its path. */
export function writeConfig(dir: string, config: Record<string, unknown>): string {
  const path = join(dir, 'ratchet.yaml');
  writeFileSync(path, stringify(config));
  return path;
}
