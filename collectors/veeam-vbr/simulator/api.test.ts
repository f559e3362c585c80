/**
 * The Veeam Backup & Replication simulator against the REAL veeam-vbr collector over TLS: per-client servers (own
 * credentials, own build and x-api-version set, non-UTC offsets), skip/limit paging over several pages, restore
 * points by backupObjectIdFilter newest first, and the fault paths (429 storm, 403, malformed, schema, wrong
 * password, unsupported version).
 */
import { describe, expect, it } from 'vitest';
import { veeamVbrPlugin } from '../index.js';
import { collectVeeamVbr } from '../collect.js';
import type { CollectorResult } from '../../../src/collector-kit/plugin.js';
import { SIMULATORS } from '../../index.js';
import { configFor, type TenantSpec } from '../../../src/simulator/index.js';
import { hash32 } from '../../../src/simulator/prng.js';
import { failingJobNames, vbrImmutabilityTruth, vbrServer } from './model.js';
import { simulatorCollectorContext, vendorTestSuite, expectBackupTruth, request } from '../../../src/simulator/test-support.js';

// Seeds chosen so the three builds are covered: contoso 13.0.1, fabrikam 12.0 (1.1-rev0), northwind 12.3.1.
const TENANTS: TenantSpec[] = [
  { id: 'contoso', name: 'Contoso', seed: 'contoso', profile: 'level2', backup: 'veeam-vbr', estate: { endpoints: 1500, serverPct: 40 } },
  { id: 'fabrikam', name: 'Fabrikam', seed: 'fabrikam', profile: 'level1', backup: 'veeam-vbr', estate: { endpoints: 1300, serverPct: 40 } },
  { id: 'northwind', name: 'Northwind', seed: 'northwind', profile: 'level3', backup: 'veeam-vbr', estate: { endpoints: 1200, serverPct: 45 } },
];

const suite = vendorTestSuite(veeamVbrPlugin, 'backup', { vendors: SIMULATORS, tenants: TENANTS });
const ctxFor = simulatorCollectorContext;
const sectionOf = suite.section;
const collect = suite.collect;

function viewSeed(tenantId: string): number {
  return hash32(tenantId);
}

function expectTruth(result: CollectorResult, tenantId: string) {
  const v = expectBackupTruth(suite.sim, result, tenantId);
  const truth = suite.sim.estate(tenantId)!.truth()['backup.protection'];
  expect(v.objectNamesTotal).toBe(truth.protected);
  expect(v.excluded).toBe(1); // the VM template
  return v;
}

describe('veeam-vbr simulator + real collector', () => {
  it('serves each client its own VBR server; evidence equals the estate truth over several pages', async () => {
    for (const t of TENANTS) {
      suite.sim.resetStats();
      const result = await collect(t.id!);
      const v = expectTruth(result, t.id!);
      const server = vbrServer(suite.sim.estate(t.id!)!, viewSeed(t.id!));
      expect(v.apiVersion).toBe(server.newest);
      expect(v.jobs).toBe(server.jobs.length);
      expect(v.failingJobsTotal).toBe(failingJobNames(server).length);
      expect([...(v.failingJobs as string[])].sort()).toEqual(failingJobNames(server).sort());
      expect(v.lastRunFailed).toBe(server.newest.startsWith('1.3-') ? suite.sim.estate(t.id!)!.truth()['backup.protection'].failingTotal : null);
      const stats = suite.sim.stats();
      // > 200 objects: the collector had to page (skip/limit) at least twice.
      expect(server.objects.length).toBeGreaterThan(200);
      expect(stats.byRoute['GET /veeam-vbr/api/v1/backupObjects']?.['200']).toBeGreaterThanOrEqual(2);
      const rp = server.newest === '1.1-rev0' ? 'GET /veeam-vbr/api/v1/objectRestorePoints' : 'GET /veeam-vbr/api/v1/restorePoints';
      expect(stats.byRoute[rp]?.['200']).toBe(server.objects.length - 1);
      expect(stats.byTenant[t.id!]).toBeGreaterThan(server.objects.length);
    }
    // The three builds differ: 12.0 answers 1.1-rev0 (objectRestorePoints), 13.0.1 reports lastRunFailed.
    expect(TENANTS.map((t) => vbrServer(suite.sim.estate(t.id!)!, viewSeed(t.id!)).build).sort()).toEqual(['12.0', '12.3.1', '13.0.1']);
  });

  it('backup.immutability equals the server truth on every build: only the repositories jobs write to count', async () => {
    const seen: unknown[] = [];
    for (const t of TENANTS) {
      const result = await collect(t.id!);
      const e = result.evidence.find((x) => x.key === 'backup.immutability')!;
      expect(e.status, `${t.id}: ${e.reason}`).toBe('ok');
      const server = vbrServer(suite.sim.estate(t.id!)!, viewSeed(t.id!));
      const truth = vbrImmutabilityTruth(server);
      expect(e.value).toMatchObject({ ...truth, repositoriesOnServer: 3, unresolvedTargets: [] });
      // The unused NAS share is on the server but holds none of the client's backups.
      expect(JSON.stringify(e.value)).not.toContain('Old NAS share');
      seen.push([t.profile, truth]);
    }
    // level1/level2 write to an ordinary repository; level3 to a hardened one of 7 days (beside VBR's default one).
    expect(seen).toEqual([
      ['level2', { repositories: 2, immutable: 0, pct: 0, minImmutableDays: 0 }],
      ['level1', { repositories: 2, immutable: 0, pct: 0, minImmutableDays: 0 }],
      ['level3', { repositories: 2, immutable: 1, pct: 50, minImmutableDays: 7 }],
    ]);
  });

  it('configFor emits ${env:…} for the password and per-client credentials', () => {
    const { config, env } = configFor(suite.sim);
    const sections = config.tenants.map((t) => t.backup as Record<string, string>);
    for (const s of sections) expect(s.password).toMatch(/^\$\{env:RATCHET_SIM_[A-Z_]+_BACKUP_PASSWORD\}$/);
    expect(new Set(sections.map((s) => s.baseUrl)).size).toBe(3);
    const passwords = sections.map((s) => env[/^\$\{env:(.+)\}$/.exec(s.password!)![1]!]);
    expect(new Set(passwords).size).toBe(3);
  });

  it('requires x-api-version on the token call with Veeam 400 body; times carry the server offset', async () => {
    const base = (sectionOf('northwind').baseUrl as string) + '/api/oauth2/token';
    const { username, password } = sectionOf('northwind') as { username: string; password: string };
    const form = new URLSearchParams({ grant_type: 'password', username, password }).toString();
    const headers = { 'content-type': 'application/x-www-form-urlencoded' };
    const missing = await request(suite.sim, 'POST', base, { headers, body: form });
    expect(missing.status).toBe(400);
    expect(missing.json()).toMatchObject({ errorCode: 'NotImplemented', message: expect.stringMatching(/^Unsupported RESTAPI version\. The following versions are supported: .*1\.2-rev1/) });
    const tooNew = await request(suite.sim, 'POST', base, { headers: { ...headers, 'x-api-version': '1.3-rev1' }, body: form });
    expect(tooNew.status).toBe(400);
    const ok = await request(suite.sim, 'POST', base, { headers: { ...headers, 'x-api-version': '1.2-rev1' }, body: form });
    expect(ok.status).toBe(200);
    const tok = ok.json();
    expect(tok).toMatchObject({ token_type: 'bearer', expires_in: 900 });
    const get = (path: string, h: Record<string, string> = {}) =>
      request(suite.sim, 'GET', `${sectionOf('northwind').baseUrl as string}${path}`, { headers: { authorization: `Bearer ${tok.access_token as string}`, 'x-api-version': '1.2-rev1', ...h } });
    const objects = (await get('/api/v1/backupObjects?skip=0&limit=5')).json();
    expect(objects.pagination).toMatchObject({ count: 5, skip: 0, limit: 5 });
    const first = (objects.data as Array<Record<string, unknown>>)[0]!;
    expect(first).not.toHaveProperty('lastRunFailed'); // 1.3-rev0+ only
    const rp = (await get(`/api/v1/restorePoints?backupObjectIdFilter=${first.id as string}&orderColumn=CreationTime&orderAsc=false&limit=2`)).json();
    const [a, b] = rp.data as Array<{ creationTime: string }>;
    expect(a!.creationTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3,7})?[+-]\d\d:\d\d$/);
    expect(a!.creationTime).not.toMatch(/(Z|\+00:00)$/);
    expect(Date.parse(a!.creationTime)).toBeGreaterThan(Date.parse(b!.creationTime));
    // 1.1-rev0's collection name is gone from 1.1-rev1 on.
    expect((await get('/api/v1/objectRestorePoints?limit=1')).status).toBe(404);
    // Jobs: lower-case status before 1.3.
    const jobs = (await get('/api/v1/jobs/states?limit=200')).json();
    expect((jobs.data as Array<{ status: string }>).every((j) => j.status === j.status.toLowerCase())).toBe(true);
    // Without the header even a valid token is refused; a token of another server is invalid here.
    expect((await get('/api/v1/backupObjects', { 'x-api-version': '' })).status).toBe(400);
    const other = await request(suite.sim, 'GET', `${sectionOf('contoso').baseUrl as string}/api/v1/backupObjects`, {
      headers: { authorization: `Bearer ${tok.access_token as string}`, 'x-api-version': '1.2-rev1' },
    });
    expect(other.status).toBe(401);
    expect(other.json()).toMatchObject({ errorCode: 'InvalidToken' });
  });

  it('refuses a wrong password (collector error) and a version the server lacks', async () => {
    const wrong = await collect('contoso', { password: 'not-the-password' });
    expect(wrong.status).toBe('error');
    expect(wrong.error).toMatch(/HTTP 401.*AccessDenied/);
    expect(wrong.evidence[0]).toMatchObject({ status: 'unavailable', reasonCode: 'permission_missing' });
    expect(wrong.error).not.toContain('not-the-password');

    const version = await collect('fabrikam', { apiVersion: '1.2-rev1' }); // VBR 12.0 stops at 1.1-rev0
    expect(version.status).toBe('error');
    expect(version.error).toMatch(/HTTP 400.*Unsupported RESTAPI version/);
  });

  it('retries a 429 storm to the same evidence', async () => {
    suite.sim.setFaults({ rate429: 0.3, retryAfterSeconds: 0, seed: 7 }, 'northwind');
    suite.sim.resetStats();
    try {
      const config = veeamVbrPlugin.configSchema.parse(sectionOf('northwind', { maxRetries: 10 }));
      const result = await collectVeeamVbr(config, ctxFor('northwind'), { backoffBaseMs: 1 });
      expectTruth(result, 'northwind');
      expect(suite.sim.stats().byStatus['429']).toBeGreaterThan(50);
    } finally {
      suite.sim.setFaults({}, 'northwind');
    }
  });

  it('403 on backup objects → unavailable naming the role; 403 on job states keeps the item with a note', async () => {
    suite.sim.setFaults({ forbidden: ['/veeam-vbr/api/v1/backupObjects'] }, 'contoso');
    try {
      const result = await collect('contoso');
      expect(result.status).toBe('ok');
      expect(result.evidence[0]).toMatchObject({ status: 'unavailable', reasonCode: 'permission_missing' });
      expect(result.evidence[0]!.reason).toContain('Veeam Backup Viewer');
    } finally {
      suite.sim.setFaults({}, 'contoso');
    }
    suite.sim.setFaults({ forbidden: ['/veeam-vbr/api/v1/jobs/states'] }, 'contoso');
    try {
      const result = await collect('contoso');
      const v = expectTruth(result, 'contoso');
      expect(v.failingJobs).toBeNull();
      expect((v.notes as string[]).join(' ')).toMatch(/job states not read.*403/);
    } finally {
      suite.sim.setFaults({}, 'contoso');
    }
  });

  it('malformed restore points and a schema violation on backup objects → error / schema_violation', async () => {
    suite.sim.setFaults({ malformed: ['/veeam-vbr/api/v1/restorePoints'] }, 'contoso');
    try {
      const result = await collect('contoso');
      // backup.verification (SureBackup sessions) is still read: partial, not error
      expect(result.status).toBe('partial');
      expect(result.evidence[0]).toMatchObject({ status: 'error', reasonCode: 'schema_violation' });
    } finally {
      suite.sim.setFaults({}, 'contoso');
    }
    suite.sim.setFaults({ schemaViolation: ['/veeam-vbr/api/v1/backupObjects'] }, 'northwind');
    try {
      const result = await collect('northwind');
      expect(result.status).toBe('partial');
      expect(result.evidence[0]).toMatchObject({ status: 'error', reasonCode: 'schema_violation' });
      expect(result.evidence[0]!.reason).toContain('data[0].id');
    } finally {
      suite.sim.setFaults({}, 'northwind');
    }
  });

  it('a stalled request the client gives up on is recorded as 499', async () => {
    suite.sim.setFaults({ stallRate: 1, stallMs: 5000 }, 'northwind');
    suite.sim.resetStats();
    try {
      const s = sectionOf('northwind') as { baseUrl: string; username: string; password: string; apiVersion: string };
      const tok = await request(suite.sim, 'POST', `${s.baseUrl}/api/oauth2/token`, {
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-api-version': s.apiVersion },
        body: new URLSearchParams({ grant_type: 'password', username: s.username, password: s.password }).toString(),
      });
      expect(tok.status).toBe(200); // token calls are never stalled
      await expect(
        request(suite.sim, 'GET', `${s.baseUrl}/api/v1/jobs/states`, { headers: { authorization: `Bearer ${tok.json().access_token as string}`, 'x-api-version': s.apiVersion }, timeoutMs: 200 }),
      ).rejects.toThrow(/client timeout/);
      await new Promise((r) => setTimeout(r, 100));
      expect(suite.sim.stats().byRoute['GET /veeam-vbr/api/v1/jobs/states']?.['499']).toBe(1);
    } finally {
      suite.sim.setFaults({}, 'northwind');
    }
  });
});
