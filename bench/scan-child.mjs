/**
 * Benchmark child: scans one tenant through the real CLI code path (config → collector → rules → store) in its own
 * process, so its peak RSS is the scanner's alone, and prints one JSON line of measurements. It runs the built
 * code in dist/ (what ships), so `npm run bench` builds first.
 */
import { main } from '../dist/src/cli/main.js';

const [configPath] = process.argv.slice(2);
let stdout = '';
const t0 = performance.now();
const code = await main(['node', 'ratchet', '--config', configPath, '--log-level', 'warn', 'scan', '--format', 'json'], {
  out: (t) => (stdout += t),
  err: (t) => process.stderr.write(t),
  env: process.env,
});
const wallMs = performance.now() - t0;
const report = JSON.parse(stdout);
process.stdout.write(
  `${JSON.stringify({
    code,
    wallMs,
    collectorMs: report.scan.collectors[0].durationMs,
    requests: report.scan.collectors[0].requests,
    level: report.level.value,
    status: report.scan.status,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
  })}\n`,
);
