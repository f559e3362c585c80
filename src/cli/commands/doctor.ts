/** `ratchet doctor`: each collector's own checks (credentials, reachability, permissions) per tenant; exit 1 if any fails. */
import type { Command } from 'commander';
import { EXIT } from '../../app/io.js';
import { scrub } from '../../log/secrets.js';
import { pluginFor } from '../../scan/run-collectors.js';
import { collect, type CommandDeps } from '../command.js';
import { selectTenants } from '../tenants.js';

export function registerDoctor(program: Command, { io, withContext, exit }: CommandDeps): void {
  program
    .command('doctor')
    .description('check credentials, reachability and permissions per collector, and name what is missing')
    .option('--tenant <id>', 'tenant id (repeatable; default all)', collect)
    .action(async (o: { tenant?: string[] }) => {
      exit(
        await withContext(async (ctx) => {
          let failed = 0;
          for (const t of selectTenants(ctx.config, o.tenant)) {
            io.out(`${t.name} (${t.id})\n`);
            for (const section of ['m365', 'rmm', 'backup'] as const) {
              if (!t[section]) continue;
              const plugin = pluginFor(ctx.plugins, section, t[section]);
              if (!plugin) continue;
              const checks = await plugin.doctor(t[section], {
                tenantId: t.id,
                logger: ctx.logger.child({ tenant: t.id, collector: plugin.id }),
                signal: AbortSignal.timeout(ctx.config.scan.collectorTimeoutSeconds * 1000),
                now: io.now ?? (() => new Date()),
                // Doctor's requests count against the same account budgets as the fleet's scans.
                rateGate: ctx.rateGate,
              });
              for (const c of checks) {
                if (!c.ok) failed += 1;
                io.out(`  ${c.ok ? 'ok  ' : 'FAIL'} ${plugin.id.padEnd(8)} ${c.check}${c.detail ? ` — ${scrub(c.detail)}` : ''}\n`);
              }
            }
          }
          return failed > 0 ? EXIT.runtime : EXIT.ok;
        }),
      );
    });
}
