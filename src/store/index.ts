/**
 * Store selection from the `storage.url` config value (DESIGN §4, §10). The rest of the code depends on the
 * `Store` interface only; this is the one place that knows which adapters exist.
 */
import { describePostgresUrl, PostgresStore } from './postgres/postgres-store.js';
import { SqliteStore } from './sqlite/sqlite-store.js';
import type { Store } from './store.js';

export type { ApiTokenRecord, AuditQuery, ListOptions, SessionRecord, Store, StoredScan } from './store.js';
export { SqliteStore, type SqliteStoreOptions } from './sqlite/sqlite-store.js';
export { SchemaTooNewError, type Migration } from './migration-checks.js';
export { MIGRATIONS, LATEST_SCHEMA_VERSION } from './sqlite/migrations.js';
export { describePostgresUrl, PostgresStore, type PostgresStoreOptions } from './postgres/postgres-store.js';

const ACCEPTED_FORMS =
  '"sqlite:./relative/path.db", "sqlite:/absolute/path.db", "sqlite::memory:", a plain file path, ' +
  'or "postgres://user@host:5432/database"';

/** `sslmode` values `pg` understands; anything else is a typo that would silently change how the link is secured. */
const SSL_MODES = ['disable', 'prefer', 'require', 'verify-ca', 'verify-full', 'no-verify'];

const POSTGRES_URL = /^postgres(ql)?:\/\//i;

/**
 * A `storage.url` that cannot be used. A configuration mistake, not a runtime failure: the CLI maps it to exit
 * code 2 (DESIGN §3), which it can recognise by class or by `configKey`.
 */
export class StoreUrlError extends Error {
  readonly configKey = 'storage.url';
  constructor(message: string) {
    super(message);
    this.name = 'StoreUrlError';
  }
}

/**
 * Opens the store named by `url` (the `storage.url` config key): `postgres://…` or `postgresql://…` selects the
 * PostgreSQL adapter, anything else names a SQLite file (the embedded default). The caller still calls `migrate()`;
 * adapters also migrate on first use, so forgetting it costs nothing but an explicit call gives a clear start-up
 * error. Neither adapter touches the database before its first call.
 */
export function openStore(url: string, opts: { password?: string | undefined } = {}): Store {
  if (isPostgresUrl(url)) return new PostgresStore(postgresUrlWithPassword(url, opts.password));
  if (opts.password !== undefined) throw new StoreUrlError('storage.password is set but storage.url names a SQLite file; remove storage.password');
  return new SqliteStore(sqlitePathFromUrl(url));
}

/** True when `storage.url` selects PostgreSQL (the queue and the `serve` roles need it). */
export function isPostgresUrl(url: string): boolean {
  return POSTGRES_URL.test(url.trim());
}

/**
 * The PostgreSQL URL to connect with: `storage.url`, checked, with `storage.password` put in when the URL has none
 * (so the password can live in ${env:…}/${file:…} apart from the URL). Both set is an error: which one wins would
 * be a guess.
 */
export function postgresUrlWithPassword(url: string, password: string | undefined): string {
  const checked = postgresUrlFromUrl(url);
  if (password === undefined) return checked;
  const u = new URL(checked);
  if (u.password !== '' || u.searchParams.has('password')) {
    throw new StoreUrlError('storage.url already holds a password and storage.password is set too; keep only one of them');
  }
  if (u.username === '') throw new StoreUrlError('storage.password is set but storage.url names no user; write postgres://USER@host:5432/database');
  u.password = encodeURIComponent(password);
  const withPassword = u.toString();
  describePostgresUrl(withPassword); // registers the password (decoded and encoded) for scrubbing
  return withPassword;
}

/**
 * Checks a PostgreSQL `storage.url` and returns it for `pg` (query parameters such as `?sslmode=` pass through),
 * or throws a `StoreUrlError` saying why not. Its password is registered for scrubbing first, and no message here
 * repeats the URL: it may hold a password.
 */
export function postgresUrlFromUrl(url: string): string {
  const value = url.trim();
  if (!POSTGRES_URL.test(value)) throw new StoreUrlError('storage.url is not a postgres:// or postgresql:// URL');
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new StoreUrlError(
      'storage.url is a PostgreSQL URL that cannot be parsed (the URL is not repeated here: it may hold a password); ' +
        'write it as postgres://user:password@host:5432/database, percent-encoding any reserved character in the ' +
        'user or password (e.g. "@" as %40), or keep the whole URL in ${env:NAME}',
    );
  }
  describePostgresUrl(value); // registers the password for scrubbing
  const sslmode = parsed.searchParams.get('sslmode');
  if (sslmode !== null && !SSL_MODES.includes(sslmode)) {
    throw new StoreUrlError(`storage.url has sslmode=${JSON.stringify(sslmode)}; use one of ${SSL_MODES.join(', ')}`);
  }
  return value;
}

/** Maps a `storage.url` to the SQLite file path (or `:memory:`), or throws a `StoreUrlError` saying why not. */
export function sqlitePathFromUrl(url: string): string {
  const value = url.trim();
  if (value === '') throw new StoreUrlError(`storage.url is empty; use ${ACCEPTED_FORMS}`);

  if (POSTGRES_URL.test(value)) {
    // openStore sends these to the PostgreSQL adapter; the URL is not repeated, it may hold a password.
    throw new StoreUrlError('storage.url is a PostgreSQL URL, not a SQLite file path');
  }

  if (/^sqlite:/i.test(value)) {
    const rest = value.slice('sqlite:'.length);
    if (rest.startsWith('//')) {
      // "sqlite:///x" is SQLAlchemy's spelling and "sqlite://x" would read as host "x"; refuse rather than guess
      // which file was meant.
      throw new StoreUrlError(
        `storage.url "${url}" is not understood: write the path directly after "sqlite:", e.g. ${ACCEPTED_FORMS}`,
      );
    }
    if (rest === '') throw new StoreUrlError(`storage.url "${url}" names no file; use ${ACCEPTED_FORMS}`);
    return rest;
  }

  // Any other "scheme:" (two or more letters, so a Windows drive letter like "C:\data" still counts as a path)
  // is a typo or an unsupported database; failing beats creating a file literally named "mysql:…".
  const scheme = /^([a-z][a-z0-9+.-]+):/i.exec(value);
  if (scheme) {
    throw new StoreUrlError(`storage.url "${url}" uses the unsupported scheme "${scheme[1]}:"; use ${ACCEPTED_FORMS}`);
  }
  return value;
}
