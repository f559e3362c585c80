/**
 * Plans scheduled client reports (DESIGN §13): for one firing of a `reports[]` schedule, one outbox row per tenant
 * for the period the schedule covers. The row's id and idempotency key derive from (schedule, tenant, period), and
 * the store ignores a key it already holds — so a restart that fires the same schedule again, or a second
 * scheduler replica firing it at the same minute, queues nothing new and the client gets the report once.
 */
import type { Logger } from 'pino';
import { deliveryId } from '../alerts/outbox.js';
import type { ReportSchedule, ReportPeriodKind } from '../config/reports.js';
import type { ReportDelivery, ReportPeriodSpec } from '../domain/report-delivery.js';
import type { ReportOutboxStore } from '../store/store.js';

/** The calendar date of `now` in `timeZone`: a run at 00:30 on 1 April in Sydney is April there, March in UTC. */
function localYearMonth(now: Date, timeZone: string): { year: number; month: number } {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: 'numeric' }).formatToParts(now);
  const num = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return { year: num('year'), month: num('month') };
}

const iso = (year: number, monthIndex: number) => new Date(Date.UTC(year, monthIndex, 1)).toISOString();

/**
 * The whole period before the one `now` falls in (in the schedule's time zone): a run on 1 January 2027 reports
 * 2026-Q4 (or 2026-12). Bounds are calendar dates at 00:00 UTC, `to` exclusive.
 */
export function previousPeriod(kind: ReportPeriodKind, now: Date, timeZone = 'UTC'): ReportPeriodSpec {
  const { year, month } = localYearMonth(now, timeZone);
  if (kind === 'previous-month') {
    const start = new Date(Date.UTC(year, month - 2, 1));
    const y = start.getUTCFullYear();
    const m = start.getUTCMonth();
    return { label: `${y}-${String(m + 1).padStart(2, '0')}`, from: iso(y, m), to: iso(y, m + 1) };
  }
  const quarter = Math.floor((month - 1) / 3); // 0-based, the current one
  const prev = quarter === 0 ? { y: year - 1, q: 3 } : { y: year, q: quarter - 1 };
  return { label: `${prev.y}-Q${prev.q + 1}`, from: iso(prev.y, prev.q * 3), to: iso(prev.y, prev.q * 3 + 3) };
}

export function reportIdempotencyKey(scheduleId: string, tenantId: string, periodLabel: string): string {
  return `report:${scheduleId}:${tenantId}:${periodLabel}`;
}

/** The tenants a schedule covers: its list, or every configured tenant for `all`. */
export function scheduleTenants(schedule: ReportSchedule, configured: readonly string[]): string[] {
  return schedule.tenants === 'all' ? [...configured] : schedule.tenants.filter((t) => configured.includes(t));
}

/** The rows one firing of `schedule` at `now` queues. Same inputs → identical rows. */
export function planReportDeliveries(schedule: ReportSchedule, configuredTenants: readonly string[], now: Date): ReportDelivery[] {
  const period = previousPeriod(schedule.period, now, schedule.timezone);
  const at = now.toISOString();
  return scheduleTenants(schedule, configuredTenants).map((tenantId) => {
    const idempotencyKey = reportIdempotencyKey(schedule.id, tenantId, period.label);
    return {
      id: deliveryId(idempotencyKey),
      idempotencyKey,
      payload: { scheduleId: schedule.id, tenantId, period, format: schedule.format, brand: schedule.brand ?? null, to: [...schedule.to] },
      status: 'pending',
      attempts: 0,
      nextAttemptAt: at,
      lastError: null,
      createdAt: at,
      deliveredAt: null,
    };
  });
}

/** Plans and queues one firing; returns the rows newly queued (none when another planner got there first). */
export async function queueScheduledReports(
  store: ReportOutboxStore,
  schedule: ReportSchedule,
  configuredTenants: readonly string[],
  now: Date,
  logger?: Logger,
): Promise<ReportDelivery[]> {
  const planned = planReportDeliveries(schedule, configuredTenants, now);
  const queued = await store.queueReportDeliveries(planned);
  logger?.info(
    { component: 'reports', schedule: schedule.id, planned: planned.length, queued: queued.length, period: planned[0]?.payload.period.label ?? null },
    `client reports planned for schedule ${schedule.id}: ${queued.length} queued, ${planned.length - queued.length} already queued`,
  );
  return queued;
}
