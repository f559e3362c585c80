/**
 * Parsed report documents, kept per scan id and revision, for `ScanStore.recentReports`.
 *
 * The tenant page and `GET /api/v1/tenants/:id` show the newest scan's report on every view. That document is
 * 100–150 KB of JSON once a scan carries the Essential Eight view and the breadth checks (issues 16, 17), and
 * reading it from the database and parsing it was ~40 % of the tenant page's CPU (BENCHMARKS.md). A report only
 * changes when `ratchet rescore --write` rewrites it — possibly from another process while `serve` runs — and every
 * rewrite bumps the row's `report_rev` (migration 10). So the store reads the id and revision of each wanted row
 * (a few bytes) and parses a document only when that pair is new to it: never stale, whoever wrote the row.
 *
 * Entries are deep-frozen: one parsed object is shared by every request that shows it, so a caller that tried to
 * change it would throw (ESM code is strict) instead of leaking one request's change into another's answer.
 */
import type { Report } from '../domain/report.js';

/** The id and revision of a scan row's report: what decides whether a kept parse is still the stored document. */
export interface ReportHead {
  id: string;
  rev: number;
}

/**
 * How many parsed reports are kept: ~160 KB of heap each for a demo-sized scan, so ~10 MB at most. The views that
 * repeat are of a handful of tenants a technician has open; a portfolio of hundreds only cycles through them.
 */
const DEFAULT_CAPACITY = 64;

export class ParsedReports {
  /** Scan id → its newest kept parse; Map order is recency (oldest first), for eviction. */
  private readonly entries = new Map<string, { rev: number; report: Report }>();

  constructor(private readonly capacity = DEFAULT_CAPACITY) {}

  /** The kept parse of `head`, or undefined when none is kept or the row has been rewritten since. */
  get(head: ReportHead): Report | undefined {
    const entry = this.entries.get(head.id);
    if (!entry || entry.rev !== head.rev) return undefined;
    this.entries.delete(head.id);
    this.entries.set(head.id, entry);
    return entry.report;
  }

  /** Keeps `report` (the document of `head`), frozen, and returns it. */
  put(head: ReportHead, report: Report): Report {
    const frozen = deepFreeze(report);
    this.entries.delete(head.id);
    this.entries.set(head.id, { rev: head.rev, report: frozen });
    while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
    return frozen;
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
