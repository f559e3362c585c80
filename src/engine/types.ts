/** Plain-data outputs of the rules engine (DESIGN §5, §7). */
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

export interface CapabilityScore {
  id: string;
  name: string;
  /** Confirmed level (unknown gates count as not passed). */
  level: number;
  /** Potential level (unknown gates count as passed). */
  potential: number;
  /** 0..100 weighted mean over known outcomes; null when nothing is known. */
  score: number | null;
  /** Known weight / total applicable weight. */
  coverage: number;
  /** False when every rule of the capability is not_applicable (no source): excluded from the overall level. */
  assessed: boolean;
}

export interface LevelSummary {
  value: number;
  name: string;
  potential: number;
  confirmed: boolean;
  blockers: string[];
  unknown: string[];
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
}

export const LEVEL_NAMES: Record<number, string> = {
  1: 'Basic',
  2: 'Managed',
  3: 'Defined',
  4: 'Quantitatively Managed',
  5: 'Optimizing',
};

export const CAPABILITIES: ReadonlyArray<{ id: string; name: string }> = [
  { id: 'identity', name: 'Identity & access' },
  { id: 'endpoint', name: 'Endpoint & patching' },
  { id: 'recovery', name: 'Backup & recovery' },
  { id: 'monitoring', name: 'Monitoring' },
  { id: 'automation', name: 'Automation' },
  { id: 'governance', name: 'Governance' },
];
