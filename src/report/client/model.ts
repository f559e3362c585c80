/**
 * The client-facing maturity report (issue 14, DESIGN §13): what a client's manager reads in a quarterly review —
 * the level now and over a period, each capability's trend, what improved and what slipped (in the rules' own
 * words, never rule ids), the roadmap to the next level and the attestations on file. Built from stored history
 * only; the PDF and HTML renderers draw exactly this model, so both say the same thing.
 */
import { LEVEL_NAMES, type CapabilityScope, type Finding, type Outcome } from '../../domain/assessment.js';
import type { AttestationStatus } from '../../domain/attestation.js';
import type { ScanSummary } from '../../domain/scan-summary.js';
import type { Store } from '../../store/store.js';
import { capabilityName, scopeLabel, scopeOf, unscoredText } from '../level-text.js';
import { benchmark, ordinal, reportFacts, type BenchmarkScore, type PeerScan } from '../benchmark.js';
import type { Report } from '../../domain/report.js';

export interface Period {
  from: Date;
  /** Exclusive end. */
  to: Date;
  label: string;
}

/**
 * A period or date the user gave that cannot be read. The report layer sits below the app (test/architecture), so it
 * cannot throw the CLI's UsageError; the CLI turns this into one (exit 2) and the web layer into a 400.
 */
export class PeriodError extends Error {}

export interface TrendPoint {
  at: string;
  value: number;
}

export interface CapabilityTrend {
  id: string;
  name: string;
  scope: CapabilityScope;
  /** "out of scope: …", "not assessed: connect …"; null when scored. */
  unscored: string | null;
  level: number;
  score: number | null;
  /** Score of the first scan in the period (null when it had none). */
  startScore: number | null;
  points: TrendPoint[];
}

export interface Change {
  title: string;
  capability: string;
  /** Plain words: "Patch compliance: was 85 % of devices compliant, now 96 % (expected ≥ 90 %)". */
  text: string;
  from: Outcome;
  to: Outcome;
  before: string;
  now: string;
  expected: string;
  /** What to do about a slip (the rule's remediation); null for an improvement. */
  remedy: string | null;
}

export interface EpisodeLine {
  kind: 'regression' | 'visibility';
  openedAt: string;
  closedAt: string | null;
  text: string;
}

export interface RoadmapStep {
  capability: string;
  title: string;
  gap: string;
  remediation: string;
  weight: number;
}

/** Where the client stands among the MSP's other clients (issue 16): one plain sentence per capability. */
export interface ClientBenchmark {
  /** Clients compared (this one included). */
  peers: number;
  /** "Identity & access: 78th percentile of your peers at this MSP (42nd among organisations with 50–249 users)." */
  lines: string[];
  /** Why some or all lines are missing ("too few organisations to compare (3)"); null when every line is there. */
  note: string | null;
}

export interface ClientReport {
  generatedAt: string;
  tenant: { id: string; name: string };
  period: { from: string; to: string; label: string };
  scans: { count: number; first: string; last: string };
  level: {
    value: number;
    name: string;
    confirmed: boolean;
    potential: number;
    restsOn: string | null;
    atStart: number;
    lowest: number;
    highest: number;
    points: TrendPoint[];
  };
  capabilities: CapabilityTrend[];
  improved: Change[];
  slipped: Change[];
  episodes: EpisodeLine[];
  roadmap: { toLevel: number | null; steps: RoadmapStep[]; effort: string };
  attestations: Array<{ label: string; note: string; attestedAt: string; expiresAt: string; status: AttestationStatus }>;
  /** Null when no peers were given or this client has no complete scan in the period. */
  benchmark: ClientBenchmark | null;
  /** ASD Essential Eight from the period's last report (DESIGN §14); absent when that report predates the view. */
  essentialEight?: { model: string; overall: number; strategies: Array<{ name: string; level: number; restsOn: string }> };
}

const DAY = 86_400_000;
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** `2026-11-04` from a Date (UTC). */
export function isoDay(d: Date | string): string {
  return new Date(d).toISOString().slice(0, 10);
}

/** "4 Dec 2026" from an ISO date, in UTC: how every date reads in the client report. */
export function dayText(iso: string): string {
  const d = new Date(iso);
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]!.slice(0, 3)} ${d.getUTCFullYear()}`;
}

function parseDay(text: string, option: string): Date {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text.trim());
  const d = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : null;
  if (!d || isoDay(d) !== text.trim()) throw new PeriodError(`${option} ${text}: expected a date as YYYY-MM-DD (e.g. 2026-10-01)`);
  return d;
}

function checkStarted(p: Period, now: Date, what: string): Period {
  if (p.from.getTime() > now.getTime()) throw new PeriodError(`${what}: the period starts after today (${isoDay(now)}); pick a period that has begun`);
  return p;
}

/**
 * `2026-Q4` (a quarter), `2026-11` (a month) or `2026` (a year), in UTC; the end is exclusive. A period still under
 * way is reported up to now.
 */
export function parsePeriod(text: string, now: Date): Period {
  const t = text.trim();
  let m = /^(\d{4})-?Q([1-4])$/i.exec(t);
  if (m) {
    const y = Number(m[1]);
    const q = Number(m[2]);
    return checkStarted({ from: new Date(Date.UTC(y, (q - 1) * 3, 1)), to: new Date(Date.UTC(y, q * 3, 1)), label: `Q${q} ${y}` }, now, `--period ${t}`);
  }
  m = /^(\d{4})-(\d{2})$/.exec(t);
  if (m && Number(m[2]) >= 1 && Number(m[2]) <= 12) {
    const y = Number(m[1]);
    const mo = Number(m[2]) - 1;
    return checkStarted({ from: new Date(Date.UTC(y, mo, 1)), to: new Date(Date.UTC(y, mo + 1, 1)), label: `${MONTHS[mo]} ${y}` }, now, `--period ${t}`);
  }
  m = /^(\d{4})$/.exec(t);
  if (m) {
    const y = Number(m[1]);
    return checkStarted({ from: new Date(Date.UTC(y, 0, 1)), to: new Date(Date.UTC(y + 1, 0, 1)), label: String(y) }, now, `--period ${t}`);
  }
  throw new PeriodError(`--period ${text}: expected a quarter (2026-Q4), a month (2026-11) or a year (2026); or use --from YYYY-MM-DD --to YYYY-MM-DD`);
}

/** `--from`/`--to` as whole days, `to` included. */
export function periodFromRange(from: string, to: string, now: Date): Period {
  const f = parseDay(from, '--from');
  const t = parseDay(to, '--to');
  if (t.getTime() < f.getTime()) throw new PeriodError(`--to ${to} is before --from ${from}; the period must end on or after its start`);
  return checkStarted({ from: f, to: new Date(t.getTime() + DAY), label: `${from} to ${to}` }, now, `--from ${from}`);
}

/** The period the options name: --period, else --from/--to (both), else the last 90 days. */
export function periodFromOptions(o: { period?: string; from?: string; to?: string }, now: Date): Period {
  if (o.period && (o.from || o.to)) throw new PeriodError('use either --period or --from/--to, not both');
  if (o.period) return parsePeriod(o.period, now);
  if (o.from || o.to) {
    if (!o.from || !o.to) throw new PeriodError(`${o.from ? '--to' : '--from'} is missing: --from and --to go together (YYYY-MM-DD)`);
    return periodFromRange(o.from, o.to, now);
  }
  const to = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) + DAY);
  return { from: new Date(to.getTime() - 90 * DAY), to, label: 'the last 90 days' };
}

/** Thrown when the tenant has no scan in the period: nothing to report (the CLI exits 1). */
export class NoHistoryError extends Error {}

const RANK: Partial<Record<Outcome, number>> = { fail: 0, partial: 1, pass: 2 };

const OUTCOME_WORDS: Record<Outcome, string> = { pass: 'met', partial: 'partly met', fail: 'not met', unknown: 'not visible', not_applicable: 'not applicable' };

function changeOf(before: Finding, now: Finding): Change {
  const was = before.observed || OUTCOME_WORDS[before.outcome];
  const is = now.observed || OUTCOME_WORDS[now.outcome];
  const expected = now.expected || before.expected;
  return {
    title: now.title,
    capability: capabilityName(now.capability),
    text: `${now.title}: was ${was}, now ${is}${expected ? ` (expected ${expected})` : ''}.`,
    from: before.outcome,
    to: now.outcome,
    before: was,
    now: is,
    expected,
    remedy: null,
  };
}

/**
 * Rules whose outcome moved between the first and the last scan of the period: up (fail → partial → pass, or a
 * partial gate scoring at least 10 points better) or down. A gate unknown at the start and passed at the end counts as
 * an improvement; otherwise unknown outcomes are left out: what could not be seen is never a slip. Advisory rules are included (they are advice
 * the client reads), gates first.
 */
function compareFindings(first: Finding[], last: Finding[]): { improved: Change[]; slipped: Change[] } {
  const byId = new Map(first.map((f) => [f.ruleId, f]));
  const improved: Change[] = [];
  const slipped: Change[] = [];
  for (const now of last) {
    const before = byId.get(now.ruleId);
    if (!before) continue;
    // A gate that could not be judged at the start and is met now (enough history, a permission granted) is an
    // improvement the client earned; the reverse is lost visibility, reported elsewhere and never a slip.
    if (before.outcome === 'unknown' && now.outcome === 'pass') {
      improved.push({ ...changeOf(before, now), before: 'not yet measurable', text: `${now.title}: not yet measurable at the start, now ${now.observed || 'met'}${now.expected ? ` (expected ${now.expected})` : ''}.` });
      continue;
    }
    const a = RANK[before.outcome];
    const b = RANK[now.outcome];
    if (a === undefined || b === undefined) continue;
    const delta = b !== a ? b - a : a === 1 ? ((now.score ?? 0) - (before.score ?? 0)) * 10 : 0;
    if (delta >= 1) improved.push(changeOf(before, now));
    else if (delta <= -1) slipped.push({ ...changeOf(before, now), remedy: now.remediation || null });
  }
  const order = (c: Change) => c.capability + c.title;
  return { improved: improved.sort((x, y) => order(x).localeCompare(order(y))), slipped: slipped.sort((x, y) => order(x).localeCompare(order(y))) };
}

function effortText(steps: RoadmapStep[]): string {
  if (steps.length === 0) return 'nothing left to do for the next level';
  const weight = steps.reduce((s, r) => s + r.weight, 0);
  const caps = new Set(steps.map((s) => s.capability)).size;
  const size = steps.length <= 2 ? 'small' : steps.length <= 5 ? 'moderate' : 'substantial';
  return `${size}: ${steps.length} change${steps.length === 1 ? '' : 's'} across ${caps} area${caps === 1 ? '' : 's'} (combined gate weight ${weight})`;
}

/** At most this many points per chart: an hourly-scanned tenant has thousands of scans a quarter. */
const MAX_POINTS = 240;

/**
 * Thins a series to at most `max` points by keeping the last point of each equal slice of the list (in time order),
 * and always the first: the chart keeps its shape and ends on the newest value.
 */
export function thin<T>(points: readonly T[], max = MAX_POINTS): T[] {
  if (points.length <= max) return [...points];
  const out: T[] = [points[0]!];
  for (let i = 1; i < max; i += 1) out.push(points[Math.min(points.length - 1, Math.round((i * (points.length - 1)) / (max - 1)))]!);
  return out;
}

export interface BuildOptions {
  /** When the report is made; also the PDF's creation date. */
  now?: Date;
  /** Rule titles by id from the rule set, for roadmap steps whose rule has no finding in the last scan. */
  ruleTitles?: ReadonlyMap<string, string>;
  /** Label of an attestation kind (the web UI's wording); default: the kind in words. */
  attestationLabel?: (kind: string) => string;
  /** Most scans read for the trend (the store lists newest first). */
  maxScans?: number;
  /**
   * The MSP's configured tenants to benchmark against (this one may be among them). Without it the report has no
   * benchmark: the model knows no tenant list of its own, and history of a tenant removed from the config must not count.
   */
  peers?: readonly { id: string }[];
}

/** A peer from a full report (the client report reads whole reports anyway, for the user count). */
function peerFromReport(tenantId: string, r: Report): PeerScan {
  const facts = reportFacts(r);
  return {
    tenantId,
    status: r.scan.status,
    level: r.level.value,
    capabilities: r.capabilities.map((c) => ({ id: c.id, score: scopeOf(c) === 'assessed' ? c.score : null, coverage: c.coverage })),
    outOfScope: facts.outOfScope,
    users: facts.users,
  };
}

/** What the Essential Eight section means, in one sentence the client can read without the ISM at hand. */
export const E8_MEANING =
  "The Australian Signals Directorate's Essential Eight, judged from the same evidence: a strategy reaches a maturity level (0–3) only when every requirement of it is met, and what no system can show counts only once your IT provider has verified and recorded it.";

/** What the percentile means, said once above the sentences (PDF and HTML alike). */
export const BENCHMARK_MEANING = (peers: number): string =>
  `Compared with the ${peers} organisations whose IT this provider looks after (their latest complete scan in the period; no one else's data). The 78th percentile means you score above about 78 % of them; ties count half.`;

/** "… percentile of your peers at this MSP" in the client's words, or null when there is no percentile. */
function clientStanding(name: string, s: BenchmarkScore): string | null {
  if (s.percentile === null) return null;
  const band = s.band && s.band.percentile !== null ? ` (${ordinal(s.band.percentile)} among organisations with ${s.band.label})` : '';
  return `${name}: ${ordinal(s.percentile)} percentile of your peers at this MSP${band}.`;
}

/**
 * The benchmark as of the period's end: each peer's latest complete scan finished before it (the subject's is the
 * report's own last scan). One light scan list and one report read per peer: a report is made a few times a quarter.
 */
async function clientBenchmark(store: Store, tenantId: string, subject: Report, period: Period, opts: BuildOptions): Promise<ClientBenchmark | null> {
  if (!opts.peers || subject.scan.status !== 'complete') return null;
  const others = await Promise.all(
    opts.peers
      .filter((p) => p.id !== tenantId)
      .map(async (p): Promise<PeerScan | null> => {
        const list = await store.listScans(p.id, { limit: opts.maxScans ?? 20_000, statuses: ['complete'], capabilities: 'newest' });
        const latest = list.find((s) => Date.parse(s.finishedAt) < period.to.getTime());
        const scan = latest ? await store.getScan(latest.id) : null;
        return scan && scan.tenantId === p.id ? peerFromReport(p.id, scan.report) : null;
      }),
  );
  const b = benchmark(peerFromReport(tenantId, subject), others.filter((x): x is PeerScan => x !== null));
  if (!b) return null;
  const names = new Map(subject.capabilities.map((c) => [c.id, c.name]));
  const lines = [
    clientStanding('Overall maturity level', b.level),
    ...Object.entries(b.capabilities).map(([id, s]) => clientStanding(names.get(id) ?? capabilityName(id), s)),
  ].filter((x): x is string => x !== null);
  const missing = [b.level, ...Object.values(b.capabilities)].find((s) => s.percentile === null);
  const note = missing ? (missing.reason ?? 'not compared').replace('tenants', 'organisations') : null;
  return { peers: b.peers, lines, note };
}

/** Builds the report from the tenant's stored scans, episodes and attestations in `period`. */
export async function buildClientReport(store: Store, tenant: { id: string; name: string }, period: Period, opts: BuildOptions = {}): Promise<ClientReport> {
  const now = opts.now ?? new Date();
  const inPeriod = (iso: string): boolean => {
    const t = Date.parse(iso);
    return t >= period.from.getTime() && t < period.to.getTime();
  };
  // The store lists newest first with no date filter; 20,000 covers a year of hourly scans before the period ends.
  const summaries = (await store.listScans(tenant.id, { limit: opts.maxScans ?? 20_000, statuses: ['complete', 'partial'] }))
    .filter((s) => inPeriod(s.finishedAt))
    .reverse();
  if (summaries.length === 0) {
    throw new NoHistoryError(`tenant ${tenant.id} has no completed scan between ${isoDay(period.from)} and ${isoDay(new Date(period.to.getTime() - 1))} (${period.label}); run \`ratchet scan --tenant ${tenant.id}\` or pick another period`);
  }
  // The first and last scan the report compares: complete ones where possible (a partial scan saw less).
  const complete = summaries.filter((s) => s.status === 'complete');
  const firstSummary: ScanSummary = complete[0] ?? summaries[0]!;
  const lastSummary: ScanSummary = complete[complete.length - 1] ?? summaries[summaries.length - 1]!;
  const [first, last] = await Promise.all([store.getScan(firstSummary.id), store.getScan(lastSummary.id)]);
  if (!first || !last) throw new Error(`scan ${(first ? lastSummary : firstSummary).id} of tenant ${tenant.id} is listed but could not be read`);
  const report = last.report;

  const levels = summaries.map((s) => s.level);
  const capabilities: CapabilityTrend[] = report.capabilities.map((c) => {
    const scope = scopeOf(c);
    const points = thin(summaries).flatMap((s) => {
      const sc = s.capabilities.find((x) => x.id === c.id);
      return sc && sc.score !== null ? [{ at: s.finishedAt, value: Math.round(sc.score * 10) / 10 }] : [];
    });
    const startScore = first.report.capabilities.find((x) => x.id === c.id)?.score ?? null;
    return {
      id: c.id,
      name: c.name,
      scope,
      unscored: scope === 'assessed' ? null : (unscoredText(c, report.level) ?? scopeLabel(scope)),
      level: c.level,
      score: scope === 'assessed' ? c.score : null,
      startScore,
      points: scope === 'assessed' ? points : [],
    };
  });

  const { improved, slipped } = compareFindings(first.report.findings, report.findings);
  const titleOf = (ruleId: string): string => report.findings.find((f) => f.ruleId === ruleId)?.title ?? opts.ruleTitles?.get(ruleId) ?? ruleId;

  const episodes: EpisodeLine[] = (await store.episodes(tenant.id, { limit: 500 }))
    // At-risk notices are forecasts, not slips: this section lists what slipped, so they never appear in it.
    .filter((e): e is typeof e & { kind: EpisodeLine['kind'] } => e.kind !== 'at_risk')
    .filter((e) => inPeriod(e.openedAt) || (e.closedAt !== null && inPeriod(e.closedAt)) || (Date.parse(e.openedAt) < period.from.getTime() && (e.closedAt === null || Date.parse(e.closedAt) >= period.to.getTime())))
    .sort((a, b) => a.openedAt.localeCompare(b.openedAt))
    .map((e) => {
      const when = e.closedAt ? `from ${dayText(e.openedAt)} to ${dayText(e.closedAt)}` : `since ${dayText(e.openedAt)}, still open`;
      if (e.kind === 'visibility') return { kind: e.kind, openedAt: e.openedAt, closedAt: e.closedAt, text: `Some evidence could not be read ${when} (${e.lostKeys.length} source${e.lostKeys.length === 1 ? '' : 's'}); this never counts as a slip.` };
      const rules = [...new Set(e.drops.flatMap((d) => d.rules.map((r) => `${titleOf(r.ruleId)} (${r.observed}, expected ${r.expected})`)))];
      const level = e.previousLevel !== null && e.currentLevel !== null && e.currentLevel < e.previousLevel ? `the level dropped from ${e.previousLevel} to ${e.currentLevel}` : 'scores dropped';
      return { kind: e.kind, openedAt: e.openedAt, closedAt: e.closedAt, text: `${e.state === 'pending' ? 'A possible drop' : 'A drop'} ${when}: ${level}${rules.length ? ` — ${rules.join('; ')}` : ''}.` };
    });

  const steps: RoadmapStep[] = report.roadmap.map((r) => ({ capability: capabilityName(r.capability), title: titleOf(r.ruleId), gap: r.gap, remediation: r.remediation, weight: r.weight }));

  const attestations = (await store.attestations(tenant.id, { limit: 200 }))
    .filter((a) => a.revokedAt === null && Date.parse(a.attestedAt) < period.to.getTime())
    .map((a) => ({
      label: opts.attestationLabel?.(a.kind) ?? a.kind.replace(/_/g, ' '),
      note: a.note,
      attestedAt: a.attestedAt,
      expiresAt: a.expiresAt,
      status: (Date.parse(a.expiresAt) <= now.getTime() ? 'expired' : 'valid') as AttestationStatus,
    }))
    // The newest of each kind first; expired ones stay listed so the client sees what needs renewing.
    .sort((a, b) => a.label.localeCompare(b.label) || b.attestedAt.localeCompare(a.attestedAt));

  return {
    generatedAt: now.toISOString(),
    tenant: { id: tenant.id, name: tenant.name || report.tenant.name },
    period: { from: period.from.toISOString(), to: period.to.toISOString(), label: period.label },
    scans: { count: summaries.length, first: summaries[0]!.finishedAt, last: summaries[summaries.length - 1]!.finishedAt },
    level: {
      value: report.level.value,
      name: report.level.name || (LEVEL_NAMES[report.level.value] ?? ''),
      confirmed: report.level.confirmed,
      potential: report.level.potential,
      restsOn: report.level.restsOn ?? null,
      atStart: firstSummary.level,
      lowest: Math.min(...levels),
      highest: Math.max(...levels),
      // A step line only needs the scans where the level changed (and the last): lossless, however many scans.
      points: thin(summaries.filter((s, i) => i === 0 || i === summaries.length - 1 || s.level !== summaries[i - 1]!.level)).map((s) => ({ at: s.finishedAt, value: s.level })),
    },
    capabilities,
    improved,
    slipped,
    episodes,
    roadmap: { toLevel: report.roadmap[0]?.toLevel ?? null, steps, effort: effortText(steps) },
    attestations,
    benchmark: await clientBenchmark(store, tenant.id, report, period, opts),
    ...(report.frameworks?.essentialEight
      ? {
          essentialEight: {
            model: report.frameworks.essentialEight.model,
            overall: report.frameworks.essentialEight.overall,
            strategies: report.frameworks.essentialEight.strategies.map((x) => ({ name: x.name, level: x.level, restsOn: x.restsOn })),
          },
        }
      : {}),
  };
}
