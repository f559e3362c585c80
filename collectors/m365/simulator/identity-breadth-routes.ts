/**
 * Identity breadth endpoints (issue 17): authorizationPolicy, authenticationMethodsPolicy, the PIM schedules of
 * Global Administrator, verified domains' password expiry, and users filtered on signInActivity. Payload shapes
 * follow Microsoft's documented examples (api-reference/v1.0). Settings follow the tenant's profile, so the demo
 * levels differ believably: level1 lets everyone invite guests and consent to any app with SMS and voice on,
 * level4/5 restrict both and use PIM.
 */
import { pct } from '../../../src/domain/evidence.js';
import { guid } from '../../../src/simulator/ids.js';
import { hash32 } from '../../../src/simulator/prng.js';
import { GraphHttpError, nextLink, parseQuery, queryScope } from './odata.js';
import { ROLE_TEMPLATES } from './policies.js';
import type { ProfileName, TenantKnobs } from './profiles.js';
import type { SkipTokens } from './odata.js';

/*
 * The slices of the tenant model and of the route request this module reads, declared here (structurally) rather
 * than imported: tenant-model.ts and graph-routes.ts import this module, and a type import back would be a cycle.
 */
export interface IdentityUser {
  index: number;
  rank: number;
  kind: 'globalAdmin' | 'admin' | 'guest' | 'disabled' | 'member';
  enabled: boolean;
  guest: boolean;
  admin: boolean;
  breakGlass: boolean;
  registered: boolean;
}

export interface IdentityTenant {
  readonly tenantId: string;
  readonly domain: string;
  readonly seed: number;
  readonly profile: ProfileName;
  readonly knobs: TenantKnobs;
  readonly now: Date;
  readonly userCount: number;
  readonly premium: boolean;
  userCore(index: number): IdentityUser;
  user(core: IdentityUser): Record<string, unknown>;
  methods(core: IdentityUser): { email: boolean };
  userId(index: number): string;
  userIndexOfRank(rank: number): number;
}

interface RouteRequest {
  path: string;
  params: URLSearchParams;
  tenant: IdentityTenant;
  baseUrl: string;
  skipTokens: SkipTokens;
}

interface RouteResult {
  status: number;
  headers: Record<string, string>;
  body?: unknown;
}

const DAY = 86_400_000;
const NEVER_EXPIRES = 2_147_483_647;
const RESTRICTED_GUEST = '2af84b1e-32c8-42b7-82bc-daa82404023b';
const GUEST_USER = '10dae51f-b6af-4016-8d66-8c2a99b929b3';

export interface IdentitySettings {
  allowInvitesFrom: 'everyone' | 'adminsGuestInvitersAndAllMembers' | 'adminsAndGuestInviters' | 'none';
  guestUserRoleId: string;
  /** ManagePermissionGrantsForSelf.* policy ids (empty = admin consent only). */
  consent: string[];
  allowedToCreateApps: boolean;
  sms: boolean;
  voice: boolean;
  tap: boolean;
  fido2: boolean;
  passwordValidityDays: number;
  /** Shares of enabled members / guests with no successful sign-in for > 90 days. */
  inactiveMembers: number;
  inactiveGuests: number;
  /** A holder of another admin role idle ~60 days (privileged inactive > 45 d). */
  idleAdmin: boolean;
}

export const IDENTITY_SETTINGS: Readonly<Record<ProfileName, IdentitySettings>> = {
  level1: {
    allowInvitesFrom: 'everyone',
    guestUserRoleId: GUEST_USER,
    consent: ['ManagePermissionGrantsForSelf.microsoft-user-default-legacy'],
    allowedToCreateApps: true,
    sms: true,
    voice: true,
    tap: false,
    fido2: false,
    passwordValidityDays: 90,
    inactiveMembers: 0.12,
    inactiveGuests: 0.45,
    idleAdmin: true,
  },
  level2: {
    allowInvitesFrom: 'adminsGuestInvitersAndAllMembers',
    guestUserRoleId: GUEST_USER,
    consent: ['ManagePermissionGrantsForSelf.microsoft-user-default-low'],
    allowedToCreateApps: true,
    sms: true,
    voice: false,
    tap: false,
    fido2: false,
    passwordValidityDays: 90,
    inactiveMembers: 0.06,
    inactiveGuests: 0.3,
    idleAdmin: true,
  },
  level3: {
    allowInvitesFrom: 'adminsAndGuestInviters',
    guestUserRoleId: RESTRICTED_GUEST,
    consent: ['ManagePermissionGrantsForSelf.microsoft-user-default-low'],
    allowedToCreateApps: false,
    sms: false,
    voice: false,
    tap: true,
    fido2: true,
    passwordValidityDays: NEVER_EXPIRES,
    inactiveMembers: 0.01,
    inactiveGuests: 0.15,
    idleAdmin: false,
  },
  level4: {
    allowInvitesFrom: 'adminsAndGuestInviters',
    guestUserRoleId: RESTRICTED_GUEST,
    consent: [],
    allowedToCreateApps: false,
    sms: false,
    voice: false,
    tap: true,
    fido2: true,
    passwordValidityDays: NEVER_EXPIRES,
    inactiveMembers: 0.008,
    inactiveGuests: 0.05,
    idleAdmin: false,
  },
  level5: {
    allowInvitesFrom: 'adminsAndGuestInviters',
    guestUserRoleId: RESTRICTED_GUEST,
    consent: [],
    allowedToCreateApps: false,
    sms: false,
    voice: false,
    tap: true,
    fido2: true,
    passwordValidityDays: NEVER_EXPIRES,
    inactiveMembers: 0.004,
    inactiveGuests: 0.05,
    idleAdmin: false,
  },
};

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export function settingsOf(t: IdentityTenant): IdentitySettings {
  return IDENTITY_SETTINGS[t.profile];
}

// ------------------------------------------------------------------------------------------------ sign-in activity
/** Last successful sign-in of a user (ms), or null when none is on record; plus the creation time it is judged by. */
export function lastSuccessfulSignIn(t: IdentityTenant, core: IdentityUser): { last: number | null; created: number } {
  const last = lastSuccessMs(t, core);
  const created = Date.parse(String(t.user(core).createdDateTime));
  // Accounts with no sign-in on record are old enough to count (they were created before the 90-day window).
  return { last, created: last === null ? Math.min(created, t.now.getTime() - 120 * DAY) : created };
}

/** The last successful sign-in alone (ms, or null): cheap, no row is built — the filters scan every user with it. */
function lastSuccessMs(t: IdentityTenant, core: IdentityUser): number | null {
  const s = settingsOf(t);
  const now = t.now.getTime();
  const days = (salt: string, from: number, span: number) => from + (hash32(t.seed, salt, core.index) % span);
  // Break-glass accounts are signed in to monthly (their test), so they are never dormant.
  if (core.breakGlass) return now - days('signin-bg', 1, 28) * DAY;
  const idleAdmin = s.idleAdmin && core.kind === 'admin' && core.rank === t.knobs.globalAdmins;
  if (idleAdmin) return now - 60 * DAY;
  // Exact shares by rank (like every other attribute of the model), so a profile's value never drifts over a gate.
  const k = t.knobs;
  const regularStart = k.admins + k.guests + k.disabled;
  let dormant = -1;
  if (core.guest) {
    const g = core.rank - k.admins;
    if (g < Math.round(s.inactiveGuests * k.guests)) dormant = g;
  } else if (core.kind === 'member') {
    const regular = k.users - regularStart;
    const j = core.rank - regularStart - Math.floor(regular / 2);
    if (j >= 0 && j < Math.floor(s.inactiveMembers * regular)) dormant = j;
  }
  if (dormant >= 0) {
    // A quarter of the dormant accounts never signed in (null on record), the rest did long ago.
    if (dormant % 4 === 3) return null;
    return now - days('signin-old', 91, 600) * DAY;
  }
  return now - days('signin-recent', 0, 30) * DAY - (hash32(t.seed, 'signin-min', core.index) % 1440) * 60_000;
}

function signInRow(t: IdentityTenant, core: IdentityUser): Record<string, unknown> {
  const u = t.user(core);
  const { last, created } = lastSuccessfulSignIn(t, core);
  return {
    id: u.id,
    userPrincipalName: u.userPrincipalName,
    userType: u.userType,
    accountEnabled: u.accountEnabled,
    createdDateTime: iso(created),
    signInActivity: {
      lastSignInDateTime: last === null ? null : iso(last),
      lastSignInRequestId: last === null ? null : guid(t.seed, 'signin-req', core.index),
      lastNonInteractiveSignInDateTime: last === null ? null : iso(last),
      lastNonInteractiveSignInRequestId: last === null ? null : guid(t.seed, 'signin-ni-req', core.index),
      lastSuccessfulSignInDateTime: last === null ? null : iso(last),
      lastSuccessfulSignInRequestId: last === null ? null : guid(t.seed, 'signin-ok-req', core.index),
    },
  };
}

/** `signInActivity/lastSuccessfulSignInDateTime le {iso}` or `… eq null`: the forms the collector sends. */
function parseSignInFilter(text: string): { op: 'le' | 'eq'; value: number | null } {
  const m = /^\s*signInActivity\/(lastSuccessfulSignInDateTime|lastSignInDateTime|lastNonInteractiveSignInDateTime)\s+(le|eq)\s+(null|\d{4}-\d\d-\d\dT[\d:.]+Z)\s*$/i.exec(text);
  if (!m) {
    // Graph: signInActivity filters cannot be combined with other properties.
    throw new GraphHttpError(400, 'Request_UnsupportedQuery', 'Unsupported or invalid query filter clause specified for property \'signInActivity\' of resource \'User\'.');
  }
  const value = m[3]!.toLowerCase() === 'null' ? null : Date.parse(m[3]!);
  if (m[2]!.toLowerCase() === 'le' && value === null) throw new GraphHttpError(400, 'Request_BadRequest', 'Invalid filter clause');
  return { op: m[2]!.toLowerCase() as 'le' | 'eq', value };
}

function routeSignInUsers(req: RouteRequest, filterText: string): RouteResult {
  const t = req.tenant;
  if (!t.premium) {
    throw new GraphHttpError(403, 'Authentication_RequestFromNonPremiumTenantOrB2CTenant', "Neither tenant is B2C or tenant doesn't have premium license");
  }
  const f = parseSignInFilter(filterText);
  // The generic OData parser knows `eq` only: the signInActivity clause was parsed above.
  const rest = new URLSearchParams(req.params);
  rest.delete('$filter');
  const q = parseQuery(rest);
  // "When signInActivity is selected or filtered on, the maximum page size is 500" (List users, v1.0).
  const top = Math.min(q.top ?? 100, 500);
  const scope = queryScope(req.path, req.params);
  const start = q.skiptoken ? req.skipTokens.decode(q.skiptoken, `${t.tenantId}|${scope}`) : 0;
  const matches = (i: number) => {
    const last = lastSuccessMs(t, t.userCore(i));
    return f.op === 'eq' ? last === null : last !== null && last <= f.value!;
  };
  const value: Record<string, unknown>[] = [];
  let i = start;
  for (; i < t.userCount && value.length < top; i++) if (matches(i)) value.push(pick(signInRow(t, t.userCore(i)), q.select));
  let next: number | null = null;
  for (; i < t.userCount; i++) {
    if (matches(i)) {
      next = i;
      break;
    }
  }
  const body: Record<string, unknown> = { '@odata.context': `${req.baseUrl}/v1.0/$metadata#users` };
  if (next !== null) body['@odata.nextLink'] = nextLink(req.baseUrl, req.path, req.params, req.skipTokens.encode(next, `${t.tenantId}|${scope}`));
  body.value = value;
  return ok(body);
}

function pick(row: Record<string, unknown>, select: readonly string[] | null): Record<string, unknown> {
  if (!select) return row;
  const lower = select.map((s) => s.toLowerCase());
  return Object.fromEntries(Object.entries(row).filter(([k]) => k === 'id' || lower.includes(k.toLowerCase())));
}

function ok(body: unknown): RouteResult {
  return { status: 200, headers: { 'Content-Type': 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8', 'OData-Version': '4.0' }, body };
}

// ------------------------------------------------------------------------------------------------ policies
export function authorizationPolicy(t: IdentityTenant, baseUrl: string): Record<string, unknown> {
  const s = settingsOf(t);
  return {
    '@odata.context': `${baseUrl}/v1.0/$metadata#policies/authorizationPolicy/$entity`,
    id: 'authorizationPolicy',
    allowInvitesFrom: s.allowInvitesFrom,
    allowedToSignUpEmailBasedSubscriptions: true,
    allowedToUseSSPR: true,
    allowEmailVerifiedUsersToJoinOrganization: false,
    allowUserConsentForRiskyApps: null,
    blockMsolPowerShell: t.profile === 'level4' || t.profile === 'level5',
    description: 'Used to manage authorization related settings across the company.',
    displayName: 'Authorization Policy',
    enabledPreviewFeatures: [],
    guestUserRoleId: s.guestUserRoleId,
    defaultUserRolePermissions: {
      allowedToCreateApps: s.allowedToCreateApps,
      // v1.0 carries the consent policies here (defaultUserRolePermissions resource); the top-level
      // permissionGrantPolicyIdsAssignedToDefaultUserRole is the beta name.
      permissionGrantPoliciesAssigned: [...s.consent, 'ManagePermissionGrantsForOwnedResource.microsoft-dynamically-managed-permissions-for-team'],
      allowedToCreateSecurityGroups: t.profile === 'level1',
      allowedToCreateTenants: t.profile === 'level1',
      allowedToReadBitlockerKeysForOwnedDevice: true,
      allowedToReadOtherUsers: true,
    },
  };
}

export function authenticationMethodsPolicy(t: IdentityTenant, baseUrl: string): Record<string, unknown> {
  const s = settingsOf(t);
  const state = (on: boolean) => (on ? 'enabled' : 'disabled');
  const all = [{ targetType: 'group', id: 'all_users', isRegistrationRequired: false }];
  return {
    '@odata.context': `${baseUrl}/v1.0/$metadata#authenticationMethodsPolicy`,
    id: 'authenticationMethodsPolicy',
    displayName: 'Authentication Methods Policy',
    description: 'The tenant-wide policy that controls which authentication methods are allowed in the tenant, authentication method registration requirements, and self-service password reset settings',
    lastModifiedDateTime: iso(t.now.getTime() - 40 * DAY),
    policyVersion: '1.5',
    policyMigrationState: t.profile === 'level1' ? 'preMigration' : 'migrationComplete',
    registrationEnforcement: { authenticationMethodsRegistrationCampaign: { snoozeDurationInDays: 1, state: 'default', excludeTargets: [], includeTargets: [{ id: 'all_users', targetType: 'group', targetedAuthenticationMethod: 'microsoftAuthenticator' }] } },
    authenticationMethodConfigurations: [
      { '@odata.type': '#microsoft.graph.fido2AuthenticationMethodConfiguration', id: 'Fido2', state: state(s.fido2), isSelfServiceRegistrationAllowed: true, isAttestationEnforced: true, keyRestrictions: { isEnforced: false, enforcementType: 'block', aaGuids: [] }, includeTargets: all },
      { '@odata.type': '#microsoft.graph.microsoftAuthenticatorAuthenticationMethodConfiguration', id: 'MicrosoftAuthenticator', state: 'enabled', featureSettings: { displayAppInformationRequiredState: { state: 'enabled' }, displayLocationInformationRequiredState: { state: 'enabled' } }, includeTargets: [{ ...all[0], authenticationMode: 'any' }] },
      { '@odata.type': '#microsoft.graph.smsAuthenticationMethodConfiguration', id: 'Sms', state: state(s.sms), includeTargets: [{ ...all[0], isUsableForSignIn: s.sms }] },
      { '@odata.type': '#microsoft.graph.voiceAuthenticationMethodConfiguration', id: 'Voice', state: state(s.voice), isOfficePhoneAllowed: false, includeTargets: all },
      { '@odata.type': '#microsoft.graph.temporaryAccessPassAuthenticationMethodConfiguration', id: 'TemporaryAccessPass', state: state(s.tap), defaultLifetimeInMinutes: 60, defaultLength: 8, minimumLifetimeInMinutes: 60, maximumLifetimeInMinutes: 480, isUsableOnce: true, includeTargets: all },
      { '@odata.type': '#microsoft.graph.emailAuthenticationMethodConfiguration', id: 'Email', state: 'enabled', allowExternalIdToUseEmailOtp: 'default', includeTargets: [] },
    ],
  };
}

// ------------------------------------------------------------------------------------------------ PIM
/**
 * Global Administrator schedules. With P2 and PIM in use (level4/5), break-glass accounts stay permanently assigned
 * and the other GAs are eligible; otherwise every GA is a standing assignment. Without P2 Graph refuses PIM reads.
 */
export function gaSchedules(t: IdentityTenant, kind: 'eligible' | 'active'): Record<string, unknown>[] {
  const pimInUse = t.knobs.licence === 'p2' && (t.profile === 'level4' || t.profile === 'level5');
  const out: Record<string, unknown>[] = [];
  for (let rank = 0; rank < t.knobs.globalAdmins; rank++) {
    const core = t.userCore(t.userIndexOfRank(rank));
    const eligible = pimInUse && !core.breakGlass;
    if ((kind === 'eligible') !== eligible) continue;
    const start = iso(t.now.getTime() - (200 + rank) * DAY);
    out.push({
      id: guid(t.seed, `pim-${kind}`, rank),
      principalId: t.userId(core.index),
      roleDefinitionId: ROLE_TEMPLATES.globalAdministrator,
      directoryScopeId: '/',
      appScopeId: null,
      createdUsing: guid(t.seed, `pim-${kind}`, rank),
      createdDateTime: start,
      modifiedDateTime: null,
      status: 'Provisioned',
      memberType: 'Direct',
      ...(kind === 'active' ? { assignmentType: 'Assigned' } : {}),
      scheduleInfo: {
        startDateTime: start,
        recurrence: null,
        expiration: eligible ? { type: 'afterDateTime', endDateTime: iso(t.now.getTime() + 165 * DAY), duration: null } : { type: 'noExpiration', endDateTime: null, duration: null },
      },
    });
  }
  return out;
}

function routeSchedules(req: RouteRequest, kind: 'eligible' | 'active', context: string): RouteResult {
  const t = req.tenant;
  if (t.knobs.licence !== 'p2') {
    throw new GraphHttpError(403, 'AadPremiumLicenseRequired', 'The tenant needs an AAD Premium 2 license.');
  }
  const filter = req.params.get('$filter');
  let rows = gaSchedules(t, kind);
  const m = filter ? /^roleDefinitionId eq '([0-9a-f-]+)'$/i.exec(filter.trim()) : null;
  if (filter && !m) throw new GraphHttpError(400, 'BadRequest', 'Invalid filter clause');
  if (m && m[1]!.toLowerCase() !== ROLE_TEMPLATES.globalAdministrator) rows = [];
  const select = parseQuery(req.params).select;
  return ok({ '@odata.context': `${req.baseUrl}/v1.0/$metadata#${context}`, value: rows.map((r) => pick(r, select)) });
}

// ------------------------------------------------------------------------------------------------ domains
export function domains(t: IdentityTenant): Record<string, unknown>[] {
  const s = settingsOf(t);
  const row = (id: string, initial: boolean) => ({
    id,
    authenticationType: 'Managed',
    availabilityStatus: null,
    isAdminManaged: true,
    isDefault: !initial,
    isInitial: initial,
    isRoot: true,
    isVerified: true,
    passwordNotificationWindowInDays: 14,
    passwordValidityPeriodInDays: s.passwordValidityDays,
    supportedServices: initial ? ['Email', 'OfficeCommunicationsOnline'] : ['Email', 'OfficeCommunicationsOnline', 'Intune'],
    state: null,
  });
  return [row(t.domain, true), row(t.domain.replace(/\.onmicrosoft\.com$/, '.example'), false)];
}

/** The identity breadth routes; null when the request is not one of them. */
export function routeIdentityBreadth(req: RouteRequest, segs: readonly string[]): RouteResult | null {
  const is = (i: number, name: string) => segs[i]?.toLowerCase() === name.toLowerCase();
  const t = req.tenant;
  if (is(0, 'users') && segs.length === 1) {
    const filter = req.params.get('$filter');
    if (filter && /signInActivity\//i.test(filter)) return routeSignInUsers(req, filter);
    return null;
  }
  if (is(0, 'policies') && segs.length === 2) {
    if (is(1, 'authorizationPolicy')) return ok(authorizationPolicy(t, req.baseUrl));
    if (is(1, 'authenticationMethodsPolicy')) return ok(authenticationMethodsPolicy(t, req.baseUrl));
  }
  if (is(0, 'roleManagement') && is(1, 'directory') && segs.length === 3) {
    if (is(2, 'roleEligibilitySchedules')) return routeSchedules(req, 'eligible', 'roleManagement/directory/roleEligibilitySchedules');
    if (is(2, 'roleAssignmentSchedules')) return routeSchedules(req, 'active', 'roleManagement/directory/roleAssignmentSchedules');
  }
  if (is(0, 'domains') && segs.length === 1) {
    const select = parseQuery(req.params).select;
    return ok({ '@odata.context': `${req.baseUrl}/v1.0/$metadata#domains`, value: domains(t).map((r) => pick(r, select)) });
  }
  return null;
}

// ------------------------------------------------------------------------------------------------ truth
/** What a correct collector must report for the identity breadth keys (TenantTruth.identity). */
export interface IdentityTruth {
  inactive: { members: number; membersInactive90d: number; membersInactivePct: number | null; guests: number; guestsInactive90d: number; privileged: number; privilegedInactive45d: number } | null;
  guestAccess: { allowInvitesFrom: string; invitesRestricted: boolean; guestAccessRestricted: boolean };
  userConsent: { userConsent: string; consentRestricted: boolean; usersCanRegisterApps: boolean };
  authMethods: { smsEnabled: boolean; voiceEnabled: boolean; weakMethodsEnabled: boolean; tapEnabled: boolean; fido2Enabled: boolean };
  sspr: { eligible: number; registered: number; pct: number | null } | null;
  pim: { eligible: number; permanent: number; inUse: boolean } | null;
  riskPolicies: { signInRisk: boolean; userRisk: boolean; both: boolean } | null;
  passwordExpiry: { domains: number; expiringDomains: number; neverExpire: boolean };
}

export function identityTruth(t: IdentityTenant): IdentityTruth {
  const s = settingsOf(t);
  const now = t.now.getTime();
  let members = 0;
  let membersIdle = 0;
  let guests = 0;
  let guestsIdle = 0;
  let privileged = 0;
  let privilegedIdle = 0;
  let sspr = 0;
  for (let i = 0; i < t.userCount; i++) {
    const core = t.userCore(i);
    if (!core.enabled) continue;
    const { last, created } = lastSuccessfulSignIn(t, core);
    const idleDays = (now - (last ?? created)) / DAY;
    if (core.admin) {
      privileged += 1;
      if (idleDays >= 45) privilegedIdle += 1;
    }
    if (core.guest) {
      guests += 1;
      if (idleDays >= 90) guestsIdle += 1;
    } else {
      members += 1;
      if (idleDays >= 90) membersIdle += 1;
      if (core.registered || t.methods(core).email) sspr += 1;
    }
  }
  const p2 = t.knobs.licence === 'p2';
  const eligible = gaSchedules(t, 'eligible').length;
  const permanent = p2 ? gaSchedules(t, 'active').length : 0;
  const riskOn = p2 && t.knobs.caPolicies.decoys;
  return {
    inactive: t.premium ? { members, membersInactive90d: membersIdle, membersInactivePct: pct(membersIdle, members), guests, guestsInactive90d: guestsIdle, privileged, privilegedInactive45d: privilegedIdle } : null,
    guestAccess: {
      allowInvitesFrom: s.allowInvitesFrom,
      invitesRestricted: s.allowInvitesFrom === 'adminsAndGuestInviters' || s.allowInvitesFrom === 'none',
      guestAccessRestricted: s.guestUserRoleId === RESTRICTED_GUEST,
    },
    userConsent: {
      userConsent: s.consent.length === 0 ? 'none' : s.consent.some((c) => c.endsWith('legacy')) ? 'all_apps' : 'low_impact',
      consentRestricted: !s.consent.some((c) => c.endsWith('legacy')),
      usersCanRegisterApps: s.allowedToCreateApps,
    },
    authMethods: { smsEnabled: s.sms, voiceEnabled: s.voice, weakMethodsEnabled: s.sms || s.voice, tapEnabled: s.tap, fido2Enabled: s.fido2 },
    sspr: t.premium ? { eligible: members, registered: sspr, pct: pct(sspr, members) } : null,
    pim: p2 ? { eligible, permanent, inUse: eligible > 0 } : null,
    riskPolicies: p2 ? { signInRisk: riskOn, userRisk: riskOn, both: riskOn } : null,
    passwordExpiry: { domains: 2, expiringDomains: s.passwordValidityDays === NEVER_EXPIRES ? 0 : 2, neverExpire: s.passwordValidityDays === NEVER_EXPIRES },
  };
}

// ------------------------------------------------------------------------------------------------ admin accounts
/** Licensed GA accounts per profile (daily accounts with a mailbox): level1 all, level2 2, level3 1, level4/5 none. */
const LICENSED_GAS: Readonly<Record<ProfileName, number>> = { level1: Infinity, level2: 2, level3: 1, level4: 0, level5: 0 };
const SKU_E3 = '05e9a617-0261-4cee-bb44-138d3ef5d965';

/** assignedLicenses and onPremisesSyncEnabled of a role holder, as the expanded principal carries them. */
export function gaAccountFacts(t: IdentityTenant, core: IdentityUser): { assignedLicenses: Array<{ disabledPlans: string[]; skuId: string }>; onPremisesSyncEnabled: boolean | null } {
  const licensed = !core.breakGlass && core.rank < LICENSED_GAS[t.profile];
  // level1 syncs its first Global Administrator from on-premises AD; everyone else is cloud-only (null = never synced).
  const synced = t.profile === 'level1' && core.rank === 0;
  return { assignedLicenses: licensed ? [{ disabledPlans: [], skuId: SKU_E3 }] : [], onPremisesSyncEnabled: synced ? true : null };
}

export function gaAccountTruth(t: IdentityTenant): { globalAdminsLicensed: number; globalAdminsSynced: number } {
  let licensed = 0;
  let synced = 0;
  for (let rank = 0; rank < t.knobs.globalAdmins; rank++) {
    const f = gaAccountFacts(t, t.userCore(t.userIndexOfRank(rank)));
    if (f.assignedLicenses.length > 0) licensed += 1;
    if (f.onPremisesSyncEnabled) synced += 1;
  }
  return { globalAdminsLicensed: licensed, globalAdminsSynced: synced };
}
