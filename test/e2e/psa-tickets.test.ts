/**
 * PSA tickets end to end (issue 14, DESIGN §13), for each PSA through its loopback fake on the simulator (real TLS,
 * the real CLI, secrets as `${env:…}`/`${file:…}` references, the default log level): a confirmed regression opens
 * exactly one ticket carrying the evidence; repeated scans add nothing, a material change one note; recovery notes
 * and closes. Then the failure paths: a crash between "ticket created" and "recorded" (kill -9 of the scanning
 * process) still leaves exactly one ticket; the PSA down for hours loses nothing and makes the tickets in order;
 * bad credentials are a clear error per waiting ticket while scans go on.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../bench/lib/cli.js';
import { selfCommand } from '../../src/cli/self.js';
import { psaCompanyId } from '../../src/simulator/psa.js';
import { SqliteStore } from '../../src/store/index.js';
import { e2e, type E2E } from './harness.js';
import { join } from 'node:path';

const PROVIDERS = ['connectwise', 'autotask', 'halopsa'] as const;
const T0 = Date.parse('2026-11-25T08:00:00.000Z');
const HOUR = 3_600_000;

const tenant = (id: string, name: string) => ({ id, name, profile: 'level4' as const, seed: id, knobs: { users: 120, devices: 60 } });

function clock() {
  let hour = 0;
  return {
    next: () => new Date(T0 + hour++ * HOUR),
    skip: (hours: number) => (hour += hours),
  };
}

async function withStore<T>(h: E2E, fn: (s: SqliteStore) => Promise<T>): Promise<T> {
  const store = new SqliteStore(join(h.dir, 'ratchet.db'));
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

describe.each(PROVIDERS)('PSA tickets through %s', (provider) => {
  it('one ticket per confirmed regression with its evidence; no duplicates; a note on material change; recovery closes it', async () => {
    const h = await e2e({ tenants: [tenant('tailspin', 'Tailspin Toys')] }, { regression: { confirmScans: 2, scoreDrop: 10 } }, { psa: { provider } });
    const ledger = h.sim.psa(provider);
    const c = clock();
    const scan = async () => {
      const r = await runCli(['--config', h.configPath, 'scan', '--format', 'json'], h.env, c.next);
      expect(r.code, r.stderr.slice(-2000)).toBe(0);
      return r;
    };
    await scan();
    await scan();
    expect(ledger.list()).toEqual([]);

    h.sim.setProfile('tailspin', 'level2');
    const slipped = await scan();
    expect(ledger.list()).toHaveLength(1);
    const ticket = ledger.list()[0]!;
    expect(ticket.company).toBe(psaCompanyId('tailspin'));
    expect(ticket.summary).toMatch(/Maturity regression: Tailspin Toys L3→L2 \[ratchet:ep-[0-9a-f]{20}\]$/);
    // The evidence: rule, observed vs expected, how to see it.
    expect(ticket.body).toContain('mfa-enforced-all-users');
    expect(ticket.body).toMatch(/observed/);
    expect(ticket.body).toMatch(/expected/);
    expect(ticket.body).toContain('ratchet rescore --scan');
    expect(ticket.closed).toBe(false);

    // The same evidence again: nothing new at the PSA.
    await scan();
    await scan();
    expect(ledger.list()).toHaveLength(1);
    expect(ledger.list()[0]!.notes).toEqual([]);

    // Worse: another level of data gone. One note, still one ticket.
    h.sim.setProfile('tailspin', 'level1');
    await scan();
    await scan();
    expect(ledger.list()).toHaveLength(1);
    expect(ledger.list()[0]!.notes).toHaveLength(1);
    expect(ledger.list()[0]!.notes[0]!.text.replace(/<[^>]+>/g, '')).toMatch(/^The evidence changed/);
    expect(ledger.list()[0]!.notes[0]!.internal).toBe(true);

    // Recovery: a note and the ticket closed.
    h.sim.setProfile('tailspin', 'level4');
    await scan();
    await scan();
    const closed = ledger.list()[0]!;
    expect(ledger.list()).toHaveLength(1);
    expect(closed.closed).toBe(true);
    // HaloPSA keeps notes as HTML.
    expect(closed.notes.at(-1)!.text.replace(/<[^>]+>/g, '')).toMatch(/^Recovered/);

    const status = await runCli(['--config', h.configPath, 'psa', 'status'], h.env);
    expect(status.stdout).toContain('0 pending, 0 failed');
    expect(status.stdout).toContain(`closed tailspin ${provider} #${closed.id}`);
    // No secret reaches the output, the logs or the database's ticket rows.
    for (const secret of h.secrets) {
      expect(slipped.logs).not.toContain(secret);
      expect(status.stdout).not.toContain(secret);
    }
    await withStore(h, async (s) => {
      const rows = JSON.stringify([await s.ticketOps(), await s.tickets()]);
      for (const secret of h.secrets) expect(rows).not.toContain(secret);
    });
  });
});

describe('PSA tickets when things go wrong (ConnectWise)', () => {
  it('a crash between "ticket created" and "recorded" still leaves exactly one ticket', async () => {
    const h = await e2e({ tenants: [tenant('tailspin', 'Tailspin Toys')] }, { regression: { confirmScans: 1, scoreDrop: 10 } }, { psa: { provider: 'connectwise' } });
    const ledger = h.sim.psa('connectwise');
    expect((await runCli(['--config', h.configPath, 'scan', '--format', 'json'], h.env)).code).toBe(0);
    h.sim.setProfile('tailspin', 'level2');
    // The PSA makes the ticket and never answers: the scanning process dies while it waits.
    ledger.faults = { stallCreateMs: 120_000 };
    const self = selfCommand();
    const child = spawn(self.command, [...self.args, '--config', h.configPath, 'scan', '--format', 'json'], { env: { ...process.env, ...h.env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let logs = '';
    child.stderr.on('data', (c: Buffer) => (logs += c.toString()));
    const exited = new Promise((r) => child.on('close', r));
    const deadline = Date.now() + 60_000;
    while (ledger.list().length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(ledger.list(), logs.slice(-3000)).toHaveLength(1);
    child.kill('SIGKILL');
    await exited;
    ledger.faults = {};
    await withStore(h, async (s) => {
      const [op] = await s.ticketOps();
      expect(op).toMatchObject({ status: 'pending', attempts: 1 });
      expect(await s.tickets()).toEqual([]);
    });

    // After the lease (10 min), the next run looks the ticket up by its marker before creating one.
    const later = new Date(Date.now() + 11 * 60_000);
    const sync = await runCli(['--config', h.configPath, 'psa', 'sync'], h.env, () => later);
    expect(sync.code, sync.stderr.slice(-2000)).toBe(0);
    expect(ledger.list()).toHaveLength(1);
    await withStore(h, async (s) => {
      expect(await s.tickets()).toEqual([expect.objectContaining({ ticketId: String(ledger.list()[0]!.id), state: 'open', provider: 'connectwise' })]);
      expect((await s.ticketOps())[0]).toMatchObject({ status: 'delivered' });
    });
  });

  it('the PSA down for hours: scans go on, nothing is lost, tickets are made later in the order they were confirmed', async () => {
    const h = await e2e(
      { tenants: [tenant('alpha', 'Alpha Co'), tenant('bravo', 'Bravo Co'), tenant('charlie', 'Charlie Co')] },
      { regression: { confirmScans: 1, scoreDrop: 10 } },
      { psa: { provider: 'connectwise' } },
    );
    const ledger = h.sim.psa('connectwise');
    const c = clock();
    const scan = async (id: string) => {
      const r = await runCli(['--config', h.configPath, 'scan', '--tenant', id, '--format', 'json'], h.env, c.next);
      expect(r.code, r.stderr.slice(-2000)).toBe(0);
    };
    for (const id of ['alpha', 'bravo', 'charlie']) await scan(id);
    ledger.faults = { down: true };
    // Confirmed in this order: bravo, charlie, alpha — each scan's own drain finds the PSA down.
    for (const id of ['bravo', 'charlie', 'alpha']) {
      h.sim.setProfile(id, 'level2');
      await scan(id);
    }
    expect(ledger.list()).toEqual([]);
    const waiting = await runCli(['--config', h.configPath, 'psa', 'status'], h.env);
    expect(waiting.stdout).toContain('3 pending, 0 failed');
    expect(waiting.stdout).toMatch(/HTTP 503/);

    c.skip(5);
    ledger.faults = {};
    const sync = await runCli(['--config', h.configPath, 'psa', 'sync'], h.env, c.next);
    expect(sync.stdout).toMatch(/^3 done, 0 failed, 0 pending/);
    const companies = ledger.list().map((t) => t.company);
    expect(companies).toEqual(['bravo', 'charlie', 'alpha'].map(psaCompanyId));
  }, 120_000);

  it('bad credentials: scans unaffected, a clear error on every waiting ticket, nothing made; fixed credentials let them through', async () => {
    const h = await e2e({ tenants: [tenant('alpha', 'Alpha Co'), tenant('bravo', 'Bravo Co')] }, { regression: { confirmScans: 1, scoreDrop: 10 } }, { psa: { provider: 'connectwise', wrongSecret: true } });
    const ledger = h.sim.psa('connectwise');
    const c = clock();
    const first = await runCli(['--config', h.configPath, 'scan', '--format', 'json'], h.env, c.next);
    expect(first.code).toBe(0);
    h.sim.setProfile('alpha', 'level2');
    h.sim.setProfile('bravo', 'level2');
    const slipped = await runCli(['--config', h.configPath, 'scan', '--format', 'json'], h.env, c.next);
    expect(slipped.code, slipped.stderr.slice(-2000)).toBe(0);
    const reports = JSON.parse(slipped.stdout) as { reports: Array<{ level: { value: number }; regression: { confirmed: boolean } }> };
    expect(reports.reports.map((r) => [r.level.value, r.regression.confirmed])).toEqual([
      [2, true],
      [2, true],
    ]);
    expect(slipped.logs).toMatch(/ConnectWise PSA refused Ratchet's credentials/);
    expect(ledger.list()).toEqual([]);

    const status = await runCli(['--config', h.configPath, 'psa', 'status'], h.env);
    expect(status.stdout).toContain('2 pending, 0 failed');
    expect(status.stdout).toMatch(/pending alpha open[\s\S]*HTTP 401/);
    const check = await runCli(['--config', h.configPath, 'psa', 'check'], h.env);
    expect(check.code).toBe(1);
    expect(check.stdout).toMatch(/^FAIL ConnectWise PSA: .*401/);
    for (const secret of h.secrets) expect(status.stdout + check.stdout + slipped.logs).not.toContain(secret);

    // The operator puts the right key where the config reads it from; the queue flows, one ticket each.
    const ref = String((parseYaml(readFileSync(h.configPath, 'utf8')) as { psa: { privateKey: string } }).psa.privateKey);
    const right = h.sim.psaBlock('connectwise').secrets.privateKey!;
    const env = { ...h.env };
    const file = /^\$\{file:(.+)\}$/.exec(ref);
    if (file) writeFileSync(file[1]!, right);
    else env[/^\$\{env:(.+)\}$/.exec(ref)![1]!] = right;
    expect((await runCli(['--config', h.configPath, 'psa', 'check'], env)).code).toBe(0);
    c.skip(1);
    const sync = await runCli(['--config', h.configPath, 'psa', 'sync'], env, c.next);
    expect(sync.stdout).toMatch(/^2 done, 0 failed, 0 pending/);
    expect(ledger.list().map((t) => t.company)).toEqual(['alpha', 'bravo'].map(psaCompanyId));
  }, 120_000);
});
