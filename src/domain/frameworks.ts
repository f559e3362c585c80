/**
 * External framework views computed from the same evidence (DESIGN §14, issue 16 item 2). Report JSON gains
 * `frameworks.essentialEight` (additive; `schemaVersion` stays 1).
 */
export type RequirementStatus = 'met' | 'not_met' | 'not_assessable';

export interface FrameworkRequirementResult {
  /** Requirement id in the framework file, e.g. `mfa-ml1-online-services`. */
  id: string;
  /** ISM control ids the requirement stands for, e.g. ['ISM-1504']. */
  controls: string[];
  title: string;
  level: number;
  status: RequirementStatus;
  /** What it rests on: the evidence key(s) and observed values, or why it cannot be judged. */
  evidence: string;
  /** Evidence keys read (for drill-down). */
  evidenceKeys: string[];
  /** Set when an attestation satisfies a not-assessable requirement. */
  attestation?: { kind: string; by: string; at: string; expiresAt: string | null };
  reason?: string;
  /** Every maturity level whose complete set includes it (`level` is the lowest); absent on lists older than this field. */
  levels?: number[];
  /** Judgeable, but the evidence was unavailable this scan (permission, licence, source): counts as not met. */
  unknown?: boolean;
  /** The attestation kind a technician records to satisfy it when evidence cannot. */
  attestationKind?: string;
}

export interface FrameworkStrategyResult {
  id: string;
  name: string;
  /** 0–3: the highest level whose every requirement (per the framework's level sets) is met. */
  level: number;
  /** One line: why this level and not the next ("ML2 blocked by: ISM-1173 not met …"). */
  restsOn: string;
  requirements: FrameworkRequirementResult[];
}

export interface EssentialEightView {
  model: string;
  /** Minimum across the eight strategies (ASD advises the same level across all eight). */
  overall: number;
  strategies: FrameworkStrategyResult[];
}

export interface FrameworksView {
  essentialEight?: EssentialEightView;
}
