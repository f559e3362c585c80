/**
 * `backup.verification`: SureBackup sessions (automated recovery verification) read from `GET /api/v1/sessions` —
 * newest verified run and its age, 90-day counts, failures that do not count, no runs at all, and every way the read
 * can fail without touching `backup.protection`.
 */
import { describe, expect, it } from 'vitest';
import type { Evidence } from '../../src/domain/evidence.js';
import { collectVeeamVbr } from './collect.js';
import { sureBackupQuery } from './endpoints.js';
import type { ProtectionValue } from './protection.js';
import { session } from './schema.js';
import { FakeVbr, NOW, offlineWithVbrSecret, sessionRow, sureBackupRow, testConfig, testContext, vbrError, type Req } from './test-support.js';
import { VerificationTally, type VerificationValue } from './verification.js';

const FAST = { backoffBaseMs: 5 };
const DAY = 86_400_000;
const isSureBackupRead = (req: Req) => req.path === '/api/v1/sessions' && req.query.get('typeFilter') === 'SureBackup';

offlineWithVbrSecret();

function verificationOf(evidence: Evidence[]): Evidence {
  const e = evidence.find((x) => x.key === 'backup.verification');
  expect(e).toBeDefined();
  return e!;
}

async function collectWith(sureBackup: Record<string, unknown>[], config: Record<string, unknown> = {}) {
  const vbr = FakeVbr.standard();
  vbr.sessions = [...vbr.sessions, ...sureBackup];
  vbr.install();
  const result = await collectVeeamVbr(testConfig(config), testContext(), FAST);
  return { vbr, result, e: verificationOf(result.evidence) };
}

describe('backup.verification from SureBackup sessions', () => {
  it('newest successful SureBackup session 12 days ago → verifiedDaysAgo 12, with its end time in UTC', async () => {
    const { result, e, vbr } = await collectWith([
      sureBackupRow(1, 'Success', 12), // ended 12 d 3 h ago, stamped +02:00
      sureBackupRow(2, 'Success', 19),
      sureBackupRow(3, 'Warning', 26), // a warning is a verification that ran: it counts
      sureBackupRow(4, 'Failed', 33),
      sureBackupRow(5, 'Success', 120), // outside the 90-day window
    ]);
    expect(result.status).toBe('ok');
    expect(e).toMatchObject({ status: 'ok', reason: null, reasonCode: null });
    expect(e.value).toEqual({
      lastVerifiedAt: new Date(NOW.getTime() - 12 * DAY - 3 * 3_600_000).toISOString(),
      verifiedDaysAgo: 12,
      verifications90d: 3,
      failed90d: 1,
      via: 'Veeam SureBackup',
    } satisfies VerificationValue);
    expect(e.value!.lastVerifiedAt).toBe('2025-07-17T03:00:00.000Z');
    expect(e.source).toEqual({ collector: 'veeam-vbr', endpoints: ['/api/v1/sessions'], requests: vbr.requests.length });
    // backup.protection is unchanged by the SureBackup rows (they are not backup job runs)
    expect((result.evidence[0]!.value as ProtectionValue)).toMatchObject({ successRate30d: 85.7, runs30d: 7 });
  });

  it('a failed (or canceled, or result-less) session is not a verification: the older success is the newest verified', async () => {
    const { e } = await collectWith([
      sureBackupRow(1, 'Failed', 2),
      sureBackupRow(2, 'Success', 5, { isCanceled: true }),
      sureBackupRow(3, 'None', 7),
      sureBackupRow(4, 'Success', 40),
    ]);
    expect(e.status).toBe('ok');
    expect(e.value).toMatchObject({ verifiedDaysAgo: 40, verifications90d: 1, failed90d: 3 });
  });

  it('only failed SureBackup sessions → never verified (nulls), failures counted', async () => {
    const { e } = await collectWith([sureBackupRow(1, 'Failed', 3), sureBackupRow(2, 'Failed', 10)]);
    expect(e.status).toBe('ok');
    expect(e.value).toEqual({ lastVerifiedAt: null, verifiedDaysAgo: null, verifications90d: 0, failed90d: 2, via: 'Veeam SureBackup' });
  });

  it('no SureBackup session at all → lastVerifiedAt/verifiedDaysAgo null, status ok', async () => {
    const { e, result } = await collectWith([]);
    expect(result.status).toBe('ok');
    expect(e).toMatchObject({ status: 'ok', value: { lastVerifiedAt: null, verifiedDaysAgo: null, verifications90d: 0, failed90d: 0, via: 'Veeam SureBackup' } });
  });

  it('the newest success older than 90 days is still reported, with zero runs in the window', async () => {
    const { e } = await collectWith([sureBackupRow(1, 'Failed', 60), sureBackupRow(2, 'Success', 95)]);
    expect(e.value).toMatchObject({ verifiedDaysAgo: 95, verifications90d: 0, failed90d: 1 });
  });

  it('running sessions and other types (content scan, backup jobs) are not counted even if the server ignores the filter', async () => {
    const vbr = FakeVbr.standard();
    const mixed = [
      sureBackupRow(1, 'None', 0, { state: 'Working' }),
      sureBackupRow(2, 'Success', 1, { sessionType: 'SureBackupContentScan' }),
      sessionRow(3, 'Success'),
      sureBackupRow(4, 'Success', 8),
    ];
    vbr.overrides.push((req) => (isSureBackupRead(req) ? { status: 200, body: { data: mixed, pagination: { total: 4, count: 4, skip: 0, limit: 200 } } } : undefined));
    vbr.install();
    const e = verificationOf((await collectVeeamVbr(testConfig(), testContext())).evidence);
    expect(e.value).toMatchObject({ verifiedDaysAgo: 8, verifications90d: 1, failed90d: 0 });
  });

  it('stops paging once it has the newest verified run and has passed the 90-day window', async () => {
    const weekly = Array.from({ length: 30 }, (_, i) => sureBackupRow(i, i === 0 ? 'Failed' : 'Success', 1 + 7 * i)); // 1 … 204 days
    const vbr = FakeVbr.standard();
    vbr.sessions = [...vbr.sessions, ...weekly];
    vbr.maxPage = 5;
    vbr.install();
    const e = verificationOf((await collectVeeamVbr(testConfig(), testContext())).evidence);
    // within 90 days: days 1 (failed), 8, 15, …, 85 (12 verified); the 3rd page (days 71 … 99) passes the window
    expect(e.value).toMatchObject({ verifiedDaysAgo: 8, verifications90d: 12, failed90d: 1 });
    expect(vbr.get('/api/v1/sessions').filter(isSureBackupRead).map((r) => r.query.get('skip'))).toEqual(['0', '5', '10']);
  });

  it('a server that ignores the sort is read to the end (no early stop on out-of-order rows)', async () => {
    const rows = [sureBackupRow(1, 'Success', 100), sureBackupRow(2, 'Success', 3), sureBackupRow(3, 'Success', 200), sureBackupRow(4, 'Failed', 1)];
    const vbr = FakeVbr.standard();
    vbr.overrides.push((req) => {
      if (!isSureBackupRead(req)) return undefined;
      const skip = Number(req.query.get('skip'));
      return { status: 200, body: { data: rows.slice(skip, skip + 2), pagination: { total: rows.length, count: 2, skip, limit: 2 } } };
    });
    vbr.install();
    const e = verificationOf((await collectVeeamVbr(testConfig(), testContext())).evidence);
    // page 1 already has a success past the window, but 3 days follows 100 days: the order is not trusted
    expect(e.value).toMatchObject({ verifiedDaysAgo: 3, verifications90d: 1, failed90d: 1 });
    expect(vbr.get('/api/v1/sessions').filter(isSureBackupRead)).toHaveLength(2);
  });
});

describe('backup.verification when the sessions cannot be read', () => {
  it('a 403 on the SureBackup read → unavailable naming the role; backup.protection and the collector stay ok', async () => {
    const vbr = FakeVbr.standard();
    vbr.overrides.push((req) => (isSureBackupRead(req) ? vbrError(403, 'error-forbidden.json') : undefined));
    vbr.install();
    const result = await collectVeeamVbr(testConfig(), testContext(), FAST);
    expect(result.status).toBe('ok');
    expect(result.error).toBeNull();
    const e = verificationOf(result.evidence);
    expect(e).toMatchObject({ status: 'unavailable', reasonCode: 'permission_missing', value: null });
    expect(e.reason).toMatch(/\/api\/v1\/sessions failed: HTTP 403.*Veeam Backup Viewer/);
    const p = result.evidence[0]!;
    expect(p).toMatchObject({ key: 'backup.protection', status: 'ok' });
    expect(p.value).toMatchObject({ protected: 6, successRate30d: 85.7, runs30d: 7 });
    expect((p.value as ProtectionValue).unknownReasons).toBeUndefined();
    expect(vbr.get('/api/v1/sessions').filter(isSureBackupRead)).toHaveLength(1); // a 403 is never retried
  });

  it('a 500 after retries → error with the reason; the collector is partial, never a crash', async () => {
    const vbr = FakeVbr.standard();
    vbr.overrides.push((req) => (isSureBackupRead(req) ? vbrError(500, 'error-internal.json') : undefined));
    vbr.install();
    const result = await collectVeeamVbr(testConfig(), testContext(), FAST);
    const e = verificationOf(result.evidence);
    expect(e).toMatchObject({ status: 'error', reasonCode: 'collector_error', reason: 'veeam-vbr GET /api/v1/sessions failed: HTTP 500: Internal server error.' });
    expect(result.evidence[0]!.status).toBe('ok');
    expect(result.status).toBe('partial');
    expect(result.error).toMatch(/^1 of 3 veeam-vbr evidence keys failed for tenant contoso: backup\.verification: .*HTTP 500/);
  });

  it('a SureBackup row that breaks the schema → error / schema_violation naming the field', async () => {
    const { e } = await collectWith([{ ...sureBackupRow(1, 'Success', 2), endTime: 'last Tuesday' }]);
    expect(e).toMatchObject({ status: 'error', reasonCode: 'schema_violation' });
    expect(e.reason).toMatch(/data\[0\]\.endTime/);
  });

  it('1.1-rev0 (VBR 12.0) has no SureBackup session type: unavailable, and no request is spent on it', async () => {
    const { e, vbr, result } = await collectWith([sureBackupRow(1, 'Success', 2)], { apiVersion: '1.1-rev0' });
    expect(sureBackupQuery('1.1-rev0')).toBeNull();
    expect(result.status).toBe('ok');
    expect(e).toMatchObject({ status: 'unavailable', reasonCode: 'not_configured', value: null });
    expect(e.reason).toMatch(/1\.1-rev0 \(VBR 12\.0\) lists no SureBackup sessions.*1\.2-rev0 or later/);
    expect(e.source.endpoints).toEqual([]);
    expect(vbr.get('/api/v1/sessions').every((r) => r.query.get('typeFilter') === 'Job')).toBe(true);
  });

  it('1.1-rev1/1.1-rev2 answering 400 to typeFilter=SureBackup → unavailable naming the revision', async () => {
    const vbr = FakeVbr.standard();
    vbr.overrides.push((req) =>
      isSureBackupRead(req) ? { status: 400, body: { errorCode: 'UnexpectedContent', message: 'The value "SureBackup" is not valid for typeFilter.' } } : undefined,
    );
    vbr.install();
    const result = await collectVeeamVbr(testConfig({ apiVersion: '1.1-rev2' }), testContext(), FAST);
    const e = verificationOf(result.evidence);
    expect(e).toMatchObject({ status: 'unavailable', reasonCode: 'not_configured' });
    expect(e.reason).toMatch(/HTTP 400.*REST API 1\.1-rev2 refused typeFilter=SureBackup.*1\.2-rev0 or later/);
    expect(result.status).toBe('ok');
  });

  it('wrong credentials → both keys unavailable with the sign-in line', async () => {
    FakeVbr.standard().install();
    const result = await collectVeeamVbr(testConfig({ password: 'Wr0ng-Password-Value' }), testContext());
    expect(result.status).toBe('error');
    expect(result.evidence.map((x) => [x.key, x.status])).toEqual([
      ['backup.protection', 'unavailable'],
      ['backup.verification', 'unavailable'],
      ['backup.immutability', 'unavailable'],
    ]);
    expect(verificationOf(result.evidence).reason).toBe(result.error);
  });
});

describe('backup.verification in a targeted re-check (ctx.only)', () => {
  it('only backup.verification: the token and one SureBackup read, nothing else', async () => {
    const vbr = FakeVbr.standard();
    vbr.sessions = [...vbr.sessions, sureBackupRow(1, 'Success', 4)];
    vbr.install();
    const result = await collectVeeamVbr(testConfig(), testContext({ only: ['backup.verification'] }));
    expect(result.evidence.map((x) => x.key)).toEqual(['backup.verification']);
    expect(result.evidence[0]!.value).toMatchObject({ verifiedDaysAgo: 4 });
    expect(vbr.requests.map((r) => `${r.method} ${r.path} ${r.query.get('typeFilter') ?? ''}`.trim())).toEqual([
      'POST /api/oauth2/token',
      'GET /api/v1/sessions SureBackup',
    ]);
    expect(result.requests).toBe(2);
  });

  it('only backup.protection: no SureBackup read', async () => {
    const vbr = FakeVbr.standard().install();
    const result = await collectVeeamVbr(testConfig(), testContext({ only: ['backup.protection'] }));
    expect(result.evidence.map((x) => x.key)).toEqual(['backup.protection']);
    expect(vbr.get('/api/v1/sessions').filter(isSureBackupRead)).toHaveLength(0);
  });
});

describe('VerificationTally', () => {
  const parse = (row: Record<string, unknown>) => session.parse(row);
  it('classifies Success/Warning as verified; Failed, None and canceled as failed; running and other types apart', () => {
    const t = new VerificationTally(NOW.getTime());
    expect(t.classify(parse(sureBackupRow(1, 'Success', 1)))).toBe('verified');
    expect(t.classify(parse(sureBackupRow(1, 'Warning', 1)))).toBe('verified');
    expect(t.classify(parse(sureBackupRow(1, 'Failed', 1)))).toBe('failed');
    expect(t.classify(parse(sureBackupRow(1, 'None', 1)))).toBe('failed');
    expect(t.classify(parse(sureBackupRow(1, 'Success', 1, { isCanceled: true })))).toBe('failed');
    expect(t.classify(parse(sureBackupRow(1, 'None', 0, { state: 'Working' })))).toBe('running');
    expect(t.classify(parse(sureBackupRow(1, 'Success', 1, { sessionType: 'SureBackupContentScan' })))).toBe('ignored');
    expect(t.classify(parse(sessionRow(1, 'Success')))).toBe('ignored');
  });

  it('an end time of 0001-01-01T00:00:00 (VBR\'s "no end", as in the spec\'s session examples) falls back to the creation time', () => {
    const t = new VerificationTally(NOW.getTime());
    const row = sureBackupRow(1, 'Success', 3);
    t.add(parse({ ...row, endTime: '0001-01-01T00:00:00' }));
    expect(t.value()).toMatchObject({ lastVerifiedAt: new Date(parse(row).creationTime).toISOString(), verifiedDaysAgo: 3, verifications90d: 1 });
  });

  it('a run stamped in the future (clock skew) is 0 days ago', () => {
    const t = new VerificationTally(NOW.getTime());
    t.add(parse({ ...sureBackupRow(1, 'Success', 0), endTime: new Date(NOW.getTime() + 600_000).toISOString() }));
    expect(t.value()).toMatchObject({ verifiedDaysAgo: 0, verifications90d: 1 });
  });
});
