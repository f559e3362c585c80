/**
 * What every adapter's versioned migrations share, whatever their SQL (DESIGN §10): the shape of a migration, the
 * start-up check that versions run 1, 2, 3, …, and the refusal to touch a database written by a newer Ratchet.
 * Each adapter keeps its own MIGRATIONS (its dialect's DDL, version for version the same logical schema) and its own
 * way of applying them (transaction, locking).
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** The database was written by a newer Ratchet: the old code must not guess at a schema it does not know. */
export class SchemaTooNewError extends Error {
  constructor(
    readonly databaseVersion: number,
    readonly codeVersion: number,
    location: string,
  ) {
    super(
      `The history database ${location} has schema version ${databaseVersion}, but this version of Ratchet only ` +
        `knows schema versions up to ${codeVersion}. Upgrade Ratchet, or point storage.url at another database.`,
    );
    this.name = 'SchemaTooNewError';
  }
}

/** The schema version a migration list brings a database to (0 for an empty list). */
export const latestVersion = (migrations: readonly Migration[]): number => migrations.at(-1)?.version ?? 0;

/** Throws when the list is not 1, 2, 3, … in order: a gap or a duplicate would skip or repeat a step. */
export function assertMigrationsWellFormed(migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) {
      throw new Error(
        `store migrations are malformed: entry ${i} ("${m.name}") has version ${m.version}, expected ${i + 1}`,
      );
    }
  });
}

/**
 * The migrations still to apply, in order, to a database at schema version `current` (read inside the adapter's
 * migration transaction); throws a `SchemaTooNewError` naming `location` when the database is newer than the code.
 */
export function pendingMigrations(migrations: readonly Migration[], current: number, location: string): Migration[] {
  const codeVersion = latestVersion(migrations);
  if (current > codeVersion) throw new SchemaTooNewError(current, codeVersion, location);
  return migrations.filter((m) => m.version > current);
}
