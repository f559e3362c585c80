import { describe, expect, it } from 'vitest';
import { hoursBetween, isPlaceholderTime, parseVeeamTime } from './time.js';

const iso = (text: string) => {
  const ms = parseVeeamTime(text);
  return ms === null ? null : new Date(ms).toISOString();
};

describe('parseVeeamTime', () => {
  it('applies the UTC offset VBR sends', () => {
    expect(iso('2025-07-28T10:44:39.694588+02:00')).toBe('2025-07-28T08:44:39.694Z');
    expect(iso('2024-11-06T00:30:20+01:00')).toBe('2024-11-05T23:30:20.000Z');
    expect(iso('2025-07-28T01:30:00-05:00')).toBe('2025-07-28T06:30:00.000Z');
    expect(iso('2025-07-28T01:30:00+0530')).toBe('2025-07-27T20:00:00.000Z');
    expect(iso('2025-07-28T01:30:00Z')).toBe('2025-07-28T01:30:00.000Z');
  });

  it('cuts 1–7 fractional digits to milliseconds', () => {
    expect(iso('2024-11-05T18:01:26.5208057+01:00')).toBe('2024-11-05T17:01:26.520Z');
    expect(iso('2024-02-04T21:40:24.96+03:00')).toBe('2024-02-04T18:40:24.960Z');
    expect(iso('2024-02-04T21:40:24.1+03:00')).toBe('2024-02-04T18:40:24.100Z');
  });

  it('reads a value without an offset as UTC, never as the scanner local time', () => {
    expect(iso('2025-07-28T10:00:00')).toBe('2025-07-28T10:00:00.000Z');
  });

  it('refuses what is not an ISO date-time', () => {
    for (const bad of ['yesterday', '', '28/07/2025 10:00', '2025-13-01T00:00:00Z', '2025-07-28', '1722150000']) expect(parseVeeamTime(bad)).toBeNull();
  });

  it('keeps .NET DateTime.MinValue in year 1 and flags it as a placeholder', () => {
    const min = parseVeeamTime('0001-01-01T00:00:00')!;
    expect(new Date(min).getUTCFullYear()).toBe(1);
    expect(isPlaceholderTime(min)).toBe(true);
    expect(isPlaceholderTime(parseVeeamTime('2025-07-28T10:00:00Z')!)).toBe(false);
  });

  it('hoursBetween rounds to a tenth of an hour', () => {
    expect(hoursBetween(Date.UTC(2025, 6, 29, 6), Date.UTC(2025, 6, 28, 5, 30))).toBe(24.5);
    expect(hoursBetween(3_600_000 * 2 + 179_000, 0)).toBe(2);
  });
});
