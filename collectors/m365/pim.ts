/**
 * `m365.pim.global_admins`: is Privileged Identity Management used for Global Administrator? Eligible (just-in-time)
 * assignments come from roleEligibilitySchedules; *permanent* active ones are roleAssignmentSchedules of type
 * `Assigned` that never expire (an `Activated` schedule is a PIM activation of an eligibility, a time-boxed one is
 * not standing access). Break-glass accounts are meant to stay permanent: the rule gates a small number, not zero.
 * CIS Microsoft 365 Foundations 5.3.1 (PIM manages privileged roles), ISM-1507/ISM-1508 (just-in-time admin, E8 ML3).
 */
import type { RoleSchedule } from './identity-schema.js';

export interface PimValue extends Record<string, unknown> {
  /** Distinct principals eligible for Global Administrator. */
  eligible: number;
  /** Distinct principals with a standing, non-expiring active Global Administrator assignment. */
  permanent: number;
  /** Distinct principals with a time-bound standing assignment (assigned with an end date). */
  timeBound: number;
  /** Distinct principals with a current PIM activation. */
  activated: number;
  /** PIM is in use for the role: at least one eligible assignment. */
  inUse: boolean;
}

const isActive = (s: RoleSchedule) => (s.status ?? 'Provisioned').toLowerCase() === 'provisioned';

export function derivePim(eligibility: readonly RoleSchedule[], active: readonly RoleSchedule[]): PimValue {
  const eligible = new Set(eligibility.filter(isActive).map((s) => s.principalId));
  const permanent = new Set<string>();
  const timeBound = new Set<string>();
  const activated = new Set<string>();
  for (const s of active.filter(isActive)) {
    if ((s.assignmentType ?? '').toLowerCase() === 'activated') {
      activated.add(s.principalId);
      continue;
    }
    const type = (s.scheduleInfo?.expiration?.type ?? 'noExpiration').toLowerCase();
    const ends = s.scheduleInfo?.expiration?.endDateTime;
    // notSpecified / noExpiration, or an end date that is absent: standing access.
    if ((type === 'afterdatetime' && ends) || type === 'afterduration') timeBound.add(s.principalId);
    else permanent.add(s.principalId);
  }
  return { eligible: eligible.size, permanent: permanent.size, timeBound: timeBound.size, activated: activated.size, inUse: eligible.size > 0 };
}
