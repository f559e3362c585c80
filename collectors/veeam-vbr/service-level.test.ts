/**
 * The backup service level: never-backed-up objects are failures (not unknowns), freshness within 72 h, and the
 * 30-day success rate of backup job sessions — including a 403 on sessions, which must leave the rest intact.
 */
import { describe, expect, it } from 'vitest';
import type { Evidence } from '../../src/domain/evidence.js';
import { collectVeeamVbr } from './collect.js';
import { ProtectionTally } from './protection.js';
import { session, type Session } from './schema.js';
import { SessionTally } from './sessions.js';
import { FakeVbr, isPath, NOW, offlineWithVbrSecret, sessionRow, testConfig, testContext, vbrError } from './test-support.js';
import type { ProtectionValue } from './protection.js';

const H = 3_600_000;
const NOW_MS = NOW.getTime();
const FAST = { backoffBaseMs: 5 };

offlineWithVbrSecret();

function tallyOf(ages: Array<number | null>): ProtectionValue {
  const t = new ProtectionTally(NOW_MS, false);
  ages.forEach((h, i) => t.add({ name: `vm${i}`, newestMs: h === null ? null : NOW_MS - h * H, lastRunFailed: null }));
  return t.value(null, '1.2-rev1');
}

describe('freshness: never backed up is a failure of that workload', () => {
  it('one never-backed-up object among 10 → neverSucceeded 1, stale, freshPct ≤ 90', () => {
    const v = tallyOf([1, 2, 3, 4, 5, 6, 7, 8, 9, null]);
    expect(v).toMatchObject({ protected: 10, neverSucceeded: 1, fresh72h: 9, freshPct: 90, staleOver72h: 1, succeeded24h: 9, pct: 90 });
    expect(v.staleOver72h).toBeGreaterThanOrEqual(1);
    expect(v.freshPct).toBeLessThanOrEqual(90);
    expect(v.failing).toContain('vm9');
    // display only: no age to show
    expect(v.oldestSuccessHours).toBeNull();
  });

  it('adding a never-backed-up object never raises freshPct (nor pct)', () => {
    for (const base of [[1, 2, 3], [1, 80, 200], [100, 200], [1]]) {
      const before = tallyOf(base);
      const after = tallyOf([...base, null]);
      expect(after.freshPct!).toBeLessThanOrEqual(before.freshPct!);
      expect(after.pct!).toBeLessThanOrEqual(before.pct!);
      expect(after.staleOver72h).toBe(before.staleOver72h + 1);
    }
  });

  it('an object last good 80 h ago is stale; exactly 72 h is still fresh', () => {
    const v = tallyOf([80, 72, 1]);
    expect(v).toMatchObject({ fresh72h: 2, staleOver72h: 1, freshPct: 66.7, neverSucceeded: 0, oldestSuccessHours: 80 });
  });

  it('nothing protected → freshPct null, staleOver72h 0', () => {
    expect(tallyOf([])).toMatchObject({ protected: 0, fresh72h: 0, freshPct: null, staleOver72h: 0 });
  });

  it('end to end: fs02 (no restore point) and old-app (200 h) are the stale ones', async () => {
    FakeVbr.standard().install();
    const v = (await collectVeeamVbr(testConfig(), testContext())).evidence[0]!.value as ProtectionValue;
    expect(v).toMatchObject({ protected: 6, neverSucceeded: 1, fresh72h: 4, staleOver72h: 2, freshPct: 66.7 });
  });
});

const parse = (row: Record<string, unknown>): Session => session.parse(row);

describe('successRate30d from backup job sessions', () => {
  it('classifies Success and Warning as success, Failed/None/canceled as failure, running as not counted', () => {
    const t = new SessionTally(NOW_MS - 30 * 24 * H);
    expect(t.classify(parse(sessionRow(1, 'Success')))).toBe('success');
    expect(t.classify(parse(sessionRow(1, 'Warning')))).toBe('success');
    expect(t.classify(parse(sessionRow(1, 'Failed')))).toBe('failure');
    expect(t.classify(parse(sessionRow(1, 'None')))).toBe('failure'); // stopped without a result
    expect(t.classify(parse(sessionRow(1, 'Warning', { isCanceled: true })))).toBe('failure');
    expect(t.classify(parse(sessionRow(1, 'None', { state: 'Working' })))).toBe('running');
    expect(t.classify(parse(sessionRow(1, 'None', { state: 'Postprocessing' })))).toBe('running');
    // a server that ignored the filters: other types and older sessions are not measured
    expect(t.classify(parse(sessionRow(1, 'Failed', { sessionType: 'RestoreVm' })))).toBe('ignored');
    expect(t.classify(parse(sessionRow(1, 'Failed', { hoursAgo: 31 * 24 })))).toBe('ignored');
    // 1.1-rev0 calls them `Job`
    expect(t.classify(parse({ ...sessionRow(1, 'Success', { sessionType: 'Job' }), jobId: undefined, activityId: 'x' }))).toBe('success');
  });

  it('a page with Warning and Failed sessions: 8 of 10 finished runs → 80 %', async () => {
    const vbr = FakeVbr.standard();
    vbr.sessions = [
      ...['Success', 'Warning', 'Success', 'Failed', 'Success', 'Warning', 'Success', 'Failed', 'Success', 'Success'].map((r, i) =>
        sessionRow(i, r as 'Success' | 'Warning' | 'Failed'),
      ),
      sessionRow(50, 'None', { hoursAgo: 0.2, state: 'Working' }),
    ];
    vbr.install();
    const result = await collectVeeamVbr(testConfig(), testContext());
    const v = result.evidence[0]!.value as ProtectionValue;
    expect(v).toMatchObject({ successRate30d: 80, runs30d: 10 });
    expect(v.unknownReasons).toBeUndefined();
  });

  it('excludeJobs leaves those jobs out of the rate too', async () => {
    const vbr = FakeVbr.standard();
    vbr.sessions = [sessionRow(1, 'Success'), sessionRow(2, 'Failed', { name: 'Test Lab Backup' })];
    vbr.install();
    const v = (await collectVeeamVbr(testConfig({ excludeJobs: ['Test *'] }), testContext())).evidence[0]!.value as ProtectionValue;
    expect(v).toMatchObject({ successRate30d: 100, runs30d: 1 });
  });

  it('no finished run in 30 days while objects are protected is 0 %, not unknown', async () => {
    const vbr = FakeVbr.standard();
    vbr.sessions = [];
    vbr.install();
    const v = (await collectVeeamVbr(testConfig(), testContext())).evidence[0]!.value as ProtectionValue;
    expect(v).toMatchObject({ successRate30d: 0, runs30d: 0 });
  });

  it('1.1-rev1/1.1-rev2 send no typeFilter (no published enum) and keep backup job sessions only', async () => {
    const vbr = FakeVbr.standard();
    vbr.sessions = [sessionRow(1, 'Success'), sessionRow(2, 'Failed', { sessionType: 'ConfigurationBackup' }), sessionRow(3, 'Failed')];
    vbr.install();
    const v = (await collectVeeamVbr(testConfig({ apiVersion: '1.1-rev2' }), testContext())).evidence[0]!.value as ProtectionValue;
    expect(vbr.get('/api/v1/sessions')[0]!.query.has('typeFilter')).toBe(false);
    expect(v).toMatchObject({ successRate30d: 50, runs30d: 2 });
  });

  it('a 403 on sessions leaves the evidence ok, everything else intact, and an unknownReasons entry', async () => {
    const vbr = FakeVbr.standard();
    vbr.overrides.push((req) => (isPath('/api/v1/sessions')(req) ? vbrError(403, 'error-forbidden.json') : undefined));
    vbr.install();
    const result = await collectVeeamVbr(testConfig(), testContext(), FAST);
    expect(result.status).toBe('ok');
    expect(result.error).toBeNull();
    const e: Evidence = result.evidence[0]!;
    expect(e.status).toBe('ok');
    const v = e.value as ProtectionValue;
    expect(v).toMatchObject({ protected: 6, succeeded24h: 3, neverSucceeded: 1, freshPct: 66.7, jobs: 5, successRate30d: null, runs30d: null });
    expect(v.unknownReasons?.successRate30d).toMatch(/^permission_missing: .*\/api\/v1\/sessions.*Veeam Backup Viewer/);
    expect(e.source.endpoints).toContain('/api/v1/sessions');
    expect(result.evidence[1]).toMatchObject({ key: 'backup.verification', status: 'unavailable', reasonCode: 'permission_missing', value: null });
  });

  it('a 500 on sessions after retries is an unknown of that field only', async () => {
    const vbr = FakeVbr.standard();
    vbr.overrides.push((req) => (isPath('/api/v1/sessions')(req) ? vbrError(500, 'error-internal.json') : undefined));
    vbr.install();
    const result = await collectVeeamVbr(testConfig(), testContext(), FAST);
    // backup.verification reads the same collection: it is an error too, so the collector is partial
    expect(result.status).toBe('partial');
    expect(result.evidence[0]!.status).toBe('ok');
    expect(result.evidence[1]).toMatchObject({ key: 'backup.verification', status: 'error', reasonCode: 'collector_error' });
    const v = result.evidence[0]!.value as ProtectionValue;
    expect(v.successRate30d).toBeNull();
    expect(v.unknownReasons?.successRate30d).toMatch(/^collector_error: /);
    expect(v.succeeded24h).toBe(3);
  });
});
