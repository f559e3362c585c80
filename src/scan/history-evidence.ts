/**
 * `history.stability`: evidence derived from the tenant's own stored history, so level-5 rules ("sustained, no
 * regression over a long window") are data like every other rule. Too little history is `unavailable`
 * (insufficient_history), never a fail.
 */
import type { Evidence } from '../evidence/types.js';
import type { ScanSummary } from '../store/store.js';

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
