/** The report JSON contract, schemaVersion 1 (DESIGN §5). */
import type { Evidence } from './evidence.js';
import type { CapabilityScore, Finding, LevelSummary, RoadmapItem } from './assessment.js';
import type { ForecastEntry } from './forecast.js';
import type { FrameworksView } from './frameworks.js';

/** How one collector's run ended; `skipped` = not configured for this tenant. */
export type CollectorStatus = 'ok' | 'partial' | 'error' | 'skipped';

export type ScanStatus = 'complete' | 'partial' | 'failed';

export interface CollectorRun {
  id: string;
  status: CollectorStatus;
  durationMs: number;
  requests: number;
  error: string | null;
}

export interface RegressionDrop {
  kind: 'level' | 'capability';
  id: string;
  from: number;
  to: number;
  rules: Array<{ ruleId: string; from: string; to: string; observed: string; expected: string }>;
}

export interface RegressionSummary {
  detected: boolean;
  confirmed: boolean;
  previousLevel: number | null;
  drops: RegressionDrop[];
  /** Evidence keys that were ok in the previous scan and are not now: a visibility loss, never a regression. */
  lostVisibility: string[];
  /** Set when the rule set changed since the previous scan, which was re-scored with the current rules first. */
  rulesChanged?: { from: string; to: string; note: string };
}

export interface Report {
  schemaVersion: 1;
  tenant: { id: string; name: string };
  scan: {
    id: string;
    startedAt: string;
    finishedAt: string;
    status: ScanStatus;
    collectors: CollectorRun[];
  };
  level: LevelSummary;
  capabilities: Array<Pick<CapabilityScore, 'id' | 'name' | 'level' | 'score' | 'coverage'> & Partial<CapabilityScore>>;
  findings: Finding[];
  evidence: Evidence[];
  regression: RegressionSummary;
  roadmap: RoadmapItem[];
  /** External frameworks judged from the same evidence (DESIGN §14; additive, absent on older reports). */
  frameworks?: FrameworksView;
  /** At-risk notices (DESIGN §14; additive, absent on older reports and when foresight had too few scans). */
  forecast?: ForecastEntry[];
}
