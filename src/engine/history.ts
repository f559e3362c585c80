/**
 * Levels 4 and 5 read history (DESIGN §7, rules/README.md): "the level-3 gates have held over 90 days" and "level 4
 * has held over 180 days and the capability is not declining". The scan layer hands the engine the past complete
 * scans' point-in-time (snapshot) levels and scores as `history.scans` evidence; the engine adds the scan being
 * scored and derives one `history.<capability>` evidence per capability, which the history gates read like any
 * other evidence. Too little or too sparse history is unknown with the reason — never a pass, never a fail.
 */
import type { Evidence } from '../domain/evidence.js';

const DAY = 86_400_000;
/** At least one complete scan a week; a day of slack for schedules with jitter. */
export const MAX_GAP_DAYS = 8;
/** A window counts as covered when its oldest scan is within a day of its start (schedules drift). */
const START_SLACK_DAYS = 1;

export const HELD_WINDOWS = {
  /** Level 4: the level-3 gates held on ≥ 95 % of complete scans over 90 days. */
  l3: { days: 90, level: 3 },
  /** Level 5: the level-4 gates held over 180 days. */
  l4: { days: 180, level: 4 },
} as const;
export const TREND_DAYS = 180;

/** One past complete scan as history keeps it. */
export interface HistoryScan {
  at: string;
  /** Snapshot level per capability id. */
  levels: Record<string, number>;
  /** Snapshot score per capability id (null when unassessed). */
  scores: Record<string, number | null>;
  /** Snapshot potential per capability id (absent in older history: taken as the level). */
  potentials?: Record<string, number>;
}

interface Point {
  at: number;
  level: number;
  score: number | null;
  /** The scan could not see the whole capability (unknown gates): it shows scanning happened, not what held. */
  unsure: boolean;
}

const isoDay = (t: number) => new Date(t).toISOString().slice(0, 10);
const round1 = (n: number) => Math.round(n * 10) / 10;

/** Past scans from a `history.scans` evidence value; anything malformed is dropped, not trusted. */
export function historyScans(ev: Evidence | undefined): HistoryScan[] {
  const raw = ev?.status === 'ok' ? ev.value?.['scans'] : undefined;
  if (!Array.isArray(raw)) return [];
  return raw.filter(
    (s): s is HistoryScan =>
      typeof s === 'object' && s !== null && typeof (s as HistoryScan).at === 'string' && typeof (s as HistoryScan).levels === 'object' && (s as HistoryScan).levels !== null,
  );
}

/**
 * The points (sorted oldest first) of a window [now − days, now], with the anchor (the newest point at or before the start)
 * so that coverage from the window's start is checked too. Null with the reason when the window is not covered.
 */
function windowPoints(asc: Point[], now: number, days: number): { points: Point[]; reason: null } | { points: null; reason: string } {
  const start = now - days * DAY;
  const oldest = asc[0];
  const spanDays = oldest ? Math.max(0, Math.floor((now - oldest.at) / DAY)) : 0;
  if (!oldest || oldest.at > start + START_SLACK_DAYS * DAY) {
    return { points: null, reason: `insufficient history: ${spanDays} of ${days} days of complete scans` };
  }
  const anchorIndex = asc.findLastIndex((p) => p.at <= start + START_SLACK_DAYS * DAY);
  const inWindow = asc.slice(Math.max(0, anchorIndex));
  for (let i = 1; i < inWindow.length; i++) {
    const gap = (inWindow[i]!.at - inWindow[i - 1]!.at) / DAY;
    if (gap > MAX_GAP_DAYS) {
      return {
        points: null,
        reason: `scans too sparse: ${Math.floor(gap)} days without a complete scan between ${isoDay(inWindow[i - 1]!.at)} and ${isoDay(inWindow[i]!.at)} (at least one a week is needed over ${days} days)`,
      };
    }
  }
  // The anchor shows the window was covered from its start; the share counts the scans inside the window.
  const inside = inWindow.filter((p) => p.at > start);
  return { points: inside.length > 0 ? inside : inWindow.slice(-1), reason: null };
}

function heldPct(points: Point[], now: number, days: number, level: number): { pct: number | null; scans: number; reason: string | null } {
  const w = windowPoints(points, now, days);
  if (!w.points) return { pct: null, scans: 0, reason: w.reason };
  const seen = w.points.filter((p) => !p.unsure);
  if (seen.length === 0) return { pct: null, scans: 0, reason: `no scan in the last ${days} days could see every gate of the capability` };
  const held = seen.filter((p) => p.level >= level).length;
  // Floor, not round: 94.96 % has not held on 95 % of scans.
  return { pct: Math.floor((held / seen.length) * 1000) / 10, scans: seen.length, reason: null };
}

/** Mean snapshot score of the newer half of the window minus the older half (points; ≥ 0 = not declining). */
function trend(points: Point[], now: number, days: number): { value: number | null; reason: string | null } {
  const w = windowPoints(points, now, days);
  if (!w.points) return { value: null, reason: w.reason };
  const mid = now - (days / 2) * DAY;
  const mean = (ps: Point[]) => ps.reduce((s, p) => s + (p.score ?? 0), 0) / ps.length;
  const newer = w.points.filter((p) => p.at > mid && !p.unsure);
  const older = w.points.filter((p) => p.at <= mid && !p.unsure);
  if (newer.length === 0 || older.length === 0) return { value: null, reason: `insufficient history: no complete scan in one half of the ${days} days` };
  return { value: round1(mean(newer) - mean(older)), reason: null };
}

/**
 * `history.<capability>` for every capability: measures of how long its point-in-time level has held, including the
 * scan being scored (so a worse scan now can only lower them).
 */
export function deriveHistoryEvidence(
  past: readonly HistoryScan[],
  current: Record<string, { level: number; potential: number; score: number | null }>,
  now: Date,
): Evidence[] {
  const t = now.getTime();
  const collectedAt = now.toISOString();
  // Parsed and sorted once for every capability (oldest first), the scan being scored last.
  const dated = past
    .map((s) => ({ at: Date.parse(s.at), s }))
    .filter((d) => d.at < t)
    .sort((a, b) => a.at - b.at);
  return Object.entries(current).map(([cap, snap]): Evidence => {
    const points: Point[] = [
      ...dated.map(({ at, s }) => {
        const level = Number(s.levels[cap] ?? 1);
        const potential = Number(s.potentials?.[cap] ?? level);
        return { at, level, score: typeof s.scores?.[cap] === 'number' ? s.scores[cap] : null, unsure: potential > level };
      }),
      { at: t, level: snap.level, score: snap.score, unsure: snap.potential > snap.level },
    ];
    const oldest = points[0]!.at;
    const l3 = heldPct(points, t, HELD_WINDOWS.l3.days, HELD_WINDOWS.l3.level);
    const l4 = heldPct(points, t, HELD_WINDOWS.l4.days, HELD_WINDOWS.l4.level);
    const tr = trend(points, t, TREND_DAYS);
    const unknownReasons: Record<string, string> = {};
    if (l3.reason) unknownReasons['heldL3Pct90d'] = l3.reason;
    if (l4.reason) unknownReasons['heldL4Pct180d'] = l4.reason;
    if (tr.reason) unknownReasons['trend180d'] = tr.reason;
    return {
      key: `history.${cap}`,
      status: 'ok',
      value: {
        days: Math.floor((t - oldest) / DAY),
        scans: points.length,
        heldL3Pct90d: l3.pct,
        scans90d: l3.scans,
        heldL4Pct180d: l4.pct,
        scans180d: l4.scans,
        trend180d: tr.value,
        ...(Object.keys(unknownReasons).length > 0 ? { unknownReasons } : {}),
      },
      reason: null,
      reasonCode: null,
      source: { collector: 'history', endpoints: ['store:scans'], requests: 0 },
      collectedAt,
    };
  });
}
