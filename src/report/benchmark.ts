/**
 * Portfolio benchmarking (issue 16 item 3, DESIGN §14): a tenant's level and capability scores as a percentile among
 * the MSP's own tenants, and within a size band by user count. Pure: the caller hands in each tenant's newest scan
 * (light summary plus the user count), this decides who counts as a peer and where the subject stands.
 *
 * Percentile: the mid-rank percentile, (below + ½ · equal) / n × 100, rounded, over the n peers that have a value —
 * the subject counted among them. Why this one:
 * - monotone: a higher score has every lower score below it and at least itself equal, so its percentile is strictly
 *   higher before rounding (rounding keeps the order): a worse score never reads better;
 * - ties are fair: five tenants all at level 3 are each at the 50th percentile, not all at the 100th (≤ rule) or the
 *   0th (< rule), which would turn "everyone is the same" into "you lead" or "you trail";
 * - it never says 0th or 100th: the best of five is at the 90th, which is what "the top fifth" honestly means.
 * Fewer than MIN_PEERS peers give no percentile (null, with the reason): "100th of 2" is noise, not a standing.
 */
import type { Report, ScanStatus } from '../domain/report.js';
import type { ScanSummary } from '../domain/scan-summary.js';

/** Below this many peers a percentile says more about the sample than about the tenant. */
export const MIN_PEERS = 5;

/** Size bands by user count (enabled member accounts: `m365.mfa.registration.eligible`). */
export const SIZE_BANDS: ReadonlyArray<{ id: string; label: string; min: number; max: number }> = [
  { id: '1-49', label: '1–49 users', min: 1, max: 49 },
  { id: '50-249', label: '50–249 users', min: 50, max: 249 },
  { id: '250-999', label: '250–999 users', min: 250, max: 999 },
  { id: '1000+', label: '1000+ users', min: 1000, max: Number.POSITIVE_INFINITY },
];

/** What the benchmark needs of one tenant's newest scan. */
export interface PeerScan {
  tenantId: string;
  /** Only a complete scan is a peer (a partial or failed one measured less than it should). */
  status: ScanStatus;
  level: number;
  /** Capability scores; a null score (nothing measured) or coverage 0 is left out for this tenant. */
  capabilities: ReadonlyArray<{ id: string; score: number | null; coverage?: number }>;
  /** Capabilities this tenant's config declares out of scope: left out for it. */
  outOfScope?: ReadonlyArray<string>;
  /** Enabled member accounts, or null when the scan has no such evidence (then the tenant is in no band). */
  users: number | null;
}

export interface Standing {
  /** 0–100 exclusive of the ends (mid-rank), or null with `reason`. */
  percentile: number | null;
  /** How many tenants (the subject included) were compared. */
  peers: number;
  reason: string | null;
}

export interface BenchmarkScore extends Standing {
  /** The same within the subject's size band; null when the subject has no known user count. */
  band: (Standing & { id: string; label: string }) | null;
}

export interface Benchmark {
  /** Peers considered: tenants whose newest scan is complete. */
  peers: number;
  sizeBand: { id: string; label: string } | null;
  level: BenchmarkScore;
  capabilities: Record<string, BenchmarkScore>;
}

export function sizeBandOf(users: number | null): { id: string; label: string } | null {
  if (users === null || !Number.isFinite(users)) return null;
  const b = SIZE_BANDS.find((x) => users >= x.min && users <= x.max);
  return b ? { id: b.id, label: b.label } : null;
}

/** Mid-rank percentile of `value` among `values` (which must contain it). */
export function midRankPercentile(value: number, values: readonly number[]): number {
  let below = 0;
  let equal = 0;
  for (const v of values) {
    if (v < value) below++;
    else if (v === value) equal++;
  }
  return Math.round(((below + 0.5 * equal) / values.length) * 100);
}

export function standing(value: number | null, values: readonly number[], what = 'this'): Standing {
  if (value === null) return { percentile: null, peers: values.length, reason: `${what} was not scored for this tenant` };
  if (values.length < MIN_PEERS) return { percentile: null, peers: values.length, reason: `too few tenants to compare (${values.length})` };
  return { percentile: midRankPercentile(value, values), peers: values.length, reason: null };
}

function capabilityScore(p: PeerScan, id: string): number | null {
  if (p.outOfScope?.includes(id)) return null;
  const c = p.capabilities.find((x) => x.id === id);
  if (!c || c.score === null || !Number.isFinite(c.score) || (c.coverage !== undefined && c.coverage <= 0)) return null;
  return c.score;
}

/**
 * The subject's standing among `peers` (its own scan may be among them or not: it is counted once, by tenant id).
 * Null when the subject's newest scan is not complete: a partial scan is no fair basis for a ranking.
 */
export function benchmark(subject: PeerScan, peers: readonly PeerScan[]): Benchmark | null {
  if (subject.status !== 'complete') return null;
  const pool = [subject, ...peers.filter((p) => p.tenantId !== subject.tenantId && p.status === 'complete')];
  const band = sizeBandOf(subject.users);
  const inBand = band ? pool.filter((p) => sizeBandOf(p.users)?.id === band.id) : [];

  const score = (get: (p: PeerScan) => number | null, what: string): BenchmarkScore => {
    const all = pool.map(get).filter((v): v is number => v !== null);
    const mine = get(subject);
    return {
      ...standing(mine, all, what),
      band: band ? { ...standing(mine, inBand.map(get).filter((v): v is number => v !== null), what), ...band } : null,
    };
  };

  const ids = [...new Set(pool.flatMap((p) => p.capabilities.map((c) => c.id)))];
  const capabilities: Record<string, BenchmarkScore> = {};
  for (const id of ids) {
    if (capabilityScore(subject, id) === null) continue;
    capabilities[id] = score((p) => capabilityScore(p, id), id);
  }
  return { peers: pool.length, sizeBand: band, level: score((p) => p.level, 'the level'), capabilities };
}

/** 1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st … */
export function ordinal(n: number): string {
  const mod100 = n % 100;
  if (mod100 >= 11 && mod100 <= 13) return `${n}th`;
  return `${n}${({ 1: 'st', 2: 'nd', 3: 'rd' } as Record<number, string>)[n % 10] ?? 'th'}`;
}

/** "78th percentile of 12 tenants at this MSP (42nd among 50–249 users)", or why there is none. */
export function standingText(s: BenchmarkScore): string {
  const main = s.percentile === null ? `no percentile: ${s.reason ?? 'not compared'}` : `${ordinal(s.percentile)} percentile of ${s.peers} tenants at this MSP`;
  if (!s.band || s.percentile === null) return main;
  const band = s.band.percentile === null ? `no percentile among ${s.band.label}: ${s.band.reason ?? 'not compared'}` : `${ordinal(s.band.percentile)} among ${s.band.label}`;
  return `${main} (${band})`;
}

/** The evidence that counts a tenant's users: enabled member accounts (guests and disabled accounts excluded). */
export const USER_COUNT_EVIDENCE = { key: 'm365.mfa.registration', field: 'eligible' } as const;

/** What the benchmark reads from a full report beyond its summary: the user count and the out-of-scope capabilities. */
export interface ReportFacts {
  users: number | null;
  outOfScope: string[];
}

export function reportFacts(report: Report | null | undefined): ReportFacts {
  if (!report) return { users: null, outOfScope: [] };
  const ev = report.evidence.find((e) => e.key === USER_COUNT_EVIDENCE.key);
  const n = ev && ev.status === 'ok' ? ev.value?.[USER_COUNT_EVIDENCE.field] : undefined;
  return {
    users: typeof n === 'number' && Number.isFinite(n) && n >= 0 ? n : null,
    outOfScope: Object.keys(report.level.scope?.outOfScope ?? {}),
  };
}

/** A peer from a scan's light summary (with its capability rows) and the facts of its report. */
export function peerFromSummary(s: ScanSummary, facts: ReportFacts): PeerScan {
  return {
    tenantId: s.tenantId,
    status: s.status,
    level: s.level,
    capabilities: s.capabilities.map((c) => ({ id: c.id, score: c.score, coverage: c.coverage })),
    outOfScope: facts.outOfScope,
    users: facts.users,
  };
}
