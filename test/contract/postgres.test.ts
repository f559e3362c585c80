/**
 * PostgresStore: the shared store contract against a real PostgreSQL, plus what only PostgreSQL has — migrations
 * under an advisory lock, schema-per-database isolation, connection URLs and their secrets.
 *
 * Needs PostgreSQL at `postgres://postgres@127.0.0.1:5432/test` (trust auth; CI runs PostgreSQL 15), or wherever
 * `RATCHET_TEST_PG_URL` points. Unreachable, the suite FAILS saying so — it never skips: a skipped contract run
 * would let the adapter rot unnoticed.
 *
 * Every test gets its own freshly created schema (the store reaches it through the URL's
 * `options=-c search_path=…`, i.e. through `openStore` exactly as a user's URL would), dropped with CASCADE after
 * the test, so tests are isolated from each other and from other test files running in parallel.
 */
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { clearSecrets, scrub } from '../../src/log/secrets.js';
import { openStore, PostgresStore, StoreUrlError } from '../../src/store/index.js';
import type { Migration } from '../../src/store/migration-checks.js';
import { MIGRATIONS } from '../../src/store/postgres/migrations.js';
import { SchemaTooNewError } from '../../src/store/postgres/postgres-store.js';
import { MIGRATIONS as SQLITE_MIGRATIONS } from '../../src/store/sqlite/migrations.js';
import { sampleScan } from '../helpers/sample-scan.js';
import { runStoreContract } from './store/run-store-contract.js';
import { checkAtRiskUpgrade } from './store/at-risk-upgrade.js';

const BASE_URL = process.env.RATCHET_TEST_PG_URL || 'postgres://postgres@127.0.0.1:5432/test';
const CHILD_TABLES = ['evidence', 'findings', 'capability_scores'] as const;

/** The suite's own connection: creates and drops schemas and reads row counts, as another process would. */
const admin = new pg.Pool({ connectionString: BASE_URL, max: 3, connectionTimeoutMillis: 5_000 });
admin.on('error', () => {});

/** Fails the whole file (never skips) when PostgreSQL cannot be reached, naming where and how to fix it. */
beforeAll(async () => {
  try {
    await admin.query('SELECT 1');
  } catch (err) {
    const u = new URL(BASE_URL);
    const reason = (err as Error).message || (err as NodeJS.ErrnoException).code || String(err);
    throw new Error(
      `PostgreSQL is unreachable at ${u.protocol}//${u.username ? `${u.username}@` : ''}${u.host}${u.pathname} ` +
        `(${reason}). The PostgreSQL store contract needs a running PostgreSQL (CI provides PostgreSQL 15 with ` +
        'trust auth and a database "test"); start one, or point RATCHET_TEST_PG_URL at one.',
    );
  }
});

const created: string[] = [];
let counter = 0;

/** Creates a uniquely named, empty schema, dropped after the current test. */
async function freshSchema(): Promise<string> {
  const name = `ratchet_t_${process.pid}_${Date.now().toString(36)}_${(counter += 1)}`;
  await admin.query(`CREATE SCHEMA "${name}"`);
  created.push(name);
  return name;
}

/** The test URL with the schema as search_path, through the URL like a user would write it. */
function urlFor(schema: string, base = BASE_URL): string {
  const u = new URL(base);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return u.toString();
}

afterEach(async () => {
  for (const name of created.splice(0)) await admin.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
});
afterAll(async () => {
  await admin.end();
});

/** Which schema backs which store, so the contract's row counts can be read through the suite's own connection. */
const schemaOf = new WeakMap<object, string>();

async function countRows(schema: string, scanId: string): Promise<Record<string, number>> {
  const count = async (sql: string, params: string[] = []): Promise<number> =>
    (await admin.query<{ n: number }>(sql, params)).rows[0]?.n ?? -1;
  const counts: Record<string, number> = {
    scans: await count(`SELECT count(*)::int AS n FROM "${schema}".scans WHERE id = $1`, [scanId]),
  };
  let orphans = 0;
  for (const table of CHILD_TABLES) {
    counts[table] = await count(`SELECT count(*)::int AS n FROM "${schema}".${table} WHERE scan_id = $1`, [scanId]);
    orphans += await count(
      `SELECT count(*)::int AS n FROM "${schema}".${table} WHERE scan_id NOT IN (SELECT id FROM "${schema}".scans)`,
    );
  }
  counts.orphans = orphans;
  return counts;
}

runStoreContract(
  'PostgresStore',
  async () => {
    const schema = await freshSchema();
    const store = openStore(urlFor(schema));
    schemaOf.set(store, schema);
    return store;
  },
  {
    rowCounts: async (store, scanId) => {
      const schema = schemaOf.get(store);
      if (!schema) throw new Error('store was not created by this factory');
      return countRows(schema, scanId);
    },
    sameDatabase: async (store) => {
      const schema = schemaOf.get(store);
      if (!schema) throw new Error('store was not created by this factory');
      return openStore(urlFor(schema));
    },
  },
);

async function versionsIn(schema: string): Promise<Array<{ version: number; name: string }>> {
  return (await admin.query<{ version: number; name: string }>(`SELECT version, name FROM "${schema}".schema_migrations ORDER BY version`)).rows;
}

async function tablesIn(schema: string): Promise<string[]> {
  return (
    await admin.query<{ table_name: string }>(
      'SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name',
      [schema],
    )
  ).rows.map((r) => r.table_name);
}

describe('PostgresStore migrations', () => {
  it('mirrors the SQLite schema versions one for one', () => {
    expect(MIGRATIONS.map((m) => [m.version, m.name])).toEqual(SQLITE_MIGRATIONS.map((m) => [m.version, m.name]));
  });

  it('two stores migrating one fresh schema at the same moment both succeed, and each migration runs once', async () => {
    const schema = await freshSchema();
    const stores = Array.from({ length: 4 }, () => new PostgresStore(urlFor(schema)));
    try {
      await Promise.all(stores.map((s) => s.migrate()));
      expect(await versionsIn(schema)).toEqual(MIGRATIONS.map((m) => ({ version: m.version, name: m.name })));
      // Every one of them works on the one schema.
      await Promise.all(stores.map((s, i) => s.saveScan(sampleScan({ id: `from-${i}`, startedAt: `2025-0${i + 1}-01T00:00:00.000Z` }))));
      expect((await stores[0]!.listScans('contoso')).map((s) => s.id)).toEqual(['from-3', 'from-2', 'from-1', 'from-0']);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  it('records each migration once; migrating again and a new store on the schema are no-ops', async () => {
    const schema = await freshSchema();
    const store = openStore(urlFor(schema));
    await store.migrate();
    await store.migrate();
    await store.close();
    const again = openStore(urlFor(schema));
    await again.migrate();
    await again.close();
    expect(await versionsIn(schema)).toEqual(MIGRATIONS.map((m) => ({ version: m.version, name: m.name })));
  });

  it('migrates on first use when the caller forgot migrate()', async () => {
    const store = openStore(urlFor(await freshSchema()));
    await store.saveScan(sampleScan());
    expect(await store.tenantIds()).toEqual(['contoso']);
    await store.close();
  });

  it('refuses a schema newer than the code, without touching it', async () => {
    const schema = await freshSchema();
    const store = openStore(urlFor(schema));
    await store.migrate();
    await store.close();
    const future = MIGRATIONS.length + 7;
    await admin.query(`INSERT INTO "${schema}".schema_migrations (version, name, applied_at) VALUES ($1, 'from the future', 'x')`, [future]);

    const old = openStore(urlFor(schema));
    const failure = old.migrate();
    await expect(failure).rejects.toBeInstanceOf(SchemaTooNewError);
    await expect(failure).rejects.toThrow(new RegExp(`schema version ${future}.*only knows schema versions up to ${MIGRATIONS.length}`));
    await expect(old.listScans('contoso')).rejects.toBeInstanceOf(SchemaTooNewError);
    await old.close();
    expect((await versionsIn(schema)).length).toBe(MIGRATIONS.length + 1);
  });

  it('applies only the pending migrations of a newer code version, in order', async () => {
    const schema = await freshSchema();
    const v1 = new PostgresStore(urlFor(schema));
    await v1.saveScan(sampleScan());
    await v1.close();
    const next: Migration[] = [
      ...MIGRATIONS,
      { version: MIGRATIONS.length + 1, name: 'add notes', sql: 'CREATE TABLE notes (scan_id text, body text)' },
      { version: MIGRATIONS.length + 2, name: 'index notes', sql: 'CREATE INDEX notes_scan ON notes (scan_id)' },
    ];
    const v2 = new PostgresStore(urlFor(schema), { migrations: next });
    await v2.migrate();
    await v2.migrate();
    expect(await v2.getScan('scan-contoso-0001')).not.toBeNull();
    await v2.close();
    expect((await versionsIn(schema)).map((r) => r.version)).toEqual(next.map((m) => m.version));
  });

  it('v9 (at-risk episodes) keeps every episode, alert row and ticket operation of a v8 schema, in order', async () => {
    const schema = await freshSchema();
    await checkAtRiskUpgrade((migrations) => new PostgresStore(urlFor(schema), { migrations }), MIGRATIONS);
  });

  it('rolls back a failing migration run completely, recording nothing', async () => {
    const schema = await freshSchema();
    const broken: Migration[] = [
      ...MIGRATIONS,
      { version: MIGRATIONS.length + 1, name: 'half broken', sql: 'CREATE TABLE half (x integer); THIS IS NOT SQL;' },
    ];
    const store = new PostgresStore(urlFor(schema), { migrations: broken });
    await expect(store.migrate()).rejects.toThrow(/syntax error/);
    await store.close();
    // The whole run is one transaction: not even migration 1 or the bookkeeping table remain.
    expect(await tablesIn(schema)).toEqual([]);
  });

  it('rejects a migration list with a gap', () => {
    const m = (version: number): Migration => ({ version, name: `m${version}`, sql: 'SELECT 1' });
    expect(() => new PostgresStore(urlFor('unused'), { migrations: [m(1), m(3)] })).toThrow(/malformed/);
  });
});

describe('PostgresStore tables and transactions', () => {
  it('mirrors the report into typed normalised tables, timestamps kept as the exact ISO text', async () => {
    const schema = await freshSchema();
    const store = openStore(urlFor(schema));
    const scan = sampleScan({ level: 2, potential: 4, regressionDetected: true });
    await store.saveScan(scan);
    await store.close();
    expect(await countRows(schema, scan.id)).toEqual({
      scans: 1,
      evidence: scan.report.evidence.length,
      findings: scan.report.findings.length,
      capability_scores: scan.report.capabilities.length,
      orphans: 0,
    });
    const row = (await admin.query(`SELECT * FROM "${schema}".scans`)).rows[0] as Record<string, unknown>;
    expect(row).toMatchObject({
      id: scan.id,
      tenant_id: 'contoso',
      started_at: scan.startedAt,
      finished_at: scan.finishedAt,
      level: 2,
      potential: 4,
      confirmed: false,
      regression_detected: true,
      regression_confirmed: false,
    });
    expect(row.report_json).toEqual(scan.report);
    const ordered = await admin.query(`SELECT rule_id, outcome, score FROM "${schema}".findings ORDER BY ordinal`);
    expect(ordered.rows).toEqual(scan.report.findings.map((f) => ({ rule_id: f.ruleId, outcome: f.outcome, score: f.score })));
    const identity = await admin.query(
      `SELECT level, potential, score, coverage FROM "${schema}".capability_scores WHERE capability = 'identity'`,
    );
    expect(identity.rows).toEqual([{ level: 2, potential: 4, score: 82.5, coverage: 0.75 }]);
  });

  it('saves scans concurrently on one store, each in its own transaction on its own pooled client', async () => {
    const store = openStore(urlFor(await freshSchema()));
    await store.migrate();
    const scans = Array.from({ length: 8 }, (_, i) => sampleScan({ id: `par-${i}`, startedAt: `2025-01-0${i + 1}T00:00:00.000Z` }));
    const bad = sampleScan({ id: 'par-bad' });
    bad.report.findings.push({ ...bad.report.findings[0]! });
    const results = await Promise.allSettled([...scans.map((s) => store.saveScan(s)), store.saveScan(bad)]);
    expect(results.map((r) => r.status)).toEqual([...scans.map(() => 'fulfilled'), 'rejected']);
    expect((await store.listScans('contoso')).map((s) => s.id)).toEqual(scans.map((s) => s.id).reverse());
    await store.close();
  });

  it('keeps stores on different schemas of one database apart', async () => {
    const a = openStore(urlFor(await freshSchema()));
    const b = openStore(urlFor(await freshSchema()));
    await a.saveScan(sampleScan({ id: 'only-in-a' }));
    expect(await b.tenantIds()).toEqual([]);
    expect(await a.tenantIds()).toEqual(['contoso']);
    await a.close();
    await b.close();
  });
});

describe('PostgresStore URLs and secrets', () => {
  afterEach(() => clearSecrets());

  it('openStore selects PostgreSQL for postgres:// and postgresql:// URLs, without connecting', async () => {
    for (const url of ['postgres://ratchet@db.invalid/ratchet', 'postgresql://ratchet@db.invalid:5432/ratchet', 'POSTGRES://x@db.invalid/y']) {
      const store = openStore(url);
      expect(store).toBeInstanceOf(PostgresStore);
      await store.close();
    }
  });

  it('passes ?sslmode= through to pg', async () => {
    const schema = await freshSchema();
    const plain = openStore(`${urlFor(schema)}&sslmode=disable`);
    await plain.migrate();
    await plain.close();
    // The test server has no TLS: requiring it must fail, which shows pg received the parameter.
    const tls = openStore(`${urlFor(schema)}&sslmode=verify-full`);
    await expect(tls.ping()).rejects.toThrow(/SSL/);
    await tls.close();
    expect(() => openStore(`${urlFor(schema)}&sslmode=requir`)).toThrow(StoreUrlError);
  });

  it('never shows the password of the URL in an error, and registers it for scrubbing', async () => {
    const password = 'Pa55-w0rd/with@odd%chars';
    const encoded = encodeURIComponent(password);
    // Nothing listens on port 1: the connection fails.
    const store = openStore(`postgres://ratchet:${encoded}@127.0.0.1:1/ratchet?connect_timeout=2`);
    let error: unknown;
    try {
      await store.migrate();
    } catch (err) {
      error = err;
    }
    await store.close();
    expect(error).toBeInstanceOf(Error);
    const shown = `${(error as Error).message}\n${(error as Error).stack ?? ''}`;
    expect(shown).toMatch(/Cannot reach the history database postgres:\/\/ratchet@127\.0\.0\.1:1\/ratchet/);
    expect(shown).not.toContain(password);
    expect(shown).not.toContain(encoded);
    expect(scrub(`leaked ${password} and ${encoded}`)).toBe('leaked [REDACTED] and [REDACTED]');
  });

  it('a URL it cannot parse is a StoreUrlError that does not repeat the URL', () => {
    const url = 'postgres://ratchet:s3cret-pass@db.example:notaport/ratchet';
    let error: unknown;
    try {
      openStore(url);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(StoreUrlError);
    expect((error as StoreUrlError).configKey).toBe('storage.url');
    expect((error as Error).message).toMatch(/storage\.url.*PostgreSQL URL that cannot be parsed/);
    expect((error as Error).message).not.toContain('s3cret-pass');
  });

  it('a closed store says so; ping fails while the server is unreachable', async () => {
    const down = openStore('postgres://ratchet@127.0.0.1:1/ratchet?connect_timeout=2');
    await expect(down.ping()).rejects.toThrow(/Cannot reach the history database/);
    await down.close();
    await expect(down.ping()).rejects.toThrow(/closed/);
  });
});
