/**
 * The `pg.Pool` a `PostgresStore` and all its aggregate modules share (DESIGN §10, §11): the pool, versioned
 * migrations under an advisory lock, and write transactions on one pooled client.
 *
 * Unlike better-sqlite3, `pg` is asynchronous and a pool hands out several connections, so a transaction is pinned
 * to one client for its whole life (BEGIN … COMMIT on that client, ROLLBACK on any error) and other calls run on
 * other clients meanwhile. Every statement outside `transaction` is a single autocommitted statement.
 *
 * Secrets: the password of the connection URL (userinfo or `?password=`) is registered for scrubbing the moment a
 * connection is created, and the URL itself is never put into a message: errors name `location`, the URL without
 * its password and query.
 */
import pg from 'pg';
import { registerSecret, scrub } from '../../log/secrets.js';
import { assertMigrationsWellFormed, pendingMigrations, SchemaTooNewError, type Migration } from '../migration-checks.js';
import type { RowCodec } from '../rows.js';
import { MIGRATIONS } from './migrations.js';

export { SchemaTooNewError };

export interface PostgresStoreOptions {
  /** Most connections the pool opens (default 10). A worker runs `schedule.concurrency` scans at once. */
  maxConnections?: number;
  /** How long acquiring a new connection may take before failing (default 10 s): a dead server must not hang a scan. */
  connectTimeoutMs?: number;
  /** Override the migration list; only tests need this (to exercise upgrades). */
  migrations?: readonly Migration[];
}

/** A write step run on the transaction's client, validated and serialised before the transaction began. */
export type StagedWrite = (client: pg.PoolClient) => Promise<void>;

/** Anything that can run a query: the pool (autocommit) or a transaction's client. */
export type Queryable = Pick<pg.Pool, 'query'> | pg.PoolClient;

/** A LIMIT parameter: undefined or negative means no limit (SQLite reads a negative LIMIT so; PostgreSQL takes NULL). */
export const limitParam = (limit: number | undefined): number | null => (limit === undefined || limit < 0 ? null : limit);

/** How `pg` returns what rows.ts leaves to the driver: jsonb columns parsed already, flags as booleans. */
export const POSTGRES_ROWS: RowCodec<unknown, boolean> = {
  readJson: <T>(stored: unknown): T => stored as T,
  writeFlag: (value) => value === true,
  readFlag: (stored) => stored,
};

const DEFAULT_MAX_CONNECTIONS = 10;
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/**
 * The advisory lock migrations run under, per schema: two processes starting at once on one database and schema
 * migrate once (the second waits, then finds nothing pending), while stores on different schemas of one database
 * (the contract tests) do not wait for each other. The first key is a fixed "Ratchet migrations" class.
 */
const MIGRATION_LOCK_CLASS = 0x52415443; // "RATC"

/**
 * Registers the password of a PostgreSQL URL (userinfo or `?password=`) for scrubbing, decoded and as written,
 * and returns the URL as it may be shown: scheme, user, host, port and database only.
 */
export function describePostgresUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'postgres://(unparseable URL)';
  }
  for (const raw of [u.password, u.searchParams.get('password') ?? '']) {
    if (raw === '') continue;
    registerSecret(raw);
    try {
      registerSecret(decodeURIComponent(raw));
    } catch {
      // Not percent-decodable: the raw form is what can appear.
    }
  }
  const user = u.username ? `${u.username}@` : '';
  return `${u.protocol}//${user}${u.host}${u.pathname}`;
}

export class PostgresConnection {
  private pool: pg.Pool | null;
  private migrating: Promise<void> | null = null;
  private readonly migrations: readonly Migration[];
  /** For messages: the URL without password or query (see `describePostgresUrl`). */
  readonly location: string;

  constructor(url: string, options: PostgresStoreOptions = {}) {
    this.location = describePostgresUrl(url);
    this.migrations = options.migrations ?? MIGRATIONS;
    assertMigrationsWellFormed(this.migrations);
    // The pool connects lazily: constructing a store never touches the network.
    const pool = new pg.Pool({
      connectionString: url,
      max: options.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
      connectionTimeoutMillis: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      application_name: 'ratchet',
    });
    // An idle client losing its connection (server restart, failover) is emitted on the pool; unhandled, that event
    // would crash the process. The pool drops that client by itself and the next query reports any real outage.
    pool.on('error', () => {});
    this.pool = pool;
  }

  private live(): pg.Pool {
    if (!this.pool) throw new Error(`The history store ${this.location} is closed`);
    return this.pool;
  }

  /**
   * One autocommitted statement on the pool, after pending migrations (a caller that forgot `migrate()` gets
   * history, not "relation does not exist"), with connection failures named after the database (never its URL).
   */
  async query<R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<pg.QueryResult<R>> {
    this.live();
    await this.ensureMigrated();
    const pool = this.live();
    try {
      return await pool.query<R>(sql, params);
    } catch (err) {
      throw this.explain(err);
    }
  }

  /**
   * Runs `fn` in one transaction on one pooled client: BEGIN, `fn`, COMMIT — or ROLLBACK on any error, which is
   * rethrown. Its writes commit together or not at all.
   */
  async transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    await this.ensureMigrated();
    return this.onClient(fn);
  }

  private async onClient<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const pool = this.live();
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (err) {
      throw this.explain(err);
    }
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackError) {
        // The connection itself failed: hand it back as broken so the pool discards it rather than reuse it.
        broken = rollbackError as Error;
      }
      throw this.explain(err);
    } finally {
      client.release(broken);
    }
  }

  /** Applies pending migrations once per connection; a failure is reported and retried on the next call. */
  private ensureMigrated(): Promise<void> {
    if (!this.migrating) {
      this.migrating = this.runMigrations().catch((err: unknown) => {
        this.migrating = null;
        throw err;
      });
    }
    return this.migrating;
  }

  /** Applies pending versioned migrations; idempotent. */
  async migrate(): Promise<void> {
    this.live();
    await this.ensureMigrated();
  }

  /**
   * All pending migrations and their bookkeeping in ONE transaction (PostgreSQL DDL is transactional), under a
   * transaction-level advisory lock taken first: a second process starting at the same moment blocks on the lock
   * until the first commits, then sees the recorded versions and applies nothing. The lock is released by COMMIT
   * or ROLLBACK, so no error path can leave it held on a pooled connection.
   */
  private async runMigrations(): Promise<void> {
    await this.onClient(async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1, hashtext(coalesce(current_schema(), \'\')))', [MIGRATION_LOCK_CLASS]);
      await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version     integer NOT NULL PRIMARY KEY,
        name        text    NOT NULL,
        applied_at  text    NOT NULL
      )`);
      const { rows } = await client.query<{ v: number | null }>('SELECT max(version) AS v FROM schema_migrations');
      const current = rows[0]?.v ?? 0;
      for (const m of pendingMigrations(this.migrations, current, this.location)) {
        await client.query(m.sql);
        await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
          m.version,
          m.name,
          new Date().toISOString(),
        ]);
      }
    });
  }

  /** Cheap round trip for health checks. */
  async ping(): Promise<void> {
    const pool = this.live();
    try {
      await pool.query('SELECT 1');
    } catch (err) {
      throw this.explain(err);
    }
  }

  /** Idempotent: closing twice is harmless. Waits for queries in flight, then ends every pooled connection. */
  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = null;
    this.migrating = null;
    if (pool) await pool.end();
  }

  /**
   * Errors pass through unchanged (constraint violations keep their class, code and detail), except that a failure
   * to reach the server is reworded to name the database — by `location`, never the URL — and any registered
   * secret is scrubbed from the message.
   */
  private explain(err: unknown): unknown {
    if (!(err instanceof Error)) return err;
    if (err instanceof SchemaTooNewError || 'severity' in err) return err;
    const code = (err as NodeJS.ErrnoException).code;
    const unreachable =
      code === 'ECONNREFUSED' ||
      code === 'ENOTFOUND' ||
      code === 'EAI_AGAIN' ||
      code === 'ETIMEDOUT' ||
      code === 'ECONNRESET' ||
      /timeout|terminated|Connection/i.test(err.message);
    if (!unreachable) {
      err.message = scrub(err.message);
      return err;
    }
    // Node reports a refused connection to every address of a name as an AggregateError with an empty message.
    const reason = err.message || code || err.name;
    const wrapped = new Error(`Cannot reach the history database ${this.location}: ${scrub(reason)}`);
    (wrapped as NodeJS.ErrnoException).code = code;
    return wrapped;
  }
}
