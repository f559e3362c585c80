/** What every command in commands/ gets from main.ts when it registers itself on the `ratchet` program. */
import { Option } from 'commander';
import type { Context } from '../app/context.js';
import type { CliIO } from '../app/io.js';
import { REPORT_FORMATS } from '../report/render.js';

export interface CommandDeps {
  /** Where the command writes (stdout, stderr, logs) and its clock. */
  io: CliIO;
  /** Opens the context from the global options (--config, --log-level), runs `fn` and always closes the store. */
  withContext<T>(fn: (ctx: Context) => Promise<T>, requireSecrets?: boolean): Promise<T>;
  /** Records the exit code (DESIGN §3) of the command that ran; main returns it. */
  exit(code: number): void;
}

export const formatOption = () => new Option('--format <format>', 'output format').choices([...REPORT_FORMATS]).default('table');

/** Accumulator for a repeatable option (`--tenant a --tenant b`). */
export const collect = (v: string, prev: string[] = []) => [...prev, v];
