/**
 * One-shot `ratchet scan` of several tenants (issue 12, item 7): up to `schedule.concurrency` tenants at once, never
 * two scans of one tenant, reports in config order (or `--tenant` order) whatever order the scans finish in, a failing
 * tenant stops no other and the exit code is DESIGN §3's. Real simulator on loopback TLS (40 ms ± 10 ms of latency
 * on every request), the real CLI in-process.
 *
 * Overlap is measured from the order of the scanner's own log lines ("scan started" / "scan finished", each carrying
 * its tenant), never from wall-clock time: timing goals live in the benchmark (bench/one-shot.ts).
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { configFor, startSimulator, type Simulator, type TenantSpec } from '../../app/simulator.js';
import type { Report } from '../../domain/report.js';
import { parseLogLines, runCli, tempDir, writeConfig } from '../../../bench/lib/cli.js';

const LATENCY = 'latency=30:20';

const open: Simulator[] = [];
afterAll(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

function small(id: string, extra: Partial<TenantSpec> = {}): TenantSpec {
  return { id, name: `Tenant ${id}`, profile: 'level2', seed: id, knobs: { users: 60, devices: 30 }, ...extra };
}

async function portfolio(specs: TenantSpec[], schedule: Record<string, unknown> = {}) {
  const caDir = process.env.RATCHET_TEST_CA_DIR;
  if (!caDir) throw new Error('RATCHET_TEST_CA_DIR missing: run through vitest (test/global-setup.ts)');
  const sim = await startSimulator({ tenants: specs, faults: LATENCY, certDir: caDir });
  open.push(sim);
  const dir = tempDir('ratchet-scan-concurrency-');
  // Each tenant with credentials of its own (the in-house shape), so one tenant's secret can be broken alone.
  const { config, env } = configFor(sim, { storageUrl: `sqlite:${join(dir, 'ratchet.db')}`, tenantFields: undefined });
  const withSchedule = (concurrency: number) => writeConfig(dir, { ...config, schedule: { ...schedule, concurrency } });
  return {
    sim,
    env,
    async scan(concurrency: number, args: string[] = [], envOverride: Record<string, string> = {}) {
      const run = await runCli(['--config', withSchedule(concurrency), 'scan', '--format', 'json', ...args], { ...env, ...envOverride });
      const doc = JSON.parse(run.stdout) as Report | { reports: Report[] };
      const reports = 'reports' in doc ? doc.reports : [doc];
      const lines = parseLogLines(run.logs);
      return { ...run, reports, lines, ...overlap(lines) };
    },
  };
}

/** Walks the log in order: which tenants started and finished when, and the most scans in flight at one time. */
function overlap(lines: Array<Record<string, unknown>>) {
  const started: string[] = [];
  const finished: string[] = [];
  const inFlight = new Set<string>();
  let peak = 0;
  let twiceAtOnce = false;
  for (const l of lines) {
    const tenant = l.tenant as string | undefined;
    if (!tenant) continue;
    if (l.msg === 'scan started') {
      if (inFlight.has(tenant)) twiceAtOnce = true;
      inFlight.add(tenant);
      started.push(tenant);
      peak = Math.max(peak, inFlight.size);
    } else if (l.msg === 'scan finished') {
      inFlight.delete(tenant);
      finished.push(tenant);
    }
  }
  return { started, finished, peak, twiceAtOnce };
}

describe('ratchet scan: several tenants at once', () => {
  it('scans up to schedule.concurrency tenants at once and prints the reports in config order, whatever order they finish in', async () => {
    // The first tenant is much larger (21 sequential pages of registration rows): it finishes last.
    const ids = ['big', 'b', 'c', 'd', 'e', 'f'];
    const p = await portfolio([small('big', { knobs: { users: 20_000, devices: 200 } }), ...ids.slice(1).map((id) => small(id))]);
    const r = await p.scan(3);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.reports.map((x) => x.tenant.id)).toEqual(ids);
    expect(r.reports.every((x) => x.scan.status === 'complete')).toBe(true);
    // Three at once — never more — and the first three started before any finished.
    expect(r.peak).toBe(3);
    expect(r.started.slice(0, 3)).toEqual(['big', 'b', 'c']);
    expect(r.twiceAtOnce).toBe(false);
    // They finished in another order than the reports are printed in.
    expect(r.finished.at(-1)).toBe('big');
    expect(r.finished).not.toEqual(ids);
    expect(r.lines.find((l) => l.msg === 'scanning 6 tenants, up to 3 at once')).toMatchObject({ tenants: 6, concurrency: 3 });
    // Interleaved logs stay readable: every line of a scan names its tenant.
    const untagged = r.lines.filter((l) => l.tenant === undefined && l.msg !== 'scanning 6 tenants, up to 3 at once');
    expect(untagged).toEqual([]);
  });

  it('with schedule.concurrency 1 scans one tenant after the other, in config order', async () => {
    const ids = ['a', 'b', 'c', 'd'];
    const p = await portfolio(ids.map((id) => small(id)));
    const r = await p.scan(1);
    expect(r.code).toBe(0);
    expect(r.peak).toBe(1);
    expect(r.started).toEqual(ids);
    expect(r.finished).toEqual(ids);
    expect(r.reports.map((x) => x.tenant.id)).toEqual(ids);
  });

  it('keeps the --tenant order, and a tenant named twice is scanned twice, one after the other', async () => {
    const p = await portfolio(['a', 'b', 'c', 'd'].map((id) => small(id)));
    const r = await p.scan(4, ['--tenant', 'd', '--tenant', 'a', '--tenant', 'c', '--tenant', 'a']);
    expect(r.code).toBe(0);
    expect(r.reports.map((x) => x.tenant.id)).toEqual(['d', 'a', 'c', 'a']);
    expect(r.twiceAtOnce).toBe(false);
    expect(r.peak).toBe(3);
    const [first, second] = r.reports.filter((x) => x.tenant.id === 'a');
    expect(second!.scan.startedAt >= first!.scan.finishedAt).toBe(true);
  });

  it('a failing tenant stops no other: the rest complete, its report keeps its place, exit 3 as before', async () => {
    const ids = ['a', 'b', 'c', 'd', 'e'];
    const p = await portfolio(ids.map((id) => small(id)));
    const secretOfC = Object.keys(p.env).find((k) => /_C_.*SECRET/.test(k))!;
    expect(secretOfC).toBeDefined();
    const r = await p.scan(4, [], { [secretOfC]: 'a-wrong-secret-for-c' });
    expect(r.code).toBe(3);
    expect(r.reports.map((x) => [x.tenant.id, x.scan.status])).toEqual([
      ['a', 'complete'],
      ['b', 'complete'],
      ['c', 'failed'],
      ['d', 'complete'],
      ['e', 'complete'],
    ]);
    expect(r.finished).toHaveLength(5);
    expect(r.peak).toBe(4);
  });

  it('every tenant failing is exit 1, as before', async () => {
    const p = await portfolio(['a', 'b', 'c'].map((id) => small(id)));
    const wrong = Object.fromEntries(Object.keys(p.env).filter((k) => k.endsWith('SECRET')).map((k) => [k, 'wrong-secret-value']));
    const r = await p.scan(4, [], wrong);
    expect(r.code).toBe(1);
    expect(r.reports.map((x) => x.scan.status)).toEqual(['failed', 'failed', 'failed']);
  });
});
