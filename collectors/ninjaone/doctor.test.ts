import { describe, expect, it } from 'vitest';
import { doctorNinjaOne } from './doctor.js';
import { ninjaonePlugin } from './index.js';
import {
  BASE,
  FakeNinja,
  FAST,
  offlineWithFakeNinja,
  SECRET,
  standardTenant,
  testConfig,
  testContext,
} from './test-support.js';

let fake: FakeNinja;
offlineWithFakeNinja((f) => (fake = f));

describe('ninjaone doctor', () => {
  it('checks token, organisation and every endpoint with one cheap call each', async () => {
    standardTenant(fake).install();
    const checks = await ninjaonePlugin.doctor(testConfig({ automatedPatchPolicies: ['Servers - Auto Patch'] }), testContext());
    expect(checks.map((c) => [c.check, c.ok])).toEqual([
      ['instance', true],
      ['token POST /ws/oauth/token', true],
      ['GET /v2/organization/{id}', true],
      ['GET /v2/devices-detailed', true],
      ['GET /v2/queries/os-patches', true],
      ['GET /v2/queries/antivirus-status', true],
      ['GET /v2/alerts', true],
      ['GET /v2/activities', true],
      ['GET /v2/policies', true],
    ]);
    expect(checks[0]!.detail).toMatch(/not a known NinjaOne region/);
    expect(checks[2]!.detail).toBe('organization 12 (Contoso Ltd) found');
    expect(checks[7]!.detail).toBe('readable (alert severity and acknowledgement times)');
    expect(checks[8]!.detail).toBe('automated patch policies: Servers - Auto Patch');
    expect(fake.hits('/v2/devices-detailed')[0]!.query.get('pageSize')).toBe('1');
    expect(fake.hits('/v2/activities')[0]!.query.get('type')).toBe('CONDITION');
    expect(fake.log).toHaveLength(7); // organisation, devices, patches, antivirus, alerts, activities, policies
  });

  it('names the missing organisation, a refused scope, unknown policy names, and a missing mapping', async () => {
    standardTenant(fake).on('/v2/alerts', { status: 403, body: { resultCode: 'FORBIDDEN', errorMessage: 'Access denied' } }).install();
    const checks = await doctorNinjaOne(testConfig({ organizationId: 77, automatedPatchPolicies: ['No such policy'] }), testContext(), FAST);
    const byCheck = Object.fromEntries(checks.map((c) => [c.check, c]));
    expect(byCheck['GET /v2/organization/{id}']).toMatchObject({ ok: false, detail: expect.stringMatching(/organization 77 does not exist on ninja\.test/) });
    expect(byCheck['GET /v2/alerts']).toMatchObject({ ok: false, detail: expect.stringMatching(/HTTP 403: Access denied — .*"Monitoring" scope/) });
    expect(byCheck['GET /v2/policies']).toMatchObject({ ok: false, detail: expect.stringMatching(/matching no policy: No such policy/) });
    expect(byCheck['GET /v2/devices-detailed']).toMatchObject({ ok: true, detail: 'readable, but no devices match org = 77' });

    const noMapping = await doctorNinjaOne(testConfig(), testContext(), FAST);
    expect(noMapping.find((c) => c.check === 'automatedPatchPolicies')).toMatchObject({ ok: true, detail: expect.stringMatching(/^not set: rmm\.patches\.automated will be null/) });
    expect(noMapping.filter((c) => !c.ok).map((c) => c.check)).toEqual(['GET /v2/alerts']);
  });

  it('recognises a regional instance', async () => {
    // No route for eu.ninjarmm.com: the token call fails on the network, after the instance check.
    const checks = await doctorNinjaOne(testConfig({ baseUrl: 'https://eu.ninjarmm.com', maxRetries: 0 }), testContext(), FAST);
    expect(checks[0]).toEqual({ check: 'instance', ok: true, detail: 'eu.ninjarmm.com (EU region)' });
    expect(checks[1]).toMatchObject({ check: 'token POST /ws/oauth/token', ok: false, detail: expect.stringMatching(/no token for tenant contoso from https:\/\/eu\.ninjarmm\.com\/ws\/oauth\/token/) });
  });

  it('stops after a refused token and says what to check, without the secret', async () => {
    fake = new FakeNinja(BASE, 'another-secret-entirely');
    standardTenant(fake).install();
    const checks = await doctorNinjaOne(testConfig(), testContext(), FAST);
    expect(checks).toHaveLength(2);
    expect(checks[1]).toMatchObject({ check: 'token POST /ws/oauth/token', ok: false });
    expect(checks[1]!.detail).toMatch(/invalid_client: Bad client credentials.*Client Credentials grant/);
    expect(JSON.stringify(checks)).not.toContain(SECRET);
  });
});
