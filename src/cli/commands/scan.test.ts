/**
 * The CLI end to end against nock'd Microsoft Graph and token endpoints, with the real @azure/identity and Graph
 * client underneath: exit codes, the JSON contract, history, rescore, and that secrets never leave the process.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CLIENT_ID,
  FakeGraph,
  GRAPH,
  graphError,
  json,
  LOGIN,
  mockLogin,
  SECRET,
  standardTenant,
  TENANT,
  TEST_DNS,
  fixture,
} from '../../../collectors/m365/test-support.js';
import type { Report } from '../../domain/report.js';
import { runCli, tempDir, writeConfig } from '../../../bench/lib/cli.js';

const ENV = { CONTOSO_SECRET: SECRET };
const NOW = new Date('2024-06-01T00:00:00Z');
const clock = () => NOW;

function config(dir: string, extra: Record<string, unknown> = {}, tenantExtra: Record<string, unknown> = {}) {
  return writeConfig(dir, {
    storage: { url: `sqlite:${join(dir, 'ratchet.db')}` },
    tenants: [
      {
        id: 'contoso',
        name: 'Contoso Ltd',
        ...tenantExtra,
        m365: { tenantId: TENANT, clientId: CLIENT_ID, clientSecret: '${env:CONTOSO_SECRET}', cloud: { graphEndpoint: GRAPH, authorityHost: LOGIN }, timeoutMs: 5000, dns: { servers: [TEST_DNS], timeoutMs: 500 } },
      },
    ],
    ...extra,
  });
}

let dir: string;
let graph: FakeGraph;
beforeEach(() => {
  nock.disableNetConnect();
  dir = tempDir();
  mockLogin();
  graph = standardTenant(new FakeGraph()).install();
});
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

describe('ratchet scan', () => {
  it('prints exactly one JSON report (DESIGN §5) and exits 0', async () => {
    const r = await runCli(['--config', config(dir), 'scan', '--format', 'json'], ENV, clock);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as Report;
    expect(report.schemaVersion).toBe(1);
    expect(report.tenant).toEqual({ id: 'contoso', name: 'Contoso Ltd' });
    expect(report.scan.status).toBe('complete');
    expect(report.scan.collectors[0]).toMatchObject({ id: 'm365', status: 'ok', error: null });
    expect(report.scan.collectors[0]!.requests).toBeGreaterThan(0);
    expect(report.evidence.map((e) => e.key)).toEqual(expect.arrayContaining(['m365.mfa.registration', 'm365.mfa.enforcement', 'm365.legacy_auth', 'm365.secure_score', 'm365.admins', 'm365.devices.compliance', 'm365.licenses']));
    for (const f of report.findings) expect(f.evidence.length).toBeGreaterThan(0);
    expect(report.level.value).toBeGreaterThanOrEqual(1);
    expect(graph.unmatched).toEqual([]);
  });

  it('a 403 on one endpoint yields unavailable evidence, unknown findings, an unconfirmed level and exit 0', async () => {
    // A fully compliant estate, so that only the permission gap stands between the confirmed and potential level.
    const device = (i: number) => ({ id: `d-${i}`, deviceName: `PC-${i}`, complianceState: 'compliant', lastSyncDateTime: '2024-05-31T08:00:00Z', operatingSystem: 'Windows', osVersion: '10.0.22631.3593', isEncrypted: true });
    graph.on('/deviceManagement/managedDevices', json({ value: [1, 2, 3, 4, 5].map(device) }));
    // Microsoft's documented examples allow SMS and let one domain's passwords expire: level-3 gates of their own.
    const methods = fixture('authentication-methods-policy.json') as { authenticationMethodConfigurations: Array<{ id: string; state: string }> };
    for (const m of methods.authenticationMethodConfigurations) if (m.id === 'Sms') m.state = 'disabled';
    graph.on('/policies/authenticationMethodsPolicy', json(methods));
    const domains = fixture('domains-password-policy.json') as { value: Array<{ passwordValidityPeriodInDays?: number | null }> };
    for (const d of domains.value) if (d.passwordValidityPeriodInDays) d.passwordValidityPeriodInDays = 2147483647;
    graph.on('/domains', json(domains));
    graph.on('/reports/authenticationMethods/userRegistrationDetails', graphError(403, { error: { code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.', innerError: { 'request-id': 'r-1' } } }));
    const r = await runCli(['--config', config(dir), 'scan', '--format', 'json'], ENV, clock);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as Report;
    const ev = report.evidence.find((e) => e.key === 'm365.mfa.registration')!;
    expect(ev.status).toBe('unavailable');
    expect(ev.reason).toMatch(/AuditLog\.Read\.All/);
    expect(report.findings.find((f) => f.ruleId === 'mfa-user-coverage')!.outcome).toBe('unknown');
    expect(report.level.confirmed).toBe(false);
    expect(report.level.value).toBe(1);
    expect(report.level.potential).toBeGreaterThanOrEqual(3);
    expect(report.level.unknown).toContain('mfa-user-coverage');
    expect(report.level.blockers).toEqual([]);
  });

  it('a schema-violating payload yields error evidence, a partial scan and exit 3, the rest intact', async () => {
    graph.on('/deviceManagement/managedDevices', json({ value: 'not-a-list' }));
    const r = await runCli(['--config', config(dir), 'scan', '--format', 'json'], ENV, clock);
    expect(r.code).toBe(3);
    const report = JSON.parse(r.stdout) as Report;
    expect(report.scan.status).toBe('partial');
    expect(report.evidence.find((e) => e.key === 'm365.devices.compliance')!.status).toBe('error');
    expect(report.evidence.find((e) => e.key === 'm365.mfa.registration')!.status).toBe('ok');
  });

  it('a wrong client secret fails the scan with a message naming the tenant, exit 1', async () => {
    const r = await runCli(['--config', config(dir), 'scan'], { CONTOSO_SECRET: 'wrong-secret-value-123' }, clock);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/contoso/);
    expect(r.stdout).toMatch(/AADSTS7000215/);
    expect(r.stdout).toMatch(/failed/);
  });

  it('stores history, shows it, and rescoring reproduces the stored result', async () => {
    const cfg = config(dir);
    const first = await runCli(['--config', cfg, 'scan', '--format', 'json'], ENV, clock);
    const later = () => new Date(NOW.getTime() + 3_600_000);
    const second = await runCli(['--config', cfg, 'scan', '--format', 'json'], ENV, later);
    expect(first.code).toBe(0);
    expect(second.code).toBe(0);
    const r2 = JSON.parse(second.stdout) as Report;
    expect(r2.regression).toMatchObject({ detected: false, confirmed: false, previousLevel: (JSON.parse(first.stdout) as Report).level.value });

    const hist = await runCli(['--config', cfg, 'history', '--tenant', 'contoso', '--format', 'json'], ENV);
    expect(hist.code).toBe(0);
    const scans = (JSON.parse(hist.stdout) as { scans: Array<{ id: string; level: number }> }).scans;
    expect(scans.map((s) => s.id)).toEqual([r2.scan.id, (JSON.parse(first.stdout) as Report).scan.id]);

    const rescored = await runCli(['--config', cfg, 'rescore', '--tenant', 'contoso', '--format', 'json'], ENV);
    expect(rescored.code).toBe(0);
    const r3 = JSON.parse(rescored.stdout) as Report;
    expect(r3.scan.id).toBe(r2.scan.id);
    expect(r3.level).toEqual(r2.level);
    expect(r3.capabilities).toEqual(r2.capabilities);
    expect(r3.findings).toEqual(r2.findings);
    expect(r3.roadmap).toEqual(r2.roadmap);
    expect(r3.regression).toEqual(r2.regression);
  });

  it('rescoring with changed rules re-evaluates the stored evidence', async () => {
    const first = JSON.parse((await runCli(['--config', config(dir), 'scan', '--format', 'json'], ENV, clock)).stdout) as Report;
    const rescoreWith = async (pass: Record<string, number>) => {
      const cfg = config(dir, { rules: { overrides: { 'mfa-registration-started': { pass, partial: { gte: 0 } } } } });
      const r = await runCli(['--config', cfg, 'rescore', '--scan', first.scan.id, '--format', 'json'], ENV);
      expect(r.code).toBe(0);
      return (JSON.parse(r.stdout) as Report).findings.find((f) => f.ruleId === 'mfa-registration-started')!;
    };
    const lenient = await rescoreWith({ gte: 0 });
    const impossible = await rescoreWith({ gte: 101 });
    expect(lenient.outcome).toBe('pass');
    expect(impossible.outcome).toBe('partial');
    expect(impossible.expected).toBe('≥ 101 %');
    // The same stored measurement underlies both.
    expect(impossible.measured).toBe(lenient.measured);
  });

  it('a rule change never cries wolf: the previous scan is re-scored first; rescore --all re-scores history', async () => {
    const scope = { outOfScope: { recovery: 'client runs its own backup', monitoring: 'no RMM in this contract' } };
    const withScope = (extra: Record<string, unknown> = {}) => config(dir, extra, scope);
    const t = (h: number) => () => new Date(NOW.getTime() + h * 3_600_000);
    const scan = async (cfg: string, h: number) => JSON.parse((await runCli(['--config', cfg, 'scan', '--format', 'json'], ENV, t(h))).stdout) as Report;
    // A lenient rule set (the level-2 gates this fixture fails relaxed) under which this tenant is level 2.
    const relaxed = {
      'global-admins-mfa-registered': { pass: { lte: 100 } },
      'mfa-admin-coverage': { pass: { gte: 0 } },
      'device-compliance-basic': { pass: { gte: 0 } },
      'disk-encryption-basic': { pass: { gte: 0 } },
      'os-unsupported-limited': { pass: { lte: 100 } },
    };
    const lenient = withScope({ rules: { overrides: relaxed } });
    const a = await scan(lenient, 0);
    const b = await scan(lenient, 1);
    expect(a.level.value).toBe(2);
    expect(b.regression.detected).toBe(false);
    expect(b.level.scope?.outOfScope).toEqual(scope.outOfScope);

    // The default (stricter) rules: the level falls, but nothing in the estate changed.
    const strict = withScope();
    const c = await scan(strict, 2);
    expect(c.level.value).toBe(1);
    expect(c.regression).toMatchObject({ detected: false, confirmed: false, drops: [] });
    expect(c.regression.rulesChanged?.note).toMatch(/re-scored with the current rules/);
    const d = await scan(strict, 3);
    expect(d.regression.detected).toBe(false);
    expect(d.regression.rulesChanged).toBeUndefined();
    const hist = JSON.parse((await runCli(['--config', strict, 'history', '--tenant', 'contoso', '--format', 'json'], ENV)).stdout) as { episodes: unknown[] };
    expect(hist.episodes).toEqual([]);

    // rescore --all: the scans made under the old rules now read as the current rules score them.
    const all = await runCli(['--config', strict, 'rescore', '--all', '--format', 'json'], ENV);
    expect(all.code).toBe(0);
    expect(JSON.parse(all.stdout)).toMatchObject({ tenants: [{ tenantId: 'contoso', scans: 4, before: 1, after: 1 }] });
    const levels = JSON.parse((await runCli(['--config', strict, 'history', '--tenant', 'contoso', '--format', 'json'], ENV)).stdout) as { scans: Array<{ level: number }> };
    expect(levels.scans.map((s) => s.level)).toEqual([1, 1, 1, 1]);
    expect((await runCli(['--config', strict, 'rescore', '--all', '--scan', a.scan.id], ENV)).code).toBe(2);
  });

  it('a critical control switched off is confirmed at once by a targeted re-check: exit 4', async () => {
    const cfg = config(dir);
    const t = (h: number) => () => new Date(NOW.getTime() + h * 3_600_000);
    expect((await runCli(['--config', cfg, 'scan', '--fail-on', 'regression'], ENV, t(0))).code).toBe(0);
    // MFA enforcement switched off: no CA policy, no security defaults.
    graph.on('/identity/conditionalAccess/policies', json({ value: [] }));
    const bad = await runCli(['--config', cfg, 'scan', '--fail-on', 'regression', '--format', 'json'], ENV, t(1));
    expect(bad.code).toBe(4);
    const rep = JSON.parse(bad.stdout) as Report;
    expect(rep.regression).toMatchObject({ detected: true, confirmed: true, previousLevel: 1 });
    expect(rep.regression.drops.flatMap((d) => d.rules.map((x) => x.ruleId))).toContain('mfa-admins-enforced');
    expect(bad.logs).toMatch(/targeted re-check/);
    // The first scan and the re-check are both history.
    const hist = JSON.parse((await runCli(['--config', cfg, 'history', '--tenant', 'contoso', '--format', 'json'], ENV)).stdout) as { scans: unknown[] };
    expect(hist.scans).toHaveLength(3);
  });

  it('a non-critical drop is confirmed only after confirmScans complete scans', async () => {
    const cfg = config(dir);
    const t = (h: number) => () => new Date(NOW.getTime() + h * 3_600_000);
    const device = (i: number, state: string) => ({ id: `d-${i}`, deviceName: `PC-${i}`, complianceState: state, lastSyncDateTime: '2024-05-31T08:00:00Z', operatingSystem: 'Windows' });
    graph.on('/deviceManagement/managedDevices', json({ value: [1, 2, 3, 4, 5].map((i) => device(i, 'compliant')) }));
    expect((await runCli(['--config', cfg, 'scan', '--fail-on', 'regression'], ENV, t(0))).code).toBe(0);
    graph.on('/deviceManagement/managedDevices', json({ value: [1, 2, 3, 4, 5].map((i) => device(i, i <= 2 ? 'compliant' : 'noncompliant')) }));
    const first = await runCli(['--config', cfg, 'scan', '--fail-on', 'regression', '--format', 'json'], ENV, t(1));
    expect(first.code).toBe(0);
    expect((JSON.parse(first.stdout) as Report).regression).toMatchObject({ detected: true, confirmed: false });
    const second = await runCli(['--config', cfg, 'scan', '--fail-on', 'regression', '--format', 'json'], ENV, t(2));
    expect(second.code).toBe(4);
    const rep = JSON.parse(second.stdout) as Report;
    expect(rep.regression.confirmed).toBe(true);
    expect(rep.regression.drops.find((d) => d.kind === 'capability' && d.id === 'endpoint')).toBeDefined();
  });

  it('html is one self-contained page with tenant text escaped', async () => {
    const path = writeConfig(dir, {
      storage: { url: `sqlite:${join(dir, 'ratchet.db')}` },
      tenants: [{ id: 'contoso', name: '<script>alert(1)</script> Contoso', m365: { tenantId: TENANT, clientId: CLIENT_ID, clientSecret: '${env:CONTOSO_SECRET}', cloud: { graphEndpoint: GRAPH, authorityHost: LOGIN } } }],
    });
    const r = await runCli(['--config', path, 'scan', '--format', 'html'], ENV, clock);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^<!doctype html>/);
    expect(r.stdout).toContain('&lt;script&gt;alert(1)&lt;/script&gt; Contoso');
    expect(r.stdout).not.toContain('<script>');
    expect(r.stdout).toMatch(/<span class="badge l\d">Level \d<\/span>/);
    expect(r.stdout).not.toMatch(/(src|href)="https?:/);
  });

  it('table and markdown formats render the level and roadmap', async () => {
    const cfg = config(dir);
    const table = await runCli(['--config', cfg, 'scan'], ENV, clock);
    expect(table.stdout).toMatch(/Contoso Ltd \(contoso\)/);
    expect(table.stdout).toMatch(/Level \d /);
    const md = await runCli(['--config', cfg, 'scan', '--format', 'markdown'], ENV, clock);
    expect(md.stdout).toMatch(/^# Ratchet maturity report/);
    expect(md.stdout).toMatch(/\| capability \| level \|/);
  });
});

describe('secrets never leave the process', () => {
  it('the client secret appears in no log line, report, or database byte — on success and on failure', async () => {
    const cfg = config(dir);
    const ok = await runCli(['--config', cfg, '--log-level', 'trace', 'scan', '--format', 'json'], ENV, clock);
    expect(ok.code).toBe(0);
    const bad = await runCli(['--config', cfg, '--log-level', 'trace', 'scan', '--format', 'json'], { CONTOSO_SECRET: 'another-wrong-secret-4711' }, clock);
    expect(bad.code).toBe(1);
    expect(ok.logs.length).toBeGreaterThan(0);
    for (const out of [ok, bad]) {
      for (const text of [out.stdout, out.stderr, out.logs]) {
        expect(text).not.toContain(SECRET);
        expect(text).not.toContain('another-wrong-secret-4711');
      }
    }
    for (const f of readdirSync(dir).filter((n) => n.startsWith('ratchet.db'))) {
      const bytes = readFileSync(join(dir, f));
      expect(bytes.includes(Buffer.from(SECRET))).toBe(false);
      expect(bytes.includes(Buffer.from('another-wrong-secret-4711'))).toBe(false);
    }
  });

  it('a literal secret in the file is accepted with a warning and still redacted', async () => {
    const path = writeConfig(dir, {
      storage: { url: `sqlite:${join(dir, 'ratchet.db')}` },
      tenants: [{ id: 'contoso', name: 'Contoso', m365: { tenantId: TENANT, clientId: CLIENT_ID, clientSecret: SECRET, cloud: { graphEndpoint: GRAPH, authorityHost: LOGIN } } }],
    });
    const r = await runCli(['--config', path, 'scan', '--format', 'json'], {}, clock);
    expect(r.code).toBe(0);
    expect(r.logs).toMatch(/tenants\[0\]\.m365\.clientSecret: holds a literal secret/);
    expect(r.logs + r.stdout).not.toContain(SECRET);
  });
});

describe('usage and config errors exit 2 with the path named', () => {
  it('invalid config', async () => {
    const path = writeConfig(dir, { tenants: [{ id: 'contoso', name: 'C', m365: { tenantId: TENANT, clientSecret: '${env:CONTOSO_SECRET}' } }] });
    const r = await runCli(['--config', path, 'scan'], ENV);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/tenants\[0\]\.m365\.clientId/);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('unknown tenant and unknown option', async () => {
    expect((await runCli(['--config', config(dir), 'scan', '--tenant', 'nope'], ENV)).stderr).toMatch(/--tenant nope: no such tenant/);
    expect((await runCli(['--config', config(dir), 'scan', '--tenant', 'nope'], ENV)).code).toBe(2);
    expect((await runCli(['scan', '--bogus'], ENV)).code).toBe(2);
  });

  it('rules check', async () => {
    const good = await runCli(['rules', 'check'], {});
    expect(good.code).toBe(0);
    expect(good.stdout).toMatch(/rules valid/);
    const badDir = tempDir();
    writeConfig(badDir, {});
    const bad = await runCli(['rules', 'check', join(badDir, 'ratchet.yaml')], {});
    expect(bad.code).toBe(2);
  });
});
