import { describe, expect, it } from 'vitest';
import { ev, NOW } from '../../test/helpers/evidence.js';
import { deriveBackupCoverage, normaliseHostName } from './derive.js';

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
