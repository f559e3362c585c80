import { describe, expect, it } from 'vitest';
import type { Report } from '../domain/report.js';
import { ParsedReports } from './parsed-reports.js';

const report = (id: string) => ({ scan: { id }, findings: [{ ruleId: 'r' }] }) as unknown as Report;

describe('ParsedReports', () => {
  it('returns a kept parse only for the revision it was read at', () => {
    const kept = new ParsedReports(4);
    const r = kept.put({ id: 'a', rev: 0 }, report('a'));
    expect(kept.get({ id: 'a', rev: 0 })).toBe(r);
    expect(kept.get({ id: 'a', rev: 1 })).toBeUndefined();
    expect(kept.get({ id: 'b', rev: 0 })).toBeUndefined();
    const newer = kept.put({ id: 'a', rev: 1 }, report('a'));
    expect(kept.get({ id: 'a', rev: 1 })).toBe(newer);
    expect(kept.get({ id: 'a', rev: 0 })).toBeUndefined();
  });

  it('forgets the least recently used parse beyond its capacity', () => {
    const kept = new ParsedReports(2);
    kept.put({ id: 'a', rev: 0 }, report('a'));
    kept.put({ id: 'b', rev: 0 }, report('b'));
    kept.get({ id: 'a', rev: 0 }); // a is now more recent than b
    kept.put({ id: 'c', rev: 0 }, report('c'));
    expect(kept.get({ id: 'b', rev: 0 })).toBeUndefined();
    expect(kept.get({ id: 'a', rev: 0 })?.scan.id).toBe('a');
    expect(kept.get({ id: 'c', rev: 0 })?.scan.id).toBe('c');
  });

  it('freezes what it keeps, all the way down', () => {
    const r = new ParsedReports().put({ id: 'a', rev: 0 }, report('a'));
    expect(Object.isFrozen(r)).toBe(true);
    expect(Object.isFrozen(r.findings)).toBe(true);
    expect(Object.isFrozen(r.findings[0])).toBe(true);
  });
});
