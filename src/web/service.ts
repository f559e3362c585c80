/**
 * The web layer's data service (contracts.ts `WebService`): every read and action of the REST API and the HTML pages,
 * over the store. It enforces the principal's tenant scope (a tenant, scan, episode or attestation outside it is
 * `null` → 404, so scoped principals cannot learn what exists) and then the role of actions (ForbiddenError → 403),
 * and writes an audit entry for every change — in the same transaction as the change where the store allows.
 *
 * The tenant list comes from the config (names too): history of a tenant removed from the config is not served.
 */
import type { RatchetConfig } from '../config/schema.js';
import type { RuleSet } from '../config/load-rules.js';
import { CAPABILITIES, LEVEL_NAMES } from '../domain/assessment.js';
import type { Evidence } from '../domain/evidence.js';
import type { Episode } from '../domain/episode.js';
import type { Report } from '../domain/report.js';
import type { ScanSummary } from '../domain/scan-summary.js';
import type { Store } from '../store/store.js';
import { auditEntry } from './audit.js';
import { benchmark, peerFromSummary, reportFacts, type Benchmark, type PeerScan, type ReportFacts } from '../report/benchmark.js';
import { ATTESTATION_KINDS, type Attestation, type AttestationKind, type AttestationStatus } from '../domain/attestation.js';
import { canSeeTenant, hasRole, type Principal, type Role } from '../domain/principal.js';
import { type AuditEntry } from '../domain/audit.js';
import { type EpisodeTicket, type OffenderPage, type ScanDiff, type TenantSummary, type WebService } from './contracts.js';
import { ForbiddenError, WebError } from './errors.js';
import { actorDetail } from './tokens.js';
import { randomUUID } from 'node:crypto';

/** What "scan now" needs of the scheduler (`ratchet serve` adapts Scheduler.scanNow to this). */
export interface ScanTrigger {
  scanNow(tenantId: string): { queued: boolean; reason?: string } | Promise<{ queued: boolean; reason?: string }>;
}

export interface WebServiceDeps {
  store: Store;
  config: Pick<RatchetConfig, 'tenants'>;
  ruleSet: RuleSet;
  scheduler?: ScanTrigger;
  now?: () => Date;
}

export const SPARKLINE_SCANS = 30;
export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;
export const MAX_NOTE = 4000;
export const MAX_COMMENT = 2000;
export const MAX_FILE_REF = 1000;
/** An attestation lasts at most this long: "valid forever" would defeat expiry. */
export const MAX_ATTESTATION_DAYS = 3 * 366;
const DAY = 86_400_000;
/** Clock skew allowed for an attested date "today" entered in another time zone. */
const FUTURE_SKEW_MS = DAY;

const CAPABILITY_NAMES = new Map(CAPABILITIES.map((c) => [c.id, c.name]));

function requireRole(p: Principal, role: Role, what: string): void {
  if (!hasRole(p, role)) throw new ForbiddenError(`${what} needs the ${role} role (${p.person ? 'you are' : 'this token is'} ${p.role})`);
}

/** `YYYY-MM-DD` (midnight UTC) or an ISO date-time; returns the canonical `toISOString()` form. */
export function parseInstant(value: string, field: string): Date {
  const v = value.trim();
  const ok = /^\d{4}-\d{2}-\d{2}$/.test(v) || /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/.test(v);
  const t = ok ? Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00.000Z` : v) : NaN;
  if (Number.isNaN(t)) throw new WebError('invalid_request', `${field}: expected a date (YYYY-MM-DD) or an ISO date-time, got ${JSON.stringify(value)}`);
  return new Date(t);
}

export function attestationStatus(a: Attestation, now: Date): AttestationStatus {
  if (a.revokedAt !== null) return 'revoked';
  return Date.parse(a.expiresAt) <= now.getTime() ? 'expired' : 'valid';
}

/** String arrays in an evidence value are offender lists (`unregistered`, `uncovered`, …), with `<field>Total` beside. */
export function offenderPages(ev: Evidence, page: number, pageSize: number): OffenderPage[] {
  const value = ev.value ?? {};
  const pages: OffenderPage[] = [];
  for (const [field, v] of Object.entries(value)) {
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) continue;
    const items = v as string[];
    const declared = value[`${field}Total`];
    const total = typeof declared === 'number' && Number.isFinite(declared) && declared >= items.length ? declared : items.length;
    const start = (page - 1) * pageSize;
    pages.push({ field, items: items.slice(start, start + pageSize), total, page, pageSize });
  }
  return pages;
}

export function diffReports(from: Report, to: Report): ScanDiff {
  const capIds = [...new Set([...to.capabilities.map((c) => c.id), ...from.capabilities.map((c) => c.id)])];
  const fromCaps = new Map(from.capabilities.map((c) => [c.id, c]));
  const toCaps = new Map(to.capabilities.map((c) => [c.id, c]));
  const fromRules = new Map(from.findings.map((f) => [f.ruleId, f]));
  const toRules = new Map(to.findings.map((f) => [f.ruleId, f]));
  const ruleIds = [...new Set([...to.findings.map((f) => f.ruleId), ...from.findings.map((f) => f.ruleId)])];
  const fromEv = new Map(from.evidence.map((e) => [e.key, e]));
  const toEv = new Map(to.evidence.map((e) => [e.key, e]));
  const keys = [...new Set([...to.evidence.map((e) => e.key), ...from.evidence.map((e) => e.key)])];
  return {
    from: { id: from.scan.id, finishedAt: from.scan.finishedAt, level: from.level.value },
    to: { id: to.scan.id, finishedAt: to.scan.finishedAt, level: to.level.value },
    capabilities: capIds.map((id) => ({
      id,
      fromLevel: fromCaps.get(id)?.level ?? 1,
      toLevel: toCaps.get(id)?.level ?? 1,
      fromScore: fromCaps.get(id)?.score ?? null,
      toScore: toCaps.get(id)?.score ?? null,
    })),
    rules: ruleIds.flatMap((ruleId) => {
      const a = fromRules.get(ruleId);
      const b = toRules.get(ruleId);
      if (a && b && a.outcome === b.outcome && a.observed === b.observed) return [];
      return [
        {
          ruleId,
          capability: (b ?? a)!.capability,
          from: a?.outcome ?? 'absent',
          to: b?.outcome ?? 'absent',
          fromObserved: a?.observed ?? '',
          toObserved: b?.observed ?? '',
        },
      ];
    }),
    evidence: keys.flatMap((key) => {
      const a = fromEv.get(key)?.status ?? 'absent';
      const b = toEv.get(key)?.status ?? 'absent';
      return a === b ? [] : [{ key, from: a, to: b }];
    }),
  };
}

export function createWebService(deps: WebServiceDeps): WebService {
  const { store } = deps;
  const now = deps.now ?? (() => new Date());

  const tenantOf = (p: Principal, tenantId: string) => {
    const t = deps.config.tenants.find((x) => x.id === tenantId);
    return t && canSeeTenant(p, t.id) ? t : null;
  };

  /**
   * The newest scan's `level.scope` and `level.restsOn` live only in its report JSON, which the summaries do not read
   * (GET /api/v1/tenants and the portfolio must stay cheap: BENCHMARKS.md). So they are read once per newest scan —
   * from the report the caller already holds, else with one `getScan` — and kept per tenant, keyed by the scan id and
   * its level and capability rows (which a rescore rewrites together with the report). In the steady state a summary
   * costs no extra read; a new scan or a rescore costs one report read at the next summary.
   */
  type ReportRead = Pick<TenantSummary, 'scope' | 'restsOn'> & { facts: ReportFacts };
  const NO_CONTEXT: Pick<TenantSummary, 'scope' | 'restsOn'> = { scope: null, restsOn: null };
  const contextKey = (s: ScanSummary) =>
    JSON.stringify([s.id, s.level, s.potential, s.confirmed, s.capabilities.map((c) => [c.id, c.level, c.score, c.coverage])]);
  const fromReport = (r: Report | null | undefined): ReportRead =>
    r ? { scope: r.level.scope ?? null, restsOn: r.level.restsOn ?? null, facts: reportFacts(r) } : { ...NO_CONTEXT, facts: reportFacts(null) };
  /**
   * Reads kept per tenant: the newest scan's, and the latest complete scan's when that is an older one (the benchmark
   * reads it, below). In the common case both are the same scan and share one read.
   */
  const reads = new Map<string, Array<{ key: string; value: Promise<ReportRead> }>>();
  const READS_KEPT = 2;
  const readOf = (tenantId: string, latest: ScanSummary, report?: Report | null): Promise<ReportRead> => {
    const key = contextKey(latest);
    const kept = reads.get(tenantId) ?? [];
    const known = kept.find((e) => e.key === key);
    if (known) return known.value;
    const value =
      report && report.scan.id === latest.id
        ? Promise.resolve(fromReport(report))
        : store.getScan(latest.id).then((s) => fromReport(s && s.tenantId === tenantId ? s.report : null));
    const entry = { key, value };
    reads.set(tenantId, [entry, ...kept].slice(0, READS_KEPT));
    // A failed read is not remembered: the next summary tries again.
    value.catch(() => {
      const still = reads.get(tenantId);
      if (still) reads.set(tenantId, still.filter((e) => e !== entry));
    });
    return value;
  };
  const contextOf = async (tenantId: string, latest: ScanSummary | undefined, report?: Report | null): Promise<Pick<TenantSummary, 'scope' | 'restsOn'>> => {
    if (!latest) {
      reads.delete(tenantId);
      return NO_CONTEXT;
    }
    const { scope, restsOn } = await readOf(tenantId, latest, report);
    return { scope, restsOn };
  };

  const summarise = async (t: { id: string; name: string }, report?: Report | null, onScans?: (scans: ScanSummary[]) => void): Promise<TenantSummary> => {
    const scans: ScanSummary[] = await store.listScans(t.id, { limit: SPARKLINE_SCANS, capabilities: 'newest' });
    onScans?.(scans);
    const open = await store.episodes(t.id, { open: true });
    const latest = scans[0];
    const { scope, restsOn } = await contextOf(t.id, latest, report);
    return {
      id: t.id,
      name: t.name,
      level: latest?.level ?? null,
      levelName: latest ? (LEVEL_NAMES[latest.level] ?? null) : null,
      potential: latest?.potential ?? null,
      confirmed: latest?.confirmed ?? null,
      // A capability with nothing measured (unassessed: no source; an optional one not assessed; every gate unknown)
      // shows as "—", not as a level-1 score nobody measured. Such a capability has coverage 0 and a null or 0 score
      // (unknown gates earn no credit), so coverage alone decides; `scope` says why beside the level.
      capabilities: (latest?.capabilities ?? [])
        .filter((c) => c.coverage > 0)
        .map((c) => ({ id: c.id, name: CAPABILITY_NAMES.get(c.id) ?? c.id, level: c.level, score: c.score, coverage: c.coverage })),
      scope,
      restsOn,
      lastScan: latest ? { id: latest.id, finishedAt: latest.finishedAt, status: latest.status } : null,
      openRegressions: open.filter((e) => e.kind === 'regression').length,
      sparkline: [...scans].reverse().map((s) => ({ at: s.finishedAt, level: s.level, status: s.status })),
    };
  };

  /**
   * Benchmark peers (issue 16): each configured tenant's latest complete scan — its summary row plus two facts from its
   * report (user count, out-of-scope capabilities). Peers are all the MSP's tenants, not only those the principal sees:
   * a percentile among one's own tenant would mean nothing; only the count and the subject's rank leave, never another
   * tenant's name or score. The report facts come from the same kept read as the scope (`readOf`: none in the steady
   * state); the summary row costs one light `listScans(limit 1)` per tenant unless the caller already holds the newest
   * scans and the newest is complete (the portfolio does).
   */
  const factsOf = async (latest: ScanSummary, report?: Report | null): Promise<ReportFacts> => (await readOf(latest.tenantId, latest, report)).facts;
  const peerOf = async (tenantId: string, newest?: ScanSummary[], report?: Report | null): Promise<PeerScan | null> => {
    const head = newest?.[0];
    const latest = head && head.status === 'complete' ? head : (await store.listScans(tenantId, { limit: 1, statuses: ['complete'], capabilities: 'newest' }))[0];
    if (!latest) return null;
    return peerFromSummary(latest, await factsOf(latest, report));
  };
  /** Every configured tenant's peer entry; `known` are ones the caller already has (tenant id → peer). */
  const allPeers = async (known: Map<string, Promise<PeerScan | null>> = new Map()): Promise<PeerScan[]> => {
    const peers = await Promise.all(deps.config.tenants.map((t) => known.get(t.id) ?? peerOf(t.id)));
    return peers.filter((x): x is PeerScan => x !== null);
  };
  /** Starts reading a peer now; a failure surfaces where `allPeers` awaits it, not as an unhandled rejection. */
  const startPeer = (known: Map<string, Promise<PeerScan | null>>, tenantId: string, scans: ScanSummary[], report?: Report | null) => {
    const pending = peerOf(tenantId, scans, report);
    pending.catch(() => undefined);
    known.set(tenantId, pending);
  };
  const benchmarkAmong = (tenantId: string, peers: PeerScan[]): Benchmark | null => {
    const subject = peers.find((x) => x.tenantId === tenantId);
    return subject ? benchmark(subject, peers) : null;
  };

  const scanOf = async (tenantId: string, scanId: string) => {
    const s = await store.getScan(scanId);
    return s && s.tenantId === tenantId ? s : null;
  };

  const service: WebService = {
    async tenants(p) {
      const visible = deps.config.tenants.filter((t) => canSeeTenant(p, t.id));
      const known = new Map<string, Promise<PeerScan | null>>();
      const summaries = await Promise.all(
        visible.map((t) => summarise(t, undefined, (scans) => startPeer(known, t.id, scans))),
      );
      const peers = await allPeers(known);
      return summaries.map((s) => ({ ...s, levelBenchmark: benchmarkAmong(s.id, peers)?.level ?? null }));
    },

    async tenant(p, tenantId) {
      const t = tenantOf(p, tenantId);
      if (!t) return null;
      const [report = null] = await store.recentReports(t.id, { limit: 1 });
      // The report just read gives the summary its scope: no second read.
      const known = new Map<string, Promise<PeerScan | null>>();
      const summary = await summarise(t, report, (scans) => startPeer(known, t.id, scans, report));
      return { summary, report, benchmark: benchmarkAmong(t.id, await allPeers(known)) };
    },

    async scans(p, tenantId, limit = 100) {
      const t = tenantOf(p, tenantId);
      if (!t) return null;
      return store.listScans(t.id, { limit: Math.max(0, Math.min(Math.trunc(limit), 1000)) });
    },

    async scan(p, tenantId, scanId) {
      const t = tenantOf(p, tenantId);
      if (!t) return null;
      return (await scanOf(t.id, scanId))?.report ?? null;
    },

    async evidence(p, tenantId, scanId, key, page = 1, pageSize = DEFAULT_PAGE_SIZE) {
      const t = tenantOf(p, tenantId);
      if (!t) return null;
      const s = await scanOf(t.id, scanId);
      const ev = s?.report.evidence.find((e) => e.key === key);
      if (!ev) return null;
      const pg = Math.max(1, Math.trunc(page) || 1);
      const size = Math.max(1, Math.min(MAX_PAGE_SIZE, Math.trunc(pageSize) || DEFAULT_PAGE_SIZE));
      return { evidence: ev, offenders: offenderPages(ev, pg, size) };
    },

    async diff(p, tenantId, fromScanId, toScanId) {
      const t = tenantOf(p, tenantId);
      if (!t) return null;
      const [from, to] = await Promise.all([scanOf(t.id, fromScanId), scanOf(t.id, toScanId)]);
      if (!from || !to) return null;
      return diffReports(from.report, to.report);
    },

    async episodes(p, tenantId) {
      const t = tenantOf(p, tenantId);
      if (!t) return null;
      return store.episodes(t.id, { limit: 200 });
    },

    async episodeTickets(p, tenantId) {
      const t = tenantOf(p, tenantId);
      if (!t) return null;
      const [tickets, ops] = await Promise.all([store.tickets({ tenantId: t.id }), store.ticketOps({ tenantId: t.id, limit: 1000 })]);
      const out = new Map<string, EpisodeTicket>();
      // The latest operation that is not done says what is happening now; a recorded ticket overrides "waiting" for
      // an older note but not a newer failure.
      for (const op of ops) {
        if (op.status === 'delivered') continue;
        out.set(op.payload.episodeId, { episodeId: op.payload.episodeId, state: op.status === 'failed' ? 'failed' : 'waiting', provider: null, ticketId: null, detail: op.lastError });
      }
      for (const r of tickets) {
        const waiting = out.get(r.episodeId);
        out.set(r.episodeId, { episodeId: r.episodeId, state: waiting && waiting.state === 'waiting' && r.state === 'open' ? 'waiting' : r.state, provider: r.provider, ticketId: r.ticketId, detail: waiting?.detail ?? null });
      }
      return [...out.values()];
    },

    async acknowledge(p, tenantId, episodeId, comment) {
      const t = tenantOf(p, tenantId);
      if (!t) return null;
      requireRole(p, 'technician', 'acknowledging a regression');
      const episode = (await store.episodes(t.id)).find((e) => e.id === episodeId);
      if (!episode) return null;
      const text = comment.trim();
      if (text === '' || text.length > MAX_COMMENT) throw new WebError('invalid_request', `comment: write 1 to ${MAX_COMMENT} characters`);
      if (episode.state === 'closed') throw new WebError('conflict', `episode ${episodeId} is closed (recovered on ${episode.closedAt ?? '?'}); nothing to acknowledge`);
      const at = now();
      const updated: Episode = { ...episode, acknowledgedAt: at.toISOString(), acknowledgedBy: p.name, acknowledgement: text };
      await store.saveEpisode(
        updated,
        auditEntry(at, p.name, 'episode.acknowledged', t.id, episode.id, { comment: text, kind: episode.kind, previous: episode.acknowledgement, ...actorDetail(p) }),
      );
      return updated;
    },

    async scanNow(p, tenantId) {
      const t = tenantOf(p, tenantId);
      if (!t) return null;
      requireRole(p, 'technician', 'starting a scan');
      let result: { queued: boolean; reason?: string };
      if (!deps.scheduler) {
        result = { queued: false, reason: 'scans are queued by `ratchet serve`; this server has no scheduler' };
      } else {
        try {
          const r = await deps.scheduler.scanNow(t.id);
          result = r.reason === undefined ? { queued: r.queued } : { queued: r.queued, reason: r.reason };
        } catch (e) {
          result = { queued: false, reason: (e as Error).message };
        }
      }
      await store.appendAudit(auditEntry(now(), p.name, 'scan.requested', t.id, null, { ...result, ...actorDetail(p) }));
      return result;
    },

    async attestations(p, tenantId) {
      const t = tenantOf(p, tenantId);
      if (!t) return null;
      const at = now();
      return (await store.attestations(t.id)).map((a) => ({ ...a, status: attestationStatus(a, at) }));
    },

    async recordAttestation(p, tenantId, input) {
      const t = tenantOf(p, tenantId);
      if (!t) return null;
      requireRole(p, 'technician', 'recording an attestation');
      const at = now();
      if (!(ATTESTATION_KINDS as readonly string[]).includes(input.kind)) {
        throw new WebError('invalid_request', `kind: must be one of ${ATTESTATION_KINDS.join(', ')}`);
      }
      const note = input.note.trim();
      if (note === '' || note.length > MAX_NOTE) throw new WebError('invalid_request', `note: write 1 to ${MAX_NOTE} characters`);
      const fileRef = input.fileRef?.trim() || null;
      if (fileRef !== null && fileRef.length > MAX_FILE_REF) throw new WebError('invalid_request', `fileRef: at most ${MAX_FILE_REF} characters`);
      const attestedAt = parseInstant(input.attestedAt, 'attestedAt');
      const expiresAt = parseInstant(input.expiresAt, 'expiresAt');
      if (attestedAt.getTime() > at.getTime() + FUTURE_SKEW_MS) throw new WebError('invalid_request', 'attestedAt: lies in the future');
      if (expiresAt.getTime() <= attestedAt.getTime()) throw new WebError('invalid_request', 'expiresAt: must be after attestedAt');
      if (expiresAt.getTime() <= at.getTime()) throw new WebError('invalid_request', 'expiresAt: already in the past');
      if (expiresAt.getTime() - attestedAt.getTime() > MAX_ATTESTATION_DAYS * DAY) {
        throw new WebError('invalid_request', `expiresAt: an attestation lasts at most ${MAX_ATTESTATION_DAYS} days`);
      }
      const attestation: Attestation = {
        id: randomUUID(),
        tenantId: t.id,
        kind: input.kind as AttestationKind,
        note,
        fileRef,
        author: p.name,
        attestedAt: attestedAt.toISOString(),
        expiresAt: expiresAt.toISOString(),
        createdAt: at.toISOString(),
        revokedAt: null,
        revokedBy: null,
      };
      await store.saveAttestation(
        attestation,
        auditEntry(at, p.name, 'attestation.recorded', t.id, attestation.id, {
          kind: attestation.kind,
          attestedAt: attestation.attestedAt,
          expiresAt: attestation.expiresAt,
          fileRef,
          ...actorDetail(p),
        }),
      );
      return attestation;
    },

    async revokeAttestation(p, tenantId, attestationId) {
      const t = tenantOf(p, tenantId);
      if (!t) return null;
      requireRole(p, 'technician', 'revoking an attestation');
      const existing = await store.getAttestation(attestationId);
      if (!existing || existing.tenantId !== t.id) return null;
      if (existing.revokedAt !== null) throw new WebError('conflict', `attestation ${attestationId} was already revoked on ${existing.revokedAt}`);
      const at = now();
      return store.revokeAttestation(
        attestationId,
        at.toISOString(),
        p.name,
        auditEntry(at, p.name, 'attestation.revoked', t.id, attestationId, { kind: existing.kind, ...actorDetail(p) }),
      );
    },

    async auditLog(p, tenantId, limit = 100) {
      const n = Math.max(1, Math.min(1000, Math.trunc(limit) || 100));
      if (tenantId !== undefined) {
        if (!tenantOf(p, tenantId)) throw new WebError('not_found', `no tenant ${JSON.stringify(tenantId)}`);
        return store.auditLog({ tenants: [tenantId], global: false, limit: n });
      }
      // Entries without a tenant (tokens, sign-ins) are for unscoped admins only: they name every token.
      const entries: AuditEntry[] = await store.auditLog({ tenants: p.tenants, global: p.tenants === null && p.role === 'admin', limit: n });
      return entries;
    },
  };
  return service;
}
