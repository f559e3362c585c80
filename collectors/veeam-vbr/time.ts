/**
 * VBR timestamps are ISO 8601 with the backup server's UTC offset and up to seven fractional digits
 * (`2025-07-28T10:44:39.694588+02:00`, `2024-11-06T00:30:20+01:00`). `Date.parse` would read a value without an
 * offset in the scanner's local zone, so this parser is explicit: the offset is applied, fractions are cut to
 * milliseconds, and a value without an offset is taken as UTC (VBR always sends one; UTC is the predictable guess).
 */
const ISO = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/** Epoch milliseconds (UTC), or null when the text is not an ISO 8601 date-time. */
export function parseVeeamTime(text: string): number | null {
  const m = ISO.exec(text.trim());
  if (!m) return null;
  const [, y, mo, d, h, mi, s = '0', frac = '', zone = 'Z'] = m;
  const ms = Number((frac + '000').slice(0, 3));
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 24 || minute > 59 || second > 60) return null;
  const local = Date.UTC(Number(y), month - 1, day, hour, minute, second, ms);
  // Date.UTC maps years 0–99 to 1900–1999; .NET's DateTime.MinValue (0001-01-01) must stay in year 1.
  const fixed = Number(y) < 100 ? new Date(local).setUTCFullYear(Number(y)) : local;
  let offsetMinutes = 0;
  if (zone.toUpperCase() !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    offsetMinutes = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || '0'));
  }
  const epoch = fixed - offsetMinutes * 60_000;
  return Number.isFinite(epoch) ? epoch : null;
}

/**
 * .NET serialises "never" as DateTime.MinValue (`0001-01-01T00:00:00`); anything before 1971 is such a
 * placeholder, not a real run.
 */
export function isPlaceholderTime(epochMs: number): boolean {
  return epochMs < Date.UTC(1971, 0, 1);
}

export function hoursBetween(laterMs: number, earlierMs: number): number {
  return Math.round(((laterMs - earlierMs) / 3_600_000) * 10) / 10;
}
