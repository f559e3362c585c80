/**
 * Every Graph endpoint the collector calls, with the least-privileged application permission and the licence it
 * needs (reference/vendor-apis.md §1.1). One table so that error messages, doctor and the README name the same
 * permission: a 403 must tell the operator exactly which grant to add.
 */
export interface EndpointSpec {
  /** Path relative to /v1.0 without query, as shown in evidence provenance. */
  path: string;
  /** Least-privileged application permission (what to grant and admin-consent). */
  permission: string;
  /** Licence the tenant needs for the endpoint to answer, if any. */
  licence: string | null;
}

export const ENDPOINTS = {
  subscribedSkus: {
    path: '/subscribedSkus',
    // Microsoft documents LicenseAssignment.Read.All; ScubaGear reports it does not work and uses Organization.Read.All.
    permission: 'LicenseAssignment.Read.All (or Organization.Read.All)',
    licence: null,
  },
  registrationReport: {
    path: '/reports/authenticationMethods/userRegistrationDetails',
    permission: 'AuditLog.Read.All',
    licence: 'Microsoft Entra ID P1 or P2',
  },
  conditionalAccess: {
    path: '/identity/conditionalAccess/policies',
    permission: 'Policy.Read.All',
    licence: 'Microsoft Entra ID P1 (Conditional Access)',
  },
  securityDefaults: {
    path: '/policies/identitySecurityDefaultsEnforcementPolicy',
    permission: 'Policy.Read.All',
    licence: null,
  },
  secureScores: {
    path: '/security/secureScores',
    permission: 'SecurityEvents.Read.All',
    licence: null,
  },
  roleAssignments: {
    path: '/roleManagement/directory/roleAssignments',
    permission: 'RoleManagement.Read.Directory',
    licence: null,
  },
  managedDevices: {
    path: '/deviceManagement/managedDevices',
    permission: 'DeviceManagementManagedDevices.Read.All',
    licence: 'Microsoft Intune',
  },
  users: {
    path: '/users',
    permission: 'User.Read.All',
    licence: null,
  },
  groupUserCount: {
    // Transitive user members of a group excluded from the all-users MFA policy (needs ConsistencyLevel: eventual).
    path: '/groups/{id}/transitiveMembers/microsoft.graph.user/$count',
    permission: 'GroupMember.Read.All (or Directory.Read.All)',
    licence: null,
  },
  groups: {
    // Only doctor lists groups (one id to probe the $count with).
    path: '/groups',
    permission: 'GroupMember.Read.All (or Directory.Read.All)',
    licence: null,
  },
  authenticationMethods: {
    path: '/users/{id}/authentication/methods',
    permission: 'UserAuthenticationMethod.Read.All',
    licence: null,
  },
  // ---- Defender alerts, Windows Update rings, SharePoint sharing
  defenderAlerts: {
    path: '/security/alerts_v2',
    permission: 'SecurityAlert.Read.All',
    // Graph answers 403 "Account is not provisioned" for a tenant without any Microsoft Defender product onboarded.
    licence: 'a Microsoft Defender product (Defender for Endpoint/Business, Office 365 P2 or Microsoft 365 E5/Business Premium)',
  },
  updateRings: {
    path: '/deviceManagement/deviceConfigurations',
    permission: 'DeviceManagementConfiguration.Read.All',
    licence: 'Microsoft Intune',
  },
  sharepointSettings: {
    path: '/admin/sharepoint/settings',
    permission: 'SharePointTenantSettings.Read.All',
    licence: 'SharePoint Online',
  },
  domains: {
    // One read shared by every key about the tenant's domains (e-mail authentication, password expiry).
    path: '/domains',
    permission: 'Domain.Read.All',
    licence: null,
  },
} as const satisfies Record<string, EndpointSpec>;

export type EndpointName = keyof typeof ENDPOINTS;

/** Global Administrator role template id (the same in every tenant). */
export const GLOBAL_ADMIN_ROLE_TEMPLATE = '62e90394-69f5-4237-9190-012177145e10';

/** Graph caps a JSON batch at 20 sub-requests (learn.microsoft.com/graph/json-batching). */
export const BATCH_LIMIT = 20;

/**
 * The budget Ratchet paces itself to per app per tenant (config `rateLimit` overrides it), counted in requests with
 * each `$batch` sub-request counted on its own, as Graph counts them (learn.microsoft.com/graph/json-batching).
 * Graph's global limit is 130,000 requests per 10 s per app across all tenants (reference/vendor-apis.md §1.2); the
 * binding limits are the services' own per app per tenant (learn.microsoft.com/graph/throttling-limits). The
 * tightest of those this collector reads is Entra ID's for a small tenant, 3,500 resource units per 10 s, and the
 * costliest request it sends costs at most 5 units (`/groups/{id}/transitiveMembers/…/$count`; `/users` 2,
 * `/subscribedSkus` 3, one less with `$select`) — so 700 requests per 10 s stays inside it even if every request were
 * the costliest (Intune allows 2,000 per 20 s per app per tenant). Narrower service limits (the identity reports'
 * 5 requests per 10 s, secure score's 150 per minute) are met by the one or few requests a scan sends there and by
 * Retry-After.
 */
export const GRAPH_PACING = { limit: 700, intervalMs: 10_000 } as const;

/** Largest page the paged endpoints accept; fewer round trips on big tenants. */
export const PAGE_SIZE = 999;

export const QUERIES = {
  subscribedSkus: '/subscribedSkus?$select=skuId,skuPartNumber,capabilityStatus,servicePlans',
  securityDefaults: '/policies/identitySecurityDefaultsEnforcementPolicy?$select=id,isEnabled',
  // secureScores documents $top/$filter/$skip/$count but not $select; one daily snapshot is small.
  secureScores: '/security/secureScores?$top=1',
  conditionalAccess: '/identity/conditionalAccess/policies?$select=id,displayName,state,conditions,grantControls',
  globalAdmins:
    `/roleManagement/directory/roleAssignments?$filter=roleDefinitionId eq '${GLOBAL_ADMIN_ROLE_TEMPLATE}'` +
    // The expanded principal carries assignedLicenses and onPremisesSyncEnabled for m365.admins (no extra request).
    '&$select=id,principalId,roleDefinitionId,directoryScopeId&$expand=principal',
  // Needs ConsistencyLevel: eventual (advanced query on accountEnabled with $count).
  disabledUsers: `/users?$filter=accountEnabled eq false&$select=id&$count=true&$top=${PAGE_SIZE}`,
  registrationReport:
    `/reports/authenticationMethods/userRegistrationDetails?$select=id,userPrincipalName,userType,isAdmin,isMfaRegistered,isMfaCapable,isSsprRegistered,methodsRegistered&$top=${PAGE_SIZE}`,
  usersForFallback: `/users?$select=id,userPrincipalName,userType,accountEnabled&$top=${PAGE_SIZE}`,
  // osVersion and isEncrypted feed os_currency and encryption from the same paging (no second walk of the devices).
  managedDevices: `/deviceManagement/managedDevices?$select=id,deviceName,complianceState,lastSyncDateTime,operatingSystem,osVersion,isEncrypted&$top=${PAGE_SIZE}`,
  // Only the ring type ($filter by type is documented for deviceConfigurations); assignments expanded to tell
  // an assigned ring from a draft. Rings are few: one page in the first $batch, nextLink followed if any.
  updateRings: "/deviceManagement/deviceConfigurations?$filter=isof('microsoft.graph.windowsUpdateForBusinessConfiguration')&$expand=assignments",
  sharepointSettings: '/admin/sharepoint/settings',
  // Open alerts of any age, plus every alert of the last 30 days (for the triage share); status, severity and
  // createdDateTime are documented $filter properties. Severity is judged client-side. Built per scan (date).
  defenderAlerts: (since: string) =>
    `/security/alerts_v2?$filter=status eq 'new' or status eq 'inProgress' or createdDateTime ge ${since}`,
  // "List domains" supports $select; a tenant has a handful of domains, so one unpaged answer (first $batch).
  domains: '/domains?$select=id,authenticationType,isVerified,isInitial,isDefault,supportedServices,passwordValidityPeriodInDays,passwordNotificationWindowInDays',
  authenticationMethods: (userId: string) => `/users/${encodeURIComponent(userId)}/authentication/methods`,
  // Plain-text integer body; needs ConsistencyLevel: eventual (a directory $count is an advanced query).
  groupUserCount: (groupId: string) => `/groups/${encodeURIComponent(groupId)}/transitiveMembers/microsoft.graph.user/$count`,
  // Active assignments of one directory role (CA excludeRoles holds role template ids = built-in definition ids).
  roleAssignmentsOf: (roleTemplateId: string) =>
    `/roleManagement/directory/roleAssignments?$filter=roleDefinitionId eq '${roleTemplateId}'&$select=id,principalId,roleDefinitionId`,
} as const;

export const EVENTUAL_CONSISTENCY = { ConsistencyLevel: 'eventual' } as const;
