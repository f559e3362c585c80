/**
 * Datto RMM timestamps. The OpenAPI spec types them `string` / `date-time`; production sends **epoch milliseconds**
 * (numbers) for every one of them (pncit/datto-rmm-api-client, design "Production defects"). Both are accepted and
 * normalised to epoch milliseconds, UTC:
 *   - a number, or a string of digits: epoch milliseconds; a value below 1e11 cannot be a plausible millisecond
 *     date (it would be before 1973) and is read as epoch seconds instead;
 *   - an ISO 8601 date-time with `Z` or an offset (`+02:00`, `+0200`): converted to UTC;
 *   - an ISO date-time without a zone: read as UTC (Datto's servers run in UTC; the host's zone must not matter);
 *   - `0`, `null`, `""`: unknown (null);
 *   - a "never happened" placeholder — .NET's `DateTime.MinValue` (`0001-01-01T00:00:00`, -62135596800000 ms), which
 *     public Datto clients map to null (TheShadowTek/DattoRMM.Core `DRMMObject.ParseApiDate`), or anything else
 *     before 1971 — is unknown (null) too: read as a date it would make an alert 17 million hours old or a device
 *     "seen" in year 1 instead of never seen.
 */

import { epochToMs, hoursBetween, isPlaceholderTime } from '../../src/collector-kit/time.js';

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/** Epoch ms, `null` when absent, or `undefined` when the value is not a timestamp at all (a schema violation). */
export function toEpochMs(value: unknown): number | null | undefined {
  const ms = parseTimestamp(value);
  if (ms === undefined) return undefined;
  return ms === null || isPlaceholderTime(ms) ? null : ms;
}

function parseTimestamp(value: unknown): number | null | undefined {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') return epochToMs(value);
  if (typeof value !== 'string') return undefined;
  const s = value.trim();
  if (s === '') return null;
  if (/^-?\d+(?:\.\d+)?$/.test(s)) return epochToMs(Number(s));
  const m = ISO.exec(s);
  if (!m) return undefined;
  const [, y, mo, d, h = '00', mi = '00', sec = '00', frac = '', zone] = m;
  let offset = 'Z';
  if (zone && zone.toUpperCase() !== 'Z') {
    const digits = zone.slice(1).replace(':', '');
    offset = `${zone[0]}${digits.slice(0, 2)}:${(digits.slice(2) || '00').padEnd(2, '0')}`;
  }
  const ms = frac ? `.${frac.slice(0, 3).padEnd(3, '0')}` : '';
  const parsed = Date.parse(`${y}-${mo}-${d}T${h}:${mi}:${sec}${ms}${offset}`);
  return Number.isNaN(parsed) ? undefined : parsed;
}

export { DAY_MS, HOUR_MS, isoFromMs as toIso } from '../../src/collector-kit/time.js';

/** Hours with one decimal, never negative (a clock slightly ahead of ours is not a negative age). */
export function hoursSince(ms: number, now: number): number {
  return Math.max(0, hoursBetween(now, ms));
}
