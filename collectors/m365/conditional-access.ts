/**
 * Pure evaluation of Conditional Access policies and security defaults into MFA-enforcement and legacy-auth
 * evidence. No I/O and no clock: the same policies (and the same group/role sizes looked up for their exclusions)
 * always give the same answer, so the rules are unit tested directly against policies shaped like Microsoft's
 * documented examples.
 *
 * Principles:
 * - Only `state: 'enabled'` enforces anything. Report-only (`enabledForReportingButNotEnforced`) is listed but
 *   never counted (every posture tool examined treats it so; CIPP once got this wrong, KelvinTegelaar/CIPP #1778).
 * - "All users" means the policy targets every user and every app and is not narrowed to some sign-ins (risk
 *   levels, platforms, client app types). How many principals it excludes does not decide it: the evidence reports
 *   the excluded *users* (groups and roles expanded, exclusions.ts) and the rules hold the allowance as a plain
 *   number (e.g. `excludedUsers lte 2`). Excluding the Global Administrator role is never "all users".
 */
import { GLOBAL_ADMIN_ROLE_TEMPLATE } from './endpoints.js';
import { chooseExclusionPolicy, excludedCounts, excludedPrincipalIds, fewestExclusions, type ExclusionSizes } from './exclusions.js';
import type { AuthenticationStrength, ConditionalAccessPolicy } from './schema.js';

export { GLOBAL_ADMIN_ROLE_TEMPLATE, excludedPrincipalIds };

/** Built-in "Phishing-resistant MFA" authentication strength. */
export const PHISHING_RESISTANT_STRENGTH_ID = '00000000-0000-0000-0000-000000000004';
/** Method combinations that are phishing-resistant (Entra built-in phishing-resistant strength). */
export const PHISHING_RESISTANT_COMBINATIONS: ReadonlySet<string> = new Set(['fido2', 'windowsHelloForBusiness', 'x509CertificateMultiFactor']);

export type EnforcementMode = 'conditional_access' | 'security_defaults' | 'none';

export interface EnforcementValue extends Record<string, unknown> {
  mode: EnforcementMode;
  allUsers: boolean;
  adminsEnforced: boolean;
  /** Ids of enabled policies that require MFA (whatever their scope). */
  policies: string[];
  /** Ids of policies that would require MFA but are report-only. */
  reportOnlyPolicies: string[];
  /** Excluded user + group + role ids of the chosen all-users MFA policy (0 if there is none), for display. */
  excludedPrincipals: number;
  excludedPrincipalIds: string[];
  /** Of those, how many are groups and how many directory roles. */
  excludedGroups: number;
  excludedRoles: number;
  /**
   * Distinct users the chosen all-users MFA policy leaves out: direct user exclusions + transitive user members of
   * excluded groups + principals assigned excluded roles. 0 under security defaults (they exclude no one); null
   * when no enabled all-users MFA policy exists, or when a group/role could not be counted (see unknownReasons).
   */
  excludedUsers: number | null;
  /** Field name → why that field is null although it applies (e.g. a permission missing); absent when none. */
  unknownReasons?: Record<string, string>;
  phishingResistantAdmins: boolean;
  securityDefaults: boolean;
  /** Enabled members (from the registration data when collected, else null): context for excludedUsers only. */
  eligibleUsers: number | null;
  /** false when the tenant has no P1, so Conditional Access cannot exist and only security defaults count. */
  conditionalAccessEvaluated: boolean;
}

export interface LegacyAuthValue extends Record<string, unknown> {
  blocked: boolean;
  policies: string[];
  via: 'conditional_access' | 'security_defaults' | 'none';
  reportOnlyPolicies: string[];
  /** Excluded user/group/role ids of the blocking policy with the fewest (0 with none or under security defaults). */
  excludedPrincipals: number;
}

export interface EvaluationInput {
  policies: readonly ConditionalAccessPolicy[];
  securityDefaultsEnabled: boolean;
  /** Enabled member accounts, shown beside excludedUsers; null when not measured. Decides nothing. */
  eligibleUsers: number | null;
  /** false when policies could not be read because the tenant has no Entra ID P1 (they cannot exist). */
  conditionalAccessEvaluated?: boolean;
  /**
   * Sizes of the groups and roles excluded by the all-users MFA policies (exclusion-lookups.ts). Absent: nothing was
   * looked up, so a policy excluding any group or role has excludedUsers null.
   */
  exclusionSizes?: ExclusionSizes;
}

const users = (p: ConditionalAccessPolicy) => p.conditions.users;
const includesAll = (values: readonly string[] | undefined) => (values ?? []).some((v) => v.toLowerCase() === 'all');

export function isEnabled(p: ConditionalAccessPolicy): boolean {
  return p.state === 'enabled';
}

export function isReportOnly(p: ConditionalAccessPolicy): boolean {
  return p.state === 'enabledForReportingButNotEnforced';
}

function strengthRequiresMfa(s: AuthenticationStrength | null | undefined): boolean {
  // Every built-in strength satisfies MFA; a custom one may declare requirementsSatisfied 'none' (single factor).
  return s !== null && s !== undefined && s.requirementsSatisfied?.toLowerCase() !== 'none';
}

/**
 * Does satisfying the policy's grant controls always take MFA?
 * - AND: MFA (or an MFA authentication strength) is one of the required controls.
 * - OR: any single control satisfies the policy, so MFA is guaranteed only when it is the only control offered.
 */
export function requiresMfa(p: ConditionalAccessPolicy): boolean {
  const gc = p.grantControls;
  if (!gc) return false;
  const strength = strengthRequiresMfa(gc.authenticationStrength);
  const hasMfa = gc.builtInControls.includes('mfa');
  if ((gc.operator ?? 'OR').toUpperCase() === 'AND') return hasMfa || strength;
  const alternatives = [...gc.builtInControls.filter((c) => c !== 'mfa'), ...gc.customAuthenticationFactors, ...gc.termsOfUse];
  if (alternatives.length > 0) return false;
  return hasMfa || strength;
}

/** Conditions that make a policy apply to only some sign-ins, so it cannot stand for "every sign-in needs MFA". */
export function narrowingConditions(p: ConditionalAccessPolicy): string[] {
  const c = p.conditions;
  const out: string[] = [];
  if (c.signInRiskLevels.length > 0) out.push('signInRiskLevels');
  if (c.userRiskLevels.length > 0) out.push('userRiskLevels');
  if (c.platforms && !includesAll(c.platforms.includePlatforms)) out.push('platforms');
  const apps = c.clientAppTypes;
  const allClients = apps.length === 0 || apps.includes('all') || (apps.includes('browser') && apps.includes('mobileAppsAndDesktopClients'));
  if (!allClients) out.push('clientAppTypes');
  return out;
}

export function targetsAllUsersAndApps(p: ConditionalAccessPolicy): boolean {
  return includesAll(users(p)?.includeUsers) && includesAll(p.conditions.applications?.includeApplications);
}

export function excludesGlobalAdmins(p: ConditionalAccessPolicy): boolean {
  return (users(p)?.excludeRoles ?? []).includes(GLOBAL_ADMIN_ROLE_TEMPLATE);
}

/** The policy applies to every user (bar its exclusions), every app and every sign-in. */
export function coversAllUsers(p: ConditionalAccessPolicy): boolean {
  return targetsAllUsersAndApps(p) && narrowingConditions(p).length === 0 && !excludesGlobalAdmins(p);
}

/** Enabled policies that require MFA of all users: the candidates whose exclusions are expanded. */
export function allUsersMfaPolicies(policies: readonly ConditionalAccessPolicy[]): ConditionalAccessPolicy[] {
  return policies.filter((p) => isEnabled(p) && requiresMfa(p) && coversAllUsers(p));
}

/**
 * The policy reaches Global Administrators on every app: either it covers all users and excludes no admin role,
 * or it targets the Global Administrator role explicitly.
 */
export function coversGlobalAdmins(p: ConditionalAccessPolicy): boolean {
  const u = users(p);
  if (!u) return false;
  if (coversAllUsers(p) && u.excludeRoles.length === 0) return true;
  return (
    u.includeRoles.includes(GLOBAL_ADMIN_ROLE_TEMPLATE) &&
    includesAll(p.conditions.applications?.includeApplications) &&
    narrowingConditions(p).length === 0 &&
    !excludesGlobalAdmins(p)
  );
}

export function isPhishingResistantStrength(s: AuthenticationStrength | null | undefined): boolean {
  if (!s) return false;
  if (s.id === PHISHING_RESISTANT_STRENGTH_ID) return true;
  return s.allowedCombinations.length > 0 && s.allowedCombinations.every((c) => PHISHING_RESISTANT_COMBINATIONS.has(c));
}

/**
 * Blocks legacy authentication (Exchange ActiveSync + other clients) for all users. Like MFA, its exclusions do not
 * decide it (no hidden allowance); their raw count is reported as `excludedPrincipals`.
 */
export function blocksLegacyAuth(p: ConditionalAccessPolicy): boolean {
  const apps = p.conditions.clientAppTypes;
  return (
    includesAll(users(p)?.includeUsers) &&
    includesAll(p.conditions.applications?.includeApplications) &&
    apps.includes('exchangeActiveSync') &&
    apps.includes('other') &&
    (p.grantControls?.builtInControls ?? []).includes('block')
  );
}

export function evaluateMfaEnforcement(input: EvaluationInput): EnforcementValue {
  const enabled = input.policies.filter(isEnabled);
  const mfaPolicies = enabled.filter(requiresMfa);
  const allUsersPolicies = allUsersMfaPolicies(input.policies);
  const sd = input.securityDefaultsEnabled;
  const choice = chooseExclusionPolicy(allUsersPolicies, input.exclusionSizes);
  // Without an all-users policy, still show the exclusions of the one that comes closest (narrowed, or excluding GA).
  const shown = choice.policy ?? fewestExclusions(mfaPolicies.filter(targetsAllUsersAndApps));
  const counts = excludedCounts(shown);

  // Security defaults exclude no one. Otherwise the number exists only for an enabled all-users MFA policy.
  let excludedUsers: number | null = null;
  let unknownReasons: Record<string, string> | undefined;
  if (sd) excludedUsers = 0;
  else if (allUsersPolicies.length > 0) {
    excludedUsers = choice.excludedUsers;
    if (excludedUsers === null) unknownReasons = { excludedUsers: choice.unknownReason ?? 'the excluded groups and roles could not be counted' };
  }

  const caAdmins = mfaPolicies.some((p) => coversGlobalAdmins(p));
  const caPhishingResistant = mfaPolicies.some((p) => coversGlobalAdmins(p) && isPhishingResistantStrength(p.grantControls?.authenticationStrength));

  let mode: EnforcementMode = 'none';
  if (sd) mode = 'security_defaults';
  else if (mfaPolicies.length > 0) mode = 'conditional_access';

  return {
    mode,
    // Security defaults require every user to register and prompt for MFA when needed, admins on every sign-in.
    allUsers: sd || allUsersPolicies.length > 0,
    adminsEnforced: sd || caAdmins,
    policies: mfaPolicies.map((p) => p.id),
    reportOnlyPolicies: input.policies.filter((p) => isReportOnly(p) && requiresMfa(p)).map((p) => p.id),
    excludedPrincipals: counts.ids.length,
    excludedPrincipalIds: counts.ids,
    excludedGroups: counts.groups,
    excludedRoles: counts.roles,
    excludedUsers,
    ...(unknownReasons ? { unknownReasons } : {}),
    // Security defaults accept any Authenticator method: not phishing-resistant.
    phishingResistantAdmins: sd ? false : caPhishingResistant,
    securityDefaults: sd,
    eligibleUsers: input.eligibleUsers,
    conditionalAccessEvaluated: input.conditionalAccessEvaluated ?? true,
  };
}

export function evaluateLegacyAuth(input: EvaluationInput): LegacyAuthValue {
  const blocking = input.policies.filter((p) => isEnabled(p) && blocksLegacyAuth(p));
  const sd = input.securityDefaultsEnabled;
  return {
    // Security defaults block legacy authentication protocols for everyone.
    blocked: sd || blocking.length > 0,
    policies: blocking.map((p) => p.id),
    via: sd ? 'security_defaults' : blocking.length > 0 ? 'conditional_access' : 'none',
    reportOnlyPolicies: input.policies.filter((p) => isReportOnly(p) && blocksLegacyAuth(p)).map((p) => p.id),
    // Raw excluded ids of the blocking policy with the fewest (security defaults exclude no one).
    excludedPrincipals: sd ? 0 : excludedPrincipalIds(fewestExclusions(blocking)).length,
  };
}
