import { describe, expect, it } from 'vitest';
import { offline } from '../../src/collector-kit/testing/fake-server.js';
import type { Evidence } from '../../src/domain/evidence.js';
import { registerSecret } from '../../src/log/secrets.js';
import { collectM365 } from './collect.js';
import { PROVIDED_KEYS } from './evidence.js';
import { m365Plugin } from './index.js';
import {
  FakeGraph,
  SECRET,
  TENANT,
  fixture,
  graphError,
  json,
  mockLogin,
  paged,
  sequence,
  standardTenant,
  testConfig,
  testContext,
  text,
} from './test-support.js';

let graph: FakeGraph;

offline({
  clearSecrets: true,
  before: () => {
    graph = new FakeGraph();
  },
});

/** Keys that need Entra ID P2, which the standard tenant's fixture has suspended: not_licensed there. */
const P2_ONLY = ['m365.pim.global_admins', 'm365.risk_policies'];

function byKey(evidence: Evidence[], key: string): Evidence {
  const e = evidence.find((x) => x.key === key);
  if (!e) throw new Error(`no evidence ${key}; got ${evidence.map((x) => x.key).join(', ')}`);
  return e;
}

describe('m365 collector — healthy tenant', () => {
  it('collects every key through one $batch plus paging, with provenance and request counts', async () => {
    const login = mockLogin();
    standardTenant(graph).install();

    const result = await m365Plugin.collect(testConfig(), testContext());

    expect(graph.unmatched).toEqual([]);
    expect(result.status).toBe('ok');
    expect(result.error).toBeNull();
    expect(result.evidence.map((e) => e.key)).toEqual([
      'm365.licenses',
      'm365.mfa.registration',
      'm365.mfa.enforcement',
      'm365.legacy_auth',
      'm365.secure_score',
      'm365.admins',
      'm365.devices.compliance',
      'm365.devices.encryption',
      'm365.devices.stale',
      'm365.devices.os_currency',
      'm365.devices.update_rings',
      'm365.defender.alerts',
      'm365.sharepoint.sharing',
      'm365.accounts.inactive',
      'm365.guest_access',
      'm365.user_consent',
      'm365.auth_methods.policy',
      'm365.sspr.registration',
      'm365.pim.global_admins',
      'm365.risk_policies',
      'm365.password_expiry',
      'm365.email.spf',
      'm365.email.dkim',
      'm365.email.dmarc',
    ]);
    expect(login.tokenRequests).toBe(1);

    // One $batch for the small GETs, with exactly these sub-requests.
    expect(graph.batches).toHaveLength(1);
    expect(graph.batches[0]!.requests.map((r) => r.id).sort()).toEqual(
      ['conditionalAccess', 'disabledUsers', 'globalAdmins', 'secureScores', 'securityDefaults', 'subscribedSkus', 'defenderAlerts', 'updateRings', 'sharepointSettings',
        // authorization/authentication methods policies, PIM schedules, domains (password expiry).
        'authorizationPolicy', 'authenticationMethodsPolicy', 'pimEligible', 'pimActive', 'domains'].sort(),
    );
    const disabledSub = graph.batches[0]!.requests.find((r) => r.id === 'disabledUsers')!;
    expect(disabledSub.headers?.consistencylevel ?? disabledSub.headers?.ConsistencyLevel).toBe('eventual');
    expect(disabledSub.url.startsWith('/users?')).toBe(true);
    // The bearer token reached the custom Graph host (customHosts).
    expect(graph.authorizations.length).toBeGreaterThan(0);
    expect(graph.authorizations.every((a) => a === 'Bearer eyJ0eXAiOiJKV1QifQ.test.token')).toBe(true);

    // Paging: 3 report pages, 2 device pages, all plain GETs with $top=999 and $select.
    const reportHits = graph.hits('/reports/authenticationMethods/userRegistrationDetails');
    expect(reportHits).toHaveLength(3);
    expect(reportHits.map((h) => h.query.get('$skiptoken'))).toEqual([null, 'page2', 'page3']);
    expect(reportHits[0]!.query.get('$top')).toBe('999');
    expect(reportHits[0]!.query.get('$select')).toContain('isMfaRegistered');
    expect(graph.hits('/deviceManagement/managedDevices')).toHaveLength(2);

    // 1 batch + 3 report pages + 2 device pages + the 2 inactive-account candidate queries; the secure score
    // nextLink is not followed.
    expect(result.requests).toBe(8);

    const lic = byKey(result.evidence, 'm365.licenses');
    expect(lic.status).toBe('ok');
    expect(lic.value).toEqual({ entraP1: true, entraP2: false, intune: true, skus: ['EMS', 'ENTERPRISEPACK'] });
    expect(lic.source).toEqual({ collector: 'm365', endpoints: ['/subscribedSkus'], requests: 1 });
    expect(lic.collectedAt).toBe('2024-06-01T00:00:00.000Z');

    const reg = byKey(result.evidence, 'm365.mfa.registration');
    expect(reg.status).toBe('ok');
    // Eligible: Alex, Bianca, Ada, Carol, Bob, Erin (guest Allan and disabled Dan excluded).
    expect(reg.value).toMatchObject({
      eligible: 6,
      registered: 4,
      capable: 3,
      pct: 66.7,
      admins: 2,
      adminsRegistered: 1,
      adminPct: 50,
      unregistered: ['CarolT@Contoso.com', 'bob.admin@contoso.com'],
      unregisteredTotal: 2,
      measuredBy: 'registration_report',
    });
    expect(reg.source.endpoints).toEqual(['/reports/authenticationMethods/userRegistrationDetails', '/users']);
    expect(reg.source.requests).toBe(4);

    const enf = byKey(result.evidence, 'm365.mfa.enforcement');
    expect(enf.status).toBe('ok');
    expect(enf.value).toMatchObject({
      mode: 'conditional_access',
      allUsers: true,
      adminsEnforced: true,
      policies: ['c1c1c1c1-0000-4000-8000-0000000000c1', 'c3c3c3c3-0000-4000-8000-0000000000c3'],
      reportOnlyPolicies: ['c4c4c4c4-0000-4000-8000-0000000000c4'],
      excludedPrincipals: 2,
      excludedGroups: 0,
      excludedRoles: 0,
      excludedUsers: 2,
      phishingResistantAdmins: true,
      eligibleUsers: 6,
    });
    // Only direct user ids are excluded: nothing to expand, no extra request.
    expect(enf.value).not.toHaveProperty('unknownReasons');
    expect(graph.hits(/^\/groups\//)).toHaveLength(0);

    const legacy = byKey(result.evidence, 'm365.legacy_auth');
    expect(legacy.value).toMatchObject({ blocked: true, policies: ['c2c2c2c2-0000-4000-8000-0000000000c2'], via: 'conditional_access' });

    const score = byKey(result.evidence, 'm365.secure_score');
    expect(score.value).toEqual({ current: 45.5, max: 80, pct: 56.9, date: '2024-05-31T00:00:00Z' });
    expect(graph.hits('/security/secureScores')).toHaveLength(1);

    const admins = byKey(result.evidence, 'm365.admins');
    expect(admins.value).toMatchObject({
      globalAdmins: 2,
      globalAdminsWithoutMfa: 1,
      withoutMfa: ['bob.admin@contoso.com'],
      globalAdminsNotMeasured: 0,
      groups: 1,
      mfaMeasuredBy: 'registration_report',
    });

    const devices = byKey(result.evidence, 'm365.devices.compliance');
    expect(devices.value).toMatchObject({
      total: 5,
      compliant: 3,
      pct: 60,
      stale30d: 2,
      nonCompliant: ["Carol's iPhone", 'CONTOSO-MAC-003'],
      nonCompliantTotal: 2,
    });
    expect(devices.source).toEqual({ collector: 'm365', endpoints: ['/deviceManagement/managedDevices'], requests: 2 });
  });
});

describe('m365 collector — throttling, permissions and schema', () => {
  it('waits out a 429 with Retry-After: 1 and then succeeds, counting the retry', async () => {
    mockLogin();
    standardTenant(graph)
      .on(
        '/deviceManagement/managedDevices',
        (() => {
          const pages = paged({ '': fixture('managed-devices-page1.json'), devices2: fixture('managed-devices-page2.json') });
          const page2 = sequence(graphError(429, fixture('error-throttled.json'), { 'Retry-After': '1' }), json(fixture('managed-devices-page2.json')));
          return (req) => (req.query.get('$skiptoken') === 'devices2' ? page2(req) : pages(req));
        })(),
      )
      .install();

    const started = Date.now();
    const result = await m365Plugin.collect(testConfig(), testContext());
    const elapsed = Date.now() - started;

    expect(result.status).toBe('ok');
    const devices = byKey(result.evidence, 'm365.devices.compliance');
    expect(devices.status).toBe('ok');
    expect(devices.value).toMatchObject({ total: 5, compliant: 3 });
    expect(graph.hits('/deviceManagement/managedDevices').map((h) => h.query.get('$skiptoken'))).toEqual([null, 'devices2', 'devices2']);
    // Retry-After is honoured (1 s), and the retry is counted on the key and in the total.
    expect(elapsed).toBeGreaterThanOrEqual(950);
    expect(devices.source.requests).toBe(3);
    expect(result.requests).toBe(9);
  });

  it('reports a 403 on one endpoint as unavailable naming the permission, while the others stay ok', async () => {
    mockLogin();
    standardTenant(graph).on('/security/secureScores', graphError(403, fixture('error-forbidden.json'))).install();

    const result = await m365Plugin.collect(testConfig(), testContext());

    expect(result.status).toBe('ok');
    const score = byKey(result.evidence, 'm365.secure_score');
    expect(score.status).toBe('unavailable');
    expect(score.reasonCode).toBe('permission_missing');
    expect(score.value).toBeNull();
    expect(score.reason).toContain('SecurityEvents.Read.All');
    expect(score.reason).toContain('5b7c9f0a-7f36-4a47-9e10-3d1f0c2b6a11');
    for (const e of result.evidence.filter((x) => x.key !== 'm365.secure_score' && !P2_ONLY.includes(x.key))) expect(e.status, e.key).toBe('ok');
    // The fixture's Entra ID P2 subscription is suspended: PIM and risk-based CA are honestly not licensed.
    for (const key of P2_ONLY) expect(byKey(result.evidence, key).reasonCode, key).toBe('not_licensed');
  });

  it('names AuditLog.Read.All when the registration report is refused, and admins lose only the MFA count', async () => {
    mockLogin();
    standardTenant(graph).on('/reports/authenticationMethods/userRegistrationDetails', graphError(403, fixture('error-forbidden.json'))).install();

    const result = await m365Plugin.collect(testConfig(), testContext());

    const reg = byKey(result.evidence, 'm365.mfa.registration');
    expect(reg.status).toBe('unavailable');
    expect(reg.reasonCode).toBe('permission_missing');
    expect(reg.reason).toContain('AuditLog.Read.All');
    // Licences show P1, so the reason is a permission, not a licence.
    expect(reg.reason).not.toContain('lacks');
    const admins = byKey(result.evidence, 'm365.admins');
    expect(admins.status).toBe('ok');
    expect(admins.value).toMatchObject({ globalAdmins: 2, globalAdminsWithoutMfa: null });
    // The eligible count only sits beside excludedUsers (no allowance is computed from it): no request is spent on it.
    expect(graph.hits('/users').filter((h) => (h.query.get('$filter') ?? '').startsWith('accountEnabled eq true'))).toHaveLength(0);
    expect(byKey(result.evidence, 'm365.mfa.enforcement').value).toMatchObject({ eligibleUsers: null, allUsers: true, excludedUsers: 2 });
  });

  it('turns a payload that breaks its schema into error/schema_violation naming the field', async () => {
    mockLogin();
    const page2 = fixture<{ value: Array<Record<string, unknown>> }>('registration-details-page2.json');
    page2.value[1]!.isMfaRegistered = 'yes';
    standardTenant(graph)
      .on(
        '/reports/authenticationMethods/userRegistrationDetails',
        paged({ '': fixture('registration-details-page1.json'), page2, page3: fixture('registration-details-page3.json') }),
      )
      .install();

    const result = await m365Plugin.collect(testConfig(), testContext());

    const reg = byKey(result.evidence, 'm365.mfa.registration');
    expect(reg.status).toBe('error');
    expect(reg.reasonCode).toBe('schema_violation');
    // Item 1 of page 2 is item 4 of the collection.
    expect(reg.reason).toContain('value[4].isMfaRegistered');
    expect(reg.reason).toContain('/reports/authenticationMethods/userRegistrationDetails');
    expect(result.status).toBe('partial');
    expect(result.error).toContain('m365.mfa.registration');
    expect(byKey(result.evidence, 'm365.devices.compliance').status).toBe('ok');
  });

  it('gives up after maxRetries on a persistent 503 and reports error/collector_error', async () => {
    mockLogin();
    standardTenant(graph)
      .on('/deviceManagement/managedDevices', graphError(503, fixture('error-service-unavailable.json'), { 'Retry-After': '0' }))
      .install();

    const result = await m365Plugin.collect(testConfig({ maxRetries: 2 }), testContext());

    const devices = byKey(result.evidence, 'm365.devices.compliance');
    expect(devices.status).toBe('error');
    expect(devices.reasonCode).toBe('collector_error');
    expect(devices.reason).toContain('after 2 retries');
    expect(devices.reason).toContain('1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f');
    expect(graph.hits('/deviceManagement/managedDevices')).toHaveLength(3);
    expect(result.status).toBe('partial');
  });

  it('bounds each request with timeoutMs', async () => {
    mockLogin();
    standardTenant(graph)
      .on('/deviceManagement/managedDevices', { ...json(fixture('managed-devices-page2.json')), delayMs: 2000 })
      .install();

    const result = await m365Plugin.collect(testConfig({ timeoutMs: 300 }), testContext());

    const devices = byKey(result.evidence, 'm365.devices.compliance');
    expect(devices.status).toBe('error');
    expect(devices.reason).toContain('timed out after 300 ms');
    expect(byKey(result.evidence, 'm365.mfa.registration').status).toBe('ok');
  });

  it('reports an empty Secure Score list as unavailable, not as a zero score', async () => {
    mockLogin();
    standardTenant(graph).on('/security/secureScores', json(fixture('secure-scores-empty.json'))).install();

    const result = await m365Plugin.collect(testConfig(), testContext({ only: ['m365.secure_score'] }));

    const score = byKey(result.evidence, 'm365.secure_score');
    expect(score.status).toBe('unavailable');
    expect(score.value).toBeNull();
    expect(score.reason).toContain('empty list');
  });

  it('falls back to plain GETs when the $batch envelope itself fails', async () => {
    mockLogin();
    standardTenant(graph).install();
    graph.batchEnvelopeReply = graphError(500, { error: { code: 'InternalServerError', message: 'boom' } });

    const result = await m365Plugin.collect(testConfig(), testContext());

    expect(result.status).toBe('ok');
    expect(graph.batches).toHaveLength(1);
    expect(graph.hits('/subscribedSkus').filter((h) => !h.viaBatch)).toHaveLength(1);
    expect(graph.hits('/identity/conditionalAccess/policies').filter((h) => !h.viaBatch)).toHaveLength(1);
    expect(byKey(result.evidence, 'm365.mfa.enforcement').value).toMatchObject({ allUsers: true });
  });
});

describe('m365 collector — licence fallback', () => {
  it('measures per user via $batch when the report answers the non-premium code, retrying a 429 sub-response', async () => {
    mockLogin();
    let victorCalls = 0;
    standardTenant(graph)
      // Licences unreadable: the report is tried first and refused for want of P1/P2.
      .on('/subscribedSkus', graphError(403, fixture('error-forbidden.json')))
      .on('/reports/authenticationMethods/userRegistrationDetails', graphError(403, fixture('error-non-premium.json')))
      .on(/^\/users\/[^/]+\/authentication\/methods$/, (req) => {
        const id = req.path.split('/')[2];
        switch (id) {
          case '11111111-aaaa-4000-8000-000000000001':
            return json(fixture('auth-methods-authenticator.json'));
          case '22222222-aaaa-4000-8000-000000000002':
            victorCalls += 1;
            return victorCalls === 1
              ? graphError(429, fixture('error-throttled.json'), { 'Retry-After': '1' })
              : json(fixture('auth-methods-password-only.json'));
          case 'a1a1a1a1-0000-4000-8000-000000000001':
            return json(fixture('auth-methods-fido2.json'));
          case '55555555-aaaa-4000-8000-000000000005':
            return json(fixture('auth-methods-weak-only.json'));
          default:
            return graphError(404, { error: { code: 'Request_ResourceNotFound', message: `unexpected user ${id}` } });
        }
      })
      .install();

    const result = await m365Plugin.collect(testConfig(), testContext());

    expect(graph.unmatched).toEqual([]);
    const reg = byKey(result.evidence, 'm365.mfa.registration');
    expect(reg.status).toBe('ok');
    // Eligible: Uma, Victor, Ada, Xavier (guest and disabled Wendy excluded); TAP/email/password are not MFA.
    expect(reg.value).toMatchObject({
      eligible: 4,
      registered: 2,
      capable: null,
      pct: 50,
      admins: 1,
      adminsRegistered: 1,
      adminPct: 100,
      unregistered: ['victor@fabrikam.com', 'xavier@fabrikam.com'],
      measuredBy: 'per_user_methods',
      adminScope: 'global_admins',
    });
    expect(String((reg.value as { fallbackReason: string }).fallbackReason)).toContain('Authentication_RequestFromNonPremiumTenantOrB2CTenant');
    expect(reg.source.endpoints).toEqual(
      expect.arrayContaining(['/reports/authenticationMethods/userRegistrationDetails', '/users', '/users/{id}/authentication/methods']),
    );

    // First round + one methods batch + one retry batch holding only the throttled user.
    expect(graph.batches).toHaveLength(3);
    expect(graph.batches[1]!.requests).toHaveLength(4);
    expect(graph.batches[2]!.requests.map((r) => r.id)).toEqual(['22222222-aaaa-4000-8000-000000000002']);
    expect(graph.batches[1]!.requests[0]!.url).toBe('/users/11111111-aaaa-4000-8000-000000000001/authentication/methods');
    expect(victorCalls).toBe(2);
    // The user listing was paged with $select and $top=999.
    const listing = graph.hits('/users').filter((h) => h.query.get('$select') === 'id,userPrincipalName,userType,accountEnabled');
    expect(listing).toHaveLength(2);
    expect(listing[0]!.query.get('$top')).toBe('999');

    expect(byKey(result.evidence, 'm365.licenses').status).toBe('unavailable');
    expect(byKey(result.evidence, 'm365.licenses').reason).toContain('LicenseAssignment.Read.All');
    const admins = byKey(result.evidence, 'm365.admins');
    // Ada is registered (FIDO2); Bob is not in the user listing, so he is not measured rather than counted.
    expect(admins.value).toMatchObject({ globalAdmins: 2, globalAdminsWithoutMfa: 0, globalAdminsNotMeasured: 1, mfaMeasuredBy: 'per_user_methods' });
  });

  it('goes straight to per-user methods when licences show no P1, and evaluates enforcement on security defaults alone', async () => {
    mockLogin();
    standardTenant(graph)
      .on('/subscribedSkus', json(fixture('subscribed-skus-basic.json')))
      .on('/identity/conditionalAccess/policies', graphError(403, fixture('error-forbidden.json')))
      .on(/^\/users\/[^/]+\/authentication\/methods$/, json(fixture('auth-methods-authenticator.json')))
      .install();

    const result = await m365Plugin.collect(testConfig(), testContext());

    expect(graph.hits('/reports/authenticationMethods/userRegistrationDetails')).toHaveLength(0);
    expect(graph.hits('/deviceManagement/managedDevices')).toHaveLength(0);
    const reg = byKey(result.evidence, 'm365.mfa.registration');
    expect(reg.value).toMatchObject({ eligible: 4, registered: 4, measuredBy: 'per_user_methods' });
    expect(String((reg.value as { fallbackReason: string }).fallbackReason)).toContain('no Microsoft Entra ID P1/P2');

    const enf = byKey(result.evidence, 'm365.mfa.enforcement');
    // No P1: Conditional Access cannot exist, so its 403 is not a gap; no security defaults → no enforcement at all.
    expect(enf.status).toBe('ok');
    expect(enf.value).toMatchObject({ mode: 'none', allUsers: false, adminsEnforced: false, conditionalAccessEvaluated: false });
    expect(enf.source.endpoints).toContain('/subscribedSkus');
    expect(byKey(result.evidence, 'm365.legacy_auth').value).toMatchObject({ blocked: false, via: 'none' });

    const devices = byKey(result.evidence, 'm365.devices.compliance');
    expect(devices.status).toBe('unavailable');
    expect(devices.reasonCode).toBe('not_licensed');
    expect(devices.reason).toContain('Intune');
    expect(result.status).toBe('ok');
  });

  it('credits security defaults on a tenant without P1', async () => {
    mockLogin();
    standardTenant(graph)
      .on('/subscribedSkus', json(fixture('subscribed-skus-basic.json')))
      .on('/identity/conditionalAccess/policies', graphError(403, fixture('error-forbidden.json')))
      .on('/policies/identitySecurityDefaultsEnforcementPolicy', json(fixture('security-defaults-enabled.json')))
      .install();

    const result = await m365Plugin.collect(testConfig(), testContext({ only: ['m365.mfa.enforcement', 'm365.legacy_auth'] }));

    expect(byKey(result.evidence, 'm365.mfa.enforcement').value).toMatchObject({
      mode: 'security_defaults',
      allUsers: true,
      adminsEnforced: true,
      phishingResistantAdmins: false,
      excludedUsers: 0,
    });
    expect(graph.hits(/^\/groups\//)).toHaveLength(0);
    expect(byKey(result.evidence, 'm365.legacy_auth').value).toMatchObject({ blocked: true, via: 'security_defaults' });
  });

  it('reports the fallback as unavailable naming UserAuthenticationMethod.Read.All when methods are refused', async () => {
    mockLogin();
    standardTenant(graph)
      .on('/subscribedSkus', json(fixture('subscribed-skus-basic.json')))
      .on(/^\/users\/[^/]+\/authentication\/methods$/, graphError(403, fixture('error-forbidden.json')))
      .install();

    const result = await m365Plugin.collect(testConfig(), testContext({ only: ['m365.mfa.registration'] }));

    const reg = byKey(result.evidence, 'm365.mfa.registration');
    expect(reg.status).toBe('unavailable');
    expect(reg.reasonCode).toBe('permission_missing');
    expect(reg.reason).toContain('UserAuthenticationMethod.Read.All');
    expect(reg.reason).toContain('P1/P2');
  });

  it('names Policy.Read.All when Conditional Access is refused on a tenant that has P1', async () => {
    mockLogin();
    standardTenant(graph).on('/identity/conditionalAccess/policies', graphError(403, fixture('error-forbidden.json'))).install();

    const result = await m365Plugin.collect(testConfig(), testContext());

    for (const key of ['m365.mfa.enforcement', 'm365.legacy_auth']) {
      const e = byKey(result.evidence, key);
      expect(e.status, key).toBe('unavailable');
      expect(e.reasonCode).toBe('permission_missing');
      expect(e.reason).toContain('Policy.Read.All');
    }
    expect(result.status).toBe('ok');
  });
});

describe('m365 collector — authentication and targeting', () => {
  it('fails the collector with one line naming the tenant and the AADSTS code when the secret is wrong', async () => {
    const wrong = 'definitely-the-wrong-secret-42';
    registerSecret(wrong);
    const login = mockLogin();
    standardTenant(graph).install();

    const result = await m365Plugin.collect(testConfig({ clientSecret: wrong }), testContext());

    expect(login.tokenRequests).toBe(1);
    expect(result.status).toBe('error');
    expect(result.error).toContain(TENANT);
    expect(result.error).toContain('AADSTS7000215');
    expect(result.error).toContain('Invalid client secret provided');
    expect(result.error).not.toContain('\n');
    expect(result.error).not.toContain(wrong);
    expect(result.error).not.toContain(SECRET);
    expect(result.requests).toBe(0);
    expect(graph.log).toHaveLength(0);
    expect(result.evidence).toHaveLength(PROVIDED_KEYS.length);
    for (const e of result.evidence) {
      expect(e.status).toBe('error');
      expect(e.reasonCode).toBe('collector_error');
      expect(e.reason).toBe(result.error);
    }
  });

  it('honours ctx.only: one key, and only what it depends on', async () => {
    mockLogin();
    standardTenant(graph).install();

    const result = await collectM365(testConfig(), testContext({ only: ['m365.secure_score'] }));

    expect(result.evidence.map((e) => e.key)).toEqual(['m365.secure_score']);
    expect(graph.batches).toHaveLength(1);
    expect(graph.batches[0]!.requests.map((r) => r.id).sort()).toEqual(['secureScores', 'subscribedSkus']);
    expect(graph.log.filter((r) => !r.viaBatch)).toHaveLength(0);
    expect(result.requests).toBe(1);
  });

  it('for a targeted enforcement re-check reads neither the registration report nor /users', async () => {
    mockLogin();
    standardTenant(graph).install();

    const result = await collectM365(testConfig(), testContext({ only: ['m365.mfa.enforcement'] }));

    expect(result.evidence.map((e) => e.key)).toEqual(['m365.mfa.enforcement']);
    expect(graph.hits('/reports/authenticationMethods/userRegistrationDetails')).toHaveLength(0);
    expect(graph.hits('/users')).toHaveLength(0);
    const enf = byKey(result.evidence, 'm365.mfa.enforcement');
    expect(enf.value).toMatchObject({ allUsers: true, excludedUsers: 2, eligibleUsers: null });
    expect(enf.source.endpoints).not.toContain('/users');
  });

  it('collects nothing for keys it does not provide', async () => {
    const result = await collectM365(testConfig(), testContext({ only: ['rmm.devices'] }));
    expect(result).toEqual({ evidence: [], requests: 0, status: 'ok', error: null });
  });
});

describe('m365 collector — MFA policy exclusions counted as users', () => {
  const GROUP = '6f1d0c3a-1111-4a4a-8b8b-000000000040';
  const ROLE = 'd29b2b05-8046-44ba-8758-1e26182fcf32'; // Directory Synchronization Accounts
  const countPath = (id: string) => `/groups/${id}/transitiveMembers/microsoft.graph.user/$count`;

  /** The fixture policies, with the all-users MFA policy (c1) excluding what the test says. */
  function policiesWith(exclude: { users?: string[]; groups?: string[]; roles?: string[]; state?: string }) {
    const raw = fixture<{ value: Array<{ id: string; state: string; conditions: { users: Record<string, unknown> } }> }>('conditional-access-policies.json');
    const c1 = raw.value.find((p) => p.id.startsWith('c1c1'))!;
    if (exclude.users) c1.conditions.users.excludeUsers = exclude.users;
    c1.conditions.users.excludeGroups = exclude.groups ?? [];
    c1.conditions.users.excludeRoles = exclude.roles ?? [];
    if (exclude.state) c1.state = exclude.state;
    return raw;
  }

  it('reads an excluded group of 40 users as 40, asking with ConsistencyLevel: eventual', async () => {
    mockLogin();
    standardTenant(graph)
      .on('/identity/conditionalAccess/policies', json(policiesWith({ users: [], groups: [GROUP] })))
      .on(countPath(GROUP), text('40'))
      .install();

    const result = await m365Plugin.collect(testConfig(), testContext());

    expect(graph.unmatched).toEqual([]);
    const hits = graph.hits(countPath(GROUP));
    expect(hits).toHaveLength(1);
    expect(hits[0]!.viaBatch).toBe(false);
    expect(hits[0]!.headers.consistencylevel).toBe('eventual');
    const enf = byKey(result.evidence, 'm365.mfa.enforcement');
    expect(enf.status).toBe('ok');
    expect(enf.value).toMatchObject({ allUsers: true, excludedPrincipals: 1, excludedGroups: 1, excludedRoles: 0, excludedUsers: 40 });
    expect(enf.value).not.toHaveProperty('unknownReasons');
    expect(enf.source.endpoints).toContain('/groups/{id}/transitiveMembers/microsoft.graph.user/$count');
    // Legacy auth does not depend on the lookup.
    expect(byKey(result.evidence, 'm365.legacy_auth').source.endpoints).not.toContain('/groups/{id}/transitiveMembers/microsoft.graph.user/$count');
  });

  it('adds direct users and the holders of an excluded role (one filtered roleAssignments read)', async () => {
    mockLogin();
    const b1 = 'b1b1b1b1-0000-4000-8000-0000000000b1';
    standardTenant(graph)
      .on('/identity/conditionalAccess/policies', json(policiesWith({ users: [b1], groups: [GROUP], roles: [ROLE] })))
      .on(countPath(GROUP), text('40'))
      .on('/roleManagement/directory/roleAssignments', (req) =>
        (req.query.get('$filter') ?? '').includes(ROLE)
          ? json({ value: [{ id: 'ra-1', principalId: 'sync-1', roleDefinitionId: ROLE }, { id: 'ra-2', principalId: b1, roleDefinitionId: ROLE }] })
          : json(fixture('role-assignments-global-admins.json')),
      )
      .install();

    const result = await m365Plugin.collect(testConfig(), testContext({ only: ['m365.mfa.enforcement'] }));

    const roleReads = graph.hits('/roleManagement/directory/roleAssignments').filter((h) => (h.query.get('$filter') ?? '').includes(ROLE));
    expect(roleReads).toHaveLength(1);
    // b1 is excluded directly and holds the role: counted once. 1 + 1 (sync-1) + 40.
    expect(byKey(result.evidence, 'm365.mfa.enforcement').value).toMatchObject({ excludedPrincipals: 3, excludedGroups: 1, excludedRoles: 1, excludedUsers: 42 });
  });

  it('a 403 on the count leaves excludedUsers null with a reason naming GroupMember.Read.All; everything else stays ok', async () => {
    mockLogin();
    standardTenant(graph)
      .on('/identity/conditionalAccess/policies', json(policiesWith({ groups: [GROUP] })))
      .on(countPath(GROUP), graphError(403, fixture('error-forbidden.json')))
      .install();

    const result = await m365Plugin.collect(testConfig(), testContext());

    expect(result.status).toBe('ok');
    for (const e of result.evidence.filter((x) => !P2_ONLY.includes(x.key))) expect(e.status, e.key).toBe('ok');
    const enf = byKey(result.evidence, 'm365.mfa.enforcement');
    expect(enf.value).toMatchObject({ mode: 'conditional_access', allUsers: true, adminsEnforced: true, phishingResistantAdmins: true, excludedPrincipals: 3, excludedGroups: 1, excludedUsers: null });
    const reasons = (enf.value as { unknownReasons?: Record<string, string> }).unknownReasons;
    expect(Object.keys(reasons ?? {})).toEqual(['excludedUsers']);
    expect(reasons!.excludedUsers).toContain('GroupMember.Read.All');
    expect(reasons!.excludedUsers).toContain('5b7c9f0a-7f36-4a47-9e10-3d1f0c2b6a11');
  });

  it('a count body that is not a plain integer is not trusted: excludedUsers null, evidence ok', async () => {
    mockLogin();
    standardTenant(graph)
      .on('/identity/conditionalAccess/policies', json(policiesWith({ groups: [GROUP] })))
      .on(countPath(GROUP), text('forty'))
      .install();

    const result = await m365Plugin.collect(testConfig(), testContext({ only: ['m365.mfa.enforcement'] }));

    const enf = byKey(result.evidence, 'm365.mfa.enforcement');
    expect(enf.status).toBe('ok');
    expect(enf.value).toMatchObject({ excludedUsers: null });
    expect((enf.value as { unknownReasons: Record<string, string> }).unknownReasons.excludedUsers).toContain('schema');
  });

  it('a report-only all-users policy: allUsers false, excludedUsers null, and its groups are not counted', async () => {
    mockLogin();
    standardTenant(graph)
      .on('/identity/conditionalAccess/policies', json(policiesWith({ groups: [GROUP], state: 'enabledForReportingButNotEnforced' })))
      .install();

    const result = await m365Plugin.collect(testConfig(), testContext({ only: ['m365.mfa.enforcement'] }));

    const enf = byKey(result.evidence, 'm365.mfa.enforcement');
    expect(enf.value).toMatchObject({ allUsers: false, excludedUsers: null });
    expect(enf.value).not.toHaveProperty('unknownReasons');
    expect(graph.hits(/^\/groups\//)).toHaveLength(0);
  });

  it('counts at most 50 excluded groups and says so', async () => {
    mockLogin();
    const groups = Array.from({ length: 55 }, (_, i) => `6f1d0c3a-1111-4a4a-8b8b-${String(i).padStart(12, '0')}`);
    standardTenant(graph)
      .on('/identity/conditionalAccess/policies', json(policiesWith({ groups })))
      .on(/^\/groups\/[^/]+\/transitiveMembers\/microsoft\.graph\.user\/\$count$/, text('1'))
      .install();

    const result = await m365Plugin.collect(testConfig(), testContext({ only: ['m365.mfa.enforcement'] }));

    expect(graph.hits(/^\/groups\//)).toHaveLength(50);
    const enf = byKey(result.evidence, 'm365.mfa.enforcement');
    expect(enf.value).toMatchObject({ excludedGroups: 55, excludedUsers: null });
    expect((enf.value as { unknownReasons: Record<string, string> }).unknownReasons.excludedUsers).toContain('first 50');
  });
});
