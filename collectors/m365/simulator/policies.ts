/**
 * Conditional Access policies, security defaults and directory role templates, shaped exactly like Microsoft's
 * documented v1.0 examples (learn.microsoft.com/graph/api/resources/conditionalaccesspolicy), so the collector's
 * zod schemas and evaluation see what a real tenant would send.
 */
import { guid } from '../../../src/simulator/ids.js';
import type { CaPolicyKnobs, PolicyState } from './profiles.js';

/** Directory role template ids (identical in every tenant). */
export const ROLE_TEMPLATES = {
  globalAdministrator: '62e90394-69f5-4237-9190-012177145e10',
  privilegedRoleAdministrator: 'e8611ab8-c189-46e8-94e1-60213ab1f814',
  securityAdministrator: '194ae4cb-b126-40b2-bd5b-6091b380977d',
  exchangeAdministrator: '29232cdf-9323-42fd-ade2-1d097af3e4de',
  sharePointAdministrator: 'f28a1f50-f6e7-4571-818b-6a12f2af6b6c',
  userAdministrator: 'fe930be7-5e62-47db-91af-98c3a49a38b1',
  helpdeskAdministrator: '729827e3-9c14-49f7-bb1b-9608f156bbb8',
  conditionalAccessAdministrator: 'b1be1c3e-b65d-4f19-8427-f6fa0d97feb9',
  applicationAdministrator: '9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3',
  cloudApplicationAdministrator: '158c047a-c907-4556-b7ef-446551a6b5f7',
  authenticationAdministrator: 'c4e39bd9-1100-46d3-8c65-fb160da0071f',
  billingAdministrator: 'b0f54661-2d74-4c50-afa3-1ec803f12efe',
  privilegedAuthenticationAdministrator: '7be44c8a-adaf-4e2a-84d6-ab2649e08a13',
  intuneAdministrator: '3a2c62db-5318-420d-8d74-23affee5d9d5',
  directoryReaders: '88d8e3e3-8f55-4a1e-953a-9b9898b8876b',
} as const;

/** The roles Microsoft's "Require MFA for administrators" template targets (what an admin MFA policy includes). */
export const ADMIN_POLICY_ROLES: readonly string[] = [
  ROLE_TEMPLATES.globalAdministrator,
  ROLE_TEMPLATES.privilegedRoleAdministrator,
  ROLE_TEMPLATES.securityAdministrator,
  ROLE_TEMPLATES.exchangeAdministrator,
  ROLE_TEMPLATES.sharePointAdministrator,
  ROLE_TEMPLATES.userAdministrator,
  ROLE_TEMPLATES.helpdeskAdministrator,
  ROLE_TEMPLATES.conditionalAccessAdministrator,
  ROLE_TEMPLATES.applicationAdministrator,
  ROLE_TEMPLATES.cloudApplicationAdministrator,
  ROLE_TEMPLATES.authenticationAdministrator,
  ROLE_TEMPLATES.billingAdministrator,
  ROLE_TEMPLATES.privilegedAuthenticationAdministrator,
];

/** Roles handed to non-global admins in generated tenants. */
export const OTHER_ADMIN_ROLES: readonly string[] = [
  ROLE_TEMPLATES.userAdministrator,
  ROLE_TEMPLATES.exchangeAdministrator,
  ROLE_TEMPLATES.helpdeskAdministrator,
  ROLE_TEMPLATES.securityAdministrator,
  ROLE_TEMPLATES.sharePointAdministrator,
  ROLE_TEMPLATES.intuneAdministrator,
];

/** Built-in "Phishing-resistant MFA" authentication strength. */
export const PHISHING_RESISTANT_STRENGTH = {
  id: '00000000-0000-0000-0000-000000000004',
  createdDateTime: '2021-12-01T08:00:00Z',
  modifiedDateTime: '2021-12-01T08:00:00Z',
  displayName: 'Phishing-resistant MFA',
  description: 'Phishing-resistant, Passwordless methods for the strongest authentication, such as a FIDO2 security key',
  policyType: 'builtIn',
  requirementsSatisfied: 'mfa',
  allowedCombinations: ['windowsHelloForBusiness', 'fido2', 'x509CertificateMultiFactor'],
  combinationConfigurations: [],
} as const;

export const SECURITY_DEFAULTS_ID = '00000000-0000-0000-0000-000000000005';

export function securityDefaultsPolicy(isEnabled: boolean): Record<string, unknown> {
  return {
    id: SECURITY_DEFAULTS_ID,
    displayName: 'Security Defaults',
    description:
      'Security defaults is a set of basic identity security mechanisms recommended by Microsoft. When enabled, these recommendations will be automatically enforced in your organization. Administrators and users will be better protected from common identity related attacks.',
    isEnabled,
  };
}

const GRAPH_STATE: Record<Exclude<PolicyState, 'none'>, string> = {
  enabled: 'enabled',
  reportOnly: 'enabledForReportingButNotEnforced',
  disabled: 'disabled',
};

interface PolicyParts {
  key: string;
  displayName: string;
  state: Exclude<PolicyState, 'none'>;
  includeUsers?: string[];
  excludeUsers?: string[];
  excludeGroups?: string[];
  includeRoles?: string[];
  clientAppTypes?: string[];
  signInRiskLevels?: string[];
  userRiskLevels?: string[];
  platforms?: { includePlatforms: string[]; excludePlatforms: string[] } | null;
  operator?: 'OR' | 'AND';
  builtInControls?: string[];
  authenticationStrength?: Record<string, unknown> | null;
  ageDays: number;
}

function policy(seed: number, now: Date, p: PolicyParts): Record<string, unknown> {
  const created = new Date(now.getTime() - p.ageDays * 86_400_000);
  const modified = new Date(created.getTime() + Math.floor(p.ageDays / 3) * 86_400_000);
  return {
    id: guid(seed, 'ca', p.key),
    templateId: null,
    displayName: p.displayName,
    createdDateTime: created.toISOString(),
    modifiedDateTime: modified.toISOString(),
    state: GRAPH_STATE[p.state],
    sessionControls: null,
    conditions: {
      userRiskLevels: p.userRiskLevels ?? [],
      signInRiskLevels: p.signInRiskLevels ?? [],
      clientAppTypes: p.clientAppTypes ?? ['all'],
      servicePrincipalRiskLevels: [],
      platforms: p.platforms ?? null,
      locations: null,
      devices: null,
      clientApplications: null,
      applications: {
        includeApplications: ['All'],
        excludeApplications: [],
        includeUserActions: [],
        includeAuthenticationContextClassReferences: [],
        applicationFilter: null,
      },
      users: {
        includeUsers: p.includeUsers ?? [],
        excludeUsers: p.excludeUsers ?? [],
        includeGroups: [],
        excludeGroups: p.excludeGroups ?? [],
        includeRoles: p.includeRoles ?? [],
        excludeRoles: [],
        includeGuestsOrExternalUsers: null,
        excludeGuestsOrExternalUsers: null,
      },
    },
    grantControls: {
      operator: p.operator ?? 'OR',
      builtInControls: p.builtInControls ?? [],
      customAuthenticationFactors: [],
      termsOfUse: [],
      authenticationStrength: p.authenticationStrength ?? null,
    },
  };
}

/** Who the all-users policies leave out: break-glass accounts by id, everyone else through one exclusion group. */
export interface PolicyExclusions {
  userIds: readonly string[];
  groupId: string;
}

/**
 * The tenant's Conditional Access policies for the given knobs. The all-users policies exclude the break-glass
 * accounts directly and the exclusion group (whose members are the further excluded users; it may be empty), as
 * tenants commonly do — so the excluded *users* differ from the excluded principal ids.
 */
export function conditionalAccessPolicies(
  seed: number,
  now: Date,
  knobs: CaPolicyKnobs,
  exclusions: PolicyExclusions,
  /** Risk-based conditions need Entra ID P2: Entra refuses to save them on a P1 tenant. */
  p2: boolean,
): Record<string, unknown>[] {
  const excluded = () => ({ excludeUsers: [...exclusions.userIds], excludeGroups: [exclusions.groupId] });
  const out: Record<string, unknown>[] = [];
  if (knobs.mfaAdmins !== 'none') {
    out.push(
      policy(seed, now, {
        key: 'mfa-admins',
        displayName: 'CA001 - Require multifactor authentication for admins',
        state: knobs.mfaAdmins,
        includeRoles: [...ADMIN_POLICY_ROLES],
        builtInControls: ['mfa'],
        ageDays: 420,
      }),
    );
  }
  if (knobs.mfaAllUsers !== 'none') {
    out.push(
      policy(seed, now, {
        key: 'mfa-all-users',
        displayName: 'CA002 - Require multifactor authentication for all users',
        state: knobs.mfaAllUsers,
        includeUsers: ['All'],
        ...excluded(),
        builtInControls: ['mfa'],
        ageDays: 300,
      }),
    );
  }
  if (knobs.legacyBlock !== 'none') {
    out.push(
      policy(seed, now, {
        key: 'legacy-block',
        displayName: 'CA003 - Block legacy authentication',
        state: knobs.legacyBlock,
        includeUsers: ['All'],
        ...excluded(),
        clientAppTypes: ['exchangeActiveSync', 'other'],
        builtInControls: ['block'],
        ageDays: 280,
      }),
    );
  }
  if (knobs.phishingResistantAdmins !== 'none') {
    out.push(
      policy(seed, now, {
        key: 'phishing-resistant-admins',
        displayName: 'CA004 - Require phishing-resistant multifactor authentication for admins',
        state: knobs.phishingResistantAdmins,
        includeRoles: [...ADMIN_POLICY_ROLES],
        authenticationStrength: { ...PHISHING_RESISTANT_STRENGTH, allowedCombinations: [...PHISHING_RESISTANT_STRENGTH.allowedCombinations] },
        ageDays: 120,
      }),
    );
  }
  if (knobs.decoys) {
    // Neither decoy guarantees MFA on every sign-in: an evaluator that counts them as "MFA for all" is wrong.
    out.push(
      policy(seed, now, {
        key: 'compliant-device',
        displayName: 'CA010 - Require compliant or hybrid joined device on Windows',
        state: 'enabled',
        includeUsers: ['All'],
        ...excluded(),
        platforms: { includePlatforms: ['windows'], excludePlatforms: [] },
        operator: 'OR',
        builtInControls: ['compliantDevice', 'domainJoinedDevice'],
        ageDays: 200,
      }),
    );
  }
  if (knobs.decoys && p2) {
    out.push(
      policy(seed, now, {
        key: 'risky-sign-in',
        displayName: 'CA011 - Require MFA for risky sign-ins',
        state: 'enabled',
        includeUsers: ['All'],
        signInRiskLevels: ['high', 'medium'],
        builtInControls: ['mfa'],
        ageDays: 150,
      }),
      // m365.risk_policies: user risk → MFA and a secure password change (Microsoft's template, CIS 5.2.2.6).
      policy(seed, now, {
        key: 'risky-user',
        displayName: 'CA012 - Require password change for high-risk users',
        state: 'enabled',
        includeUsers: ['All'],
        userRiskLevels: ['high'],
        operator: 'AND',
        builtInControls: ['mfa', 'passwordChange'],
        ageDays: 150,
      }),
    );
  }
  return out;
}
