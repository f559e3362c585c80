/**
 * A realistic at-risk notice for tests of the code that carries forecasts (episodes, alerts, stores, API, pages):
 * backup success falling towards the level-3 gate of 95 %. One sample, so those tests agree on what a notice is.
 */
import type { ForecastEntry } from '../domain/forecast.js';

export function sampleForecast(over: Partial<ForecastEntry> = {}): ForecastEntry {
  return {
    ruleId: 'backup-success',
    capability: 'recovery',
    gateLevel: 3,
    evidenceKey: 'backup.protection',
    measure: 'pct',
    unit: '%',
    threshold: 95,
    direction: 'gte',
    current: 97.5,
    slopePerWeek: -1.2,
    projectedCrossing: '2025-01-14',
    daysToCrossing: 12,
    horizonDays: 30,
    scans: 8,
    projection: [
      { at: '2025-01-02T00:00:00.000Z', value: 97.4 },
      { at: '2025-01-14T00:00:00.000Z', value: 93 },
    ],
    text: 'backup success falling ~1.2 points a week; crosses the level-3 gate of 95 % around 14 Jan',
    ...over,
  };
}
