/**
 * One scan of one tenant: collect → bundle → evaluate → compare with history → store (one transaction) → report.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { CollectorPlugin } from '../collector-kit/plugin.js';
import type { RateGate } from '../collector-kit/rate-gate.js';
import type { RatchetConfig, TenantConfig } from '../config/schema.js';
import { evaluate } from '../engine/evaluate.js';
import type { RuleSet } from '../config/load-rules.js';
import { deriveEvidence, deriveRestoreTest } from '../evidence/derive.js';
import type { EvidenceBundle } from '../domain/evidence.js';
import { scrubDeep } from '../log/secrets.js';
import type { CollectorRun, Report, ScanStatus } from '../domain/report.js';
import type { Store } from '../store/store.js';
import { advanceEpisodes, type ScanView } from '../regression/episodes.js';
import { planDeliveries } from '../alerts/outbox.js';
import { planTicketOps } from '../psa/plan.js';
import { attestationEvidence } from './attestation-evidence.js';
import { historyScansEvidence, historyStability, withoutHistoryScans } from './history-evidence.js';
import { comparableView } from './rescore.js';
import { runCollectors } from './run-collectors.js';
import { reportFrameworks } from '../frameworks/index.js';
import { forecastFor, storeLoader, withForecast } from './forecast-history.js';
import { channelsFor } from '../alerts/at-risk-channels.js';

export interface ScanDeps {
  config: RatchetConfig;
  plugins: readonly CollectorPlugin[];
  ruleSet: RuleSet;
  store: Store;
  logger: Logger;
  now?: () => Date;
  signal?: AbortSignal;
  /** Alert channel ids (`<index>:<type>`); confirmed regressions queue one delivery per channel. */
  channelIds?: readonly string[];
  /** Paces requests per vendor account (the Context's); undefined = the process-wide in-memory gate. */
  rateGate?: RateGate;
}

export function scanStatus(runs: CollectorRun[]): ScanStatus {
  const active = runs.filter((r) => r.status !== 'skipped');
  if (active.length === 0 || active.every((r) => r.status === 'error')) return 'failed';
  return active.every((r) => r.status === 'ok') ? 'complete' : 'partial';
}

const view = (id: string, r: Pick<Report, 'level' | 'findings' | 'evidence' | 'capabilities'>): ScanView => ({
  id,
  level: r.level,
  findings: r.findings,
  evidence: r.evidence,
  capabilities: r.capabilities,
});

export interface Collected {
  runs: CollectorRun[];
  evidence: EvidenceBundle['evidence'];
  sources: string[];
}

/**
 * Scores collected evidence, advances regression episodes and stores everything in one transaction.
 * `recheck` marks the targeted re-check of critical rules that follows a pending regression.
 */
export async function finishScan(tenant: TenantConfig, deps: ScanDeps, collected: Collected, startedAt: Date, recheck: boolean): Promise<{ report: Report; recheckKeys: string[] }> {
  const now = deps.now ?? (() => new Date());
  const logger = deps.logger.child({ tenant: tenant.id });
  const id = randomUUID();
  const status = scanStatus(collected.runs);
  const finishedAt = now();
  const summaries = await deps.store.listScans(tenant.id, { statuses: ['complete'], limit: 10_000 });
  const attested = attestationEvidence(await deps.store.attestations(tenant.id), finishedAt);
  const declared = Object.entries(tenant.outOfScope ?? {}).filter((e): e is [string, string] => typeof e[1] === 'string');
  const outOfScope = declared.length > 0 ? { outOfScope: Object.fromEntries(declared) } : {};
  const bundle: EvidenceBundle = {
    tenantId: tenant.id,
    sources: collected.sources,
    collectedAt: finishedAt.toISOString(),
    ...outOfScope,
    evidence: [
      ...collected.evidence,
      ...deriveEvidence(collected.evidence, collected.sources, finishedAt),
      historyStability(summaries, finishedAt),
      historyScansEvidence(summaries, finishedAt),
      ...attested,
      deriveRestoreTest([...collected.evidence, ...attested], finishedAt),
    ],
  };
  const [lastStored] = await deps.store.recentScans(tenant.id, { statuses: ['complete'], limit: 1 });
  // A rule-set change must never open a regression (DESIGN §7): scans scored by other rules are re-scored with the
  // current ones before anything is compared with them.
  const lastComplete = lastStored ? await comparableView(lastStored, deps.ruleSet, deps.store) : undefined;
  const evaluation = evaluate(bundle, deps.ruleSet.rules, { now: finishedAt, previous: lastComplete?.findings });
  const open = await deps.store.episodes(tenant.id, { open: true });
  const baselines = new Map<string, ScanView>();
  for (const e of open) {
    if (!e.baselineScanId || baselines.has(e.baselineScanId)) continue;
    const b = await deps.store.getScan(e.baselineScanId);
    if (b) baselines.set(b.id, await comparableView(b, deps.ruleSet, deps.store));
  }
  const evidence = [...withoutHistoryScans(bundle.evidence), ...evaluation.derived];
  // Foresight reads the gates this scan holds and the recent complete scans before it (bounded: forecast-history.ts).
  const scored: Report = {
    schemaVersion: 1,
    tenant: { id: tenant.id, name: tenant.name },
    scan: { id, startedAt: startedAt.toISOString(), finishedAt: finishedAt.toISOString(), status, collectors: collected.runs },
    level: evaluation.level,
    capabilities: evaluation.capabilities,
    findings: evaluation.findings,
    evidence,
    regression: { detected: false, confirmed: false, previousLevel: null, drops: [], lostVisibility: [] },
    roadmap: evaluation.roadmap,
    // Essential Eight from the same bundle (attestations included): a pure function of it, so rescore agrees.
    frameworks: reportFrameworks(bundle, deps.ruleSet),
  };
  const forecast = await forecastFor({ report: scored, rules: deps.ruleSet.rules, settings: deps.config.foresight, summaries, load: storeLoader(deps.store) });
  const episodes = advanceEpisodes({
    tenant: { id: tenant.id, name: tenant.name },
    scan: { ...view(id, { ...evaluation, evidence }), status, finishedAt: finishedAt.toISOString() },
    open,
    lastComplete,
    baselines,
    recheck,
    opts: { ...deps.config.regression, publicUrl: deps.config.server.publicUrl },
    forecast,
  });
  const rulesChanged = lastStored && lastStored.rulesVersion !== deps.ruleSet.version
    ? { from: lastStored.rulesVersion, to: deps.ruleSet.version, note: 'the rule set changed: the previous scan was re-scored with the current rules before comparing' }
    : undefined;

  // The report carries history.<capability> (what the history gates read), not its input history.scans.
  const report: Report = scrubDeep(
    withForecast({ ...scored, regression: rulesChanged ? { ...episodes.regression, rulesChanged } : episodes.regression }, forecast),
  );
  // At-risk events go only to the channels that opted in (alerts[].atRisk); every other event to every channel.
  const deliveries = episodes.events.flatMap((ev) => planDeliveries(scrubDeep(ev), channelsFor(ev.kind, deps.channelIds ?? [], deps.config.alerts), finishedAt));
  const ticketOps = scrubDeep(
    planTicketOps(
      {
        psa: deps.config.psa,
        tenant,
        before: open,
        episodes: episodes.episodes,
        events: episodes.events,
        scan: { id, finishedAt: report.scan.finishedAt, level: report.level.value, findings: report.findings, evidence: report.evidence },
        publicUrl: deps.config.server.publicUrl,
      },
      finishedAt,
    ),
  );
  await deps.store.saveScan(
    { id, tenantId: tenant.id, startedAt: report.scan.startedAt, finishedAt: report.scan.finishedAt, status, rulesVersion: deps.ruleSet.version, report, bundle: scrubDeep({ ...bundle, evidence: withoutHistoryScans(bundle.evidence) }) },
    { episodes: episodes.episodes, deliveries, ticketOps },
  );
  logger.info(
    { scanId: id, status, maturityLevel: report.level.value, potential: report.level.potential, regression: report.regression.detected, recheck },
    'scan finished',
  );
  for (const ev of episodes.events) {
    logger.warn({ scanId: id, episode: ev.episodeId, event: ev.kind, previousLevel: ev.previousLevel, currentLevel: ev.currentLevel }, `alert queued: ${ev.kind}`);
  }
  for (const op of ticketOps) logger.info({ scanId: id, episode: op.payload.episodeId, action: op.payload.action }, `PSA ticket ${op.payload.action} queued`);
  if (report.regression.lostVisibility.length > 0) {
    logger.warn({ keys: report.regression.lostVisibility }, 'lost visibility: evidence that was available before is not now');
  }
  return { report, recheckKeys: episodes.recheckKeys };
}

export async function scanTenant(tenant: TenantConfig, deps: ScanDeps): Promise<Report> {
  const now = deps.now ?? (() => new Date());
  const logger = deps.logger.child({ tenant: tenant.id });
  const startedAt = now();
  logger.info('scan started');
  const collectorOpts = { logger, now, timeoutMs: deps.config.scan.collectorTimeoutSeconds * 1000, signal: deps.signal, rateGate: deps.rateGate };
  const collected = await runCollectors(tenant, deps.plugins, collectorOpts);
  // An aborted scan (shutdown) is not stored: half-collected evidence would read as lost visibility.
  if (deps.signal?.aborted) throw new Error(`scan of ${tenant.id} aborted`);
  const first = await finishScan(tenant, deps, collected, startedAt, false);
  if (first.recheckKeys.length === 0 || deps.signal?.aborted) return first.report;

  // A critical control dropped: re-collect just the evidence its rules read, now, instead of waiting for the next
  // scheduled scan (DESIGN §8). The rest of the bundle is carried over from the scan just stored.
  logger.warn({ keys: first.recheckKeys }, 'critical control regressed: targeted re-check');
  const recheckStarted = now();
  const again = await runCollectors(tenant, deps.plugins, { ...collectorOpts, only: first.recheckKeys });
  if (deps.signal?.aborted) return first.report;
  const fresh = new Set(again.evidence.map((e) => e.key));
  // Derived, history and attestation evidence are recomputed by finishScan; carrying them would duplicate keys.
  const recomputed = new Set(['core', 'history', 'attestation']);
  const carried = first.report.evidence.filter((e) => !fresh.has(e.key) && !recomputed.has(e.source.collector));
  const merged: Collected = { runs: again.runs, evidence: [...carried, ...again.evidence], sources: collected.sources };
  return (await finishScan(tenant, deps, merged, recheckStarted, true)).report;
}
