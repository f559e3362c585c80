import { describe, expect, it } from 'vitest';
import { epochToMs, hoursBetween, isoFromMs, isPlaceholderTime, parseIsoDateTime } from './time.js';

const iso = (text: string, strict: boolean) => {
  const ms = parseIsoDateTime(text, { strict });
  return ms === null ? null : new Date(ms).toISOString();
};

describe('parseIsoDateTime', () => {
  it('applies offsets, reads a zone-less value as UTC and cuts fractions to milliseconds', () => {
    for (const strict of [true, false]) {
      expect(iso('2025-07-28T10:44:39.694588+02:00', strict)).toBe('2025-07-28T08:44:39.694Z');
      expect(iso('2024-05-30T20:30:00-05:30', strict)).toBe('2024-05-31T02:00:00.000Z');
      expect(iso('2024-05-31T01:00:00+0200', strict)).toBe('2024-05-30T23:00:00.000Z');
      expect(iso('2024-05-30T20:30:00.5-03', strict)).toBe('2024-05-30T23:30:00.500Z');
      expect(iso('2024-05-31 12:00:00', strict)).toBe('2024-05-31T12:00:00.000Z');
      expect(iso('2021-02-03T14:57:07.311022688Z', strict)).toBe('2021-02-03T14:57:07.311Z');
    }
  });

  it('strict refuses what the calendar lacks; lenient rolls it over as .NET writes it', () => {
    expect(iso('2024-02-30T00:00:00Z', true)).toBeNull();
    expect(iso('2024-02-30T00:00:00Z', false)).toBe('2024-03-01T00:00:00.000Z');
    expect(iso('2024-05-31T24:00:00Z', true)).toBeNull();
    expect(iso('2024-05-31T24:00:00Z', false)).toBe('2024-06-01T00:00:00.000Z');
    expect(iso('2024-05-31T12:00:00+25:00', true)).toBeNull();
    expect(iso('2024-05-31T23:59:60Z', true)).toBe('2024-05-31T23:59:59.000Z');
  });

  it('refuses what is not a date-time and keeps years below 100 literal', () => {
    for (const bad of ['', 'yesterday', '2025-07-28', '1722150000', '2025-13-01T00:00:00Z']) expect(parseIsoDateTime(bad, { strict: false })).toBeNull();
    const min = parseIsoDateTime('0001-01-01T00:00:00', { strict: false })!;
    expect(new Date(min).getUTCFullYear()).toBe(1);
    expect(isPlaceholderTime(min)).toBe(true);
  });
});

describe('epoch numbers', () => {
  it('reads seconds and milliseconds alike; nothing for zero, negative or non-finite', () => {
    expect(epochToMs(1717200000)).toBe(1717200000000);
    expect(epochToMs(1728487941.72576)).toBe(1728487941726);
    expect(epochToMs(1717200000000)).toBe(1717200000000);
    for (const none of [0, -5, Number.NaN, Number.POSITIVE_INFINITY, null, undefined]) expect(epochToMs(none)).toBeNull();
    expect(isoFromMs(0)).toBe('1970-01-01T00:00:00.000Z');
    expect(isoFromMs(null)).toBeNull();
    expect(hoursBetween(Date.UTC(2025, 6, 29, 6), Date.UTC(2025, 6, 28, 5, 30))).toBe(24.5);
  });
});
