/**
 * The history store interface (DESIGN §10). SQLite is the default adapter; a PostgreSQL adapter implements the same
 * interface later and must pass the same contract tests. Methods are async so that network-backed adapters fit.
 * A scan is written in one transaction: history never shows half a scan.
 */
import type { EvidenceBundle } from '../evidence/types.js';
import type { Delivery, Episode } from '../regression/types.js';
import type { Report, ScanStatus } from '../report/types.js';

export interface StoredScan {
  id: string;
  tenantId: string;
  startedAt: string;
  finishedAt: string;
  status: ScanStatus;
  /** Hash of the rule set that scored it, so a rescore can tell whether rules changed. */
  rulesVersion: string;
  report: Report;
  bundle: EvidenceBundle;
}

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
  capabilities: Array<{ id: string; level: number; score: number | null; coverage: number }>;
}

export interface ListOptions {
  limit?: number;
  statuses?: ScanStatus[];
}

/**
 * What a scan changes besides itself, written in the same transaction: episode upserts (by id) and new alert
 * deliveries (an existing idempotency key is left alone, so a replay never queues an alert twice).
 */
export interface ScanEffects {
  episodes?: Episode[];
  deliveries?: Delivery[];
}

export type DeliveryUpdate = Pick<Delivery, 'status' | 'attempts' | 'nextAttemptAt' | 'lastError' | 'deliveredAt'>;

export interface Store {
  /** Applies pending versioned migrations; idempotent. */
  migrate(): Promise<void>;
  saveScan(scan: StoredScan, effects?: ScanEffects): Promise<void>;
  getScan(id: string): Promise<StoredScan | null>;
  /** Full scans of a tenant, newest first. */
  recentScans(tenantId: string, opts?: ListOptions): Promise<StoredScan[]>;
  /** Light summaries of a tenant's scans, newest first. */
  listScans(tenantId: string, opts?: ListOptions): Promise<ScanSummary[]>;
  tenantIds(): Promise<string[]>;
  /** Episodes of a tenant, newest first; `open` = not closed. */
  episodes(tenantId: string, opts?: { open?: boolean; limit?: number }): Promise<Episode[]>;
  /** Upsert one episode outside a scan (acknowledgement). */
  saveEpisode(episode: Episode): Promise<void>;
  /** Pending deliveries whose next attempt is due at `now` (ISO), oldest first. */
  dueDeliveries(now: string, limit: number): Promise<Delivery[]>;
  deliveries(opts?: { episodeId?: string; limit?: number }): Promise<Delivery[]>;
  updateDelivery(id: string, update: DeliveryUpdate): Promise<void>;
  /** Cheap round trip for health checks. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
