/**
 * One scan of one tenant: collect → bundle → evaluate → compare with history → store (one transaction) → report.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { CollectorPlugin } from '../collectors/plugin.js';
import type { RatchetConfig, TenantConfig } from '../config/schema.js';
import { evaluate } from '../engine/evaluate.js';
import type { RuleSet } from '../engine/load-rules.js';
import { deriveEvidence } from '../evidence/derive.js';
import type { EvidenceBundle } from '../evidence/types.js';
import { scrubDeep } from '../log/secrets.js';
import type { CollectorRun, Report, ScanStatus } from '../report/types.js';
import type { Store } from '../store/store.js';
import { historyStability } from './history-evidence.js';
import { detectRegression } from './regression.js';
import { runCollectors } from './run-collectors.js';

export interface ScanDeps {
  config: RatchetConfig;
  plugins: readonly CollectorPlugin[];
  ruleSet: RuleSet;
  store: Store;
  logger: Logger;
  now?: () => Date;
  signal?: AbortSignal;
}

export function scanStatus(runs: CollectorRun[]): ScanStatus {
  const active = runs.filter((r) => r.status !== 'skipped');
  if (active.length === 0 || active.every((r) => r.status === 'error')) return 'failed';
  return active.every((r) => r.status === 'ok') ? 'complete' : 'partial';
}

/** How many previous complete scans the regression check needs to look at. */
const HISTORY_LOOKBACK = 10;

export async function scanTenant(tenant: TenantConfig, deps: ScanDeps): Promise<Report> {
  const now = deps.now ?? (() => new Date());
  const logger = deps.logger.child({ tenant: tenant.id });
  const id = randomUUID();
  const startedAt = now();
  logger.info({ scanId: id }, 'scan started');

  const collected = await runCollectors(tenant, deps.plugins, {
    logger,
    now,
    timeoutMs: deps.config.scan.collectorTimeoutSeconds * 1000,
    signal: deps.signal,
  });
  const status = scanStatus(collected.runs);
  const finishedAt = now();

  const summaries = await deps.store.listScans(tenant.id, { statuses: ['complete'], limit: 10_000 });
  const bundle: EvidenceBundle = {
    tenantId: tenant.id,
    sources: collected.sources,
    collectedAt: finishedAt.toISOString(),
    evidence: [
      ...collected.evidence,
      ...deriveEvidence(collected.evidence, collected.sources, finishedAt),
      historyStability(summaries, finishedAt),
    ],
  };
  const previousComplete = await deps.store.recentScans(tenant.id, { statuses: ['complete'], limit: HISTORY_LOOKBACK });
  const previous = previousComplete[0]?.report.findings;
  const evaluation = evaluate(bundle, deps.ruleSet.rules, { now: finishedAt, previous });
  const regression = detectRegression(
    { ...evaluation, evidence: bundle.evidence },
    previousComplete.map((s) => s.report),
    status === 'complete',
    deps.config.regression,
  );

  const report: Report = scrubDeep({
    schemaVersion: 1,
    tenant: { id: tenant.id, name: tenant.name },
    scan: { id, startedAt: startedAt.toISOString(), finishedAt: finishedAt.toISOString(), status, collectors: collected.runs },
    level: evaluation.level,
    capabilities: evaluation.capabilities,
    findings: evaluation.findings,
    evidence: bundle.evidence,
    regression,
    roadmap: evaluation.roadmap,
  });
  await deps.store.saveScan({
    id,
    tenantId: tenant.id,
    startedAt: report.scan.startedAt,
    finishedAt: report.scan.finishedAt,
    status,
    rulesVersion: deps.ruleSet.version,
    report,
    bundle: scrubDeep(bundle),
  });
  logger.info(
    { scanId: id, status, level: report.level.value, potential: report.level.potential, regression: regression.detected },
    'scan finished',
  );
  if (regression.lostVisibility.length > 0) {
    logger.warn({ keys: regression.lostVisibility }, 'lost visibility: evidence that was available before is not now');
  }
  return report;
}
