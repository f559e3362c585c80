import type { DestinationStream } from 'pino';

/** Where the CLI writes; injectable so tests run commands in-process and read exactly what a user would see. */
export interface CliIO {
  out: (text: string) => void;
  err: (text: string) => void;
  env: NodeJS.ProcessEnv;
  /** Log destination (stderr by default). */
  logDestination?: DestinationStream;
  /** Injected clock for deterministic tests. */
  now?: () => Date;
}

export const processIO: CliIO = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  env: process.env,
};

export const EXIT = { ok: 0, runtime: 1, usage: 2, partial: 3, regression: 4 } as const;
