/** Row mapping of `report_deliveries` (schema v6), shared by the SQLite and PostgreSQL adapters. */
import type { ReportDelivery, ReportJob } from '../domain/report-delivery.js';
import { outboxStateFromRow, outboxStateRow, withoutNul, type OutboxStateRow, type RowCodec } from './rows.js';

export interface ReportDeliveryRow<Json> extends OutboxStateRow {
  id: string;
  idempotency_key: string;
  tenant_id: string;
  payload_json: Json;
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
    ...outboxStateRow(d),
  };
}

export const reportDeliveryFromRow = <Json>(r: ReportDeliveryRow<Json>, codec: RowCodec<Json, unknown>): ReportDelivery => ({
  id: r.id,
  idempotencyKey: r.idempotency_key,
  payload: codec.readJson<ReportJob>(r.payload_json),
  ...outboxStateFromRow(r),
});
