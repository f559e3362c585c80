/**
 * One vendor account, three worker processes (issue 12, DESIGN §11): the account's request budget is shared by the
 * fleet, not multiplied by it.
 *
 * Datto RMM is the vendor with an account-wide limit, and the simulator's rate-limited vendor: one account serves
 * every datto-rmm tenant with one rolling window, as an MSP's does. To see the limit bind within seconds the
 * simulator enforces 30 reads per 10 s (`accountRateLimits`) and the config tells Ratchet the same (`rmm.rateLimit`,
 * as an operator whose account is shared would). Three separate OS processes — the real CLI, `ratchet scan`, each
 * scanning three other tenants of that account at once — point `storage.url` at one PostgreSQL schema, so their
 * requests pass the PostgreSQL rate gate. The test counts the reads where the vendor sees them, on the simulator's
 * socket (`http.server.request.start`), and asks the simulator how many it refused: per-process budgets would put up
 * to 90 reads into a window and draw a storm of 429s; the fleet stays at or under 30 in every window, with none.
 */
import { spawn } from 'node:child_process';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { IncomingMessage } from 'node:http';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { configFor, startSimulator, type Simulator } from '../../src/app/simulator.js';
import { selfCommand } from '../../src/cli/self.js';
import type { Report } from '../../src/domain/report.js';
import { tempDir, writeConfig } from '../../bench/lib/cli.js';
import { busiestWindow } from '../helpers/sliding-window.js';

const BASE_URL = process.env.RATCHET_TEST_PG_URL || 'postgres://postgres@127.0.0.1:5432/test';
const LIMIT = { requests: 30, perSeconds: 10 } as const;
const WINDOW_MS = LIMIT.perSeconds * 1000;
const WORKERS = 3;
const TENANTS_PER_WORKER = 3;

const admin = new pg.Pool({ connectionString: BASE_URL, max: 2, connectionTimeoutMillis: 5_000 });
admin.on('error', () => {});
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});
afterAll(() => admin.end());

const reads: number[] = [];
const onRequest = (message: unknown) => {
  const url = (message as { request: IncomingMessage }).request.url ?? '';
  if (url.startsWith('/datto-rmm/api/v2/')) reads.push(performance.now());
};

interface Worker {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `ratchet scan` in its own OS process, as an operator (or a scheduler) would start it. */
function runWorker(configPath: string, tenants: string[], env: Record<string, string>): Promise<Worker> {
  const self = selfCommand();
  const args = [...self.args, '--config', configPath, 'scan', '--format', 'json', ...tenants.flatMap((t) => ['--tenant', t])];
  const child = spawn(self.command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  cleanups.push(async () => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

describe('vendor request limits shared by every worker process', () => {
  it('three worker processes scanning tenants of one Datto RMM account stay within the account budget together, with no 429', { timeout: 180_000 }, async () => {
    const caDir = process.env.RATCHET_TEST_CA_DIR;
    if (!caDir) throw new Error('RATCHET_TEST_CA_DIR missing: run through vitest (test/global-setup.ts)');

    const schema = `fleet_rl_${process.pid}_${Date.now().toString(36)}`;
    await admin.query(`CREATE SCHEMA "${schema}"`);
    cleanups.push(() => admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`));
    const storeUrl = new URL(BASE_URL);
    storeUrl.searchParams.set('options', `-c search_path=${schema}`);

    const ids = Array.from({ length: WORKERS * TENANTS_PER_WORKER }, (_, i) => `t${i + 1}`);
    const sim: Simulator = await startSimulator({
      tenants: ids.map((id) => ({ id, name: `Tenant ${id}`, profile: 'level2', seed: id, knobs: { users: 20, devices: 10 }, rmm: 'datto-rmm', estate: { endpoints: 1800 } })),
      accountRateLimits: { 'datto-rmm': LIMIT },
      faults: 'latency=5:5',
      certDir: caDir,
    });
    cleanups.push(() => sim.close());

    // As an MSP configures it: one shared Datto account with its secret as ${env:…} and its budget as rateLimit, each
    // tenant naming its site; no Microsoft 365 section, so every request of the run goes to the one vendor account.
    const dir = tempDir('ratchet-fleet-rl-');
    const { config, env } = configFor(sim);
    const accounts: Array<Record<string, unknown>> = (config.accounts ?? []).map((a) => ({ ...a, rateLimit: LIMIT }));
    expect(accounts.map((a) => a.provider)).toEqual(['datto-rmm']);
    const tenants = config.tenants.map(({ id, name, rmm }) => ({ id, name, outOfScope: { identity: 'not part of this test' }, rmm }));
    env.RATCHET_DATABASE_URL = storeUrl.toString();
    const configPath = writeConfig(dir, {
      storage: { url: '${env:RATCHET_DATABASE_URL}' },
      schedule: { concurrency: TENANTS_PER_WORKER },
      accounts,
      tenants,
    });

    subscribe('http.server.request.start', onRequest);
    cleanups.push(async () => unsubscribe('http.server.request.start', onRequest));
    const started = performance.now();
    const workers = await Promise.all(
      Array.from({ length: WORKERS }, (_, w) => runWorker(configPath, ids.slice(w * TENANTS_PER_WORKER, (w + 1) * TENANTS_PER_WORKER), env)),
    );
    const durationMs = performance.now() - started;

    for (const w of workers) expect(w.code, w.stderr.slice(-2000)).toBe(0);
    const reports = workers.flatMap((w) => (JSON.parse(w.stdout) as { reports: Report[] }).reports);
    expect(reports.map((r) => [r.tenant.id, r.scan.collectors.find((c) => c.id === 'datto-rmm')?.status]).sort()).toEqual(ids.map((id) => [id, 'ok']).sort());

    const busiest = busiestWindow(reads, WINDOW_MS);
    const refused = sim.stats().byStatus['429'] ?? 0;
    // The figures, for whoever reads the run (and the report).
    process.stdout.write(
      `fleet rate limit: ${reads.length} reads by ${WORKERS} processes in ${(durationMs / 1000).toFixed(1)} s; busiest ${WINDOW_MS / 1000} s window ${busiest} (limit ${LIMIT.requests}); 429s ${refused}\n`,
    );
    // Enough reads that the budget had to bind: more than two windows' worth …
    expect(reads.length).toBeGreaterThan(2 * LIMIT.requests);
    // … yet at the vendor's socket no window of the account's interval held more than the budget, and the vendor
    // refused nothing: three per-process budgets would have allowed three times as much.
    expect(busiest).toBeLessThanOrEqual(LIMIT.requests);
    expect(refused).toBe(0);
    // The processes did share: together they took about as long as one budget needs for all the reads.
    expect(durationMs).toBeGreaterThanOrEqual((Math.ceil(reads.length / LIMIT.requests) - 1) * WINDOW_MS);

    // The shared state is one row per account, and its key carries no credential.
    const rows = (await admin.query<{ account_key: string }>(`SELECT account_key FROM "${schema}".vendor_rate_limits`)).rows;
    expect(rows).toHaveLength(1);
    const apiKey = String(accounts[0]!.apiKey);
    expect(rows[0]!.account_key).toMatch(/^datto-rmm:https:\/\/127\.0\.0\.1:\d+\/datto-rmm:[0-9a-f]{16}$/);
    expect(rows[0]!.account_key).not.toContain(apiKey);
  });
});
