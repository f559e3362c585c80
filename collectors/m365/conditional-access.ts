/**
 * Pure evaluation of Conditional Access policies and security defaults into MFA-enforcement and legacy-auth
 * evidence. No I/O and no clock: the same policies always give the same answer, so the rules are unit tested
 * directly against policies shaped like Microsoft's documented examples.
 *
 * Principles:
 * - Only `state: 'enabled'` enforces anything. Report-only (`enabledForReportingButNotEnforced`) is listed but
 *   never counted (every posture tool examined treats it so; CIPP once got this wrong, KelvinTegelaar/CIPP #1778).
 * - "All users" means the policy targets every user and every app, is not narrowed to some sign-ins (risk levels,
 *   platforms, client app types), and excludes only a handful of principals: break-glass accounts are normal
 *   (Microsoft recommends two), so up to max(5, 2 % of eligible users) excluded users/groups/roles are tolerated.
 *   Excluding the Global Administrator role is never tolerated.
 */
import { GLOBAL_ADMIN_ROLE_TEMPLATE } from './endpoints.js';
import type { AuthenticationStrength, ConditionalAccessPolicy } from './schema.js';

export { GLOBAL_ADMIN_ROLE_TEMPLATE };

/** Built-in "Phishing-resistant MFA" authentication strength. */
export const PHISHING_RESISTANT_STRENGTH_ID = '00000000-0000-0000-0000-000000000004';
/** Method combinations that are phishing-resistant (Entra built-in phishing-resistant strength). */
export const PHISHING_RESISTANT_COMBINATIONS: ReadonlySet<string> = new Set(['fido2', 'windowsHelloForBusiness', 'x509CertificateMultiFactor']);

/** Special values Graph puts in includeUsers/excludeUsers that are not principals. */
const NON_PRINCIPAL_USER_VALUES = new Set(['All', 'None', 'GuestsOrExternalUsers']);

export type EnforcementMode = 'conditional_access' | 'security_defaults' | 'none';

export interface EnforcementValue extends Record<string, unknown> {
  mode: EnforcementMode;
  allUsers: boolean;
  adminsEnforced: boolean;
  /** Ids of enabled policies that require MFA (whatever their scope). */
  policies: string[];
  /** Ids of policies that would require MFA but are report-only. */
  reportOnlyPolicies: string[];
  /** Excluded users + groups + roles of the best all-users MFA policy (0 if there is none). */
  excludedPrincipals: number;
  excludedPrincipalIds: string[];
  /** How many exclusions still count as "all users" for this tenant. */
  exclusionAllowance: number;
  phishingResistantAdmins: boolean;
  securityDefaults: boolean;
  /** Eligible users the allowance was computed from; null when unknown (allowance falls back to 5). */
  eligibleUsers: number | null;
  /** false when the tenant has no P1, so Conditional Access cannot exist and only security defaults count. */
  conditionalAccessEvaluated: boolean;
}

export interface LegacyAuthValue extends Record<string, unknown> {
  blocked: boolean;
  policies: string[];
  via: 'conditional_access' | 'security_defaults' | 'none';
  reportOnlyPolicies: string[];
}

export interface EvaluationInput {
  policies: readonly ConditionalAccessPolicy[];
  securityDefaultsEnabled: boolean;
  /** Enabled member accounts, for the exclusion allowance; null when it could not be measured. */
  eligibleUsers: number | null;
  /** false when policies could not be read because the tenant has no Entra ID P1 (they cannot exist). */
  conditionalAccessEvaluated?: boolean;
}

export function exclusionAllowance(eligibleUsers: number | null): number {
  return Math.max(5, Math.floor(0.02 * (eligibleUsers ?? 0)));
}

const users = (p: ConditionalAccessPolicy) => p.conditions.users;
const includesAll = (values: readonly string[] | undefined) => (values ?? []).some((v) => v.toLowerCase() === 'all');

export function isEnabled(p: ConditionalAccessPolicy): boolean {
  return p.state === 'enabled';
}

export function isReportOnly(p: ConditionalAccessPolicy): boolean {
  return p.state === 'enabledForReportingButNotEnforced';
}

/** Users, groups and roles the policy excludes (the special value GuestsOrExternalUsers is not a principal). */
export function excludedPrincipalIds(p: ConditionalAccessPolicy): string[] {
  const u = users(p);
  if (!u) return [];
  return [...u.excludeUsers.filter((v) => !NON_PRINCIPAL_USER_VALUES.has(v)), ...u.excludeGroups, ...u.excludeRoles];
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

/** The policy applies to (nearly) every user, every app and every sign-in. */
export function coversAllUsers(p: ConditionalAccessPolicy, allowance: number): boolean {
  return (
    targetsAllUsersAndApps(p) &&
    narrowingConditions(p).length === 0 &&
    excludedPrincipalIds(p).length <= allowance &&
    !excludesGlobalAdmins(p)
  );
}

/**
 * The policy reaches Global Administrators on every app: either it covers all users and excludes no admin role,
 * or it targets the Global Administrator role explicitly.
 */
export function coversGlobalAdmins(p: ConditionalAccessPolicy, allowance: number): boolean {
  const u = users(p);
  if (!u) return false;
  if (coversAllUsers(p, allowance) && u.excludeRoles.length === 0) return true;
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

/** Blocks legacy authentication (Exchange ActiveSync + other clients) for all users. */
export function blocksLegacyAuth(p: ConditionalAccessPolicy, allowance: number): boolean {
  const apps = p.conditions.clientAppTypes;
  return (
    includesAll(users(p)?.includeUsers) &&
    includesAll(p.conditions.applications?.includeApplications) &&
    apps.includes('exchangeActiveSync') &&
    apps.includes('other') &&
    (p.grantControls?.builtInControls ?? []).includes('block') &&
    excludedPrincipalIds(p).length <= allowance
  );
}

function fewestExclusions(policies: readonly ConditionalAccessPolicy[]): ConditionalAccessPolicy | undefined {
  let best: ConditionalAccessPolicy | undefined;
  for (const p of policies) {
    if (!best || excludedPrincipalIds(p).length < excludedPrincipalIds(best).length) best = p;
  }
  return best;
}

export function evaluateMfaEnforcement(input: EvaluationInput): EnforcementValue {
  const allowance = exclusionAllowance(input.eligibleUsers);
  const enabled = input.policies.filter(isEnabled);
  const mfaPolicies = enabled.filter(requiresMfa);
  const allUsersPolicies = mfaPolicies.filter((p) => coversAllUsers(p, allowance));
  // Report the exclusions of the policy that best approaches "all users", even when it has too many.
  const primary = fewestExclusions(allUsersPolicies) ?? fewestExclusions(mfaPolicies.filter(targetsAllUsersAndApps));
  const excluded = primary ? excludedPrincipalIds(primary) : [];

  const caAdmins = mfaPolicies.some((p) => coversGlobalAdmins(p, allowance));
  const caPhishingResistant = mfaPolicies.some(
    (p) => coversGlobalAdmins(p, allowance) && isPhishingResistantStrength(p.grantControls?.authenticationStrength),
  );
  const sd = input.securityDefaultsEnabled;

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
    excludedPrincipals: excluded.length,
    excludedPrincipalIds: excluded,
    exclusionAllowance: allowance,
    // Security defaults accept any Authenticator method: not phishing-resistant.
    phishingResistantAdmins: sd ? false : caPhishingResistant,
    securityDefaults: sd,
    eligibleUsers: input.eligibleUsers,
    conditionalAccessEvaluated: input.conditionalAccessEvaluated ?? true,
  };
}

export function evaluateLegacyAuth(input: EvaluationInput): LegacyAuthValue {
  const allowance = exclusionAllowance(input.eligibleUsers);
  const blocking = input.policies.filter((p) => isEnabled(p) && blocksLegacyAuth(p, allowance));
  const sd = input.securityDefaultsEnabled;
  return {
    // Security defaults block legacy authentication protocols for everyone.
    blocked: sd || blocking.length > 0,
    policies: blocking.map((p) => p.id),
    via: sd ? 'security_defaults' : blocking.length > 0 ? 'conditional_access' : 'none',
    reportOnlyPolicies: input.policies.filter((p) => isReportOnly(p) && blocksLegacyAuth(p, allowance)).map((p) => p.id),
  };
}
