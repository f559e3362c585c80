/**
 * VBR timestamps are ISO 8601 with the backup server's UTC offset and up to seven fractional digits
 * (`2025-07-28T10:44:39.694588+02:00`, `2024-11-06T00:30:20+01:00`). `Date.parse` would read a value without an
 * offset in the scanner's local zone, so this parser is explicit: the offset is applied, fractions are cut to
 * milliseconds, and a value without an offset is taken as UTC (VBR always sends one; UTC is the predictable guess).
 */
import { parseIsoDateTime } from '../../src/collector-kit/time.js';

export { hoursBetween, isPlaceholderTime } from '../../src/collector-kit/time.js';

/** Epoch milliseconds (UTC), or null when the text is not an ISO 8601 date-time. Lenient: `24:00` rolls over. */
export function parseVeeamTime(text: string): number | null {
  return parseIsoDateTime(text, { strict: false });
}
