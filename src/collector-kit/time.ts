/**
 * Vendor timestamps → epoch milliseconds (UTC). Each collector knows its vendor's format and calls one of these
 * with it: ISO 8601 text read explicitly (never through `Date.parse`, which reads a zone-less value in the
 * scanner's local zone), or epoch numbers whose unit vendors and client libraries disagree on.
 */

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

/** Anything before this is a "never happened" placeholder (.NET's DateTime.MinValue, `0001-01-01…`), not a real run. */
const PLACEHOLDER_BEFORE = Date.UTC(1971, 0, 1);

export function isPlaceholderTime(epochMs: number): boolean {
  return epochMs < PLACEHOLDER_BEFORE;
}

/** A value below this cannot be a plausible millisecond date (it would be before 1973): it is epoch seconds. */
const SECONDS_BELOW = 1e11;

/** Epoch seconds (or milliseconds) → epoch milliseconds; null for a missing, non-finite or non-positive value. */
export function epochToMs(value: number | null | undefined): number | null {
  if (value === null || value === undefined || !Number.isFinite(value) || value <= 0) return null;
  return Math.round(value < SECONDS_BELOW ? value * 1000 : value);
}

/** Epoch milliseconds → UTC ISO 8601 (`…Z`). */
export function isoFromMs(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

/** One decimal, as the rest of the evidence does. */
export function round1(n: number): number {
  return Math.round(n * 10) / 10;
}

/** Hours from `earlierMs` to `laterMs`, to a tenth. */
export function hoursBetween(laterMs: number, earlierMs: number): number {
  return round1((laterMs - earlierMs) / HOUR_MS);
}

/** `YYYY-MM-DD[T ]hh:mm[:ss[.fraction]]` with `Z`, an offset (`+02:00`, `+0200`, `-03`) or no zone. */
const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

export interface IsoFormat {
  /**
   * true: refuse what the calendar lacks (31 February, hour 24, an offset beyond ±23:59) and read a leap second as
   * :59. false: let such values roll over as .NET writes them (`24:00` is the next midnight).
   */
  strict: boolean;
}

/**
 * An ISO 8601 date-time → epoch ms, or null when the text is not one. The offset is applied; a value without one is
 * UTC (servers store UTC; the scanner's zone must not matter); fractions are cut to milliseconds; years below 100
 * stay literal (Date.UTC would map 0001 to 1901).
 */
export function parseIsoDateTime(text: string, format: IsoFormat): number | null {
  const m = ISO_DATE_TIME.exec(text.trim());
  if (!m) return null;
  const [, y, mo, d, h, mi, s = '0', frac = '', zone = 'Z'] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > (format.strict ? 23 : 24) || minute > 59 || second > 60) return null;
  const local = Date.UTC(year, month - 1, day, hour, minute, format.strict ? Math.min(second, 59) : second, Number((frac + '000').slice(0, 3)));
  const literal = year < 100 ? new Date(local).setUTCFullYear(year) : local;
  // Date.UTC rolls 31 February over into March: refuse instead of guessing.
  if (format.strict && new Date(literal).getUTCDate() !== day) return null;
  let offsetMinutes = 0;
  if (zone.toUpperCase() !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const hours = Number(digits.slice(0, 2));
    const minutes = Number(digits.slice(2, 4) || '0');
    if (format.strict && (hours > 23 || minutes > 59)) return null;
    offsetMinutes = sign * (hours * 60 + minutes);
  }
  const epoch = literal - offsetMinutes * 60_000;
  return Number.isFinite(epoch) ? epoch : null;
}
