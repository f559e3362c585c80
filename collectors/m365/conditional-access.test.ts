import { describe, expect, it } from 'vitest';
import {
  GLOBAL_ADMIN_ROLE_TEMPLATE,
  PHISHING_RESISTANT_STRENGTH_ID,
  evaluateLegacyAuth,
  evaluateMfaEnforcement,
  requiresMfa,
} from './conditional-access.js';
import type { ExclusionSizes } from './exclusions.js';
import { conditionalAccessPolicy, type ConditionalAccessPolicy } from './schema.js';
import { fixture } from './test-support.js';

/**
 * A policy shaped like Microsoft's documented list response (conditionalaccessroot-list-policies), parsed through
 * the real schema, with the parts a case cares about overridden.
 */
interface Shape {
  id?: string;
  state?: string;
  includeUsers?: string[];
  excludeUsers?: string[];
  includeGroups?: string[];
  excludeGroups?: string[];
  includeRoles?: string[];
  excludeRoles?: string[];
  includeApplications?: string[];
  clientAppTypes?: string[];
  signInRiskLevels?: string[];
  operator?: string;
  builtInControls?: string[];
  authenticationStrength?: Record<string, unknown> | null;
  grantControls?: null;
}

function policy(s: Shape = {}): ConditionalAccessPolicy {
  return conditionalAccessPolicy.parse({
    id: s.id ?? 'p-mfa-all',
    displayName: 'test policy',
    createdDateTime: null,
    modifiedDateTime: null,
    state: s.state ?? 'enabled',
    sessionControls: null,
    conditions: {
      signInRiskLevels: s.signInRiskLevels ?? [],
      userRiskLevels: [],
      clientAppTypes: s.clientAppTypes ?? ['all'],
      platforms: null,
      locations: null,
      applications: { includeApplications: s.includeApplications ?? ['All'], excludeApplications: [], includeUserActions: [] },
      users: {
        includeUsers: s.includeUsers ?? ['All'],
        excludeUsers: s.excludeUsers ?? [],
        includeGroups: s.includeGroups ?? [],
        excludeGroups: s.excludeGroups ?? [],
        includeRoles: s.includeRoles ?? [],
        excludeRoles: s.excludeRoles ?? [],
      },
    },
    grantControls:
      s.grantControls === null
        ? null
        : {
            operator: s.operator ?? 'OR',
            builtInControls: s.builtInControls ?? ['mfa'],
            customAuthenticationFactors: [],
            termsOfUse: [],
            authenticationStrength: s.authenticationStrength ?? null,
          },
  });
}

const ids = (n: number, prefix = 'u') => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
const evaluate = (policies: ConditionalAccessPolicy[], opts: { sd?: boolean; eligible?: number | null; sizes?: ExclusionSizes } = {}) =>
  evaluateMfaEnforcement({
    policies,
    securityDefaultsEnabled: opts.sd ?? false,
    eligibleUsers: opts.eligible === undefined ? 100 : opts.eligible,
    exclusionSizes: opts.sizes,
  });
const sizes = (groups: Record<string, number> = {}, roles: Record<string, string[]> = {}, unknownReason: string | null = null): ExclusionSizes => ({
  groupUsers: new Map(Object.entries(groups)),
  rolePrincipals: new Map(Object.entries(roles)),
  unknownReason,
});
const legacy = (policies: ConditionalAccessPolicy[], opts: { sd?: boolean; eligible?: number } = {}) =>
  evaluateLegacyAuth({ policies, securityDefaultsEnabled: opts.sd ?? false, eligibleUsers: opts.eligible ?? 100 });

const BUILT_IN_MFA_STRENGTH = {
  id: '00000000-0000-0000-0000-000000000002',
  displayName: 'Multifactor authentication',
  policyType: 'builtIn',
  requirementsSatisfied: 'mfa',
  allowedCombinations: ['windowsHelloForBusiness', 'fido2', 'x509CertificateMultiFactor', 'deviceBasedPush', 'temporaryAccessPassOneTime', 'password,microsoftAuthenticatorPush', 'password,softwareOath', 'password,sms'],
};
const PHISHING_RESISTANT_STRENGTH = {
  id: PHISHING_RESISTANT_STRENGTH_ID,
  displayName: 'Phishing-resistant MFA',
  policyType: 'builtIn',
  requirementsSatisfied: 'mfa',
  allowedCombinations: ['windowsHelloForBusiness', 'fido2', 'x509CertificateMultiFactor'],
};

describe('exclusions: no hidden allowance, users counted by expanded membership', () => {
  it('an enabled all-users policy with 8 excluded users covers all users and reports 8 (whatever the tenant size)', () => {
    const p = policy({ excludeUsers: ids(8) });
    for (const eligible of [10, 100, 1000, null]) {
      expect(evaluate([p], { eligible })).toMatchObject({ allUsers: true, excludedUsers: 8, excludedPrincipals: 8, excludedGroups: 0, excludedRoles: 0 });
    }
    expect(evaluate([p])).not.toHaveProperty('exclusionAllowance');
  });

  it('a policy that excludes most users still covers "all users"; the count tells the rules how many are left out', () => {
    const v = evaluate([policy({ excludeUsers: ids(40) })], { eligible: 50 });
    expect(v).toMatchObject({ allUsers: true, mode: 'conditional_access', excludedPrincipals: 40, excludedUsers: 40, adminsEnforced: true });
  });

  it('expands an excluded group of 40 users to 40', () => {
    const v = evaluate([policy({ excludeUsers: ['bg-1'], excludeGroups: ['grp-40'] })], { sizes: sizes({ 'grp-40': 40 }) });
    expect(v).toMatchObject({ allUsers: true, excludedPrincipals: 2, excludedGroups: 1, excludedRoles: 0, excludedUsers: 41 });
    expect(v).not.toHaveProperty('unknownReasons');
  });

  it('adds the holders of an excluded role, counting a user excluded both directly and by role once', () => {
    const role = 'd29b2b05-8046-44ba-8758-1e26182fcf32'; // Directory Synchronization Accounts
    const v = evaluate([policy({ excludeUsers: ['bg-1', 'sync-1'], excludeRoles: [role] })], { sizes: sizes({}, { [role]: ['sync-1', 'sync-2'] }) });
    expect(v).toMatchObject({ excludedPrincipals: 3, excludedRoles: 1, excludedUsers: 3 });
  });

  it('an uncounted group makes excludedUsers null with the reason, and everything else stands', () => {
    const reason = 'excluded users unknown: GET /groups/x/transitiveMembers/microsoft.graph.user/$count was refused: grant the application permission GroupMember.Read.All';
    const v = evaluate([policy({ excludeGroups: ['grp-x'] })], { sizes: sizes({}, {}, reason) });
    expect(v).toMatchObject({ allUsers: true, adminsEnforced: true, excludedPrincipals: 1, excludedGroups: 1, excludedUsers: null, unknownReasons: { excludedUsers: reason } });
  });

  it('picks the enabled all-users policy with the fewest expanded users, not the fewest ids', () => {
    const v = evaluate(
      [policy({ id: 'one-big-group', excludeGroups: ['grp-big'] }), policy({ id: 'three-users', excludeUsers: ids(3) })],
      { sizes: sizes({ 'grp-big': 250 }) },
    );
    expect(v).toMatchObject({ excludedUsers: 3, excludedPrincipalIds: ids(3) });
  });

  it('still decides when an unsized policy is known to exclude more than a sized one', () => {
    const v = evaluate([policy({ id: 'a', excludeUsers: ids(5), excludeGroups: ['grp-x'] }), policy({ id: 'b', excludeUsers: ids(2) })], { sizes: sizes({}, {}, 'refused') });
    expect(v).toMatchObject({ excludedUsers: 2 });
    expect(v).not.toHaveProperty('unknownReasons');
  });

  it('report-only all-users policy: allUsers false and excludedUsers null (no number is invented)', () => {
    const v = evaluate([policy({ state: 'enabledForReportingButNotEnforced', excludeUsers: ['bg-1'] })]);
    expect(v).toMatchObject({ allUsers: false, excludedUsers: null });
    expect(v).not.toHaveProperty('unknownReasons');
  });

  it('security defaults: allUsers true and excludedUsers 0', () => {
    expect(evaluate([], { sd: true })).toMatchObject({ allUsers: true, excludedUsers: 0, excludedPrincipals: 0 });
  });

  it('no enforcement at all: excludedUsers null', () => {
    expect(evaluate([])).toMatchObject({ allUsers: false, excludedUsers: null });
  });
});

describe('what counts as an MFA grant', () => {
  it('accepts mfa alone with OR, and mfa among others with AND', () => {
    expect(requiresMfa(policy({ operator: 'OR', builtInControls: ['mfa'] }))).toBe(true);
    expect(requiresMfa(policy({ operator: 'AND', builtInControls: ['mfa', 'compliantDevice'] }))).toBe(true);
  });

  it('rejects OR with an alternative to mfa: a compliant device alone satisfies it', () => {
    expect(requiresMfa(policy({ operator: 'OR', builtInControls: ['mfa', 'compliantDevice'] }))).toBe(false);
  });

  it('rejects block, device-only and session-only policies', () => {
    expect(requiresMfa(policy({ builtInControls: ['block'] }))).toBe(false);
    expect(requiresMfa(policy({ operator: 'AND', builtInControls: ['compliantDevice', 'domainJoinedDevice'] }))).toBe(false);
    expect(requiresMfa(policy({ grantControls: null }))).toBe(false);
  });

  it('counts an authentication strength as MFA', () => {
    expect(requiresMfa(policy({ builtInControls: [], authenticationStrength: BUILT_IN_MFA_STRENGTH }))).toBe(true);
    expect(requiresMfa(policy({ builtInControls: [], authenticationStrength: PHISHING_RESISTANT_STRENGTH }))).toBe(true);
  });

  it('does not count a custom strength that declares it satisfies no MFA requirement', () => {
    const singleFactor = { id: 'custom-1', displayName: 'Password only', policyType: 'custom', requirementsSatisfied: 'none', allowedCombinations: ['password'] };
    expect(requiresMfa(policy({ builtInControls: [], authenticationStrength: singleFactor }))).toBe(false);
  });
});

describe('MFA enforcement through Conditional Access', () => {
  it('does not count a report-only policy, but lists it', () => {
    const v = evaluate([policy({ id: 'ro', state: 'enabledForReportingButNotEnforced' })]);
    expect(v).toMatchObject({ mode: 'none', allUsers: false, adminsEnforced: false, policies: [], reportOnlyPolicies: ['ro'] });
  });

  it('ignores disabled policies entirely', () => {
    const v = evaluate([policy({ id: 'off', state: 'disabled' })]);
    expect(v).toMatchObject({ mode: 'none', allUsers: false, policies: [], reportOnlyPolicies: [] });
  });

  it('covers all users with break-glass exclusions, and reports them', () => {
    const v = evaluate([policy({ id: 'all', excludeUsers: ['bg-1', 'bg-2'] })]);
    expect(v).toMatchObject({
      mode: 'conditional_access',
      allUsers: true,
      adminsEnforced: true,
      policies: ['all'],
      excludedPrincipals: 2,
      excludedPrincipalIds: ['bg-1', 'bg-2'],
      excludedUsers: 2,
    });
  });

  it('counts excluded users, groups and roles (but not the GuestsOrExternalUsers keyword)', () => {
    const v = evaluate([
      policy({
        excludeUsers: ['bg-1', 'GuestsOrExternalUsers'],
        excludeGroups: ['grp-sync-accounts'],
        excludeRoles: ['d29b2b05-8046-44ba-8758-1e26182fcf32'], // Directory Synchronization Accounts
      }),
    ]);
    expect(v.excludedPrincipals).toBe(3);
    expect(v.excludedPrincipalIds).toEqual(['bg-1', 'grp-sync-accounts', 'd29b2b05-8046-44ba-8758-1e26182fcf32']);
    expect(v).toMatchObject({ excludedGroups: 1, excludedRoles: 1 });
    expect(v.allUsers).toBe(true);
    // Nothing was looked up for the group and role, so the user count is unknown rather than guessed.
    expect(v.excludedUsers).toBeNull();
    // An admin role is excluded, so the all-users policy no longer vouches for admins.
    expect(v.adminsEnforced).toBe(false);
  });

  it('never accepts the exclusion of the Global Administrator role', () => {
    const v = evaluate([policy({ excludeRoles: [GLOBAL_ADMIN_ROLE_TEMPLATE] })]);
    expect(v).toMatchObject({ allUsers: false, adminsEnforced: false, excludedPrincipals: 1, excludedUsers: null });
  });

  it('requires every app and every sign-in: an app-scoped or risk-based policy is not "all users"', () => {
    expect(evaluate([policy({ includeApplications: ['00000002-0000-0ff1-ce00-000000000000'] })]).allUsers).toBe(false);
    expect(evaluate([policy({ signInRiskLevels: ['high', 'medium'] })]).allUsers).toBe(false);
    expect(evaluate([policy({ clientAppTypes: ['exchangeActiveSync', 'other'] })]).allUsers).toBe(false);
    expect(evaluate([policy({ clientAppTypes: ['browser', 'mobileAppsAndDesktopClients'] })]).allUsers).toBe(true);
  });

  it('counts a group-scoped MFA policy as CA enforcement, but not for all users', () => {
    const v = evaluate([policy({ id: 'sales', includeUsers: [], includeGroups: ['grp-sales'] })]);
    expect(v).toMatchObject({ mode: 'conditional_access', allUsers: false, policies: ['sales'] });
  });

  it('accepts an authentication-strength policy as MFA for all users', () => {
    const v = evaluate([policy({ builtInControls: [], authenticationStrength: BUILT_IN_MFA_STRENGTH })]);
    expect(v).toMatchObject({ allUsers: true, phishingResistantAdmins: false });
  });

  it('enforces for admins through a role-targeted policy even when users are not covered', () => {
    const v = evaluate([policy({ id: 'admins', includeUsers: [], includeRoles: [GLOBAL_ADMIN_ROLE_TEMPLATE] })]);
    expect(v).toMatchObject({ allUsers: false, adminsEnforced: true, phishingResistantAdmins: false });
  });

  it('detects phishing-resistant MFA for Global Administrators (built-in strength)', () => {
    const v = evaluate([
      policy({ id: 'all' }),
      policy({ id: 'pr-admins', includeUsers: [], includeRoles: [GLOBAL_ADMIN_ROLE_TEMPLATE], builtInControls: [], authenticationStrength: PHISHING_RESISTANT_STRENGTH }),
    ]);
    expect(v).toMatchObject({ allUsers: true, adminsEnforced: true, phishingResistantAdmins: true, policies: ['all', 'pr-admins'] });
  });

  it('accepts a custom strength only when every combination is phishing-resistant', () => {
    const custom = (combos: string[]) =>
      policy({
        includeUsers: [],
        includeRoles: [GLOBAL_ADMIN_ROLE_TEMPLATE],
        builtInControls: [],
        authenticationStrength: { id: 'custom-pr', displayName: 'Keys only', policyType: 'custom', requirementsSatisfied: 'mfa', allowedCombinations: combos },
      });
    expect(evaluate([custom(['fido2', 'windowsHelloForBusiness'])]).phishingResistantAdmins).toBe(true);
    expect(evaluate([custom(['fido2', 'password,microsoftAuthenticatorPush'])]).phishingResistantAdmins).toBe(false);
  });

  it('does not credit phishing-resistant MFA that misses Global Administrators or is report-only', () => {
    const otherRole = policy({ includeUsers: [], includeRoles: ['29232cdf-9323-42fd-ade2-1d097af3e4de'], builtInControls: [], authenticationStrength: PHISHING_RESISTANT_STRENGTH });
    expect(evaluate([otherRole]).phishingResistantAdmins).toBe(false);
    const reportOnly = policy({ state: 'enabledForReportingButNotEnforced', builtInControls: [], authenticationStrength: PHISHING_RESISTANT_STRENGTH });
    expect(evaluate([reportOnly]).phishingResistantAdmins).toBe(false);
    // An all-users phishing-resistant policy does reach admins.
    expect(evaluate([policy({ builtInControls: [], authenticationStrength: PHISHING_RESISTANT_STRENGTH })]).phishingResistantAdmins).toBe(true);
  });

  it('evaluates the documented fixture set as a well-run tenant', () => {
    const raw = fixture<{ value: unknown[] }>('conditional-access-policies.json');
    const policies = raw.value.map((p) => conditionalAccessPolicy.parse(p));
    const v = evaluate(policies, { eligible: 6 });
    expect(v).toMatchObject({ mode: 'conditional_access', allUsers: true, adminsEnforced: true, phishingResistantAdmins: true, excludedPrincipals: 2, excludedUsers: 2 });
  });
});

describe('security defaults', () => {
  it('enforce MFA for everyone and admins, but not phishing-resistant', () => {
    const v = evaluate([], { sd: true });
    expect(v).toMatchObject({
      mode: 'security_defaults',
      allUsers: true,
      adminsEnforced: true,
      phishingResistantAdmins: false,
      policies: [],
      securityDefaults: true,
    });
  });

  it('without security defaults or policies there is no enforcement', () => {
    expect(evaluate([], { sd: false })).toMatchObject({ mode: 'none', allUsers: false, adminsEnforced: false });
  });

  it('block legacy authentication', () => {
    expect(legacy([], { sd: true })).toEqual({ blocked: true, policies: [], via: 'security_defaults', reportOnlyPolicies: [], excludedPrincipals: 0 });
  });
});

describe('legacy authentication block', () => {
  const block = (s: Shape = {}) => policy({ id: 'legacy', clientAppTypes: ['exchangeActiveSync', 'other'], builtInControls: ['block'], ...s });

  it('is blocked by an enabled all-users policy on both legacy client types with a block grant', () => {
    expect(legacy([block({ excludeUsers: ['bg-1'] })])).toEqual({ blocked: true, policies: ['legacy'], via: 'conditional_access', reportOnlyPolicies: [], excludedPrincipals: 1 });
  });

  it('is not decided by how many it excludes (no hidden allowance); the count is reported', () => {
    expect(legacy([block({ excludeUsers: ids(30) })])).toMatchObject({ blocked: true, excludedPrincipals: 30 });
  });

  it('needs both client app types', () => {
    expect(legacy([block({ clientAppTypes: ['exchangeActiveSync'] })]).blocked).toBe(false);
    expect(legacy([block({ clientAppTypes: ['other'] })]).blocked).toBe(false);
  });

  it('needs a block grant: requiring MFA from legacy clients does not block them', () => {
    expect(legacy([block({ builtInControls: ['mfa'] })]).blocked).toBe(false);
  });

  it('needs all users and an enabled state', () => {
    expect(legacy([block({ includeUsers: [], includeGroups: ['grp-pilot'] })]).blocked).toBe(false);
    const ro = legacy([block({ state: 'enabledForReportingButNotEnforced' })]);
    expect(ro).toEqual({ blocked: false, policies: [], via: 'none', reportOnlyPolicies: ['legacy'], excludedPrincipals: 0 });
    expect(legacy([block({ state: 'disabled' })]).blocked).toBe(false);
  });
});
