/** kill -9 in the middle of a scan leaves the store with whole scans only (one transaction per scan). */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { selfCommand } from '../../src/cli/self.js';
import { e2e } from './harness.js';

describe('crash mid-scan', () => {
  it('leaves no half-written scan', async () => {
    const h = await e2e({
      tenants: [
        { id: 'small', name: 'Small Co', profile: 'level2', seed: 'small', knobs: { users: 50, devices: 20 } },
        // Slow enough that it is still collecting when the process dies.
        { id: 'large', name: 'Large Co', profile: 'level3', seed: 'large', knobs: { users: 20_000, devices: 5_000 }, faults: 'latency=150' },
      ],
    });
    const self = selfCommand();
    const child = spawn(self.command, [...self.args, '--config', h.configPath, '--log-level', 'info', 'scan', '--format', 'json'], {
      env: { ...process.env, ...h.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let logs = '';
    const killed = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no "scan finished" for small within 20 s:\n${logs}`)), 20_000);
      child.stderr.on('data', (c: Buffer) => {
        logs += c.toString();
        if (/"tenant":"small".*"msg":"scan finished"/.test(logs) || /"msg":"scan finished".*"tenant":"small"/.test(logs)) {
          clearTimeout(timer);
          child.kill('SIGKILL');
          resolve();
        }
      });
    });
    await killed;
    await new Promise((r) => child.on('close', r));
    expect(child.signalCode).toBe('SIGKILL');

    const db = new Database(join(h.dir, 'ratchet.db'), { readonly: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      const scans = db.prepare('SELECT id, tenant_id FROM scans').all() as Array<{ id: string; tenant_id: string }>;
      expect(scans.map((s) => s.tenant_id)).toEqual(['small']);
      const evidence = db.prepare('SELECT COUNT(*) AS n FROM evidence WHERE scan_id = ?').get(scans[0]!.id) as { n: number };
      const findings = db.prepare('SELECT COUNT(*) AS n FROM findings WHERE scan_id = ?').get(scans[0]!.id) as { n: number };
      const report = JSON.parse((db.prepare('SELECT report_json FROM scans WHERE id = ?').get(scans[0]!.id) as { report_json: string }).report_json);
      expect(evidence.n).toBe(report.evidence.length);
      expect(findings.n).toBe(report.findings.length);
      const orphans = db.prepare('SELECT COUNT(*) AS n FROM evidence WHERE scan_id NOT IN (SELECT id FROM scans)').get() as { n: number };
      expect(orphans.n).toBe(0);
    } finally {
      db.close();
    }
  });
});
