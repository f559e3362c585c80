/**
 * Sizes the groups and roles excluded by the all-users MFA policies, so `m365.mfa.enforcement` can count excluded
 * *users* (exclusions.ts):
 *   - each group: `GET /groups/{id}/transitiveMembers/microsoft.graph.user/$count` with `ConsistencyLevel: eventual`
 *     (without it Graph answers 400 Request_BadRequest "$count is not currently supported."); the body is a
 *     text/plain integer, validated by `countBody`. Needs GroupMember.Read.All (or Directory.Read.All).
 *   - each role: its active assignments, `/roleManagement/directory/roleAssignments?$filter=roleDefinitionId eq '…'`
 *     (RoleManagement.Read.Directory, already needed for m365.admins). PIM-eligible assignments are not included.
 * Plain GETs with bounded concurrency rather than `$batch`: a sub-response carries its body inside the JSON envelope,
 * and Graph's handling of non-JSON bodies there (raw or base64) is not something to build a number on.
 * A failure never throws: the size is left out and the reason (naming the permission) is returned, so only
 * `excludedUsers` becomes unknown and the rest of the evidence stays ok.
 */
import type { Logger } from 'pino';
import { ENDPOINTS, EVENTUAL_CONSISTENCY, QUERIES } from './endpoints.js';
import { classify, isForbidden, toGraphFailure, type ClassifyOptions } from './errors.js';
import type { ExclusionSizes } from './exclusions.js';
import { RequestTag, type RequestCounter } from './graph.js';
import { getJson, iteratePages, type GraphContext } from './requests.js';
import { countBody, roleAssignment, type ConditionalAccessPolicy } from './schema.js';

/** At most this many excluded groups are counted per scan; more leaves excludedUsers unknown (and says so). */
export const MAX_GROUPS_COUNTED = 50;
/** Count calls in flight at once: a handful, well under Graph's per-app throttling limits. */
const CONCURRENCY = 4;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface LookupContext {
  g: GraphContext;
  classifyOptions: ClassifyOptions;
  logger: Logger;
  /** Charged with every request made here (for the evidence's provenance). */
  groupCounter: RequestCounter;
  roleCounter: RequestCounter;
}

/** Distinct excluded group and role ids over the given policies, in listing order. */
export function exclusionTargets(policies: readonly ConditionalAccessPolicy[]): { groups: string[]; roles: string[] } {
  const groups = new Set<string>();
  const roles = new Set<string>();
  for (const p of policies) {
    for (const id of p.conditions.users?.excludeGroups ?? []) groups.add(id);
    for (const id of p.conditions.users?.excludeRoles ?? []) roles.add(id);
  }
  return { groups: [...groups], roles: [...roles] };
}

async function pool<T>(items: readonly T[], run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await run(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, items.length) }, worker));
}

export async function lookupExclusionSizes(ctx: LookupContext, targets: { groups: readonly string[]; roles: readonly string[] }): Promise<ExclusionSizes> {
  const groupUsers = new Map<string, number>();
  const rolePrincipals = new Map<string, string[]>();
  let unknownReason: string | null = null;
  const note = (reason: string) => {
    unknownReason ??= reason;
  };

  const counted = targets.groups.slice(0, MAX_GROUPS_COUNTED);
  if (targets.groups.length > counted.length) {
    note(`the all-users MFA policies exclude ${targets.groups.length} groups; only the first ${MAX_GROUPS_COUNTED} are counted`);
  }
  // The permission is tenant-wide: after one refusal the remaining groups would be refused too, so stop asking.
  let refused = false;
  await pool(counted, async (id) => {
    if (refused) return;
    try {
      const n = await getJson(ctx.g, QUERIES.groupUserCount(id), countBody, new RequestTag(ctx.groupCounter), { ...EVENTUAL_CONSISTENCY });
      groupUsers.set(id, n);
    } catch (err) {
      if (isForbidden(err)) refused = true;
      const failure = classify(err, ENDPOINTS.groupUserCount, ctx.classifyOptions);
      ctx.logger.debug({ group: id, reason: failure.reason }, 'm365: excluded group could not be counted');
      note(`excluded users unknown: ${failure.reason}`);
    }
  });

  await pool(targets.roles, async (roleId) => {
    if (!GUID.test(roleId)) {
      note(`excluded users unknown: excluded role ${JSON.stringify(roleId.slice(0, 60))} is not a role template id`);
      return;
    }
    const holders = new Set<string>();
    try {
      await iteratePages(ctx.g, {
        url: QUERIES.roleAssignmentsOf(roleId),
        itemSchema: roleAssignment,
        tag: new RequestTag(ctx.roleCounter),
        onItem: (a) => void holders.add(a.principalId),
      });
      rolePrincipals.set(roleId, [...holders]);
    } catch (err) {
      const failure = classify(toGraphFailure(err, ENDPOINTS.roleAssignments.path), ENDPOINTS.roleAssignments, ctx.classifyOptions);
      note(`excluded users unknown: ${failure.reason}`);
    }
  });

  return { groupUsers, rolePrincipals, unknownReason };
}
