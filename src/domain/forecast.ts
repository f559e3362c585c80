/**
 * Foresight (DESIGN §14, issue 16 item 1): an at-risk notice says a numeric gate that currently holds a capability's
 * level is trending towards its threshold and is projected to cross it within the horizon. It is never a regression:
 * its own episode kind (`at_risk`) and its own opt-in alert.
 */
export interface ForesightSettings {
  /** Raise a notice only when the projected crossing is at most this many days after the newest scan. */
  horizonDays: number;
  /** Complete scans (with the measure known) needed before any trend is fitted. */
  minScans: number;
}

export const DEFAULT_FORESIGHT: ForesightSettings = { horizonDays: 30, minScans: 6 };

/** One report entry (report JSON `forecast[]`, additive). */
export interface ForecastEntry {
  ruleId: string;
  capability: string;
  /** The level this gate holds (the capability's current level or one below it). */
  gateLevel: number;
  evidenceKey: string;
  measure: string;
  unit?: string;
  /** The gate's threshold and which side passes. */
  threshold: number;
  direction: 'gte' | 'lte' | 'gt' | 'lt';
  /** Newest observed value and the robust trend (units per week; negative = falling). */
  current: number;
  slopePerWeek: number;
  /** ISO date (YYYY-MM-DD) the fitted line crosses the threshold. */
  projectedCrossing: string;
  /** Days from the newest scan to the crossing. */
  daysToCrossing: number;
  horizonDays: number;
  /** Complete scans the fit used, and their time span. */
  scans: number;
  /** The projection for the chart: from the newest scan to the crossing. */
  projection: Array<{ at: string; value: number }>;
  /** Plain words: "backup success falling ~1.2 points a week; crosses the level-3 gate of 95 % around 14 Jan". */
  text: string;
}
