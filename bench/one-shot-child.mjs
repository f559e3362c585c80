/**
 * Benchmark child of bench/one-shot.ts: one `ratchet scan` of every tenant of the config through the real CLI code
 * path, in its own process (the built code in dist/, what ships), and one JSON line of measurements on stdout.
 */
import { main } from '../dist/src/cli/main.js';

const [configPath, ...tenantArgs] = process.argv.slice(2);
let stdout = '';
const t0 = performance.now();
const code = await main(['node', 'ratchet', '--config', configPath, '--log-level', 'warn', 'scan', '--format', 'json', ...tenantArgs], {
  out: (t) => (stdout += t),
  err: (t) => process.stderr.write(t),
  env: process.env,
});
const wallMs = performance.now() - t0;
const doc = JSON.parse(stdout);
const reports = 'reports' in doc ? doc.reports : [doc];
const statuses = {};
for (const r of reports) statuses[r.scan.status] = (statuses[r.scan.status] ?? 0) + 1;
process.stdout.write(
  `${JSON.stringify({
    code,
    wallMs,
    tenants: reports.length,
    order: reports.map((r) => r.tenant.id),
    statuses,
    requests: reports.reduce((n, r) => n + r.scan.collectors.reduce((m, c) => m + c.requests, 0), 0),
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    cpuMs: (process.cpuUsage().user + process.cpuUsage().system) / 1000,
  })}\n`,
);
