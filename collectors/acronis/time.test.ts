import { describe, expect, it } from 'vitest';
import { parseTimestamp } from './time.js';

const ms = (value: string) => {
  const r = parseTimestamp(value);
  if (!r.ok) throw new Error(`rejected ${value}`);
  return r.ms === null ? null : new Date(r.ms).toISOString();
};

describe('acronis timestamps → UTC', () => {
  it('reads Z, nanosecond fractions and offsets', () => {
    expect(ms('2021-02-03T15:00:48Z')).toBe('2021-02-03T15:00:48.000Z');
    expect(ms('2021-02-03T14:57:07.311022688Z')).toBe('2021-02-03T14:57:07.311Z');
    expect(ms('2024-05-31T01:00:00+02:00')).toBe('2024-05-30T23:00:00.000Z');
    expect(ms('2024-05-31T01:00:00+0200')).toBe('2024-05-30T23:00:00.000Z');
    expect(ms('2024-05-30T20:30:00-05:30')).toBe('2024-05-31T02:00:00.000Z');
    expect(ms('2024-05-30T20:30:00.5-03')).toBe('2024-05-30T23:30:00.500Z');
  });

  it('reads a zone-less timestamp as UTC, never as local time', () => {
    expect(ms('2024-05-31T12:00:00')).toBe('2024-05-31T12:00:00.000Z');
    expect(ms('2024-05-31 12:00:00Z')).toBe('2024-05-31T12:00:00.000Z');
  });

  it('treats empty strings and year-0001 placeholders as "never"', () => {
    expect(ms('')).toBeNull();
    expect(ms('0001-01-01T00:00:00Z')).toBeNull();
    expect(ms('1970-01-01T00:00:00Z')).toBeNull();
  });

  it('refuses what is not a timestamp rather than guessing', () => {
    for (const bad of ['yesterday', '2024-02-30T00:00:00Z', '2024-13-01T00:00:00Z', '2024-05-31T25:00:00Z', '1717200000', '2024-05-31T12:00:00+25:00']) {
      expect(parseTimestamp(bad).ok, bad).toBe(false);
    }
  });
});
