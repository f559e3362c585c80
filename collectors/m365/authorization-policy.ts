/**
 * `m365.guest_access` and `m365.user_consent` from the tenant's authorizationPolicy (GET /policies/authorizationPolicy).
 *
 * Guests: CIS Microsoft 365 Foundations 5.1.6.2 (guest access restricted: the Restricted Guest User role) and 5.1.6.3
 * (only admins and the Guest Inviter role may invite). User consent: CIS 5.1.5.1 (users may not consent to apps) and
 * 5.1.2.2 (users may not register applications).
 */
import type { AuthorizationPolicy } from './identity-schema.js';

/** Built-in role template ids Entra uses for guestUserRoleId (authorizationPolicy resource, v1.0). */
export const GUEST_ROLES = {
  member: 'a0b1b346-4d3e-4e8b-98f8-753987be4970',
  guest: '10dae51f-b6af-4016-8d66-8c2a99b929b3',
  restrictedGuest: '2af84b1e-32c8-42b7-82bc-daa82404023b',
} as const;

export interface GuestAccessValue extends Record<string, unknown> {
  allowInvitesFrom: string;
  /** Only admins and holders of the Guest Inviter role (or no one) may invite. */
  invitesRestricted: boolean;
  /** Guests get the Restricted Guest User role (they cannot enumerate users and groups). */
  guestAccessRestricted: boolean;
  guestRole: 'member' | 'guest' | 'restricted_guest' | 'unknown';
  guestUserRoleId: string | null;
}

export function deriveGuestAccess(p: AuthorizationPolicy): GuestAccessValue {
  const roleId = (p.guestUserRoleId ?? '').toLowerCase();
  const guestRole =
    roleId === GUEST_ROLES.restrictedGuest ? 'restricted_guest' : roleId === GUEST_ROLES.guest ? 'guest' : roleId === GUEST_ROLES.member ? 'member' : 'unknown';
  const invites = p.allowInvitesFrom;
  return {
    allowInvitesFrom: invites,
    // An unknown future value is not taken as restricted: nothing unknown counts in the tenant's favour.
    invitesRestricted: invites === 'none' || invites === 'adminsAndGuestInviters',
    guestAccessRestricted: guestRole === 'restricted_guest',
    guestRole,
    guestUserRoleId: p.guestUserRoleId ?? null,
  };
}

export type UserConsent = 'none' | 'low_impact' | 'all_apps' | 'custom' | 'unknown';

export interface UserConsentValue extends Record<string, unknown> {
  /**
   * none: users cannot consent (admin consent only); low_impact: verified publishers, low-impact permissions only
   * (microsoft-user-default-low); all_apps: any app, any user-consentable permission (microsoft-user-default-legacy);
   * custom: a tenant-defined permission grant policy; unknown: the policy carried no consent list at all.
   */
  userConsent: UserConsent;
  /** No consent, or Microsoft's low-impact policy only; null when Graph did not say (see unknownReasons). */
  consentRestricted: boolean | null;
  usersCanRegisterApps: boolean;
  consentPolicies: string[];
  unknownReasons?: Record<string, string>;
}

const SELF_CONSENT = 'managepermissiongrantsforself.';
const OWNED_RESOURCE_CONSENT = 'managepermissiongrantsforownedresource.';

/**
 * The user-consent policy ids of the tenant. v1.0 carries them in defaultUserRolePermissions.permissionGrantPoliciesAssigned
 * (`managePermissionGrantsForSelf.{id}`; the Get example shows a bare id, `just-user-read`), beta in the top-level
 * permissionGrantPolicyIdsAssignedToDefaultUserRole; both are read, the top-level one first when present. Group/team
 * owner consent (`ManagePermissionGrantsForOwnedResource.*`) is not user consent. null: neither list was sent.
 */
function selfConsentPolicies(p: AuthorizationPolicy): string[] | null {
  const ids = p.permissionGrantPolicyIdsAssignedToDefaultUserRole ?? p.defaultUserRolePermissions.permissionGrantPoliciesAssigned;
  if (ids === null) return null;
  return ids
    .map((id) => id.toLowerCase())
    .filter((id) => !id.startsWith(OWNED_RESOURCE_CONSENT))
    .map((id) => (id.startsWith(SELF_CONSENT) ? id.slice(SELF_CONSENT.length) : id));
}

export function deriveUserConsent(p: AuthorizationPolicy): UserConsentValue {
  const selfPolicies = selfConsentPolicies(p);
  const usersCanRegisterApps = p.defaultUserRolePermissions.allowedToCreateApps;
  if (selfPolicies === null) {
    // "An empty list indicates user consent to apps is disabled": an absent list is not an empty one, so it never
    // reads as disabled.
    return {
      userConsent: 'unknown',
      consentRestricted: null,
      usersCanRegisterApps,
      consentPolicies: [],
      unknownReasons: {
        consentRestricted:
          'the authorizationPolicy carried no consent policy list (defaultUserRolePermissions.permissionGrantPoliciesAssigned), so user consent could not be read',
      },
    };
  }
  let userConsent: UserConsent;
  if (selfPolicies.length === 0) userConsent = 'none';
  else if (selfPolicies.includes('microsoft-user-default-legacy')) userConsent = 'all_apps';
  else if (selfPolicies.every((id) => id === 'microsoft-user-default-low')) userConsent = 'low_impact';
  else userConsent = 'custom';
  return {
    userConsent,
    // A custom policy may grant anything: not taken as restricted.
    consentRestricted: userConsent === 'none' || userConsent === 'low_impact',
    usersCanRegisterApps,
    consentPolicies: selfPolicies,
  };
}
