/**
 * Data isolation at portfolio scale (issue 13, item 4): 50 clients on ONE NinjaOne instance, ONE Datto RMM account
 * and ONE Acronis partner account, in the config an MSP writes (shared `accounts` with `${env:…}` secrets, each
 * tenant naming only its organisation, site or customer tenant). The real `ratchet scan` runs in a child process at
 * the default log level, twice, and between the scans the MSP's portfolio changes at the vendors: clients renamed,
 * clients deleted, devices moved from one client to another. Every device name in every report must belong to that
 * tenant by the simulator's ground truth at that moment, and every count must be that tenant's; a deleted client
 * reads as unknown with the reason, never as an empty estate that fails, and never raises a regression.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { configFor, startSimulator, type Simulator, type TenantSpec } from '../../src/app/simulator.js';
import { selfCommand } from '../../src/cli/self.js';
import type { Evidence } from '../../src/domain/evidence.js';
import type { Report } from '../../src/domain/report.js';
import { normaliseHostName } from '../../src/evidence/derive.js';
import type { PortfolioTruth } from '../../src/simulator/index.js';
import { parseReports } from './harness.js';

const CLIENTS = 50;
const PROFILES = ['level1', 'level2', 'level3', 'level4', 'level5'] as const;

/** Client n (1-based): even ones on NinjaOne, odd ones on Datto RMM, every one on Acronis. Small estates, two servers each. */
const TENANTS: TenantSpec[] = Array.from({ length: CLIENTS }, (_, i) => {
  const n = String(i + 1).padStart(2, '0');
  return {
    id: `client-${n}`,
    // Distinct first 8 letters: workstation names start with them (CLIENT07-LT-0003), so another client's device is
    // recognisable by name, not only by count.
    name: `Client ${n}`,
    seed: `isolation-${n}`,
    profile: PROFILES[i % PROFILES.length]!,
    knobs: { users: 12, devices: 6 },
    rmm: i % 2 === 0 ? 'ninjaone' : 'datto-rmm',
    backup: 'acronis',
    estate: { endpoints: 8 + (i % 4), serverPct: 25 },
  };
});

const byId = (id: string) => TENANTS.find((t) => t.id === id)!;
// The portfolio changes between the scans; each pair is on one RMM (a move stays within one vendor account).
const RENAMED = ['client-01', 'client-02'];
const DELETED = ['client-03', 'client-04'];
const MOVES: Array<{ from: string; to: string }> = [
  { from: 'client-05', to: 'client-07' },
  { from: 'client-06', to: 'client-08' },
];

/** Evidence fields that name devices or workloads, per key: every name listed must be one of the tenant's. */
const NAME_LISTS: Record<string, readonly string[]> = {
  'rmm.devices': ['serverNames', 'offline'],
  'rmm.patches': ['nonCompliant'],
  'rmm.antivirus': ['unprotected'],
  'backup.protection': ['objectNames', 'failing', 'unprotected'],
  'backup.coverage': ['uncovered'],
};

let sim: Simulator;
let dir: string;
let configPath: string;
let env: Record<string, string>;

/**
 * The config an MSP writes for this portfolio (DESIGN §12): the simulator's, in the portfolio shape. Microsoft 365
 * is left out — every client has its own directory there, so it shares nothing to isolate — to keep 100 scans fast.
 */
function portfolioConfig(s: Simulator, storageUrl: string): { config: Record<string, unknown>; env: Record<string, string> } {
  const { config, env: secrets } = configFor(s, { storageUrl });
  const tenants = config.tenants.map(({ m365: _m365, ...t }) => t);
  // One scan per client at once is the default; more keeps 50 clients quick. confirmScans 1: any drop the deleted
  // clients caused would be a confirmed regression at once, so the check below cannot pass by waiting.
  return { config: { ...config, tenants, schedule: { concurrency: 8 }, regression: { confirmScans: 1, scoreDrop: 10 } }, env: secrets };
}

/** `ratchet scan` in a child process, as production runs it: default log level, secrets from the environment. */
function scan(): Promise<{ code: number | null; stdout: string; stderr: string; reports: Report[] }> {
  const self = selfCommand();
  // The parent's TLS overrides stay out: the child trusts the simulator's CA through NODE_EXTRA_CA_CERTS only.
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('NODE_TLS_') && k !== 'RATCHET_LOG_LEVEL'));
  const child = spawn(self.command, [...self.args, '--config', configPath, 'scan', '--format', 'json'], {
    env: { ...base, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      let reports: Report[] = [];
      try {
        reports = parseReports(stdout);
      } catch {
        /* asserted below */
      }
      resolve({ code, stdout, stderr, reports });
    });
  });
}

const evidence = (r: Report, key: string): Evidence | undefined => r.evidence.find((e) => e.key === key);
const names = (list: readonly string[]) => list.map(normaliseHostName).sort();
const serverNames = (t: PortfolioTruth) => names(t.rmm!.devices.filter((d) => d.isServer).map((d) => d.name));

/** Every device count and every device name in the report is the tenant's, by the simulator's truth now. */
function expectOnlyOwnDevices(report: Report, truth: PortfolioTruth): void {
  const who = report.tenant.id;
  const rmmNames = new Set(names(truth.rmm!.devices.map((d) => d.name)));
  const backupNames = new Set(names(truth.backup!.devices.map((d) => d.name)));
  const checked: string[] = [];
  for (const [key, fields] of Object.entries(NAME_LISTS)) {
    const e = evidence(report, key);
    if (!e || e.status !== 'ok') continue;
    const own = key.startsWith('backup.protection') ? backupNames : rmmNames;
    for (const field of fields) {
      const list = e.value?.[field];
      expect({ who, key, field, isList: Array.isArray(list) }).toEqual({ who, key, field, isList: true });
      const foreign = (list as string[]).filter((n) => !own.has(normaliseHostName(n)));
      expect({ who, key, field, foreign }).toEqual({ who, key, field, foreign: [] });
      checked.push(`${key}.${field}`);
    }
  }
  const devices = evidence(report, 'rmm.devices');
  if (devices?.status === 'ok') {
    const v = devices.value as { total: number; servers: number; serverNames: string[] };
    // Counts catch what names alone cannot (server names like SRV01-DC recur from client to client).
    expect({ who, total: v.total, servers: v.servers, serverNames: names(v.serverNames) }).toEqual({
      who,
      total: truth.rmm!.devices.length,
      servers: truth.rmm!.devices.filter((d) => d.isServer).length,
      serverNames: serverNames(truth),
    });
    for (const key of ['rmm.patches', 'rmm.antivirus', 'rmm.alerts']) {
      const e = evidence(report, key);
      if (e?.status === 'ok') expect({ who, key, devices: e.value?.devices }).toEqual({ who, key, devices: truth.rmm!.devices.length });
    }
  }
  const protection = evidence(report, 'backup.protection');
  if (protection?.status === 'ok') {
    const v = protection.value as { objectNames: string[]; protected: number };
    expect({ who, objectNames: names(v.objectNames), protected: v.protected }).toEqual({
      who,
      objectNames: names(truth.backup!.workloads.map((w) => w.name)),
      protected: truth.backup!.workloads.length,
    });
  }
  expect({ who, checked: checked.length }).not.toEqual({ who, checked: 0 });
}

beforeAll(async () => {
  const caDir = process.env.RATCHET_TEST_CA_DIR;
  if (!caDir) throw new Error('RATCHET_TEST_CA_DIR missing: run through vitest (test/global-setup.ts)');
  sim = await startSimulator({ tenants: TENANTS, certDir: caDir });
  dir = mkdtempSync(join(tmpdir(), 'ratchet-isolation-'));
  const built = portfolioConfig(sim, `sqlite:${join(dir, 'ratchet.db')}`);
  env = built.env;
  configPath = join(dir, 'ratchet.yaml');
  writeFileSync(configPath, stringify(built.config));
});

afterAll(async () => {
  await sim?.close();
});

describe('data isolation on shared vendor accounts (50 clients)', () => {
  it('keeps every client to its own devices through renames, deletions and moves between scans', async () => {
    // The config is the portfolio shape: three shared accounts, secrets by reference; tenants name only their client.
    const written = parse(readFileSync(configPath, 'utf8')) as {
      accounts: Array<Record<string, unknown> & { id: string; provider: string }>;
      tenants: Array<{ id: string; rmm: Record<string, unknown>; backup: Record<string, unknown> }>;
    };
    expect(written.accounts.map((a) => a.provider).sort()).toEqual(['acronis', 'datto-rmm', 'ninjaone']);
    for (const a of written.accounts) {
      const secret = a.provider === 'datto-rmm' ? a.apiSecret : a.clientSecret;
      expect({ account: a.id, secret }).toEqual({ account: a.id, secret: expect.stringMatching(/^\$\{env:[A-Z0-9_]+\}$/) });
    }
    for (const t of written.tenants) {
      expect(Object.keys(t.rmm).sort()).toEqual(['account', t.rmm.account === 'ninjaone-msp' ? 'organizationId' : 'siteUid'].sort());
      expect(Object.keys(t.backup).sort()).toEqual(['account', 'customerTenantId']);
    }

    // ------------------------------------------------------------------------------------------ scan 1
    const first = await scan();
    expect(first.code, first.stderr.slice(-2000)).toBe(0);
    expect(first.reports.map((r) => r.tenant.id)).toEqual(TENANTS.map((t) => t.id));
    for (const r of first.reports) {
      expect({ who: r.tenant.id, collectors: r.scan.collectors.map((c) => [c.id, c.status]) }).toEqual({
        who: r.tenant.id,
        collectors: [
          [byId(r.tenant.id).rmm, 'ok'],
          ['acronis', 'ok'],
        ],
      });
      expectOnlyOwnDevices(r, sim.portfolio.truth(r.tenant.id));
    }

    // ------------------------------------------------------------------------------------------ changes at the vendors
    for (const id of RENAMED) sim.portfolio.rename(id, `${byId(id).name} (renamed ${id})`);
    const deletedScope = Object.fromEntries(DELETED.map((id) => [id, written.tenants.find((t) => t.id === id)!.rmm]));
    for (const id of DELETED) sim.portfolio.remove(id);
    const before = Object.fromEntries(MOVES.flatMap((m) => [m.from, m.to]).map((id) => [id, sim.portfolio.truth(id)]));
    const moved: Record<string, string[]> = {};
    for (const m of MOVES) {
      const own = before[m.from]!.rmm!.devices;
      const server = own.find((d) => d.isServer)!;
      const workstation = own.find((d) => !d.isServer)!;
      moved[m.from] = sim.portfolio.moveDevice(m.from, m.to, [server.index, workstation.index]).map((d) => d.name);
      expect(moved[m.from]).toEqual([server.name, workstation.name]);
    }

    // ------------------------------------------------------------------------------------------ scan 2
    const second = await scan();
    expect(second.reports.map((r) => r.tenant.id)).toEqual(TENANTS.map((t) => t.id));
    // The deleted clients' scans did not complete (their sources are gone): exit 3, every tenant still scanned.
    expect(second.code, second.stderr.slice(-2000)).toBe(3);
    for (const [name, secret] of Object.entries(env)) if (name !== 'NODE_EXTRA_CA_CERTS') expect({ name, leaked: second.stderr.includes(secret) }).toEqual({ name, leaked: false });

    const report = (id: string, run: { reports: Report[] }) => run.reports.find((r) => r.tenant.id === id)!;
    for (const r of second.reports) {
      if (DELETED.includes(r.tenant.id)) continue;
      expect({ who: r.tenant.id, collectors: r.scan.collectors.map((c) => [c.id, c.status]) }).toEqual({
        who: r.tenant.id,
        collectors: [
          [byId(r.tenant.id).rmm, 'ok'],
          ['acronis', 'ok'],
        ],
      });
      expectOnlyOwnDevices(r, sim.portfolio.truth(r.tenant.id));
    }

    // A rename at the vendor changes nothing in the evidence.
    for (const id of RENAMED) {
      const facts = (r: Report) => ({
        devices: evidence(r, 'rmm.devices')!.value,
        objects: names((evidence(r, 'backup.protection')!.value as { objectNames: string[] }).objectNames),
      });
      const a = facts(report(id, first));
      const b = facts(report(id, second));
      expect({ id, total: (b.devices as { total: number }).total, servers: names((b.devices as { serverNames: string[] }).serverNames), objects: b.objects }).toEqual({
        id,
        total: (a.devices as { total: number }).total,
        servers: names((a.devices as { serverNames: string[] }).serverNames),
        objects: a.objects,
      });
    }

    // A moved device left its old client's evidence and appears in the new one's.
    for (const m of MOVES) {
      const total = (id: string, run: { reports: Report[] }) => (evidence(report(id, run), 'rmm.devices')!.value as { total: number }).total;
      expect({ from: total(m.from, second), to: total(m.to, second) }).toEqual({ from: total(m.from, first) - 2, to: total(m.to, first) + 2 });
      const server = normaliseHostName(moved[m.from]![0]!);
      const count = (id: string, run: { reports: Report[] }) =>
        names((evidence(report(id, run), 'rmm.devices')!.value as { serverNames: string[] }).serverNames).filter((n) => n === server).length;
      expect({ server, from: count(m.from, second), to: count(m.to, second) }).toEqual({ server, from: count(m.from, first) - 1, to: count(m.to, first) + 1 });
    }

    // A deleted client: unknown with the reason — not the account's devices, not "0 devices", no regression.
    for (const id of DELETED) {
      const r = report(id, second);
      const scope = deletedScope[id]!;
      const client = 'organizationId' in scope ? `organisation ${String(scope.organizationId)}` : `site ${String(scope.siteUid)}`;
      // Both of its sources are gone (and it has no Microsoft 365 section here): nothing was collected.
      expect(r.scan.status).toBe('failed');
      expect(r.scan.collectors.map((c) => [c.id, c.status])).toEqual([
        [byId(id).rmm, 'error'],
        ['acronis', 'error'],
      ]);
      for (const e of r.evidence.filter((x) => x.key.startsWith('rmm.') || x.key === 'backup.protection')) {
        expect({ id, key: e.key, status: e.status, value: e.value }).toEqual({ id, key: e.key, status: 'error', value: null });
        expect(e.reason).toContain('no longer exists on the account');
        expect(e.reason).toContain('ratchet tenants map');
        if (e.key.startsWith('rmm.')) expect(e.reason).toContain(client);
      }
      const rmmFindings = r.findings.filter((f) => f.evidence.some((k) => k.startsWith('rmm.') || k.startsWith('backup.')));
      expect(rmmFindings.length).toBeGreaterThan(0);
      expect({ id, failed: rmmFindings.filter((f) => f.outcome === 'fail').map((f) => f.ruleId) }).toEqual({ id, failed: [] });
      expect({ id, detected: r.regression.detected, confirmed: r.regression.confirmed }).toEqual({ id, detected: false, confirmed: false });
    }
  }, 180_000);
});
