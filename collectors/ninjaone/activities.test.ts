/**
 * Alert severity and acknowledgement from NinjaOne's activity log (/v2/activities): the join on the series uid, the
 * 24-hour acknowledgement share, paging backwards by id with its cap, per-series look-ups of old alerts, and the
 * failures that must leave the rest of rmm.alerts standing.
 */
import nock from 'nock';
import { describe, expect, it } from 'vitest';
import type { VendorHttp } from '../../src/http/client.js';
import type { Evidence } from '../../src/domain/evidence.js';
import { ActivityLog } from './activities.js';
import { NOT_APPLICABLE, deriveAlerts, type ActivityInput, type AlertScope } from './alerts.js';
import { collectNinjaOne } from './collect.js';
import { CallCounter, pageActivities, type ActivityWalk } from './http.js';
import type { Activity, Alert } from './schema.js';
import {
  FakeNinja,
  FAST,
  fixture,
  json,
  ninjaError,
  NOW,
  NOW_S,
  offlineWithFakeNinja,
  standardTenant,
  testConfig,
  testContext,
} from './test-support.js';

const H = 3600;
const D = 86_400;
const ORG_SCOPE: AlertScope = { organizationId: 12, deviceIds: new Set([1, 2, 3, 5]), managedDevices: 4 };
const SINCE_MS = NOW.getTime() - 30 * D * 1000;

let nextId = 1;
const act = (seriesUid: string, statusCode: string, ago: number, extra: Partial<Activity> = {}): Activity => ({
  id: nextId++,
  activityTime: NOW_S - ago,
  deviceId: 1,
  activityType: 'CONDITION',
  statusCode,
  seriesUid,
  ...extra,
});
const logOf = (...acts: Activity[]) => {
  const log = new ActivityLog();
  for (const a of acts) log.add(a);
  return log;
};
const walk = (extra: Partial<ActivityWalk> = {}): ActivityWalk => ({ pages: 1, read: 0, capped: false, oldestMs: null, ...extra });
const input = (log: ActivityLog, extra: Partial<Extract<ActivityInput, { ok: true }>> = {}): ActivityInput => ({
  ok: true,
  log,
  walk: walk(),
  sinceMs: SINCE_MS,
  lookups: 0,
  lookupNote: null,
  ...extra,
});
const alert = (uid: string, ago: number, extra: Partial<Alert> = {}): Alert => ({ uid, deviceId: 1, createTime: NOW_S - ago, ...extra });

describe('acknowledgement within 24 h (ActivityLog.ackStats)', () => {
  it('counts episodes triggered 24 h–30 days ago, handled by an ACKNOWLEDGED or a RESET within a day', () => {
    const log = logOf(
      act('a', 'TRIGGERED', 3 * D),
      act('a', 'ACKNOWLEDGED', 3 * D - 23 * H), // within
      act('a', 'RESET', 2 * D), // a later reset does not count twice
      act('b', 'TRIGGERED', 10 * D),
      act('b', 'RESET', 10 * D - 2 * H), // closed within a day: handled
      act('c', 'TRIGGERED', 5 * D),
      act('c', 'ACKNOWLEDGED', 5 * D - 25 * H), // too late
      act('d', 'TRIGGERED', 2 * D), // never handled
      act('e', 'TRIGGERED', 12 * H), // not a full day old: not counted
      act('f', 'RESET', 29 * D), // trigger before the window: not counted
      act('g', 'TRIGGERED', 31 * D),
      act('g', 'ACKNOWLEDGED', 31 * D - H),
    );
    expect(log.ackStats(ORG_SCOPE, SINCE_MS, NOW)).toEqual({ series: 4, within24h: 2, resetWithin24h: 1, since: '2024-05-02T00:00:00.000Z', pct: 50 });
  });

  it('a series re-triggered after a reset is a new episode; re-triggered while open, the same one', () => {
    const log = logOf(
      act('a', 'TRIGGERED', 9 * D),
      act('a', 'RESET', 9 * D - H),
      act('a', 'TRIGGERED', 6 * D),
      act('a', 'TRIGGERED', 6 * D - H), // still open: same episode
      act('a', 'ACKNOWLEDGED', 4 * D), // two days later: late
    );
    expect(log.ackStats(ORG_SCOPE, SINCE_MS, NOW)).toMatchObject({ series: 2, within24h: 1, pct: 50 });
  });

  it('keeps to the scope: episodes on devices outside the organisation do not count', () => {
    const log = logOf(act('a', 'TRIGGERED', 2 * D, { deviceId: 4 }), act('b', 'TRIGGERED', 2 * D), act('b', 'ACKNOWLEDGED', 2 * D - H));
    expect(log.ackStats(ORG_SCOPE, SINCE_MS, NOW)).toMatchObject({ series: 1, within24h: 1, pct: 100 });
    expect(log.ackStats({ organizationId: undefined, deviceIds: null }, SINCE_MS, NOW)).toMatchObject({ series: 2, within24h: 1, pct: 50 });
  });

  it('ignores activities that are not alert states of a CONDITION series', () => {
    const log = logOf(act('a', 'COMPLETED', 2 * D, { activityType: 'ACTION' }), act('b', 'TRIGGERED', 2 * D, { activityType: 'SCRIPTING' }), act('', 'TRIGGERED', 2 * D));
    expect(log.ignored).toBe(3);
    expect(log.ackStats(ORG_SCOPE, SINCE_MS, NOW).series).toBe(0);
  });
});

describe('rmm.alerts from alerts + activity log', () => {
  it('joins severity on seriesUid = alert uid; an alert whose severity was found nowhere counts as high', () => {
    const log = logOf(
      act('A1', 'TRIGGERED', 30 * H, { severity: 'CRITICAL', priority: 'HIGH' }),
      act('a2', 'TRIGGERED', 2 * H, { severity: 'MINOR', priority: 'LOW' }),
      act('a3', 'TRIGGERED', 9 * D, { severity: 'MODERATE', priority: 'HIGH' }), // HIGH priority: high
      act('a4', 'ACKNOWLEDGED', 3 * D, { severity: 'MAJOR' }), // no TRIGGERED read: any activity's severity
    );
    const alerts = [alert('a1', 30 * H), alert('a2', 2 * H), alert('a3', 9 * D), alert('a4', 4 * D), alert('a5', 40 * D)];
    const v = deriveAlerts(alerts, ORG_SCOPE, NOW, input(log));
    // a1 (uid case differs), a3, a4 high; a5 unresolved → high too, and `critical` unknown.
    expect(v).toMatchObject({ open: 5, critical: null, high: 4, highOver24h: 4, highOver7d: 2, highOver24hPer100: 100, highOver7dPer100: 50, severityUnresolved: 1 });
    expect(v.notApplicable).toEqual({});
    expect(deriveAlerts(alerts.slice(0, 4), ORG_SCOPE, NOW, input(log))).toMatchObject({ critical: 3, high: 3, severityUnresolved: 0 });
  });

  it('no alert episode in the window: ackWithin24hPct is not applicable (nothing to acknowledge), never 0 or 100', () => {
    const v = deriveAlerts([], ORG_SCOPE, NOW, input(logOf(act('a', 'TRIGGERED', 2 * H))));
    expect(v).toMatchObject({ open: 0, high: 0, critical: 0, ackWithin24hPct: null, alertSeries30d: 0, acknowledgedWithin24h: 0 });
    expect(v.notApplicable).toEqual({ ackWithin24hPct: NOT_APPLICABLE.noAlerts });
    expect(v.unknownReasons).toEqual({});
  });

  it('a capped walk measures only the span it read, and says so', () => {
    const oldestMs = (NOW_S - 8 * D) * 1000;
    const log = logOf(act('a', 'TRIGGERED', 6 * D), act('a', 'ACKNOWLEDGED', 6 * D - H), act('b', 'TRIGGERED', 8 * D));
    const v = deriveAlerts([], ORG_SCOPE, NOW, input(log, { walk: walk({ pages: 100, read: 3, capped: true, oldestMs }) }));
    expect(v).toMatchObject({ ackWithin24hPct: 50, alertSeries30d: 2, activityLog: { capped: true, pages: 100, since: new Date(oldestMs).toISOString() } });
    // Capped within the last day: no episode could be measured — unknown, not "no alerts".
    const recent = deriveAlerts([], ORG_SCOPE, NOW, input(logOf(act('c', 'TRIGGERED', H)), { walk: walk({ pages: 100, capped: true, oldestMs: (NOW_S - 2 * H) * 1000 }) }));
    expect(recent.ackWithin24hPct).toBeNull();
    expect(recent.notApplicable).toEqual({});
    expect(recent.unknownReasons.ackWithin24hPct).toMatch(/cap of 100 pages without reaching alerts a day old/);
  });

  it('an unreadable log leaves severity and acknowledgement unknown with the reason; the rest stands', () => {
    const v = deriveAlerts([alert('a1', 30 * H)], ORG_SCOPE, NOW, { ok: false, reason: 'GET /v2/activities failed: HTTP 403' });
    expect(v).toMatchObject({ open: 1, staleOver24h: 1, staleOver24hPer100: 25, high: null, highOver24h: null, critical: null, ackWithin24hPct: null, activityLog: null });
    expect(v.notApplicable).toEqual({});
    expect(Object.keys(v.unknownReasons).sort()).toEqual(['ackWithin24hPct', 'high', 'highOver24h', 'highOver24hPer100', 'highOver7d', 'highOver7dPer100']);
    expect(v.unknownReasons.high).toMatch(/activity log \(\/v2\/activities\), which could not be read: GET \/v2\/activities failed: HTTP 403/);
    // No open alert: nothing is high, whatever the log.
    expect(deriveAlerts([], ORG_SCOPE, NOW, { ok: false, reason: 'x' })).toMatchObject({ high: 0, highOver24h: 0 });
  });
});

describe('pageActivities', () => {
  const pcWith = (pages: Activity[][]) => {
    const calls: Array<Record<string, unknown>> = [];
    const http = {
      requests: 0,
      tokenSource: null,
      get: (_path: string, _schema: unknown, opts?: { params?: Record<string, unknown> }) => {
        calls.push({ ...opts?.params });
        return Promise.resolve({ activities: pages[calls.length - 1] ?? [] });
      },
    } as unknown as VendorHttp;
    return { pc: { http, signal: new AbortController().signal, counter: new CallCounter(), pageSize: 2 }, calls };
  };

  it('pages backwards by the smallest id, and stops at the page cap without error', async () => {
    const { pc, calls } = pcWith([
      [act('a', 'TRIGGERED', H, { id: 60 }), act('a', 'TRIGGERED', 2 * H, { id: 50 })],
      [act('a', 'TRIGGERED', 3 * H, { id: 40 }), act('a', 'TRIGGERED', 4 * H, { id: 30 })],
      [act('a', 'TRIGGERED', 5 * H, { id: 20 }), act('a', 'TRIGGERED', 6 * H, { id: 10 })],
    ]);
    const seen: number[] = [];
    const w = await pageActivities(pc, { type: 'CONDITION' }, SINCE_MS, (a) => seen.push(a.id), 2);
    expect(calls.map((c) => c.olderThan)).toEqual([undefined, 30 + 20]);
    expect(calls[0]).toMatchObject({ type: 'CONDITION', pageSize: 2, after: SINCE_MS / 1000 });
    expect(seen).toEqual([60, 50, 40, 30]);
    expect(w).toEqual({ pages: 2, read: 4, capped: true, oldestMs: (NOW_S - 4 * H) * 1000 });
    expect(pc.counter.count).toBe(2);
  });

  it('stops at the window start even when the server ignores `after`', async () => {
    const { pc, calls } = pcWith([
      [act('a', 'TRIGGERED', 29 * D, { id: 9 }), act('a', 'TRIGGERED', 31 * D, { id: 8 })],
      [act('a', 'TRIGGERED', 32 * D, { id: 7 }), act('a', 'TRIGGERED', 33 * D, { id: 6 })],
    ]);
    const w = await pageActivities(pc, {}, SINCE_MS, () => undefined, 100);
    expect(calls).toHaveLength(1);
    expect(w).toMatchObject({ pages: 1, read: 1, capped: false });
  });

  it('an olderThan that does not move back is an error, not a loop', async () => {
    const page = [act('a', 'TRIGGERED', H, { id: 5 }), act('a', 'TRIGGERED', H, { id: 4 })];
    const { pc } = pcWith([page, page, page]);
    await expect(pageActivities(pc, {}, SINCE_MS, () => undefined, 100)).rejects.toThrow(/did not advance past activity id 4/);
  });
});

describe('ninjaone collector — the activity log over HTTP', () => {
  let fake: FakeNinja;
  offlineWithFakeNinja((f) => (fake = f));
  const alertsOf = (evidence: Evidence[]) => evidence.find((e) => e.key === 'rmm.alerts')!;

  it('a 403 on /v2/activities keeps rmm.alerts ok: severity and acknowledgement unknown, with the reason', async () => {
    standardTenant(fake).on('/v2/activities', ninjaError(403, 'FORBIDDEN', 'Access denied: insufficient scope')).install();
    const result = await collectNinjaOne(testConfig(), testContext(), FAST);
    expect(result.status).toBe('ok');
    const e = alertsOf(result.evidence);
    expect(e.status).toBe('ok');
    const v = e.value as Record<string, unknown> & { unknownReasons: Record<string, string> };
    expect(v).toMatchObject({ open: 3, staleOver24h: 2, staleOver24hPer100: 40, critical: null, high: null, highOver24hPer100: null, ackWithin24hPct: null, notApplicable: {} });
    expect(v.unknownReasons.ackWithin24hPct).toMatch(/activity log \(\/v2\/activities\), which could not be read: .*HTTP 403: Access denied: insufficient scope — .*"Monitoring" scope/);
    expect(v.unknownReasons.highOver7d).toMatch(/HTTP 403/);
    expect(fake.hits('/v2/activities')).toHaveLength(1); // a 403 is not retried
    for (const k of ['rmm.devices', 'rmm.patches', 'rmm.antivirus']) expect(result.evidence.find((x) => x.key === k)!.status).toBe('ok');
  });

  it('a 5xx after retries, or a body that breaks the schema, is handled the same way', async () => {
    standardTenant(fake).on('/v2/activities', ninjaError(503, 'SERVICE_UNAVAILABLE', 'down')).install();
    const down = alertsOf((await collectNinjaOne(testConfig(), testContext({ only: ['rmm.alerts'] }), FAST)).evidence);
    expect(down.status).toBe('ok');
    expect((down.value as { unknownReasons: Record<string, string> }).unknownReasons.ackWithin24hPct).toMatch(/HTTP 503: down \(after 2 retries\)/);

    nock.cleanAll();
    fake = new FakeNinja();
    standardTenant(fake).on('/v2/activities', json({ activities: [{ id: 'x1', activityType: 'CONDITION' }] })).install();
    const broken = alertsOf((await collectNinjaOne(testConfig(), testContext({ only: ['rmm.alerts'] }), FAST)).evidence);
    expect(broken.status).toBe('ok');
    expect((broken.value as { unknownReasons: Record<string, string> }).unknownReasons.high).toMatch(/activities\[0\]\.id/);
  });

  it('looks up the series of an open alert older than the window, and counts one never found as high', async () => {
    const alerts = fixture<Array<Record<string, unknown>>>('alerts.json');
    alerts.push(
      { uid: 'old-critical', deviceId: 5, createTime: NOW_S - 40 * D, sourceType: 'CONDITION_AGENT_CPU' },
      { uid: 'old-unknown', deviceId: 7, createTime: NOW_S - 45 * D, sourceType: 'CONDITION_AGENT_CPU' },
    );
    const activities = fixture<Array<Record<string, unknown>>>('activities.json');
    activities.push({ id: 90, activityTime: NOW_S - 40 * D, deviceId: 5, activityType: 'CONDITION', statusCode: 'TRIGGERED', seriesUid: 'old-critical', severity: 'CRITICAL', priority: 'HIGH' });
    standardTenant(fake).on('/v2/alerts', json(alerts)).on('/v2/activities', (req) => {
      // The window walk never returns activity 90 (older than `after`); the look-up by seriesUid does.
      const uid = req.query.get('seriesUid');
      if (uid) return json({ lastActivityId: 115, activities: activities.filter((a) => a.seriesUid === uid) });
      return json({ lastActivityId: 115, activities: [] });
    });
    fake.install();
    const result = await collectNinjaOne(testConfig(), testContext({ only: ['rmm.alerts'] }), FAST);
    const lookups = fake.hits('/v2/activities').filter((r) => r.query.get('seriesUid'));
    expect(lookups.map((r) => [r.query.get('seriesUid'), r.query.get('type'), r.query.get('pageSize')])).toEqual(
      expect.arrayContaining([
        ['old-critical', 'CONDITION', '10'],
        ['old-unknown', 'CONDITION', '10'],
      ]),
    );
    const v = alertsOf(result.evidence).value as Record<string, unknown>;
    // The walk read nothing here, so all five open alerts were looked up: the fixture's three and old-critical found
    // (CRITICAL, MINOR, MAJOR, CRITICAL); old-unknown never found → high, and `critical` unknown.
    expect(v).toMatchObject({ open: 5, critical: null, severityUnresolved: 1, high: 4, highOver24h: 4, highOver7d: 2, activityLog: { seriesLookups: 5, read: 0, note: null } });
    // Looked-up activities join the log; the acknowledgement share still keeps to the window (DC01 acknowledged
    // within the hour, the switch never).
    expect(v).toMatchObject({ alertSeries30d: 2, acknowledgedWithin24h: 1, ackWithin24hPct: 50 });
  });
});
