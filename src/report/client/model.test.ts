import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildClientReport, NoHistoryError, PeriodError, parsePeriod, periodFromOptions, periodFromRange, thin } from './model.js';
import { ENDPOINT_SCORES, MFA_AFTER, PATCH_AFTER, PATCH_BEFORE, Q4_STARTS, seedHistory, TENANT, TITLES, type SeededHistory } from './test-support.js';

const NOW = new Date('2026-12-04T12:00:00.000Z');

describe('parsePeriod', () => {
  it('reads quarters, months and years in UTC with an exclusive end', () => {
    expect(parsePeriod('2026-Q4', NOW)).toEqual({ from: new Date('2026-10-01T00:00:00Z'), to: new Date('2027-01-01T00:00:00Z'), label: 'Q4 2026' });
    expect(parsePeriod('2026-q1', NOW)).toMatchObject({ from: new Date('2026-01-01T00:00:00Z'), to: new Date('2026-04-01T00:00:00Z') });
    expect(parsePeriod('2026-11', NOW)).toEqual({ from: new Date('2026-11-01T00:00:00Z'), to: new Date('2026-12-01T00:00:00Z'), label: 'November 2026' });
    expect(parsePeriod('2025-12', NOW).to).toEqual(new Date('2026-01-01T00:00:00Z'));
    expect(parsePeriod('2025', NOW)).toMatchObject({ from: new Date('2025-01-01T00:00:00Z'), to: new Date('2026-01-01T00:00:00Z'), label: '2025' });
  });

  it('refuses what it cannot read, and periods that have not begun, naming the option', () => {
    expect(() => parsePeriod('Q4', NOW)).toThrow(PeriodError);
    expect(() => parsePeriod('2026-13', NOW)).toThrow(/--period 2026-13: expected a quarter \(2026-Q4\)/);
    expect(() => parsePeriod('2026-Q5', NOW)).toThrow(/expected a quarter/);
    expect(() => parsePeriod('2027-Q1', NOW)).toThrow(/--period 2027-Q1: the period starts after today \(2026-12-04\)/);
  });

  it('reads --from/--to as whole days, the last one included', () => {
    expect(periodFromRange('2026-10-01', '2026-10-31', NOW)).toEqual({ from: new Date('2026-10-01T00:00:00Z'), to: new Date('2026-11-01T00:00:00Z'), label: '2026-10-01 to 2026-10-31' });
    expect(() => periodFromRange('2026-10-31', '2026-10-01', NOW)).toThrow(/--to 2026-10-01 is before --from 2026-10-31/);
    expect(() => periodFromRange('2026-02-30', '2026-03-01', NOW)).toThrow(/--from 2026-02-30: expected a date as YYYY-MM-DD/);
    expect(() => periodFromRange('1/10/2026', '2026-03-01', NOW)).toThrow(/--from 1\/10\/2026/);
  });

  it('combines the options: one way at a time, both ends together, the last 90 days by default', () => {
    expect(() => periodFromOptions({ period: '2026-Q4', from: '2026-10-01' }, NOW)).toThrow(/either --period or --from\/--to/);
    expect(() => periodFromOptions({ from: '2026-10-01' }, NOW)).toThrow(/--to is missing/);
    const d = periodFromOptions({}, NOW);
    expect(d.to).toEqual(new Date('2026-12-05T00:00:00Z'));
    expect((d.to.getTime() - d.from.getTime()) / 86_400_000).toBe(90);
  });
});

describe('buildClientReport against a stored history', () => {
  let h: SeededHistory;
  beforeEach(async () => {
    h = await seedHistory();
  });
  afterEach(async () => {
    await h.store.close();
  });

  it('reports the level now and over the period from the scans inside it only', async () => {
    const r = await buildClientReport(h.store, TENANT, parsePeriod('2026-Q4', NOW), { now: NOW });
    expect(r.tenant).toEqual(TENANT);
    expect(r.scans.count).toBe(Q4_STARTS.length);
    expect(r.scans.first.slice(0, 10)).toBe(Q4_STARTS[0]);
    expect(r.level).toMatchObject({ value: 3, name: 'Defined', atStart: 2, lowest: 2, highest: 3 });
    // The step line keeps the first scan, the scans where the level changed, and the last.
    expect(r.level.points.map((p) => [p.at.slice(0, 10), p.value])).toEqual([
      [Q4_STARTS[0], 2],
      [Q4_STARTS[6], 3],
      [Q4_STARTS[8], 3],
    ]);
    expect(r.generatedAt).toBe(NOW.toISOString());
  });

  it("traces each capability's score, scan by scan", async () => {
    const r = await buildClientReport(h.store, TENANT, parsePeriod('2026-Q4', NOW), { now: NOW });
    const endpoint = r.capabilities.find((c) => c.id === 'endpoint')!;
    expect(endpoint.points.map((p) => p.value)).toEqual(ENDPOINT_SCORES);
    expect(endpoint).toMatchObject({ name: 'Endpoint & patching', score: 62.5, startScore: 40, level: 3, unscored: null });
    expect(r.capabilities.find((c) => c.id === 'governance')).toMatchObject({ score: null, points: [] });
    expect(r.capabilities.find((c) => c.id === 'governance')!.unscored).toMatch(/not assessed/);
  });

  it('says what improved and what slipped in the rules’ words, never their ids', async () => {
    const r = await buildClientReport(h.store, TENANT, parsePeriod('2026-Q4', NOW), { now: NOW });
    expect(r.improved).toHaveLength(1);
    expect(r.improved[0]).toMatchObject({ title: TITLES['patch-compliance'], capability: 'Endpoint & patching', before: PATCH_BEFORE, now: PATCH_AFTER, from: 'fail', to: 'pass' });
    expect(r.slipped).toHaveLength(1);
    expect(r.slipped[0]).toMatchObject({ title: TITLES['mfa-enforced'], now: MFA_AFTER, from: 'pass', to: 'fail' });
    expect(r.slipped[0]!.remedy).toMatch(/Conditional Access policy back on/);
    for (const c of [...r.improved, ...r.slipped]) expect(c.text).not.toMatch(/patch-compliance|mfa-enforced/);
    expect(r.episodes).toHaveLength(1);
    expect(r.episodes[0]!.text).toContain(`${TITLES['mfa-enforced']} (${MFA_AFTER}, expected enforced for all users)`);
    expect(r.episodes[0]!.text).toContain('the level dropped from 3 to 2');
  });

  it('lists the roadmap with effort, and the attestations on file with their state', async () => {
    const r = await buildClientReport(h.store, TENANT, parsePeriod('2026-Q4', NOW), { now: NOW, attestationLabel: (k) => `label:${k}` });
    expect(r.roadmap.toLevel).toBe(4);
    expect(r.roadmap.steps).toEqual([{ capability: 'Identity & access', title: TITLES['mfa-user-coverage'], gap: '13 members still to register', remediation: 'Run a registration campaign', weight: 3 }]);
    expect(r.roadmap.effort).toBe('small: 1 change across 1 area (combined gate weight 3)');
    expect(r.attestations.map((a) => [a.label, a.status])).toEqual([
      ['label:dr_plan', 'expired'],
      ['label:restore_test', 'valid'],
    ]);
  });

  it('a month of the period sees only its own scans, and an empty period is a NoHistoryError', async () => {
    const nov = await buildClientReport(h.store, TENANT, parsePeriod('2026-11', NOW), { now: NOW });
    expect(nov.scans.count).toBe(Q4_STARTS.filter((d) => d.startsWith('2026-11')).length);
    expect(nov.level.atStart).toBe(2);
    await expect(buildClientReport(h.store, TENANT, parsePeriod('2026-Q2', NOW), { now: NOW })).rejects.toThrow(NoHistoryError);
    await expect(buildClientReport(h.store, TENANT, parsePeriod('2026-Q2', NOW), { now: NOW })).rejects.toThrow(/tenant contoso has no completed scan between 2026-04-01 and 2026-06-30 \(Q2 2026\)/);
  });
});

describe('thin', () => {
  it('keeps short series whole and thins long ones to the limit, first and last kept', () => {
    expect(thin([1, 2, 3], 5)).toEqual([1, 2, 3]);
    const long = Array.from({ length: 10_000 }, (_, i) => i);
    const t = thin(long, 240);
    expect(t).toHaveLength(240);
    expect(t[0]).toBe(0);
    expect(t[239]).toBe(9_999);
    expect([...t].sort((a, b) => a - b)).toEqual(t);
  });
});
