import { describe, expect, it } from 'vitest';
import { ALL_SOURCES, bundle, ev, NOW, strongTenant } from '../../bench/lib/evidence-samples.js';
import { applyOverrides, loadRuleSet } from '../config/load-rules.js';
import type { Evidence, EvidenceBundle } from '../domain/evidence.js';
import { DEFAULT_FORESIGHT } from '../domain/forecast.js';
import type { Report } from '../domain/report.js';
import { evaluate } from '../engine/evaluate.js';
import { defaultRulesPath } from '../paths.js';
import { forecastTenant, heldGates, noticeText, type HeldGate, type ScanPoint } from './index.js';
import { FORESIGHT_METHOD, roundSlope, shortDate } from './forecast.js';

const { rules } = loadRuleSet(defaultRulesPath());
const DAY = 86_400_000;
const strongValue = (key: string) => strongTenant().find((e) => e.key === key)!.value!;

/** A Report as run-scan builds it, from the real engine and the default rules. */
function reportOf(evidence: Evidence[], opts: { at?: Date; status?: Report['scan']['status']; id?: string } = {}): Report {
  const at = opts.at ?? NOW;
  const b: EvidenceBundle = { ...bundle(evidence, ALL_SOURCES), collectedAt: at.toISOString() };
  const e = evaluate(b, rules, { now: at });
  return {
    schemaVersion: 1,
    tenant: { id: 't1', name: 'Tenant 1' },
    scan: { id: opts.id ?? 'scan-now', startedAt: at.toISOString(), finishedAt: at.toISOString(), status: opts.status ?? 'complete', collectors: [] },
    level: e.level,
    capabilities: e.capabilities,
    findings: e.findings,
    evidence: b.evidence,
    regression: { detected: false, confirmed: false, previousLevel: null, drops: [], lostVisibility: [] },
    roadmap: e.roadmap,
  };
}

type Value = number | 'partial' | 'unknown';

/**
 * Weekly past scans of one measure ending a week before NOW, then the current scan (the last value) scored by the
 * engine on an otherwise strong tenant. 'partial' = a partial scan that read 0; 'unknown' = the evidence unavailable.
 */
function scenario(key: string, field: string, values: Value[], opts: { everyDays?: number } = {}) {
  const every = opts.everyDays ?? 7;
  const n = values.length;
  const history: ScanPoint[] = values.slice(0, -1).map((v, i) => {
    const at = new Date(NOW.getTime() - (n - 1 - i) * every * DAY).toISOString();
    const item =
      v === 'unknown'
        ? ev(key, null, 'unavailable', 'Forbidden: needs a permission', at)
        : ev(key, { ...strongValue(key), [field]: v === 'partial' ? 0 : v }, 'ok', null, at);
    return { scanId: `s${i}`, at, status: v === 'partial' ? 'partial' : 'complete', bundle: { tenantId: 't1', sources: ALL_SOURCES, collectedAt: at, evidence: [item] } };
  });
  const last = values.at(-1);
  if (typeof last !== 'number') throw new Error('the current scan needs a value');
  const report = reportOf(strongTenant().map((e) => (e.key === key ? ev(key, { ...e.value, [field]: last }) : e)));
  return { report, history, forecast: forecastTenant({ report, rules, history, settings: DEFAULT_FORESIGHT }) };
}

const backup = (values: Value[]) => scenario('backup.protection', 'pct', values);

describe('heldGates (a real report from the engine and the default rules)', () => {
  it('lists the numeric single-bound gates that pass at or below each capability level', () => {
    const report = reportOf(strongTenant());
    const gates = heldGates(report, rules);
    const ids = gates.map((g) => g.ruleId);
    const recovery = report.capabilities.find((c) => c.id === 'recovery')!;
    expect(recovery.level).toBe(3);
    expect(gates.find((g) => g.ruleId === 'backup-success-high')).toEqual({
      ruleId: 'backup-success-high',
      capability: 'recovery',
      gateLevel: 3,
      evidenceKey: 'backup.protection',
      measure: 'pct',
      unit: '%',
      threshold: 95,
      direction: 'gte',
      title: rules.find((r) => r.id === 'backup-success-high')!.title,
    });
    expect(gates.find((g) => g.ruleId === 'alerts-backlog')).toMatchObject({ direction: 'lte', threshold: 10 });
    expect(ids).toContain('patch-compliance');
    expect(ids).not.toContain('backup-success-98'); // level 4: above the capability's level, holds nothing yet
    expect(ids).not.toContain('mfa-enforced-all-users'); // a flag, not a number
    expect(ids).not.toContain('global-admin-count'); // two bounds: no single line to cross
    expect(ids).not.toContain('secure-score-tracked'); // advisory
    expect(ids).not.toContain('identity-l3-held'); // history-derived
    expect(ids).not.toContain('restore-tested'); // attestation-based age: an expiry, not a trend
    for (const g of gates) {
      const cap = report.capabilities.find((c) => c.id === g.capability)!;
      expect(g.gateLevel).toBeLessThanOrEqual(cap.level);
      expect(report.findings.find((f) => f.ruleId === g.ruleId)!.outcome).toBe('pass');
    }
  });

  it('drops a gate that fails now, and the gates above the level it costs', () => {
    const evidence = strongTenant().map((e) => (e.key === 'rmm.patches' ? ev('rmm.patches', { ...e.value, pct: 90 }) : e));
    const report = reportOf(evidence);
    expect(report.capabilities.find((c) => c.id === 'endpoint')!.level).toBe(2);
    const ids = heldGates(report, rules).map((g) => g.ruleId);
    expect(ids).not.toContain('patch-compliance');
    expect(ids).not.toContain('device-compliance'); // endpoint level 3 gate, no longer holding a level
    expect(ids).toContain('patch-compliance-basic');
  });
});

describe('forecastTenant', () => {
  const decline = [100, 99.3, 98.4, 97.6, 96.8, 96.1, 95.2];

  it('slow decline: a notice for the level-3 gate with date, slope, projection and plain words', () => {
    const { forecast } = backup(decline);
    expect(forecast).toHaveLength(1); // the level-2 gate at 90 % is ~9 weeks away: beyond the horizon
    const f = forecast[0]!;
    expect(f).toMatchObject({ ruleId: 'backup-success-high', capability: 'recovery', gateLevel: 3, threshold: 95, direction: 'gte', current: 95.2, horizonDays: 30, scans: 7 });
    expect(f.slopePerWeek).toBeCloseTo(-0.8, 1);
    // Fitted level ≈ 95.2 at NOW, 2-point dead band → fails below 93: ~2.2 / 0.8 weeks ≈ 19 days.
    expect(f.daysToCrossing).toBeGreaterThanOrEqual(16);
    expect(f.daysToCrossing).toBeLessThanOrEqual(23);
    const crossing = new Date(NOW.getTime() + f.daysToCrossing * DAY);
    expect(Math.abs(Date.parse(f.projectedCrossing) - Date.parse(crossing.toISOString().slice(0, 10)))).toBeLessThanOrEqual(DAY);
    expect(f.projection[0]!.at).toBe(NOW.toISOString());
    expect(f.projection.at(-1)!.value).toBeCloseTo(93, 1);
    expect(f.projection.length).toBeGreaterThanOrEqual(2);
    expect(f.text).toBe(`backup success falling ~0.8 points a week; crosses the level-3 gate of 95 % (93 % with its dead band) around ${shortDate(new Date(f.projectedCrossing), NOW)}`);
  });

  it('noisy but flat: no notice', () => {
    expect(backup([99.5, 97.0, 99.0, 96.8, 99.6, 97.2, 98.9, 97.1, 99.3, 96.9, 98.8]).forecast).toEqual([]);
  });

  it('recovering: no notice', () => {
    expect(backup([95.5, 96.0, 96.8, 97.5, 98.0, 98.9, 99.5]).forecast).toEqual([]);
  });

  it('a step drop that already crossed is a regression, not at-risk: no notice when the gate fails now', () => {
    const step = backup([99.5, 99.4, 99.6, 99.5, 99.4, 99.6, 88]);
    expect(step.report.findings.find((f) => f.ruleId === 'backup-success-high')!.outcome).toBe('fail');
    expect(step.forecast).toEqual([]);
    // A decline that has just gone under the line fails now too (no previous pass for a dead band here).
    expect(backup([100, 99.2, 98.4, 97.6, 96.8, 96, 94.4]).forecast).toEqual([]);
  });

  it('needs minScans complete scans with the measure known (and one more to confirm the trend)', () => {
    const enough = DEFAULT_FORESIGHT.minScans + FORESIGHT_METHOD.confirmScans;
    expect(enough).toBe(7);
    expect(backup(decline.slice(-(enough - 1))).forecast).toEqual([]);
    expect(backup(decline.slice(-enough)).forecast).toHaveLength(1);
    expect(forecastTenant({ ...backup(decline), rules, settings: { horizonDays: 30, minScans: 8 } })).toEqual([]);
    // Five known values plus a partial and an unknown scan are still five.
    expect(backup([97.6, 'partial', 'unknown', 96.8, 96.1, 95.2].map((v) => v) as Value[]).forecast).toEqual([]);
  });

  it('partial scans and unknown evidence are ignored, never read as zero', () => {
    // Flat at ~99 %: read as zeros, the partial scans would look like a collapse towards the line.
    const flat = backup([99.1, 99.3, 99.0, 99.2, 99.1, 'partial', 'unknown', 'partial', 99.2]);
    expect(flat.forecast).toEqual([]);
    const gappy = backup([100, 'partial', 99.3, 98.4, 'unknown', 97.6, 96.8, 'partial', 96.1, 95.2]);
    expect(gappy.forecast).toHaveLength(1);
    expect(gappy.forecast[0]!.scans).toBe(7);
    // The same forecast as from the history with the gaps taken out.
    const known = gappy.history.filter((p) => p.status === 'complete' && p.bundle.evidence[0]!.status === 'ok');
    expect(known).toHaveLength(6);
    expect(forecastTenant({ report: gappy.report, rules, history: known, settings: DEFAULT_FORESIGHT })).toEqual(gappy.forecast);
  });

  it('a partial current scan adds no point of its own', () => {
    const { history } = backup([100, 99.4, 98.6, 97.9, 97.2, 96.5, 95.8, 95.1]);
    const evidence = strongTenant().map((e) => (e.key === 'backup.protection' ? ev(e.key, { ...e.value, pct: 95.1 }) : e));
    const partial = reportOf(evidence, { status: 'partial' });
    // Seven past values remain: enough, and the newest point is then the last complete scan (a week ago).
    const f = forecastTenant({ report: partial, rules, history, settings: DEFAULT_FORESIGHT });
    expect(f.find((x) => x.ruleId === 'backup-success-high')?.scans).toBe(7);
    expect(f.find((x) => x.ruleId === 'backup-success-high')?.current).toBe(95.8);
    expect(f.find((x) => x.ruleId === 'backup-success-high')?.projection[0]!.at).toBe(history.at(-1)!.at);
  });

  it('the current scan in the history is not counted twice, and scans after `now` are ignored', () => {
    const { report, history } = backup(decline);
    const dup: ScanPoint = { scanId: report.scan.id, at: report.scan.finishedAt, status: 'complete', bundle: { tenantId: 't1', sources: ALL_SOURCES, collectedAt: report.scan.finishedAt, evidence: report.evidence } };
    const future: ScanPoint = { ...history[0]!, scanId: 'future', at: new Date(NOW.getTime() + 7 * DAY).toISOString() };
    const f = forecastTenant({ report, rules, history: [...history, dup, future], settings: DEFAULT_FORESIGHT });
    expect(f[0]!.scans).toBe(7);
  });

  it('the horizon setting bounds how far ahead a crossing may be', () => {
    const { report, history } = backup(decline);
    expect(forecastTenant({ report, rules, history, settings: { horizonDays: 10, minScans: 6 } })).toEqual([]);
    expect(forecastTenant({ report, rules, history, settings: { horizonDays: 90, minScans: 6 } }).map((f) => f.ruleId).sort()).toEqual(['backup-success', 'backup-success-high']);
  });

  it('follows rules.overrides: the overridden threshold and dead band are the line it projects to', () => {
    const { rules: overridden, problems } = applyOverrides([...rules], { 'backup-success-high': { pass: { gte: 92 }, deadBand: 0 } });
    expect(problems).toEqual([]);
    const { report, history } = backup(decline);
    const f = forecastTenant({ report, rules: overridden, history, settings: DEFAULT_FORESIGHT }).find((x) => x.ruleId === 'backup-success-high')!;
    expect(f.threshold).toBe(92);
    expect(f.projection.at(-1)!.value).toBeCloseTo(92, 1); // no dead band: fails just below 92, ~4 weeks out
    expect(f.daysToCrossing).toBeGreaterThan(backup(decline).forecast[0]!.daysToCrossing);
    expect(f.text).toMatch(/crosses the level-3 gate of 92 % around/);
  });

  it('lte gates: a rising alert backlog is at risk, a falling one is not', () => {
    const rising = scenario('rmm.alerts', 'staleOver24hPer100', [2, 3.1, 3.9, 5.2, 6, 7.1, 8]);
    const f = rising.forecast.find((x) => x.ruleId === 'alerts-backlog');
    expect(f).toBeDefined();
    expect(f!.direction).toBe('lte');
    expect(f!.slopePerWeek).toBeGreaterThan(0.9);
    expect(f!.slopePerWeek).toBeLessThan(1.1);
    expect(f!.daysToCrossing).toBeGreaterThanOrEqual(11);
    expect(f!.daysToCrossing).toBeLessThanOrEqual(17);
    expect(f!.text).toMatch(/^the alert backlog rising ~1 per 100 devices a week; crosses the level-3 gate of 10 per 100 devices around \d{1,2} Dec$/);
    expect(scenario('rmm.alerts', 'staleOver24hPer100', [8, 7.1, 6, 5.2, 3.9, 3.1, 2]).forecast).toEqual([]);
  });

  it('soonest crossing first when several gates are at risk', () => {
    const { report } = backup(decline);
    const history = backup(decline).history.map((p, i) => ({
      ...p,
      bundle: { ...p.bundle, evidence: [...p.bundle.evidence, ev('rmm.alerts', { ...strongValue('rmm.alerts'), staleOver24hPer100: 2 + i * 1.5 }, 'ok', null, p.at)] },
    }));
    const evidence = report.evidence.map((e) => (e.key === 'rmm.alerts' ? ev(e.key, { ...e.value, staleOver24hPer100: 9.5 }) : e));
    const f = forecastTenant({ report: reportOf(evidence), rules, history, settings: DEFAULT_FORESIGHT });
    expect(f.map((x) => x.ruleId)).toEqual(['alerts-backlog', 'backup-success-high']);
    expect(f[0]!.daysToCrossing).toBeLessThanOrEqual(f[1]!.daysToCrossing);
  });
});

describe('notice text', () => {
  const gate: HeldGate = { ruleId: 'r', capability: 'endpoint', gateLevel: 2, evidenceKey: 'x.y', measure: 'count', threshold: 4, direction: 'lte', title: 'At most 4 things' };

  it('counts without a unit, the rule title for an unnamed measure, no dead-band clause at 0', () => {
    expect(noticeText(gate, 1.5, new Date('2027-01-14T05:00:00Z'), new Date('2026-12-20T00:00:00Z'), 0)).toBe(
      '"At most 4 things" rising ~1.5 a week; crosses the level-2 gate of 4 around 14 Jan 2027',
    );
    expect(noticeText({ ...gate, evidenceKey: 'backup.protection', measure: 'pct', unit: '%', direction: 'gte', threshold: 95, gateLevel: 3 }, -1.2, new Date('2027-01-14T00:00:00Z'), new Date('2027-01-01T00:00:00Z'), 0)).toBe(
      'backup success falling ~1.2 points a week; crosses the level-3 gate of 95 % around 14 Jan',
    );
  });

  it('slopes are rounded to what the data can say', () => {
    expect(roundSlope(-1.234)).toBe(-1.2);
    expect(roundSlope(0.04321)).toBe(0.04);
    expect(roundSlope(12.6)).toBe(13);
    expect(Object.is(roundSlope(-0.001), 0)).toBe(true);
  });
});
