/**
 * Prometheus metrics (prom-client) for `ratchet serve`: one registry for the process, served at `GET /metrics`.
 *
 * The module-level `metrics` instance is what the shared HTTP layers count retries into (`recordRetry`), so a retry
 * deep inside a collector needs no plumbing. In a one-shot `ratchet scan` nobody reads it; that costs nothing.
 * Default Node metrics (`process_*`, `nodejs_*`) are switched on by `enableDefaultMetrics()` (serve only).
 *
 * Cardinality: `tenant` labels are bounded by the config's tenant list, `collector`/`vendor` by the plugins.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Report } from './domain/report.js';

export const SCAN_OUTCOMES = ['complete', 'partial', 'failed', 'aborted'] as const;
export type ScanMetricOutcome = (typeof SCAN_OUTCOMES)[number];

/** What the open-regressions gauge needs of the store (the Store interface fits). */
export interface EpisodeSource {
  episodes(tenantId: string, opts?: { open?: boolean }): Promise<Array<{ kind: string; state: string }>>;
}

/** What the tenant gauges need to start from history (the Store interface fits). */
export interface HistorySource extends EpisodeSource {
  listScans(tenantId: string, opts?: { limit?: number; statuses?: Array<'complete' | 'partial' | 'failed'> }): Promise<Array<{ finishedAt: string; level: number; potential: number }>>;
}

export interface SchedulerGaugeSource {
  health(): { running: number; queued: number };
}

export class RatchetMetrics {
  readonly registry: Registry;
  readonly scans: Counter<'outcome'>;
  readonly scanDuration: Histogram<'outcome'>;
  readonly collectorErrors: Counter<'collector'>;
  readonly httpRetries: Counter<'vendor'>;
  readonly limiterWaits: Counter<'vendor'>;
  readonly limiterWaitSeconds: Counter<'vendor'>;
  readonly tenantLevel: Gauge<'tenant'>;
  readonly tenantPotentialLevel: Gauge<'tenant'>;
  readonly tenantLastScan: Gauge<'tenant'>;
  readonly regressionsOpen: Gauge<'tenant'>;
  private schedulerSource: SchedulerGaugeSource | null = null;
  private defaultMetrics = false;
  private readonly openByTenant = new Map<string, number>();

  constructor(registry: Registry = new Registry()) {
    this.registry = registry;
    const registers = [registry];
    this.scans = new Counter({ name: 'ratchet_scans_total', help: 'Tenant scans by outcome', labelNames: ['outcome'], registers });
    for (const outcome of SCAN_OUTCOMES) this.scans.inc({ outcome }, 0);
    this.scanDuration = new Histogram({
      name: 'ratchet_scan_duration_seconds',
      help: 'Wall-clock duration of a tenant scan (collect, evaluate, store)',
      labelNames: ['outcome'],
      buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600],
      registers,
    });
    this.collectorErrors = new Counter({
      name: 'ratchet_collector_errors_total',
      help: 'Collector runs that ended in error or partial, by collector (vendor)',
      labelNames: ['collector'],
      registers,
    });
    this.httpRetries = new Counter({ name: 'ratchet_http_retries_total', help: 'Vendor HTTP requests retried (429, 5xx, network), by vendor', labelNames: ['vendor'], registers });
    this.limiterWaits = new Counter({
      name: 'ratchet_vendor_limiter_waits_total',
      help: 'Vendor requests that waited for their account request budget (the shared vendor rate limiter), by vendor',
      labelNames: ['vendor'],
      registers,
    });
    this.limiterWaitSeconds = new Counter({
      name: 'ratchet_vendor_limiter_wait_seconds_total',
      help: 'Time vendor requests spent waiting for their account request budget, by vendor',
      labelNames: ['vendor'],
      registers,
    });
    this.tenantLevel = new Gauge({ name: 'ratchet_tenant_level', help: 'Confirmed maturity level (1-5) of the last complete or partial scan', labelNames: ['tenant'], registers });
    this.tenantPotentialLevel = new Gauge({
      name: 'ratchet_tenant_potential_level',
      help: 'Potential maturity level (unknown gates counted as passed) of the last complete or partial scan',
      labelNames: ['tenant'],
      registers,
    });
    this.tenantLastScan = new Gauge({ name: 'ratchet_tenant_last_scan_timestamp_seconds', help: 'When the last scan of the tenant finished (Unix time)', labelNames: ['tenant'], registers });
    this.regressionsOpen = new Gauge({ name: 'ratchet_regressions_open', help: 'Confirmed regression episodes not yet recovered', labelNames: ['tenant'], registers });
    const scheduler = () => this.schedulerSource;
    new Gauge({
      name: 'ratchet_scans_running',
      help: 'Scans running now',
      registers,
      collect() {
        const source = scheduler();
        if (source) this.set(source.health().running);
      },
    });
    new Gauge({
      name: 'ratchet_scans_queued',
      help: 'Scans waiting for their jitter or for a free slot',
      registers,
      collect() {
        const source = scheduler();
        if (source) this.set(source.health().queued);
      },
    });
  }

  /** process_* and nodejs_* metrics; idempotent. */
  enableDefaultMetrics(): void {
    if (this.defaultMetrics) return;
    this.defaultMetrics = true;
    collectDefaultMetrics({ register: this.registry });
  }

  observeScheduler(source: SchedulerGaugeSource | null): void {
    this.schedulerSource = source;
  }

  /** A scan that produced a report (stored). */
  recordScan(report: Report, durationMs: number): void {
    const outcome = report.scan.status;
    this.scans.inc({ outcome });
    this.scanDuration.observe({ outcome }, durationMs / 1000);
    for (const run of report.scan.collectors) {
      if (run.status === 'error' || run.status === 'partial') this.collectorErrors.inc({ collector: run.id });
    }
    const tenant = report.tenant.id;
    const finished = Date.parse(report.scan.finishedAt);
    if (Number.isFinite(finished)) this.tenantLastScan.set({ tenant }, finished / 1000);
    // A failed scan has no evidence: its level says nothing about the tenant, so the gauges keep the last real one.
    if (outcome !== 'failed') {
      this.tenantLevel.set({ tenant }, report.level.value);
      this.tenantPotentialLevel.set({ tenant }, report.level.potential);
    }
    if (report.regression.confirmed) this.setRegressionsOpen(tenant, Math.max(1, this.openByTenant.get(tenant) ?? 0));
  }

  /** A scan that produced no report: aborted (shutdown) or failed by throwing (e.g. the store is unreachable). */
  recordScanWithoutReport(outcome: 'failed' | 'aborted', durationMs: number): void {
    this.scans.inc({ outcome });
    this.scanDuration.observe({ outcome }, durationMs / 1000);
  }

  recordRetry(vendor: string): void {
    this.httpRetries.inc({ vendor });
  }

  /** A vendor request that waited `waitedMs` for its account's budget (the rate gate's wait listener). */
  recordLimiterWait(vendor: string, waitedMs: number): void {
    this.limiterWaits.inc({ vendor });
    this.limiterWaitSeconds.inc({ vendor }, Math.max(0, waitedMs) / 1000);
  }

  /**
   * Open confirmed regression episodes of a tenant, from the store; when the store cannot tell (no episodes yet,
   * or it fails), the last report's `regression.confirmed` stands in.
   */
  async refreshRegressionsOpen(store: EpisodeSource, tenant: string, report?: Report): Promise<void> {
    let open = 0;
    try {
      const episodes = await store.episodes(tenant, { open: true });
      open = episodes.filter((e) => e.kind === 'regression' && e.state === 'confirmed').length;
    } catch {
      open = 0;
    }
    if (report?.regression.confirmed) open = Math.max(open, 1);
    this.setRegressionsOpen(tenant, open);
  }

  /** Tenant gauges from history, so a restart does not blank the dashboards until the next scheduled scan. */
  async loadFromHistory(store: HistorySource, tenantIds: readonly string[]): Promise<void> {
    for (const tenant of tenantIds) {
      const [scored] = await store.listScans(tenant, { limit: 1, statuses: ['complete', 'partial'] });
      if (scored) {
        this.tenantLevel.set({ tenant }, scored.level);
        this.tenantPotentialLevel.set({ tenant }, scored.potential);
      }
      const [last] = await store.listScans(tenant, { limit: 1 });
      const finished = last ? Date.parse(last.finishedAt) : NaN;
      if (Number.isFinite(finished)) this.tenantLastScan.set({ tenant }, finished / 1000);
      await this.refreshRegressionsOpen(store, tenant);
    }
  }

  private setRegressionsOpen(tenant: string, open: number): void {
    this.openByTenant.set(tenant, open);
    this.regressionsOpen.set({ tenant }, open);
  }
}

/** The process-wide metrics. */
export const metrics = new RatchetMetrics();

export function recordScan(report: Report, durationMs: number): void {
  metrics.recordScan(report, durationMs);
}

/** Called by the shared HTTP layers (axios-retry onRetry, the Graph RequestMeter) for each retry. */
export function recordRetry(vendor: string): void {
  metrics.recordRetry(vendor);
}

/** The rate gates' wait listener (src/collector-kit/rate-gate.ts `RateWaitListener`), wired in src/app/context.ts. */
export function recordLimiterWait(vendor: string, waitedMs: number): void {
  metrics.recordLimiterWait(vendor, waitedMs);
}
