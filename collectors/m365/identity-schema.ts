/**
 * zod schemas of the identity breadth responses, from Microsoft's documented examples (microsoft-graph-docs-contrib,
 * api-reference/v1.0): loose on what we don't read, strict on what decides a value.
 */
import { z } from 'zod';

const dateTime = z.iso.datetime({ offset: true });

// ---------------------------------------------------------------------------------------------- authorizationPolicy
/** A consent list as Graph sent it: null/absent stays null (not told), which is not the documented empty list. */
const consentList = z.array(z.string()).nullish().transform((v) => v ?? null);

export const authorizationPolicy = z.looseObject({
  /** none | adminsAndGuestInviters | adminsGuestInvitersAndAllMembers | everyone (a string: future values must not fail). */
  allowInvitesFrom: z.string(),
  /** Role template id given to guests: User, Guest User or Restricted Guest User. */
  guestUserRoleId: z.string().nullish(),
  /**
   * beta (and the PowerShell/Learn consent how-tos, which PATCH it): `ManagePermissionGrantsForSelf.{policy id}`
   * (user consent) and `ManagePermissionGrantsForOwnedResource.*` entries. Not a v1.0 property; read when present.
   */
  permissionGrantPolicyIdsAssignedToDefaultUserRole: consentList,
  defaultUserRolePermissions: z.looseObject({
    allowedToCreateApps: z.boolean(),
    /**
     * v1.0 (defaultUserRolePermissions resource): "Value should be in the format managePermissionGrantsForSelf.{id}
     * … An empty list indicates user consent to apps is disabled."
     * https://learn.microsoft.com/graph/api/resources/defaultuserrolepermissions?view=graph-rest-1.0
     */
    permissionGrantPoliciesAssigned: consentList,
  }),
});
export type AuthorizationPolicy = z.output<typeof authorizationPolicy>;

/**
 * v1.0 answers the singleton; older tenants (and the beta docs of 2020) answered a one-item collection. Both are
 * accepted: the first item is the tenant's policy.
 */
export const authorizationPolicyBody = z.union([authorizationPolicy, z.looseObject({ value: z.array(authorizationPolicy).min(1) }).transform((b) => b.value[0]!)]);

// ---------------------------------------------------------------------------------------------- authenticationMethodsPolicy
export const authenticationMethodConfiguration = z.looseObject({
  '@odata.type': z.string().optional(),
  /** Sms | Voice | Fido2 | MicrosoftAuthenticator | TemporaryAccessPass | Email | SoftwareOath | X509Certificate … */
  id: z.string(),
  /** enabled | disabled */
  state: z.string(),
});

export const authenticationMethodsPolicy = z.looseObject({
  /**
   * Required: the documented Get example always carries it, and a policy read without it says nothing about SMS or
   * voice — taking it as "no method enabled" would pass the weak-methods gate on an answer that was not given.
   */
  authenticationMethodConfigurations: z.array(authenticationMethodConfiguration),
});
export type AuthenticationMethodsPolicy = z.output<typeof authenticationMethodsPolicy>;

// ---------------------------------------------------------------------------------------------- PIM schedules
export const roleSchedule = z.looseObject({
  id: z.string(),
  principalId: z.string(),
  roleDefinitionId: z.string(),
  /** roleAssignmentSchedules only: Assigned (a standing assignment) | Activated (a PIM activation of an eligibility). */
  assignmentType: z.string().nullish(),
  status: z.string().nullish(),
  scheduleInfo: z
    .looseObject({
      startDateTime: dateTime.nullish(),
      expiration: z
        .looseObject({
          /** notSpecified | noExpiration | afterDateTime | afterDuration */
          type: z.string().nullish(),
          endDateTime: dateTime.nullish(),
        })
        .nullish(),
    })
    .nullish(),
});
export type RoleSchedule = z.output<typeof roleSchedule>;

// ---------------------------------------------------------------------------------------------- signInActivity
export const userSignIn = z.looseObject({
  id: z.string(),
  userPrincipalName: z.string().nullish(),
  userType: z.string().nullish(),
  accountEnabled: z.boolean().nullish(),
  createdDateTime: dateTime.nullish(),
  signInActivity: z
    .looseObject({
      lastSignInDateTime: dateTime.nullish(),
      lastNonInteractiveSignInDateTime: dateTime.nullish(),
      lastSuccessfulSignInDateTime: dateTime.nullish(),
    })
    .nullish(),
});
export type UserSignIn = z.output<typeof userSignIn>;

// ---------------------------------------------------------------------------------------------- domains
export const passwordDomain = z.looseObject({
  id: z.string(),
  isVerified: z.boolean(),
  /**
   * 2147483647 = passwords never expire. null = never set, which Microsoft documents two ways: 90 days for tenants
   * created before 2021, no expiry for later ones — so null decides nothing (password-expiry.ts).
   */
  passwordValidityPeriodInDays: z.number().int().nullish(),
  /** `Managed` or `Federated` (domain resource, v1.0): a federated domain's passwords live with its identity provider. */
  authenticationType: z.string().nullish(),
});
export type PasswordDomain = z.output<typeof passwordDomain>;
