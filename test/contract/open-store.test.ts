/** `openStore` / `storage.url` parsing (DESIGN §4: `storage: { url: "sqlite:./data/ratchet.db" }`). */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore, PostgresStore, SqliteStore, sqlitePathFromUrl, StoreUrlError } from '../../src/store/index.js';
import { sampleScan } from '../helpers/sample-scan.js';

const tempRoot = mkdtempSync(join(tmpdir(), 'ratchet-open-store-'));
afterAll(() => rmSync(tempRoot, { recursive: true, force: true }));

describe('sqlitePathFromUrl', () => {
  it.each([
    ['sqlite:./data/ratchet.db', './data/ratchet.db'],
    ['sqlite:data/ratchet.db', 'data/ratchet.db'],
    ['sqlite:/var/lib/ratchet/ratchet.db', '/var/lib/ratchet/ratchet.db'],
    ['SQLite:/var/lib/ratchet/ratchet.db', '/var/lib/ratchet/ratchet.db'],
    ['sqlite::memory:', ':memory:'],
    ['./data/ratchet.db', './data/ratchet.db'],
    ['/abs/ratchet.db', '/abs/ratchet.db'],
    [':memory:', ':memory:'],
    ['  sqlite:./padded.db  ', './padded.db'],
    ['C:\\ratchet\\ratchet.db', 'C:\\ratchet\\ratchet.db'],
  ])('%s → %s', (url, path) => {
    expect(sqlitePathFromUrl(url)).toBe(path);
  });

  it.each(['postgres://ratchet@db.example/ratchet', 'postgresql://ratchet@db.example:5432/ratchet', 'POSTGRES://x/y'])(
    'refuses %s: a PostgreSQL URL is not a SQLite path (openStore sends it to the PostgreSQL adapter)',
    (url) => {
      expect(() => sqlitePathFromUrl(url)).toThrow(StoreUrlError);
      expect(() => sqlitePathFromUrl(url)).toThrow(/storage\.url is a PostgreSQL URL, not a SQLite file path/);
    },
  );

  it.each(['mysql://x/y', 'file:./x.db', 'sqlite:', 'sqlite:///abs/x.db', 'sqlite://host/x.db', '', '   '])(
    'refuses %j naming storage.url and the accepted forms',
    (url) => {
      let error: unknown;
      try {
        sqlitePathFromUrl(url);
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(StoreUrlError);
      expect((error as StoreUrlError).configKey).toBe('storage.url');
      expect((error as Error).message).toMatch(/storage\.url/);
      expect((error as Error).message).toContain('sqlite::memory:');
      expect((error as Error).message).toContain('sqlite:/absolute/path.db');
    },
  );
});

describe('openStore', () => {
  it('opens a working SQLite store for sqlite:<absolute path>, creating directories', async () => {
    const path = join(tempRoot, 'abs', 'ratchet.db');
    const store = openStore(`sqlite:${path}`);
    expect(store).toBeInstanceOf(SqliteStore);
    await store.migrate();
    await store.saveScan(sampleScan());
    await store.close();
    expect(existsSync(path)).toBe(true);
  });

  it('resolves sqlite:./relative paths against the working directory', async () => {
    const path = join(tempRoot, 'rel', 'ratchet.db');
    const store = openStore(`sqlite:./${relative(process.cwd(), path)}`);
    expect((store as SqliteStore).location).toBe(path);
    await store.migrate();
    await store.close();
    expect(existsSync(path)).toBe(true);
  });

  it('opens an in-memory store for sqlite::memory:', async () => {
    const store = openStore('sqlite::memory:');
    await store.migrate();
    await store.saveScan(sampleScan());
    expect(await store.tenantIds()).toEqual(['contoso']);
    await store.close();
  });

  it('opens a PostgreSQL store for postgres:// without touching the file system or the network', async () => {
    const cwdEntries = readdirSync(process.cwd()).sort();
    const store = openStore('postgres://ratchet@localhost/ratchet');
    expect(store).toBeInstanceOf(PostgresStore);
    expect((store as PostgresStore).location).toBe('postgres://ratchet@localhost/ratchet');
    await store.close();
    expect(readdirSync(process.cwd()).sort()).toEqual(cwdEntries);
  });

  it('keeps the password of a postgres:// URL out of the store and its errors', async () => {
    const store = openStore('postgres://ratchet:hunter2-secret@localhost/ratchet?sslmode=verify-full');
    expect((store as PostgresStore).location).toBe('postgres://ratchet@localhost/ratchet');
    await store.close();
    expect(() => openStore('postgres://ratchet:hunter2-secret@localhost/ratchet?sslmode=bogus')).toThrow(/sslmode="bogus"/);
    expect(() => openStore('postgres://ratchet:hunter2-secret@localhost/ratchet?sslmode=bogus')).not.toThrow(/hunter2/);
    expect(() => openStore('postgres://ratchet:hunter2-secret@localhost:port/ratchet')).toThrow(StoreUrlError);
    expect(() => openStore('postgres://ratchet:hunter2-secret@localhost:port/ratchet')).not.toThrow(/hunter2/);
  });
});

describe('file modes', () => {
  const mode = (path: string) => statSync(path).mode & 0o777;
  const withUmask = async (umask: number, fn: () => Promise<void>) => {
    const previous = process.umask(umask);
    try {
      await fn();
    } finally {
      process.umask(previous);
    }
  };

  it('creates the data directories 0700 and the database, -wal and -shm 0600 under umask 022', async () => {
    await withUmask(0o022, async () => {
      const path = join(tempRoot, 'private', 'data', 'ratchet.db');
      const store = openStore(`sqlite:${path}`);
      await store.migrate();
      await store.saveScan(sampleScan());
      expect(mode(join(tempRoot, 'private'))).toBe(0o700);
      expect(mode(join(tempRoot, 'private', 'data'))).toBe(0o700);
      expect(mode(path)).toBe(0o600);
      expect(mode(`${path}-wal`)).toBe(0o600);
      expect(mode(`${path}-shm`)).toBe(0o600);
      await store.close();
    });
  });

  it('keeps the mode of a directory the operator created', async () => {
    await withUmask(0o022, async () => {
      const dir = join(tempRoot, 'operator');
      mkdirSync(dir, { mode: 0o750 });
      const store = openStore(`sqlite:${join(dir, 'ratchet.db')}`);
      await store.migrate();
      expect(mode(dir)).toBe(0o750);
      expect(mode(join(dir, 'ratchet.db'))).toBe(0o600);
      await store.close();
    });
  });
});
