/**
 * Foresight backtest (issue 16 item 1; `npm run bench:foresight`, or `npx tsx bench/foresight-backtest.ts`): simulated
 * drifting histories (src/simulator/drift.ts) replayed scan by scan, the forecaster seeing only the past at each scan,
 * judged against each series' ground truth — the scan at which the gate really fails. Writes a Markdown table.
 *
 * Definitions (stated in BENCHMARKS.md too):
 * - notice episode: a run of scans with an at-risk notice for the gate (an unknown-evidence scan in between neither
 *   ends nor extends it; a passing scan without a notice, or the gate failing, ends it). This is what alerts a person.
 * - precision: episodes followed by a real crossing (any pass → fail of the gate) within horizonDays + SLACK_DAYS of
 *   the episode's first notice / all episodes, over every scenario (a notice on a flat, recovering or pre-step series counts against it).
 * - recall (slow declines): crossings that had a notice at some scan in the horizonDays + SLACK_DAYS before them /
 *   all slow-decline crossings preceded by at least minScans complete scans with the measure known (fewer and no
 *   forecast is allowed to exist). Step drops are counted separately: nothing in their past announces them.
 * - lead time: days from the earliest notice in that run-up to the crossing.
 *
 * Env: BENCH_FORESIGHT_SERIES (series per scenario, default 200), FORESIGHT_WINDOW_DAYS, FORESIGHT_MIN_Z,
 * FORESIGHT_MIN_SNR, FORESIGHT_MIN_POINTS, FORESIGHT_CONFIRM (method overrides, to explore; the defaults are src/foresight/forecast.ts FORESIGHT_METHOD).
 */
import { cpus } from 'node:os';
import { loadRuleSet } from '../src/config/load-rules.js';
import type { Evidence } from '../src/domain/evidence.js';
import { DEFAULT_FORESIGHT } from '../src/domain/forecast.js';
import type { Finding } from '../src/domain/assessment.js';
import { evaluateRule } from '../src/engine/evaluate.js';
import { deadBandOf, FORESIGHT_METHOD, forecastGate, type ForesightMethod, type HeldGate, type SeriesPoint } from '../src/foresight/index.js';
import { defaultRulesPath } from '../src/paths.js';
import { DRIFT_GATES, DRIFT_KINDS, driftSeries, type DriftKind, type DriftSeries } from '../src/simulator/drift.js';

const DAY = 86_400_000;
const PER_KIND = Number(process.env.BENCH_FORESIGHT_SERIES ?? 200);
const SLACK_DAYS = 14;
const HISTORY_DAYS = 182;
const START = new Date('2026-03-02T00:00:00Z');
const settings = DEFAULT_FORESIGHT;
const method: ForesightMethod = {
  ...FORESIGHT_METHOD,
  ...(process.env.FORESIGHT_WINDOW_DAYS ? { windowDays: Number(process.env.FORESIGHT_WINDOW_DAYS) } : {}),
  ...(process.env.FORESIGHT_MIN_Z ? { minZ: Number(process.env.FORESIGHT_MIN_Z) } : {}),
  ...(process.env.FORESIGHT_MIN_SNR ? { minSignalToNoise: Number(process.env.FORESIGHT_MIN_SNR) } : {}),
  ...(process.env.FORESIGHT_CONFIRM ? { confirmScans: Number(process.env.FORESIGHT_CONFIRM) } : {}),
  ...(process.env.FORESIGHT_MIN_POINTS ? { minPoints: Number(process.env.FORESIGHT_MIN_POINTS) } : {}),
};

const { rules } = loadRuleSet(defaultRulesPath());
const ruleOf = new Map(rules.map((r) => [r.id, r]));

interface Replayed {
  series: DriftSeries;
  /** Times (ms) of scans with a notice, and of the first notice of each episode. */
  notices: number[];
  episodes: number[];
  crossing: number | null;
  /** Every pass → fail transition: a notice after the gate came back over the line is judged by the next one. */
  crossings: number[];
  /** Known values before the crossing (does the forecaster even have minScans to go on?). */
  knownBeforeCrossing: number;
}

/** Walk forward: at each complete scan the engine scores the gate (with the previous finding, for the dead band) and,
 * if it passes, the forecaster sees only the values up to that scan. */
function replay(s: DriftSeries): Replayed {
  const rule = ruleOf.get(s.gate.ruleId);
  if (!rule) throw new Error(`no rule ${s.gate.ruleId} in the default rules`);
  const gate: HeldGate = {
    ruleId: rule.id,
    capability: rule.capability,
    gateLevel: rule.level,
    evidenceKey: rule.evidence,
    measure: rule.measure,
    ...(rule.unit !== undefined ? { unit: rule.unit } : {}),
    threshold: s.gate.threshold,
    direction: s.gate.direction,
    title: rule.title,
  };
  const band = deadBandOf(rule);
  const known: SeriesPoint[] = [];
  const notices: number[] = [];
  const episodes: number[] = [];
  let previous: Finding | undefined;
  let open = false;
  for (const p of s.points) {
    if (p.status !== 'complete') continue;
    const at = Date.parse(p.at);
    const byKey = new Map<string, Evidence>(p.bundle.evidence.map((e) => [e.key, e]));
    const f = evaluateRule(rule, p.bundle, byKey, { now: new Date(p.at), ...(previous ? { previous: [previous] } : {}) });
    if (f.outcome === 'unknown' || f.outcome === 'not_applicable') continue; // a gap: no information either way
    previous = f;
    if (typeof f.measured === 'number') known.push({ at, value: f.measured });
    const entry = f.outcome === 'pass' ? forecastGate(gate, band, known, settings, method) : null;
    if (entry) {
      notices.push(at);
      if (!open) episodes.push(at);
      open = true;
    } else open = false;
  }
  const crossing = s.crossing ? Date.parse(s.crossing) : null;
  return { series: s, notices, episodes, crossing, crossings: s.crossings.map((c) => Date.parse(c)), knownBeforeCrossing: crossing === null ? 0 : s.observed.filter((o) => o.value !== null && Date.parse(o.at) < crossing).length };
}

const within = (t: number, crossing: number | null) => crossing !== null && crossing > t && crossing <= t + (settings.horizonDays + SLACK_DAYS) * DAY;

function medianOf(v: number[]): number | null {
  if (v.length === 0) return null;
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

interface Row {
  kind: DriftKind;
  series: number;
  crossings: number;
  eligible: number;
  caught: number;
  leads: number[];
  episodes: number;
  truePositive: number;
  /** Episodes too close to the end of the history to judge (no crossing yet, less than 44 days of future seen). */
  unresolved: number;
  seriesWithNotice: number;
  noticeScans: number;
}

/** Slow declines broken down by noise level and scan cadence: where the method earns its recall. */
const breakdown = new Map<string, { eligible: number; caught: number; leads: number[] }>();

function run(): { rows: Row[]; ms: number } {
  const t0 = performance.now();
  const rows: Row[] = [];
  for (const kind of DRIFT_KINDS) {
    const row: Row = { kind, series: 0, crossings: 0, eligible: 0, caught: 0, leads: [], episodes: 0, truePositive: 0, unresolved: 0, seriesWithNotice: 0, noticeScans: 0 };
    for (let i = 0; i < PER_KIND; i++) {
      const s = driftSeries({ seed: `${process.env.BENCH_FORESIGHT_SEED ?? 'backtest'}-${i}`, kind, gate: DRIFT_GATES[i % DRIFT_GATES.length]!, start: START, days: HISTORY_DAYS, everyDays: i % 2 === 0 ? 7 : 3.5 });
      const r = replay(s);
      row.series++;
      row.noticeScans += r.notices.length;
      const last = Date.parse(s.points.at(-1)!.at);
      const judged = r.episodes.filter((t) => r.crossings.some((c) => within(t, c)) || t + (settings.horizonDays + SLACK_DAYS) * DAY <= last);
      row.unresolved += r.episodes.length - judged.length;
      row.episodes += judged.length;
      row.truePositive += judged.filter((t) => r.crossings.some((c) => within(t, c))).length;
      if (r.notices.length > 0) row.seriesWithNotice++;
      if (r.crossing === null) continue;
      row.crossings++;
      if (r.knownBeforeCrossing < settings.minScans) continue;
      row.eligible++;
      const key = `${s.noise} noise, ${i % 2 === 0 ? 'weekly' : 'twice a week'}`;
      const b = breakdown.get(key) ?? { eligible: 0, caught: 0, leads: [] };
      breakdown.set(key, b);
      if (kind === 'slow_decline') b.eligible++;
      const runUp = r.notices.filter((t) => within(t, r.crossing));
      if (runUp.length > 0) {
        row.caught++;
        row.leads.push((r.crossing - Math.min(...runUp)) / DAY);
        if (kind === 'slow_decline') {
          b.caught++;
          b.leads.push((r.crossing - Math.min(...runUp)) / DAY);
        }
      }
    }
    rows.push(row);
  }
  return { rows, ms: performance.now() - t0 };
}

const f2 = (n: number | null) => (n === null ? '–' : n.toFixed(2));
const f1 = (n: number | null) => (n === null ? '–' : n.toFixed(1));

const { rows, ms } = run();
const all = rows.reduce((a, r) => ({ episodes: a.episodes + r.episodes, tp: a.tp + r.truePositive }), { episodes: 0, tp: 0 });
const slow = rows.find((r) => r.kind === 'slow_decline')!;
const lines = [
  `Foresight backtest: ${PER_KIND} series per scenario over ${HISTORY_DAYS} days (gates ${DRIFT_GATES.map((g) => g.ruleId).join(', ')}; half weekly, half twice-weekly scans; ~8 % partial scans, ~5 % unknown evidence), horizon ${settings.horizonDays} d, minScans ${settings.minScans}, slack ${SLACK_DAYS} d.`,
  `Method: window ${method.windowDays} d (widened up to ${method.maxWindowDays} d to hold ${Math.max(settings.minScans, method.minPoints)} scans), Mann–Kendall |Z| ≥ ${method.minZ}, fitted change ≥ ${method.minSignalToNoise} × residual noise. ${cpus().length} cores, Node ${process.version}; replay took ${(ms / 1000).toFixed(1)} s.`,
  '',
  '| scenario | series | real crossings | forecastable (≥ minScans before) | warned before crossing | recall | median lead (days) | notice episodes (judged) | episodes followed by a crossing | unresolved episodes | series with any notice |',
  '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ...rows.map(
    (r) =>
      `| ${r.kind.replace('_', ' ')} | ${r.series} | ${r.crossings} | ${r.eligible} | ${r.caught} | ${r.eligible ? f2(r.caught / r.eligible) : '–'} | ${f1(medianOf(r.leads))} | ${r.episodes} | ${r.truePositive} | ${r.unresolved} | ${r.seriesWithNotice} |`,
  ),
  '',
  `Precision (all scenarios): ${f2(all.episodes ? all.tp / all.episodes : null)} (${all.tp} of ${all.episodes} notice episodes followed by a real crossing within ${settings.horizonDays + SLACK_DAYS} days).`,
  `Recall on slow declines: ${f2(slow.eligible ? slow.caught / slow.eligible : null)} (${slow.caught} of ${slow.eligible}); median lead ${f1(medianOf(slow.leads))} days (p25 ${f1(quantile(slow.leads, 0.25))}, min ${f1(slow.leads.length ? Math.min(...slow.leads) : null)}).`,
  '',
  '| slow declines by noise and cadence | forecastable | warned | recall | median lead (days) |',
  '|---|---:|---:|---:|---:|',
  ...[...breakdown.entries()]
    .filter(([, b]) => b.eligible > 0)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, b]) => `| ${k} | ${b.eligible} | ${b.caught} | ${f2(b.caught / b.eligible)} | ${f1(medianOf(b.leads))} |`),
];

function quantile(v: number[], q: number): number | null {
  if (v.length === 0) return null;
  const s = [...v].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

process.stdout.write(`${lines.join('\n')}\n`);
