/**
 * Child process of the crash test in sqlite.test.ts: saves one large scan after another into a SQLite store
 * until the parent kills it with SIGKILL.
 *
 * Usage: node crash-writer.mjs <db-path> <prefix> <synthetic rows per scan>
 * Prints `ready`, then `begin <id>` before and `saved <id>` after each save, so the parent knows which scans
 * must have survived (saved) and which one was in flight when it pulled the plug.
 *
 * It imports the TypeScript sources through tsx's loader, so it runs exactly the code under test: importing dist/
 * would make the test depend on a prior build and silently test stale code.
 */
import { register } from 'tsx/esm/api';

register();

const [dbPath, prefix, rows] = process.argv.slice(2);
if (!dbPath || !prefix || !rows) {
  process.stderr.write('usage: crash-writer.mjs <db-path> <prefix> <rows>\n');
  process.exit(2);
}

// Dynamic imports: the hooks above only apply to modules loaded after register().
const { SqliteStore } = await import('../../src/store/sqlite/sqlite-store.ts');
const { sampleScan } = await import('../helpers/sample-scan.ts');

const store = new SqliteStore(dbPath);
await store.migrate();
// Build the big documents once; each save only swaps the ids (cheap) so the time goes into writing.
const n = Number(rows);
const template = sampleScan({ tenantId: 'crashco', extraEvidence: n, extraFindings: n, offendersPerEvidence: 40 });
const t0 = Date.parse('2025-06-01T00:00:00.000Z');
process.stdout.write('ready\n');

for (let i = 0; ; i += 1) {
  const id = `${prefix}-${String(i).padStart(4, '0')}`;
  const startedAt = new Date(t0 + i * 60_000).toISOString();
  const scan = {
    ...template,
    id,
    startedAt,
    report: { ...template.report, scan: { ...template.report.scan, id, startedAt } },
  };
  process.stdout.write(`begin ${id}\n`);
  await store.saveScan(scan);
  process.stdout.write(`saved ${id}\n`);
}
