/**
 * `ratchet report`: the client-facing maturity report of one tenant over a period (issue 14, DESIGN §13), as a PDF
 * or a self-contained HTML page, branded with the MSP's name, logo and colours. Read from stored history only.
 */
import { writeFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { UsageError } from '../../app/errors.js';
import { EXIT } from '../../app/io.js';
import { loadBrand } from '../../report/client/brand.js';
import { renderClientReportHtml } from '../../report/client/html.js';
import { buildClientReport, NoHistoryError, PeriodError, periodFromOptions } from '../../report/client/model.js';
import { renderClientReportPdf } from '../../report/client/pdf.js';
import { ATTESTATION_LABELS } from '../../web/ui/format.js';
import type { AttestationKind } from '../../domain/attestation.js';
import type { CommandDeps } from '../command.js';
import { selectTenants } from '../tenants.js';

interface ReportOptions {
  tenant: string;
  period?: string;
  from?: string;
  to?: string;
  format: 'pdf' | 'html';
  out?: string;
  brand?: string;
}

/** Where binary output may go: a file, or a pipe/redirect — never a terminal, where it would garble the screen. */
export interface BinaryOut {
  isTTY: boolean;
  write(data: Buffer): void;
}

const processStdout: BinaryOut = {
  get isTTY() {
    return process.stdout.isTTY === true;
  },
  write: (data) => process.stdout.write(data),
};

export function registerReport(program: Command, { io, withContext, exit }: CommandDeps, stdout: BinaryOut = processStdout): void {
  program
    .command('report')
    .description("client-facing maturity report of a tenant over a period (PDF or HTML), with the MSP's branding")
    .requiredOption('--tenant <id>', 'tenant id')
    .option('--period <period>', 'a quarter (2026-Q4), a month (2026-11) or a year (2026); default: the last 90 days')
    .option('--from <date>', 'first day of the period (YYYY-MM-DD), with --to')
    .option('--to <date>', 'last day of the period (YYYY-MM-DD), included')
    .addOption(new Option('--format <format>', 'output format').choices(['pdf', 'html']).default('pdf'))
    .option('--out <path>', 'file to write (default: stdout, which must not be a terminal for a PDF)')
    .option('--brand <path>', "brand file: the MSP's name, logo and colours (see config/brand.example.yaml)")
    .action(async (o: ReportOptions) => {
      const now = io.now?.() ?? new Date();
      let period;
      try {
        period = periodFromOptions(o, now);
      } catch (e) {
        throw e instanceof PeriodError ? new UsageError(e.message) : e;
      }
      if (o.format === 'pdf' && !o.out && stdout.isTTY) {
        throw new UsageError('a PDF is binary and stdout is a terminal: pass --out report.pdf, or redirect (> report.pdf), or use --format html');
      }
      const brand = loadBrand(o.brand);
      exit(
        await withContext(async (ctx) => {
          const [tenant] = selectTenants(ctx.config, [o.tenant]);
          const ruleTitles = new Map(ctx.ruleSet.rules.map((r) => [r.id, r.title]));
          let report;
          try {
            report = await buildClientReport(ctx.store, { id: tenant!.id, name: tenant!.name }, period, {
              now,
              ruleTitles,
              peers: ctx.config.tenants,
              attestationLabel: (kind) => ATTESTATION_LABELS[kind as AttestationKind]?.label ?? kind,
            });
          } catch (e) {
            if (!(e instanceof NoHistoryError)) throw e;
            io.err(`ratchet: ${e.message}\n`);
            return EXIT.runtime;
          }
          if (o.format === 'html') {
            const html = renderClientReportHtml(report, brand);
            if (o.out) writeFileSync(o.out, html);
            else io.out(html);
          } else {
            const pdf = await renderClientReportPdf(report, brand);
            if (o.out) writeFileSync(o.out, pdf);
            else stdout.write(pdf);
          }
          if (o.out) io.err(`ratchet: wrote the ${o.format.toUpperCase()} report of ${tenant!.id} for ${period.label} to ${o.out}\n`);
          return EXIT.ok;
        }, false),
      );
    });
}
