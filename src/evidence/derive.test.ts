import { describe, expect, it } from 'vitest';
import { ev, NOW } from '../../bench/lib/evidence-samples.js';
import { deriveBackupCoverage, deriveRestoreTest, normaliseHostName } from './derive.js';

describe('backup.coverage join', () => {
  it('normalises case, DNS suffix and NetBIOS truncation', () => {
    expect(normaliseHostName('SRV01.contoso.local')).toBe('srv01');
    expect(normaliseHostName('srv-fileserver-primary01')).toBe(normaliseHostName('SRV-FILESERVER-'));
  });

  it('matches RMM servers to backup objects and lists the uncovered', () => {
    const rmm = ev('rmm.devices', { serverNames: ['DC01', 'SRV-FILESERVER-PRIMARY01.corp.local', 'SQL01', 'APP02'], serverNamesTotal: 4 });
    const backup = ev('backup.protection', { objectNames: ['dc01.corp.local', 'SRV-FILESERVER-', 'sql01'], objectNamesTotal: 3 });
    const c = deriveBackupCoverage([rmm, backup], ['rmm', 'backup'], NOW)!;
    expect(c.status).toBe('ok');
    expect(c.value).toMatchObject({ servers: 4, covered: 3, pct: 75, uncovered: ['APP02'], uncoveredTotal: 1 });
  });

  it('is unavailable, not failing, when a side is missing', () => {
    const backup = ev('backup.protection', { objectNames: [] });
    expect(deriveBackupCoverage([backup], ['backup'], NOW)).toMatchObject({ status: 'unavailable', reasonCode: 'not_configured' });
    const rmm403 = ev('rmm.devices', null, 'unavailable', 'HTTP 403: needs the monitoring scope');
    const c = deriveBackupCoverage([rmm403, backup], ['rmm', 'backup'], NOW)!;
    expect(c.status).toBe('unavailable');
    expect(c.reason).toMatch(/RMM inventory not available: HTTP 403/);
    expect(deriveBackupCoverage([], ['m365'], NOW)).toBeNull();
  });

  it('a workstation-only estate makes coverage not applicable, with what recovery rests on instead', () => {
    const rmm = ev('rmm.devices', { serverNames: [], serverNamesTotal: 0 });
    const backup = ev('backup.protection', { objectNames: ['laptop-01'], objectNamesTotal: 1 });
    const c = deriveBackupCoverage([rmm, backup], ['rmm', 'backup'], NOW)!;
    expect(c.value).toMatchObject({ servers: 0, pct: null, notApplicable: { pct: expect.stringMatching(/no servers in the RMM inventory/) } });
  });
});

describe('recovery.restore_test', () => {
  const attested = (ageDays: number) => ev('attestation.restore_test', { attested: true, ageDays, author: 'alice@msp', attestedAt: '2026-10-01T00:00:00Z' });
  const verified = (days: number | null) => ev('backup.verification', { verifiedDaysAgo: days, lastVerifiedAt: days === null ? null : '2026-11-01T00:00:00Z', verifications90d: days === null ? 0 : 3, failed90d: 0, via: 'Veeam SureBackup' });

  it('takes the newer of an attested restore test and the backup product\'s automated verification', () => {
    expect(deriveRestoreTest([attested(40), verified(6)], NOW).value).toMatchObject({ ageDays: 6, via: 'automated verification (Veeam SureBackup)' });
    expect(deriveRestoreTest([attested(4), verified(60)], NOW).value).toMatchObject({ ageDays: 4, via: 'restore test attested by alice@msp' });
    expect(deriveRestoreTest([verified(12)], NOW).value).toMatchObject({ ageDays: 12 });
  });

  it('an older proof never makes it younger (monotonic), and neither proof is unknown with both reasons, never a fail', () => {
    for (const [a, v] of [[10, 20], [30, 5], [200, 95]] as const) {
      const age = (x: number, y: number) => deriveRestoreTest([attested(x), verified(y)], NOW).value!.ageDays as number;
      expect(age(a + 10, v)).toBeGreaterThanOrEqual(age(a, v));
      expect(age(a, v + 10)).toBeGreaterThanOrEqual(age(a, v));
    }
    const none = deriveRestoreTest([ev('attestation.restore_test', null, 'unavailable', 'no attestation recorded'), verified(null)], NOW);
    expect(none.status).toBe('unavailable');
    expect(none.reason).toMatch(/restore test attestation: no attestation recorded; automated verification: none recorded by the backup product/);
  });
});
