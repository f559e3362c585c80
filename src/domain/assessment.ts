/** Plain-data outputs of the rules engine (DESIGN §5, §7). */
import type { Evidence } from './evidence.js';
export type Outcome = 'pass' | 'fail' | 'partial' | 'unknown' | 'not_applicable';

export interface Finding {
  ruleId: string;
  title: string;
  capability: string;
  level: number;
  outcome: Outcome;
  /** 0..1 for known outcomes, null for unknown/not_applicable. */
  score: number | null;
  evidence: string[];
  observed: string;
  expected: string;
  remediation: string;
  weight: number;
  critical: boolean;
  /** Advisory rules are reported but never gate a level. */
  advisory: boolean;
  /** The raw measured value, kept so regressions can show observed vs expected and dead bands can apply. */
  measured: number | boolean | string | null;
  /** Why the outcome is unknown / not_applicable. */
  reason: string | null;
}

/**
 * Where a capability stands in the tenant's scope (DESIGN §7):
 * - `assessed`: a connected source feeds its gates; it takes part in the overall level.
 * - `unassessed`: in scope but no source connected: it takes part as *unknown* (confirmed 1, never raising anything).
 * - `out_of_scope`: the tenant's config declares it out of scope with a reason; shown, not part of the overall level.
 * - `not_assessed`: an optional capability (automation, governance) with nothing to read; shown, not part of it.
 */
export type CapabilityScope = 'assessed' | 'unassessed' | 'out_of_scope' | 'not_assessed';

/** Gates of one level of one capability: "L3: 4 of 5". */
export interface LevelGates {
  level: number;
  passed: number;
  /** Applicable gates (not_applicable ones are not counted). */
  total: number;
  unknown: number;
}

export interface CapabilityScore {
  id: string;
  name: string;
  /** Confirmed level (unknown gates count as not passed). */
  level: number;
  /** Potential level (unknown gates count as passed). */
  potential: number;
  /**
   * 0..100, banded by the confirmed level: 25 × (level − 1) + 25 × the weighted credit of the next level's gates
   * (unknown = no credit); 100 at level 5. Score and level always agree: level 3 is 50–74.9. Null unless assessed.
   */
  score: number | null;
  /** The same with unknown gates given full credit (banded by the potential level). */
  potentialScore: number | null;
  /** Known weight / total applicable weight of the scored (non-advisory) gates. */
  coverage: number;
  /** True when a connected source feeds the capability (scope `assessed`). */
  assessed: boolean;
  scope: CapabilityScope;
  /** Why it is out of scope / unassessed / not assessed; null when assessed. */
  scopeReason: string | null;
  /** Level of the point-in-time gates alone (history gates left out): what history records per scan. */
  snapshotLevel: number;
  /**
   * The same with unknown gates counted as passed. Where it exceeds snapshotLevel the scan could not see the whole
   * capability: history counts such a scan as neither held nor not held (a permission gap is never a regression).
   */
  snapshotPotential: number;
  /** Banded score of the point-in-time gates alone: what the improvement trend reads. */
  snapshotScore: number | null;
  /** Gates passed per level 2..5. */
  gates: LevelGates[];
}

export interface LevelScope {
  /** True when every in-scope capability is assessed. */
  complete: boolean;
  /** In-scope capabilities with no source, and the source to connect for each. */
  unassessed: string[];
  connect: Record<string, string>;
  /** Capabilities the tenant's config declares out of scope, with the reason. */
  outOfScope: Record<string, string>;
}

export interface LevelSummary {
  value: number;
  name: string;
  potential: number;
  confirmed: boolean;
  blockers: string[];
  unknown: string[];
  /** Absent in reports stored before scope existed. */
  scope?: LevelScope;
  /** What the level rests on: the weakest in-scope capability and the others' levels. */
  restsOn?: string;
}

export interface RoadmapItem {
  ruleId: string;
  capability: string;
  toLevel: number;
  outcome: Outcome;
  gap: string;
  remediation: string;
  weight: number;
}

export interface Evaluation {
  level: LevelSummary;
  capabilities: CapabilityScore[];
  findings: Finding[];
  roadmap: RoadmapItem[];
  /** Evidence the engine derived while scoring (`history.<capability>`): reported beside the collected evidence. */
  derived: Evidence[];
}

export const LEVEL_NAMES: Record<number, string> = {
  1: 'Basic',
  2: 'Managed',
  3: 'Defined',
  4: 'Quantitatively Managed',
  5: 'Optimizing',
};

/** In scope for every tenant unless its config declares one out of scope with a reason (DESIGN §7). */
export const CORE_CAPABILITIES: readonly string[] = ['identity', 'endpoint', 'recovery', 'monitoring'];

export const CAPABILITIES: ReadonlyArray<{ id: string; name: string }> = [
  { id: 'identity', name: 'Identity & access' },
  { id: 'endpoint', name: 'Endpoint & patching' },
  { id: 'recovery', name: 'Backup & recovery' },
  { id: 'monitoring', name: 'Monitoring' },
  { id: 'automation', name: 'Automation' },
  { id: 'governance', name: 'Governance' },
];
