import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { offline } from '../../src/collector-kit/testing/fake-server.js';
import type { DoctorCheck } from '../../src/collector-kit/plugin.js';
import { m365Plugin } from './index.js';
import { FakeGraph, TENANT, TEST_DNS, fixture, graphError, json, mockLogin, standardTenant, testConfig, testContext, text } from './test-support.js';
import { DNS_CHECK } from './email-auth/doctor.js';

const GROUP = '6f1d0c3a-1111-4a4a-8b8b-000000000001';
const COUNT_CHECK = 'GET /groups/{id}/transitiveMembers/microsoft.graph.user/$count';

offline();

const check = (checks: DoctorCheck[], name: string) => {
  const c = checks.find((x) => x.check === name);
  if (!c) throw new Error(`no check ${name}; got ${checks.map((x) => x.check).join(', ')}`);
  return c;
};

describe('m365 doctor', () => {
  it('fails the DNS check with the fix when the configured resolver cannot be reached', async () => {
    mockLogin();
    standardTenant(new FakeGraph()).install();
    // Nothing listens on UDP/TCP port 9 of loopback: refused (or timed out), never an internet lookup.
    const checks = await m365Plugin.doctor(testConfig({ dns: { servers: ['127.0.0.1:9'], timeoutMs: 300 } }), testContext());
    const dns = check(checks, DNS_CHECK);
    expect(dns.ok).toBe(false);
    expect(dns.detail).toMatch(/asking 127\.0\.0\.1:9 for TXT contoso\.com/);
    expect(dns.detail).toContain('set m365.dns.servers to a resolver this host can reach (outbound UDP and TCP 53)');
  });

  it('passes on a healthy tenant, probing each endpoint cheaply', async () => {
    mockLogin();
    const graph = standardTenant(new FakeGraph())
      .on(/^\/users\/[^/]+\/authentication\/methods$/, json(fixture('auth-methods-authenticator.json')))
      .on('/groups', json({ value: [{ id: GROUP }] }))
      .on(`/groups/${GROUP}/transitiveMembers/microsoft.graph.user/$count`, text('12'))
      .install();

    const checks = await m365Plugin.doctor(testConfig(), testContext());

    expect(checks.map((c) => c.check)).toEqual([
      'credential',
      'token',
      'GET /subscribedSkus',
      'GET /reports/authenticationMethods/userRegistrationDetails',
      'GET /identity/conditionalAccess/policies',
      'GET /policies/identitySecurityDefaultsEnforcementPolicy',
      'GET /security/secureScores',
      'GET /roleManagement/directory/roleAssignments',
      'GET /deviceManagement/managedDevices',
      'GET /users',
      'GET /security/alerts_v2',
      'GET /deviceManagement/deviceConfigurations',
      'GET /admin/sharepoint/settings',
      'GET /policies/authorizationPolicy',
      'GET /policies/authenticationMethodsPolicy',
      'GET /roleManagement/directory/roleEligibilitySchedules',
      'GET /users (signInActivity)',
      'GET /domains',
      'GET /users/{id}/authentication/methods',
      COUNT_CHECK,
      DNS_CHECK,
    ]);
    expect(checks.filter((c) => !c.ok)).toEqual([]);
    // The resolver is asked about the tenant's own mail domain (the loopback server serving contoso.com).
    expect(check(checks, DNS_CHECK).detail).toBe(`${TEST_DNS} answers for contoso.com (1 mail domain to check)`);
    expect(check(checks, 'credential').detail).toBe(`client secret for app ${testConfig().clientId}`);
    expect(check(checks, 'token').detail).toMatch(/\(client secret\)$/);
    expect(check(checks, COUNT_CHECK).detail).toContain('GroupMember.Read.All');
    expect(graph.hits(`/groups/${GROUP}/transitiveMembers/microsoft.graph.user/$count`)[0]!.headers.consistencylevel).toBe('eventual');
    expect(graph.hits('/reports/authenticationMethods/userRegistrationDetails')[0]!.query.get('$top')).toBe('1');
    expect(graph.batches).toHaveLength(0);
  });

  it('names the missing permission, the missing licence and the fallback', async () => {
    mockLogin();
    standardTenant(new FakeGraph())
      .on('/deviceManagement/managedDevices', graphError(403, fixture('error-forbidden.json')))
      .on('/reports/authenticationMethods/userRegistrationDetails', graphError(403, fixture('error-non-premium.json')))
      .on(/^\/users\/[^/]+\/authentication\/methods$/, graphError(403, fixture('error-forbidden.json')))
      .install();

    const checks = await m365Plugin.doctor(testConfig(), testContext());

    expect(check(checks, 'token').ok).toBe(true);
    const devices = check(checks, 'GET /deviceManagement/managedDevices');
    expect(devices.ok).toBe(false);
    expect(devices.detail).toContain('DeviceManagementManagedDevices.Read.All');
    expect(devices.detail).toContain('5b7c9f0a-7f36-4a47-9e10-3d1f0c2b6a11');
    const report = check(checks, 'GET /reports/authenticationMethods/userRegistrationDetails');
    expect(report.ok).toBe(false);
    expect(report.detail).toContain('Entra ID P1 or P2');
    expect(report.detail).toContain('UserAuthenticationMethod.Read.All');
    const methods = check(checks, 'GET /users/{id}/authentication/methods');
    expect(methods.ok).toBe(false);
    expect(methods.detail).toContain('UserAuthenticationMethod.Read.All');
    expect(check(checks, 'GET /security/secureScores').ok).toBe(true);
  });

  it('checks the identity breadth grants: Policy.Read.All, PIM (or its P2 licence), AuditLog.Read.All with P1, Domain.Read.All', async () => {
    mockLogin();
    standardTenant(new FakeGraph())
      .on(/^\/users\/[^/]+\/authentication\/methods$/, json(fixture('auth-methods-authenticator.json')))
      .on('/policies/authorizationPolicy', graphError(403, fixture('error-forbidden.json')))
      .on('/roleManagement/directory/roleEligibilitySchedules', graphError(403, fixture('error-forbidden.json')))
      .on('/users', (req) => ((req.query.get('$select') ?? '').includes('signInActivity') ? graphError(403, fixture('error-non-premium.json')) : json(fixture('users-page1.json'))))
      .on('/domains', graphError(403, fixture('error-forbidden.json')))
      .install();

    const checks = await m365Plugin.doctor(testConfig(), testContext());

    const authz = check(checks, 'GET /policies/authorizationPolicy');
    expect(authz.ok).toBe(false);
    expect(authz.detail).toContain('Policy.Read.All');
    expect(check(checks, 'GET /policies/authenticationMethodsPolicy').ok).toBe(true);
    const pim = check(checks, 'GET /roleManagement/directory/roleEligibilitySchedules');
    expect(pim.ok).toBe(false);
    expect(pim.detail).toContain('RoleManagement.Read.Directory');
    expect(pim.detail).toContain('Entra ID P2');
    const signIn = check(checks, 'GET /users (signInActivity)');
    expect(signIn.ok).toBe(false);
    expect(signIn.detail).toContain('Entra ID P1 or P2');
    expect(check(checks, 'GET /users').ok).toBe(true);
    expect(check(checks, 'GET /domains').detail).toContain('Domain.Read.All');
  });

  it('names SharePointTenantSettings.Read.All on SharePoint\'s 401 accessDenied (its answer without the consent)', async () => {
    mockLogin();
    standardTenant(new FakeGraph())
      .on(/^\/users\/[^/]+\/authentication\/methods$/, json(fixture('auth-methods-authenticator.json')))
      .on('/admin/sharepoint/settings', graphError(401, fixture('error-spo-401-access-denied.json')))
      .install();

    const checks = await m365Plugin.doctor(testConfig(), testContext());

    const sp = check(checks, 'GET /admin/sharepoint/settings');
    expect(sp.ok).toBe(false);
    expect(sp.detail).toContain('SharePointTenantSettings.Read.All');
    expect(sp.detail).toContain('admin-consent');
  });

  it('names GroupMember.Read.All when groups cannot be listed or counted', async () => {
    mockLogin();
    standardTenant(new FakeGraph())
      .on(/^\/users\/[^/]+\/authentication\/methods$/, json(fixture('auth-methods-authenticator.json')))
      .on('/groups', graphError(403, fixture('error-forbidden.json')))
      .install();

    const refused = check(await m365Plugin.doctor(testConfig(), testContext()), COUNT_CHECK);
    expect(refused.ok).toBe(false);
    expect(refused.detail).toContain('GroupMember.Read.All');

    nock.cleanAll();
    mockLogin();
    standardTenant(new FakeGraph())
      .on(/^\/users\/[^/]+\/authentication\/methods$/, json(fixture('auth-methods-authenticator.json')))
      .on('/groups', json({ value: [{ id: GROUP }] }))
      .on(`/groups/${GROUP}/transitiveMembers/microsoft.graph.user/$count`, graphError(403, fixture('error-forbidden.json')))
      .install();
    const countRefused = check(await m365Plugin.doctor(testConfig(), testContext()), COUNT_CHECK);
    expect(countRefused.ok).toBe(false);
    expect(countRefused.detail).toContain('GroupMember.Read.All');
  });

  it('reports a token failure and skips the endpoint checks', async () => {
    mockLogin();
    const graph = new FakeGraph().install();

    const checks = await m365Plugin.doctor(testConfig({ clientSecret: 'not-the-right-one-000' }), testContext());

    const token = check(checks, 'token');
    expect(token.ok).toBe(false);
    expect(token.detail).toContain(TENANT);
    expect(token.detail).toContain('AADSTS7000215');
    // A wrong secret says nothing about consent: no consent URL.
    expect(checks.find((c) => c.check === 'admin consent')).toBeUndefined();
    expect(checks.slice(2).every((c) => !c.ok && c.detail === 'not checked: no token')).toBe(true);
    expect(graph.log).toHaveLength(0);
  });
});
