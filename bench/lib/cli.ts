/**
 * Runs the real CLI in-process with captured stdout, stderr and log lines, and writes the config it reads. Shared by
 * the benchmarks (bench/) and the tests, which may import bench/lib; bench/ imports nothing of test/.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DestinationStream } from 'pino';
import { stringify } from 'yaml';
import { main } from '../../src/cli/main.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  logs: string;
}

/** Log lines (pino JSON, one a line) parsed; a line that is not JSON is kept as `{ raw }`. */
export function parseLogLines(text: string): Array<Record<string, unknown>> {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      try {
        return JSON.parse(l) as Record<string, unknown>;
      } catch {
        return { raw: l };
      }
    });
}

export interface LogCapture {
  /** For `createLogger({ destination })` or `CliIO.logDestination`. */
  destination: DestinationStream;
  text(): string;
  lines(): Array<Record<string, unknown>>;
}

/** Collects the log lines of a logger in memory: tests read them, and they never flood the test runner's output. */
export function captureLog(): LogCapture {
  let text = '';
  return {
    destination: { write: (line: string) => void (text += line) },
    text: () => text,
    lines: () => parseLogLines(text),
  };
}

/**
 * The log level comes from `env` (RATCHET_LOG_LEVEL) or `--log-level` when a test sets one; otherwise it is the
 * default (info), as in production.
 */
export async function runCli(args: string[], env: NodeJS.ProcessEnv = {}, now?: () => Date): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const log = captureLog();
  const code = await main(['node', 'ratchet', ...args], {
    out: (t) => (stdout += t),
    err: (t) => (stderr += t),
    env: { ...env },
    logDestination: log.destination,
    now,
  });
  return { code, stdout, stderr, logs: log.text() };
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
