/** `ratchet history`: a tenant's level and scores over time, and its regression and visibility episodes. */
import type { Command } from 'commander';
import { EXIT } from '../../app/io.js';
import { formatHistory } from '../../report/format-history.js';
import type { ReportFormat } from '../../report/render.js';
import { formatOption, type CommandDeps } from '../command.js';
import { selectTenants } from '../tenants.js';

export function registerHistory(program: Command, { io, withContext, exit }: CommandDeps): void {
  program
    .command('history')
    .description('level and scores over time')
    .requiredOption('--tenant <id>', 'tenant id')
    .addOption(formatOption())
    .option('--limit <n>', 'number of scans', '30')
    .action(async (o: { tenant: string; format: ReportFormat; limit: string }) => {
      exit(
        await withContext(async (ctx) => {
          selectTenants(ctx.config, [o.tenant]);
          const scans = await ctx.store.listScans(o.tenant, { limit: Number(o.limit) || 30 });
          const episodes = await ctx.store.episodes(o.tenant, { limit: Number(o.limit) || 30 });
          io.out(formatHistory({ tenant: o.tenant, scans, episodes }, o.format));
          return EXIT.ok;
        }, false),
      );
    });
}
