/**
 * Regression episodes (DESIGN §8): a regression is opened when a complete scan shows a drop against the baseline,
 * confirmed after `confirmScans` consecutive complete scans (or an immediate targeted re-check for critical rules),
 * and closed when the level and scores are back. One alert when confirmed, one recovery message when it closes —
 * persisted with the scan in one transaction so a restart never re-sends.
 */
import type { RegressionDrop } from './report.js';

export type EpisodeKind = 'regression' | 'visibility';
export type EpisodeState = 'pending' | 'confirmed' | 'closed';

export interface Episode {
  id: string;
  tenantId: string;
  kind: EpisodeKind;
  state: EpisodeState;
  openedAt: string;
  openedScanId: string;
  /** The last complete scan before the drop: what "recovered" means. */
  baselineScanId: string | null;
  confirmedAt: string | null;
  confirmedScanId: string | null;
  closedAt: string | null;
  closedScanId: string | null;
  /** Complete scans that have shown the drop so far. */
  confirmations: number;
  previousLevel: number | null;
  currentLevel: number | null;
  /** regression: the drops; visibility: the evidence keys that stopped being available. */
  drops: RegressionDrop[];
  lostKeys: string[];
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  acknowledgement: string | null;
}

export type AlertEventKind = 'regression' | 'recovery' | 'lost_visibility' | 'visibility_restored';

/** What an alert says (DESIGN §8): tenant, previous → current level, the rules that changed, where to look. */
export interface AlertEvent {
  kind: AlertEventKind;
  episodeId: string;
  tenant: { id: string; name: string };
  occurredAt: string;
  scanId: string;
  previousLevel: number | null;
  currentLevel: number | null;
  /** Level names for humans. */
  previousLevelName: string | null;
  currentLevelName: string | null;
  drops: RegressionDrop[];
  lostKeys: string[];
  /** Link to the evidence in the web UI when `server.publicUrl` is set, else null. */
  link: string | null;
  /** The command that shows the evidence. */
  command: string;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

/**
 * Where an outbox row stands (alerts, client reports, PSA tickets): every outbox worker claims, retries and records
 * rows through these fields, whatever the row carries.
 */
export interface OutboxState {
  status: DeliveryStatus;
  /** Attempts so far, the one in progress included (a claim counts it). */
  attempts: number;
  /** Due time, or the end of the lease while a worker holds the row. */
  nextAttemptAt: string;
  lastError: string | null;
  createdAt: string;
  deliveredAt: string | null;
}

/** One alert event to one channel: the outbox row. */
export interface Delivery extends OutboxState {
  id: string;
  episodeId: string;
  event: AlertEventKind;
  /** `<index>:<type>` of the channel in config `alerts[]`. */
  channel: string;
  /** Stable across retries and restarts; sent to receivers (webhook `Idempotency-Key`). */
  idempotencyKey: string;
  payload: AlertEvent;
}
