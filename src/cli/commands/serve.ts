/** `ratchet serve`: the long-running mode (src/server/serve.ts) with the context the global options name. */
import type { Command } from 'commander';
import { runServe } from '../../server/serve.js';
import type { CommandDeps } from '../command.js';

export function registerServe(program: Command, { io, withContext, exit }: CommandDeps): void {
  program
    .command('serve')
    .description('long-running: scheduled scans, alerts, web UI and REST API, GET /healthz and /metrics (SIGTERM/SIGINT stops gracefully)')
    .option('--port <n>', 'port to listen on (overrides server.port; 0 = any free port)')
    .option('--host <host>', 'address to listen on (overrides server.host)')
    .option('--grace-seconds <n>', 'on SIGTERM/SIGINT, how long running scans may take to finish before they are aborted', '30')
    .option(
      '--role <role>',
      'which parts run in this process: all (default), or with a PostgreSQL storage.url scheduler (queues scans), worker (claims and runs them) or web (UI and API)',
      'all',
    )
    .action(async (o: { port?: string; host?: string; graceSeconds: string; role: string }) => {
      exit(await withContext((ctx) => runServe(ctx, io, { port: o.port, host: o.host, graceSeconds: o.graceSeconds, role: o.role })));
    });
}
