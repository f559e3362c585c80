/**
 * Foresight through the real scan path (finishScan → forecast → episodes → outbox → one SQLite transaction): a
 * tenant whose MFA registration slides a little every day gets an at-risk notice once enough complete scans show the
 * trend — in the stored report JSON, as one at_risk episode, alerted once and only to the channel that opted in —
 * and never a regression; `ratchet rescore` derives the same forecast from the stored history.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ALL_SOURCES, ev, NOW, strongTenant } from '../../bench/lib/evidence-samples.js';
import type { RatchetConfig, TenantConfig } from '../config/schema.js';
import { loadRuleSet } from '../config/load-rules.js';
import type { Evidence } from '../domain/evidence.js';
import type { Report } from '../domain/report.js';
import { defaultRulesPath } from '../paths.js';
import { openStore } from '../store/index.js';
import type { Store } from '../store/store.js';
import { deadBandOf, failLine, FORESIGHT_METHOD, heldGates } from '../foresight/index.js';
import { forecastScanIds, MAX_FORECAST_SCANS } from './forecast-history.js';
import { rescoreHistory, rescoreScan } from './rescore.js';
import { finishScan } from './run-scan.js';

const ruleSet = loadRuleSet(defaultRulesPath());
const tenant = { id: 'contoso', name: 'Contoso', m365: {} } as unknown as TenantConfig;
const regression = { confirmScans: 2, scoreDrop: 10 };
const alerts = [
  { type: 'webhook', url: 'https://psa.example/hook' },
  { type: 'teams', url: 'https://example.webhook.office.com/x', atRisk: true },
];
const config = (foresight: Record<string, unknown> = { enabled: true, horizonDays: 30, minScans: 6 }) =>
  ({ regression, server: {}, alerts, foresight }) as unknown as RatchetConfig;
const channelIds = ['0:webhook', '1:teams'];
const DAY = 86_400_000;

/** A percentage gate the sample tenant holds, and the field that drives it. */
interface Gate {
  ruleId: string;
  evidenceKey: string;
  measure: string;
  gateLevel: number;
  threshold: number;
  /** Where the gate fails (threshold less its dead band). */
  fail: number;
}

/** What the collectors bring at `at`, with the gate's measure at `value` (null: as sampled). */
const collected = (at: Date, gate?: Gate, value?: number): Evidence[] =>
  strongTenant()
    .filter((e) => ['m365', 'rmm', 'backup'].includes(e.source.collector) && e.key !== 'backup.coverage')
    .map((e) => (gate && e.key === gate.evidenceKey ? ev(e.key, { ...e.value, [gate.measure]: value }) : e))
    .map((e) => ({ ...e, collectedAt: at.toISOString() }));

/**
 * The gate to drive down: found by scoring the sample once (rather than named here), so rules other work adds to the
 * shipped set cannot quietly make the test vacuous — MFA user coverage when it holds, else any held "≥" percentage
 * gate read straight from collector evidence with room above it.
 */
async function pickGate(): Promise<Gate> {
  const scratch = openStore(`sqlite:${join(dir!, 'scratch.db')}`);
  try {
    const at = NOW;
    const deps = { config: config(), plugins: [], ruleSet, store: scratch, logger: pino({ level: 'silent' }), now: () => at };
    const runs = [{ id: 'm365', status: 'ok' as const, durationMs: 1, requests: 1, error: null }];
    const { report } = await finishScan(tenant, deps, { runs, evidence: collected(at), sources: ALL_SOURCES }, at, false);
    const keys = new Set(collected(at).map((e) => e.key));
    const candidates = heldGates(report, ruleSet.rules)
      .filter((g) => g.unit === '%' && g.direction === 'gte' && keys.has(g.evidenceKey))
      .map((g) => ({ ...g, fail: failLine(g, deadBandOf(ruleSet.rules.find((r) => r.id === g.ruleId)!)) }))
      .filter((g) => 100 - g.fail >= 6)
      .sort((a, b) => Number(b.ruleId === 'mfa-user-coverage') - Number(a.ruleId === 'mfa-user-coverage') || a.ruleId.localeCompare(b.ruleId));
    if (!candidates[0]) throw new Error('the sample tenant holds no percentage gate to forecast');
    return candidates[0];
  } finally {
    await scratch.close();
  }
}

let dir: string | undefined;
let store: Store | undefined;
afterEach(async () => {
  await store?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function scanDaily(values: number[], cfg: RatchetConfig, gate: Gate): Promise<Report[]> {
  const logger = pino({ level: 'silent' });
  const reports: Report[] = [];
  for (const [i, value] of values.entries()) {
    const at = new Date(NOW.getTime() + i * DAY);
    const deps = { config: cfg, plugins: [], ruleSet, store: store!, logger, now: () => at, channelIds };
    const runs = [{ id: 'm365', status: 'ok' as const, durationMs: 1, requests: 1, error: null }];
    reports.push((await finishScan(tenant, deps, { runs, evidence: collected(at, gate, value), sources: ALL_SOURCES }, at, false)).report);
  }
  return reports;
}

describe('foresight in the scan path', () => {
  it('a slow decline raises one at-risk notice: in the report, one episode, one alert to the opted-in channel, no regression', async () => {
    dir = mkdtempSync(join(tmpdir(), 'ratchet-foresight-'));
    store = openStore(`sqlite:${join(dir, 'ratchet.db')}`);
    const gate = await pickGate();
    // A steady slide that reaches the gate's fail line about 15 days after the last of 10 daily scans.
    const perDay = Math.min(0.6, (99.5 - gate.fail) / 24);
    const values = Array.from({ length: 10 }, (_, i) => gate.fail + perDay * (24 - i));
    const reports = await scanDaily(values, config(), gate);

    const notices = reports.map((r) => (r.forecast ?? []).filter((f) => f.ruleId === gate.ruleId));
    // Nothing before minScans complete scans; from then on a notice for the gate, crossing within the horizon.
    expect(notices.slice(0, 5).every((n) => n.length === 0)).toBe(true);
    const last = notices.at(-1)![0]!;
    expect(last).toMatchObject({ gateLevel: gate.gateLevel, threshold: gate.threshold, direction: 'gte', horizonDays: 30 });
    expect(last.slopePerWeek).toBeCloseTo(-perDay * 7, 1);
    expect(last.daysToCrossing).toBeGreaterThanOrEqual(13);
    expect(last.daysToCrossing).toBeLessThanOrEqual(17);
    expect(last.text).toMatch(new RegExp(`falling ~[\\d.]+ points a week; crosses the level-${gate.gateLevel} gate of ${gate.threshold} %`));
    const firstWarned = notices.findIndex((n) => n.length > 0);
    expect(firstWarned).toBeGreaterThanOrEqual(5);
    // Several scans carried the notice: what follows proves it is alerted once, not once per scan.
    expect(notices.filter((n) => n.length > 0).length).toBeGreaterThanOrEqual(2);

    // Never a regression.
    expect(reports.every((r) => !r.regression.detected && !r.regression.confirmed)).toBe(true);
    const episodes = await store.episodes(tenant.id);
    expect(episodes.map((e) => `${e.kind}:${e.state}`)).toEqual(['at_risk:confirmed']);
    expect(episodes[0]!.openedScanId).toBe(reports[firstWarned]!.scan.id);
    expect(episodes[0]!.forecast?.map((f) => f.ruleId)).toContain(gate.ruleId);

    // Stored with the scan: the report JSON the API serves carries the forecast.
    const stored = await store.getScan(reports.at(-1)!.scan.id);
    expect(stored!.report.forecast).toEqual(reports.at(-1)!.forecast);

    // One alert, to the channel that opted in, not repeated by the scans after it.
    const far = '2100-01-01T00:00:00.000Z';
    const queued = await store.claimDueDeliveries(far, 100, far);
    expect(queued.map((d) => `${d.event}@${d.channel}`)).toEqual(['at_risk@1:teams']);
    expect(queued[0]!.payload.forecast?.some((f) => f.text === episodes[0]!.forecast![0]!.text)).toBe(true);

    // Rescoring the stored scan with the same rules derives the same forecast from the stored history.
    const rescored = await rescoreScan(stored!, ruleSet, store, regression, { enabled: true, horizonDays: 30, minScans: 6 });
    expect(rescored.forecast).toEqual(stored!.report.forecast);

    // `rescore --all` re-derives every stored report's forecast the same way (same rules: the same notices).
    // Re-derived, not carried over: off drops every forecast, on brings back exactly the scan path's.
    const forecasts = async () => (await store!.recentScans(tenant.id, { limit: 100 })).map((x) => [x.id, x.report.forecast]);
    const before = await forecasts();
    await rescoreHistory(tenant.id, ruleSet, store, { enabled: false, horizonDays: 30, minScans: 6 });
    expect((await forecasts()).every(([, fc]) => fc === undefined)).toBe(true);
    await rescoreHistory(tenant.id, ruleSet, store, { enabled: true, horizonDays: 30, minScans: 6 });
    expect(await forecasts()).toEqual(before);
  });

  it('foresight off: no forecast, no episode, no alert, whatever the trend', async () => {
    dir = mkdtempSync(join(tmpdir(), 'ratchet-foresight-'));
    store = openStore(`sqlite:${join(dir, 'ratchet.db')}`);
    const gate = await pickGate();
    const reports = await scanDaily(Array.from({ length: 10 }, (_, i) => gate.fail + 0.3 * (24 - i)), config({ enabled: false, horizonDays: 30, minScans: 6 }), gate);
    expect(reports.every((r) => r.forecast === undefined)).toBe(true);
    expect(await store.episodes(tenant.id)).toEqual([]);
  });
});

describe('forecastScanIds (what a scan reads)', () => {
  const at = new Date('2026-06-01T00:00:00.000Z');
  const daily = (n: number, status: 'complete' | 'partial' = 'complete') =>
    Array.from({ length: n }, (_, i) => ({ id: `s${i}`, finishedAt: new Date(at.getTime() - (i + 1) * DAY).toISOString(), status }));

  it('reads the complete scans of the fit window, never more than the cap, newest and oldest kept', () => {
    const hourly = Array.from({ length: 90 * 24 }, (_, i) => ({ id: `h${i}`, finishedAt: new Date(at.getTime() - (i + 1) * 3_600_000).toISOString(), status: 'complete' as const }));
    const ids = forecastScanIds(hourly, at, { horizonDays: 30, minScans: 6 });
    expect(ids).toHaveLength(MAX_FORECAST_SCANS);
    expect(ids[0]).toBe('h0');
    expect(ids.at(-1)).toBe(`h${FORESIGHT_METHOD.windowDays * 24 - 2 + FORESIGHT_METHOD.confirmScans}`);
    // Daily scans: those of the fit window (open at its old end), and one more for the forecaster's confirming re-fit.
    const { windowDays, confirmScans } = FORESIGHT_METHOD;
    expect(forecastScanIds(daily(200), at, { horizonDays: 30, minScans: 6 })).toHaveLength(windowDays - 1 + confirmScans);
  });

  it('skips partial scans and reaches back to 90 days only to find enough complete ones', () => {
    const weekly = Array.from({ length: 20 }, (_, i) => ({ id: `w${i}`, finishedAt: new Date(at.getTime() - (i + 1) * 7 * DAY).toISOString(), status: 'complete' as const }));
    const { minPoints, confirmScans } = FORESIGHT_METHOD;
    // Enough for the fit (max(minScans, minPoints)), its confirming re-fit and a margin for gaps; 12 weeks at most.
    const want = (minScans: number) => Math.min(12, Math.max(minScans, minPoints) + confirmScans + 2);
    expect(forecastScanIds(weekly, at, { horizonDays: 30, minScans: 6 })).toEqual(weekly.slice(0, want(6)).map((w) => w.id));
    expect(forecastScanIds(weekly, at, { horizonDays: 30, minScans: 12 })).toEqual(weekly.slice(0, want(12)).map((w) => w.id));
    expect(forecastScanIds(daily(10, 'partial'), at, { horizonDays: 30, minScans: 6 })).toEqual([]);
  });
});
