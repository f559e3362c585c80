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
import { formatHtml } from '../report/format-html.js';
import { formatMarkdown, formatTable } from '../report/format-text.js';
import type { Report } from '../domain/report.js';
import { rescoreHistory, rescoreScan } from '../scan/rescore.js';
import { notSimulated, simulateHistory } from '../scan/simulated-history.js';
import { ATTESTATION_KINDS, type AttestationKind } from '../domain/attestation.js';
import { scanTenant } from '../scan/run-scan.js';
import { openContext, selectTenants, UsageError, type Context } from './context.js';
import { EXIT, processIO, type CliIO } from './io.js';
import { runDemo } from './demo.js';
import { createChannels } from '../alerts/channels.js';
import { AlertDispatcher } from '../alerts/outbox.js';
import { runSimulate, untilSignal, type SimulateOptions } from './simulate.js';
import { pluginFor } from '../scan/run-collectors.js';
import type { ScanSummary } from '../store/store.js';
import type { Episode } from '../domain/episode.js';
import { StoreUrlError } from '../store/index.js';
import { runServe } from '../server/serve.js';
import { createApiToken, publicToken, revokeApiToken, ROLES, type PublicToken } from '../web/tokens.js';
import { WebError } from '../web/errors.js';
import type { Role } from '../domain/principal.js';

type Format = 'table' | 'json' | 'markdown' | 'html';
const formatOption = () => new Option('--format <format>', 'output format').choices(['table', 'json', 'markdown', 'html']).default('table');
const collect = (v: string, prev: string[] = []) => [...prev, v];

export function render(reports: Report[], format: Format): string {
  if (format === 'json') {
    const doc = reports.length === 1 ? reports[0] : { schemaVersion: 1, reports };
    return `${JSON.stringify(doc, null, 2)}\n`;
  }
  if (format === 'html') return formatHtml(reports);
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
    .option('--history-days <n>', 'days of simulated history for the level-4 tenant on a fresh data dir (190 lets it reach level 5)')
    .action(async (o: { format: Format; dataDir: string; historyDays?: string }) => {
      const historyDays = o.historyDays === undefined ? undefined : Number(o.historyDays);
      if (historyDays !== undefined && (!Number.isInteger(historyDays) || historyDays < 7 || historyDays > 400)) {
        throw new UsageError('--history-days: a whole number of days from 7 to 400');
      }
      code = await runDemo({ format: o.format, dataDir: o.dataDir, historyDays }, io);
    });

  program
    .command('simulate-history', { hidden: true })
    .description('demo only: store weeks of simulated history for simulator tenants (refuses any non-loopback endpoint)')
    .requiredOption('--tenant <id>', 'tenant id (repeatable)', collect)
    .requiredOption('--days <n>', 'days of weekly history to store')
    .option('--attest <kinds>', 'attestations to record over that time, comma-separated (restore_test,dr_plan,strategy_review)')
    .action(async (o: { tenant: string[]; days: string; attest?: string }) => {
      code = await withContext(async (ctx) => {
        const days = Number(o.days);
        if (!Number.isInteger(days) || days < 7 || days > 400) throw new UsageError('--days: a whole number of days from 7 to 400');
        const attest = (o.attest ?? '').split(',').filter(Boolean);
        const unknownKind = attest.find((k) => !(ATTESTATION_KINDS as readonly string[]).includes(k));
        if (unknownKind) throw new UsageError(`--attest ${unknownKind}: not an attestation kind (${ATTESTATION_KINDS.join(', ')})`);
        for (const t of selectTenants(ctx.config, o.tenant)) {
          const why = notSimulated(t);
          if (why) throw new UsageError(`simulate-history: tenant ${t.id} is not a simulator tenant (${why}); history is never fabricated for real tenants`);
          if ((await ctx.store.listScans(t.id, { limit: 1 })).length > 0) {
            ctx.logger.info({ tenant: t.id }, 'simulate-history: the tenant already has history; nothing added');
            continue;
          }
          const n = await simulateHistory(t, { config: ctx.config, plugins: ctx.plugins, ruleSet: ctx.ruleSet, store: ctx.store, logger: ctx.logger }, { days, attest: attest as AttestationKind[] });
          ctx.logger.info({ tenant: t.id, scans: n, days }, 'simulate-history: simulated history stored');
        }
        return EXIT.ok;
      });
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
      });
    });

  program
    .command('serve')
    .description('long-running: scheduled scans, alerts, web UI and REST API, GET /healthz and /metrics (SIGTERM/SIGINT stops gracefully)')
    .option('--port <n>', 'port to listen on (overrides server.port; 0 = any free port)')
    .option('--host <host>', 'address to listen on (overrides server.host)')
    .option('--grace-seconds <n>', 'on SIGTERM/SIGINT, how long running scans may take to finish before they are aborted', '30')
    .action(async (o: { port?: string; host?: string; graceSeconds: string }) => {
      code = await withContext((ctx) => runServe(ctx, io, { port: o.port, host: o.host, graceSeconds: o.graceSeconds }));
    });

  program
    .command('rescore')
    .description('re-evaluate stored evidence with the current rules (prints; with --all, re-scores and stores the whole history)')
    .option('--tenant <id>', 'tenant id (default all)')
    .option('--scan <id>', 'a stored scan id (default the latest scan of each tenant)')
    .option('--all', 're-score every stored scan with the current rules, oldest first, and store the result')
    .addOption(formatOption())
    .action(async (o: { tenant?: string; scan?: string; all?: boolean; format: Format }) => {
      code = await withContext(async (ctx) => {
        if (o.all) {
          if (o.scan) throw new UsageError('--all re-scores whole histories: use it with --tenant or alone, not with --scan');
          const tenants = o.tenant ? selectTenants(ctx.config, [o.tenant]).map((t) => t.id) : await ctx.store.tenantIds();
          const done = [];
          for (const id of tenants) {
            const summary = await rescoreHistory(id, ctx.ruleSet, ctx.store);
            ctx.logger.info({ tenant: id, scans: summary.scans, before: summary.before, after: summary.after, rulesVersion: ctx.ruleSet.version }, 'history re-scored');
            done.push(summary);
          }
          if (o.format === 'json') io.out(`${JSON.stringify({ schemaVersion: 1, rulesVersion: ctx.ruleSet.version, tenants: done }, null, 2)}\n`);
          else {
            io.out(['tenant                scans  newest level before → after', ...done.map((d) => `${d.tenantId.padEnd(20)}  ${String(d.scans).padStart(5)}  ${d.before ?? '-'} → ${d.after ?? '-'}`)].join('\n') + '\n');
          }
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

  // ── ratchet token create|list|revoke (web API tokens; the secret is printed once and only its hash is stored) ──
  const token = program.command('token').description('API tokens for the REST API and the web UI sign-in');
  token
    .command('create')
    .description('create a token and print it once (only its hash is stored)')
    .addOption(new Option('--role <role>', 'viewer reads; technician also scans, acknowledges, attests; admin manages tokens').choices([...ROLES]).makeOptionMandatory())
    .requiredOption('--name <label>', 'who or what uses it, for the audit log (e.g. alice@msp, psa-integration)')
    .option('--tenants <ids>', 'comma-separated tenant ids the token may see (default: all tenants)')
    .action(async (o: { role: Role; name: string; tenants?: string }) => {
      code = await withContext(async (ctx) => {
        const tenants = o.tenants === undefined ? null : o.tenants.split(',').map((t) => t.trim()).filter((t) => t !== '');
        if (tenants !== null && tenants.length === 0) throw new UsageError('--tenants: list at least one tenant id, or leave the option out for all tenants');
        let created: { token: string; record: PublicToken };
        try {
          created = await createApiToken(
            ctx.store,
            { name: o.name, role: o.role, tenants },
            { createdBy: 'cli', knownTenants: ctx.config.tenants.map((t) => t.id), now: io.now?.() ?? new Date() },
          );
        } catch (e) {
          if (e instanceof WebError && e.code === 'invalid_request') throw new UsageError(`--${e.message}`);
          throw e;
        }
        const r = created.record;
        io.out(`${created.token}\n`);
        io.err(
          `Created token ${r.id} "${r.name}" (role ${r.role}, tenants ${r.tenants ? r.tenants.join(', ') : 'all'}). ` +
            'Store it now: it cannot be shown again (only its hash is kept).\n',
        );
        return EXIT.ok;
      }, false);
    });
  token
    .command('list')
    .description('list tokens (never their secrets)')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .action(async (o: { format: 'table' | 'json' }) => {
      code = await withContext(async (ctx) => {
        const rows = (await ctx.store.listTokens()).map(publicToken);
        if (o.format === 'json') {
          io.out(`${JSON.stringify({ tokens: rows }, null, 2)}\n`);
          return EXIT.ok;
        }
        if (rows.length === 0) {
          io.out('No tokens. Create one with: ratchet token create --role admin --name <label>\n');
          return EXIT.ok;
        }
        const lines = ['id            role        status   name                      tenants              created                   last used'];
        for (const t of rows) {
          lines.push(
            `${t.id.padEnd(13)} ${t.role.padEnd(11)} ${(t.revokedAt ? 'revoked' : 'active').padEnd(8)} ${t.name.slice(0, 25).padEnd(25)} ` +
              `${(t.tenants ? t.tenants.join(',') : 'all').slice(0, 20).padEnd(20)} ${t.createdAt.padEnd(25)} ${t.lastUsedAt ?? '-'}`,
          );
        }
        io.out(`${lines.join('\n')}\n`);
        return EXIT.ok;
      }, false);
    });
  token
    .command('revoke')
    .description('revoke a token at once (its browser sessions end too)')
    .argument('<id>', 'token id (the part after rtk_, as shown by `ratchet token list`)')
    .action(async (id: string) => {
      code = await withContext(async (ctx) => {
        const before = await ctx.store.getToken(id);
        if (!before) throw new UsageError(`no token with id ${JSON.stringify(id)} (see \`ratchet token list\`)`);
        if (before.revokedAt) {
          io.out(`Token ${id} was already revoked at ${before.revokedAt}.\n`);
          return EXIT.ok;
        }
        const r = await revokeApiToken(ctx.store, id, { by: 'cli', now: io.now?.() ?? new Date() });
        io.out(`Revoked token ${id} "${r?.name ?? before.name}" at ${r?.revokedAt ?? ''}.\n`);
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
