/**
 * Chart geometry for the server-rendered SVGs: a portfolio sparkline of the confirmed level, and the history chart
 * (level as a step line, capability scores as lines, regression and visibility episodes as shaded bands, and
 * foresight's at-risk projections as dashed lines from the newest scan to the projected crossing of each gate).
 *
 * This module only computes numbers and plain strings; `templates/partials/sparkline.eta` and `history-chart.eta`
 * turn them into SVG elements, so every label passes through the template engine's escaping. Colours live in
 * assets/ui.css (classes), never in style attributes — the Content-Security-Policy forbids inline styles.
 */
import type { Episode } from '../../domain/episode.js';
import type { ForecastEntry } from '../../domain/forecast.js';
import type { ScanStatus } from '../../domain/report.js';
import type { ScanSummary } from '../../domain/scan-summary.js';
import { f } from './format.js';

export interface SparkPoint {
  at: string;
  level: number;
  status: ScanStatus;
}

export interface Sparkline {
  width: number;
  height: number;
  path: string;
  dots: Array<{ x: number; y: number; cls: string; title: string }>;
  /** Text alternative for screen readers. */
  label: string;
}

const r1 = (n: number): number => Math.round(n * 10) / 10;

export function sparkline(points: readonly SparkPoint[], width = 120, height = 28): Sparkline {
  const pad = 4;
  const y = (level: number): number => r1(height - pad - ((Math.min(5, Math.max(1, level)) - 1) / 4) * (height - 2 * pad));
  const n = points.length;
  const x = (i: number): number => r1(n <= 1 ? width / 2 : pad + (i * (width - 2 * pad)) / (n - 1));
  let path = '';
  let pen = false;
  const dots: Sparkline['dots'] = [];
  points.forEach((p, i) => {
    if (p.status === 'failed') {
      pen = false;
      dots.push({ x: x(i), y: height - pad, cls: 'spark-failed', title: `${f.time(p.at)}: scan failed` });
      return;
    }
    path += `${pen ? 'L' : 'M'}${x(i)} ${y(p.level)}`;
    pen = true;
    if (p.status === 'partial' || i === n - 1) {
      dots.push({ x: x(i), y: y(p.level), cls: p.status === 'partial' ? 'spark-partial' : 'spark-last', title: `${f.time(p.at)}: level ${p.level}${p.status === 'partial' ? ' (partial scan)' : ''}` });
    }
  });
  const levels = points.filter((p) => p.status !== 'failed').map((p) => p.level);
  const label =
    levels.length === 0
      ? 'No completed scans yet'
      : `Confirmed level over the last ${f.plural(points.length, 'scan')}: from ${levels[0]} to ${levels[levels.length - 1]}, lowest ${Math.min(...levels)}, highest ${Math.max(...levels)}`;
  return { width, height, path, dots, label };
}

export interface ChartSeries {
  id: string;
  name: string;
  cls: string;
  path: string;
  points: Array<{ x: number; y: number; title: string }>;
  last: number | null;
}

export interface HistoryChart {
  width: number;
  height: number;
  plot: { left: number; right: number };
  level: {
    top: number;
    bottom: number;
    grid: Array<{ y: number; label: string }>;
    confirmed: string;
    potential: string;
    points: Array<{ x: number; y: number; cls: string; title: string }>;
  };
  scores: { top: number; bottom: number; grid: Array<{ y: number; label: string }>; series: ChartSeries[] };
  episodes: Array<{ x: number; width: number; cls: string; title: string; label: string; open: boolean }>;
  /** One row per at-risk gate below the scores (empty without a forecast): its own value scale, the time axis shared. */
  forecast: ForecastRow[];
  /** x of the newest scan: where the projections start (null without a forecast). */
  nowX: number | null;
  xTicks: Array<{ x: number; label: string; anchor: 'start' | 'middle' | 'end' }>;
  /** One-sentence summary for assistive technology. */
  description: string;
  empty: boolean;
}

/**
 * One at-risk gate: the dashed projection (`path`), the gate's threshold across the plot, and the crossing marker.
 * Each row scales its own measure (a percentage and a day count share no axis); `top`/`bottom` bound the row.
 */
export interface ForecastRow {
  ruleId: string;
  top: number;
  bottom: number;
  label: string;
  path: string;
  threshold: { y: number; label: string };
  crossing: { x: number; y: number; label: string };
  title: string;
}

/** Most projection rows drawn; the tenant page lists every notice. */
export const MAX_FORECAST_ROWS = 4;
const FORECAST_ROW = 64;

const CAP_CLASS = (id: string, i: number): string => (/^[a-z][a-z0-9-]*$/.test(id) ? `cap-${id} cap-i${i % 8}` : `cap-i${i % 8}`);

/**
 * `scans` newest first (as the store lists them); `capabilities` names the series in display order.
 * The x axis is time, so uneven scan intervals show as they were.
 */
export function historyChart(
  scansNewestFirst: readonly ScanSummary[],
  episodes: readonly Episode[],
  capabilities: ReadonlyArray<{ id: string; name: string }>,
  now: Date = new Date(),
  forecastEntries: readonly ForecastEntry[] = [],
): HistoryChart {
  const width = 880;
  const left = 44;
  const right = width - 16;
  const levelTop = 30;
  const levelBottom = 140;
  const scoreTop = 192;
  const scoreBottom = 370;
  const scans = [...scansNewestFirst].reverse();
  const empty = scans.length === 0;
  const forecast = empty ? [] : forecastEntries.slice(0, MAX_FORECAST_ROWS);
  const forecastTop = 400;
  // Below the last row: room for its crossing date, then the time axis.
  const height = forecast.length > 0 ? forecastTop + 24 + forecast.length * FORECAST_ROW + 16 : 400;
  const times = scans.map((s) => Date.parse(s.finishedAt));
  const t0 = times[0] ?? now.getTime();
  let t1 = times[times.length - 1] ?? now.getTime();
  if (t1 <= t0) t1 = t0 + 3_600_000;
  // Open episodes run to the newest scan, not into the projected future.
  const tScan = t1;
  // The time axis reaches the furthest projected crossing, so every dashed line ends on its date.
  const crossings = forecast.map((e) => Date.parse(e.projection.at(-1)?.at ?? `${e.projectedCrossing}T00:00:00.000Z`)).filter((t) => !Number.isNaN(t));
  if (crossings.length > 0) t1 = Math.max(t1, ...crossings);
  const span = t1 - t0;
  const xOf = (t: number): number => r1(scans.length === 1 ? (left + right) / 2 : left + ((t - t0) / span) * (right - left));
  const yLevel = (l: number): number => r1(levelBottom - ((Math.min(5, Math.max(1, l)) - 1) / 4) * (levelBottom - levelTop));
  const yScore = (s: number): number => r1(scoreBottom - (Math.min(100, Math.max(0, s)) / 100) * (scoreBottom - scoreTop));

  const step = (pick: (s: ScanSummary) => number): string => {
    let d = '';
    let prevY: number | null = null;
    scans.forEach((s, i) => {
      if (s.status === 'failed') return;
      const x = xOf(times[i]!);
      const y = yLevel(pick(s));
      d += prevY === null ? `M${x} ${y}` : `H${x}V${y}`;
      prevY = y;
    });
    return d;
  };

  const levelPoints = scans.map((s, i) => ({
    x: xOf(times[i]!),
    // A failed scan has no level: its marker sits below the L1 line, not on it.
    y: s.status === 'failed' ? levelBottom + 12 : yLevel(s.level),
    cls: `pt-${s.status}`,
    title: `${f.time(s.finishedAt)} — ${s.status === 'failed' ? 'scan failed' : `level ${s.level} ${f.levelName(s.level)}${s.confirmed ? '' : ` (potential ${s.potential})`}`}${s.status === 'partial' ? ', partial scan' : ''}`,
  }));

  const series: ChartSeries[] = capabilities.map((cap, ci) => {
    let d = '';
    let pen = false;
    const points: ChartSeries['points'] = [];
    let last: number | null = null;
    scans.forEach((s, i) => {
      const c = s.capabilities.find((x) => x.id === cap.id);
      if (s.status === 'failed' || !c || c.score === null) {
        pen = false;
        return;
      }
      const x = xOf(times[i]!);
      const y = yScore(c.score);
      d += `${pen ? 'L' : 'M'}${x} ${y}`;
      pen = true;
      last = c.score;
      points.push({ x, y, title: `${cap.name}: ${f.score(c.score)} (level ${c.level}) — ${f.time(s.finishedAt)}` });
    });
    return { id: cap.id, name: cap.name, cls: CAP_CLASS(cap.id, ci), path: d, points, last };
  });

  const bands: HistoryChart['episodes'] = [];
  if (!empty) {
    for (const e of episodes) {
      const start = Math.max(Date.parse(e.openedAt), t0);
      const endRaw = e.closedAt ? Date.parse(e.closedAt) : tScan;
      const end = Math.min(endRaw, t1);
      if (Number.isNaN(start) || end < t0 || start > t1) continue;
      const x = xOf(start);
      const w = Math.max(6, xOf(end) - x);
      const what =
        e.kind === 'regression' ? `Regression${e.previousLevel !== null && e.currentLevel !== null ? ` ${e.previousLevel} → ${e.currentLevel}` : ''}` : e.kind === 'at_risk' ? 'At risk (forecast)' : 'Lost visibility';
      bands.push({
        x: r1(Math.min(x, right - 6)),
        width: r1(w),
        cls: `ep-${e.kind} ep-${e.state}`,
        open: e.state !== 'closed',
        label: e.kind === 'regression' ? 'R' : e.kind === 'at_risk' ? 'A' : 'V',
        title: `${what} (${e.state}) from ${f.time(e.openedAt)}${e.closedAt ? ` to ${f.time(e.closedAt)}` : ', still open'}`,
      });
    }
  }

  const rows: ForecastRow[] = forecast.map((e, i) => {
    const top = forecastTop + 24 + i * FORECAST_ROW + 14;
    const bottom = top + FORECAST_ROW - 26;
    const values = [e.threshold, ...e.projection.map((p) => p.value)];
    const lo = Math.min(...values);
    const hi = Math.max(...values);
    const pad = Math.max((hi - lo) * 0.15, 0.5);
    const yOf = (v: number): number => r1(bottom - ((v - (lo - pad)) / (hi - lo + 2 * pad)) * (bottom - top));
    const pts = e.projection.map((p) => ({ x: xOf(Date.parse(p.at)), y: yOf(p.value) }));
    const end = pts.at(-1) ?? { x: xOf(tScan), y: yOf(e.current) };
    const unit = e.unit === '%' ? ' %' : e.unit ? ` ${e.unit}` : '';
    return {
      ruleId: e.ruleId,
      top,
      bottom,
      label: e.text,
      path: pts.map((p, j) => `${j === 0 ? 'M' : 'L'}${p.x} ${p.y}`).join(''),
      threshold: { y: yOf(e.threshold), label: `L${e.gateLevel} gate ${e.threshold}${unit}` },
      crossing: { x: end.x, y: end.y, label: f.date(`${e.projectedCrossing}T00:00:00.000Z`) },
      title: `${e.text} (${e.ruleId}; projected from ${f.plural(e.scans, 'complete scan')})`,
    };
  });

  const ticks: HistoryChart['xTicks'] = [];
  if (!empty) {
    const count = Math.min(6, scans.length);
    for (let i = 0; i < count; i++) {
      const t = count === 1 ? times[0]! : t0 + (i * span) / (count - 1);
      const anchor = count === 1 ? 'middle' : i === 0 ? 'start' : i === count - 1 ? 'end' : 'middle';
      ticks.push({ x: xOf(t), anchor, label: span < 2 * 86_400_000 ? f.time(new Date(t).toISOString()).slice(5, 16) : f.date(new Date(t).toISOString()) });
    }
  }

  const lastScan = scans[scans.length - 1];
  const description = empty
    ? 'No scans yet.'
    : `${f.plural(scans.length, 'scan')} from ${f.time(scans[0]!.finishedAt)} to ${f.time(lastScan!.finishedAt)}; level now ${lastScan!.level} (${f.levelName(lastScan!.level)}); ${f.plural(bands.length, 'episode')} marked.` +
      (rows.length > 0 ? ` At risk, projected as dashed lines: ${forecast.map((e) => e.text).join('; ')}.` : '');

  return {
    width,
    height,
    plot: { left, right },
    level: {
      top: levelTop,
      bottom: levelBottom,
      grid: [1, 2, 3, 4, 5].map((l) => ({ y: yLevel(l), label: `L${l}` })),
      confirmed: step((s) => s.level),
      potential: step((s) => s.potential),
      points: levelPoints,
    },
    scores: { top: scoreTop, bottom: scoreBottom, grid: [0, 25, 50, 75, 100].map((v) => ({ y: yScore(v), label: String(v) })), series },
    episodes: bands,
    forecast: rows,
    nowX: rows.length > 0 ? xOf(tScan) : null,
    xTicks: ticks,
    description,
    empty,
  };
}
