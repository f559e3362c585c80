/**
 * `ratchet serve` end to end as a child process against the tenant simulator: catch-up scans a tenant that has no
 * scan yet, /healthz and /metrics answer, SIGTERM exits 0; a scan still running when the grace period is over is
 * aborted and leaves nothing in the store.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { selfCommand } from '../../src/cli/self.js';
import { e2e, type E2E } from './harness.js';
import { runCli } from '../../bench/lib/cli.js';
import { poll } from '../helpers/poll.js';
import { sampleScan } from '../helpers/sample-scan.js';
import { planDeliveries } from '../../src/alerts/outbox.js';
import type { AlertEvent, Episode } from '../../src/domain/episode.js';
import { openStore } from '../../src/store/index.js';

type Child = ChildProcessByStdio<null, Readable, Readable>;
const children: Child[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

const SCHEDULE = { cron: '0 2 * * *', timezone: 'UTC', concurrency: 2, jitterSeconds: 0 };

interface Served {
  child: Child;
  url: string;
  logs: () => Array<Record<string, unknown>>;
  waitForLog: (pred: (l: Record<string, unknown>) => boolean, what: string, ms?: number) => Promise<Record<string, unknown>>;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

async function serve(h: E2E, extra: string[] = []): Promise<Served> {
  const self = selfCommand();
  const child = spawn(self.command, [...self.args, '--config', h.configPath, '--log-level', 'info', 'serve', '--port', '0', ...extra], {
    env: { ...process.env, ...h.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stderr = '';
  let stdout = '';
  const waiters: Array<() => void> = [];
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
    for (const w of waiters.slice()) w();
  });
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  const logs = () =>
    stderr
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  const waitForLog = (pred: (l: Record<string, unknown>) => boolean, what: string, ms = 20_000) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const check = () => {
        const hit = logs().find(pred);
        if (hit) {
          clearTimeout(timer);
          waiters.splice(waiters.indexOf(check), 1);
          resolve(hit);
        }
      };
      const timer = setTimeout(() => reject(new Error(`no ${what} within ${ms} ms; stdout: ${stdout}\nstderr:\n${stderr}`)), ms);
      waiters.push(check);
      void exit.then(() => setTimeout(() => reject(new Error(`serve exited before ${what}:\n${stderr}`)), 50));
      check();
    });
  const listening = await waitForLog((l) => typeof l.msg === 'string' && l.msg.startsWith('ratchet serve listening on'), 'listening line');
  return { child, url: listening.url as string, logs, waitForLog, exit };
}

function readScans(dbPath: string): Array<{ id: string; tenant_id: string; status: string; report_json: string }> {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT id, tenant_id, status, report_json FROM scans').all() as Array<{ id: string; tenant_id: string; status: string; report_json: string }>;
  } finally {
    db.close();
  }
}

function assertWholeScans(dbPath: string): number {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    const scans = db.prepare('SELECT id, report_json FROM scans').all() as Array<{ id: string; report_json: string }>;
    for (const s of scans) {
      const report = JSON.parse(s.report_json) as { evidence: unknown[]; findings: unknown[] };
      expect((db.prepare('SELECT COUNT(*) AS n FROM evidence WHERE scan_id = ?').get(s.id) as { n: number }).n).toBe(report.evidence.length);
      expect((db.prepare('SELECT COUNT(*) AS n FROM findings WHERE scan_id = ?').get(s.id) as { n: number }).n).toBe(report.findings.length);
    }
    expect((db.prepare('SELECT COUNT(*) AS n FROM evidence WHERE scan_id NOT IN (SELECT id FROM scans)').get() as { n: number }).n).toBe(0);
    expect((db.prepare('SELECT COUNT(*) AS n FROM findings WHERE scan_id NOT IN (SELECT id FROM scans)').get() as { n: number }).n).toBe(0);
    return scans.length;
  } finally {
    db.close();
  }
}

describe('ratchet serve', () => {
  it('catches up on a never-scanned tenant, serves /healthz and /metrics, and exits 0 on SIGTERM', async () => {
    const h = await e2e({ tenants: [{ id: 'small', name: 'Small Co', profile: 'level2', seed: 'small', knobs: { users: 50, devices: 20 } }] }, { schedule: SCHEDULE });
    const dbPath = join(h.dir, 'ratchet.db');
    const s = await serve(h, ['--grace-seconds', '10']);
    expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const health = await poll(async () => {
      const res = await fetch(`${s.url}/healthz`);
      return res.status === 200 ? ((await res.json()) as Record<string, unknown>) : undefined;
    }, '/healthz 200');
    expect(health).toMatchObject({ status: 'ok', store: 'ok', scheduler: { alive: true, tenants: 1 } });
    await s.waitForLog((l) => l.msg === 'catch-up: last scan is older than the schedule allows' && l.tenant === 'small', 'catch-up log');

    const [scan] = await poll(() => {
      const rows = readScans(dbPath);
      return rows.length > 0 ? rows : undefined;
    }, 'the catch-up scan in the store');
    expect(scan).toMatchObject({ tenant_id: 'small', status: 'complete' });
    const report = JSON.parse(scan!.report_json) as { level: { value: number; potential: number } };

    const metrics = await poll(async () => {
      const text = await (await fetch(`${s.url}/metrics`)).text();
      return text.includes('ratchet_scans_total{outcome="complete"} 1') ? text : undefined;
    }, 'the scan in /metrics');
    expect(metrics).toContain(`ratchet_tenant_level{tenant="small"} ${report.level.value}`);
    expect(metrics).toContain(`ratchet_tenant_potential_level{tenant="small"} ${report.level.potential}`);
    expect(metrics).toContain('ratchet_regressions_open{tenant="small"} 0');
    expect(metrics).toMatch(/^ratchet_scan_duration_seconds_count\{outcome="complete"\} 1$/m);
    expect(metrics).toMatch(/^process_resident_memory_bytes \d+/m);

    s.child.kill('SIGTERM');
    expect(await s.exit).toEqual({ code: 0, signal: null });
    const msgs = s.logs().map((l) => l.msg);
    expect(msgs).toContain('shutting down: no new scans; running scans may finish within the grace period');
    expect(msgs).toContain('ratchet serve stopped');
    expect(assertWholeScans(dbPath)).toBe(1);
  });

  it('aborts a scan still running when the grace period is over: nothing stored, exit 0', async () => {
    const h = await e2e(
      { tenants: [{ id: 'large', name: 'Large Co', profile: 'level3', seed: 'large', knobs: { users: 20_000, devices: 5_000 }, faults: 'latency=150' }] },
      { schedule: SCHEDULE },
    );
    const dbPath = join(h.dir, 'ratchet.db');
    const s = await serve(h, ['--grace-seconds', '0']);
    await s.waitForLog((l) => l.msg === 'scan started' && l.tenant === 'large', '"scan started" for large');
    s.child.kill('SIGTERM');
    expect(await s.exit).toEqual({ code: 0, signal: null });
    const msgs = s.logs().map((l) => l.msg);
    expect(msgs).toContain('grace period over: aborting running scans (nothing of them is stored)');
    expect(msgs).toContain('scan aborted; nothing stored');
    expect(msgs).not.toContain('scan finished');
    expect(s.logs().find((l) => l.msg === 'scheduler stopped')).toMatchObject({ finished: 0, aborted: 1, dropped: 0 });
    expect(assertWholeScans(dbPath)).toBe(0);
  });

  it('sends due alert deliveries from the outbox through the configured channels', async () => {
    const received: Array<{ key: string | undefined; body: { event?: { kind: string; episodeId: string } } }> = [];
    const receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push({ key: req.headers['idempotency-key'] as string | undefined, body: JSON.parse(body) as { event?: { kind: string; episodeId: string } } });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    try {
      const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
      const h = await e2e(
        { tenants: [{ id: 'small', name: 'Small Co', profile: 'level2', seed: 'small', knobs: { users: 10, devices: 5 } }] },
        { schedule: SCHEDULE, alerts: [{ type: 'webhook', url: hook }] },
      );
      // A stored scan from just now (so no catch-up) whose confirmed regression queued one delivery.
      const dbPath = join(h.dir, 'ratchet.db');
      const at = new Date().toISOString();
      const store = openStore(`sqlite:${dbPath}`);
      await store.migrate();
      const episode: Episode = {
        id: 'ep-1', tenantId: 'small', kind: 'regression', state: 'confirmed', openedAt: at, openedScanId: 'scan-1', baselineScanId: null,
        confirmedAt: at, confirmedScanId: 'scan-1', closedAt: null, closedScanId: null, confirmations: 2, previousLevel: 3, currentLevel: 2,
        drops: [], lostKeys: [], acknowledgedAt: null, acknowledgedBy: null, acknowledgement: null,
      };
      const event: AlertEvent = {
        kind: 'regression', episodeId: 'ep-1', tenant: { id: 'small', name: 'Small Co' }, occurredAt: at, scanId: 'scan-1', previousLevel: 3, currentLevel: 2,
        previousLevelName: 'Defined', currentLevelName: 'Managed', drops: [], lostKeys: [], link: null, command: 'ratchet history --tenant small',
      };
      await store.saveScan(sampleScan({ id: 'scan-1', tenantId: 'small', startedAt: at }), { episodes: [episode], deliveries: planDeliveries(event, ['0:webhook'], new Date(at)) });
      await store.close();

      const s = await serve(h);
      await poll(() => (received.length > 0 ? true : undefined), 'the webhook delivery');
      expect(received).toHaveLength(1);
      expect(received[0]!.key).toBe('ep-1:regression:0:webhook');
      expect(received[0]!.body.event).toMatchObject({ kind: 'regression', episodeId: 'ep-1' });
      const metrics = await (await fetch(`${s.url}/metrics`)).text();
      expect(metrics).toContain('ratchet_regressions_open{tenant="small"} 1');
      expect(s.logs().some((l) => typeof l.msg === 'string' && l.msg.startsWith('catch-up'))).toBe(false);
      s.child.kill('SIGINT');
      expect(await s.exit).toEqual({ code: 0, signal: null });
      const db = new Database(dbPath, { readonly: true });
      try {
        expect(db.prepare('SELECT status FROM deliveries').all()).toEqual([{ status: 'delivered' }]);
      } finally {
        db.close();
      }
    } finally {
      await new Promise((r) => receiver.close(r));
    }
  });

  it('refuses a bad cron with exit 2 naming the config path, before listening', async () => {
    const h = await e2e({ tenants: [{ id: 'small', name: 'Small Co', profile: 'level2', seed: 'small', knobs: { users: 10, devices: 5 } }] }, { schedule: { ...SCHEDULE, cron: '0 25 * * *' } });
    const run = await runCli(['--config', h.configPath, 'serve', '--port', '0'], h.env);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/schedule\.cron: invalid cron expression "0 25 \* \* \*": hour/);
    expect(run.logs).not.toMatch(/listening/);
  });

  it('rejects a bad --port or --grace-seconds with exit 2', async () => {
    const h = await e2e({ tenants: [{ id: 'small', name: 'Small Co', profile: 'level2', seed: 'small', knobs: { users: 10, devices: 5 } }] }, { schedule: SCHEDULE });
    const port = await runCli(['--config', h.configPath, 'serve', '--port', '70000'], h.env);
    expect(port.code).toBe(2);
    expect(port.stderr).toMatch(/--port must be a whole number from 0 to 65535/);
    const grace = await runCli(['--config', h.configPath, 'serve', '--grace-seconds', 'soon'], h.env);
    expect(grace.code).toBe(2);
    expect(grace.stderr).toMatch(/--grace-seconds must be a whole number/);
  });
});
