/**
 * The rows of the history schema and their mapping to and from the domain records, shared by every adapter: both
 * schemas have the same tables and columns (the PostgreSQL migrations mirror SQLite's version for version), so a
 * record maps to the same row in either. What really differs between drivers is in a `RowCodec`: how a JSON column
 * and a flag come back (and how a flag is written). Each adapter keeps its SQL and how it binds a row (SQLite by
 * @name, PostgreSQL by position, see `valuesOf`).
 *
 * Writes serialise JSON columns to text in both adapters (PostgreSQL casts the parameter to jsonb).
 */
import type { Attestation, AttestationKind } from '../domain/attestation.js';
import type { AuditEntry } from '../domain/audit.js';
import type { Delivery, Episode, OutboxState } from '../domain/episode.js';
import type { EvidenceBundle } from '../domain/evidence.js';
import type { Report, ScanStatus } from '../domain/report.js';
import type { ScanSummary } from '../domain/scan-summary.js';
import type { ApiTokenRecord, ListOptions, ScanEvidence, SessionRecord, StoredScan } from './store.js';

/** What differs between drivers in a row: `Json` is how a JSON column is read back, `Flag` how a flag is stored. */
export interface RowCodec<Json, Flag> {
  /** A JSON column as read: SQLite returns its text (to parse), `pg` returns jsonb parsed already. */
  readJson<T>(stored: Json): T;
  /** A flag as written: 0/1 in SQLite (a STRICT INTEGER), a boolean in PostgreSQL. */
  writeFlag(value: boolean | undefined): Flag;
  readFlag(stored: Flag): boolean;
}

/** A row's values in the order of `columns`: how an adapter that binds by position (`$1, $2, …`) takes a row. */
export const valuesOf = <R>(row: R, columns: readonly (keyof R)[]): unknown[] => columns.map((c) => row[c]);

/** Rejects a `limit` that is not a non-negative integer (undefined = no limit). */
export function assertListLimit(limit: number | undefined): void {
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) {
    throw new RangeError(`limit must be a non-negative integer, got ${String(limit)}`);
  }
}

// ── scans

/**
 * `Date.prototype.toISOString()` output. History is ordered by comparing `started_at` as text, which equals
 * time order only when every timestamp has this exact shape (UTC, `Z`, three fraction digits): `…:00Z` would
 * sort after `…:00.500Z`. So non-canonical timestamps are rejected rather than silently misordered.
 */
const CANONICAL_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** The columns every read of a `scans` row starts with. */
interface ScanHeadRow {
  id: string;
  tenant_id: string;
  started_at: string;
  finished_at: string;
  status: ScanStatus;
}

/** A `scans` row as read for a full scan. */
export interface ScanRow<Json> extends ScanHeadRow {
  rules_version: string;
  report_json: Json;
  bundle_json: Json;
}

/** A `scans` row as read for a summary. */
export interface ScanSummaryRow<Flag> extends ScanHeadRow {
  level: number;
  potential: number;
  confirmed: Flag;
  regression_detected: Flag;
  regression_confirmed: Flag;
}

export interface EvidenceRow {
  scan_id: string;
  key: string;
  ordinal: number;
  status: string;
  reason: string | null;
  reason_code: string | null;
  value_json: string | null;
  source_json: string;
  collected_at: string;
}

export interface FindingRow {
  scan_id: string;
  rule_id: string;
  ordinal: number;
  capability: string;
  level: number;
  outcome: string;
  score: number | null;
  observed: string;
  expected: string;
}

export interface CapabilityRow {
  scan_id: string;
  capability: string;
  ordinal: number;
  level: number;
  potential: number | null;
  score: number | null;
  coverage: number;
  snapshot_level: number | null;
  snapshot_potential: number | null;
  snapshot_score: number | null;
}

/** A `capability_scores` row as read for a summary. */
export type CapabilityScoreRow = Pick<
  CapabilityRow,
  'scan_id' | 'capability' | 'level' | 'score' | 'coverage' | 'snapshot_level' | 'snapshot_potential' | 'snapshot_score'
>;

/** Everything one scan writes, serialised up front so the write transaction holds its locks only for the inserts. */
export interface ScanRows<Flag> {
  /** Every column of the `scans` row, JSON documents as text. */
  scan: ScanSummaryRow<Flag> & ScanRow<string>;
  evidence: EvidenceRow[];
  findings: FindingRow[];
  capabilities: CapabilityRow[];
}

/** Rejects scans whose parts disagree: history keyed by the wrong tenant or id would be silently wrong forever. */
/**
 * U+0000 never reaches a table. PostgreSQL refuses it in `text` and `jsonb` ("unsupported Unicode escape sequence"),
 * so a device name or an error body with a NUL byte from a vendor would fail the whole scan's transaction. Both
 * adapters store U+FFFD (the replacement character) instead, so they keep the same history. Returns `value` itself
 * when it holds no NUL (the usual case: nothing is copied).
 */
export function withoutNul<T>(value: T): T {
  return clean(value) as T;
}

const NUL = '\u0000';

function clean(v: unknown): unknown {
  if (typeof v === 'string') return v.includes(NUL) ? v.replaceAll(NUL, '\uFFFD') : v;
  if (Array.isArray(v)) {
    let out: unknown[] | null = null;
    v.forEach((x, i) => {
      const c = clean(x);
      if (c !== x) (out ??= v.slice())[i] = c;
    });
    return out ?? v;
  }
  if (v && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    let changed = false;
    const entries = Object.entries(v).map(([k, x]) => {
      const ck = clean(k) as string;
      const cx = clean(x);
      if (ck !== k || cx !== x) changed = true;
      return [ck, cx] as const;
    });
    return changed ? Object.fromEntries(entries) : v;
  }
  return v;
}

function validateScan(scan: StoredScan): void {
  const problems: string[] = [];
  if (typeof scan.id !== 'string' || scan.id === '') problems.push('id is empty');
  if (typeof scan.tenantId !== 'string' || scan.tenantId === '') problems.push('tenantId is empty');
  for (const field of ['startedAt', 'finishedAt'] as const) {
    const v = scan[field];
    if (typeof v !== 'string' || !CANONICAL_TIMESTAMP.test(v) || Number.isNaN(Date.parse(v))) {
      problems.push(`${field} must be a UTC timestamp as written by Date.prototype.toISOString(), got ${JSON.stringify(v)}`);
    }
  }
  if (scan.report?.scan?.id !== scan.id) {
    problems.push(`report.scan.id (${JSON.stringify(scan.report?.scan?.id)}) differs from id`);
  }
  if (scan.report?.tenant?.id !== scan.tenantId) {
    problems.push(`report.tenant.id (${JSON.stringify(scan.report?.tenant?.id)}) differs from tenantId`);
  }
  if (scan.bundle?.tenantId !== scan.tenantId) {
    problems.push(`bundle.tenantId (${JSON.stringify(scan.bundle?.tenantId)}) differs from tenantId`);
  }
  if (problems.length > 0) {
    throw new Error(`Cannot save scan ${JSON.stringify(scan.id)}: ${problems.join('; ')}`);
  }
}

/** Validates `scan` (throwing on parts that disagree) and serialises it to the rows it writes. */
export function scanRows<Flag>(stored: StoredScan, codec: RowCodec<unknown, Flag>): ScanRows<Flag> {
  validateScan(stored);
  const scan = withoutNul(stored);
  const { report } = scan;
  return {
    scan: {
      id: scan.id,
      tenant_id: scan.tenantId,
      started_at: scan.startedAt,
      finished_at: scan.finishedAt,
      status: scan.status,
      level: report.level.value,
      potential: report.level.potential,
      confirmed: codec.writeFlag(report.level.confirmed),
      regression_detected: codec.writeFlag(report.regression?.detected),
      regression_confirmed: codec.writeFlag(report.regression?.confirmed),
      rules_version: scan.rulesVersion,
      report_json: JSON.stringify(report),
      bundle_json: JSON.stringify(scan.bundle),
    },
    // The normalised evidence rows come from the report, like findings and scores, so the three tables describe
    // the same document; the bundle (the scorer's raw input) is kept whole in bundle_json for rescoring.
    evidence: report.evidence.map((e, ordinal) => ({
      scan_id: scan.id,
      key: e.key,
      ordinal,
      status: e.status,
      reason: e.reason ?? null,
      reason_code: e.reasonCode ?? null,
      value_json: e.value == null ? null : JSON.stringify(e.value),
      source_json: JSON.stringify(e.source),
      collected_at: e.collectedAt,
    })),
    findings: report.findings.map((f, ordinal) => ({
      scan_id: scan.id,
      rule_id: f.ruleId,
      ordinal,
      capability: f.capability,
      level: f.level,
      outcome: f.outcome,
      score: f.score ?? null,
      observed: f.observed,
      expected: f.expected,
    })),
    capabilities: report.capabilities.map((c, ordinal) => ({
      scan_id: scan.id,
      capability: c.id,
      ordinal,
      level: c.level,
      potential: c.potential ?? null,
      score: c.score ?? null,
      coverage: c.coverage,
      snapshot_level: c.snapshotLevel ?? null,
      snapshot_potential: c.snapshotPotential ?? null,
      snapshot_score: c.snapshotScore ?? null,
    })),
  };
}

export function scanFromRow<Json>(row: ScanRow<Json>, codec: RowCodec<Json, unknown>): StoredScan {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    status: row.status,
    rulesVersion: row.rules_version,
    report: codec.readJson<Report>(row.report_json),
    bundle: codec.readJson<EvidenceBundle>(row.bundle_json),
  };
}

/** The columns `bundlesOf` reads: a scan row without its report. */
export interface BundleRow<Json> {
  id: string;
  finished_at: string;
  status: ScanStatus;
  bundle_json: Json;
}

export function bundleFromRow<Json>(row: BundleRow<Json>, codec: RowCodec<Json, unknown>): ScanEvidence {
  return { id: row.id, finishedAt: row.finished_at, status: row.status, bundle: codec.readJson<EvidenceBundle>(row.bundle_json) };
}

/** The summary rows whose capability scores `listScans` reads: all of them, or only the newest (the first). */
export const scansWantingCapabilities = <R>(rows: readonly R[], opts: ListOptions): readonly R[] =>
  opts.capabilities === 'newest' ? rows.slice(0, 1) : rows;

/** Summaries of `rows` (newest first), each with its capability rows (by scan, in ordinal order) or `[]`. */
export function summariesFromRows<Flag>(
  rows: readonly ScanSummaryRow<Flag>[],
  capabilityRows: readonly CapabilityScoreRow[],
  codec: RowCodec<unknown, Flag>,
): ScanSummary[] {
  const byScan = new Map<string, ScanSummary['capabilities']>(rows.map((r) => [r.id, []]));
  for (const c of capabilityRows) {
    byScan.get(c.scan_id)?.push({
      id: c.capability,
      level: c.level,
      score: c.score,
      coverage: c.coverage,
      // Scans stored before snapshot levels existed: their level is the best stand-in.
      snapshotLevel: c.snapshot_level ?? c.level,
      snapshotPotential: c.snapshot_potential ?? c.snapshot_level ?? c.level,
      snapshotScore: c.snapshot_level === null ? c.score : c.snapshot_score,
    });
  }
  return rows.map((r) => ({
    id: r.id,
    tenantId: r.tenant_id,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    status: r.status,
    level: r.level,
    potential: r.potential,
    confirmed: codec.readFlag(r.confirmed),
    regressionDetected: codec.readFlag(r.regression_detected),
    regressionConfirmed: codec.readFlag(r.regression_confirmed),
    capabilities: byScan.get(r.id) ?? [],
  }));
}

// ── episodes and the outbox

export interface EpisodeRow<Json> {
  id: string;
  tenant_id: string;
  kind: Episode['kind'];
  state: Episode['state'];
  opened_at: string;
  closed_at: string | null;
  episode_json: Json;
}

export function episodeRow(raw: Episode): EpisodeRow<string> {
  const e = withoutNul(raw);
  return {
    id: e.id,
    tenant_id: e.tenantId,
    kind: e.kind,
    state: e.state,
    opened_at: e.openedAt,
    closed_at: e.closedAt,
    episode_json: JSON.stringify(e),
  };
}

/** The columns of an outbox row's state (OutboxState), the same in the alert, report and ticket outboxes. */
export interface OutboxStateRow {
  status: OutboxState['status'];
  attempts: number;
  next_attempt_at: string;
  last_error: string | null;
  created_at: string;
  delivered_at: string | null;
}

export function outboxStateRow(s: OutboxState): OutboxStateRow {
  return { status: s.status, attempts: s.attempts, next_attempt_at: s.nextAttemptAt, last_error: s.lastError, created_at: s.createdAt, delivered_at: s.deliveredAt };
}

export function outboxStateFromRow(r: OutboxStateRow): OutboxState {
  return { status: r.status, attempts: r.attempts, nextAttemptAt: r.next_attempt_at, lastError: r.last_error, createdAt: r.created_at, deliveredAt: r.delivered_at };
}

export interface DeliveryRow<Json> extends OutboxStateRow {
  id: string;
  episode_id: string;
  event: Delivery['event'];
  channel: string;
  idempotency_key: string;
  payload_json: Json;
}

export function deliveryRow(raw: Delivery): DeliveryRow<string> {
  const d = withoutNul(raw);
  return {
    id: d.id,
    episode_id: d.episodeId,
    event: d.event,
    channel: d.channel,
    idempotency_key: d.idempotencyKey,
    payload_json: JSON.stringify(d.payload),
    ...outboxStateRow(d),
  };
}

export const deliveryFromRow = <Json>(r: DeliveryRow<Json>, codec: RowCodec<Json, unknown>): Delivery => ({
  id: r.id,
  episodeId: r.episode_id,
  event: r.event,
  channel: r.channel,
  idempotencyKey: r.idempotency_key,
  payload: codec.readJson<Delivery['payload']>(r.payload_json),
  ...outboxStateFromRow(r),
});

// ── tokens, sessions, attestations and the audit log

export interface TokenRow<Json> {
  id: string;
  name: string;
  role: ApiTokenRecord['role'];
  tenants_json: Json | null;
  token_hash: string;
  created_at: string;
  created_by: string;
  last_used_at: string | null;
  revoked_at: string | null;
  revoked_by: string | null;
}

export const tokenRow = (t: ApiTokenRecord): TokenRow<string> => ({
  id: t.id,
  name: t.name,
  role: t.role,
  // `tenants` null (all tenants) is stored as SQL NULL, not as JSON null.
  tenants_json: t.tenants === null ? null : JSON.stringify(t.tenants),
  token_hash: t.tokenHash,
  created_at: t.createdAt,
  created_by: t.createdBy,
  last_used_at: t.lastUsedAt,
  revoked_at: t.revokedAt,
  revoked_by: t.revokedBy,
});

export const tokenFromRow = <Json>(r: TokenRow<Json>, codec: RowCodec<Json, unknown>): ApiTokenRecord => ({
  id: r.id,
  name: r.name,
  role: r.role,
  tenants: r.tenants_json === null ? null : codec.readJson<string[]>(r.tenants_json),
  tokenHash: r.token_hash,
  createdAt: r.created_at,
  createdBy: r.created_by,
  lastUsedAt: r.last_used_at,
  revokedAt: r.revoked_at,
  revokedBy: r.revoked_by,
});

export interface SessionRow {
  id: string;
  token_id: string;
  csrf_secret: string;
  created_at: string;
  expires_at: string;
}

export const sessionRow = (s: SessionRecord): SessionRow => ({
  id: s.idHash,
  token_id: s.tokenId,
  csrf_secret: s.csrfSecret,
  created_at: s.createdAt,
  expires_at: s.expiresAt,
});

export const sessionFromRow = (r: SessionRow): SessionRecord => ({
  idHash: r.id,
  tokenId: r.token_id,
  csrfSecret: r.csrf_secret,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
});

export interface AttestationRow {
  id: string;
  tenant_id: string;
  kind: AttestationKind;
  note: string;
  file_ref: string | null;
  author: string;
  attested_at: string;
  expires_at: string;
  created_at: string;
  revoked_at: string | null;
  revoked_by: string | null;
}

export function attestationRow(raw: Attestation): AttestationRow {
  const a = withoutNul(raw);
  return {
    id: a.id,
    tenant_id: a.tenantId,
    kind: a.kind,
    note: a.note,
    file_ref: a.fileRef,
    author: a.author,
    attested_at: a.attestedAt,
    expires_at: a.expiresAt,
    created_at: a.createdAt,
    revoked_at: a.revokedAt,
    revoked_by: a.revokedBy,
  };
}

export const attestationFromRow = (r: AttestationRow): Attestation => ({
  id: r.id,
  tenantId: r.tenant_id,
  kind: r.kind,
  note: r.note,
  fileRef: r.file_ref,
  author: r.author,
  attestedAt: r.attested_at,
  expiresAt: r.expires_at,
  createdAt: r.created_at,
  revokedAt: r.revoked_at,
  revokedBy: r.revoked_by,
});

export interface AuditRow<Json> {
  id: string;
  at: string;
  actor: string;
  action: string;
  tenant_id: string | null;
  target: string | null;
  detail_json: Json;
}

export function auditRow(raw: AuditEntry): AuditRow<string> {
  const e = withoutNul(raw);
  return {
    id: e.id,
    at: e.at,
    actor: e.actor,
    action: e.action,
    tenant_id: e.tenantId,
    target: e.target,
    detail_json: JSON.stringify(e.detail ?? {}),
  };
}

export const auditFromRow = <Json>(r: AuditRow<Json>, codec: RowCodec<Json, unknown>): AuditEntry => ({
  id: r.id,
  at: r.at,
  actor: r.actor,
  action: r.action,
  tenantId: r.tenant_id,
  target: r.target,
  detail: codec.readJson<Record<string, unknown>>(r.detail_json),
});
