/**
 * Portfolio filtering and sorting from the query string, so the page works without JavaScript (app.js only
 * submits the form on change and filters rows as you type).
 */
import type { TenantSummary } from '../contracts.js';

export type SortKey = 'attention' | 'name' | 'level' | 'lastScan' | 'regressions' | `cap:${string}`;

export interface PortfolioQuery {
  q: string;
  level: number | null;
  status: 'complete' | 'partial' | 'failed' | 'none' | null;
  regressions: boolean;
  sort: SortKey;
  dir: 'asc' | 'desc';
}

export type RawQuery = Record<string, string | string[] | undefined>;

export function first(q: RawQuery, name: string): string | undefined {
  const v = q[name];
  return Array.isArray(v) ? v[0] : v;
}

export function parsePortfolioQuery(raw: RawQuery, capabilityIds: readonly string[]): PortfolioQuery {
  const q = (first(raw, 'q') ?? '').trim().slice(0, 100);
  const levelRaw = Number(first(raw, 'level'));
  const level = Number.isInteger(levelRaw) && levelRaw >= 1 && levelRaw <= 5 ? levelRaw : null;
  const statusRaw = first(raw, 'status');
  const status = statusRaw === 'complete' || statusRaw === 'partial' || statusRaw === 'failed' || statusRaw === 'none' ? statusRaw : null;
  const regressions = first(raw, 'regressions') === 'open';
  const sortRaw = first(raw, 'sort') ?? 'attention';
  const sort: SortKey =
    sortRaw === 'name' || sortRaw === 'level' || sortRaw === 'lastScan' || sortRaw === 'regressions' || sortRaw === 'attention'
      ? sortRaw
      : sortRaw.startsWith('cap:') && capabilityIds.includes(sortRaw.slice(4))
        ? (sortRaw as SortKey)
        : 'attention';
  const dir = first(raw, 'dir') === 'desc' ? 'desc' : first(raw, 'dir') === 'asc' ? 'asc' : defaultDir(sort);
  return { q, level, status, regressions, sort, dir };
}

export function defaultDir(sort: SortKey): 'asc' | 'desc' {
  return sort === 'lastScan' || sort === 'regressions' ? 'desc' : 'asc';
}

function cmpNullable(a: number | null, b: number | null): number {
  if (a === null && b === null) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a - b;
}

export function applyPortfolio(tenants: readonly TenantSummary[], q: PortfolioQuery): TenantSummary[] {
  const needle = q.q.toLowerCase();
  const rows = tenants.filter((t) => {
    if (needle && !t.name.toLowerCase().includes(needle) && !t.id.toLowerCase().includes(needle)) return false;
    if (q.level !== null && t.level !== q.level) return false;
    if (q.status === 'none' && t.lastScan !== null) return false;
    if (q.status && q.status !== 'none' && t.lastScan?.status !== q.status) return false;
    if (q.regressions && t.openRegressions === 0) return false;
    return true;
  });
  const sign = q.dir === 'desc' ? -1 : 1;
  const byName = (a: TenantSummary, b: TenantSummary): number => a.name.localeCompare(b.name) || a.id.localeCompare(b.id);
  const cmp = (a: TenantSummary, b: TenantSummary): number => {
    switch (q.sort) {
      case 'name':
        return sign * byName(a, b);
      case 'level':
        // Unscanned tenants sort last in either direction.
        return (a.level === null || b.level === null ? cmpNullable(a.level, b.level) : sign * (a.level - b.level)) || byName(a, b);
      case 'lastScan': {
        const ta = a.lastScan ? Date.parse(a.lastScan.finishedAt) : null;
        const tb = b.lastScan ? Date.parse(b.lastScan.finishedAt) : null;
        return (ta === null || tb === null ? cmpNullable(ta, tb) : sign * (ta - tb)) || byName(a, b);
      }
      case 'regressions':
        return sign * (a.openRegressions - b.openRegressions) || byName(a, b);
      case 'attention':
        // Open regressions first, then failed/partial last scans, then the lowest level.
        return (
          sign *
            (b.openRegressions - a.openRegressions ||
              statusRank(a) - statusRank(b) ||
              cmpNullable(a.level, b.level)) || byName(a, b)
        );
      default: {
        const id = q.sort.slice(4);
        const sa = a.capabilities.find((c) => c.id === id)?.score ?? null;
        const sb = b.capabilities.find((c) => c.id === id)?.score ?? null;
        return (sa === null || sb === null ? cmpNullable(sa, sb) : sign * (sa - sb)) || byName(a, b);
      }
    }
  };
  return rows.sort(cmp);
}

function statusRank(t: TenantSummary): number {
  if (!t.lastScan) return 3;
  return t.lastScan.status === 'failed' ? 0 : t.lastScan.status === 'partial' ? 1 : 2;
}

/** The query string for a link that keeps the current filters and changes some. */
export function portfolioHref(q: PortfolioQuery, change: Partial<PortfolioQuery>): string {
  const next = { ...q, ...change };
  const params = new URLSearchParams();
  if (next.q) params.set('q', next.q);
  if (next.level !== null) params.set('level', String(next.level));
  if (next.status) params.set('status', next.status);
  if (next.regressions) params.set('regressions', 'open');
  if (next.sort !== 'attention') params.set('sort', next.sort);
  if (next.dir !== defaultDir(next.sort)) params.set('dir', next.dir);
  const s = params.toString();
  return s ? `/?${s}` : '/';
}

/** Link for a sortable column header: first click sorts in the column's natural direction, the next reverses. */
export function sortHref(q: PortfolioQuery, sort: SortKey): { href: string; aria: 'ascending' | 'descending' | 'none' } {
  const active = q.sort === sort;
  const dir = active ? (q.dir === 'asc' ? 'desc' : 'asc') : defaultDir(sort);
  return { href: portfolioHref(q, { sort, dir }), aria: active ? (q.dir === 'asc' ? 'ascending' : 'descending') : 'none' };
}
