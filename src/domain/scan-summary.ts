/**
 * The light view of one stored scan: its headline level and per-capability scores without the report or evidence
 * documents. The portfolio and tenant pages, `ratchet history` and the history gates of levels 4 and 5 all read
 * it, so it lives with the domain types rather than in the store: the web layer's HTTP contract and the browser UI
 * then describe what they show without depending on how it is stored.
 */
import type { ScanStatus } from './report.js';

export interface ScanSummary {
  id: string;
  tenantId: string;
  startedAt: string;
  finishedAt: string;
  status: ScanStatus;
  level: number;
  potential: number;
  confirmed: boolean;
  regressionDetected: boolean;
  regressionConfirmed: boolean;
  capabilities: Array<{
    id: string;
    level: number;
    score: number | null;
    coverage: number;
    /** Level / score of the point-in-time gates alone (history gates left out); the level for older scans. */
    snapshotLevel?: number;
    snapshotPotential?: number;
    snapshotScore?: number | null;
  }>;
}
