/**
 * Identity breadth keys (issue 17) through the real collector against nock: the documented payloads (fixtures/),
 * the first-$batch placement, the signInActivity queries, and honest degradation (permission, licence).
 */
import { describe, expect, it } from 'vitest';
import { offline } from '../../src/collector-kit/testing/fake-server.js';
import type { Evidence } from '../../src/domain/evidence.js';
import { deriveAuthMethodsPolicy } from './auth-methods-policy.js';
import { deriveGuestAccess, deriveUserConsent } from './authorization-policy.js';
import { collectM365 } from './collect.js';
import { BATCH_LIMIT } from './endpoints.js';
import { authenticationMethodsPolicy, authorizationPolicyBody, passwordDomain, roleSchedule, userSignIn } from './identity-schema.js';
import { InactiveTally, deriveInactive } from './inactive-accounts.js';
import { derivePasswordExpiry } from './password-expiry.js';
import { derivePim } from './pim.js';
import { deriveRiskPolicies } from './risk-policies.js';
import { conditionalAccessPolicy } from './schema.js';
import { FakeGraph, NOW, fixture, graphError, json, mockLogin, standardTenant, testConfig, testContext } from './test-support.js';

let graph: FakeGraph;
offline({
  clearSecrets: true,
  before: () => {
    graph = new FakeGraph();
  },
});

const IDENTITY_KEYS = [
  'm365.accounts.inactive',
  'm365.guest_access',
  'm365.user_consent',
  'm365.auth_methods.policy',
  'm365.sspr.registration',
  'm365.pim.global_admins',
  'm365.risk_policies',
  'm365.password_expiry',
];

function byKey(evidence: Evidence[], key: string): Evidence {
  const e = evidence.find((x) => x.key === key);
  if (!e) throw new Error(`no evidence ${key}; got ${evidence.map((x) => x.key).join(', ')}`);
  return e;
}

/** The standard tenant with Entra ID P2 active (its fixture has the P2 subscription suspended). */
function withP2(g: FakeGraph): FakeGraph {
  const skus = fixture('subscribed-skus.json') as { value: Array<{ skuPartNumber: string; capabilityStatus: string }> };
  for (const s of skus.value) if (s.skuPartNumber === 'AAD_PREMIUM_P2') s.capabilityStatus = 'Enabled';
  return g.on('/subscribedSkus', json(skus));
}

describe('identity breadth — derived from the documented examples', () => {
  it('reads the authorizationPolicy example: everyone invites, no guest role named, a custom consent policy', () => {
    const p = authorizationPolicyBody.parse(fixture('authorization-policy.json'));
    expect(deriveGuestAccess(p)).toMatchObject({ allowInvitesFrom: 'everyone', invitesRestricted: false, guestAccessRestricted: false, guestRole: 'unknown' });
    // "just-user-read" is neither Microsoft's low-impact policy nor none: never taken as restricted.
    expect(deriveUserConsent(p)).toMatchObject({ userConsent: 'custom', consentRestricted: false, usersCanRegisterApps: true, consentPolicies: ['just-user-read'] });
  });

  it('reads the v1.0 policy ids: low-impact consent restricted, owner consent ignored, restricted guests', () => {
    const p = authorizationPolicyBody.parse(fixture('authorization-policy-restricted.json'));
    expect(deriveGuestAccess(p)).toMatchObject({ invitesRestricted: true, guestAccessRestricted: true, guestRole: 'restricted_guest' });
    expect(deriveUserConsent(p)).toMatchObject({ userConsent: 'low_impact', consentRestricted: true, usersCanRegisterApps: false, consentPolicies: ['microsoft-user-default-low'] });
    const legacy = { ...p, permissionGrantPolicyIdsAssignedToDefaultUserRole: ['ManagePermissionGrantsForSelf.microsoft-user-default-legacy'] };
    expect(deriveUserConsent(legacy)).toMatchObject({ userConsent: 'all_apps', consentRestricted: false });
    expect(deriveUserConsent({ ...p, permissionGrantPolicyIdsAssignedToDefaultUserRole: [] })).toMatchObject({ userConsent: 'none', consentRestricted: true });
    // A one-item collection (older answers) is the same policy.
    expect(authorizationPolicyBody.parse({ value: [fixture('authorization-policy-restricted.json')] }).allowInvitesFrom).toBe('adminsAndGuestInviters');
  });

  it('reads the authenticationMethodsPolicy example: SMS on, FIDO2 and TAP off, number matching enforced by Microsoft', () => {
    const v = deriveAuthMethodsPolicy(authenticationMethodsPolicy.parse(fixture('authentication-methods-policy.json')));
    expect(v).toMatchObject({ smsEnabled: true, voiceEnabled: false, weakMethodsEnabled: true, tapEnabled: false, fido2Enabled: false, authenticatorEnabled: false });
    expect(v.numberMatching).toBe(true);
    expect(v.numberMatchingSource).toBe('enforced_by_microsoft');
  });

  it('counts eligible, permanent and activated Global Administrator schedules', () => {
    const eligible = (fixture('role-eligibility-schedules-ga.json') as { value: unknown[] }).value.map((r) => roleSchedule.parse(r));
    const active = (fixture('role-assignment-schedules-ga.json') as { value: unknown[] }).value.map((r) => roleSchedule.parse(r));
    expect(derivePim(eligible, active)).toEqual({ eligible: 2, permanent: 1, timeBound: 0, activated: 1, inUse: true });
    expect(derivePim([], active.slice(0, 1))).toMatchObject({ eligible: 0, permanent: 1, inUse: false });
  });

  it('password expiry counts verified domains only; 2147483647 means never', () => {
    const domains = (fixture('domains-password-policy.json') as { value: unknown[] }).value.map((d) => passwordDomain.parse(d));
    expect(derivePasswordExpiry(domains)).toEqual({ domains: 2, expiringDomains: 1, neverExpire: false, expiring: [{ domain: 'contoso.onmicrosoft.com', days: 90 }], unsetDomains: [], federatedDomains: [] });
    expect(derivePasswordExpiry(domains.slice(0, 1)).neverExpire).toBe(true);
    // No verified domain: nothing shows either way — unknown (no credit), not a failure the tenant cannot fix.
    expect(derivePasswordExpiry([]).neverExpire).toBeNull();
  });

  it('risk policies: only enabled all-users policies with a grant count; report-only and narrowed ones do not', () => {
    const base = conditionalAccessPolicy.parse((fixture('conditional-access-policies.json') as { value: unknown[] }).value[0]);
    const signIn = { ...base, id: 's', conditions: { ...base.conditions, signInRiskLevels: ['high'] } };
    const user = { ...base, id: 'u', conditions: { ...base.conditions, userRiskLevels: ['high'] } };
    expect(deriveRiskPolicies([signIn, user])).toMatchObject({ signInRisk: true, userRisk: true, both: true });
    expect(deriveRiskPolicies([{ ...user, state: 'enabledForReportingButNotEnforced' }, signIn])).toMatchObject({ signInRisk: true, userRisk: false, both: false });
    const someUsers = { ...user, conditions: { ...user.conditions, users: { ...user.conditions.users!, includeUsers: ['a1a1a1a1-0000-4000-8000-000000000001'] } } };
    expect(deriveRiskPolicies([someUsers]).userRisk).toBe(false);
    expect(deriveRiskPolicies([{ ...signIn, grantControls: null }]).signInRisk).toBe(false);
  });

  it('inactive tally: successful sign-in decides, disabled skipped, never-signed-in judged by creation', () => {
    const tally = new InactiveTally(NOW);
    for (const u of (fixture('users-signin-inactive.json') as { value: unknown[] }).value) tally.add(userSignIn.parse(u), false);
    for (const u of (fixture('users-never-signed-in.json') as { value: unknown[] }).value) tally.add(userSignIn.parse(u), true);
    const v = deriveInactive(tally, { members: 6, guests: 1, privilegedIds: new Set(['a1a1a1a1-0000-4000-8000-000000000001', 'a2a2a2a2-0000-4000-8000-000000000002']) });
    // old.member (a failed attempt last week does not make it active) + never.used; not new.hire, not the disabled one.
    expect(v).toMatchObject({ members: 6, membersInactive90d: 2, membersInactivePct: 33.3, guests: 1, guestsInactive90d: 1, privileged: 2, privilegedInactive45d: 1 });
  });

  it('inactive tally: DateTime.MinValue (0001-01-01T00:00:00Z) is no sign-in on record, so the account age decides', () => {
    const tally = new InactiveTally(NOW);
    const day = 86_400_000;
    const user = (id: string, createdDaysAgo: number) =>
      userSignIn.parse({
        id,
        userType: 'Member',
        accountEnabled: true,
        createdDateTime: new Date(NOW.getTime() - createdDaysAgo * day).toISOString(),
        signInActivity: { lastSignInDateTime: '0001-01-01T00:00:00Z', lastNonInteractiveSignInDateTime: '0001-01-01T00:00:00Z', lastSuccessfulSignInDateTime: '0001-01-01T00:00:00Z' },
      });
    // Both come back from the `le` query (year 1 is before any cut-off): a hire of last week, and an account of 2 years.
    tally.add(user('new-hire', 7), false);
    tally.add(user('dormant', 730), false);
    expect(tally.membersInactive90d).toBe(1);
    expect([...tally.idle45]).toEqual(['dormant']);
  });
});

describe('m365.admins dedicated accounts (from the expanded principal, no extra request)', () => {
  it('counts licensed and synced Global Administrators when the principal carries the properties, null when not', async () => {
    mockLogin();
    const assignments = fixture('role-assignments-global-admins.json') as { value: Array<{ principal?: Record<string, unknown> }> };
    const [ada, bob] = assignments.value;
    Object.assign(ada!.principal!, { assignedLicenses: [{ disabledPlans: [], skuId: '6fd2c87f-b296-42f0-b197-1e91e994b900' }], onPremisesSyncEnabled: null });
    Object.assign(bob!.principal!, { assignedLicenses: [], onPremisesSyncEnabled: true });
    standardTenant(graph).on('/roleManagement/directory/roleAssignments', json(assignments)).install();
    const result = await collectM365(testConfig(), testContext({ only: ['m365.admins'] }));
    expect(byKey(result.evidence, 'm365.admins').value).toMatchObject({ globalAdmins: 2, globalAdminsLicensed: 1, globalAdminsSynced: 1 });
  });

  it('leaves them unknown when Graph did not return the properties', async () => {
    mockLogin();
    standardTenant(graph).install();
    const result = await collectM365(testConfig(), testContext({ only: ['m365.admins'] }));
    expect(byKey(result.evidence, 'm365.admins').value).toMatchObject({ globalAdmins: 2, globalAdminsLicensed: null, globalAdminsSynced: null });
  });
});

describe('identity breadth — collected', () => {
  it('adds four sub-requests and the shared domains read to the first $batch and stays within 20', async () => {
    mockLogin();
    withP2(standardTenant(graph)).install();
    const result = await collectM365(testConfig(), testContext());
    const ids = graph.batches[0]!.requests.map((r) => r.id);
    expect(ids).toEqual(expect.arrayContaining(['authorizationPolicy', 'authenticationMethodsPolicy', 'pimEligible', 'pimActive', 'domains']));
    expect(ids.length).toBeLessThanOrEqual(BATCH_LIMIT);
    expect(graph.batches).toHaveLength(1);
    for (const key of IDENTITY_KEYS) expect({ key, status: byKey(result.evidence, key).status }).toEqual({ key, status: 'ok' });

    expect(byKey(result.evidence, 'm365.guest_access').value).toMatchObject({ invitesRestricted: true, guestAccessRestricted: true });
    expect(byKey(result.evidence, 'm365.user_consent').value).toMatchObject({ userConsent: 'low_impact', consentRestricted: true });
    expect(byKey(result.evidence, 'm365.auth_methods.policy').value).toMatchObject({ weakMethodsEnabled: true });
    expect(byKey(result.evidence, 'm365.pim.global_admins').value).toMatchObject({ eligible: 2, permanent: 1, inUse: true });
    // The fixture's CA policies have no risk conditions.
    expect(byKey(result.evidence, 'm365.risk_policies').value).toMatchObject({ signInRisk: false, userRisk: false, both: false });
    expect(byKey(result.evidence, 'm365.password_expiry').value).toMatchObject({ domains: 2, expiringDomains: 1, neverExpire: false });
    // Same member scope as MFA: 6 enabled members, of whom c8… and a1… are SSPR-registered.
    expect(byKey(result.evidence, 'm365.sspr.registration').value).toEqual({ eligible: 6, registered: 2, pct: 33.3 });
    expect(byKey(result.evidence, 'm365.mfa.registration').value).toMatchObject({ phishingResistant: 1, phishingResistantPct: 16.7, adminsPhishingResistant: 1, adminsPhishingResistantPct: 50 });
    expect(byKey(result.evidence, 'm365.accounts.inactive').value).toMatchObject({
      members: 6,
      membersInactive90d: 2,
      guests: 1,
      guestsInactive90d: 1,
      privileged: 2,
      privilegedInactive45d: 1,
    });

    // Only the candidates are paged: two filtered /users queries, successful sign-ins, pages of 500.
    const signIn = graph.hits('/users').filter((h) => (h.query.get('$filter') ?? '').startsWith('signInActivity/'));
    expect(signIn.map((h) => h.query.get('$filter')).sort()).toEqual([
      'signInActivity/lastSuccessfulSignInDateTime eq null',
      'signInActivity/lastSuccessfulSignInDateTime le 2024-04-17T00:00:00Z',
    ]);
    expect(signIn.every((h) => h.query.get('$top') === '500' && (h.query.get('$select') ?? '').includes('signInActivity'))).toBe(true);
    expect(byKey(result.evidence, 'm365.accounts.inactive').source.endpoints).toEqual(
      expect.arrayContaining(['/users', '/reports/authenticationMethods/userRegistrationDetails']),
    );
  });

  it('a refused authorizationPolicy makes guest access and user consent unavailable naming Policy.Read.All, nothing else', async () => {
    mockLogin();
    withP2(standardTenant(graph)).on('/policies/authorizationPolicy', graphError(403, fixture('error-forbidden.json'))).install();
    const result = await collectM365(testConfig(), testContext());
    for (const key of ['m365.guest_access', 'm365.user_consent']) {
      const e = byKey(result.evidence, key);
      expect(e.status).toBe('unavailable');
      expect(e.reasonCode).toBe('permission_missing');
      expect(e.reason).toContain('Policy.Read.All');
      expect(e.reason).toContain('5b7c9f0a-7f36-4a47-9e10-3d1f0c2b6a11');
    }
    expect(byKey(result.evidence, 'm365.auth_methods.policy').status).toBe('ok');
    expect(result.status).toBe('ok');
  });

  it('without Entra ID P2, PIM and risk-based CA are not_licensed, never failures', async () => {
    mockLogin();
    standardTenant(graph)
      // Graph refuses PIM reads on a tenant without P2; the licence read says why first.
      .on('/roleManagement/directory/roleEligibilitySchedules', graphError(403, { error: { code: 'AadPremiumLicenseRequired', message: 'The tenant needs an AAD Premium 2 license.' } }))
      .install();
    const result = await collectM365(testConfig(), testContext());
    for (const key of ['m365.pim.global_admins', 'm365.risk_policies']) {
      const e = byKey(result.evidence, key);
      expect({ key, status: e.status, reasonCode: e.reasonCode }).toEqual({ key, status: 'unavailable', reasonCode: 'not_licensed' });
      expect(e.reason).toContain('P2');
      expect(e.source.endpoints).toContain('/subscribedSkus');
    }
  });

  it('a refused PIM read with P2 names the permission', async () => {
    mockLogin();
    withP2(standardTenant(graph)).on('/roleManagement/directory/roleAssignmentSchedules', graphError(403, fixture('error-forbidden.json'))).install();
    const result = await collectM365(testConfig(), testContext({ only: ['m365.pim.global_admins'] }));
    const e = byKey(result.evidence, 'm365.pim.global_admins');
    expect(e.status).toBe('unavailable');
    expect(e.reasonCode).toBe('permission_missing');
    expect(e.reason).toContain('RoleManagement.Read.Directory');
  });

  it('without Entra ID P1, inactive accounts and SSPR are not_licensed and no signInActivity query is sent', async () => {
    mockLogin();
    standardTenant(graph)
      .on('/subscribedSkus', json(fixture('subscribed-skus-basic.json')))
      .on('/reports/authenticationMethods/userRegistrationDetails', graphError(403, fixture('error-non-premium.json')))
      .on(/^\/users\/[^/]+\/authentication\/methods$/, json(fixture('auth-methods-authenticator.json')))
      .install();
    const result = await collectM365(testConfig(), testContext({ only: ['m365.accounts.inactive', 'm365.sspr.registration'] }));
    for (const key of ['m365.accounts.inactive', 'm365.sspr.registration']) {
      const e = byKey(result.evidence, key);
      expect({ key, status: e.status, reasonCode: e.reasonCode }).toEqual({ key, status: 'unavailable', reasonCode: 'not_licensed' });
    }
    expect(graph.hits('/users').filter((h) => (h.query.get('$filter') ?? '').startsWith('signInActivity/'))).toHaveLength(0);
  });

  it('a 403 on signInActivity (AuditLog.Read.All missing) makes only the inactive key unavailable', async () => {
    mockLogin();
    standardTenant(graph).install();
    const users = graph;
    users.on('/users', (req) =>
      (req.query.get('$filter') ?? '').startsWith('signInActivity/')
        ? graphError(403, fixture('error-forbidden.json'))
        : req.query.get('$filter') === 'accountEnabled eq false'
          ? json(fixture('users-disabled.json'))
          : json({ value: [] }),
    );
    const result = await collectM365(testConfig(), testContext({ only: ['m365.accounts.inactive', 'm365.mfa.registration'] }));
    const e = byKey(result.evidence, 'm365.accounts.inactive');
    expect(e.status).toBe('unavailable');
    expect(e.reasonCode).toBe('permission_missing');
    expect(e.reason).toContain('AuditLog.Read.All');
    expect(byKey(result.evidence, 'm365.mfa.registration').status).toBe('ok');
  });

  it('a targeted re-check of one key sends only what it needs', async () => {
    mockLogin();
    standardTenant(graph).install();
    await collectM365(testConfig(), testContext({ only: ['m365.auth_methods.policy'] }));
    expect(graph.batches[0]!.requests.map((r) => r.id).sort()).toEqual(['authenticationMethodsPolicy', 'subscribedSkus']);
    expect(graph.hits('/reports/authenticationMethods/userRegistrationDetails')).toHaveLength(0);
  });
});
