/**
 * `ratchet scan`: scans tenants now, stores the results, evaluates regression, sends the alerts it queued and prints
 * the report. Exit 1 when every scan failed, 4 on a confirmed regression with --fail-on regression, 3 when a scan is
 * partial (DESIGN §3).
 *
 * Up to `schedule.concurrency` tenants are scanned at once, as `ratchet serve` does, never two scans of one tenant;
 * the reports come out in config order (or the order of `--tenant`), whatever order the scans finish in. Requests to a
 * vendor account that several tenants share pass one gate per account (the context's rate gate: in this process with
 * SQLite, shared with every other process in PostgreSQL), so scanning those tenants together spends no more of the
 * account's budget than one by one.
 */
import { writeFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { EXIT } from '../../app/io.js';
import { createChannels } from '../../alerts/channels.js';
import { ticketDispatcher } from '../../app/psa.js';
import { AlertDispatcher } from '../../alerts/outbox.js';
import type { Report } from '../../domain/report.js';
import { render, type ReportFormat } from '../../report/render.js';
import { scanTenant } from '../../scan/run-scan.js';
import { scanTenants } from '../../scan/scan-tenants.js';
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
          const concurrency = Math.max(1, Math.min(ctx.config.schedule.concurrency, tenants.length));
          if (tenants.length > 1) ctx.logger.info({ tenants: tenants.length, concurrency }, `scanning ${tenants.length} tenants, up to ${concurrency} at once`);
          const deps = { ...ctx, now: io.now, channelIds: channels.map((c) => c.id) };
          const reports: Report[] = await scanTenants(tenants, concurrency, async (t) => {
            try {
              return await scanTenant(t, deps);
            } catch (e) {
              // Every other scan still runs to its end; the first such error then fails the command (exit 1).
              ctx.logger.error({ tenant: t.id, err: e }, 'scan failed');
              throw e;
            }
          });
          // One-shot mode sends what the scans queued before exiting; what cannot be delivered now stays in the
          // outbox for the next run (or `ratchet serve`) and is logged, never dropped.
          if (channels.length > 0) {
            try {
              await new AlertDispatcher({ store: ctx.store, channels, logger: ctx.logger, now: io.now }).drain(60_000);
            } catch (e) {
              ctx.logger.error({ err: e }, 'alert delivery failed; alerts stay queued for the next run');
            }
          }
          const tickets = ticketDispatcher(ctx.psa, { store: ctx.store, logger: ctx.logger, now: io.now });
          if (tickets) {
            try {
              await tickets.drain(60_000);
            } catch (e) {
              ctx.logger.error({ err: e }, 'PSA ticket run failed; ticket operations stay queued for the next run');
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
