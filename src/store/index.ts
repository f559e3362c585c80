/**
 * Store selection from the `storage.url` config value (DESIGN §4, §10). The rest of the code depends on the
 * `Store` interface only; this is the one place that knows which adapters exist.
 */
import { SqliteStore } from './sqlite/sqlite-store.js';
import type { Store } from './store.js';

export type { ApiTokenRecord, AuditQuery, ListOptions, SessionRecord, Store, StoredScan } from './store.js';
export { SqliteStore, SchemaTooNewError, type SqliteStoreOptions } from './sqlite/sqlite-store.js';
export { MIGRATIONS, LATEST_SCHEMA_VERSION, type Migration } from './sqlite/migrations.js';

const ACCEPTED_FORMS =
  '"sqlite:./relative/path.db", "sqlite:/absolute/path.db", "sqlite::memory:", or a plain file path';

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
 * Opens the store named by `url` (the `storage.url` config key). The caller still calls `migrate()`; adapters
 * also migrate on first use, so forgetting it costs nothing but an explicit call gives a clear start-up error.
 */
export function openStore(url: string): Store {
  return new SqliteStore(sqlitePathFromUrl(url));
}

/** Maps a `storage.url` to the SQLite file path (or `:memory:`), or throws a `StoreUrlError` saying why not. */
export function sqlitePathFromUrl(url: string): string {
  const value = url.trim();
  if (value === '') throw new StoreUrlError(`storage.url is empty; use ${ACCEPTED_FORMS}`);

  if (/^postgres(ql)?:\/\//i.test(value)) {
    throw new StoreUrlError(
      'storage.url points at PostgreSQL, but the PostgreSQL store is not implemented yet; ' +
        `use a SQLite storage.url for now: ${ACCEPTED_FORMS}`,
    );
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
