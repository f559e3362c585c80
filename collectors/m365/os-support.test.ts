import { describe, expect, it } from 'vitest';
import { judgeOs, loadOsSupport, parseOsSupport } from './os-support.js';
import { triagedInTime, type SecurityAlert } from './defender-alerts.js';
import { deriveUpdateRings } from './update-rings.js';

const data = loadOsSupport();
const at = (d: string) => new Date(`${d}T12:00:00Z`);

describe('rules/data/os-support.yaml', () => {
  it('loads, and judges a Windows build by the end of servicing of the assumed edition, the last day still supported', () => {
    expect(data.windows.assumeEdition).toBe('enterpriseEducation');
    // Windows 11 23H2 Enterprise/Education: serviced through 2026-11-10.
    expect(judgeOs(data, 'Windows', '10.0.22631.4460', at('2026-11-10'))).toBe('supported');
    expect(judgeOs(data, 'Windows', '10.0.22631.4460', at('2026-11-11'))).toBe('unsupported');
    // Windows 10 22H2 ended for every edition on 2025-10-14.
    expect(judgeOs(data, 'Windows', '10.0.19045.5011', at('2025-10-15'))).toBe('unsupported');
    // A build the file does not list is unknown, never unsupported.
    expect(judgeOs(data, 'Windows', '10.0.99999.1', at('2026-01-01'))).toBe('unknown');
    expect(judgeOs(data, 'Windows', 'garbage', at('2026-01-01'))).toBe('unknown');
  });

  it('uses another edition family when the file says so (an LTSC estate keeps 19044 until 2027)', () => {
    const ltsc = { ...data, windows: { ...data.windows, assumeEdition: 'ltsc' as const } };
    expect(judgeOs(ltsc, 'Windows', '10.0.19044.1', at('2026-12-01'))).toBe('supported');
    expect(judgeOs(data, 'Windows', '10.0.19044.1', at('2026-12-01'))).toBe('unsupported');
    // 22631 has no LTSC row: unknown for an LTSC estate.
    expect(judgeOs(ltsc, 'Windows', '10.0.22631.1', at('2026-01-01'))).toBe('unknown');
  });

  it('judges macOS majors by their recorded end, iOS and Android by the minimum major, other platforms unknown', () => {
    expect(judgeOs(data, 'macOS', '13.6.9', at('2025-09-15'))).toBe('supported');
    expect(judgeOs(data, 'macOS', '13.6.9', at('2025-09-16'))).toBe('unsupported');
    expect(judgeOs(data, 'macOS', '15.1', at('2026-01-01'))).toBe('supported');
    expect(judgeOs(data, 'macOS', '10.15.7', at('2026-01-01'))).toBe('unknown');
    expect(judgeOs(data, 'iOS', `${data.iOS.minimumMajor}.0`, at('2026-01-01'))).toBe('supported');
    expect(judgeOs(data, 'iOS', `${data.iOS.minimumMajor - 1}.7`, at('2026-01-01'))).toBe('unsupported');
    expect(judgeOs(data, 'Android', String(data.android.minimumMajor - 1), at('2026-01-01'))).toBe('unsupported');
    expect(judgeOs(data, 'Linux', '22.04', at('2026-01-01'))).toBe('unknown');
  });

  it('refuses a broken data file with the field at fault instead of treating everything as supported', () => {
    expect(() => parseOsSupport('schemaVersion: 1\nwindows: { assumeEdition: pro, builds: [] }\n')).toThrow(/windows\.assumeEdition/);
    expect(() =>
      parseOsSupport(
        'schemaVersion: 1\nwindows: { assumeEdition: homePro, builds: [{ build: 1, name: x, endOfServicing: { homePro: 14-10-2025 } }] }\nmacOS: { majors: [{ major: 1, name: y }] }\niOS: { minimumMajor: 1 }\nandroid: { minimumMajor: 1 }\n',
      ),
    ).toThrow(/endOfServicing\.homePro/);
  });
});

describe('Defender triage within 24 h (documented fields only, a lower bound)', () => {
  const created = '2026-01-01T00:00:00Z';
  const alert = (p: Partial<SecurityAlert>): SecurityAlert => ({ id: 'a', status: 'new', severity: 'high', createdDateTime: created, ...p });
  const now = Date.parse('2026-01-10T00:00:00Z');
  it('counts resolved or touched within 24 h, refuses to guess otherwise, and waits for young untouched alerts', () => {
    expect(triagedInTime(alert({ status: 'resolved', resolvedDateTime: '2026-01-01T20:00:00Z', lastUpdateDateTime: '2026-01-05T00:00:00Z' }), now)).toBe(true);
    expect(triagedInTime(alert({ status: 'inProgress', lastUpdateDateTime: '2026-01-01T23:00:00Z' }), now)).toBe(true);
    expect(triagedInTime(alert({ assignedTo: 'secops', lastUpdateDateTime: '2026-01-01T02:00:00Z' }), now)).toBe(true);
    // Touched, but last updated after the window: when triage happened cannot be shown.
    expect(triagedInTime(alert({ status: 'inProgress', lastUpdateDateTime: '2026-01-03T00:00:00Z' }), now)).toBe(false);
    expect(triagedInTime(alert({}), now)).toBe(false);
    expect(triagedInTime(alert({}), Date.parse('2026-01-01T10:00:00Z'))).toBeNull();
  });
});

describe('update rings', () => {
  it('counts assigned rings and the longest deferral among them; unknown assignments are not guessed', () => {
    const v = deriveUpdateRings([
      { id: 'a', displayName: 'Pilot', qualityUpdatesDeferralPeriodInDays: 0, assignments: [{ id: 'x' }] },
      { id: 'b', displayName: 'Broad', qualityUpdatesDeferralPeriodInDays: 7, assignments: [{ id: 'y' }] },
      { id: 'c', displayName: 'Draft', qualityUpdatesDeferralPeriodInDays: 30, assignments: [] },
      { '@odata.type': '#microsoft.graph.windows10GeneralConfiguration', id: 'd' },
    ]);
    expect(v).toMatchObject({ rings: 3, assigned: 2, maxQualityDeferralDays: 7, names: ['Pilot', 'Broad', 'Draft'] });
    const unknown = deriveUpdateRings([{ id: 'a', qualityUpdatesDeferralPeriodInDays: 4 }]);
    expect(unknown.assigned).toBeNull();
    expect(unknown.unknownReasons?.assigned).toMatch(/assignments/);
    expect(deriveUpdateRings([])).toMatchObject({ rings: 0, assigned: 0, maxQualityDeferralDays: null, notApplicable: { maxQualityDeferralDays: expect.any(String) } });
  });
});
