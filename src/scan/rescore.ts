/**
 * Re-evaluates a stored scan's evidence with the current rules. Time is the scan's own collection time and the
 * dead-band history is the complete scan before it, so unchanged rules reproduce the original result exactly.
 */
import { evaluate } from '../engine/evaluate.js';
import type { RuleSet } from '../engine/load-rules.js';
import type { Report } from '../report/types.js';
import type { Store, StoredScan } from '../store/store.js';
import { detectRegression } from './regression.js';

export async function rescoreScan(
  scan: StoredScan,
  ruleSet: RuleSet,
  store: Store,
  regression: { confirmScans: number; scoreDrop: number },
): Promise<Report> {
  const earlier = (await store.recentScans(scan.tenantId, { statuses: ['complete'], limit: 100_000 })).filter(
    (s) => s.id !== scan.id && (s.startedAt < scan.startedAt || (s.startedAt === scan.startedAt && s.finishedAt < scan.finishedAt)),
  );
  const evaluation = evaluate(scan.bundle, ruleSet.rules, {
    now: new Date(scan.bundle.collectedAt),
    previous: earlier[0]?.report.findings,
  });
  const reg = detectRegression(
    { ...evaluation, evidence: scan.bundle.evidence },
    earlier.slice(0, 10).map((s) => s.report),
    scan.status === 'complete',
    regression,
  );
  return {
    ...scan.report,
    level: evaluation.level,
    capabilities: evaluation.capabilities,
    findings: evaluation.findings,
    regression: reg,
    roadmap: evaluation.roadmap,
  };
}
