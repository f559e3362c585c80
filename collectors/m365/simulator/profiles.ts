/**
 * Tenant profiles: knob presets that make Ratchet's DEFAULT rules (rules/default.yaml) infer a known level for an
 * m365-only tenant whose config declares recovery and monitoring out of scope (what `configFor` writes for a
 * simulated tenant without an RMM or backup product): capabilities identity and endpoint, endpoint gated only by
 * Intune device compliance there (device-compliance-basic ≥ 70 % L2, device-compliance ≥ 85 % L3,
 * device-compliance-high ≥ 95 % L4). Every measured value sits well clear of its threshold (dead band 2 points).
 *
 * | profile | identity                                                                    | MFA reg. | GAs | compliant | first scan: confirmed / potential |
 * |---------|-----------------------------------------------------------------------------|----------|-----|-----------|-----------------------------------|
 * | level1  | no security defaults, no CA; 1 GA and 2 other admins without MFA             | 15 %     | 5   | 30 %      | 1 / 1                             |
 * | level2  | CA: MFA for admin roles (enabled), every admin registered; all-users report-only | 65 %  | 5   | 78 %      | 2 / 2                             |
 * | level3  | + all-users MFA enabled (1 break-glass excluded), legacy-auth block          | 93 %     | 3   | 90 %      | 3 / 3                             |
 * | level4  | + phishing-resistant strength for admin roles                                | 99.5 %   | 3   | 97 %      | 3 / 5                             |
 * | level5  | as level4, with more headroom (secure score 86 %, no stale devices)          | 100 %    | 3   | 99 %      | 3 / 5                             |
 *
 * Device posture, Defender and SharePoint (posture-model.ts), chosen to sit clear of the new gates
 * (disk encryption ≥ 90 % L2 / ≥ 98 % L3, unsupported OS ≤ 2 % L2 / 0 L3; the Defender, stale-device, update-ring and
 * SharePoint rules are advisory):
 *
 * | profile | encrypted | unsupported OS | stale high alerts | triaged ≤ 24 h | WUfB rings | SharePoint sharing            |
 * |---------|-----------|----------------|-------------------|----------------|------------|-------------------------------|
 * | level1  | 45 %      | 22 %           | 4                 | 20 %           | 0          | externalUserAndGuestSharing   |
 * | level2  | 94 %      | 1 %            | 1                 | 70 %           | 1          | externalUserAndGuestSharing   |
 * | level3  | 100 %     | 0              | 0                 | 92 %           | 2          | externalUserSharingOnly       |
 * | level4/5| 100 %     | 0              | 0                 | 100 %          | 3          | externalUserSharingOnly       |
 *
 * Levels 4 and 5 read history (rules/README.md): the level-3 gates held over 90 days of at least weekly complete
 * scans, level 4 over 180 days, plus a strategy review attestation for 5. A fresh tenant has none, so level4 and
 * level5 data are confirmed 3 with potential 5 on the first scan; `ratchet demo` (simulate-history) stores weeks of
 * history so they confirm 4, and 5 with `--history-days 190`.
 */

import { isProfileName, PROFILE_NAMES, type ProfileName } from '../../../src/simulator/levels.js';
import { matchesAny, type FaultConfig } from '../../../src/simulator/faults.js';

export { isProfileName, PROFILE_NAMES, type ProfileName };

/**
 * Licence mix. `p2` = Microsoft 365 E5 (Entra ID P2 + Intune); `p1` = Microsoft 365 Business Premium (Entra ID P1 +
 * Intune); `none` = Microsoft 365 Business Standard (no AAD_PREMIUM, no INTUNE service plan): the registration
 * report then answers 403 Authentication_RequestFromNonPremiumTenantOrB2CTenant and managedDevices answers
 * 400 "Request not applicable to target tenant." as Intune does for unlicensed tenants.
 */
export type Licence = 'p2' | 'p1' | 'none';

/** State of one Conditional Access policy: absent, or present in one of Graph's states. */
export type PolicyState = 'enabled' | 'reportOnly' | 'disabled' | 'none';

export interface CaPolicyKnobs {
  /** "Require MFA for all users" on all cloud apps. */
  mfaAllUsers: PolicyState;
  /** "Require MFA for administrators" (includeRoles: Global Administrator and other admin role templates). */
  mfaAdmins: PolicyState;
  /** Built-in "Phishing-resistant MFA" authentication strength (id …0004) for the admin roles. */
  phishingResistantAdmins: PolicyState;
  /** "Block legacy authentication": all users, clientAppTypes exchangeActiveSync + other, grant block. */
  legacyBlock: PolicyState;
  /** Users excluded from the all-users MFA and legacy-auth policies (break-glass Global Administrators first). */
  excludedPrincipals: number;
  /** Add policies that must NOT count as MFA enforcement (compliant-device OR hybrid-join, risk-based MFA). */
  decoys: boolean;
}

export interface TenantKnobs {
  users: number;
  devices: number;
  /** Share (0–100) of enabled member accounts with isMfaRegistered. */
  mfaPct: number;
  /** Guest accounts (userType Guest). */
  guests: number;
  /** Disabled member accounts (accountEnabled false). */
  disabled: number;
  /** Enabled members holding any directory role, Global Administrators included. */
  admins: number;
  globalAdmins: number;
  globalAdminsWithoutMfa: number;
  /** Holders of other admin roles without MFA registered. */
  adminsWithoutMfa: number;
  caPolicies: CaPolicyKnobs;
  securityDefaults: boolean;
  /** Secure Score as a share (0–100) of the maximum. */
  secureScorePct: number;
  /** Share (0–100) of managed devices in complianceState compliant. */
  compliantPct: number;
  /** Share (0–100) of managed devices whose lastSyncDateTime is older than 30 days. */
  staleDevicesPct: number;
  licence: Licence;
  /**
   * What GET /identity/conditionalAccess/policies answers on a tenant without Entra ID P1 (Microsoft does not
   * document it: vendor-apis §1.1 UNVERIFIED): `empty` = 200 with no policies (default), `forbidden` = 403.
   */
  caWithoutPremium: 'empty' | 'forbidden';
  /** Device posture. Share (0–100) of managed devices reporting isEncrypted. */
  encryptedPct: number;
  /** Share (0–100) of managed devices on an OS build past end of servicing (rules/data/os-support.yaml). */
  unsupportedOsPct: number;
  /** Open high-severity Defender alerts older than 24 h (the stale backlog). */
  staleHighAlerts: number;
  /** Share (0–100) of the last 30 days' high alerts triaged within 24 h. */
  alertTriagePct: number;
  /** Windows Update for Business rings (assigned) and their quality-update deferral. */
  updateRings: number;
  qualityDeferralDays: number;
  /** SharePoint tenant sharingCapability. */
  sharingCapability: 'disabled' | 'existingExternalUserSharingOnly' | 'externalUserSharingOnly' | 'externalUserAndGuestSharing';
}

/** Knobs as accepted from callers: everything optional, CA knobs too. */
export type KnobOverrides = Partial<Omit<TenantKnobs, 'caPolicies'>> & { caPolicies?: Partial<CaPolicyKnobs> };

export interface ProfileDefinition {
  name: ProfileName;
  description: string;
  /** Confirmed level a first scan with the default rules should infer (recovery and monitoring out of scope). */
  expectedLevel: number;
  /** Potential level (unknown gates counted as passed). */
  expectedPotential: number;
  /** Guests and disabled accounts as shares of `users` when not given as counts. */
  guestShare: number;
  disabledShare: number;
  knobs: TenantKnobs;
}

const NO_CA: CaPolicyKnobs = {
  mfaAllUsers: 'none',
  mfaAdmins: 'none',
  phishingResistantAdmins: 'none',
  legacyBlock: 'none',
  excludedPrincipals: 0,
  decoys: false,
};

const LEVEL4: TenantKnobs = {
  users: 250,
  devices: 200,
  mfaPct: 99.5,
  guests: 0,
  disabled: 0,
  admins: 7,
  globalAdmins: 3,
  globalAdminsWithoutMfa: 0,
  adminsWithoutMfa: 0,
  caPolicies: {
    mfaAllUsers: 'enabled',
    mfaAdmins: 'enabled',
    phishingResistantAdmins: 'enabled',
    legacyBlock: 'enabled',
    excludedPrincipals: 1,
    decoys: true,
  },
  securityDefaults: false,
  secureScorePct: 75,
  compliantPct: 97,
  staleDevicesPct: 1,
  licence: 'p2',
  caWithoutPremium: 'empty',
  encryptedPct: 100,
  unsupportedOsPct: 0,
  staleHighAlerts: 0,
  alertTriagePct: 100,
  updateRings: 3,
  qualityDeferralDays: 3,
  sharingCapability: 'externalUserSharingOnly',
};

export const PROFILES: Readonly<Record<ProfileName, ProfileDefinition>> = {
  level1: {
    name: 'level1',
    description: 'Basic: no security defaults, no Conditional Access, 15 % MFA registration, 30 % compliant devices',
    expectedLevel: 1,
    expectedPotential: 1,
    guestShare: 0.08,
    disabledShare: 0.06,
    knobs: {
      ...LEVEL4,
      mfaPct: 15,
      admins: 9,
      globalAdmins: 5,
      globalAdminsWithoutMfa: 1,
      adminsWithoutMfa: 2,
      caPolicies: { ...NO_CA },
      secureScorePct: 22,
      compliantPct: 30,
      staleDevicesPct: 25,
      licence: 'p1',
      // Old Windows 10 / macOS Ventura left in service, unencrypted laptops, anyone-links on, ignored high alerts.
      encryptedPct: 45,
      unsupportedOsPct: 22,
      staleHighAlerts: 4,
      alertTriagePct: 20,
      updateRings: 0,
      sharingCapability: 'externalUserAndGuestSharing',
    },
  },
  level2: {
    name: 'level2',
    description: 'Managed: MFA enforced for admin roles by CA (all-users policy only report-only), 65 % registered, 78 % compliant',
    expectedLevel: 2,
    expectedPotential: 2,
    guestShare: 0.06,
    disabledShare: 0.05,
    knobs: {
      ...LEVEL4,
      mfaPct: 65,
      admins: 8,
      globalAdmins: 5,
      globalAdminsWithoutMfa: 0,
      // MFA for every admin role is a level-2 gate (CIS 6.5 IG1, ISM-1173).
      adminsWithoutMfa: 0,
      caPolicies: { ...NO_CA, mfaAllUsers: 'reportOnly', mfaAdmins: 'enabled' },
      secureScorePct: 41,
      compliantPct: 78,
      staleDevicesPct: 10,
      licence: 'p1',
      // Level-2 posture: ≥ 90 % encrypted, ≤ 2 % unsupported OS, one stale high alert, anyone-links still on.
      encryptedPct: 94,
      unsupportedOsPct: 1,
      staleHighAlerts: 1,
      alertTriagePct: 70,
      updateRings: 1,
      qualityDeferralDays: 7,
      sharingCapability: 'externalUserAndGuestSharing',
    },
  },
  level3: {
    name: 'level3',
    description: 'Defined: all-users MFA enforced (1 break-glass exclusion), legacy auth blocked, 93 % registered, 3 GAs, 90 % compliant',
    expectedLevel: 3,
    expectedPotential: 3,
    guestShare: 0.05,
    disabledShare: 0.04,
    knobs: {
      ...LEVEL4,
      mfaPct: 93,
      admins: 7,
      globalAdmins: 3,
      globalAdminsWithoutMfa: 0,
      adminsWithoutMfa: 0,
      caPolicies: { ...NO_CA, mfaAllUsers: 'enabled', mfaAdmins: 'enabled', legacyBlock: 'enabled', excludedPrincipals: 1, decoys: true },
      secureScorePct: 58,
      compliantPct: 90,
      staleDevicesPct: 4,
      licence: 'p1',
      encryptedPct: 100,
      unsupportedOsPct: 0,
      staleHighAlerts: 0,
      alertTriagePct: 92,
      updateRings: 2,
      qualityDeferralDays: 5,
    },
  },
  level4: {
    name: 'level4',
    description: 'Quantitatively managed data: + phishing-resistant MFA for admins, 99.5 % registered, 97 % compliant; level 4 once 90 days of history show it held',
    // Levels 4 and 5 read history: unknown on a fresh tenant, so confirmed 3 and potential 5.
    expectedLevel: 3,
    expectedPotential: 5,
    guestShare: 0.04,
    disabledShare: 0.03,
    knobs: { ...LEVEL4, caPolicies: { ...LEVEL4.caPolicies } },
  },
  level5: {
    name: 'level5',
    description: 'Optimizing data (level4 with more margin); confirmed 3 with potential 5 until history (90 / 180 days) and a strategy review exist',
    expectedLevel: 3,
    expectedPotential: 5,
    guestShare: 0.04,
    disabledShare: 0.03,
    knobs: { ...LEVEL4, mfaPct: 100, compliantPct: 99, staleDevicesPct: 0, secureScorePct: 86, caPolicies: { ...LEVEL4.caPolicies } },
  },
};

/** Knobs whose change can move a gate: when a caller overrides one, the profile's expected level no longer holds. */
export const GATING_KNOBS: readonly (keyof TenantKnobs)[] = [
  'mfaPct',
  'admins',
  'globalAdmins',
  'globalAdminsWithoutMfa',
  'adminsWithoutMfa',
  'caPolicies',
  'securityDefaults',
  'compliantPct',
  'licence',
  'caWithoutPremium',
  'encryptedPct',
  'unsupportedOsPct',
];

const STATES: readonly PolicyState[] = ['enabled', 'reportOnly', 'disabled', 'none'];

function policyState(value: unknown, path: string): PolicyState {
  if (value === true) return 'enabled';
  if (value === false) return 'none';
  if (typeof value === 'string' && (STATES as readonly string[]).includes(value)) return value as PolicyState;
  throw new Error(`${path}: expected one of ${STATES.join(', ')} (or a boolean), got ${JSON.stringify(value)}`);
}

function count(value: number, path: string): number {
  if (!Number.isInteger(value) || value < 0) throw new Error(`${path}: expected a non-negative integer, got ${value}`);
  return value;
}

function share(value: number, path: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 100) throw new Error(`${path}: expected a percentage 0–100, got ${value}`);
  return value;
}

/**
 * Merge a profile with caller overrides and validate the result. Guests and disabled accounts scale with `users`
 * unless given; admin counts are clamped so they always fit in the enabled member population.
 */
export function resolveKnobs(profile: ProfileName, overrides: KnobOverrides = {}): TenantKnobs {
  const def = PROFILES[profile];
  const base = def.knobs;
  const users = count(overrides.users ?? base.users, 'users');
  const guests = count(overrides.guests ?? Math.round(users * def.guestShare), 'guests');
  const disabled = count(overrides.disabled ?? Math.round(users * def.disabledShare), 'disabled');
  if (guests + disabled > users) throw new Error(`guests (${guests}) + disabled (${disabled}) exceed users (${users})`);
  const members = users - guests - disabled;
  const ca = { ...base.caPolicies, ...(overrides.caPolicies ?? {}) };
  const knobs: TenantKnobs = {
    users,
    devices: count(overrides.devices ?? base.devices, 'devices'),
    mfaPct: share(overrides.mfaPct ?? base.mfaPct, 'mfaPct'),
    guests,
    disabled,
    admins: 0,
    globalAdmins: 0,
    globalAdminsWithoutMfa: 0,
    adminsWithoutMfa: 0,
    caPolicies: {
      mfaAllUsers: policyState(ca.mfaAllUsers, 'caPolicies.mfaAllUsers'),
      mfaAdmins: policyState(ca.mfaAdmins, 'caPolicies.mfaAdmins'),
      phishingResistantAdmins: policyState(ca.phishingResistantAdmins, 'caPolicies.phishingResistantAdmins'),
      legacyBlock: policyState(ca.legacyBlock, 'caPolicies.legacyBlock'),
      excludedPrincipals: count(ca.excludedPrincipals, 'caPolicies.excludedPrincipals'),
      decoys: Boolean(ca.decoys),
    },
    securityDefaults: overrides.securityDefaults ?? base.securityDefaults,
    secureScorePct: share(overrides.secureScorePct ?? base.secureScorePct, 'secureScorePct'),
    compliantPct: share(overrides.compliantPct ?? base.compliantPct, 'compliantPct'),
    staleDevicesPct: share(overrides.staleDevicesPct ?? base.staleDevicesPct, 'staleDevicesPct'),
    licence: overrides.licence ?? base.licence,
    caWithoutPremium: overrides.caWithoutPremium ?? base.caWithoutPremium,
    encryptedPct: share(overrides.encryptedPct ?? base.encryptedPct, 'encryptedPct'),
    unsupportedOsPct: share(overrides.unsupportedOsPct ?? base.unsupportedOsPct, 'unsupportedOsPct'),
    staleHighAlerts: count(overrides.staleHighAlerts ?? base.staleHighAlerts, 'staleHighAlerts'),
    alertTriagePct: share(overrides.alertTriagePct ?? base.alertTriagePct, 'alertTriagePct'),
    updateRings: count(overrides.updateRings ?? base.updateRings, 'updateRings'),
    qualityDeferralDays: count(overrides.qualityDeferralDays ?? base.qualityDeferralDays, 'qualityDeferralDays'),
    sharingCapability: overrides.sharingCapability ?? base.sharingCapability,
  };
  if (!['p2', 'p1', 'none'].includes(knobs.licence)) throw new Error(`licence: expected p2, p1 or none, got ${JSON.stringify(knobs.licence)}`);
  if (!['empty', 'forbidden'].includes(knobs.caWithoutPremium)) throw new Error(`caWithoutPremium: expected empty or forbidden, got ${JSON.stringify(knobs.caWithoutPremium)}`);
  if (knobs.securityDefaults && knobs.licence !== 'none' && Object.values(knobs.caPolicies).some((s) => s === 'enabled')) {
    // Entra refuses to enable security defaults while Conditional Access policies are on; mirror that.
    throw new Error('securityDefaults cannot be true while a Conditional Access policy is enabled (Entra does not allow both)');
  }
  // Admins must be enabled members; clamp rather than fail so tiny tenants stay valid.
  knobs.admins = Math.min(count(overrides.admins ?? base.admins, 'admins'), members);
  knobs.globalAdmins = Math.min(count(overrides.globalAdmins ?? base.globalAdmins, 'globalAdmins'), knobs.admins);
  knobs.globalAdminsWithoutMfa = Math.min(count(overrides.globalAdminsWithoutMfa ?? base.globalAdminsWithoutMfa, 'globalAdminsWithoutMfa'), knobs.globalAdmins);
  knobs.adminsWithoutMfa = Math.min(count(overrides.adminsWithoutMfa ?? base.adminsWithoutMfa, 'adminsWithoutMfa'), knobs.admins - knobs.globalAdmins);
  knobs.caPolicies.excludedPrincipals = Math.min(knobs.caPolicies.excludedPrincipals, members);
  return knobs;
}

/** Did the caller override a knob that can move a gate? (Then the profile's expected level is not promised.) */
export function overridesGatingKnob(overrides: KnobOverrides | undefined): boolean {
  if (!overrides) return false;
  return GATING_KNOBS.some((k) => overrides[k] !== undefined);
}

/** Endpoints whose loss (403, malformed, schema) leaves a level-2 gate unknown with the default rules. */
const GATING_PATHS = [
  '/reports/authenticationMethods/userRegistrationDetails',
  '/users',
  '/identity/conditionalAccess/policies',
  '/policies/identitySecurityDefaultsEnforcementPolicy',
  '/roleManagement/directory/roleAssignments',
  '/deviceManagement/managedDevices',
];

/**
 * What a fresh scan should infer. Fault-free (or only transient faults the collector retries through): the
 * profile's promise. A whole gating endpoint lost to 403/malformed/schema faults leaves a level-2 gate unknown:
 * confirmed 1, potential unchanged (a permission gap must never look like a security failure).
 */
export function expectedLevelFor(profile: ProfileName, knobs: KnobOverrides | undefined, faults: FaultConfig): { level: number | null; potential: number | null } {
  if (overridesGatingKnob(knobs)) return { level: null, potential: null };
  const def = PROFILES[profile];
  const lost = GATING_PATHS.some((p) => matchesAny(faults.forbidden, p) || matchesAny(faults.malformed, p) || matchesAny(faults.schemaViolation, p));
  return { level: lost ? 1 : def.expectedLevel, potential: def.expectedPotential };
}
