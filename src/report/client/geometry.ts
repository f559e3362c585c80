/**
 * Chart geometry shared by the PDF and HTML renderers of the client report: points on a time axis spanning the
 * report's period, scaled into a box. Plain numbers, so the PDF draws them as vector paths and the HTML as SVG.
 */
import { dayText, type ClientReport, type TrendPoint } from './model.js';

export { dayText };

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface XY {
  x: number;
  y: number;
}

const r1 = (n: number): number => Math.round(n * 10) / 10;

/** The time axis: the period's start to its end, or to the report's generation when the period is still running. */
export function timeAxis(report: ClientReport): { t0: number; t1: number } {
  const t0 = Date.parse(report.period.from);
  const t1 = Math.min(Date.parse(report.period.to), Math.max(Date.parse(report.generatedAt), Date.parse(report.scans.last)));
  return { t0, t1: t1 > t0 ? t1 : t0 + 86_400_000 };
}

/** Points scaled into `box`; `min`..`max` is the value range (scores 0..100, levels 1..5). */
export function plot(points: readonly TrendPoint[], box: Box, axis: { t0: number; t1: number }, min: number, max: number): XY[] {
  return points.map((p) => {
    const t = Math.min(axis.t1, Math.max(axis.t0, Date.parse(p.at)));
    const v = Math.min(max, Math.max(min, p.value));
    return { x: r1(box.x + ((t - axis.t0) / (axis.t1 - axis.t0)) * box.width), y: r1(box.y + box.height - ((v - min) / (max - min)) * box.height) };
  });
}

/** Level as a step line: it holds until the next scan changes it. */
export function steps(xy: readonly XY[]): XY[] {
  const out: XY[] = [];
  xy.forEach((p, i) => {
    if (i > 0) out.push({ x: p.x, y: xy[i - 1]!.y });
    out.push(p);
  });
  return out;
}

/** "+4.2", "−3.0", "±0" for a score change. */
export function deltaText(from: number | null, to: number | null): string {
  if (from === null || to === null) return '';
  const d = Math.round((to - from) * 10) / 10;
  return d > 0 ? `+${d.toFixed(1)}` : d < 0 ? `-${Math.abs(d).toFixed(1)}` : '±0';
}

export function scoreText(n: number | null): string {
  return n === null ? 'n/a' : n.toFixed(1);
}

/** The last day inside the period (its end is exclusive). */
export function periodEndText(report: ClientReport): string {
  return dayText(new Date(Date.parse(report.period.to) - 1).toISOString());
}

/** The one-sentence summary of the level over the period, said the same way in PDF and HTML. */
export function levelSentence(r: ClientReport): string {
  const l = r.level;
  const now = `Level ${l.value} (${l.name})${l.confirmed ? '' : `, potential ${l.potential}: some checks cannot be judged yet`}`;
  const move =
    l.atStart === l.value && l.lowest === l.highest
      ? `held at level ${l.value} throughout ${r.period.label}`
      : `level ${l.atStart} at the start of ${r.period.label}, level ${l.value} at the end (lowest ${l.lowest}, highest ${l.highest})`;
  return `${now}. ${move[0]!.toUpperCase()}${move.slice(1)}, over ${r.scans.count} scan${r.scans.count === 1 ? '' : 's'}.`;
}
