/**
 * SQLite outbox claims across processes. The store contract already runs concurrent claims on two SqliteStore
 * instances on one file, but in one process better-sqlite3 runs each claim to its end before the next starts, so
 * only separate processes really contend: here several child processes (claim-worker.mjs) claim from one file at
 * once, one row per claim, and must never get the same row, while together getting every due row. What makes that
 * hold is the claim's IMMEDIATE transaction, which takes the file's write lock before reading.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { sampleScan } from '../helpers/sample-scan.js';
import { at, delivery, episode } from './store/fixtures.js';

const tempRoot = mkdtempSync(join(tmpdir(), 'ratchet-claims-'));
afterAll(() => rmSync(tempRoot, { recursive: true, force: true }));

const worker = fileURLToPath(new URL('./claim-worker.mjs', import.meta.url));

interface Claimer {
  ready: Promise<void>;
  go(): void;
  claimed: Promise<string[]>;
}

/** Starts one claiming process; it opens the store, says `ready`, and claims once `go()` is called. */
function startClaimer(path: string, now: string, leaseUntil: string): Claimer {
  const child = spawn(process.execPath, [worker, path, now, leaseUntil], { stdio: ['pipe', 'pipe', 'pipe'] });
  const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
  let stdout = '';
  let stderr = '';
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    if (stdout.startsWith('ready\n')) markReady();
  });
  const claimed = new Promise<string[]>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(guard);
      const result = stdout.split('\n')[1];
      if (code !== 0 || !result) reject(new Error(`claimer exited with code ${code}, signal ${signal}: ${stderr}`));
      else resolve(JSON.parse(result) as string[]);
    });
  });
  // A child that dies before saying ready must fail the test, not hang it.
  const readyOrDead = Promise.race([ready, claimed.then(() => Promise.reject(new Error('claimer exited before ready')))]);
  return { ready: readyOrDead, go: () => child.stdin.end('go\n'), claimed };
}

describe('SqliteStore outbox claims across processes', () => {
  it('processes claiming from one file at once never get the same row, and together get every due row', async () => {
    const path = join(tempRoot, 'claims', 'ratchet.db');
    const store = new SqliteStore(path);
    await store.migrate();
    const DUE = 1500;
    const rows = Array.from({ length: DUE }, (_, i) => delivery({ channel: `c${i}`, nextAttemptAt: at(i % 11) }));
    const notYet = delivery({ channel: 'not-yet', nextAttemptAt: at(60) });
    await store.saveScan(sampleScan({ id: 'claims-scan' }), { episodes: [episode()], deliveries: [...rows, notYet] });

    const claimers = Array.from({ length: 3 }, () => startClaimer(path, at(30), at(45)));
    try {
      await Promise.all(claimers.map((c) => c.ready));
      for (const c of claimers) c.go();
      const perProcess = await Promise.all(claimers.map((c) => c.claimed));
      const all = perProcess.flat();

      expect(all).toHaveLength(new Set(all).size);
      expect([...all].sort()).toEqual(rows.map((r) => r.id).sort());
      const stored = await store.deliveries();
      expect(stored.filter((d) => d.id !== notYet.id && (d.attempts !== 1 || d.nextAttemptAt !== at(45)))).toEqual([]);
      expect(stored.find((d) => d.id === notYet.id)).toEqual(notYet);
    } finally {
      await store.close();
    }
  });
});
