/**
 * The one better-sqlite3 connection a `SqliteStore` and all its aggregate modules share (DESIGN §10): opening the
 * file privately, the pragmas, migrations, each aggregate's prepared statements, and write transactions.
 *
 * better-sqlite3 is synchronous; the store's methods are `async` only to satisfy the adapter-neutral interfaces,
 * which also have to fit network-backed adapters. Because every method body is synchronous, a single connection
 * never interleaves two transactions.
 */
import { chmodSync, closeSync, existsSync, fchmodSync, mkdirSync, openSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { assertMigrationsWellFormed, pendingMigrations, type Migration } from '../migration-checks.js';
import type { RowCodec } from '../rows.js';
import { MIGRATIONS } from './migrations.js';

export { SchemaTooNewError } from '../migration-checks.js';

export interface SqliteStoreOptions {
  /**
   * How long a statement waits for another connection's lock before failing with SQLITE_BUSY. `ratchet serve`
   * and a CLI `ratchet scan` may share one file, so a short wait beats an immediate error.
   */
  busyTimeoutMs?: number;
  /** Override the migration list; only tests need this (to exercise upgrades). */
  migrations?: readonly Migration[];
}

/** Prepares one aggregate's statements on a migrated database; the connection caches the result per function. */
export type PrepareStatements<T> = (db: Database.Database) => T;

/** A write that has been validated and serialised already and only runs statements: a step of a transaction. */
export type StagedWrite = () => void;

/** How SQLite keeps what rows.ts leaves to the driver: JSON columns as text, flags as STRICT INTEGER 0/1. */
export const SQLITE_ROWS: RowCodec<string, 0 | 1> = {
  readJson: <T>(stored: string): T => JSON.parse(stored) as T,
  writeFlag: (value) => (value ? 1 : 0),
  readFlag: (stored) => stored === 1,
};

const DEFAULT_BUSY_TIMEOUT_MS = 5_000;

/**
 * History holds what the collectors saw (user, admin and device names): only the account running Ratchet should
 * read it. Directories this creates are 0700 and a database file it creates is 0600, whatever the umask (SQLite then
 * gives the -wal and -shm files the database file's mode). A directory or database file that already exists keeps
 * the mode the operator gave it — e.g. a group a backup agent reads through — and is never chmod-ed here.
 * @returns true when the database file was created now.
 */
function createPrivately(location: string): boolean {
  const dir = dirname(location);
  const firstCreated = mkdirSync(dir, { recursive: true, mode: 0o700 });
  // mkdir's mode passes through the umask: set it again on each directory just created, from `dir` up.
  for (let d = dir; firstCreated !== undefined; d = dirname(d)) {
    chmodSync(d, 0o700);
    if (d === firstCreated || dirname(d) === d) break;
  }
  let fd: number;
  try {
    fd = openSync(location, 'wx', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    fchmodSync(fd, 0o600);
  } finally {
    closeSync(fd);
  }
  return true;
}

export class SqliteConnection {
  private handle: Database.Database | null;
  private migrated = false;
  private readonly prepared = new Map<PrepareStatements<unknown>, unknown>();
  private readonly migrations: readonly Migration[];
  /** For error messages: the resolved file path, or `:memory:`. */
  readonly location: string;

  /** @param path a file path (parent directories are created) or `:memory:`. */
  constructor(path: string, options: SqliteStoreOptions = {}) {
    if (path.trim() === '') {
      // better-sqlite3 treats '' as "anonymous temporary database", which would silently lose history.
      throw new Error('SqliteStore needs a file path or ":memory:", got an empty string');
    }
    this.migrations = options.migrations ?? MIGRATIONS;
    assertMigrationsWellFormed(this.migrations);
    this.location = path === ':memory:' ? path : resolve(path);
    const created = path !== ':memory:' && createPrivately(this.location);

    const db = new Database(this.location);
    try {
      // WAL: readers (web UI, `ratchet history`) never block the scheduler's writes, and a crash mid-write
      // leaves the last committed state intact. On :memory: SQLite keeps journal_mode=memory, which is fine.
      db.pragma('journal_mode = WAL');
      // SQLite already gives -wal and -shm the database file's mode; say it outright for the files this opened.
      if (created) for (const suffix of ['-wal', '-shm']) if (existsSync(this.location + suffix)) chmodSync(this.location + suffix, 0o600);
      db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS))}`);
      // Off by default in SQLite; without it ON DELETE CASCADE and the REFERENCES clauses are decoration.
      db.pragma('foreign_keys = ON');
      // NORMAL in WAL mode never corrupts and keeps every commit across a process crash; only an OS crash or
      // power loss can roll back the last few commits, an acceptable trade for not fsyncing every scan.
      db.pragma('synchronous = NORMAL');
    } catch (err) {
      db.close();
      // The first pragma is where "file is not a database" surfaces; say which file.
      throw new Error(`Cannot open the history database ${this.location}: ${(err as Error).message}`, { cause: err });
    }
    this.handle = db;
  }

  /** The open database handle; every use of a closed store fails here, saying so. */
  db(): Database.Database {
    if (!this.handle) throw new Error(`The history store ${this.location} is closed`);
    return this.handle;
  }

  /**
   * One aggregate's prepared statements, prepared once per connection. Applies pending migrations on first use, so
   * a caller that forgot `migrate()` gets history, not "no such table".
   */
  statements<T>(prepare: PrepareStatements<T>): T {
    if (!this.migrated) this.migrate();
    let statements = this.prepared.get(prepare) as T | undefined;
    if (statements === undefined) {
      statements = prepare(this.db());
      this.prepared.set(prepare, statements);
    }
    return statements;
  }

  /** Runs `fn` in one IMMEDIATE transaction: its writes commit together or not at all. */
  write<T>(fn: () => T): T {
    // IMMEDIATE takes the write lock up front so the busy timeout applies, instead of failing on a read→write
    // lock upgrade.
    return this.db().transaction(fn).immediate();
  }

  /** Applies pending versioned migrations; idempotent. */
  migrate(): void {
    const db = this.db();
    // IMMEDIATE: two processes starting together must not both see version 0 and both run migration 1.
    db.transaction(() => {
      db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version     INTEGER NOT NULL PRIMARY KEY,
        name        TEXT    NOT NULL,
        applied_at  TEXT    NOT NULL
      ) STRICT`);
      const current =
        db.prepare<[], { v: number | null }>('SELECT max(version) AS v FROM schema_migrations').get()?.v ?? 0;
      const pending = pendingMigrations(this.migrations, current, this.location);
      const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
      for (const m of pending) {
        db.exec(m.sql);
        record.run(m.version, m.name, new Date().toISOString());
      }
    }).immediate();
    this.migrated = true;
  }

  /** Cheap round trip for health checks. */
  ping(): void {
    this.db().prepare('SELECT 1').get();
  }

  /** Idempotent: closing twice is harmless, so shutdown paths need not track whether they already closed. */
  close(): void {
    const db = this.handle;
    this.handle = null;
    this.migrated = false;
    this.prepared.clear();
    if (db?.open) db.close();
  }
}
