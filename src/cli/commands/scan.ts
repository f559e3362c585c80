/**
 * `ratchet scan`: scans tenants now, stores the results, evaluates regression, sends the alerts it queued and prints
 * the report. Exit 1 when every scan failed, 4 on a confirmed regression with --fail-on regression, 3 when a scan is
 * partial (DESIGN §3).
 */
import { writeFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { EXIT } from '../../app/io.js';
import { createChannels } from '../../alerts/channels.js';
import { AlertDispatcher } from '../../alerts/outbox.js';
import type { Report } from '../../domain/report.js';
import { render, type ReportFormat } from '../../report/render.js';
import { scanTenant } from '../../scan/run-scan.js';
import { collect, formatOption, type CommandDeps } from '../command.js';
import { selectTenants } from '../tenants.js';

function scanExitCode(reports: Report[], failOnRegression: boolean): number {
  if (reports.every((r) => r.scan.status === 'failed')) return EXIT.runtime;
  if (failOnRegression && reports.some((r) => r.regression.confirmed)) return EXIT.regression;
  if (reports.some((r) => r.scan.status !== 'complete')) return EXIT.partial;
  return EXIT.ok;
}

export function registerScan(program: Command, { io, withContext, exit }: CommandDeps): void {
  program
    .command('scan')
    .description('scan tenants now, store the results, evaluate regression and print the report')
    .option('--tenant <id>', 'tenant id (repeatable; default all)', collect)
    .addOption(formatOption())
    .option('--out <path>', 'write the report to a file instead of stdout')
    .addOption(new Option('--fail-on <what>', 'exit 4 when a regression is confirmed').choices(['regression']))
    .action(async (o: { tenant?: string[]; format: ReportFormat; out?: string; failOn?: string }) => {
      exit(
        await withContext(async (ctx) => {
          const tenants = selectTenants(ctx.config, o.tenant);
          const channels = createChannels(ctx.config.alerts, { now: io.now });
          const reports: Report[] = [];
          for (const t of tenants) {
            reports.push(await scanTenant(t, { ...ctx, now: io.now, channelIds: channels.map((c) => c.id) }));
          }
          // One-shot mode sends what the scans queued before exiting; what cannot be delivered now stays in the
          // outbox for the next run (or `ratchet serve`) and is logged, never dropped.
          if (channels.length > 0) {
            try {
              await new AlertDispatcher({ store: ctx.store, channels, logger: ctx.logger, now: io.now }).drain(60_000);
            } catch (e) {
              ctx.logger.error({ err: e }, 'alert delivery failed; alerts stay queued for the next run');
            }
          }
          const text = render(reports, o.format);
          if (o.out) writeFileSync(o.out, text);
          else io.out(text);
          return scanExitCode(reports, o.failOn === 'regression');
        }),
      );
    });
}
