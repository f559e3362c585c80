/**
 * Acronis timestamps → epoch milliseconds (UTC).
 *
 * The Resource Management API answers ISO 8601 strings: `2021-02-03T15:00:48Z` for policy runs and nanosecond
 * precision (`2021-02-03T14:57:07.311022688Z`) for resource metadata. An offset (`+02:00`, `+0200`) is honoured.
 * A string without any zone is read as UTC (the platform stores UTC) — never as the scanner's local time, which is
 * what `Date.parse` would do. Empty strings and pre-1971 placeholders (`0001-01-01T00:00:00Z`) mean "never".
 */

import { isPlaceholderTime, parseIsoDateTime } from '../../src/collector-kit/time.js';

export type ParsedTimestamp = { ok: true; ms: number | null } | { ok: false };

/** Strict: a day the month lacks, hour 24 or an offset beyond ±23:59 is refused, never rolled over. */
export function parseTimestamp(value: string): ParsedTimestamp {
  if (value.trim() === '') return { ok: true, ms: null };
  const ms = parseIsoDateTime(value, { strict: true });
  if (ms === null) return { ok: false };
  return { ok: true, ms: isPlaceholderTime(ms) ? null : ms };
}
