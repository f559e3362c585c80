/**
 * `ratchet demo`: the whole product on a fresh machine with no credentials. Starts the tenant simulator on
 * loopback (TLS with its own CA), writes a config pointing at it, and runs a real `ratchet scan` in a child process
 * that trusts the CA through NODE_EXTRA_CA_CERTS — the real collectors, rules, store and report, end to end.
 * History accumulates under ./data/, so a second run shows the second scan of each tenant. With `--serve` the
 * simulator keeps running and `ratchet serve` serves the portfolio on 127.0.0.1 (demo-serve.ts).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { configFor, SAMPLE_TENANTS, startSimulator } from '../../app/simulator.js';
import type { Report } from '../../domain/report.js';
import { stringify } from 'yaml';
import { formatHtml } from '../../report/format-html.js';
import { formatPortfolio } from '../../report/format-text.js';
import type { Command } from 'commander';
import { UsageError } from '../../app/errors.js';
import type { CliIO } from '../../app/io.js';
import { EXIT } from '../../app/io.js';
import type { ReportFormat } from '../../report/render.js';
import { formatOption, type CommandDeps } from '../command.js';
import { selfCommand } from '../self.js';
import { serveDemo } from './demo-serve.js';

export interface DemoOptions {
  format: 'table' | 'json' | 'markdown' | 'html';
  dataDir?: string;
  /** Days of simulated history for the level-4 sample tenant (Tailspin): 90+ confirms level 4, 180+ level 5. */
  historyDays?: number;
  /** Keep the simulator running and serve the portfolio with `ratchet serve` until Ctrl-C (port 0: a free one). */
  serve?: { port?: number; logLevel?: string };
}

/**
 * What the demo simulates before its first scan, per sample tenant: weeks of weekly scans (levels 4 and 5 read 90
 * and 180 days of history) and the attestations a technician would have recorded (restore tests and a DR plan gate
 * level 3, a strategy review level 5). Only on a fresh data directory: later runs add real scans to this history.
 */
const DEMO_HISTORY: Record<string, { days: number; attest: string[] }> = {
  northwind: { days: 28, attest: [] },
  fabrikam: { days: 28, attest: ['dr_plan'] },
  contoso: { days: 28, attest: ['restore_test', 'dr_plan'] },
  tailspin: { days: 98, attest: ['restore_test', 'dr_plan', 'strategy_review'] },
  woodgrove: { days: 28, attest: ['restore_test', 'dr_plan'] },
};

function runChild(args: string[], env: NodeJS.ProcessEnv, io: CliIO): Promise<{ code: number; stdout: string }> {
  const self = selfCommand();
  return new Promise((resolvePromise, reject) => {
    const child = spawn(self.command, [...self.args, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    // Logs (JSON lines on stderr) pass through so the operator sees progress and warnings.
    child.stderr.on('data', (c: Buffer) => io.err(c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code: code ?? EXIT.runtime, stdout }));
  });
}

export async function runDemo(opts: DemoOptions, io: CliIO): Promise<number> {
  const dataDir = resolve(opts.dataDir ?? 'data');
  const demoDir = join(dataDir, 'demo');
  mkdirSync(demoDir, { recursive: true });
  const sim = await startSimulator({ tenants: SAMPLE_TENANTS, certDir: join(demoDir, 'ca') });
  try {
    const { config, env } = configFor(sim, { storageUrl: `sqlite:${join(dataDir, 'demo.db')}` });
    const configPath = join(demoDir, 'ratchet.demo.yaml');
    writeFileSync(configPath, `# Written by \`ratchet demo\`: points at the built-in simulator (${sim.url}).\n${stringify(config)}`);
    const childEnv = { ...io.env, ...env, RATCHET_LOG_LEVEL: io.env.RATCHET_LOG_LEVEL ?? 'warn' };
    // serve logs at the product's default level (info) unless the operator chose one.
    const serveEnv = { ...io.env, ...env };
    const seeded = await Promise.all(
      Object.entries(DEMO_HISTORY).map(([tenant, plan]) => {
        const days = tenant === 'tailspin' && opts.historyDays ? opts.historyDays : plan.days;
        const attest = plan.attest.length ? ['--attest', plan.attest.join(',')] : [];
        return runChild(['--config', configPath, 'simulate-history', '--tenant', tenant, '--days', String(days), ...attest], childEnv, io);
      }),
    );
    const failed = seeded.find((r) => r.code !== EXIT.ok);
    if (failed) {
      io.err(`ratchet demo: simulating history failed (exit ${failed.code})\n`);
      return failed.code;
    }
    const { code, stdout } = await runChild(['--config', configPath, 'scan', '--format', 'json'], childEnv, io);
    if (opts.format === 'json') {
      io.out(stdout);
      return code;
    }
    let reports: Report[];
    try {
      const doc = JSON.parse(stdout) as Report | { reports: Report[] };
      reports = 'reports' in doc ? doc.reports : [doc];
    } catch {
      io.err(`ratchet demo: the scan produced no report (exit ${code})\n`);
      return code === EXIT.ok ? EXIT.runtime : code;
    }
    if (opts.format === 'html') {
      io.out(formatHtml(reports));
      return code;
    }
    const history = await runChild(['--config', configPath, 'history', '--tenant', reports[0]!.tenant.id, '--format', 'json'], childEnv, io);
    const scans = history.code === 0 ? (JSON.parse(history.stdout) as { scans: unknown[] }).scans.length : 0;
    io.out(formatPortfolio(reports, { markdown: opts.format === 'markdown' }));
    const cfg = relative(process.cwd(), configPath) || configPath;
    io.out(
      `\nScanned ${reports.length} simulated tenants through ${sim.url} (${scans} scans of history each; history in ${relative(process.cwd(), join(dataDir, 'demo.db'))}).\n` +
        `Evidence:    npx ratchet --config ${cfg} rescore --tenant ${reports.at(-1)!.tenant.id} --format json   (from history, offline)\n` +
        `History:     npx ratchet --config ${cfg} history --tenant ${reports[0]!.tenant.id}\n` +
        `The first run simulates weeks of weekly history (levels 4 and 5 need 90 and 180 days); \`ratchet demo --history-days 190\` on a fresh --data-dir lets Tailspin reach level 5.\n` +
        `Run \`ratchet demo\` again to add another scan to the history.\n`,
    );
    if (opts.serve) {
      return await serveDemo(
        { configPath, env: serveEnv, port: opts.serve.port, logLevel: opts.serve.logLevel, exampleTenant: reports[0]!.tenant.id, simulatorUrl: sim.url, certDir: join(demoDir, 'ca') },
        io,
      );
    }
    return code;
  } finally {
    await sim.close();
  }
}

export function registerDemo(program: Command, { io, exit }: CommandDeps): void {
  program
    .command('demo')
    .description('start the built-in simulator, scan its sample tenants end to end and print the portfolio (no credentials needed)')
    .addOption(formatOption())
    .option('--data-dir <path>', 'where history and the demo config go', 'data')
    .option('--history-days <n>', 'days of simulated history for the level-4 tenant on a fresh data dir (190 lets it reach level 5)')
    .option('--serve', 'then keep the simulator running and serve the web UI and API on 127.0.0.1 with a fresh technician token (Ctrl-C stops both)')
    .option('--port <n>', 'with --serve: the port to serve on (default: a free one)')
    .action(async (o: { format: ReportFormat; dataDir: string; historyDays?: string; serve?: boolean; port?: string }) => {
      const historyDays = o.historyDays === undefined ? undefined : Number(o.historyDays);
      if (historyDays !== undefined && (!Number.isInteger(historyDays) || historyDays < 7 || historyDays > 400)) {
        throw new UsageError('--history-days: a whole number of days from 7 to 400');
      }
      if (o.port !== undefined && !o.serve) throw new UsageError('--port goes with --serve (ratchet demo --serve --port N)');
      const port = o.port === undefined ? undefined : Number(o.port);
      if (port !== undefined && (o.port!.trim() === '' || !Number.isInteger(port) || port < 0 || port > 65535)) {
        throw new UsageError(`--port: a whole number from 0 to 65535 (0 = a free port), got ${JSON.stringify(o.port)}`);
      }
      // The sign-in block follows the portfolio on stdout: that is a page for a person, not one JSON or HTML document.
      if (o.serve && (o.format === 'json' || o.format === 'html')) {
        throw new UsageError(`--serve prints the portfolio as a table and then the sign-in URL; use \`ratchet demo --format ${o.format}\` without --serve for a ${o.format} document`);
      }
      const logLevel = program.opts<{ logLevel?: string }>().logLevel;
      const serve = o.serve ? { port, logLevel } : undefined;
      exit(await runDemo({ format: o.format, dataDir: o.dataDir, historyDays, serve }, io));
    });
}
