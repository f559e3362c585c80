/**
 * Re-scoring stored scans with the current rules (DESIGN §7 "rule-set changes never open a regression").
 * Time is the scan's own collection time and the dead-band history is the complete scan before it, so unchanged
 * rules reproduce the original result exactly.
 */
import { evaluate } from '../engine/evaluate.js';
import type { RuleSet } from '../config/load-rules.js';
import type { Evidence, EvidenceBundle } from '../domain/evidence.js';
import type { ScanView } from '../regression/compare.js';
import { replayEpisodes } from '../regression/replay.js';
import type { Report } from '../domain/report.js';
import type { Store, StoredScan } from '../store/store.js';
import { historyScansEvidence, withoutHistoryScans } from './history-evidence.js';
import { FORECAST_REACH_DAYS, forecastFor, memoryThenStore, withForecast, type ForesightConfig } from './forecast-history.js';
import { reportFrameworks } from '../frameworks/index.js';

const reportEvidence = (bundle: Evidence[], derived: Evidence[]) => [...withoutHistoryScans(bundle), ...derived];

function isBefore(a: Pick<StoredScan, 'startedAt' | 'finishedAt'>, b: Pick<StoredScan, 'startedAt' | 'finishedAt'>): boolean {
  return a.startedAt < b.startedAt || (a.startedAt === b.startedAt && a.finishedAt < b.finishedAt);
}

/**
 * A stored bundle with its `history.scans` rebuilt from the store as it stands: history is not kept in each bundle
 * (it would repeat up to 200 days of history in every scan), it is the store itself.
 */
export async function withHistory(scan: StoredScan, store: Store): Promise<EvidenceBundle> {
  const summaries = (await store.listScans(scan.tenantId, { statuses: ['complete'], limit: 100_000 })).filter((s) => s.id !== scan.id && isBefore(s, scan));
  const now = new Date(scan.bundle.collectedAt);
  return { ...scan.bundle, evidence: [...withoutHistoryScans(scan.bundle.evidence), historyScansEvidence(summaries, now)] };
}

/**
 * A stored scan as the current rules see it: as stored when the same rule set scored it, else re-scored from its
 * evidence bundle. Comparing a new scan with this, never with old rules' verdicts, is what keeps a rule change
 * from reading as a change in the estate.
 */
export async function comparableView(scan: StoredScan, ruleSet: RuleSet, store: Store): Promise<ScanView> {
  if (scan.rulesVersion === ruleSet.version) {
    const r = scan.report;
    return { id: scan.id, level: r.level, findings: r.findings, evidence: r.evidence, capabilities: r.capabilities };
  }
  const bundle = await withHistory(scan, store);
  const e = evaluate(bundle, ruleSet.rules, { now: new Date(scan.bundle.collectedAt) });
  return { id: scan.id, level: e.level, findings: e.findings, evidence: reportEvidence(bundle.evidence, e.derived), capabilities: e.capabilities };
}

/**
 * A stored scan re-scored with the current rules. Its `forecast` is recomputed too, from the same bounded window of
 * complete scans before it that the scan read (src/scan/forecast-history.ts): which gates hold the level, and their
 * thresholds, are the rules' to say, so a forecast kept from the old rules could name a gate that no longer exists.
 * Episodes, at-risk ones included, are what was raised at the time and are not rewritten.
 */
export async function rescoreScan(
  scan: StoredScan,
  ruleSet: RuleSet,
  store: Store,
  regression: { confirmScans: number; scoreDrop: number },
  foresight?: ForesightConfig,
): Promise<Report> {
  // The ten complete scans before this one (summaries first: loading every full scan of a long history is costly).
  const before = (await store.listScans(scan.tenantId, { statuses: ['complete'], limit: 100_000, capabilities: 'newest' })).filter((s) => s.id !== scan.id && isBefore(s, scan));
  const earlier = (await Promise.all(before.slice(0, 10).map((s) => store.getScan(s.id)))).filter((s): s is StoredScan => s !== null);
  const bundle = await withHistory(scan, store);
  const views = await Promise.all(earlier.map((s) => comparableView(s, ruleSet, store)));
  const evaluation = evaluate(bundle, ruleSet.rules, { now: new Date(scan.bundle.collectedAt), previous: views[0]?.findings });
  const evidence = reportEvidence(bundle.evidence, evaluation.derived);
  // The same episode machine the scan ran, replayed over the complete scans before this one (oldest first) and then
  // this scan: its last step is this scan's regression verdict under the current rules.
  const replay = replayEpisodes(
    scan.report.tenant,
    [
      ...earlier.map((s, i) => ({ view: views[i]!, status: s.status, finishedAt: s.finishedAt })).reverse(),
      { view: { id: scan.id, ...evaluation, evidence }, status: scan.status, finishedAt: scan.finishedAt },
    ],
    regression,
  );
  const reg = replay.outputs.at(-1)!.regression;
  const report: Report = {
    ...scan.report,
    level: evaluation.level,
    capabilities: evaluation.capabilities,
    findings: evaluation.findings,
    evidence,
    regression: reg,
    roadmap: evaluation.roadmap,
    frameworks: reportFrameworks(bundle, ruleSet),
  };
  const loaded = new Map(earlier.map((s) => [s.id, s]));
  const forecast = await forecastFor({ report, rules: ruleSet.rules, settings: foresight, summaries: before, load: memoryThenStore(loaded, store) });
  return withForecast(report, forecast);
}

export interface RescoreSummary {
  tenantId: string;
  scans: number;
  /** Level of the newest scan before and after. */
  before: number | null;
  after: number | null;
}

/**
 * `ratchet rescore --all`: re-scores a tenant's whole history with the current rules, oldest first, and stores it —
 * each scan's history gates read the already re-scored scans before it, so history is consistent with one rule set.
 * Regression records (what was alerted at the time) are kept as they were; the next scan compares against re-scored
 * history, so the rule change itself opens nothing. One transaction per scan: an interrupted run leaves every scan
 * either as it was or fully re-scored, and running it again finishes the job.
 */
export async function rescoreHistory(tenantId: string, ruleSet: RuleSet, store: Store, foresight?: ForesightConfig): Promise<RescoreSummary> {
  const scans = (await store.recentScans(tenantId, { limit: 1_000_000 })).reverse();
  const byId = new Map(scans.map((s) => [s.id, s]));
  // Complete scans already passed, oldest first, from the oldest a forecast can still reach: a long history stays linear.
  const completeBefore: StoredScan[] = [];
  let reachFrom = 0;
  const before = scans.at(-1)?.report.level.value ?? null;
  let previous: Report['findings'] | undefined;
  let after: number | null = null;
  for (const scan of scans) {
    const now = new Date(scan.bundle.collectedAt);
    const bundle = await withHistory(scan, store);
    const evaluation = evaluate(bundle, ruleSet.rules, { now, previous });
    const scored: Report = {
      ...scan.report,
      level: evaluation.level,
      capabilities: evaluation.capabilities,
      findings: evaluation.findings,
      evidence: reportEvidence(bundle.evidence, evaluation.derived),
      roadmap: evaluation.roadmap,
      frameworks: reportFrameworks(bundle, ruleSet),
    };
    // The forecast as the scan would have made it under these rules (the scans before it are already in memory).
    const reach = Date.parse(scan.finishedAt) - FORECAST_REACH_DAYS * 86_400_000;
    while (reachFrom < completeBefore.length && Date.parse(completeBefore[reachFrom]!.finishedAt) < reach) reachFrom += 1;
    const before = completeBefore.slice(reachFrom).filter((s) => isBefore(s, scan));
    const report = withForecast(scored, await forecastFor({ report: scored, rules: ruleSet.rules, settings: foresight, summaries: before, load: memoryThenStore(byId, null) }));
    await store.replaceScanScores({ ...scan, report, rulesVersion: ruleSet.version });
    if (scan.status === 'complete') {
      previous = evaluation.findings;
      completeBefore.push(scan);
    }
    after = evaluation.level.value;
  }
  return { tenantId, scans: scans.length, before, after };
}
