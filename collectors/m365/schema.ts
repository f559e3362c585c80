/**
 * zod schemas of every Graph response the collector reads. Loose on fields we don't use (Microsoft adds
 * properties all the time and that must not break a scan), strict on the ones we do: a renamed or retyped field
 * must surface as `schema_violation`, never as a silently wrong score.
 * Shapes follow Microsoft's documented examples (microsoft-graph-docs-contrib, api-reference/v1.0).
 */
import { z } from 'zod';

/** Graph returns `null` or omits empty collections depending on the API; both mean "none". */
const list = z
  .array(z.string())
  .nullish()
  .transform((v) => v ?? []);

/** Graph timestamps: ISO 8601 with up to 7 fractional digits, usually `Z`. */
const dateTime = z.iso.datetime({ offset: true });

/** Any collection page: items are validated one by one while paging so memory stays flat. */
export const collectionPage = z.looseObject({
  value: z.array(z.unknown()),
  '@odata.nextLink': z.string().optional(),
  '@odata.count': z.number().int().optional(),
});
export type CollectionPage = z.output<typeof collectionPage>;

// ---------------------------------------------------------------------------------------------- licences
export const servicePlan = z.looseObject({
  servicePlanId: z.string(),
  servicePlanName: z.string().nullish(),
});

export const subscribedSku = z.looseObject({
  skuId: z.string(),
  skuPartNumber: z.string(),
  capabilityStatus: z.string(),
  servicePlans: z
    .array(servicePlan)
    .nullish()
    .transform((v) => v ?? []),
});
export type SubscribedSku = z.output<typeof subscribedSku>;

// ---------------------------------------------------------------------------------------------- policies
export const securityDefaultsPolicy = z.looseObject({
  isEnabled: z.boolean(),
});

export const authenticationStrength = z.looseObject({
  id: z.string(),
  displayName: z.string().nullish(),
  /** 'mfa' or 'none': a custom strength may be single-factor. */
  requirementsSatisfied: z.string().nullish(),
  allowedCombinations: list,
});
export type AuthenticationStrength = z.output<typeof authenticationStrength>;

export const conditionalAccessPolicy = z.looseObject({
  id: z.string(),
  displayName: z.string().nullish(),
  // A string, not an enum: an unknown future state must not fail the scan; only 'enabled' counts anyway.
  state: z.string(),
  conditions: z.looseObject({
    users: z
      .looseObject({
        includeUsers: list,
        excludeUsers: list,
        includeGroups: list,
        excludeGroups: list,
        includeRoles: list,
        excludeRoles: list,
      })
      .nullish(),
    applications: z
      .looseObject({
        includeApplications: list,
        excludeApplications: list,
        includeUserActions: list,
      })
      .nullish(),
    clientAppTypes: list,
    signInRiskLevels: list,
    userRiskLevels: list,
    platforms: z.looseObject({ includePlatforms: list, excludePlatforms: list }).nullish(),
  }),
  grantControls: z
    .looseObject({
      operator: z.string().nullish(),
      builtInControls: list,
      customAuthenticationFactors: list,
      termsOfUse: list,
      authenticationStrength: authenticationStrength.nullish(),
    })
    .nullish(),
});
export type ConditionalAccessPolicy = z.output<typeof conditionalAccessPolicy>;

// ---------------------------------------------------------------------------------------------- scores
export const secureScore = z.looseObject({
  currentScore: z.number(),
  maxScore: z.number(),
  createdDateTime: dateTime,
});

// ---------------------------------------------------------------------------------------------- directory
export const roleAssignment = z.looseObject({
  id: z.string(),
  principalId: z.string(),
  roleDefinitionId: z.string(),
  principal: z
    .looseObject({
      '@odata.type': z.string().optional(),
      id: z.string(),
      userPrincipalName: z.string().nullish(),
      displayName: z.string().nullish(),
      accountEnabled: z.boolean().nullish(),
      userType: z.string().nullish(),
      /** m365.admins globalAdminsLicensed: absent (not returned) is unknown, [] is unlicensed. */
      assignedLicenses: z.array(z.looseObject({ skuId: z.string().nullish() })).nullish(),
      /** true = synced from on-premises AD; null = cloud-only (never synced); absent = unknown. */
      onPremisesSyncEnabled: z.boolean().nullish(),
    })
    .nullish(),
});
export type RoleAssignment = z.output<typeof roleAssignment>;

export const directoryObjectId = z.looseObject({ id: z.string() });

/**
 * A `/$count` segment answers `text/plain` with a bare integer (e.g. `40`); the Graph client hands it over as a
 * string. A number is accepted too (a proxy or client that sniffed it as JSON). Anything else is a schema violation.
 */
export const countBody = z
  .union([z.number().int().min(0), z.string().trim().regex(/^\d{1,9}$/, 'expected a plain non-negative integer')])
  .transform((v) => (typeof v === 'number' ? v : Number(v)));

export const directoryUser = z.looseObject({
  id: z.string(),
  userPrincipalName: z.string().nullish(),
  /** 'Member' | 'Guest' on /users (capitalised), null on some system accounts. */
  userType: z.string().nullish(),
  accountEnabled: z.boolean().nullish(),
});
export type DirectoryUser = z.output<typeof directoryUser>;

// ---------------------------------------------------------------------------------------------- MFA
export const userRegistrationDetails = z.looseObject({
  id: z.string(),
  userPrincipalName: z.string(),
  /** 'member' | 'guest' | 'unknownFutureValue' on the report (lower case). */
  userType: z.string().nullish(),
  isAdmin: z.boolean(),
  isMfaRegistered: z.boolean(),
  isMfaCapable: z.boolean(),
  /** m365.sspr.registration; optional so an older $select (or a row without it) still parses. */
  isSsprRegistered: z.boolean().nullish(),
  /** Method names (documented enum, e.g. passKeyDeviceBound, windowsHelloForBusiness): phishing-resistant counts. */
  methodsRegistered: list,
});
export type UserRegistrationDetails = z.output<typeof userRegistrationDetails>;

export const authenticationMethod = z.looseObject({
  '@odata.type': z.string(),
});

export const authenticationMethodsPage = collectionPage.extend({
  value: z.array(authenticationMethod),
});

// ---------------------------------------------------------------------------------------------- Intune
export const managedDevice = z.looseObject({
  id: z.string(),
  deviceName: z.string().nullish(),
  /** unknown | compliant | noncompliant | conflict | error | inGracePeriod | configManager */
  complianceState: z.string(),
  lastSyncDateTime: dateTime.nullish(),
  operatingSystem: z.string().nullish(),
  /** e.g. `10.0.22631.4460` (Windows), `14.4.1` (macOS/iOS), `14` (Android): os_currency. */
  osVersion: z.string().nullish(),
  /** BitLocker / FileVault state as Intune reports it: encryption. */
  isEncrypted: z.boolean().nullish(),
});
export type ManagedDevice = z.output<typeof managedDevice>;

// ---------------------------------------------------------------------------------------------- transport
/** `POST /$batch` reply; sub-response status is checked one by one (the envelope can be 200 while subs are 429). */
export const batchResponseBody = z.looseObject({
  responses: z.array(
    z.looseObject({
      id: z.string(),
      status: z.number().int().min(200).max(599),
      headers: z.record(z.string(), z.string()).nullish(),
      body: z.unknown().optional(),
    }),
  ),
});
export type BatchResponseBody = z.output<typeof batchResponseBody>;

/** `{"error":{"code","message","innerError":{"request-id",…}}}` (learn.microsoft.com/graph/errors). */
export const graphErrorBody = z.looseObject({
  error: z.looseObject({
    code: z.string(),
    message: z.string().nullish(),
    innerError: z
      .looseObject({
        'request-id': z.string().optional(),
        date: z.string().optional(),
      })
      .nullish(),
  }),
});
