/**
 * The `ratchet` CLI (DESIGN §3). Exit codes: 0 done, 1 runtime failure, 2 usage/config error, 3 partial scan,
 * 4 confirmed regression with --fail-on regression. Reports go to stdout; logs to stderr.
 *
 * Each command lives in commands/ and registers itself; this file builds the program from them (in the order the help
 * lists them) and turns what escapes a command into its exit code and one line on stderr.
 */
import { Command, CommanderError } from 'commander';
import { openContext, type Context } from '../app/context.js';
import { UsageError } from '../app/errors.js';
import { EXIT, processIO, type CliIO } from '../app/io.js';
import { ConfigError } from '../config/load.js';
import { RuleSetError } from '../config/load-rules.js';
import { scrub } from '../log/secrets.js';
import { StoreUrlError } from '../store/index.js';
import type { CommandDeps } from './command.js';
import { registerDemo } from './commands/demo.js';
import { registerDoctor } from './commands/doctor.js';
import { registerHistory } from './commands/history.js';
import { registerMigrate } from './commands/migrate.js';
import { registerPsa } from './commands/psa.js';
import { registerReport } from './commands/report.js';
import { registerRescore } from './commands/rescore.js';
import { registerRules } from './commands/rules.js';
import { registerScan } from './commands/scan.js';
import { registerServe } from './commands/serve.js';
import { registerSimulateHistory } from './commands/simulate-history.js';
import { registerSimulate } from './commands/simulate.js';
import { registerTenants } from './commands/tenants.js';
import { registerToken } from './commands/token.js';

export async function main(argv: string[], io: CliIO = processIO): Promise<number> {
  let code: number = EXIT.ok;
  const program = new Command('ratchet')
    .description('Evidence-backed IT maturity levels for MSP client tenants, with backsliding alerts')
    .option('--config <path>', 'config file (default $RATCHET_CONFIG, else config/ratchet.yaml)')
    .option('--log-level <level>', 'pino log level (logs go to stderr)')
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .showHelpAfterError(false);

  const deps: CommandDeps = {
    io,
    withContext: async <T>(fn: (ctx: Context) => Promise<T>, requireSecrets = true): Promise<T> => {
      const g = program.opts<{ config?: string; logLevel?: string }>();
      const ctx = await openContext({ ...g, requireSecrets }, io);
      try {
        return await fn(ctx);
      } finally {
        await ctx.close();
      }
    },
    exit: (c) => {
      code = c;
    },
  };
  for (const register of [registerDemo, registerSimulateHistory, registerSimulate, registerScan, registerServe, registerRescore, registerHistory, registerReport, registerPsa, registerMigrate, registerToken, registerTenants, registerRules, registerDoctor]) {
    register(program, deps);
  }

  try {
    await program.parseAsync(argv);
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (e instanceof ConfigError || e instanceof RuleSetError) {
      io.err(`ratchet: ${scrub(e.message)}\n`);
      return EXIT.usage;
    }
    if (e instanceof UsageError || e instanceof StoreUrlError) {
      io.err(`ratchet: ${scrub(e.message)}\n`);
      return EXIT.usage;
    }
    io.err(`ratchet: ${scrub((e as Error).message ?? String(e))}\n`);
    return EXIT.runtime;
  }
}
