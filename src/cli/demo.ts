/**
 * `ratchet demo`: the whole product on a fresh machine with no credentials. Starts the tenant simulator on
 * loopback (TLS with its own CA), writes a config pointing at it, and runs a real `ratchet scan` in a child process
 * that trusts the CA through NODE_EXTRA_CA_CERTS — the real collectors, rules, store and report, end to end.
 * History accumulates under ./data/, so a second run shows the second scan of each tenant.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { configFor, SAMPLE_TENANTS, startSimulator } from '../simulator/index.js';
import type { Report } from '../report/types.js';
import { stringify } from 'yaml';
import { formatHtml } from '../report/format-html.js';
import { formatPortfolio } from '../report/format-text.js';
import type { CliIO } from './io.js';
import { EXIT } from './io.js';
import { selfCommand } from './self.js';

export interface DemoOptions {
  format: 'table' | 'json' | 'markdown' | 'html';
  dataDir?: string;
}

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
      `\nScanned ${reports.length} simulated tenants through ${sim.url} (scan ${scans} of each; history in ${relative(process.cwd(), join(dataDir, 'demo.db'))}).\n` +
        `Evidence:    npx ratchet --config ${cfg} rescore --tenant ${reports.at(-1)!.tenant.id} --format json   (from history, offline)\n` +
        `History:     npx ratchet --config ${cfg} history --tenant ${reports[0]!.tenant.id}\n` +
        `Run \`ratchet demo\` again to add a second scan to the history.\n`,
    );
    return code;
  } finally {
    await sim.close();
  }
}
