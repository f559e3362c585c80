/**
 * Child process of the cross-process claim test in sqlite-outbox-claims.test.ts: one "process on the same file",
 * claiming outbox rows from a SQLite store until none is due.
 *
 * Usage: node claim-worker.mjs <db-path> <now> <lease-until>
 * Prints `ready` once the store is open, waits for a line on stdin (so all children start claiming together),
 * then claims one row at a time until a claim returns nothing, and prints the claimed ids as one JSON line.
 *
 * It imports the TypeScript sources through tsx's loader, so it runs exactly the code under test (see
 * crash-writer.mjs).
 */
import { register } from 'tsx/esm/api';

register();

const [dbPath, now, leaseUntil] = process.argv.slice(2);
if (!dbPath || !now || !leaseUntil) {
  process.stderr.write('usage: claim-worker.mjs <db-path> <now> <lease-until>\n');
  process.exit(2);
}

// Dynamic import: the hooks above only apply to modules loaded after register().
const { SqliteStore } = await import('../../src/store/sqlite/sqlite-store.ts');

const store = new SqliteStore(dbPath);
await store.migrate();
process.stdout.write('ready\n');
await new Promise((resolve) => process.stdin.once('data', resolve));

const ids = [];
for (;;) {
  const claimed = await store.claimDueDeliveries(now, 1, leaseUntil);
  if (claimed.length === 0) break;
  ids.push(...claimed.map((d) => d.id));
}
process.stdout.write(`${JSON.stringify(ids)}\n`);
await store.close();
process.exit(0);
