/**
 * Regression episodes (DESIGN §8): a regression is opened when a complete scan shows a drop against the baseline,
 * confirmed after `confirmScans` consecutive complete scans (or an immediate targeted re-check for critical rules),
 * and closed when the level and scores are back. One alert when confirmed, one recovery message when it closes —
 * persisted with the scan in one transaction so a restart never re-sends.
 */
import type { ForecastEntry } from './forecast.js';
import type { RegressionDrop } from './report.js';

/**
 * `at_risk` (DESIGN §14): one per tenant while foresight projects a gate that holds a level to fail within the
 * horizon; it lists the gates (`forecast`). Never a regression: it opens no ticket, confirms nothing and is closed
 * (`closedReason: 'superseded'`) when a real regression of one of its gates takes over.
 */
export type EpisodeKind = 'regression' | 'visibility' | 'at_risk';
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
  /** at_risk: the forecast entries (gates projected to fail) as of the latest complete scan. */
  forecast?: ForecastEntry[];
  /** at_risk, once closed: the forecast cleared, or a regression of its gates took over. */
  closedReason?: 'cleared' | 'superseded';
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  acknowledgement: string | null;
}

/**
 * `at_risk` / `at_risk_cleared` go only to channels that opted in (`alerts[].atRisk: true`): the notice when the
 * episode opens, and its end when the trend no longer projects a crossing (not when a regression takes over: the
 * regression alert says that).
 */
export type AlertEventKind = 'regression' | 'recovery' | 'lost_visibility' | 'visibility_restored' | 'at_risk' | 'at_risk_cleared';

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
  /** at_risk / at_risk_cleared: the gates projected to fail (absent on other kinds). */
  forecast?: ForecastEntry[];
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
