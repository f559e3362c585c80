import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { offline } from '../../src/collector-kit/testing/fake-server.js';
import { doctorAcronis } from './doctor.js';
import { CUSTOMER, FAST, FakeAcronis, fixture, json, testConfig, testContext } from './test-support.js';

offline({ clearSecrets: true });

describe('acronis doctor', () => {
  it('checks the token and one page of one item per resource type', async () => {
    const fake = new FakeAcronis().install();
    const checks = await doctorAcronis(testConfig({ customerTenantId: CUSTOMER }), testContext(), FAST);
    expect(checks.map((c) => [c.check, c.ok])).toEqual([
      ['token', true],
      ['GET /api/resource_management/v4/resource_statuses?type=resource.machine', true],
    ]);
    expect(checks[1]!.detail).toBe(`readable (urn:acronis.com::resource_management::read granted); 8 workload(s) of type resource.machine visible in customer tenant ${CUSTOMER}`);
    expect(Object.fromEntries(fake.statusRequests[0]!.query)).toEqual({ type: 'resource.machine', limit: '1', tenant_id: CUSTOMER });
  });

  it('warns when no customer tenant is configured, and when the configured one shows nothing', async () => {
    new FakeAcronis().install();
    const open = await doctorAcronis(testConfig(), testContext(), FAST);
    expect(open[1]!.detail).toMatch(/no customerTenantId set: evidence will cover every tenant this API client can see/);
    nock.cleanAll();
    new FakeAcronis().onStatuses(() => json({ items: [], paging: { cursors: { total: 0 } } })).install();
    const empty = await doctorAcronis(testConfig({ customerTenantId: CUSTOMER }), testContext(), FAST);
    expect(empty[1]!.ok).toBe(true);
    expect(empty[1]!.detail).toMatch(/0 workload\(s\).*check customerTenantId/);
  });

  it('names the missing role on a 403', async () => {
    new FakeAcronis().onStatuses(() => ({ status: 403, body: fixture('error-access-denied.json') })).install();
    const checks = await doctorAcronis(testConfig(), testContext(), FAST);
    expect(checks[1]!.ok).toBe(false);
    expect(checks[1]!.detail).toMatch(/HTTP 403: Access denied — the API client needs read access to Cyber Protection resources/);
  });

  it('stops after a refused token and says why', async () => {
    new FakeAcronis().install();
    const checks = await doctorAcronis(testConfig({ clientSecret: 'not-the-secret', resourceTypes: ['resource.machine', 'resource.virtual_machine.mshyperv'] }), testContext(), FAST);
    expect(checks).toHaveLength(3);
    expect(checks[0]).toMatchObject({ check: 'token', ok: false });
    expect(checks[0]!.detail).toMatch(/tenant contoso failed: token request refused with HTTP 401 \(invalid_client/);
    expect(checks.slice(1).every((c) => !c.ok && c.detail === 'not checked: no token')).toBe(true);
  });
});
