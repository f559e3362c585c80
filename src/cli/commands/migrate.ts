/**
 * `ratchet migrate --from URL --to URL` (DESIGN §11): copies the whole history from one store to another through
 * the store interfaces (src/store/copy.ts) — e.g. from the embedded SQLite file to PostgreSQL when scaling out.
 * Needs no config file. Idempotent: a rerun copies nothing twice. Prints rows per kind (source, copied, already
 * there), then verifies that every source row is in the target: exit 0 when it is, 1 naming what differs, 2 for a
 * bad URL. A PostgreSQL URL is only ever shown without its password.
 */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { UsageError } from '../../app/errors.js';
import { EXIT } from '../../app/io.js';
import { scrub } from '../../log/secrets.js';
import { copyStore, type CopyCount } from '../../store/copy.js';
import { describePostgresUrl, openStore, postgresUrlFromUrl, sqlitePathFromUrl, StoreUrlError } from '../../store/index.js';
import type { Store } from '../../store/store.js';
import type { CommandDeps } from '../command.js';

const POSTGRES_URL = /^postgres(ql)?:\/\//i;

interface Endpoint {
  /** For messages: a SQLite path, or the PostgreSQL URL without password and query. */
  label: string;
  open: () => Store;
}

/** Checks one of --from/--to; a bad one is a StoreUrlError (exit 2) naming the option. */
function endpoint(option: '--from' | '--to', url: string): Endpoint {
  try {
    if (POSTGRES_URL.test(url.trim())) {
      const checked = postgresUrlFromUrl(url);
      return { label: describePostgresUrl(checked), open: () => openStore(checked) };
    }
    const path = sqlitePathFromUrl(url);
    if (option === '--from' && path !== ':memory:' && !existsSync(path)) {
      throw new StoreUrlError(`there is no SQLite file at ${path}`);
    }
    return { label: `sqlite:${path}`, open: () => openStore(url) };
  } catch (e) {
    if (e instanceof StoreUrlError) throw new StoreUrlError(`${option}: ${e.message.replace(/^storage\.url /, 'the URL ')}`);
    throw e;
  }
}

export function formatCopyTable(counts: readonly CopyCount[]): string {
  const header = ['rows', 'source', 'copied', 'already there', 'in target'];
  const rows = counts.map((c) => [c.kind, String(c.source), String(c.copied), String(c.alreadyThere), String(c.inTarget)]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n') + '\n';
}

export function registerMigrate(program: Command, { io, exit }: CommandDeps): void {
  program
    .command('migrate')
    .description('copy the whole history from one store to another (e.g. SQLite to PostgreSQL); a rerun copies nothing twice')
    .requiredOption('--from <url>', 'source store: sqlite:PATH, a file path, or postgres://…')
    .requiredOption('--to <url>', 'target store: sqlite:PATH, a file path, or postgres://…')
    .action(async (o: { from: string; to: string }) => {
      const from = endpoint('--from', o.from);
      const to = endpoint('--to', o.to);
      if (from.label === to.label && o.from.trim() === o.to.trim()) {
        throw new UsageError('--from and --to name the same store; copy to another one');
      }
      const source = from.open();
      let target: Store | undefined;
      try {
        target = to.open();
        io.err(`ratchet migrate: copying ${from.label} → ${to.label}\n`);
        const result = await copyStore(source, target);
        io.out(formatCopyTable(result.counts));
        if (result.mismatches.length > 0) {
          io.err(`ratchet migrate: verification failed — not everything is in ${to.label}:\n`);
          for (const m of result.mismatches) io.err(`  ${scrub(m)}\n`);
          exit(EXIT.runtime);
          return;
        }
        const copied = result.counts.find((c) => c.kind === 'scans')?.copied ?? 0;
        io.out(`verified: every row of ${from.label} is in ${to.label} (${copied} scans copied now; browser sessions are not copied)\n`);
        exit(EXIT.ok);
      } finally {
        await source.close();
        await target?.close();
      }
    });
}
