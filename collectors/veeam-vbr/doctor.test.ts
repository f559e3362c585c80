import { describe, expect, it } from 'vitest';
import { offline } from '../../src/collector-kit/testing/fake-server.js';
import { veeamVbrPlugin } from './index.js';
import { FakeVbr, testConfig, testContext, vbrError } from './test-support.js';

offline();

describe('veeam-vbr doctor', () => {
  it('signs in and reads one row of every endpoint', async () => {
    const vbr = FakeVbr.standard().install();
    const checks = await veeamVbrPlugin.doctor(testConfig(), testContext());
    expect(checks.map((c) => [c.check, c.ok])).toEqual([
      ['token (POST /api/oauth2/token)', true],
      ['GET /api/v1/jobs/states', true],
      ['GET /api/v1/backupObjects', true],
      ['GET /api/v1/restorePoints', true],
      ['GET /api/v1/backupInfrastructure/repositories', true],
    ]);
    expect(checks[4]!.detail).toBe('readable (5 in total; Veeam Backup Viewer or higher granted)');
    expect(checks[2]!.detail).toBe('readable (7 in total; Veeam Backup Viewer or higher granted)');
    expect(vbr.requests.filter((r) => r.method === 'GET').every((r) => r.query.get('limit') === '1')).toBe(true);
  });

  it('probes /api/v1/objectRestorePoints on 1.1-rev0', async () => {
    FakeVbr.standard().install();
    const checks = await veeamVbrPlugin.doctor(testConfig({ apiVersion: '1.1-rev0' }), testContext());
    expect(checks.map((c) => c.check)).toContain('GET /api/v1/objectRestorePoints');
  });

  it('names the role when an endpoint answers 403', async () => {
    const vbr = FakeVbr.standard();
    vbr.overrides.push((req) => (req.path === '/api/v1/restorePoints' ? vbrError(403, 'error-forbidden.json') : undefined));
    vbr.install();
    const checks = await veeamVbrPlugin.doctor(testConfig(), testContext());
    const rp = checks.find((c) => c.check === 'GET /api/v1/restorePoints')!;
    expect(rp.ok).toBe(false);
    expect(rp.detail).toMatch(/HTTP 403.*at least the Veeam Backup Viewer role/);
    expect(checks.filter((c) => c.ok)).toHaveLength(4);
  });

  it('names the role when the repositories (backup.immutability) answer 403', async () => {
    const vbr = FakeVbr.standard();
    vbr.overrides.push((req) => (req.path === '/api/v1/backupInfrastructure/repositories' ? vbrError(403, 'error-forbidden.json') : undefined));
    vbr.install();
    const checks = await veeamVbrPlugin.doctor(testConfig(), testContext());
    const repos = checks.find((c) => c.check === 'GET /api/v1/backupInfrastructure/repositories')!;
    expect(repos.ok).toBe(false);
    expect(repos.detail).toMatch(/HTTP 403.*at least the Veeam Backup Viewer role/);
  });

  it('stops after a refused sign-in and says what to check', async () => {
    const vbr = FakeVbr.standard().install();
    const checks = await veeamVbrPlugin.doctor(testConfig({ password: 'not-the-password' }), testContext());
    expect(checks[0]).toMatchObject({ check: 'token (POST /api/oauth2/token)', ok: false });
    expect(checks[0]!.detail).toMatch(/tenant contoso.*HTTP 401.*check the user name and password/);
    expect(checks.slice(1).every((c) => !c.ok && c.detail === 'not checked: no token')).toBe(true);
    expect(vbr.requests).toHaveLength(1);
  });

  it('reports an unreadable caFile', async () => {
    const checks = await veeamVbrPlugin.doctor(testConfig({ caFile: '/nonexistent/ca.pem' }), testContext());
    expect(checks[0]).toMatchObject({ check: 'caFile', ok: false });
    expect(checks).toHaveLength(5);
  });
});
