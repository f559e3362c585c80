/** Row mapping of `report_deliveries` (schema v6), shared by the SQLite and PostgreSQL adapters. */
import type { ReportDelivery, ReportJob } from '../domain/report-delivery.js';
import { withoutNul, type RowCodec } from './rows.js';

export interface ReportDeliveryRow<Json> {
  id: string;
  idempotency_key: string;
  tenant_id: string;
  payload_json: Json;
  status: ReportDelivery['status'];
  attempts: number;
  next_attempt_at: string;
  last_error: string | null;
  created_at: string;
  delivered_at: string | null;
}

export const REPORT_DELIVERY_COLUMN_NAMES = [
  'id', 'idempotency_key', 'tenant_id', 'payload_json', 'status', 'attempts', 'next_attempt_at', 'last_error',
  'created_at', 'delivered_at',
] as const satisfies readonly (keyof ReportDeliveryRow<unknown>)[];

export function reportDeliveryRow(raw: ReportDelivery): ReportDeliveryRow<string> {
  const d = withoutNul(raw);
  return {
    id: d.id,
    idempotency_key: d.idempotencyKey,
    tenant_id: d.payload.tenantId,
    payload_json: JSON.stringify(d.payload),
    status: d.status,
    attempts: d.attempts,
    next_attempt_at: d.nextAttemptAt,
    last_error: d.lastError,
    created_at: d.createdAt,
    delivered_at: d.deliveredAt,
  };
}

export const reportDeliveryFromRow = <Json>(r: ReportDeliveryRow<Json>, codec: RowCodec<Json, unknown>): ReportDelivery => ({
  id: r.id,
  idempotencyKey: r.idempotency_key,
  payload: codec.readJson<ReportJob>(r.payload_json),
  status: r.status,
  attempts: r.attempts,
  nextAttemptAt: r.next_attempt_at,
  lastError: r.last_error,
  createdAt: r.created_at,
  deliveredAt: r.delivered_at,
});
