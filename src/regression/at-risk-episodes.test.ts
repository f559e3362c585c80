/**
 * At-risk episodes (DESIGN §14): foresight's notices are their own episode kind — one per tenant, listing its gates —
 * never a regression, never counted in the report's regression section, and they give way to a real regression of
 * their gates without ever holding one back.
 */
import { describe, expect, it } from 'vitest';
import { ALL_SOURCES, bundle, ev, historyScans, NOW, strongTenant } from '../../bench/lib/evidence-samples.js';
import { evaluate } from '../engine/evaluate.js';
import { loadRuleSet } from '../config/load-rules.js';
import type { Episode } from '../domain/episode.js';
import type { Evidence } from '../domain/evidence.js';
import type { ForecastEntry } from '../domain/forecast.js';
import { defaultRulesPath } from '../paths.js';
import { sampleForecast } from '../foresight/test-support.js';
import { advanceEpisodes, type EpisodeOutput, type ScanView } from './episodes.js';

const { rules } = loadRuleSet(defaultRulesPath());
const opts = { confirmScans: 2, scoreDrop: 10 };
const strong = () => [...strongTenant(), historyScans(98, () => 3)];
let n = 0;
function scan(evidence: Evidence[]): ScanView {
  const e = evaluate(bundle(evidence, ALL_SOURCES), rules, { now: NOW });
  return { id: `s${++n}`, ...e, evidence };
}
const patch = (key: string, p: Record<string, unknown>) => strong().map((e) => (e.key === key ? ev(key, { ...e.value, ...p }) : e));
const good = () => scan(strong());
const devicesDown = () => scan(patch('m365.devices.compliance', { compliant: 60, pct: 60 }));

/** The rule a device-compliance drop names (read from the engine, not assumed). */
const deviceRule = (() => {
  const before = good();
  const after = devicesDown();
  const changed = after.findings.find((f) => f.evidence.includes('m365.devices.compliance') && before.findings.find((b) => b.ruleId === f.ruleId)?.outcome === 'pass' && f.outcome === 'fail');
  if (!changed) throw new Error('no device compliance rule in the shipped rule set');
  return { ruleId: changed.ruleId, capability: changed.capability };
})();

const entry = sampleForecast;

interface Step {
  view: ScanView;
  forecast?: ForecastEntry[];
  status?: 'complete' | 'partial';
}

/** Scans through advanceEpisodes as finishScan does, keeping open episodes as the store would. */
function run(steps: Step[]): { outs: EpisodeOutput[]; episodes: Map<string, Episode> } {
  const episodes = new Map<string, Episode>();
  const seen = new Map<string, ScanView>();
  let lastComplete: ScanView | undefined;
  const outs = steps.map((s, i) => {
    const out = advanceEpisodes({
      tenant: { id: 't1', name: 'T1' },
      scan: { ...s.view, status: s.status ?? 'complete', finishedAt: new Date(NOW.getTime() + i * 86_400_000).toISOString() },
      open: [...episodes.values()].filter((e) => e.state !== 'closed'),
      lastComplete,
      baselines: seen,
      recheck: false,
      opts,
      forecast: s.forecast,
    });
    for (const e of out.episodes) episodes.set(e.id, e);
    seen.set(s.view.id, s.view);
    if ((s.status ?? 'complete') === 'complete') lastComplete = s.view;
    return out;
  });
  return { outs, episodes };
}

const kinds = (outs: EpisodeOutput[]) => outs.map((o) => o.events.map((e) => e.kind));
const atRiskOf = (episodes: Map<string, Episode>) => [...episodes.values()].filter((e) => e.kind === 'at_risk');

describe('at-risk episodes', () => {
  it('opens once with one notice, updates silently as gates come and go, and clears with one message', () => {
    const backup = entry();
    const patches = entry({ ruleId: 'patch-compliance', capability: 'endpoint', text: 'patch compliance falling ~2 points a week' });
    const { outs, episodes } = run([
      { view: good(), forecast: [] },
      { view: good(), forecast: [backup] },
      { view: good(), forecast: [backup, patches] },
      { view: good(), forecast: [patches] },
      { view: good(), forecast: [] },
      { view: good(), forecast: [] },
    ]);
    expect(kinds(outs)).toEqual([[], ['at_risk'], [], [], ['at_risk_cleared'], []]);
    // The notice carries the plain-words forecast; the end names what was cleared.
    expect(outs[1]!.events[0]!.forecast).toEqual([backup]);
    expect(outs[4]!.events[0]!.forecast).toEqual([patches]);
    const [only] = atRiskOf(episodes);
    expect(atRiskOf(episodes)).toHaveLength(1);
    expect(only).toMatchObject({ state: 'closed', closedReason: 'cleared', confirmations: 3, forecast: [patches] });
    // Updates were written (the store keeps the current gates), under the one episode id.
    expect(outs[2]!.episodes.map((e) => [e.id, e.forecast?.map((f) => f.ruleId)])).toEqual([[only!.id, ['backup-success', 'patch-compliance']]]);
    // Never a regression.
    expect(outs.every((o) => !o.regression.detected && !o.regression.confirmed && o.regression.drops.length === 0)).toBe(true);
    expect([...episodes.values()].some((e) => e.kind === 'regression')).toBe(false);
  });

  it('a new notice after the last one cleared is a new episode with its own alert', () => {
    const { outs, episodes } = run([
      { view: good(), forecast: [entry()] },
      { view: good(), forecast: [] },
      { view: good(), forecast: [entry()] },
    ]);
    expect(kinds(outs)).toEqual([['at_risk'], ['at_risk_cleared'], ['at_risk']]);
    expect(atRiskOf(episodes).map((e) => e.state)).toEqual(['closed', 'confirmed']);
  });

  it('a regression of the gate takes over: the at-risk episode closes as superseded, silently, and the regression alerts as always', () => {
    const gate = entry({ ...deviceRule, text: 'device compliance falling ~3 points a week' });
    const { outs, episodes } = run([
      { view: good(), forecast: [] },
      { view: good(), forecast: [gate] },
      // The gate fails now: the forecaster names it no more (or still would: either way the drop wins).
      { view: devicesDown(), forecast: [gate] },
      { view: devicesDown(), forecast: [] },
    ]);
    expect(kinds(outs)).toEqual([[], ['at_risk'], [], ['regression']]);
    expect(atRiskOf(episodes)).toEqual([expect.objectContaining({ state: 'closed', closedReason: 'superseded' })]);
    expect(outs[3]!.regression).toMatchObject({ detected: true, confirmed: true });
  });

  it('the same scans without any forecast raise exactly the same regression (at-risk never holds one back)', () => {
    const gate = entry({ ...deviceRule });
    const seq = (withForecast: boolean) => {
      const views = [good(), good(), devicesDown(), devicesDown(), good()];
      return run(views.map((view) => ({ view, forecast: withForecast ? [gate] : undefined }))).outs;
    };
    const withIt = seq(true);
    const without = seq(false);
    const regressionOnly = (outs: EpisodeOutput[]) => outs.map((o) => o.events.filter((e) => e.kind === 'regression' || e.kind === 'recovery').map((e) => e.kind));
    expect(regressionOnly(withIt)).toEqual(regressionOnly(without));
    expect(regressionOnly(without)).toEqual([[], [], [], ['regression'], ['recovery']]);
    expect(withIt.map((o) => o.regression.detected)).toEqual(without.map((o) => o.regression.detected));
  });

  it('other gates stay at risk beside a regression of one of them', () => {
    const gate = entry({ ...deviceRule });
    const other = entry();
    const { outs, episodes } = run([
      { view: good(), forecast: [gate, other] },
      { view: devicesDown(), forecast: [gate, other] },
    ]);
    expect(kinds(outs)).toEqual([['at_risk'], []]);
    expect(atRiskOf(episodes)[0]).toMatchObject({ state: 'confirmed', forecast: [other] });
  });

  it('partial scans, and replays without a forecast, leave the at-risk episode as it is', () => {
    const { outs, episodes } = run([
      { view: good(), forecast: [entry()] },
      { view: good(), forecast: [], status: 'partial' },
      { view: good(), forecast: undefined },
    ]);
    expect(kinds(outs)).toEqual([['at_risk'], [], []]);
    expect(outs[1]!.episodes).toEqual([]);
    expect(outs[2]!.episodes).toEqual([]);
    expect(atRiskOf(episodes)[0]!.state).toBe('confirmed');
  });
});
