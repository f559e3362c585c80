/**
 * `history.stability`: evidence derived from the tenant's own stored history, so level-5 rules ("sustained, no
 * regression over a long window") are data like every other rule. Too little history is `unavailable`
 * (insufficient_history), never a fail.
 */
import type { Evidence } from '../domain/evidence.js';
import { HISTORY_SCANS_KEY } from '../engine/evaluate.js';
import type { HistoryScan } from '../engine/history.js';
import type { ScanSummary } from '../domain/scan-summary.js';

/** The window the default level-5 gates read; less history than this cannot confirm "sustained". */
export const HISTORY_WINDOW_DAYS = 90;
const DAY = 86_400_000;

export function historyStability(completeScans: ScanSummary[], now: Date): Evidence {
  const source = { collector: 'history', endpoints: ['store:scans'], requests: 0 };
  const collectedAt = now.toISOString();
  const oldest = completeScans.at(-1);
  const days = oldest ? Math.floor((now.getTime() - Date.parse(oldest.startedAt)) / DAY) : 0;
  const lastRegression = completeScans.find((s) => s.regressionConfirmed);
  const regressionFreeDays = lastRegression ? Math.floor((now.getTime() - Date.parse(lastRegression.startedAt)) / DAY) : days;
  const value = { days, scans: completeScans.length, regressionFreeDays, lastRegressionAt: lastRegression?.startedAt ?? null };
  if (!lastRegression && days < HISTORY_WINDOW_DAYS) {
    return {
      key: 'history.stability',
      status: 'unavailable',
      value,
      reason: `insufficient history: ${days} of ${HISTORY_WINDOW_DAYS} days of complete scans`,
      reasonCode: 'insufficient_history',
      source,
      collectedAt,
    };
  }
  return { key: 'history.stability', status: 'ok', value, reason: null, reasonCode: null, source, collectedAt };
}

/** Past scans further back than this are not needed by any history gate (180 days + slack). */
const HISTORY_SCANS_DAYS = 200;

/**
 * `history.scans`: the past complete scans' point-in-time (snapshot) levels and scores per capability, one per UTC
 * day — the *worst* of the day, so thinning a dense schedule can never make history look better than it was. The
 * engine adds the scan being scored and derives `history.<capability>` from it (src/engine/history.ts).
 */
export function historyScansEvidence(completeScans: readonly ScanSummary[], now: Date): Evidence {
  const since = now.getTime() - HISTORY_SCANS_DAYS * DAY;
  const byDay = new Map<string, HistoryScan>();
  for (const s of completeScans) {
    const t = Date.parse(s.startedAt);
    if (!(t < now.getTime() && t >= since)) continue;
    const point: HistoryScan = {
      at: s.startedAt,
      levels: Object.fromEntries(s.capabilities.map((c) => [c.id, c.snapshotLevel ?? c.level])),
      scores: Object.fromEntries(s.capabilities.map((c) => [c.id, c.snapshotScore === undefined ? c.score : c.snapshotScore])),
      potentials: Object.fromEntries(s.capabilities.map((c) => [c.id, c.snapshotPotential ?? c.snapshotLevel ?? c.level])),
    };
    const day = s.startedAt.slice(0, 10);
    const kept = byDay.get(day);
    if (!kept || sumLevels(point) < sumLevels(kept)) byDay.set(day, point);
  }
  const scans = [...byDay.values()].sort((a, b) => Date.parse(b.at) - Date.parse(a.at));
  return {
    key: HISTORY_SCANS_KEY,
    status: 'ok',
    value: { scans, days: HISTORY_SCANS_DAYS },
    reason: null,
    reasonCode: null,
    source: { collector: 'history', endpoints: ['store:scans'], requests: 0 },
    collectedAt: now.toISOString(),
  };
}

const sumLevels = (s: HistoryScan) => Object.values(s.levels).reduce((a, b) => a + b, 0);

/**
 * Evidence without `history.scans`: what a bundle stores and a report shows. The history is the store itself (rebuilt
 * from it for any rescore); repeating 200 days of it in every scan would only grow the database.
 */
export function withoutHistoryScans(evidence: readonly Evidence[]): Evidence[] {
  return evidence.filter((e) => e.key !== HISTORY_SCANS_KEY);
}
