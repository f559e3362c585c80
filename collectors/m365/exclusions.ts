/**
 * Who a Conditional Access policy leaves out, counted as users (pure; the sizes come from exclusion-lookups.ts).
 *
 * excludedUsers = direct user exclusions ∪ principals assigned an excluded role, plus the transitive user members of
 * each excluded group. Direct users and role holders are known by id, so a user excluded both ways counts once.
 * Group members are known only as a count (`…/transitiveMembers/microsoft.graph.user/$count`), so a member who is
 * also excluded directly, or sits in two excluded groups, is counted again: with groups the number is an upper
 * bound, which errs on the side of "more excluded" and so can never flatter a tenant. Role holders are counted as
 * principals (a role-assignable group holding the role counts as one).
 */
import type { ConditionalAccessPolicy } from './schema.js';

/** Special values Graph puts in includeUsers/excludeUsers that are not principals. */
const NON_PRINCIPAL_USER_VALUES = new Set(['All', 'None', 'GuestsOrExternalUsers']);

export interface ExclusionSizes {
  /** Transitive user members per excluded group id; a group absent here was not counted. */
  groupUsers: ReadonlyMap<string, number>;
  /** Principal ids actively assigned each excluded role template id; a role absent here was not read. */
  rolePrincipals: ReadonlyMap<string, readonly string[]>;
  /** Why some group or role is missing from the maps (the first failure, naming the permission); null when none. */
  unknownReason: string | null;
}

function directUsers(p: ConditionalAccessPolicy): string[] {
  return (p.conditions.users?.excludeUsers ?? []).filter((v) => !NON_PRINCIPAL_USER_VALUES.has(v));
}

/** Users, groups and roles the policy excludes (the special value GuestsOrExternalUsers is not a principal). */
export function excludedPrincipalIds(p: ConditionalAccessPolicy | null): string[] {
  const u = p?.conditions.users;
  if (!p || !u) return [];
  return [...directUsers(p), ...u.excludeGroups, ...u.excludeRoles];
}

export function excludedCounts(p: ConditionalAccessPolicy | null): { ids: string[]; groups: number; roles: number } {
  return { ids: excludedPrincipalIds(p), groups: p?.conditions.users?.excludeGroups.length ?? 0, roles: p?.conditions.users?.excludeRoles.length ?? 0 };
}

export function fewestExclusions(policies: readonly ConditionalAccessPolicy[]): ConditionalAccessPolicy | null {
  let best: ConditionalAccessPolicy | null = null;
  for (const p of policies) {
    if (!best || excludedPrincipalIds(p).length < excludedPrincipalIds(best).length) best = p;
  }
  return best;
}

/**
 * Excluded users of one policy. `count` is null when a group or role could not be sized; `atLeast` is what is known
 * regardless (the distinct direct users and role holders), to decide between policies when one is unknown.
 */
export function expandExclusions(p: ConditionalAccessPolicy, sizes: ExclusionSizes | undefined): { count: number | null; atLeast: number } {
  const u = p.conditions.users;
  const distinct = new Set(directUsers(p));
  let complete = true;
  for (const role of u?.excludeRoles ?? []) {
    const holders = sizes?.rolePrincipals.get(role);
    if (holders === undefined) complete = false;
    else for (const id of holders) distinct.add(id);
  }
  let groupMembers = 0;
  for (const group of u?.excludeGroups ?? []) {
    const n = sizes?.groupUsers.get(group);
    if (n === undefined) complete = false;
    else groupMembers += n; // upper bound: members' ids are not known (file comment)
  }
  return { count: complete ? distinct.size + groupMembers : null, atLeast: distinct.size };
}

export interface ExclusionChoice {
  /** The policy whose exclusions are reported; null when there are no candidates. */
  policy: ConditionalAccessPolicy | null;
  excludedUsers: number | null;
  unknownReason: string | null;
}

/**
 * Of the enabled all-users MFA policies, the one leaving out the fewest users (ties: fewer raw ids, then listing
 * order). When some policy could not be sized, a sized one still wins if it excludes no more users than the unknown
 * ones are known to exclude at least; otherwise the number is unknown rather than guessed.
 */
export function chooseExclusionPolicy(candidates: readonly ConditionalAccessPolicy[], sizes: ExclusionSizes | undefined): ExclusionChoice {
  if (candidates.length === 0) return { policy: null, excludedUsers: null, unknownReason: null };
  const expanded = candidates.map((policy) => ({ policy, ...expandExclusions(policy, sizes) }));
  const known = expanded.filter((e) => e.count !== null);
  const unknown = expanded.filter((e) => e.count === null);
  let best: (typeof expanded)[number] | null = null;
  for (const e of known) {
    if (!best || e.count! < best.count! || (e.count === best.count && excludedPrincipalIds(e.policy).length < excludedPrincipalIds(best.policy).length)) best = e;
  }
  if (best && unknown.every((e) => best.count! <= e.atLeast)) return { policy: best.policy, excludedUsers: best.count, unknownReason: null };
  const reason = sizes?.unknownReason ?? 'the excluded groups and roles were not looked up';
  return { policy: best?.policy ?? fewestExclusions(candidates), excludedUsers: null, unknownReason: reason };
}
