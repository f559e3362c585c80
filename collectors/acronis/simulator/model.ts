/**
 * What one Acronis customer tenant shows in `GET /api/resource_management/v4/resource_statuses`: a resource per
 * machine with an agent — every estate backup object (a protection plan with a backup module), half of the servers
 * without a backup (agent installed, no plan: `not_protected`) and a few workstations (no plan, or an antimalware-only
 * plan, which does not make a machine protected). Listing order is by resource id, so protected, failing and
 * unprotected machines interleave across pages. The per-estate index is cached in a WeakMap.
 *
 * Consistency with the estate: `last_success_run` of the backup policy is the estate's `lastSuccess`; a failing
 * object has `last_run` = its failed run (newer than the last success) and aggregate `error`/`critical`; a healthy
 * one has `last_run` = `last_success_run`, except a few healthy machines caught mid-run (aggregate `running`, the
 * current run's start newer than the last success). A machine the estate never backed up has `last_success_run: null`
 * and aggregate `critical`. No task history is served: the collector does not read the Task Manager API (its
 * README says why), so `backupRunSuccessPct` has no Acronis rendering.
 */
import type { Estate, EstateBackupObject } from '../../../src/simulator/estate.js';
import { guid } from '../../../src/simulator/ids.js';
import { hash32 } from '../../../src/simulator/prng.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export type AcronisItemKind = 'backup' | 'unprotected' | 'antimalware';

export interface AcronisItem {
  id: string;
  kind: AcronisItemKind;
  /** Backup object (kind 'backup') or estate device index (other kinds). */
  object?: EstateBackupObject;
  deviceIndex: number;
}

export interface AcronisTenantModel {
  tenantUuid: string;
  items: AcronisItem[];
  seed: number;
}

const cache = new WeakMap<Estate, AcronisTenantModel>();

/** The customer tenant UUID of a simulated tenant (configSection's `customerTenantId`). */
export function acronisCustomerTenantId(tenantSeed: number): string {
  return guid(tenantSeed, 'acronis-customer-tenant');
}

export function acronisModel(estate: Estate, tenantSeed: number): AcronisTenantModel {
  const hit = cache.get(estate);
  if (hit) return hit;
  const seed = hash32(tenantSeed, 'acronis');
  const items: AcronisItem[] = [];
  const covered = new Set<number>();
  for (const o of estate.backupObjects()) {
    covered.add(o.deviceIndex);
    items.push({ id: guid(seed, 'resource', o.deviceIndex), kind: 'backup', object: o, deviceIndex: o.deviceIndex });
  }
  for (let i = 0; i < estate.knobs.endpoints; i++) {
    if (covered.has(i)) continue;
    const d = estate.device(i);
    const h = hash32(seed, 'agent', i);
    let kind: AcronisItemKind | null = null;
    if (d.isServer) kind = h % 2 === 0 ? 'unprotected' : null;
    else if (h % 25 === 0) kind = 'unprotected';
    else if (h % 25 === 1) kind = 'antimalware';
    if (kind) items.push({ id: guid(seed, 'resource', i), kind, deviceIndex: i });
  }
  items.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const model: AcronisTenantModel = { tenantUuid: acronisCustomerTenantId(tenantSeed), items, seed };
  cache.set(estate, model);
  return model;
}

/** `2024-05-31T22:00:05Z` (milliseconds only when there are some), as Acronis stamps policy runs. */
export function acronisTime(ms: number): string {
  const iso = new Date(ms).toISOString();
  return iso.endsWith('.000Z') ? `${iso.slice(0, 19)}Z` : iso;
}

/** Nanosecond precision, as Acronis stamps resource metadata (`2021-02-03T14:57:07.311022688Z`). */
export function acronisNanos(ms: number, salt: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 23)}${String(salt % 1_000_000).padStart(6, '0')}Z`;
}

export function renderItem(model: AcronisTenantModel, estate: Estate, item: AcronisItem): Record<string, unknown> {
  const now = estate.now.getTime();
  const seed = model.seed;
  const h = hash32(seed, 'item', item.id);
  const created = now - (40 + (h % 600)) * DAY - (h % 86_400) * 1000;
  const name = item.object ? item.object.name : estate.device(item.deviceIndex).name;
  // Users rename some machines in the console; the host name stays in `name`.
  const userDefined = h % 7 === 3 ? `${name} (${['prod', 'branch', 'legacy'][h % 3]})` : name;
  const context = {
    created_at: acronisNanos(created, h),
    external_id: `${item.id}@${model.tenantUuid}`,
    id: item.id,
    name,
    tenant_id: model.tenantUuid,
    type: 'resource.machine',
    updated_at: acronisNanos(now - (h % 180) * 60_000, h >>> 3),
    user_defined_name: userDefined,
  };
  if (item.kind === 'unprotected') return { aggregate: { status: 'not_protected' }, context };
  const policy = (type: string, lastRun: number, lastSuccess: number | null, extra: Record<string, unknown> = {}) => ({
    id: guid(seed, 'policy', type, item.id),
    type,
    last_run: acronisTime(lastRun),
    last_success_run: lastSuccess === null ? null : acronisTime(lastSuccess),
    ...extra,
  });
  if (item.kind === 'antimalware') {
    const run = now - (1 + (h % 10)) * HOUR;
    return {
      aggregate: { names: 'Antimalware only', status: 'idle', running: { state: 'idle' } },
      context,
      policies: [policy('policy.protection.total', run, run), policy('policy.security.antimalware_protection', run, run)],
    };
  }
  const o = item.object!;
  const lastSuccess = o.lastSuccess === null ? null : o.lastSuccess.getTime();
  const running = !o.lastRunFailed && h % 17 === 5;
  const lastRun = running ? now - (5 + (h % 50)) * 60_000 : o.lastRun.getTime();
  const status = running ? 'running' : o.lastRunFailed ? (lastSuccess === null || now - lastSuccess > 3 * DAY ? 'critical' : 'error') : h % 9 === 0 ? 'scheduled' : 'idle';
  const plan = o.name.startsWith('srv-sql') || o.name.toUpperCase().startsWith('SRV-SQL') ? 'SQL servers hourly' : 'Servers daily';
  const next = acronisTime(Math.max(lastRun, lastSuccess ?? 0) + DAY);
  return {
    aggregate: {
      names: plan,
      status,
      running: running ? { state: 'running', activities: ['backup'], progress: 10 + (h % 80) } : { state: 'idle' },
    },
    context,
    policies: [policy('policy.protection.total', lastRun, lastSuccess), policy('policy.backup.machine', lastRun, lastSuccess, { next_run: next })],
  };
}
