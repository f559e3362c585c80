/**
 * NinjaOne timestamps are epoch **seconds** as floats (`"lastContact": 1728487941.72576`). Some community clients
 * report milliseconds; a value too large to be seconds (after the year 5000) is read as milliseconds instead, so
 * either form lands on the same UTC instant.
 */
const MS_THRESHOLD = 1e11;

/** Epoch seconds (or milliseconds) → epoch milliseconds; null for a missing, non-finite or non-positive value. */
export function epochToMs(value: number | null | undefined): number | null {
  if (value === null || value === undefined || !Number.isFinite(value) || value <= 0) return null;
  return Math.round(value >= MS_THRESHOLD ? value : value * 1000);
}

/** Epoch milliseconds → UTC ISO 8601 (`…Z`). */
export function isoFromMs(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

/** One decimal, as the rest of the evidence does. */
export function round1(n: number): number {
  return Math.round(n * 10) / 10;
}
