/**
 * `m365.admins`: Global Administrator holders (active assignments of role template
 * 62e90394-69f5-4237-9190-012177145e10) and those among them without MFA registered. The registration check
 * is done while registration is paged (the GA ids are known first), so no per-admin lookups are needed.
 */
import { CappedCollector } from '../../src/domain/evidence.js';
import type { RoleAssignment } from './schema.js';

export type PrincipalKind = 'user' | 'group' | 'servicePrincipal' | 'other';

export interface GlobalAdminPrincipal {
  id: string;
  kind: PrincipalKind;
  /** UPN for users (display name or id when Graph did not expand it). */
  name: string;
  /** false when the expanded principal says the account is disabled; null when unknown. */
  enabled: boolean | null;
  /** Holds any licence (a daily-use account with a mailbox, not a dedicated admin); null when not returned. */
  licensed: boolean | null;
  /** Synced from on-premises AD (a compromise there reaches the cloud); null when not returned. */
  synced: boolean | null;
}

function kindOf(odataType: string | undefined): PrincipalKind {
  switch ((odataType ?? '').replace(/^#?microsoft\.graph\./, '')) {
    case 'user':
    case '':
      // No expanded type: assume a user rather than under-count admins.
      return 'user';
    case 'group':
      return 'group';
    case 'servicePrincipal':
      return 'servicePrincipal';
    default:
      return 'other';
  }
}

/** Distinct principals holding the role (a principal can hold it at several scopes). */
export function globalAdminPrincipals(assignments: readonly RoleAssignment[]): GlobalAdminPrincipal[] {
  const byId = new Map<string, GlobalAdminPrincipal>();
  for (const a of assignments) {
    if (byId.has(a.principalId)) continue;
    const p = a.principal;
    byId.set(a.principalId, {
      id: a.principalId,
      kind: kindOf(p?.['@odata.type']),
      name: p?.userPrincipalName ?? p?.displayName ?? a.principalId,
      enabled: p?.accountEnabled ?? null,
      // undefined = Graph did not return the property: unknown, never counted in the tenant's favour or against it.
      licensed: p?.assignedLicenses === undefined ? null : (p.assignedLicenses ?? []).length > 0,
      synced: p?.onPremisesSyncEnabled === undefined ? null : p.onPremisesSyncEnabled === true,
    });
  }
  return [...byId.values()];
}

export interface AdminsValue extends Record<string, unknown> {
  /** User principals holding Global Administrator. */
  globalAdmins: number;
  /** Of those, registered accounts without MFA; null when registration could not be measured. */
  globalAdminsWithoutMfa: number | null;
  withoutMfa: string[];
  /** GA users whose registration was not seen (disabled accounts, or absent from the report). */
  globalAdminsNotMeasured: number | null;
  globalAdminsDisabled: number;
  /** Role-assignable groups and service principals holding the role (members of groups are not expanded). */
  groups: number;
  servicePrincipals: number;
  /**
   * Dedicated admin accounts (ISM-0445, CIS M365 1.1.1/1.1.4): GA users holding a licence, and GA users synced from
   * on-premises. null when the expanded principal did not carry the property for every GA user.
   */
  globalAdminsLicensed: number | null;
  globalAdminsSynced: number | null;
}

export function deriveAdmins(principals: readonly GlobalAdminPrincipal[], registration: ReadonlyMap<string, boolean> | null): AdminsValue {
  const users = principals.filter((p) => p.kind === 'user');
  const withoutMfa = new CappedCollector();
  let notMeasured = 0;
  if (registration) {
    for (const u of users) {
      const registered = registration.get(u.id);
      if (registered === undefined) notMeasured += 1;
      else if (!registered) withoutMfa.add(u.name);
    }
  }
  return {
    globalAdmins: users.length,
    globalAdminsWithoutMfa: registration ? withoutMfa.total : null,
    withoutMfa: withoutMfa.list(),
    globalAdminsNotMeasured: registration ? notMeasured : null,
    globalAdminsDisabled: users.filter((u) => u.enabled === false).length,
    groups: principals.filter((p) => p.kind === 'group').length,
    servicePrincipals: principals.filter((p) => p.kind === 'servicePrincipal').length,
    globalAdminsLicensed: users.some((u) => u.licensed === null) ? null : users.filter((u) => u.licensed).length,
    globalAdminsSynced: users.some((u) => u.synced === null) ? null : users.filter((u) => u.synced).length,
  };
}
