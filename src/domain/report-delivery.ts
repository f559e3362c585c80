/**
 * A scheduled client report on its way to its recipients (DESIGN §13): one outbox row per (report schedule, tenant,
 * period). The row says what to render — never the rendered document: the dispatcher renders at send time from the
 * stored history, so a retry a day later sends the same facts and the database holds no PDFs.
 */
import type { OutboxState } from './episode.js';

export interface ReportPeriodSpec {
  /** `2026-Q3`, `2026-07`: part of the idempotency key and the subject line. */
  label: string;
  /** Inclusive start and exclusive end, ISO instants. */
  from: string;
  to: string;
}

export interface ReportJob {
  scheduleId: string;
  tenantId: string;
  period: ReportPeriodSpec;
  format: 'pdf' | 'html';
  /** Brand file path from the schedule, resolved at send time; null = default brand. */
  brand: string | null;
  /** Recipients at planning time: a later config change does not re-address a queued report. */
  to: string[];
}

export interface ReportDelivery extends OutboxState {
  id: string;
  /** `report:<scheduleId>:<tenantId>:<periodLabel>`: unique, so a restart or a second scheduler never queues twice. */
  idempotencyKey: string;
  payload: ReportJob;
}
