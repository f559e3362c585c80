/**
 * One simulated tenant: a deterministic, lazily computed directory (users, registration, authentication methods,
 * role assignments), Intune devices, policies, licences and Secure Score.
 *
 * Layout: every user has a *position* (listing order) and a *rank* (= a seeded permutation of the position).
 * Attributes are assigned by rank range, so shares are exact and scattered through the listing:
 *
 *   rank 0 … G-1          Global Administrators (break-glass accounts first; those without MFA last)
 *   rank G … A-1          holders of other admin roles (those without MFA last)
 *   rank A … +guests      guests (userType Guest)
 *   next +disabled        disabled members (accountEnabled false)
 *   rest                  enabled members; the first `regularRegistered` of them (by rank) have MFA
 *
 * Only O(1) state per tenant is kept; a row is built when a page asks for it. Policies, role assignments and Secure
 * Score history are small and built once.
 */
import { pct } from '../../../src/domain/evidence.js';
import { code, guid, indexFromId, indexedId, opaque } from '../../../src/simulator/ids.js';
import { hasIntune, hasPremium, subscribedSkus } from './licences.js';
import { DEPARTMENTS, FIRST_NAMES, JOB_TITLES, LAST_NAMES, PARTNER_DOMAINS } from './names.js';
import { Permutation } from '../../../src/simulator/permutation.js';
import { deviceEncrypted, postureTruth, simulatedOsVersion, type PostureTruth } from './posture-model.js';
import { domainLabel } from '../../../src/simulator/tenant-spec.js';
import { conditionalAccessPolicies, OTHER_ADMIN_ROLES, ROLE_TEMPLATES, securityDefaultsPolicy } from './policies.js';
import { hash32, pick, seedOf, unitFloat } from '../../../src/simulator/prng.js';
import { gaAccountFacts, gaAccountTruth, identityTruth, type IdentityTruth } from './identity-breadth-routes.js';
import { PROFILES, resolveKnobs, type KnobOverrides, type ProfileName, type TenantKnobs } from './profiles.js';

const DAY = 86_400_000;

export interface TenantInput {
  /** Directory (tenant) id, a GUID. */
  id: string;
  name: string;
  /** Seed of every generated value (number or string). */
  seed: number | string;
  profile: ProfileName;
  knobs?: KnobOverrides;
  /** Initial domain; default `<name-slug>.onmicrosoft.com`. */
  domain?: string;
  /** Reference time for every generated timestamp; default now. Fix it to compare two generations byte for byte. */
  now?: Date;
}

export type UserKind = 'globalAdmin' | 'admin' | 'guest' | 'disabled' | 'member';

/** The cheap facts of one user (no strings): enough to filter and count without building rows. */
export interface UserCore {
  index: number;
  rank: number;
  kind: UserKind;
  enabled: boolean;
  guest: boolean;
  admin: boolean;
  globalAdmin: boolean;
  breakGlass: boolean;
  /** Excluded from the all-users CA policies (break-glass directly, the others as members of the exclusion group). */
  excluded: boolean;
  registered: boolean;
}

/** Authentication methods a user has registered (flags, so rows can be derived consistently). */
export interface MethodSet {
  authenticator: boolean;
  phone: boolean;
  fido2: boolean;
  windowsHello: boolean;
  softwareOath: boolean;
  email: boolean;
}

export interface DeviceCore {
  index: number;
  compliant: boolean;
  stale: boolean;
  complianceState: 'compliant' | 'noncompliant' | 'inGracePeriod' | 'unknown' | 'configManager';
}

/** Ground truth in the evidence vocabulary (DESIGN §6): what a correct collector must report for this tenant. */
export interface TenantTruth {
  registration: { eligible: number; registered: number; pct: number | null; admins: number; adminsRegistered: number; adminPct: number | null };
  enforcement: {
    mode: 'conditional_access' | 'security_defaults' | 'none';
    allUsers: boolean;
    adminsEnforced: boolean;
    /** Raw excluded ids of the enabled all-users MFA policy: break-glass users + the exclusion group. */
    excludedPrincipals: number;
    /** Distinct excluded users (group expanded); 0 under security defaults; null without an enabled all-users policy. */
    excludedUsers: number | null;
    phishingResistantAdmins: boolean;
  };
  legacyAuth: { blocked: boolean };
  admins: { globalAdmins: number; globalAdminsWithoutMfa: number };
  devices: { total: number; compliant: number; pct: number | null; stale30d: number };
  secureScore: { current: number; max: number; pct: number | null };
  licences: { entraP1: boolean; entraP2: boolean; intune: boolean };
  users: { total: number; guests: number; disabled: number; enabledMembers: number };
  /** Identity breadth keys (identity-breadth-routes.ts). */
  identity: IdentityTruth;
  /** Encryption, stale devices, OS currency, Defender alerts, update rings, SharePoint sharing (posture-model.ts). */
  posture: PostureTruth;
}

const NON_COMPLIANT_STATES = ['noncompliant', 'noncompliant', 'noncompliant', 'noncompliant', 'noncompliant', 'noncompliant', 'inGracePeriod', 'inGracePeriod', 'unknown', 'configManager'] as const;

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

export class TenantModel {
  readonly tenantId: string;
  readonly name: string;
  readonly domain: string;
  readonly seed: number;
  readonly profile: ProfileName;
  readonly knobs: TenantKnobs;
  readonly now: Date;

  private readonly userPerm: Permutation;
  private readonly compliancePerm: Permutation;
  private readonly stalePerm: Permutation;
  // Rank boundaries (see the file comment).
  private readonly gaEnd: number;
  private readonly adminEnd: number;
  private readonly guestEnd: number;
  private readonly disabledEnd: number;
  private readonly breakGlass: number;
  private readonly gaUnregisteredFrom: number;
  private readonly adminUnregisteredFrom: number;
  private readonly regularRegistered: number;
  private readonly regularExcluded: number;
  private readonly compliantCount: number;
  private readonly staleCount: number;
  private cache: {
    policies?: Record<string, unknown>[];
    assignments?: Record<string, unknown>[];
    scores?: Record<string, unknown>[];
    counts: Map<string, number>;
  } = { counts: new Map() };

  constructor(input: TenantInput) {
    this.tenantId = input.id.toLowerCase();
    this.name = input.name;
    this.domain = input.domain ?? `${domainLabel({ name: input.name })}.onmicrosoft.com`;
    this.seed = seedOf(input.seed);
    this.profile = input.profile;
    if (!PROFILES[input.profile]) throw new Error(`unknown profile ${JSON.stringify(input.profile)}`);
    this.knobs = resolveKnobs(input.profile, input.knobs);
    this.now = input.now ?? new Date();
    const k = this.knobs;

    this.userPerm = new Permutation(k.users, hash32(this.seed, 'users'));
    this.compliancePerm = new Permutation(k.devices, hash32(this.seed, 'compliance'));
    this.stalePerm = new Permutation(k.devices, hash32(this.seed, 'stale'));

    this.gaEnd = k.globalAdmins;
    this.adminEnd = k.admins;
    this.guestEnd = this.adminEnd + k.guests;
    this.disabledEnd = this.guestEnd + k.disabled;
    this.breakGlass = Math.min(k.caPolicies.excludedPrincipals, k.globalAdmins);
    this.regularExcluded = k.caPolicies.excludedPrincipals - this.breakGlass;
    // Break-glass accounts always have a (FIDO2) method: an unregistered break-glass account is useless.
    this.gaUnregisteredFrom = Math.max(this.breakGlass, this.gaEnd - k.globalAdminsWithoutMfa);
    this.adminUnregisteredFrom = this.adminEnd - k.adminsWithoutMfa;

    const eligible = k.users - k.guests - k.disabled;
    const regular = k.users - this.disabledEnd;
    const adminsRegistered = this.gaUnregisteredFrom + (this.adminUnregisteredFrom - this.gaEnd);
    const target = Math.round((k.mfaPct / 100) * eligible);
    this.regularRegistered = Math.max(0, Math.min(regular, target - adminsRegistered));

    this.compliantCount = Math.round((k.compliantPct / 100) * k.devices);
    this.staleCount = Math.round((k.staleDevicesPct / 100) * k.devices);
  }

  get userCount(): number {
    return this.knobs.users;
  }

  get deviceCount(): number {
    return this.knobs.devices;
  }

  get premium(): boolean {
    return hasPremium(this.knobs.licence);
  }

  get intune(): boolean {
    return hasIntune(this.knobs.licence);
  }

  /** Memoised counts of filtered collections (a filter is re-counted once per tenant generation, not per page). */
  memoCount(key: string, compute: () => number): number {
    let n = this.cache.counts.get(key);
    if (n === undefined) {
      n = compute();
      this.cache.counts.set(key, n);
    }
    return n;
  }

  // ------------------------------------------------------------------------------------------------ users
  userCore(index: number): UserCore {
    const rank = this.userPerm.forward(index);
    let kind: UserKind;
    let registered: boolean;
    let excluded = false;
    if (rank < this.gaEnd) {
      kind = 'globalAdmin';
      registered = rank < this.gaUnregisteredFrom;
      excluded = rank < this.breakGlass;
    } else if (rank < this.adminEnd) {
      kind = 'admin';
      registered = rank < this.adminUnregisteredFrom;
    } else if (rank < this.guestEnd) {
      kind = 'guest';
      registered = unitFloat(this.seed, 'guest-mfa', index) < 0.4;
    } else if (rank < this.disabledEnd) {
      kind = 'disabled';
      registered = unitFloat(this.seed, 'disabled-mfa', index) < 0.5;
    } else {
      kind = 'member';
      const j = rank - this.disabledEnd;
      registered = j < this.regularRegistered;
      // Extra exclusions beyond the break-glass accounts come from the end of the regular range.
      excluded = j >= this.knobs.users - this.disabledEnd - this.regularExcluded;
    }
    return {
      index,
      rank,
      kind,
      enabled: kind !== 'disabled',
      guest: kind === 'guest',
      admin: kind === 'globalAdmin' || kind === 'admin',
      globalAdmin: kind === 'globalAdmin',
      breakGlass: kind === 'globalAdmin' && rank < this.breakGlass,
      excluded,
      registered,
    };
  }

  userId(index: number): string {
    return indexedId(this.seed, 'user', index);
  }

  userIndexFromId(id: string): number | null {
    return indexFromId(this.seed, 'user', id, this.knobs.users);
  }

  /** Listing position of the user with the given rank (used to find admins without scanning). */
  userIndexOfRank(rank: number): number {
    return this.userPerm.inverse(rank);
  }

  private person(index: number): { first: string; last: string } {
    return { first: pick(FIRST_NAMES, this.seed, 'first', index), last: pick(LAST_NAMES, this.seed, 'last', index) };
  }

  userPrincipalName(core: UserCore): string {
    const { first, last } = this.person(core.index);
    if (core.breakGlass) return `breakglass${String(core.rank + 1).padStart(2, '0')}@${this.domain}`;
    const local = `${first}.${last}${core.index}`.toLowerCase();
    if (core.guest) {
      const partner = pick(PARTNER_DOMAINS, this.seed, 'partner', core.index);
      return `${local}_${partner}#EXT#@${this.domain}`;
    }
    if (core.admin) return `adm.${local}@${this.domain}`;
    return `${local}@${this.domain}`;
  }

  displayName(core: UserCore): string {
    const { first, last } = this.person(core.index);
    if (core.breakGlass) return `Break Glass ${core.rank + 1}`;
    return core.admin ? `${first} ${last} (Admin)` : `${first} ${last}`;
  }

  /** A `user` resource (the properties this simulator knows; $select picks from these). */
  user(core: UserCore): Record<string, unknown> {
    const { first, last } = this.person(core.index);
    const upn = this.userPrincipalName(core);
    const mail = core.guest ? `${first}.${last}${core.index}@${pick(PARTNER_DOMAINS, this.seed, 'partner', core.index)}`.toLowerCase() : upn;
    const created = new Date(this.now.getTime() - (30 + (hash32(this.seed, 'created', core.index) % 2000)) * DAY);
    return {
      id: this.userId(core.index),
      displayName: this.displayName(core),
      givenName: core.breakGlass ? null : first,
      surname: core.breakGlass ? null : last,
      userPrincipalName: upn,
      mail: core.breakGlass ? null : mail,
      userType: core.guest ? 'Guest' : 'Member',
      accountEnabled: core.enabled,
      jobTitle: core.guest || core.breakGlass ? null : pick(JOB_TITLES, this.seed, 'title', core.index),
      department: core.guest || core.breakGlass ? null : pick(DEPARTMENTS, this.seed, 'dept', core.index),
      usageLocation: core.guest ? null : 'US',
      createdDateTime: created.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      onPremisesSyncEnabled: null,
      businessPhones: [],
      mobilePhone: null,
      officeLocation: null,
      preferredLanguage: core.guest ? null : 'en-US',
    };
  }

  methods(core: UserCore): MethodSet {
    const r = (salt: string) => unitFloat(this.seed, salt, core.index);
    if (core.breakGlass) return { authenticator: false, phone: false, fido2: true, windowsHello: false, softwareOath: false, email: false };
    if (!core.registered) return { authenticator: false, phone: false, fido2: false, windowsHello: false, softwareOath: false, email: r('email') < 0.3 };
    const authenticator = core.admin || r('authenticator') < 0.85;
    return {
      authenticator,
      // Everyone registered has at least one second factor: without the app, a phone.
      phone: !authenticator || r('phone') < 0.35,
      fido2: core.admin && this.knobs.caPolicies.phishingResistantAdmins !== 'none',
      windowsHello: !core.guest && r('whfb') < 0.2,
      softwareOath: r('oath') < 0.05,
      email: r('email') < 0.3,
    };
  }

  /** A `userRegistrationDetails` row (reports/authenticationMethods). */
  registrationDetails(core: UserCore): Record<string, unknown> {
    const m = this.methods(core);
    const registeredMethods: string[] = [];
    if (m.email) registeredMethods.push('email');
    if (m.phone) registeredMethods.push('mobilePhone');
    if (m.authenticator) registeredMethods.push('microsoftAuthenticatorPush');
    if (m.softwareOath) registeredMethods.push('softwareOneTimePasscode');
    if (m.windowsHello) registeredMethods.push('windowsHelloForBusiness');
    if (m.fido2) registeredMethods.push('fido2');
    const sspr = core.registered || m.email;
    const updated = new Date(this.now.getTime() - (hash32(this.seed, 'reg-updated', core.index) % (48 * 60)) * 60_000);
    return {
      id: this.userId(core.index),
      userPrincipalName: this.userPrincipalName(core),
      userDisplayName: this.displayName(core),
      userType: core.guest ? 'guest' : 'member',
      isAdmin: core.admin,
      isSsprRegistered: sspr,
      isSsprEnabled: !core.guest,
      isSsprCapable: sspr && !core.guest,
      isMfaRegistered: core.registered,
      isMfaCapable: core.registered,
      isPasswordlessCapable: m.fido2 || m.windowsHello,
      methodsRegistered: registeredMethods,
      isSystemPreferredAuthenticationMethodEnabled: true,
      systemPreferredAuthenticationMethods: m.fido2 ? ['Fido2'] : m.authenticator ? ['PushNotification'] : m.phone ? ['Sms'] : [],
      userPreferredMethodForSecondaryAuthentication: m.authenticator ? 'push' : m.phone ? 'sms' : 'none',
      defaultMfaMethod: m.authenticator ? 'microsoftAuthenticatorPush' : m.phone ? 'mobilePhone' : 'none',
      lastUpdatedDateTime: updated.toISOString(),
    };
  }

  /** `GET /users/{id}/authentication/methods` items, consistent with the registration flag. */
  authenticationMethods(core: UserCore): Record<string, unknown>[] {
    const m = this.methods(core);
    const created = (salt: string) => new Date(this.now.getTime() - (5 + (hash32(this.seed, salt, core.index) % 700)) * DAY).toISOString();
    const { first } = this.person(core.index);
    const out: Record<string, unknown>[] = [
      {
        '@odata.type': '#microsoft.graph.passwordAuthenticationMethod',
        // Microsoft uses this fixed id for every user's password method.
        id: '28c10230-6103-485e-b985-444c60001490',
        password: null,
        createdDateTime: created('pwd'),
      },
    ];
    if (m.email) {
      out.push({
        '@odata.type': '#microsoft.graph.emailAuthenticationMethod',
        id: '3ddfcfc8-9383-446f-83cc-3ab9be4be18f',
        emailAddress: `${first.toLowerCase()}${core.index}@outlook.example`,
      });
    }
    if (m.phone) {
      out.push({
        '@odata.type': '#microsoft.graph.phoneAuthenticationMethod',
        id: '3179e48a-750b-4051-897c-87b9720928f7',
        phoneNumber: `+1 555${String(hash32(this.seed, 'phone', core.index) % 10_000_000).padStart(7, '0')}`,
        phoneType: 'mobile',
        smsSignInState: 'notAllowedByPolicy',
      });
    }
    if (m.authenticator) {
      out.push({
        '@odata.type': '#microsoft.graph.microsoftAuthenticatorAuthenticationMethod',
        id: guid(this.seed, 'authenticator', core.index),
        displayName: `${first}'s ${unitFloat(this.seed, 'os', core.index) < 0.55 ? 'iPhone' : 'Pixel'}`,
        deviceTag: 'SoftwareTokenActivated',
        phoneAppVersion: '6.8.17',
        createdDateTime: created('authenticator'),
      });
    }
    if (m.softwareOath) {
      out.push({ '@odata.type': '#microsoft.graph.softwareOathAuthenticationMethod', id: guid(this.seed, 'oath', core.index), secretKey: null });
    }
    if (m.windowsHello) {
      out.push({
        '@odata.type': '#microsoft.graph.windowsHelloForBusinessAuthenticationMethod',
        id: opaque(43, this.seed, 'whfb', core.index),
        displayName: `DESKTOP-${code(7, this.seed, 'whfb-device', core.index)}`,
        createdDateTime: created('whfb'),
        keyStrength: 'normal',
      });
    }
    if (m.fido2) {
      out.push({
        '@odata.type': '#microsoft.graph.fido2AuthenticationMethod',
        id: opaque(43, this.seed, 'fido2', core.index),
        displayName: 'YubiKey 5 NFC',
        createdDateTime: created('fido2'),
        aaGuid: 'cb69481e-8ff7-4039-93ec-0a2729a154a8',
        model: 'YubiKey 5 Series',
        attestationCertificates: [],
        attestationLevel: 'attested',
      });
    }
    return out;
  }

  // ------------------------------------------------------------------------------------------------ roles
  /** Active directory role assignments: one per admin (GA or another role) plus an app's Directory Readers. */
  roleAssignments(): Record<string, unknown>[] {
    if (this.cache.assignments) return this.cache.assignments;
    const out: Record<string, unknown>[] = [];
    for (let rank = 0; rank < this.adminEnd; rank++) {
      const core = this.userCore(this.userIndexOfRank(rank));
      const role = core.globalAdmin ? ROLE_TEMPLATES.globalAdministrator : OTHER_ADMIN_ROLES[hash32(this.seed, 'role', rank) % OTHER_ADMIN_ROLES.length]!;
      const u = this.user(core);
      out.push({
        id: `${opaque(43, this.seed, 'assignment', rank)}-1`,
        principalId: u.id,
        directoryScopeId: '/',
        roleDefinitionId: role,
        principal: {
          '@odata.type': '#microsoft.graph.user',
          id: u.id,
          deletedDateTime: null,
          accountEnabled: u.accountEnabled,
          displayName: u.displayName,
          givenName: u.givenName,
          surname: u.surname,
          userPrincipalName: u.userPrincipalName,
          userType: u.userType,
          mail: u.mail,
          jobTitle: u.jobTitle,
          // dedicated admin accounts (identity-breadth-routes.ts gaAccountFacts).
          ...gaAccountFacts(this, core),
        },
      });
    }
    // A service principal holding a read-only role: it must not be counted as a Global Administrator.
    const spId = guid(this.seed, 'service-principal', 'backup');
    out.push({
      id: `${opaque(43, this.seed, 'assignment', 'sp')}-1`,
      principalId: spId,
      directoryScopeId: '/',
      roleDefinitionId: ROLE_TEMPLATES.directoryReaders,
      principal: {
        '@odata.type': '#microsoft.graph.servicePrincipal',
        id: spId,
        deletedDateTime: null,
        accountEnabled: true,
        displayName: 'Backup connector',
        appId: guid(this.seed, 'app', 'backup'),
        servicePrincipalType: 'Application',
      },
    });
    // Graph lists assignments in no promised order; shuffle deterministically so nothing relies on GA-first.
    out.sort((a, b) => hash32(this.seed, 'order', String(a.id)) - hash32(this.seed, 'order', String(b.id)));
    this.cache.assignments = out;
    return out;
  }

  // ------------------------------------------------------------------------------------------------ policies
  /** Break-glass accounts: excluded from the all-users CA policies by id. */
  breakGlassIds(): string[] {
    const ids: string[] = [];
    for (let rank = 0; rank < this.breakGlass; rank++) ids.push(this.userId(this.userIndexOfRank(rank)));
    return ids;
  }

  /** The "MFA exclusions" security group the all-users CA policies exclude (always present; may be empty). */
  get exclusionGroupId(): string {
    return guid(this.seed, 'group', 'ca-mfa-exclusions');
  }

  /** Security groups (`/groups`): only the exclusion group matters to the collector. */
  groups(): Record<string, unknown>[] {
    return [
      {
        id: this.exclusionGroupId,
        displayName: 'CA - MFA exclusions',
        description: 'Accounts exempted from the all-users MFA Conditional Access policy (review quarterly)',
        createdDateTime: new Date(this.now.getTime() - 310 * DAY).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        groupTypes: [],
        mailEnabled: false,
        mailNickname: 'ca-mfa-exclusions',
        securityEnabled: true,
        isAssignableToRole: false,
        visibility: null,
      },
    ];
  }

  /** Transitive user members of a group (nesting is not simulated); null for a group this tenant does not have. */
  groupUserCount(groupId: string): number | null {
    return groupId.toLowerCase() === this.exclusionGroupId ? this.regularExcluded : null;
  }

  conditionalAccessPolicies(): Record<string, unknown>[] {
    if (!this.premium) return [];
    const exclusions = { userIds: this.breakGlassIds(), groupId: this.exclusionGroupId };
    this.cache.policies ??= conditionalAccessPolicies(this.seed, this.now, this.knobs.caPolicies, exclusions, this.knobs.licence === 'p2');
    return this.cache.policies;
  }

  securityDefaults(): Record<string, unknown> {
    return securityDefaultsPolicy(this.knobs.securityDefaults);
  }

  subscribedSkus(): Record<string, unknown>[] {
    const k = this.knobs;
    const members = k.users - k.guests;
    return subscribedSkus(this.seed, this.tenantId, k.licence, members + 5, members - k.disabled);
  }

  // ------------------------------------------------------------------------------------------------ score
  get maxSecureScore(): number {
    return this.knobs.licence === 'p2' ? 382 : this.knobs.licence === 'p1' ? 291 : 198;
  }

  /** 90 daily snapshots, newest first (Graph keeps 90). The newest is exactly `secureScorePct` of the maximum. */
  secureScores(): Record<string, unknown>[] {
    if (this.cache.scores) return this.cache.scores;
    const max = this.maxSecureScore;
    const today = Date.UTC(this.now.getUTCFullYear(), this.now.getUTCMonth(), this.now.getUTCDate());
    const k = this.knobs;
    const out: Record<string, unknown>[] = [];
    for (let d = 0; d < 90; d++) {
      const drift = d === 0 ? 0 : d * 0.04 + unitFloat(this.seed, 'score', d) * 1.5;
      const share = Math.max(0, k.secureScorePct - drift);
      const current = round2((share / 100) * max);
      const date = new Date(today - d * DAY).toISOString();
      out.push({
        id: `${this.tenantId}_${date.slice(0, 10)}`,
        azureTenantId: this.tenantId,
        activeUserCount: k.users - k.disabled,
        createdDateTime: date.replace('.000Z', 'Z'),
        currentScore: current,
        enabledServices: ['HasExchange', 'HasSharePoint', 'HasOD4B', 'HasMCS'],
        licensedUserCount: k.users - k.guests - k.disabled,
        maxScore: max,
        vendorInformation: { provider: 'SecureScore', providerVersion: null, subProvider: null, vendor: 'Microsoft' },
        averageComparativeScores: [
          { basis: 'AllTenants', averageScore: 41.23 },
          { basis: 'TotalSeats', averageScore: 38.9, seatSizeRangeLowerValue: '100', seatSizeRangeUpperValue: '499' },
        ],
        controlScores: [
          { controlCategory: 'Identity', controlName: 'MFARegistrationV2', description: 'Ensure all users can complete multifactor authentication', score: round2(9 * (k.mfaPct / 100)) },
          { controlCategory: 'Identity', controlName: 'BlockLegacyAuthentication', description: 'Block legacy authentication', score: k.caPolicies.legacyBlock === 'enabled' || k.securityDefaults ? 8 : 0 },
          { controlCategory: 'Identity', controlName: 'AdminMFAV2', description: 'Ensure multifactor authentication is enabled for all users in administrative roles', score: k.caPolicies.mfaAdmins === 'enabled' || k.securityDefaults ? 10 : 0 },
          { controlCategory: 'Device', controlName: 'IntuneCompliance', description: 'Require devices to be compliant', score: round2(6 * (k.compliantPct / 100)) },
        ],
      });
    }
    this.cache.scores = out;
    return out;
  }

  // ------------------------------------------------------------------------------------------------ devices
  deviceCore(index: number): DeviceCore {
    const compliant = this.compliancePerm.forward(index) < this.compliantCount;
    const stale = this.stalePerm.forward(index) < this.staleCount;
    const complianceState = compliant ? 'compliant' : pick(NON_COMPLIANT_STATES, this.seed, 'state', index);
    return { index, compliant, stale, complianceState };
  }

  deviceId(index: number): string {
    return indexedId(this.seed, 'device', index);
  }

  deviceIndexFromId(id: string): number | null {
    return indexFromId(this.seed, 'device', id, this.knobs.devices);
  }

  /** A `managedDevice` resource. */
  device(core: DeviceCore): Record<string, unknown> {
    const i = core.index;
    const os = unitFloat(this.seed, 'dev-os', i);
    // The primary user: some enabled member (or any user in a tenant without members).
    const regular = this.knobs.users - this.disabledEnd;
    const owner =
      this.knobs.users === 0
        ? null
        : this.userCore(regular > 0 ? this.userIndexOfRank(this.disabledEnd + (hash32(this.seed, 'owner', i) % regular)) : hash32(this.seed, 'owner', i) % this.knobs.users);
    const ownerName = owner ? this.person(owner.index).first : 'Shared';
    let operatingSystem: string;
    let osVersion: string;
    let deviceName: string;
    let model: string;
    let manufacturer: string;
    if (os < 0.65) {
      operatingSystem = 'Windows';
      osVersion = simulatedOsVersion(this, operatingSystem, i);
      deviceName = `${unitFloat(this.seed, 'form', i) < 0.6 ? 'LAPTOP' : 'DESKTOP'}-${code(7, this.seed, 'devname', i)}`;
      model = pick(['Latitude 7440', 'ThinkPad T14 Gen 4', 'EliteBook 840 G10', 'Surface Laptop 5'], this.seed, 'model', i);
      manufacturer = model.startsWith('Latitude') ? 'Dell Inc.' : model.startsWith('ThinkPad') ? 'LENOVO' : model.startsWith('Elite') ? 'HP' : 'Microsoft Corporation';
    } else if (os < 0.75) {
      operatingSystem = 'macOS';
      osVersion = simulatedOsVersion(this, operatingSystem, i);
      deviceName = `${ownerName}'s MacBook Pro`;
      model = 'MacBook Pro';
      manufacturer = 'Apple';
    } else if (os < 0.9) {
      operatingSystem = 'iOS';
      osVersion = simulatedOsVersion(this, operatingSystem, i);
      deviceName = `${ownerName}'s iPhone`;
      model = 'iPhone 15';
      manufacturer = 'Apple';
    } else {
      operatingSystem = 'Android';
      osVersion = simulatedOsVersion(this, operatingSystem, i);
      deviceName = `${ownerName}_Android_${code(4, this.seed, 'android', i)}`;
      model = 'Pixel 8';
      manufacturer = 'Google';
    }
    const syncAgoMs = core.stale
      ? (31 + (hash32(this.seed, 'stale-days', i) % 150)) * DAY + (hash32(this.seed, 'stale-min', i) % 1440) * 60_000
      : (hash32(this.seed, 'sync', i) % (5 * 24 * 60)) * 60_000;
    const enrolledAgoDays = 40 + (hash32(this.seed, 'enrolled', i) % 900);
    const ownerUser = owner ? this.user(owner) : null;
    return {
      id: this.deviceId(i),
      userId: ownerUser?.id ?? null,
      deviceName,
      managedDeviceOwnerType: 'company',
      enrolledDateTime: new Date(this.now.getTime() - enrolledAgoDays * DAY).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      lastSyncDateTime: new Date(this.now.getTime() - syncAgoMs).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      operatingSystem,
      complianceState: core.complianceState,
      jailBroken: 'False',
      managementAgent: 'mdm',
      osVersion,
      easActivated: operatingSystem === 'iOS' || operatingSystem === 'Android',
      easDeviceId: code(16, this.seed, 'eas', i),
      azureADRegistered: true,
      deviceEnrollmentType: operatingSystem === 'Windows' ? 'windowsAzureADJoin' : 'userEnrollment',
      emailAddress: ownerUser?.mail ?? null,
      azureADDeviceId: guid(this.seed, 'aad-device', i),
      deviceRegistrationState: 'registered',
      isSupervised: operatingSystem === 'iOS',
      // BitLocker/FileVault share from the profile's encryptedPct (posture-model.ts).
      isEncrypted: deviceEncrypted(this, i),
      userPrincipalName: ownerUser?.userPrincipalName ?? null,
      model,
      manufacturer,
      serialNumber: code(10, this.seed, 'serial', i),
      userDisplayName: ownerUser?.displayName ?? null,
      totalStorageSpaceInBytes: 255_060_000_768,
      freeStorageSpaceInBytes: 80_000_000_000 + (hash32(this.seed, 'free', i) % 100_000_000_000),
      managedDeviceName: `${ownerName}_${operatingSystem}_${code(4, this.seed, 'mdn', i)}`,
      partnerReportedThreatState: 'unknown',
    };
  }

  // ------------------------------------------------------------------------------------------------ truth
  truth(): TenantTruth {
    const k = this.knobs;
    const eligible = k.users - k.guests - k.disabled;
    const adminsRegistered = this.gaUnregisteredFrom + (this.adminUnregisteredFrom - this.gaEnd);
    const registered = adminsRegistered + this.regularRegistered;
    const ca = k.caPolicies;
    const premium = this.premium;
    const sd = k.securityDefaults;
    // How many it excludes does not decide "all users" (the rules gate excludedUsers with a plain number).
    const allUsersCa = premium && ca.mfaAllUsers === 'enabled';
    const adminsCa = premium && (allUsersCa || ca.mfaAdmins === 'enabled' || ca.phishingResistantAdmins === 'enabled');
    const anyMfaCa = premium && (ca.mfaAllUsers === 'enabled' || ca.mfaAdmins === 'enabled' || ca.phishingResistantAdmins === 'enabled');
    const scores = this.secureScores()[0]!;
    return {
      registration: {
        eligible,
        registered,
        pct: pct(registered, eligible),
        admins: k.admins,
        adminsRegistered,
        adminPct: pct(adminsRegistered, k.admins),
      },
      enforcement: {
        mode: sd ? 'security_defaults' : anyMfaCa ? 'conditional_access' : 'none',
        allUsers: sd || allUsersCa,
        adminsEnforced: sd || adminsCa,
        // Break-glass ids + the exclusion group.
        excludedPrincipals: allUsersCa ? this.breakGlass + 1 : 0,
        excludedUsers: sd ? 0 : allUsersCa ? this.breakGlass + this.regularExcluded : null,
        phishingResistantAdmins: !sd && premium && ca.phishingResistantAdmins === 'enabled',
      },
      legacyAuth: { blocked: sd || (premium && ca.legacyBlock === 'enabled') },
      admins: { globalAdmins: k.globalAdmins, globalAdminsWithoutMfa: this.gaEnd - this.gaUnregisteredFrom, ...gaAccountTruth(this) },
      devices: { total: k.devices, compliant: this.compliantCount, pct: pct(this.compliantCount, k.devices), stale30d: this.staleCount },
      secureScore: { current: scores.currentScore as number, max: this.maxSecureScore, pct: pct(scores.currentScore as number, this.maxSecureScore) },
      licences: { entraP1: premium, entraP2: k.licence === 'p2', intune: this.intune },
      users: { total: k.users, guests: k.guests, disabled: k.disabled, enabledMembers: eligible },
      identity: identityTruth(this),
      posture: postureTruth(this, (i) => this.deviceCore(i).stale),
    };
  }
}

export function generateTenant(input: TenantInput): TenantModel {
  return new TenantModel(input);
}
