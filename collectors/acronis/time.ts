/**
 * Acronis timestamps → epoch milliseconds (UTC).
 *
 * The Resource Management API answers ISO 8601 strings: `2021-02-03T15:00:48Z` for policy runs and nanosecond
 * precision (`2021-02-03T14:57:07.311022688Z`) for resource metadata. An offset (`+02:00`, `+0200`) is honoured.
 * A string without any zone is read as UTC (the platform stores UTC) — never as the scanner's local time, which is
 * what `Date.parse` would do. Empty strings and pre-1971 placeholders (`0001-01-01T00:00:00Z`) mean "never".
 */

const ISO = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/** Anything before this is a "never happened" placeholder, not a real run. */
const EPOCH_PLACEHOLDER_BEFORE = Date.UTC(1971, 0, 1);

export type ParsedTimestamp = { ok: true; ms: number | null } | { ok: false };

export function parseTimestamp(value: string): ParsedTimestamp {
  const text = value.trim();
  if (text === '') return { ok: true, ms: null };
  const m = ISO.exec(text);
  if (!m) return { ok: false };
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s ?? '0');
  const millis = frac ? Math.floor(Number(`0.${frac}`) * 1000) : 0;
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return { ok: false };
  let ms = Date.UTC(year, month - 1, day, hour, minute, Math.min(second, 59), millis);
  // Date.UTC rolls 31 February over into March: refuse instead of guessing.
  if (new Date(ms).getUTCDate() !== day) return { ok: false };
  if (zone && zone.toUpperCase() !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const offHours = Number(digits.slice(0, 2));
    const offMinutes = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
    if (offHours > 23 || offMinutes > 59) return { ok: false };
    ms -= sign * (offHours * 60 + offMinutes) * 60_000;
  }
  if (ms < EPOCH_PLACEHOLDER_BEFORE) return { ok: true, ms: null };
  return { ok: true, ms };
}

/** For messages and values: epoch ms → `2024-06-01T00:00:00.000Z`. */
export function toIsoUtc(ms: number): string {
  return new Date(ms).toISOString();
}
