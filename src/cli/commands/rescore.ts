/**
 * `ratchet rescore`: re-evaluates stored evidence with the current rules, offline (no secrets needed). Prints the
 * latest scan of each tenant (or one --scan) re-scored; with --all re-scores and stores every tenant's whole history.
 */
import type { Command } from 'commander';
import { UsageError } from '../../app/errors.js';
import { EXIT } from '../../app/io.js';
import { formatRescoreTable } from '../../report/format-rescore.js';
import { render, type ReportFormat } from '../../report/render.js';
import { rescoreHistory, rescoreScan } from '../../scan/rescore.js';
import { formatOption, type CommandDeps } from '../command.js';
import { selectTenants } from '../tenants.js';

export function registerRescore(program: Command, { io, withContext, exit }: CommandDeps): void {
  program
    .command('rescore')
    .description('re-evaluate stored evidence with the current rules (prints; with --all, re-scores and stores the whole history)')
    .option('--tenant <id>', 'tenant id (default all)')
    .option('--scan <id>', 'a stored scan id (default the latest scan of each tenant)')
    .option('--all', 're-score every stored scan with the current rules, oldest first, and store the result')
    .addOption(formatOption())
    .action(async (o: { tenant?: string; scan?: string; all?: boolean; format: ReportFormat }) => {
      exit(
        await withContext(async (ctx) => {
          if (o.all) {
            if (o.scan) throw new UsageError('--all re-scores whole histories: use it with --tenant or alone, not with --scan');
            const tenants = o.tenant ? selectTenants(ctx.config, [o.tenant]).map((t) => t.id) : await ctx.store.tenantIds();
            const done = [];
            for (const id of tenants) {
              const summary = await rescoreHistory(id, ctx.ruleSet, ctx.store, ctx.config.foresight);
              ctx.logger.info({ tenant: id, scans: summary.scans, before: summary.before, after: summary.after, rulesVersion: ctx.ruleSet.version }, 'history re-scored');
              done.push(summary);
            }
            if (o.format === 'json') io.out(`${JSON.stringify({ schemaVersion: 1, rulesVersion: ctx.ruleSet.version, tenants: done }, null, 2)}\n`);
            else io.out(formatRescoreTable(done));
            return EXIT.ok;
          }
          const scans = [];
          if (o.scan) {
            const s = await ctx.store.getScan(o.scan);
            if (!s) throw new UsageError(`--scan ${o.scan}: no stored scan with this id`);
            scans.push(s);
          } else {
            for (const t of selectTenants(ctx.config, o.tenant ? [o.tenant] : undefined)) {
              const [latest] = await ctx.store.recentScans(t.id, { limit: 1 });
              if (latest) scans.push(latest);
              else ctx.logger.warn({ tenant: t.id }, 'no stored scan to rescore');
            }
          }
          const reports = await Promise.all(scans.map((s) => rescoreScan(s, ctx.ruleSet, ctx.store, ctx.config.regression, ctx.config.foresight)));
          io.out(render(reports, o.format));
          return reports.length ? EXIT.ok : EXIT.runtime;
        }, false),
      );
    });
}
