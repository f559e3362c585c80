/**
 * Graph endpoints of the identity breadth keys (issue 17), with the least-privileged application permission and the
 * licence each needs, from Microsoft's "Permissions" table of each API page (learn.microsoft.com/graph/api/…).
 * Kept beside endpoints.ts so the README, doctor and 403 reasons name the same grant.
 */
import { GLOBAL_ADMIN_ROLE_TEMPLATE, type EndpointSpec } from './endpoints.js';

export const IDENTITY_ENDPOINTS = {
  authorizationPolicy: {
    path: '/policies/authorizationPolicy',
    permission: 'Policy.Read.All',
    licence: null,
  },
  authenticationMethodsPolicy: {
    path: '/policies/authenticationMethodsPolicy',
    // Least privileged is Policy.Read.AuthenticationMethod; Policy.Read.All (already granted for CA) also reads it.
    permission: 'Policy.Read.AuthenticationMethod (or Policy.Read.All)',
    licence: null,
  },
  roleEligibilitySchedules: {
    path: '/roleManagement/directory/roleEligibilitySchedules',
    permission: 'RoleManagement.Read.Directory (or RoleEligibilitySchedule.Read.Directory)',
    licence: 'Microsoft Entra ID P2 (Privileged Identity Management)',
  },
  roleAssignmentSchedules: {
    path: '/roleManagement/directory/roleAssignmentSchedules',
    permission: 'RoleManagement.Read.Directory (or RoleAssignmentSchedule.Read.Directory)',
    licence: 'Microsoft Entra ID P2 (Privileged Identity Management)',
  },
  signInActivity: {
    // users with $filter on signInActivity: needs AuditLog.Read.All besides User.Read.All, and Entra ID P1.
    path: '/users',
    permission: 'AuditLog.Read.All and User.Read.All',
    licence: 'Microsoft Entra ID P1 or P2',
  },
} as const satisfies Record<string, EndpointSpec>;

/**
 * "When signInActivity is selected or filtered on, the maximum page size is 500" (List users, v1.0; older revisions
 * said 120, and Graph then answers pages of 120 rather than an error). Only the inactive candidates are paged.
 */
export const SIGN_IN_PAGE_SIZE = 500;

/** The cutoffs as Graph wants them in $filter: ISO 8601 UTC without fractions. */
export function isoCutoff(now: Date, days: number): string {
  return new Date(now.getTime() - days * 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const SIGN_IN_SELECT = 'id,userPrincipalName,userType,accountEnabled,createdDateTime,signInActivity';

export const IDENTITY_QUERIES = {
  authorizationPolicy: '/policies/authorizationPolicy',
  // The API documents no query parameters; the whole policy is a few KB.
  authenticationMethodsPolicy: '/policies/authenticationMethodsPolicy',
  pimEligible:
    `/roleManagement/directory/roleEligibilitySchedules?$filter=roleDefinitionId eq '${GLOBAL_ADMIN_ROLE_TEMPLATE}'` +
    '&$select=id,principalId,roleDefinitionId,directoryScopeId,memberType,status,scheduleInfo',
  pimActive:
    `/roleManagement/directory/roleAssignmentSchedules?$filter=roleDefinitionId eq '${GLOBAL_ADMIN_ROLE_TEMPLATE}'` +
    '&$select=id,principalId,roleDefinitionId,directoryScopeId,memberType,assignmentType,status,scheduleInfo',
  /**
   * Users whose last *successful* sign-in is older than the cutoff (Microsoft's "Manage inactive user accounts"
   * query). signInActivity filters cannot be combined with other properties, so enabled/guest are read per row.
   */
  signedInBefore: (cutoff: string) =>
    `/users?$filter=signInActivity/lastSuccessfulSignInDateTime le ${cutoff}&$select=${SIGN_IN_SELECT}&$top=${SIGN_IN_PAGE_SIZE}`,
  /** Users with no successful sign-in on record (never, or none since Microsoft began recording it on 2023-12-01). */
  neverSignedIn: `/users?$filter=signInActivity/lastSuccessfulSignInDateTime eq null&$select=${SIGN_IN_SELECT}&$top=${SIGN_IN_PAGE_SIZE}`,
} as const;

/** Batch ids of the identity breadth requests (4 of the 20 a $batch holds). */
export const IDENTITY_BATCH_IDS = {
  authorizationPolicy: 'authorizationPolicy',
  authenticationMethodsPolicy: 'authenticationMethodsPolicy',
  pimEligible: 'pimEligible',
  pimActive: 'pimActive',
} as const;
