/**
 * `m365.devices.update_rings`: Windows Update for Business rings in Intune
 * (`/deviceManagement/deviceConfigurations?$filter=isof('microsoft.graph.windowsUpdateForBusinessConfiguration')`,
 * assignments expanded). A ring counts as assigned when it has at least one assignment; the longest quality-update
 * deferral (qualityUpdatesDeferralPeriodInDays, 0–30) across assigned rings is how long security fixes wait.
 *
 * Only an assignment that *includes* devices counts: a target of type exclusionGroupAssignmentTarget (one of the
 * documented deviceAndAppManagementAssignmentTarget types, beside groupAssignmentTarget, allDevicesAssignmentTarget,
 * allLicensedUsersAssignmentTarget and configurationManagerCollectionAssignmentTarget;
 * https://learn.microsoft.com/graph/api/resources/intune-shared-deviceandappmanagementassignmenttarget?view=graph-rest-1.0)
 * takes a group out of a ring, so a ring assigned only that way reaches no device.
 */
import { z } from 'zod';

export const updateRing = z.looseObject({
  '@odata.type': z.string().optional(),
  id: z.string(),
  displayName: z.string().nullish(),
  qualityUpdatesDeferralPeriodInDays: z.number().int().nullish(),
  featureUpdatesDeferralPeriodInDays: z.number().int().nullish(),
  qualityUpdatesPaused: z.boolean().nullish(),
  /** Present only when expanded; absent means "not told", not "none". */
  assignments: z.array(z.looseObject({ id: z.string().optional(), target: z.looseObject({ '@odata.type': z.string() }).nullish() })).optional(),
});
export type UpdateRing = z.output<typeof updateRing>;

export interface UpdateRingsValue extends Record<string, unknown> {
  rings: number;
  assigned: number | null;
  /** Longest quality-update deferral among assigned rings (all rings when assignments are unknown); null without rings. */
  maxQualityDeferralDays: number | null;
  qualityPaused: number;
  names: string[];
  notApplicable?: Record<string, string>;
  unknownReasons?: Record<string, string>;
}

const RING_TYPE = '#microsoft.graph.windowsUpdateForBusinessConfiguration';

type Assignment = NonNullable<UpdateRing['assignments']>[number];

/** Microsoft's examples write the target type with and without the leading `#`. */
function isExclusion(a: Assignment): boolean {
  return (a.target?.['@odata.type'] ?? '').replace(/^#/, '').toLowerCase() === 'microsoft.graph.exclusiongroupassignmenttarget';
}

export function deriveUpdateRings(items: UpdateRing[]): UpdateRingsValue {
  // The server filters by type; a typed item of another type (a tolerant server ignoring isof) is not a ring.
  const rings = items.filter((r) => r['@odata.type'] === undefined || r['@odata.type'] === RING_TYPE);
  const assignmentsKnown = rings.every((r) => r.assignments !== undefined);
  const assignedRings = assignmentsKnown ? rings.filter((r) => (r.assignments ?? []).some((a) => !isExclusion(a))) : rings;
  const deferrals = assignedRings.map((r) => r.qualityUpdatesDeferralPeriodInDays).filter((d): d is number => typeof d === 'number');
  const v: UpdateRingsValue = {
    rings: rings.length,
    assigned: assignmentsKnown ? assignedRings.length : null,
    maxQualityDeferralDays: deferrals.length > 0 ? Math.max(...deferrals) : null,
    qualityPaused: assignedRings.filter((r) => r.qualityUpdatesPaused === true).length,
    names: rings.map((r) => r.displayName ?? r.id).slice(0, 100),
  };
  if (!assignmentsKnown) v.unknownReasons = { assigned: 'Graph did not return the rings\' assignments ($expand=assignments)' };
  if (assignedRings.length === 0) v.notApplicable = { maxQualityDeferralDays: 'no Windows Update ring is assigned' };
  return v;
}
