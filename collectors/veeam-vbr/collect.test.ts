import nock from 'nock';
import { describe, expect, it } from 'vitest';
import type { Evidence } from '../../src/domain/evidence.js';
import { registerSecret } from '../../src/log/secrets.js';
import { collectVeeamVbr } from './collect.js';
import { veeamVbrPlugin } from './index.js';
import type { ProtectionValue } from './protection.js';
import { FakeVbr, fixture, isPath, json, offlineWithVbrSecret, PASSWORD, testConfig, testContext, times, vbrError, type Req } from './test-support.js';

offlineWithVbrSecret();

const FAST = { backoffBaseMs: 5 };
const valueOf = (e: Evidence) => e.value as ProtectionValue;
/** Every key, always in this order; returns backup.protection (verification and immutability have their own tests). */
const only = (evidence: Evidence[]) => {
  expect(evidence.map((e) => e.key)).toEqual(['backup.protection', 'backup.verification', 'backup.immutability']);
  return evidence[0]!;
};

describe('veeam-vbr collector — healthy server (1.2-rev1)', () => {
  it('pages objects and jobs, looks up the newest restore point per object and derives backup.protection', async () => {
    const vbr = FakeVbr.standard();
    vbr.maxPage = 3; // the server answers at most 3 rows per page: objects take 3 pages, jobs 2
    vbr.install();

    const result = await veeamVbrPlugin.collect(testConfig(), testContext());

    expect(result.status).toBe('ok');
    expect(result.error).toBeNull();
    const e = only(result.evidence);
    expect(e).toMatchObject({ key: 'backup.protection', status: 'ok', reason: null, reasonCode: null, collectedAt: '2025-07-29T06:00:00.000Z' });
    expect(e.value).toEqual({
      protected: 6,
      succeeded24h: 3,
      pct: 50,
      oldestSuccessHours: null, // fs02 has never been backed up
      failing: ['sql01', 'fs02', 'old-app'],
      failingTotal: 3,
      objectNames: ['winsrv88', 'sql01', 'lin-web01', 'fs02', 'old-app', 'App1'],
      objectNamesTotal: 6,
      neverSucceeded: 1,
      fresh72h: 4, // winsrv88, sql01 (24.5 h), lin-web01, App1; not fs02 (never) nor old-app (200 h)
      freshPct: 66.7,
      staleOver72h: 2,
      successRate30d: 85.7, // 6 of 7 finished backup job runs (a Warning counts as success; the running one is left out)
      runs30d: 7,
      lastRunFailed: null, // not reported before 1.3
      excluded: 1, // the VM template
      jobs: 5,
      failingJobs: ['File Server Backup'], // "Old Lab Backup" failed too, but is disabled
      failingJobsTotal: 1,
      apiVersion: '1.2-rev1',
      notes: [],
    });
    expect(e.source).toEqual({
      collector: 'veeam-vbr',
      endpoints: ['/api/v1/jobs/states', '/api/v1/sessions', '/api/v1/backupObjects', '/api/v1/restorePoints'],
      requests: vbr.requests.length,
    });
    expect(result.requests).toBe(vbr.requests.length);

    // paging: skip advances by what the server returned, limit is ours
    expect(vbr.get('/api/v1/backupObjects').map((r) => [r.query.get('skip'), r.query.get('limit')])).toEqual([
      ['0', '200'],
      ['3', '200'],
      ['6', '200'],
    ]);
    expect(vbr.get('/api/v1/jobs/states').map((r) => r.query.get('skip'))).toEqual(['0', '3']);
    // sessions: backup job runs of the last 30 days, oldest first, paged the same way
    const sessions = vbr.get('/api/v1/sessions').filter((r) => r.query.get('typeFilter') === 'BackupJob');
    expect(sessions.map((r) => r.query.get('skip'))).toEqual(['0', '3', '6']);
    // backup.verification: one more read of the same collection, SureBackup sessions newest ended first
    const sureBackup = vbr.get('/api/v1/sessions').filter((r) => r.query.get('typeFilter') === 'SureBackup');
    expect(sureBackup.map((r) => Object.fromEntries(r.query))).toEqual([{ typeFilter: 'SureBackup', orderColumn: 'EndTime', orderAsc: 'false', skip: '0', limit: '200' }]);
    expect(result.evidence[1]).toEqual({
      key: 'backup.verification',
      status: 'ok',
      value: { lastVerifiedAt: null, verifiedDaysAgo: null, verifications90d: 0, failed90d: 0, via: 'Veeam SureBackup' },
      reason: null,
      reasonCode: null,
      source: { collector: 'veeam-vbr', endpoints: ['/api/v1/sessions'], requests: vbr.requests.length },
      collectedAt: '2025-07-29T06:00:00.000Z',
    });
    expect(Object.fromEntries(sessions[0]!.query)).toEqual({
      createdAfterFilter: '2025-06-29T06:00:00.000Z',
      orderColumn: 'CreationTime',
      orderAsc: 'true',
      typeFilter: 'BackupJob',
      skip: '0',
      limit: '200',
    });
    // one token, and x-api-version on every call including the token call
    expect(vbr.tokenRequests).toHaveLength(1);
    expect(vbr.requests.every((r) => r.headers['x-api-version'] === '1.2-rev1')).toBe(true);
  });

  it('asks for the newest restore point of each measured object, and skips objects with no points', async () => {
    const vbr = FakeVbr.standard().install();
    await collectVeeamVbr(testConfig(), testContext());
    const lookups = vbr.get('/api/v1/restorePoints');
    // 7 objects − the excluded template − fs02 (restorePointsCount 0)
    expect(lookups).toHaveLength(5);
    for (const r of lookups) {
      expect(Object.fromEntries(r.query)).toEqual({
        backupObjectIdFilter: expect.stringMatching(/^[0-9a-f-]{36}$/),
        orderColumn: 'CreationTime',
        orderAsc: 'false',
        limit: '1',
      });
    }
    expect(lookups.map((r) => r.query.get('backupObjectIdFilter'))).not.toContain('e3a1c9d2-7b6f-4e1a-8c5d-2f9b0a4e6d21');
  });

  it('converts offsets to UTC: +02:00 at 24.5 h is stale, −05:00 at 23.5 h is fresh', async () => {
    const vbr = FakeVbr.standard();
    vbr.objects = vbr.objects.filter((o) => ['sql01', 'lin-web01'].includes(o.name as string));
    vbr.install();
    const v = valueOf(only((await collectVeeamVbr(testConfig(), testContext())).evidence));
    expect(v.succeeded24h).toBe(1);
    expect(v.failing).toEqual(['sql01']);
    expect(v.oldestSuccessHours).toBe(24.5);
  });

  it('reports the oldest success in hours when every object has a restore point (7-digit fraction)', async () => {
    const vbr = FakeVbr.standard();
    vbr.objects = vbr.objects.filter((o) => o.name !== 'fs02');
    vbr.install();
    const v = valueOf(only((await collectVeeamVbr(testConfig(), testContext())).evidence));
    expect(v.oldestSuccessHours).toBe(200);
    expect(v.neverSucceeded).toBe(0);
  });

  it('keeps at most `concurrency` restore point look-ups in flight, but more than one', async () => {
    const vbr = FakeVbr.standard();
    vbr.objects = Array.from({ length: 30 }, (_, i) => ({ id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, name: `vm${i}`, type: 'VM', platformName: 'VMware', restorePointsCount: 1 }));
    for (const o of vbr.objects) vbr.points[o.id as string] = ['2025-07-29T02:00:00+02:00'];
    vbr.restorePointDelayMs = 20;
    vbr.maxPage = 10;
    vbr.install();
    const v = valueOf(only((await collectVeeamVbr(testConfig({ concurrency: 3 }), testContext())).evidence));
    expect(v.protected).toBe(30);
    expect(v.succeeded24h).toBe(30);
    expect(v.oldestSuccessHours).toBe(6);
    expect(vbr.maxInFlight).toBeLessThanOrEqual(3);
    expect(vbr.maxInFlight).toBeGreaterThan(1);
  });

  it('an empty server is ok with 0 protected and null percentages', async () => {
    const vbr = new FakeVbr().install();
    const result = await collectVeeamVbr(testConfig(), testContext());
    expect(result.status).toBe('ok');
    expect(valueOf(only(result.evidence))).toMatchObject({ protected: 0, succeeded24h: 0, pct: null, oldestSuccessHours: null, jobs: 0, failingJobs: [] });
    expect(vbr.get('/api/v1/restorePoints')).toHaveLength(0);
  });
});

describe('veeam-vbr collector — API revisions', () => {
  it('uses /api/v1/objectRestorePoints on 1.1-rev0 (VBR 12.0)', async () => {
    const vbr = FakeVbr.standard().install();
    const result = await collectVeeamVbr(testConfig({ apiVersion: '1.1-rev0' }), testContext());
    expect(result.status).toBe('ok');
    expect(vbr.get('/api/v1/restorePoints')).toHaveLength(0);
    expect(vbr.get('/api/v1/objectRestorePoints')).toHaveLength(5);
    expect(only(result.evidence).source.endpoints).toEqual(['/api/v1/jobs/states', '/api/v1/sessions', '/api/v1/backupObjects', '/api/v1/objectRestorePoints']);
    // 1.1-rev0 names backup job sessions `Job` (its enum has no BackupJob)
    expect(vbr.get('/api/v1/sessions')[0]!.query.get('typeFilter')).toBe('Job');
    expect(vbr.requests.every((r) => r.headers['x-api-version'] === '1.1-rev0')).toBe(true);
  });

  it('on 1.3 lists objects whose last run failed even with a fresh restore point, and counts them', async () => {
    const vbr = FakeVbr.standard();
    vbr.objects = vbr.objects.map((o) => ({ ...o, lastRunFailed: o.name === 'winsrv88' }));
    vbr.install();
    const v = valueOf(only((await collectVeeamVbr(testConfig({ apiVersion: '1.3-rev1' }), testContext())).evidence));
    expect(v.lastRunFailed).toBe(1);
    expect(v.succeeded24h).toBe(3); // winsrv88's point is still within 24 h
    expect(v.failing).toEqual(['winsrv88', 'sql01', 'fs02', 'old-app']);
  });

  it('accepts 1.3 capitalised job status values', async () => {
    const vbr = FakeVbr.standard();
    vbr.jobs = vbr.jobs.map((j) => ({ ...j, status: String(j.status).charAt(0).toUpperCase() + String(j.status).slice(1) }));
    vbr.install();
    const v = valueOf(only((await collectVeeamVbr(testConfig({ apiVersion: '1.3-rev1' }), testContext())).evidence));
    expect(v.failingJobs).toEqual(['File Server Backup']);
  });
});

describe('veeam-vbr collector — filters', () => {
  it('applies platforms, excludeTypes and excludeObjects (wildcards, case-insensitive)', async () => {
    const vbr = FakeVbr.standard().install();
    const v = valueOf(only((await collectVeeamVbr(testConfig({ platforms: ['vmware'], excludeObjects: ['OLD-*'] }), testContext())).evidence));
    // VMware objects: winsrv88, win10_pro (template), old-app (excluded by name)
    expect(v.objectNames).toEqual(['winsrv88']);
    expect(v.excluded).toBe(6);
    expect(v.pct).toBe(100);
    expect(vbr.get('/api/v1/restorePoints')).toHaveLength(1);
  });

  it('measures templates when excludeTypes is emptied, and leaves jobs out by name', async () => {
    FakeVbr.standard().install();
    const v = valueOf(only((await collectVeeamVbr(testConfig({ excludeTypes: [], excludeJobs: ['file server*'] }), testContext())).evidence));
    expect(v.objectNames).toContain('win10_pro');
    expect(v.protected).toBe(7);
    expect(v.failingJobs).toEqual([]);
    expect(v.jobs).toBe(4);
  });

  it('collects nothing when ctx.only names none of its keys', async () => {
    const vbr = new FakeVbr().install();
    const result = await collectVeeamVbr(testConfig(), testContext({ only: ['rmm.devices'] }));
    expect(result).toEqual({ evidence: [], requests: 0, status: 'ok', error: null });
    expect(vbr.requests).toHaveLength(0);
  });
});

describe('veeam-vbr collector — throttling, retries and failures', () => {
  it('waits out a 429 with Retry-After, then succeeds (VBR documents no 429; the HTTP layer still honours it)', async () => {
    const vbr = FakeVbr.standard();
    vbr.overrides.push(times(1, isPath('/api/v1/backupObjects'), { status: 429, body: { errorCode: 'UnknownError', message: 'Too many requests' }, headers: { 'Retry-After': '1' } }));
    vbr.install();
    const t0 = Date.now();
    const result = await collectVeeamVbr(testConfig(), testContext(), FAST);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
    expect(result.status).toBe('ok');
    expect(valueOf(only(result.evidence)).protected).toBe(6);
    expect(vbr.get('/api/v1/backupObjects')).toHaveLength(2);
  });

  it('retries a 500 on a restore point look-up and succeeds', async () => {
    const vbr = FakeVbr.standard();
    vbr.overrides.push(times(1, isPath('/api/v1/restorePoints'), vbrError(500, 'error-internal.json')));
    vbr.install();
    const result = await collectVeeamVbr(testConfig(), testContext(), FAST);
    expect(result.status).toBe('ok');
    expect(vbr.get('/api/v1/restorePoints')).toHaveLength(6);
  });

  it('a 500 that outlasts the retries is an error naming the path and VBR message; the collector errors', async () => {
    const vbr = FakeVbr.standard();
    vbr.overrides.push((req) => (req.path === '/api/v1/restorePoints' ? vbrError(500, 'error-internal.json') : undefined));
    vbr.install();
    const result = await collectVeeamVbr(testConfig({ concurrency: 1 }), testContext(), FAST);
    const e = only(result.evidence);
    expect(e).toMatchObject({ status: 'error', reasonCode: 'collector_error', value: null });
    expect(e.reason).toBe('veeam-vbr GET /api/v1/restorePoints failed: HTTP 500: Internal server error.');
    // backup.verification was read: the collector is partial, naming the key that failed
    expect(result.evidence[1]!.status).toBe('ok');
    expect(result.status).toBe('partial');
    expect(result.error).toMatch(/^1 of 3 veeam-vbr evidence keys failed for tenant contoso: backup\.protection: .*HTTP 500/);
    // fail fast: the first object's look-up is tried 1 + maxRetries (2) times, and no other object is looked up
    expect(vbr.get('/api/v1/restorePoints')).toHaveLength(3);
  });

  it('403 on backup objects → unavailable naming the Veeam Backup Viewer role; collector ok', async () => {
    const vbr = FakeVbr.standard();
    vbr.overrides.push((req) => (req.path === '/api/v1/backupObjects' ? vbrError(403, 'error-forbidden.json') : undefined));
    vbr.install();
    const result = await collectVeeamVbr(testConfig(), testContext(), FAST);
    const e = only(result.evidence);
    expect(e.status).toBe('unavailable');
    expect(e.reasonCode).toBe('permission_missing');
    expect(e.reason).toMatch(/GET \/api\/v1\/backupObjects failed: HTTP 403: Access is denied\..*at least the Veeam Backup Viewer role/);
    expect(result.status).toBe('ok');
    expect(result.evidence[1]!.status).toBe('ok'); // sessions were readable
    expect(vbr.get('/api/v1/backupObjects')).toHaveLength(1); // a 403 is never retried
  });

  it('401 on an endpoint signs in again once; a second 401 → unavailable naming the role', async () => {
    const vbr = FakeVbr.standard();
    vbr.overrides.push((req) => (req.method === 'GET' && req.path === '/api/v1/backupObjects' ? vbrError(401, 'error-expired-token.json') : undefined));
    vbr.install();
    const result = await collectVeeamVbr(testConfig(), testContext(), FAST);
    const e = only(result.evidence);
    expect(e.status).toBe('unavailable');
    expect(e.reasonCode).toBe('permission_missing');
    expect(e.reason).toMatch(/HTTP 401.*built-in role \(at least Veeam Backup Viewer\)/);
    expect(vbr.tokenRequests.length).toBe(2);
  });

  it('an access token revoked mid-scan is replaced once and collection completes', async () => {
    const vbr = FakeVbr.standard();
    let revoked = false;
    vbr.overrides.push((req: Req) => {
      if (!revoked && req.path === '/api/v1/restorePoints') {
        revoked = true;
        vbr.revokeTokens();
      }
      return undefined;
    });
    vbr.install();
    const result = await collectVeeamVbr(testConfig({ concurrency: 1 }), testContext(), FAST);
    expect(result.status).toBe('ok');
    expect(vbr.tokensIssued).toBe(2);
    expect(valueOf(only(result.evidence)).protected).toBe(6);
  });

  it('a schema violation names the field (creationTime that is not a date-time)', async () => {
    const vbr = FakeVbr.standard();
    vbr.points['8c6b5a4e-8b47-4b02-9c2a-898cb7359e52'] = ['yesterday evening'];
    vbr.install();
    const result = await collectVeeamVbr(testConfig(), testContext());
    const e = only(result.evidence);
    expect(e.status).toBe('error');
    expect(e.reasonCode).toBe('schema_violation');
    expect(e.reason).toMatch(/GET \/api\/v1\/restorePoints: unexpected response at data\[0\]\.creationTime: not an ISO 8601 date-time: "yesterday evening"/);
    expect(result.status).toBe('partial');
  });

  it('a backup object without platformName is a schema violation naming data[i].platformName', async () => {
    const vbr = FakeVbr.standard();
    delete vbr.objects[1]!.platformName;
    vbr.install();
    const e = only((await collectVeeamVbr(testConfig(), testContext())).evidence);
    expect(e.reasonCode).toBe('schema_violation');
    expect(e.reason).toMatch(/backupObjects: unexpected response at data\[1\]\.platformName/);
  });

  it('job states that fail leave the evidence ok with failingJobs null and a note', async () => {
    const vbr = FakeVbr.standard();
    vbr.overrides.push((req) => (req.path === '/api/v1/jobs/states' ? json({ data: [{ id: 'x', name: 'Odd', status: 'inactive', lastResult: 'Exploded' }], pagination: { total: 1, count: 1 } }) : undefined));
    vbr.install();
    const result = await collectVeeamVbr(testConfig(), testContext());
    const v = valueOf(only(result.evidence));
    // backup.immutability cannot know which repositories hold the backups without the job targets: that key errors.
    expect(result.status).toBe('partial');
    expect(result.evidence[2]).toMatchObject({ key: 'backup.immutability', status: 'error', reasonCode: 'schema_violation' });
    expect(result.evidence[2]!.reason).toMatch(/^job targets unknown: .*data\[0\]\.lastResult/);
    expect(result.evidence[0]!.status).toBe('ok');
    expect(v.protected).toBe(6);
    expect(v.jobs).toBeNull();
    expect(v.failingJobs).toBeNull();
    expect(v.failingJobsTotal).toBeNull();
    expect(v.notes).toHaveLength(1);
    expect(v.notes[0]).toMatch(/job states not read.*data\[0\]\.lastResult/);
  });

  it('stops on abort with an error, not a hang', async () => {
    const vbr = FakeVbr.standard();
    vbr.restorePointDelayMs = 200;
    vbr.install();
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('scan timeout')), 50);
    const result = await collectVeeamVbr(testConfig(), testContext({ signal: controller.signal }), FAST);
    expect(only(result.evidence).status).toBe('error');
    // backup.verification normally finished before the abort: partial; error if it was cut off too
    expect(['partial', 'error']).toContain(result.status);
  });
});

describe('veeam-vbr collector — sign-in failures', () => {
  it('wrong credentials → collector error naming the tenant and VBR answer; evidence unavailable; no secret anywhere', async () => {
    const vbr = FakeVbr.standard().install();
    const result = await collectVeeamVbr(testConfig({ password: 'Wr0ng-Password-Value' }), testContext());
    registerSecret('Wr0ng-Password-Value');
    expect(result.status).toBe('error');
    expect(result.error).toMatch(/^veeam-vbr sign-in for tenant contoso at https:\/\/vbr\.contoso\.test:9419 \(user CONTOSO\\svc-ratchet, x-api-version 1\.2-rev1\) failed: veeam-vbr: token request refused with HTTP 401.*check the user name and password/);
    const e = only(result.evidence);
    expect(e).toMatchObject({ status: 'unavailable', reasonCode: 'permission_missing', reason: result.error });
    expect(e.source.endpoints).toEqual(['/api/oauth2/token']);
    expect(result.requests).toBe(1);
    expect(vbr.requests).toHaveLength(1); // no data endpoint is tried without a token
    const everything = JSON.stringify(result);
    expect(everything).not.toContain('Wr0ng-Password-Value');
    expect(everything).not.toContain(PASSWORD);
  });

  it('an x-api-version the server does not support → 400 with a hint listing the versions per VBR release', async () => {
    const vbr = FakeVbr.standard();
    vbr.supported = ['1.1-rev0', '1.1-rev1', '1.1-rev2'];
    vbr.install();
    const result = await collectVeeamVbr(testConfig({ apiVersion: '1.2-rev1' }), testContext());
    expect(result.status).toBe('error');
    expect(result.error).toMatch(/HTTP 400.*Unsupported RESTAPI version.*12\.2 → 1\.1-rev2/);
    expect(fixture('error-unsupported-version.json')).toHaveProperty('errorCode');
  });

  it('an untrusted certificate names caFile', async () => {
    nock('https://vbr.contoso.test:9419')
      .post('/api/oauth2/token')
      .replyWithError(Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }));
    const result = await collectVeeamVbr(testConfig(), testContext());
    expect(result.status).toBe('error');
    expect(result.error).toMatch(/DEPTH_ZERO_SELF_SIGNED_CERT \(the server certificate is not trusted: set caFile/);
    expect(only(result.evidence)).toMatchObject({ status: 'error', reasonCode: 'collector_error' });
  });

  it('an unreadable caFile is a collector error, not a crash', async () => {
    const result = await collectVeeamVbr(testConfig({ caFile: '/nonexistent/vbr-ca.pem' }), testContext());
    expect(result.status).toBe('error');
    expect(result.error).toMatch(/tenant contoso: cannot read caFile \/nonexistent\/vbr-ca\.pem/);
    expect(result.requests).toBe(0);
  });
});
