/**
 * Which devices are under an automated OS patch policy. NinjaOne's public API lists policies (GET /v2/policies:
 * id, parentPolicyId, name) and each device's effective policy (devices-detailed: `policyId`, else `rolePolicyId`),
 * but not a policy's patch settings. The operator therefore names the policies that auto-approve and install OS
 * patches (`automatedPatchPolicies`, ids or exact names); their child policies count too, since a child inherits
 * its parent's patch settings unless it overrides them.
 */
import type { Policy } from './schema.js';

export interface ResolvedPolicies {
  ids: Set<number>;
  /** Configured entries that match no policy. */
  unresolved: string[];
  /** Names of the policies that count, for the evidence. */
  names: string[];
}

export function resolveAutomatedPolicies(policies: readonly Policy[], configured: ReadonlyArray<number | string>): ResolvedPolicies {
  const byId = new Map(policies.map((p) => [p.id, p]));
  const roots = new Set<number>();
  const unresolved: string[] = [];
  for (const entry of configured) {
    if (typeof entry === 'number') {
      if (byId.has(entry)) roots.add(entry);
      else unresolved.push(String(entry));
      continue;
    }
    const wanted = entry.trim().toLowerCase();
    const matches = policies.filter((p) => (p.name ?? '').trim().toLowerCase() === wanted);
    if (matches.length === 0) unresolved.push(entry);
    for (const m of matches) roots.add(m.id);
  }
  // Descendants: walk parent links upwards from every policy (cycles are cut by the visited set).
  const ids = new Set<number>();
  for (const p of policies) {
    const visited = new Set<number>();
    let cur: Policy | undefined = p;
    while (cur && !visited.has(cur.id)) {
      if (roots.has(cur.id)) {
        ids.add(p.id);
        break;
      }
      visited.add(cur.id);
      cur = cur.parentPolicyId === null || cur.parentPolicyId === undefined ? undefined : byId.get(cur.parentPolicyId);
    }
  }
  const names = [...ids].map((id) => byId.get(id)?.name ?? `policy ${id}`).sort();
  return { ids, unresolved, names };
}
