/**
 * The `ratchet` CLI (DESIGN §3). Exit codes: 0 done, 1 runtime failure, 2 usage/config error, 3 partial scan,
 * 4 confirmed regression with --fail-on regression. Reports go to stdout; logs to stderr.
 */
import { writeFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { ConfigError } from '../config/load.js';
import { loadRuleSet, RuleSetError } from '../engine/load-rules.js';
import { defaultRulesPath } from '../paths.js';
import { scrub } from '../log/secrets.js';
import { formatMarkdown, formatTable } from '../report/format-text.js';
import type { Report } from '../report/types.js';
import { rescoreScan } from '../scan/rescore.js';
import { scanTenant } from '../scan/run-scan.js';
import { openContext, selectTenants, UsageError, type Context } from './context.js';
import { EXIT, processIO, type CliIO } from './io.js';
import { runDemo } from './demo.js';
import { runSimulate, untilSignal, type SimulateOptions } from './simulate.js';
import { pluginFor } from '../scan/run-collectors.js';
import type { ScanSummary } from '../store/store.js';
import type { Episode } from '../regression/types.js';
import { StoreUrlError } from '../store/index.js';

type Format = 'table' | 'json' | 'markdown';
const formatOption = () => new Option('--format <format>', 'output format').choices(['table', 'json', 'markdown']).default('table');
const collect = (v: string, prev: string[] = []) => [...prev, v];

export function render(reports: Report[], format: Format): string {
  if (format === 'json') {
    const doc = reports.length === 1 ? reports[0] : { schemaVersion: 1, reports };
    return `${JSON.stringify(doc, null, 2)}\n`;
  }
  return format === 'markdown' ? formatMarkdown(reports) : formatTable(reports);
}

function scanExitCode(reports: Report[], failOnRegression: boolean): number {
  if (reports.every((r) => r.scan.status === 'failed')) return EXIT.runtime;
  if (failOnRegression && reports.some((r) => r.regression.confirmed)) return EXIT.regression;
  if (reports.some((r) => r.scan.status !== 'complete')) return EXIT.partial;
  return EXIT.ok;
}

function historyTable(tenant: string, rows: ScanSummary[]): string {
  const lines = [`History of ${tenant} (newest first)`, '  finished                  status    level  potential  regression  capabilities'];
  for (const s of rows) {
    const caps = s.capabilities.filter((c) => c.score !== null || c.coverage > 0).map((c) => `${c.id} ${c.level}/${c.score === null ? 'n/a' : c.score.toFixed(1)}`).join('  ');
    const reg = s.regressionConfirmed ? 'confirmed' : s.regressionDetected ? 'detected' : '-';
    lines.push(`  ${s.finishedAt.padEnd(25)} ${s.status.padEnd(9)} ${String(s.level).padEnd(6)} ${String(s.potential).padEnd(10)} ${reg.padEnd(11)} ${caps}`);
  }
  return `${lines.join('\n')}\n`;
}

function episodeWhat(e: Episode): string {
  if (e.kind === 'visibility') return `lost: ${e.lostKeys.join(', ')}`;
  return e.drops.map((d) => `${d.kind} ${d.id} ${d.from} → ${d.to} (${d.rules.map((r) => r.ruleId).join(', ')})`).join('; ');
}

function episodesTable(episodes: Episode[]): string {
  if (episodes.length === 0) return '\nNo regression or visibility episodes.\n';
  const lines = ['', 'Episodes (newest first)'];
  for (const e of episodes) {
    lines.push(`  ${e.kind.padEnd(10)} ${e.state.padEnd(9)} opened ${e.openedAt}${e.closedAt ? ` closed ${e.closedAt}` : ''}  level ${e.previousLevel ?? '?'} → ${e.currentLevel ?? '?'}  ${episodeWhat(e)}`);
  }
  return `${lines.join('\n')}\n`;
}

export async function main(argv: string[], io: CliIO = processIO): Promise<number> {
  let code: number = EXIT.ok;
  const program = new Command('ratchet')
    .description('Evidence-backed IT maturity levels for MSP client tenants, with backsliding alerts')
    .option('--config <path>', 'config file (default $RATCHET_CONFIG, else config/ratchet.yaml)')
    .option('--log-level <level>', 'pino log level (logs go to stderr)')
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .showHelpAfterError(false);

  const withContext = async <T>(fn: (ctx: Context) => Promise<T>, requireSecrets = true): Promise<T> => {
    const g = program.opts<{ config?: string; logLevel?: string }>();
    const ctx = await openContext({ ...g, requireSecrets }, io);
    try {
      return await fn(ctx);
    } finally {
      await ctx.close();
    }
  };

  program
    .command('demo')
    .description('start the built-in simulator, scan its sample tenants end to end and print the portfolio (no credentials needed)')
    .addOption(formatOption())
    .option('--data-dir <path>', 'where history and the demo config go', 'data')
    .action(async (o: { format: Format; dataDir: string }) => {
      code = await runDemo({ format: o.format, dataDir: o.dataDir }, io);
    });

  program
    .command('simulate')
    .description('run the tenant simulator alone and print its endpoints and a matching config')
    .option('--port <n>', 'port on 127.0.0.1 (0 = any free port)', '0')
    .option('--profile <profile>', 'one tenant of this profile (level1 … level5) instead of the sample portfolio')
    .option('--users <n>', 'users of the single tenant')
    .option('--devices <n>', 'devices of the single tenant')
    .option('--latency-ms <n>', 'added latency per request')
    .option('--faults <spec>', 'fault spec, e.g. 429=0.2,5xx=0.05,403=/security/secureScores')
    .option('--cert-dir <path>', 'keep the CA here so NODE_EXTRA_CA_CERTS can name a stable file')
    .action(async (o: SimulateOptions) => {
      code = await runSimulate(o, io, untilSignal());
    });

  program
    .command('scan')
    .description('scan tenants now, store the results, evaluate regression and print the report')
    .option('--tenant <id>', 'tenant id (repeatable; default all)', collect)
    .addOption(formatOption())
    .option('--out <path>', 'write the report to a file instead of stdout')
    .addOption(new Option('--fail-on <what>', 'exit 4 when a regression is confirmed').choices(['regression']))
    .action(async (o: { tenant?: string[]; format: Format; out?: string; failOn?: string }) => {
      code = await withContext(async (ctx) => {
        const tenants = selectTenants(ctx.config, o.tenant);
        const reports: Report[] = [];
        for (const t of tenants) {
          reports.push(await scanTenant(t, { ...ctx, now: io.now }));
        }
        const text = render(reports, o.format);
        if (o.out) writeFileSync(o.out, text);
        else io.out(text);
        return scanExitCode(reports, o.failOn === 'regression');
      });
    });

  program
    .command('rescore')
    .description('re-evaluate stored evidence with the current rules (prints; history is not changed)')
    .option('--tenant <id>', 'tenant id (default all)')
    .option('--scan <id>', 'a stored scan id (default the latest scan of each tenant)')
    .addOption(formatOption())
    .action(async (o: { tenant?: string; scan?: string; format: Format }) => {
      code = await withContext(async (ctx) => {
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
        const reports = await Promise.all(scans.map((s) => rescoreScan(s, ctx.ruleSet, ctx.store, ctx.config.regression)));
        io.out(render(reports, o.format));
        return reports.length ? EXIT.ok : EXIT.runtime;
      }, false);
    });

  program
    .command('history')
    .description('level and scores over time')
    .requiredOption('--tenant <id>', 'tenant id')
    .addOption(formatOption())
    .option('--limit <n>', 'number of scans', '30')
    .action(async (o: { tenant: string; format: Format; limit: string }) => {
      code = await withContext(async (ctx) => {
        selectTenants(ctx.config, [o.tenant]);
        const rows = await ctx.store.listScans(o.tenant, { limit: Number(o.limit) || 30 });
        const episodes = await ctx.store.episodes(o.tenant, { limit: Number(o.limit) || 30 });
        if (o.format === 'json') io.out(`${JSON.stringify({ schemaVersion: 1, tenant: o.tenant, scans: rows, episodes }, null, 2)}\n`);
        else if (o.format === 'markdown') {
          io.out(
            [`# History of ${o.tenant}`, '', '| finished | status | level | potential | regression |', '|---|---|---|---|---|',
              ...rows.map((s) => `| ${s.finishedAt} | ${s.status} | ${s.level} | ${s.potential} | ${s.regressionConfirmed ? 'confirmed' : s.regressionDetected ? 'detected' : '-'} |`),
              '', '## Episodes', '', '| kind | state | opened | confirmed | closed | level | what |', '|---|---|---|---|---|---|---|',
              ...episodes.map((e) => `| ${e.kind} | ${e.state} | ${e.openedAt} | ${e.confirmedAt ?? '-'} | ${e.closedAt ?? '-'} | ${e.previousLevel ?? '?'} → ${e.currentLevel ?? '?'} | ${episodeWhat(e)} |`),
              ''].join('\n'),
          );
        } else io.out(historyTable(o.tenant, rows) + episodesTable(episodes));
        return EXIT.ok;
      }, false);
    });

  const rules = program.command('rules').description('rule set tools');
  rules
    .command('check')
    .description('validate a rule set against the schema and the evidence catalog')
    .argument('[path]', 'rule file or folder (default: the built-in rules/)')
    .action(async (path?: string) => {
      const target = path ?? defaultRulesPath();
      const set = loadRuleSet(target);
      io.out(`${target}: ${set.rules.length} rules valid (version ${set.version})\n`);
      code = EXIT.ok;
    });

  program
    .command('doctor')
    .description('check credentials, reachability and permissions per collector, and name what is missing')
    .option('--tenant <id>', 'tenant id (repeatable; default all)', collect)
    .action(async (o: { tenant?: string[] }) => {
      code = await withContext(async (ctx) => {
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
            });
            for (const c of checks) {
              if (!c.ok) failed += 1;
              io.out(`  ${c.ok ? 'ok  ' : 'FAIL'} ${plugin.id.padEnd(8)} ${c.check}${c.detail ? ` — ${scrub(c.detail)}` : ''}\n`);
            }
          }
        }
        return failed > 0 ? EXIT.runtime : EXIT.ok;
      });
    });

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
