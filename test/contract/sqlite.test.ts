/**
 * SqliteStore: the shared store contract (on a temp file and in memory) plus what only SQLite has — the file,
 * pragmas, migrations bookkeeping, the normalised tables, and crash safety under SIGKILL.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { assertMigrationsWellFormed, type Migration } from '../../src/store/migration-checks.js';
import { MIGRATIONS } from '../../src/store/sqlite/migrations.js';
import { SchemaTooNewError, SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { sampleScan } from '../helpers/sample-scan.js';
import { runStoreContract } from './store/run-store-contract.js';
import { checkAtRiskUpgrade } from './store/at-risk-upgrade.js';

const CHILD_TABLES = ['evidence', 'findings', 'capability_scores'] as const;

const tempRoot = mkdtempSync(join(tmpdir(), 'ratchet-store-'));
afterAll(() => rmSync(tempRoot, { recursive: true, force: true }));
let fileCounter = 0;
const tempDb = (name = 'history'): string => join(tempRoot, `${name}-${(fileCounter += 1)}`, 'ratchet.db');

/** Which file backs which store, so the contract's row counts can be read through a second connection. */
const pathOf = new WeakMap<object, string>();

/** Opens a separate read-only connection: what another process would see, not the writer's own view. */
function inspect<T>(path: string, fn: (db: Database.Database) => T): T {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

function countRows(db: Database.Database, scanId: string): Record<string, number> {
  const count = (sql: string, ...params: string[]): number =>
    db.prepare<string[], { n: number }>(sql).get(...params)?.n ?? -1;
  const counts: Record<string, number> = { scans: count('SELECT count(*) AS n FROM scans WHERE id = ?', scanId) };
  let orphans = 0;
  for (const table of CHILD_TABLES) {
    counts[table] = count(`SELECT count(*) AS n FROM ${table} WHERE scan_id = ?`, scanId);
    orphans += count(`SELECT count(*) AS n FROM ${table} WHERE scan_id NOT IN (SELECT id FROM scans)`);
  }
  counts.orphans = orphans;
  return counts;
}

runStoreContract(
  'SqliteStore (temp file)',
  async () => {
    const path = tempDb('contract');
    const store = new SqliteStore(path);
    pathOf.set(store, path);
    return store;
  },
  {
    rowCounts: async (store, scanId) => {
      const path = pathOf.get(store);
      if (!path) throw new Error('store was not created by this factory');
      return inspect(path, (db) => countRows(db, scanId));
    },
    sameDatabase: async (store) => {
      const path = pathOf.get(store);
      if (!path) throw new Error('store was not created by this factory');
      return new SqliteStore(path);
    },
  },
);

runStoreContract('SqliteStore (:memory:)', async () => new SqliteStore(':memory:'));

/** The store's own connection; tests need it for per-connection pragmas, which another connection cannot see. */
const connectionOf = (store: SqliteStore): Database.Database =>
  (store as unknown as { connection: { db(): Database.Database } }).connection.db();

describe('SqliteStore file and connection', () => {
  it('creates missing parent directories', async () => {
    const path = join(tempRoot, 'deep', 'er', 'still', 'ratchet.db');
    const store = new SqliteStore(path);
    await store.migrate();
    await store.close();
    expect(existsSync(path)).toBe(true);
  });

  it('sets WAL, busy_timeout, foreign_keys and synchronous=NORMAL on its connection', async () => {
    const store = new SqliteStore(tempDb());
    await store.migrate();
    const db = connectionOf(store);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('synchronous', { simple: true })).toBe(1); // 1 = NORMAL
    await store.close();
  });

  it('a scan survives closing and reopening the file', async () => {
    const path = tempDb();
    const scan = sampleScan();
    const writer = new SqliteStore(path);
    await writer.migrate();
    await writer.saveScan(scan);
    await writer.close();

    const reader = new SqliteStore(path);
    await reader.migrate();
    expect(await reader.getScan(scan.id)).toEqual(scan);
    expect(await reader.tenantIds()).toEqual(['contoso']);
    expect((await reader.listScans('contoso'))[0]?.capabilities).toHaveLength(6);
    await reader.close();
  });

  it('two stores on one file see each other’s commits', async () => {
    const path = tempDb();
    const a = new SqliteStore(path);
    const b = new SqliteStore(path);
    await a.migrate();
    await b.migrate();
    await a.saveScan(sampleScan({ id: 'from-a' }));
    await b.saveScan(sampleScan({ id: 'from-b', startedAt: '2025-02-01T00:00:00.000Z' }));
    expect((await a.listScans('contoso')).map((s) => s.id)).toEqual(['from-b', 'from-a']);
    await a.close();
    await b.close();
  });

  it('migrates on first use when the caller forgot migrate()', async () => {
    const store = new SqliteStore(tempDb());
    await store.saveScan(sampleScan());
    expect(await store.tenantIds()).toEqual(['contoso']);
    await store.close();
  });

  it('names the file when it is not a SQLite database', () => {
    const path = join(tempRoot, 'not-a-db.db');
    writeFileSync(path, 'this is not a database, just text that is long enough to fill a header page'.repeat(20));
    expect(() => new SqliteStore(path)).toThrow(/not-a-db\.db/);
  });

  it('refuses an empty path instead of opening an anonymous temporary database', () => {
    expect(() => new SqliteStore('')).toThrow(/:memory:/);
  });
});

describe('SqliteStore migrations', () => {
  it('records each applied migration once; migrate again and a fresh store on the file are no-ops', async () => {
    const path = tempDb();
    const store = new SqliteStore(path);
    await store.migrate();
    await store.migrate();
    await store.close();
    const again = new SqliteStore(path);
    await again.migrate();
    await again.close();
    const rows = inspect(path, (db) =>
      db.prepare<[], { version: number; name: string }>('SELECT version, name FROM schema_migrations').all(),
    );
    expect(rows).toEqual(MIGRATIONS.map((m) => ({ version: m.version, name: m.name })));
  });

  it('refuses a database whose schema is newer than the code, without touching it', async () => {
    const path = tempDb();
    const store = new SqliteStore(path);
    await store.migrate();
    await store.close();
    const future = MIGRATIONS.length + 7;
    const db = new Database(path);
    db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
      future,
      'from the future',
      new Date().toISOString(),
    );
    db.close();

    const old = new SqliteStore(path);
    const failure = old.migrate();
    await expect(failure).rejects.toBeInstanceOf(SchemaTooNewError);
    await expect(failure).rejects.toThrow(new RegExp(`schema version ${future}.*only knows schema versions up to ${MIGRATIONS.length}`));
    // Other methods fail the same way rather than reading an unknown schema.
    await expect(old.listScans('contoso')).rejects.toBeInstanceOf(SchemaTooNewError);
    await old.close();
    expect(inspect(path, (d) => d.prepare('SELECT count(*) AS n FROM schema_migrations').get())).toEqual({
      n: MIGRATIONS.length + 1,
    });
  });

  it('applies only the pending migrations of a newer code version, in order', async () => {
    const path = tempDb();
    const v1 = new SqliteStore(path);
    await v1.saveScan(sampleScan());
    await v1.close();

    const next: Migration[] = [
      ...MIGRATIONS,
      { version: MIGRATIONS.length + 1, name: 'add notes', sql: 'CREATE TABLE notes (scan_id TEXT, body TEXT)' },
      {
        version: MIGRATIONS.length + 2,
        name: 'index notes',
        sql: 'CREATE INDEX notes_scan ON notes (scan_id)', // fails if run before the previous step
      },
    ];
    const v2 = new SqliteStore(path, { migrations: next });
    await v2.migrate();
    await v2.migrate();
    expect(await v2.getScan('scan-contoso-0001')).not.toBeNull();
    await v2.close();
    const versions = inspect(path, (db) =>
      db.prepare<[], { version: number }>('SELECT version FROM schema_migrations ORDER BY version').all(),
    ).map((r) => r.version);
    expect(versions).toEqual(next.map((m) => m.version));
  });

  it('v9 (at-risk episodes) keeps every episode, alert row and ticket operation of a v8 database, in order', async () => {
    const path = tempDb();
    await checkAtRiskUpgrade((migrations) => new SqliteStore(path, { migrations }), MIGRATIONS);
    // The foreign keys still hold after the rebuild.
    expect(inspect(path, (db) => db.prepare('PRAGMA foreign_key_check').all())).toEqual([]);
  });

  it('rolls back a failing migration completely, recording nothing', async () => {
    const path = tempDb();
    const broken: Migration[] = [
      ...MIGRATIONS,
      {
        version: MIGRATIONS.length + 1,
        name: 'half broken',
        sql: 'CREATE TABLE half (x INTEGER); THIS IS NOT SQL;',
      },
    ];
    const store = new SqliteStore(path, { migrations: broken });
    await expect(store.migrate()).rejects.toThrow(/syntax error/);
    await store.close();
    const state = inspect(path, (db) => ({
      tables: db
        .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .all()
        .map((r) => r.name),
    }));
    // The whole run is one transaction, so not even migration 1 or the bookkeeping table remain.
    expect(state.tables).toEqual([]);
  });

  it('rejects a migration list with a gap or a duplicate version', () => {
    expect(() => assertMigrationsWellFormed(MIGRATIONS)).not.toThrow();
    const m = (version: number): Migration => ({ version, name: `m${version}`, sql: 'SELECT 1' });
    expect(() => assertMigrationsWellFormed([m(1), m(3)])).toThrow(/version 3, expected 2/);
    expect(() => assertMigrationsWellFormed([m(1), m(1)])).toThrow(/expected 2/);
    expect(() => new SqliteStore(':memory:', { migrations: [m(2)] })).toThrow(/malformed/);
  });
});

describe('SqliteStore normalised tables', () => {
  it('mirrors the report into scans, evidence, findings and capability_scores', async () => {
    const path = tempDb();
    const store = new SqliteStore(path);
    const scan = sampleScan({ level: 2, potential: 4, regressionDetected: true });
    await store.saveScan(scan);
    await store.close();

    inspect(path, (db) => {
      expect(countRows(db, scan.id)).toEqual({
        scans: 1,
        evidence: scan.report.evidence.length,
        findings: scan.report.findings.length,
        capability_scores: scan.report.capabilities.length,
        orphans: 0,
      });
      expect(db.prepare('SELECT * FROM scans').get()).toMatchObject({
        id: scan.id,
        tenant_id: 'contoso',
        started_at: scan.startedAt,
        finished_at: scan.finishedAt,
        status: 'complete',
        level: 2,
        potential: 4,
        confirmed: 0,
        regression_detected: 1,
        regression_confirmed: 0,
        rules_version: scan.rulesVersion,
      });
      expect(
        db.prepare("SELECT status, reason_code, value_json FROM evidence WHERE key = 'm365.secure_score'").get(),
      ).toEqual({ status: 'unavailable', reason_code: 'permission_missing', value_json: null });
      const mfa = db.prepare<[], { value_json: string; source_json: string }>(
        "SELECT value_json, source_json FROM evidence WHERE key = 'm365.mfa.registration'",
      ).get();
      expect(JSON.parse(mfa?.value_json ?? 'null')).toEqual(scan.report.evidence[0]?.value);
      expect(JSON.parse(mfa?.source_json ?? 'null')).toEqual(scan.report.evidence[0]?.source);
      expect(
        db.prepare('SELECT rule_id, outcome, score FROM findings ORDER BY ordinal').all(),
      ).toEqual(scan.report.findings.map((f) => ({ rule_id: f.ruleId, outcome: f.outcome, score: f.score })));
      expect(
        db.prepare("SELECT level, potential, score, coverage FROM capability_scores WHERE capability = 'identity'").get(),
      ).toEqual({ level: 2, potential: 4, score: 82.5, coverage: 0.75 });
      // History is queryable with plain SQL, e.g. the per-tenant index serves the newest-first listing.
      const plan = db
        .prepare<[], { detail: string }>(
          "EXPLAIN QUERY PLAN SELECT id FROM scans WHERE tenant_id = 'contoso' ORDER BY started_at DESC, rowid DESC",
        )
        .all()
        .map((r) => r.detail)
        .join('\n');
      expect(plan).toMatch(/scans_tenant_started/);
    });
  });

  it('deleting a scan row cascades to its evidence, findings and scores', async () => {
    const store = new SqliteStore(tempDb());
    const scan = sampleScan();
    await store.saveScan(scan);
    const db = connectionOf(store);
    db.prepare('DELETE FROM scans WHERE id = ?').run(scan.id);
    expect(countRows(db, scan.id)).toEqual({ scans: 0, evidence: 0, findings: 0, capability_scores: 0, orphans: 0 });
    await store.close();
  });

  it('rejects a scan whose parts disagree or whose timestamps would misorder history, writing nothing', async () => {
    const path = tempDb();
    const store = new SqliteStore(path);
    const base = sampleScan();
    await expect(store.saveScan({ ...base, tenantId: 'other' })).rejects.toThrow(/report\.tenant\.id.*bundle\.tenantId/);
    await expect(store.saveScan({ ...base, id: 'other' })).rejects.toThrow(/report\.scan\.id/);
    await expect(store.saveScan({ ...base, startedAt: '2025-01-01T02:00:00Z' })).rejects.toThrow(/startedAt.*toISOString/);
    await expect(store.saveScan({ ...base, finishedAt: 'yesterday' })).rejects.toThrow(/finishedAt/);
    await expect(store.listScans('contoso', { limit: -1 })).rejects.toBeInstanceOf(RangeError);
    await expect(store.listScans('contoso', { limit: 1.5 })).rejects.toBeInstanceOf(RangeError);
    await store.close();
    expect(inspect(path, (db) => db.prepare('SELECT count(*) AS n FROM scans').get())).toEqual({ n: 0 });
  });
});

describe('SqliteStore crash safety', () => {
  const writer = fileURLToPath(new URL('./crash-writer.mjs', import.meta.url));

  interface Round {
    saved: string[];
    begun: string[];
    /** The scan whose save was running when the child died. */
    inFlight: string | null;
  }

  /**
   * Runs the writer child until it has saved `warmup` scans, then SIGKILLs it `fraction` of the way into the
   * next save (timed from the measured duration of earlier saves), i.e. while it is inside the transaction.
   */
  function killMidSave(path: string, prefix: string, fraction: number, warmup = 3): Promise<Round> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [writer, path, prefix, '2500'], { stdio: ['ignore', 'pipe', 'pipe'] });
      const saved: string[] = [];
      const begun: string[] = [];
      const durations: number[] = [];
      let beganAt = 0;
      let killTimer: ReturnType<typeof setTimeout> | undefined;
      let stderr = '';
      let buffered = '';
      const guard = setTimeout(() => child.kill('SIGKILL'), 20_000);

      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.stdout.on('data', (chunk: Buffer) => {
        buffered += chunk.toString();
        let nl: number;
        while ((nl = buffered.indexOf('\n')) >= 0) {
          const [event, id] = buffered.slice(0, nl).split(' ');
          buffered = buffered.slice(nl + 1);
          if (event === 'begin' && id) {
            begun.push(id);
            beganAt = performance.now();
            if (saved.length >= warmup && !killTimer) {
              const mean = durations.reduce((a, b) => a + b, 0) / durations.length;
              killTimer = setTimeout(() => child.kill('SIGKILL'), Math.max(1, mean * fraction));
            }
          } else if (event === 'saved' && id) {
            saved.push(id);
            durations.push(performance.now() - beganAt);
          }
        }
      });
      child.on('error', reject);
      child.on('exit', (code, signal) => {
        clearTimeout(guard);
        if (signal !== 'SIGKILL') {
          reject(new Error(`writer exited on its own (code ${code}, signal ${signal}): ${stderr}`));
          return;
        }
        const last = begun.at(-1) ?? null;
        resolve({ saved, begun, inFlight: last && !saved.includes(last) ? last : null });
      });
    });
  }

  it('a writer killed with SIGKILL mid-save leaves every scan complete or absent', async () => {
    const path = tempDb('crash');
    const expected = sampleScan({ tenantId: 'crashco', extraEvidence: 2500, extraFindings: 2500 }).report;
    const inFlightAbsent: string[] = [];

    // Several rounds on the same file: each later round also starts from the WAL a killed writer left behind.
    for (const [round, fraction] of [0.2, 0.45, 0.7, 0.9].entries()) {
      const result = await killMidSave(path, `r${round}`, fraction);
      expect(result.saved.length).toBeGreaterThanOrEqual(3);

      // Reopening runs SQLite's WAL recovery; uncommitted frames of the killed transaction are discarded.
      const store = new SqliteStore(path);
      await store.migrate();
      const present = new Set((await store.listScans('crashco')).map((s) => s.id));
      for (const id of result.begun) {
        const counts = inspect(path, (db) => countRows(db, id));
        if (present.has(id)) {
          expect(counts, id).toEqual({
            scans: 1,
            evidence: expected.evidence.length,
            findings: expected.findings.length,
            capability_scores: expected.capabilities.length,
            orphans: 0,
          });
          const got = await store.getScan(id);
          expect(got?.report.findings).toHaveLength(expected.findings.length);
          expect(got?.bundle.evidence).toHaveLength(expected.evidence.length);
        } else {
          expect(counts, id).toEqual({ scans: 0, evidence: 0, findings: 0, capability_scores: 0, orphans: 0 });
        }
      }
      // Every save that returned before the kill is durable (a process crash, not a power loss).
      for (const id of result.saved) expect(present.has(id), id).toBe(true);
      if (result.inFlight && !present.has(result.inFlight)) inFlightAbsent.push(result.inFlight);
      await store.close();

      inspect(path, (db) => {
        expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
        expect(db.pragma('foreign_key_check')).toEqual([]);
      });
    }
    // Proof the test really interrupted writes rather than always killing between saves.
    expect(inFlightAbsent.length).toBeGreaterThan(0);
  }, 120_000);
});
