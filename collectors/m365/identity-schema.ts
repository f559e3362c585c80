/**
 * zod schemas of the identity breadth responses, from Microsoft's documented examples (microsoft-graph-docs-contrib,
 * api-reference/v1.0): loose on what we don't read, strict on what decides a value.
 */
import { z } from 'zod';

const list = z
  .array(z.string())
  .nullish()
  .transform((v) => v ?? []);
const dateTime = z.iso.datetime({ offset: true });

// ---------------------------------------------------------------------------------------------- authorizationPolicy
export const authorizationPolicy = z.looseObject({
  /** none | adminsAndGuestInviters | adminsGuestInvitersAndAllMembers | everyone (a string: future values must not fail). */
  allowInvitesFrom: z.string(),
  /** Role template id given to guests: User, Guest User or Restricted Guest User. */
  guestUserRoleId: z.string().nullish(),
  /** v1.0: `ManagePermissionGrantsForSelf.{policy id}` entries (user consent) and `ManagePermissionGrantsForOwnedResource.*`. */
  permissionGrantPolicyIdsAssignedToDefaultUserRole: list.optional(),
  defaultUserRolePermissions: z.looseObject({
    allowedToCreateApps: z.boolean(),
    /** beta name of the same list; read when v1.0's is absent. */
    permissionGrantPoliciesAssigned: list.optional(),
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
  authenticationMethodConfigurations: z
    .array(authenticationMethodConfiguration)
    .nullish()
    .transform((v) => v ?? []),
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
  /** 2147483647 = passwords never expire; null when the tenant never set it (Graph then applies 90 days). */
  passwordValidityPeriodInDays: z.number().int().nullish(),
});
export type PasswordDomain = z.output<typeof passwordDomain>;
