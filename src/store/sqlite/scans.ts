/**
 * Scans in SQLite: the `scans` row with the exact report and bundle documents, the normalised evidence, findings
 * and capability_scores rows that make history queryable with plain SQL, and the history queries. A new scan is
 * written by `SqliteStore.saveScan` (through `stageScanInsert`), in one transaction with the episodes and alerts
 * it causes.
 */
import type Database from 'better-sqlite3';
import type { EvidenceBundle } from '../../domain/evidence.js';
import type { Report, ScanStatus } from '../../domain/report.js';
import type { ScanSummary } from '../../domain/scan-summary.js';
import type { ListOptions, ScanStore, StoredScan } from '../store.js';
import type { SqliteConnection, StagedWrite } from './connection.js';

/**
 * `Date.prototype.toISOString()` output. History is ordered by comparing `started_at` as text, which equals
 * time order only when every timestamp has this exact shape (UTC, `Z`, three fraction digits): `…:00Z` would
 * sort after `…:00.500Z`. So non-canonical timestamps are rejected rather than silently misordered.
 */
const CANONICAL_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

interface ScanRow {
  id: string;
  tenant_id: string;
  started_at: string;
  finished_at: string;
  status: ScanStatus;
  rules_version: string;
  report_json: string;
  bundle_json: string;
}

interface SummaryRow {
  id: string;
  tenant_id: string;
  started_at: string;
  finished_at: string;
  status: ScanStatus;
  level: number;
  potential: number;
  confirmed: 0 | 1;
  regression_detected: 0 | 1;
  regression_confirmed: 0 | 1;
}

interface CapabilityRow {
  scan_id: string;
  capability: string;
  level: number;
  score: number | null;
  coverage: number;
  snapshot_level: number | null;
  snapshot_potential: number | null;
  snapshot_score: number | null;
}

/** Everything one scan writes, serialised up front so the write transaction holds the lock only for inserts. */
interface ScanRows {
  scan: Record<string, string | number>;
  evidence: Array<Record<string, string | number | null>>;
  findings: Array<Record<string, string | number | null>>;
  capabilities: Array<Record<string, string | number | null>>;
}

// `status IN (json_each(…))` lets one prepared statement take any number of statuses; NULL means "no filter".
const TENANT_FILTER = `
  WHERE tenant_id = @tenant
    AND (@statuses IS NULL OR status IN (SELECT value FROM json_each(@statuses)))`;
// rowid breaks ties between scans that started in the same millisecond: the later insert is the newer scan.
const NEWEST_FIRST = `ORDER BY started_at DESC, rowid DESC LIMIT @limit`;

type ListParams = { tenant: string; statuses: string | null; limit: number };

const prepareScanStatements = (db: Database.Database) => ({
  insertScan: db.prepare(`INSERT INTO scans (id, tenant_id, started_at, finished_at, status, level, potential,
      confirmed, regression_detected, regression_confirmed, rules_version, report_json, bundle_json)
    VALUES (@id, @tenant_id, @started_at, @finished_at, @status, @level, @potential, @confirmed,
      @regression_detected, @regression_confirmed, @rules_version, @report_json, @bundle_json)`),
  insertEvidence: db.prepare(`INSERT INTO evidence (scan_id, key, ordinal, status, reason, reason_code, value_json,
      source_json, collected_at)
    VALUES (@scan_id, @key, @ordinal, @status, @reason, @reason_code, @value_json, @source_json, @collected_at)`),
  insertFinding: db.prepare(`INSERT INTO findings (scan_id, rule_id, ordinal, capability, level, outcome, score,
      observed, expected)
    VALUES (@scan_id, @rule_id, @ordinal, @capability, @level, @outcome, @score, @observed, @expected)`),
  insertCapability: db.prepare(`INSERT INTO capability_scores (scan_id, capability, ordinal, level, potential,
      score, coverage, snapshot_level, snapshot_potential, snapshot_score)
    VALUES (@scan_id, @capability, @ordinal, @level, @potential, @score, @coverage, @snapshot_level, @snapshot_potential, @snapshot_score)`),
  updateScanScores: db.prepare(`UPDATE scans SET level = @level, potential = @potential, confirmed = @confirmed,
      regression_detected = @regression_detected, regression_confirmed = @regression_confirmed,
      rules_version = @rules_version, report_json = @report_json, bundle_json = @bundle_json WHERE id = @id`),
  deleteEvidenceOf: db.prepare<[string]>('DELETE FROM evidence WHERE scan_id = ?'),
  deleteFindingsOf: db.prepare<[string]>('DELETE FROM findings WHERE scan_id = ?'),
  deleteCapabilitiesOf: db.prepare<[string]>('DELETE FROM capability_scores WHERE scan_id = ?'),
  getScan: db.prepare<[string], ScanRow>(`SELECT id, tenant_id, started_at, finished_at, status, rules_version, report_json,
      bundle_json FROM scans WHERE id = ?`),
  recentScans: db.prepare<[ListParams], ScanRow>(`SELECT id, tenant_id, started_at, finished_at, status, rules_version, report_json,
      bundle_json FROM scans ${TENANT_FILTER} ${NEWEST_FIRST}`),
  listScans: db.prepare<[ListParams], SummaryRow>(`SELECT id, tenant_id, started_at, finished_at, status, level, potential, confirmed,
      regression_detected, regression_confirmed FROM scans ${TENANT_FILTER} ${NEWEST_FIRST}`),
  capabilitiesOf: db.prepare<[string], CapabilityRow>(`SELECT scan_id, capability, level, score, coverage, snapshot_level, snapshot_potential, snapshot_score FROM capability_scores
      WHERE scan_id IN (SELECT value FROM json_each(?)) ORDER BY scan_id, ordinal`),
  tenantIds: db.prepare<[], { tenant_id: string }>('SELECT DISTINCT tenant_id FROM scans ORDER BY tenant_id'),
});

/** Validates and serialises `scan` now, and stages its inserts for the transaction of `SqliteStore.saveScan`. */
export function stageScanInsert(connection: SqliteConnection, scan: StoredScan): StagedWrite {
  const statements = connection.statements(prepareScanStatements);
  const rows = toRows(scan);
  return () => {
    statements.insertScan.run(rows.scan);
    for (const row of rows.evidence) statements.insertEvidence.run(row);
    for (const row of rows.findings) statements.insertFinding.run(row);
    for (const row of rows.capabilities) statements.insertCapability.run(row);
  };
}

export class SqliteScanStore implements ScanStore {
  constructor(private readonly connection: SqliteConnection) {}

  private statements() {
    return this.connection.statements(prepareScanStatements);
  }

  async getScan(id: string): Promise<StoredScan | null> {
    const row = this.statements().getScan.get(id);
    return row ? fromRow(row) : null;
  }

  async replaceScanScores(scan: StoredScan): Promise<void> {
    const statements = this.statements();
    const rows = toRows(scan);
    const { id, level, potential, confirmed, regression_detected, regression_confirmed, rules_version, report_json, bundle_json } = rows.scan;
    // One transaction: a crash mid-rescore leaves the scan as it was, never half re-scored.
    this.connection.write(() => {
      statements.updateScanScores.run({ id, level, potential, confirmed, regression_detected, regression_confirmed, rules_version, report_json, bundle_json });
      statements.deleteEvidenceOf.run(scan.id);
      statements.deleteFindingsOf.run(scan.id);
      statements.deleteCapabilitiesOf.run(scan.id);
      for (const row of rows.evidence) statements.insertEvidence.run(row);
      for (const row of rows.findings) statements.insertFinding.run(row);
      for (const row of rows.capabilities) statements.insertCapability.run(row);
    });
  }

  async recentScans(tenantId: string, opts: ListOptions = {}): Promise<StoredScan[]> {
    return this.statements().recentScans.all(listParams(tenantId, opts)).map(fromRow);
  }

  async listScans(tenantId: string, opts: ListOptions = {}): Promise<ScanSummary[]> {
    const statements = this.statements();
    const rows = statements.listScans.all(listParams(tenantId, opts));
    if (rows.length === 0) return [];
    // One query for all capability rows instead of one per scan.
    const byScan = new Map<string, ScanSummary['capabilities']>(rows.map((r) => [r.id, []]));
    const wanted = opts.capabilities === 'newest' ? rows.slice(0, 1) : rows;
    for (const c of statements.capabilitiesOf.all(JSON.stringify(wanted.map((r) => r.id)))) {
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
      confirmed: r.confirmed === 1,
      regressionDetected: r.regression_detected === 1,
      regressionConfirmed: r.regression_confirmed === 1,
      capabilities: byScan.get(r.id) ?? [],
    }));
  }

  async tenantIds(): Promise<string[]> {
    return this.statements().tenantIds.all().map((r) => r.tenant_id);
  }
}

function listParams(tenantId: string, opts: ListOptions): ListParams {
  const { limit, statuses } = opts;
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) {
    throw new RangeError(`limit must be a non-negative integer, got ${String(limit)}`);
  }
  return {
    tenant: tenantId,
    // An empty list means "no filter", not "match nothing": callers pass the (possibly empty) --status flags.
    statuses: statuses && statuses.length > 0 ? JSON.stringify(statuses) : null,
    // SQLite reads a negative LIMIT as "no limit".
    limit: limit ?? -1,
  };
}

/** Rejects scans whose parts disagree: history keyed by the wrong tenant or id would be silently wrong forever. */
function validate(scan: StoredScan): void {
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

function toRows(scan: StoredScan): ScanRows {
  validate(scan);
  const { report } = scan;
  const bool = (b: boolean | undefined): number => (b ? 1 : 0);
  return {
    scan: {
      id: scan.id,
      tenant_id: scan.tenantId,
      started_at: scan.startedAt,
      finished_at: scan.finishedAt,
      status: scan.status,
      level: report.level.value,
      potential: report.level.potential,
      confirmed: bool(report.level.confirmed),
      regression_detected: bool(report.regression?.detected),
      regression_confirmed: bool(report.regression?.confirmed),
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

function fromRow(row: ScanRow): StoredScan {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    status: row.status,
    rulesVersion: row.rules_version,
    report: JSON.parse(row.report_json) as Report,
    bundle: JSON.parse(row.bundle_json) as EvidenceBundle,
  };
}
