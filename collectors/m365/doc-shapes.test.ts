/**
 * Microsoft's documented answers that used to be misread (fixtures/README.md says which page each comes from): each
 * test fails on the earlier reading — a pass, or "none", taken from an answer that does not say so.
 */
import { describe, expect, it } from 'vitest';
import { offline } from '../../src/collector-kit/testing/fake-server.js';
import { deriveGuestAccess, deriveUserConsent } from './authorization-policy.js';
import { collectM365 } from './collect.js';
import { authenticationMethodsPolicy, authorizationPolicyBody, passwordDomain } from './identity-schema.js';
import { derivePasswordExpiry } from './password-expiry.js';
import { deriveRiskPolicies } from './risk-policies.js';
import { conditionalAccessPolicy } from './schema.js';
import { deriveSharepointSharing, sharepointSettings } from './sharepoint-sharing.js';
import { FakeGraph, fixture, json, mockLogin, standardTenant, testConfig, testContext } from './test-support.js';
import { deriveUpdateRings, updateRing } from './update-rings.js';

let graph: FakeGraph;
offline({
  clearSecrets: true,
  before: () => {
    graph = new FakeGraph();
  },
});

const items = <T>(name: string, parse: (x: unknown) => T): T[] => (fixture(name) as { value: unknown[] }).value.map(parse);

describe('authorizationPolicy: consent policy ids as v1.0 and beta carry them', () => {
  it('v1.0 carries them in defaultUserRolePermissions.permissionGrantPoliciesAssigned (managePermissionGrantsForSelf.…)', () => {
    const p = authorizationPolicyBody.parse(fixture('authorization-policy-v1-restricted.json'));
    expect(deriveUserConsent(p)).toMatchObject({ userConsent: 'low_impact', consentRestricted: true, usersCanRegisterApps: false, consentPolicies: ['microsoft-user-default-low'] });
    expect(deriveGuestAccess(p)).toMatchObject({ invitesRestricted: true, guestRole: 'restricted_guest' });
    const legacy = { ...p, defaultUserRolePermissions: { ...p.defaultUserRolePermissions, permissionGrantPoliciesAssigned: ['managePermissionGrantsForSelf.microsoft-user-default-legacy'] } };
    expect(deriveUserConsent(legacy)).toMatchObject({ userConsent: 'all_apps', consentRestricted: false });
    // "An empty list indicates user consent to apps is disabled."
    const off = { ...p, defaultUserRolePermissions: { ...p.defaultUserRolePermissions, permissionGrantPoliciesAssigned: [] } };
    expect(deriveUserConsent(off)).toMatchObject({ userConsent: 'none', consentRestricted: true });
  });

  it('a bare policy id in the top-level (beta) list is a consent policy, never "consent disabled"', () => {
    const p = authorizationPolicyBody.parse(fixture('authorization-policy-bare-policy-id.json'));
    expect(deriveUserConsent(p)).toMatchObject({ userConsent: 'custom', consentRestricted: false, consentPolicies: ['user-default-legacy'] });
  });

  it('a policy with no consent list at all leaves user consent unknown, with the reason', () => {
    const v = deriveUserConsent(authorizationPolicyBody.parse(fixture('authorization-policy-no-consent-list.json')));
    expect(v).toMatchObject({ userConsent: 'unknown', consentRestricted: null });
    expect(v.unknownReasons?.consentRestricted).toContain('permissionGrantPoliciesAssigned');
  });
});

describe('authenticationMethodsPolicy without its method configurations', () => {
  it('is a schema violation (m365.auth_methods.policy error), never "SMS and voice off"', async () => {
    const body = fixture('authentication-methods-policy-no-configurations.json');
    expect(authenticationMethodsPolicy.safeParse(body).success).toBe(false);
    mockLogin();
    standardTenant(graph).on('/policies/authenticationMethodsPolicy', json(body)).install();
    const result = await collectM365(testConfig(), testContext({ only: ['m365.auth_methods.policy'] }));
    const e = result.evidence.find((x) => x.key === 'm365.auth_methods.policy')!;
    expect({ status: e.status, reasonCode: e.reasonCode }).toEqual({ status: 'error', reasonCode: 'schema_violation' });
    expect(e.reason).toContain('authenticationMethodConfigurations');
  });
});

describe('risk-based Conditional Access: only low/medium/high act on risk', () => {
  it('an enabled all-users policy on the "none" or "hidden" levels is not a risk policy', () => {
    const [p] = items('conditional-access-risk-levels-none.json', (x) => conditionalAccessPolicy.parse(x));
    expect(deriveRiskPolicies([p!])).toMatchObject({ signInRisk: false, userRisk: false, both: false });
    const risky = { ...p!, conditions: { ...p!.conditions, signInRiskLevels: ['none', 'high'], userRiskLevels: ['medium'] } };
    expect(deriveRiskPolicies([risky])).toMatchObject({ signInRisk: true, userRisk: true, both: true });
  });
});

describe('password expiry: an unset period decides nothing', () => {
  it('null on a verified domain leaves neverExpire unknown; an explicit period still decides false', () => {
    const domains = items('domains-password-unset.json', (x) => passwordDomain.parse(x));
    const v = derivePasswordExpiry(domains);
    expect(v).toMatchObject({ domains: 2, expiringDomains: 0, neverExpire: null, unsetDomains: ['contoso.com'] });
    expect(v.unknownReasons?.neverExpire).toContain('2021');
    expect(derivePasswordExpiry([...domains, { id: 'fabrikam.com', isVerified: true, passwordValidityPeriodInDays: 90 }])).toMatchObject({ neverExpire: false, expiringDomains: 1 });
  });

  it("a federated domain is not judged (its identity provider keeps its passwords), and no managed domain decides nothing", () => {
    const domains = items('domains-password-unset.json', (x) => passwordDomain.parse(x));
    const federated = { id: 'corp.fabrikam.com', isVerified: true, authenticationType: 'Federated', passwordValidityPeriodInDays: 90 };
    const managedNever = domains.map((d) => ({ ...d, passwordValidityPeriodInDays: 2147483647 }));
    expect(derivePasswordExpiry([...managedNever, federated])).toMatchObject({ neverExpire: true, expiringDomains: 0, federatedDomains: ['corp.fabrikam.com'] });
    expect(derivePasswordExpiry([federated])).toMatchObject({ neverExpire: null, domains: 0 });
    expect(derivePasswordExpiry([])).toMatchObject({ neverExpire: null });
  });
});

describe('SharePoint sharing: the evolvable sharingCapabilities enum', () => {
  it('a value outside the documented four is not read as "no Anyone links"', () => {
    const v = deriveSharepointSharing(sharepointSettings.parse(fixture('sharepoint-settings-unknown-capability.json')));
    expect(v).toMatchObject({ sharingCapability: 'unknownFutureValue', anyoneLinks: null, externalSharing: null });
    expect(v.unknownReasons?.anyoneLinks).toContain('unknownFutureValue');
    expect(deriveSharepointSharing(sharepointSettings.parse(fixture('sharepoint-settings.json')))).toMatchObject({ anyoneLinks: true, externalSharing: true });
  });
});

describe('update rings: an exclusion is not an assignment', () => {
  it('a ring whose only assignment is an exclusionGroupAssignmentTarget reaches no device', () => {
    const rings = items('update-rings-exclusion-only.json', (x) => updateRing.parse(x));
    expect(deriveUpdateRings(rings)).toMatchObject({ rings: 1, assigned: 0, maxQualityDeferralDays: null });
    expect(deriveUpdateRings(items('update-rings.json', (x) => updateRing.parse(x)))).toMatchObject({ assigned: 1 });
  });
});
