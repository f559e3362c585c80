/**
 * Tenants that share one vendor account, scanned at once by one `ratchet scan` (issue 12, item 7): the account's
 * request budget is shared, not multiplied by the concurrency.
 *
 * Datto RMM is the vendor with a documented account-wide limit (600 reads per rolling 60 s per account; the collector
 * paces at 500/60 s) and the simulator's rate-limited vendor: one account serves every datto-rmm tenant, with one
 * rolling window, as an MSP's does. The collector's pacing is one budget per account on the run's rate gate
 * (src/collector-kit/rate-gate.ts; with SQLite, in the process), which every tenant's client passes before each
 * request. To see the gate bind within a test's seconds rather than after 500 reads, this file scales the pacing
 * down to 12 reads per 1.5 s (vi.mock of the collector's endpoint constants), scans eight Datto tenants with
 * `schedule.concurrency` 8, and counts the reads where the vendor sees them: on the simulator's socket
 * (`http.server.request.start`). Per-tenant pacing would let 8 × 12 reads through in a window; the account sees at
 * most 12, and no 429.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { configFor, startSimulator, type Simulator } from '../../app/simulator.js';
import type { Report } from '../../domain/report.js';
import { parseLogLines, runCli, tempDir, writeConfig } from '../../../bench/lib/cli.js';
import { busiestWindow } from '../../../test/helpers/sliding-window.js';

const SCALED = vi.hoisted(() => ({ limit: 12, intervalMs: 1500 }) as const);
const SLACK_MS = 300;

vi.mock('../../../collectors/datto-rmm/endpoints.js', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../../collectors/datto-rmm/endpoints.js')>()),
  PACING: SCALED,
}));

const open: Simulator[] = [];
afterAll(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

const reads: Array<{ at: number; path: string }> = [];
const onRequest = (message: unknown) => {
  const url = (message as { request: IncomingMessage }).request.url ?? '';
  if (url.startsWith('/datto-rmm/api/v2/')) reads.push({ at: performance.now(), path: url.split('?')[0]! });
};
afterEach(() => {
  unsubscribe('http.server.request.start', onRequest);
});


describe('tenants of one vendor account scanned at once', () => {
  it('share the account pacing: eight concurrent Datto RMM tenants stay within one account budget, no 429', async () => {
    const caDir = process.env.RATCHET_TEST_CA_DIR;
    if (!caDir) throw new Error('RATCHET_TEST_CA_DIR missing: run through vitest (test/global-setup.ts)');
    const ids = ['t1', 't2', 't3', 't4', 't5', 't6', 't7', 't8'];
    const sim = await startSimulator({
      tenants: ids.map((id) => ({ id, name: `Tenant ${id}`, profile: 'level2', seed: id, knobs: { users: 40, devices: 20 }, rmm: 'datto-rmm', estate: { endpoints: 600 } })),
      faults: 'latency=10:10',
      certDir: caDir,
    });
    open.push(sim);
    const dir = tempDir('ratchet-scan-limits-');
    const { config, env } = configFor(sim, { storageUrl: `sqlite:${join(dir, 'ratchet.db')}` });
    const path = writeConfig(dir, { ...config, schedule: { concurrency: ids.length } });

    subscribe('http.server.request.start', onRequest);
    const run = await runCli(['--config', path, 'scan', '--format', 'json'], env);
    const reports = (JSON.parse(run.stdout) as { reports: Report[] }).reports;

    expect(run.code).toBe(0);
    expect(reports.map((r) => [r.tenant.id, r.scan.collectors.find((c) => c.id === 'datto-rmm')?.status])).toEqual(ids.map((id) => [id, 'ok']));
    // They did run at once: all eight started before the first finished.
    const order = parseLogLines(run.logs).filter((l) => l.msg === 'scan started' || l.msg === 'scan finished').map((l) => l.msg);
    expect(order.slice(0, ids.length)).toEqual(ids.map(() => 'scan started'));
    // Enough reads that the budget had to bind (more than two windows' worth) …
    expect(reads.length).toBeGreaterThan(2 * SCALED.limit);
    // … and at the vendor's socket no window of the account's interval ever held more than one budget (300 ms less,
    // for the spread between the gate releasing a request and the simulator, on the same event loop, reading it).
    // Per-tenant pacing puts 32 reads into such a window.
    expect(busiestWindow(reads.map((r) => r.at), SCALED.intervalMs - SLACK_MS)).toBeLessThanOrEqual(SCALED.limit);
    // Per-tenant pacing would have allowed ids.length × limit in a window; the whole run shows the shared budget.
    const spanMs = Math.max(...reads.map((r) => r.at)) - Math.min(...reads.map((r) => r.at));
    expect(spanMs).toBeGreaterThanOrEqual((Math.ceil(reads.length / SCALED.limit) - 1) * SCALED.intervalMs - SLACK_MS);
    expect(sim.stats().byStatus['429'] ?? 0).toBe(0);
  });
});
