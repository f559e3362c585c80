import { describe, expect, it } from 'vitest';
import { hoursSince, toEpochMs } from './time.js';

describe('toEpochMs: Datto timestamps to UTC epoch milliseconds', () => {
  it('reads production epoch milliseconds as they are', () => {
    expect(toEpochMs(1721131200000)).toBe(Date.UTC(2024, 6, 16, 12, 0, 0));
  });
  it('reads a string of digits as epoch milliseconds', () => {
    expect(toEpochMs('1721131200000')).toBe(1721131200000);
  });
  it('reads an implausibly small number as epoch seconds rather than a date in 1970', () => {
    expect(toEpochMs(1721131200)).toBe(1721131200000);
  });
  it('converts the spec’s ISO date-time with a positive offset to UTC', () => {
    expect(new Date(toEpochMs('2024-07-16T01:30:00+02:00')!).toISOString()).toBe('2024-07-15T23:30:00.000Z');
  });
  it('converts a negative offset without colon and fractional seconds', () => {
    expect(new Date(toEpochMs('2024-07-15T19:30:00.250-0430')!).toISOString()).toBe('2024-07-16T00:00:00.250Z');
  });
  it('reads Z as UTC and a zone-less date-time as UTC, whatever the host’s zone', () => {
    expect(toEpochMs('2024-07-16T12:00:00Z')).toBe(1721131200000);
    expect(toEpochMs('2024-07-16T12:00:00')).toBe(1721131200000);
  });
  it('treats null, empty and 0 as unknown', () => {
    expect(toEpochMs(null)).toBeNull();
    expect(toEpochMs(undefined)).toBeNull();
    expect(toEpochMs('')).toBeNull();
    expect(toEpochMs(0)).toBeNull();
  });
  it('rejects what is not a timestamp', () => {
    expect(toEpochMs('yesterday')).toBeUndefined();
    expect(toEpochMs(true)).toBeUndefined();
    expect(toEpochMs('2024-13-45T99:00:00Z')).toBeUndefined();
  });
});

describe('hoursSince', () => {
  it('rounds to one decimal and never goes negative', () => {
    expect(hoursSince(0, 90 * 60_000)).toBe(1.5);
    expect(hoursSince(10_000, 0)).toBe(0);
  });
});

describe('toEpochMs: placeholder dates', () => {
  // .NET's DateTime.MinValue, which public Datto clients map to "no date" (TheShadowTek/DattoRMM.Core,
  // DRMMObject.ParseApiDate: "The DateTime.MinValue sentinel (-62135596800000 ms) is treated as null").
  it('reads DateTime.MinValue as unknown, whether sent as epoch ms or as an ISO date-time', () => {
    expect(toEpochMs(-62135596800000)).toBeNull();
    expect(toEpochMs('-62135596800000')).toBeNull();
    expect(toEpochMs('0001-01-01T00:00:00Z')).toBeNull();
    expect(toEpochMs('0001-01-01T00:00:00')).toBeNull();
  });
  it('reads any other date before 1971 as unknown, not as a real (ancient) time', () => {
    expect(toEpochMs('1970-01-01T00:00:00.001Z')).toBeNull();
    expect(toEpochMs(1)).toBeNull();
  });
  it('keeps a real date', () => {
    expect(toEpochMs('1971-01-01T00:00:00Z')).toBe(Date.UTC(1971, 0, 1));
  });
});
