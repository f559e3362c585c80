/**
 * Early warning (DESIGN §14, issue 16 item 1): for each numeric gate that holds a capability's level, fit a robust
 * trend to the recent complete scans and raise an at-risk notice when the trend is real (not noise), points towards
 * failing, and reaches the line the engine would fail the gate at within the horizon. Pure: no I/O, no clock of its
 * own (`now` and the history are inputs), so a stored history can be replayed scan by scan (bench/foresight-backtest.ts).
 *
 * Method, and why (constants in FORESIGHT_METHOD; tuned on the backtest's simulated histories over four seeds — the
 * method was tuned, never the data; numbers and the ablations in BENCHMARKS.md, "Foresight backtest"):
 * - Series: one value per complete scan, read through the engine's own evaluateRule (same staleness, preconditions,
 *   per-field not-applicable/unknown handling as scoring). Partial and failed scans and unknown evidence (a lost
 *   permission, a vendor outage) are gaps, never zeros: a visibility loss must not look like a decline.
 * - Window: the complete scans of the last windowDays (42), widened up to maxWindowDays (90) only to hold minPoints
 *   (8) scans. Short, so a decline that started mid-history dominates the fit (a long flat lead-in drags a median
 *   slope towards zero: 90 days halved recall in the backtest); at least 8 points, because six weekly noisy points
 *   fall in a row by chance often enough to raise notices on flat series.
 * - Trend: Theil–Sen slope per day; the level "now" is the fitted line at the newest scan (Sen's intercept), not the
 *   raw newest value, so one bad or lucky scan neither raises nor hides a notice.
 * - Real, not noise: a Mann–Kendall test (Z ≥ minZ towards failing: most pairs of scans agree the series is getting
 *   worse; flat noise fails it however large the noise) and a signal-to-noise guard (the fitted change across the
 *   window ≥ minSignalToNoise × the robust residual noise; it rarely decides in the backtest, and is kept for series
 *   much noisier than the simulated ones). Then confirmation: the same trend test must also hold on the series
 *   without its newest scan (confirmScans). One unlucky reading at the end of a flat series can make a window look
 *   like a fall; two fits in a row rarely do. It cut notices on noisy-but-flat series from 5 to 1 in 800 for about
 *   3 points of recall, and lets minZ be a one-sided 10 % test. A notice needs minScans + confirmScans known scans.
 * - Crossing: where the fitted line reaches the line the gate actually fails at — the threshold moved by the rule's
 *   dead band, because a passing gate keeps passing inside its dead band (src/engine/evaluate.ts) — within
 *   horizonDays of the newest scan. A gate that fails now is a regression (its own episode), never at-risk.
 */
import type { EvidenceBundle } from '../domain/evidence.js';
import type { ForecastEntry, ForesightSettings } from '../domain/forecast.js';
import type { Report, ScanStatus } from '../domain/report.js';
import { formatNumber } from '../engine/condition.js';
import { evaluateRule } from '../engine/evaluate.js';
import type { Rule } from '../engine/rule-schema.js';
import { heldGates, type HeldGate } from './gates.js';
import { mannKendall, residualNoise, theilSen } from './theil-sen.js';

const DAY = 86_400_000;

/** The method's constants (see the header for why each exists). Exported for the backtest's report. */
export const FORESIGHT_METHOD = {
  windowDays: 42,
  maxWindowDays: 90,
  minPoints: 8,
  minZ: 1.28,
  minSignalToNoise: 2,
  confirmScans: 1,
};
export type ForesightMethod = typeof FORESIGHT_METHOD;

export interface ScanPoint {
  scanId: string;
  /** The scan's finishedAt (ISO). */
  at: string;
  status: ScanStatus;
  bundle: EvidenceBundle;
}

/** One known value of a gate's measure at one complete scan (`at` in epoch ms). */
export interface SeriesPoint {
  at: number;
  value: number;
}

/** The rule's dead band as the engine applies it: its own, else 2 points for percentages, 0 for counts and flags. */
export function deadBandOf(rule: Pick<Rule, 'deadBand' | 'unit'>): number {
  return rule.deadBand ?? (rule.unit === '%' ? 2 : 0);
}

/** The value at which a passing gate fails: the threshold moved past by the dead band, on the failing side. */
export function failLine(gate: Pick<HeldGate, 'threshold' | 'direction'>, deadBand: number): number {
  return gate.direction === 'gte' || gate.direction === 'gt' ? gate.threshold - deadBand : gate.threshold + deadBand;
}

const fallsWhenWorse = (d: HeldGate['direction']) => d === 'gte' || d === 'gt';

/** True when `v` is on the failing side of the fail line (strict bounds fail on the line itself). */
function pastLine(d: HeldGate['direction'], v: number, fail: number): boolean {
  if (d === 'gte') return v < fail;
  if (d === 'gt') return v <= fail;
  if (d === 'lte') return v > fail;
  return v >= fail;
}

/**
 * The gate's measure at one scan, read exactly as the engine reads it (evaluateRule at the scan's own time, so stale
 * evidence is unknown there too); null for anything but a complete scan with a known numeric value.
 */
export function measureAt(rule: Rule, point: ScanPoint, byKey = new Map(point.bundle.evidence.map((e) => [e.key, e]))): number | null {
  if (point.status !== 'complete') return null;
  const f = evaluateRule(rule, point.bundle, byKey, { now: new Date(point.at) });
  return f.reason === null && typeof f.measured === 'number' && Number.isFinite(f.measured) ? f.measured : null;
}

/** Chronological known values: the window is chosen from these by forecastGate. */
export function seriesOf(rule: Rule, history: readonly ScanPoint[]): SeriesPoint[] {
  const out: SeriesPoint[] = [];
  for (const p of history) {
    const v = measureAt(rule, p);
    if (v !== null) out.push({ at: Date.parse(p.at), value: v });
  }
  return out.sort((a, b) => a.at - b.at);
}

/**
 * The most recent points of the window, widened towards maxWindowDays only to reach max(minScans, minPoints) points:
 * with weekly scans a short window holds six points, and six noisy points fall in a row by chance too often.
 */
function windowOf(series: readonly SeriesPoint[], minScans: number, method: ForesightMethod): SeriesPoint[] {
  const newest = series.at(-1);
  if (!newest) return [];
  const within = (days: number) => series.filter((p) => p.at > newest.at - days * DAY);
  const want = Math.max(minScans, method.minPoints);
  const w = within(method.windowDays);
  if (w.length >= want) return w;
  return within(method.maxWindowDays).slice(-want);
}

/** Slope per week, rounded to what the data can say: two significant figures, at most two decimals. */
export function roundSlope(perWeek: number): number {
  const a = Math.abs(perWeek);
  const r = a >= 10 ? Math.round(perWeek) : a >= 1 ? Math.round(perWeek * 10) / 10 : Math.round(perWeek * 100) / 100;
  return r === 0 ? 0 : r; // no -0 in JSON
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "14 Jan" in UTC; the year is added when it differs from the reference date's. */
export function shortDate(d: Date, reference: Date): string {
  const s = `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]}`;
  return d.getUTCFullYear() === reference.getUTCFullYear() ? s : `${s} ${d.getUTCFullYear()}`;
}

/**
 * Plain names of the measures gates most often read; any other gate is named by its rule title. Evidence keys are
 * the core's vocabulary (src/evidence/catalog.ts), not a vendor's.
 */
const MEASURE_NAMES: Record<string, string> = {
  'm365.mfa.registration.pct': 'MFA registration',
  'm365.mfa.registration.adminPct': 'admin MFA registration',
  'm365.devices.compliance.pct': 'device compliance',
  'rmm.patches.pct': 'patch compliance',
  'rmm.patches.criticalCompliantPct': 'critical patch compliance',
  'rmm.patches.automatedPct': 'automated patching',
  'rmm.patches.oldestPendingDays': 'the oldest pending patch',
  'rmm.devices.checkedInPct': 'agent coverage',
  'rmm.antivirus.pct': 'antivirus coverage',
  'rmm.alerts.staleOver24hPer100': 'the alert backlog',
  'rmm.alerts.highOver24hPer100': 'the high-alert backlog',
  'rmm.alerts.highOver7dPer100': 'the week-old high-alert backlog',
  'backup.protection.pct': 'backup success',
  'backup.protection.freshPct': 'backup freshness',
  'backup.protection.successRate30d': 'the 30-day backup success rate',
  'backup.protection.staleOver72h': 'stale backups',
  'backup.coverage.pct': 'server backup coverage',
  'recovery.restore_test.ageDays': 'the age of the last restore test',
};

function unitText(unit: string | undefined): { rate: string; value: string } {
  if (unit === '%') return { rate: ' points', value: ' %' };
  return unit ? { rate: ` ${unit}`, value: ` ${unit}` } : { rate: '', value: '' };
}

/** "backup success falling ~1.2 points a week; crosses the level-3 gate of 95 % around 14 Jan". */
export function noticeText(gate: HeldGate, slopePerWeek: number, crossing: Date, newest: Date, deadBand: number): string {
  const name = MEASURE_NAMES[`${gate.evidenceKey}.${gate.measure}`] ?? `"${gate.title}"`;
  const u = unitText(gate.unit);
  const verb = fallsWhenWorse(gate.direction) ? 'falling' : 'rising';
  const rate = formatNumber(Math.abs(slopePerWeek));
  const band = deadBand > 0 ? ` (${formatNumber(failLine(gate, deadBand))}${u.value} with its dead band)` : '';
  return `${name} ${verb} ~${rate}${u.rate} a week; crosses the level-${gate.gateLevel} gate of ${formatNumber(gate.threshold)}${u.value}${band} around ${shortDate(crossing, newest)}`;
}

interface Fit {
  window: SeriesPoint[];
  line: { slope: number; intercept: number };
  /** Days from the newest point to the fitted crossing of the fail line (≥ 0). */
  days: number;
}

/** The trend of the window ending at the series' newest point, if it is real, worsening and crosses in time. */
function fitTrend(gate: HeldGate, deadBand: number, series: readonly SeriesPoint[], settings: ForesightSettings, method: ForesightMethod, horizonDays = settings.horizonDays): Fit | null {
  const minScans = Math.max(2, settings.minScans);
  const w = windowOf(series, minScans, method);
  if (w.length < minScans) return null;
  const newest = w.at(-1)!;
  const pts = w.map((p) => ({ x: (p.at - newest.at) / DAY, y: p.value }));
  const line = theilSen(pts);
  if (!line) return null;
  const down = fallsWhenWorse(gate.direction);
  const towardsFailing = down ? -line.slope : line.slope; // > 0 when getting worse
  if (!(towardsFailing > 0)) return null;
  const { z } = mannKendall(pts);
  if ((down ? -z : z) < method.minZ) return null;
  const span = -pts[0]!.x;
  if (towardsFailing * span < method.minSignalToNoise * residualNoise(pts, line)) return null;
  const fail = failLine(gate, deadBand);
  // Already past the line at the newest scan means the gate fails: a regression, not a forecast.
  if (pastLine(gate.direction, newest.value, fail)) return null;
  const distance = down ? line.intercept - fail : fail - line.intercept; // intercept = fitted level at the newest scan
  // A fitted level already at the line (the raw value only just passes) is at risk now: crossing at the newest scan.
  const days = Math.max(0, distance / towardsFailing);
  return days > horizonDays ? null : { window: w, line, days };
}

/**
 * The at-risk notice for one gate, or null. `series` must hold only known values from complete scans, oldest first;
 * the caller has established that the gate passes now (heldGates). The trend must already have shown at the
 * previous complete scan(s) (`method.confirmScans`): one unlucky reading at the end of a noisy but flat series can
 * make a short window look like a fall, two in a row rarely do. Pure and cheap: the backtest calls it per scan.
 */
export function forecastGate(
  gate: HeldGate,
  deadBand: number,
  series: readonly SeriesPoint[],
  settings: ForesightSettings,
  method: ForesightMethod = FORESIGHT_METHOD,
): ForecastEntry | null {
  const fit = fitTrend(gate, deadBand, series, settings, method);
  if (!fit) return null;
  for (let k = 1; k <= method.confirmScans; k++) if (!fitTrend(gate, deadBand, series.slice(0, -k), settings, method, Infinity)) return null;
  const { window: w, line, days } = fit;
  const newest = w.at(-1)!;
  const crossing = new Date(newest.at + days * DAY);
  const slopePerWeek = roundSlope(line.slope * 7);
  const steps = days === 0 ? [0] : [0, 1 / 3, 2 / 3, 1];
  return {
    ruleId: gate.ruleId,
    capability: gate.capability,
    gateLevel: gate.gateLevel,
    evidenceKey: gate.evidenceKey,
    measure: gate.measure,
    ...(gate.unit !== undefined ? { unit: gate.unit } : {}),
    threshold: gate.threshold,
    direction: gate.direction,
    current: newest.value,
    slopePerWeek,
    projectedCrossing: crossing.toISOString().slice(0, 10),
    daysToCrossing: Math.round(days),
    horizonDays: settings.horizonDays,
    scans: w.length,
    projection: steps.map((f) => ({
      at: new Date(newest.at + f * days * DAY).toISOString(),
      value: Math.round((line.intercept + line.slope * f * days) * 100) / 100,
    })),
    text: noticeText(gate, slopePerWeek, crossing, new Date(newest.at), deadBand),
  };
}

/**
 * One series per gate from past scans + the current one: complete scans only, evidence status ok and value numeric;
 * partial/failed scans and unknown evidence (lost-visibility gaps) are skipped, never read as zero. `history` may or
 * may not include the current scan (matched by id); scans after `now` are ignored.
 */
export function forecastTenant(input: { report: Report; rules: readonly Rule[]; history: readonly ScanPoint[]; settings: ForesightSettings; now?: Date }): ForecastEntry[] {
  const { report, rules, settings } = input;
  const now = (input.now ?? new Date(report.scan.finishedAt)).getTime();
  const gates = heldGates(report, rules);
  if (gates.length === 0) return [];
  const ruleOf = new Map(rules.map((r) => [r.id, r]));
  const past = input.history
    .filter((p) => p.scanId !== report.scan.id && p.status === 'complete' && Date.parse(p.at) <= now)
    .map((p) => ({ p, byKey: new Map(p.bundle.evidence.map((e) => [e.key, e])) }));
  const out: ForecastEntry[] = [];
  for (const gate of gates) {
    const rule = ruleOf.get(gate.ruleId)!;
    const series: SeriesPoint[] = [];
    for (const { p, byKey } of past) {
      const v = measureAt(rule, p, byKey);
      if (v !== null) series.push({ at: Date.parse(p.at), value: v });
    }
    // The current scan's value is the one the engine just scored (heldGates established that it passes).
    const measured = report.findings.find((f) => f.ruleId === gate.ruleId)?.measured;
    if (report.scan.status === 'complete' && typeof measured === 'number') series.push({ at: Date.parse(report.scan.finishedAt), value: measured });
    series.sort((a, b) => a.at - b.at);
    const entry = forecastGate(gate, deadBandOf(rule), series, settings);
    if (entry) out.push(entry);
  }
  // Soonest crossing first: what a technician should look at first.
  return out.sort((a, b) => a.daysToCrossing - b.daysToCrossing || a.ruleId.localeCompare(b.ruleId));
}
