/**
 * Contracts between the web layer's parts (issue 6): the authenticated principal that the auth plugin puts on every
 * request, and the data service that both the REST API and the HTML pages read through — so the pages and the
 * API can never disagree about what a principal may see. Tenant scoping lives in the service: a tenant outside
 * the principal's scope is "not found" (404), never "forbidden", so its existence does not leak.
 */
import type { LevelScope } from '../domain/assessment.js';
import type { Evidence } from '../domain/evidence.js';
import type { Episode } from '../domain/episode.js';
import type { Report, ScanStatus } from '../domain/report.js';
import type { Attestation, AttestationKind, AttestationStatus } from '../domain/attestation.js';
import type { AuditEntry } from '../domain/audit.js';
import type { Principal } from '../domain/principal.js';
import type { ScanSummary } from '../domain/scan-summary.js';
import type { Benchmark, BenchmarkScore } from '../report/benchmark.js';

export interface TenantSummary {
  id: string;
  name: string;
  level: number | null;
  levelName: string | null;
  potential: number | null;
  confirmed: boolean | null;
  capabilities: Array<{ id: string; name: string; level: number; score: number | null; coverage: number }>;
  /**
   * The newest scan's `level.scope` (DESIGN §7): whether every in-scope capability is assessed, the unassessed ones
   * with the source to connect, and the ones the config declares out of scope with the reason. Null when the tenant
   * was never scanned or its newest report predates scope.
   */
  scope: LevelScope | null;
  /** The newest scan's `level.restsOn` ("level 2 (Managed) is the weakest in-scope capability: …"); null as scope. */
  restsOn: string | null;
  lastScan: { id: string; finishedAt: string; status: ScanStatus } | null;
  openRegressions: number;
  /** Confirmed level of the last 30 scans, oldest first (for a sparkline). */
  sparkline: Array<{ at: string; level: number; status: ScanStatus }>;
  /**
   * The level's percentile among the MSP's tenants (latest complete scan of each; issue 16): filled by the portfolio
   * list (`tenants`), absent elsewhere; null when the tenant has no complete scan.
   */
  levelBenchmark?: BenchmarkScore | null;
}

export interface OffenderPage {
  /** Evidence value field holding the list (e.g. `unregistered`, `nonCompliant`, `uncovered`). */
  field: string;
  items: string[];
  /** True count (lists are capped at collection). */
  total: number;
  page: number;
  pageSize: number;
}

export interface ScanDiff {
  from: { id: string; finishedAt: string; level: number };
  to: { id: string; finishedAt: string; level: number };
  capabilities: Array<{ id: string; fromLevel: number; toLevel: number; fromScore: number | null; toScore: number | null }>;
  /** Rules whose outcome or measured value changed. */
  rules: Array<{ ruleId: string; capability: string; from: string; to: string; fromObserved: string; toObserved: string }>;
  evidence: Array<{ key: string; from: string; to: string }>;
}

/** Where an episode's PSA ticket stands: made (open/closed at the PSA), waiting for the PSA, or refused by it. */
export interface EpisodeTicket {
  episodeId: string;
  state: 'open' | 'closed' | 'waiting' | 'failed';
  provider: string | null;
  ticketId: string | null;
  /** Why it waits or failed (the PSA's answer), else null. */
  detail: string | null;
}

/** Every read and action of the web layer. Each method enforces the principal's tenant scope (null = not found). */
export interface WebService {
  tenants(p: Principal): Promise<TenantSummary[]>;
  /** `benchmark`: the tenant's standing among the MSP's tenants (null without a complete scan; absent = not supported). */
  tenant(p: Principal, tenantId: string): Promise<{ summary: TenantSummary; report: Report | null; benchmark?: Benchmark | null } | null>;
  scans(p: Principal, tenantId: string, limit?: number): Promise<ScanSummary[] | null>;
  scan(p: Principal, tenantId: string, scanId: string): Promise<Report | null>;
  evidence(p: Principal, tenantId: string, scanId: string, key: string, page?: number, pageSize?: number): Promise<{ evidence: Evidence; offenders: OffenderPage[] } | null>;
  diff(p: Principal, tenantId: string, fromScanId: string, toScanId: string): Promise<ScanDiff | null>;
  episodes(p: Principal, tenantId: string): Promise<Episode[] | null>;
  /** The PSA ticket of each episode that has one or is waiting for one (DESIGN §13); absent = no PSA support. */
  episodeTickets?(p: Principal, tenantId: string): Promise<EpisodeTicket[] | null>;
  /** technician+ */
  acknowledge(p: Principal, tenantId: string, episodeId: string, comment: string): Promise<Episode | null>;
  /** technician+: queue a scan through the scheduler. */
  scanNow(p: Principal, tenantId: string): Promise<{ queued: boolean; reason?: string } | null>;
  attestations(p: Principal, tenantId: string): Promise<Array<Attestation & { status: AttestationStatus }> | null>;
  /** technician+ */
  recordAttestation(
    p: Principal,
    tenantId: string,
    input: { kind: AttestationKind; note: string; fileRef?: string | null; attestedAt: string; expiresAt: string },
  ): Promise<Attestation | null>;
  /** technician+ */
  revokeAttestation(p: Principal, tenantId: string, attestationId: string): Promise<Attestation | null>;
  auditLog(p: Principal, tenantId?: string, limit?: number): Promise<AuditEntry[]>;
}
