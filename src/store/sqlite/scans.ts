/**
 * Scans in SQLite: the `scans` row with the exact report and bundle documents, the normalised evidence, findings
 * and capability_scores rows that make history queryable with plain SQL, and the history queries. A new scan is
 * written by `SqliteStore.saveScan` (through `stageScanInsert`), in one transaction with the episodes and alerts
 * it causes. Validation and the row mapping are shared with the PostgreSQL store (src/store/rows.ts).
 */
import type Database from 'better-sqlite3';
import type { ScanSummary } from '../../domain/scan-summary.js';
import type { Report } from '../../domain/report.js';
import {
  assertListLimit,
  bundleFromRow,
  scanFromRow,
  scanRows,
  scansWantingCapabilities,
  summariesFromRows,
  type BundleRow,
  type CapabilityScoreRow,
  type ScanRow,
  type ScanSummaryRow,
} from '../rows.js';
import type { ListOptions, ScanEvidence, ScanStore, StoredScan } from '../store.js';
import { ParsedReports } from '../parsed-reports.js';
import { SQLITE_ROWS, type SqliteConnection, type StagedWrite } from './connection.js';

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
  deleteEvidenceOf: db.prepare<[string]>('DELETE FROM evidence WHERE scan_id = ?'),
  deleteFindingsOf: db.prepare<[string]>('DELETE FROM findings WHERE scan_id = ?'),
  deleteCapabilitiesOf: db.prepare<[string]>('DELETE FROM capability_scores WHERE scan_id = ?'),
  getScan: db.prepare<[string], ScanRow<string>>(`SELECT id, tenant_id, started_at, finished_at, status, rules_version, report_json,
      bundle_json FROM scans WHERE id = ?`),
  recentScans: db.prepare<[ListParams], ScanRow<string>>(`SELECT id, tenant_id, started_at, finished_at, status, rules_version, report_json,
      bundle_json FROM scans ${TENANT_FILTER} ${NEWEST_FIRST}`),
  listScans: db.prepare<[ListParams], ScanSummaryRow<0 | 1>>(`SELECT id, tenant_id, started_at, finished_at, status, level, potential, confirmed,
      regression_detected, regression_confirmed FROM scans ${TENANT_FILTER} ${NEWEST_FIRST}`),
  capabilitiesOf: db.prepare<[string], CapabilityScoreRow>(`SELECT scan_id, capability, level, score, coverage, snapshot_level, snapshot_potential, snapshot_score FROM capability_scores
      WHERE scan_id IN (SELECT value FROM json_each(?)) ORDER BY scan_id, ordinal`),
  tenantIds: db.prepare<[], { tenant_id: string }>('SELECT DISTINCT tenant_id FROM scans ORDER BY tenant_id'),
  bundlesOf: db.prepare<[string], BundleRow<string>>(`SELECT id, finished_at, status, bundle_json FROM scans
      WHERE id IN (SELECT value FROM json_each(?))`),
});

/**
 * The statements that read or bump `report_rev` (schema v10), prepared apart from the rest: SQLite checks columns when
 * it prepares, and the upgrade tests write scans through a store still at an older schema.
 */
const prepareRevisionStatements = (db: Database.Database) => ({
  updateScanScores: db.prepare(`UPDATE scans SET level = @level, potential = @potential, confirmed = @confirmed,
      regression_detected = @regression_detected, regression_confirmed = @regression_confirmed,
      rules_version = @rules_version, report_json = @report_json, bundle_json = @bundle_json,
      report_rev = report_rev + 1 WHERE id = @id`),
  reportHeads: db.prepare<[ListParams], { id: string; report_rev: number }>(`SELECT id, report_rev FROM scans ${TENANT_FILTER} ${NEWEST_FIRST}`),
  reportOf: db.prepare<[string], { report_json: string; report_rev: number }>('SELECT report_json, report_rev FROM scans WHERE id = ?'),
});

/** Validates and serialises `scan` now, and stages its inserts for the transaction of `SqliteStore.saveScan`. */
export function stageScanInsert(connection: SqliteConnection, scan: StoredScan): StagedWrite {
  const statements = connection.statements(prepareScanStatements);
  const rows = scanRows(scan, SQLITE_ROWS);
  return () => {
    statements.insertScan.run(rows.scan);
    for (const row of rows.evidence) statements.insertEvidence.run(row);
    for (const row of rows.findings) statements.insertFinding.run(row);
    for (const row of rows.capabilities) statements.insertCapability.run(row);
  };
}

export class SqliteScanStore implements ScanStore {
  private readonly reports = new ParsedReports();

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
    const revision = this.connection.statements(prepareRevisionStatements);
    const rows = scanRows(scan, SQLITE_ROWS);
    const { id, level, potential, confirmed, regression_detected, regression_confirmed, rules_version, report_json, bundle_json } = rows.scan;
    // One transaction: a crash mid-rescore leaves the scan as it was, never half re-scored.
    this.connection.write(() => {
      revision.updateScanScores.run({ id, level, potential, confirmed, regression_detected, regression_confirmed, rules_version, report_json, bundle_json });
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

  async recentReports(tenantId: string, opts: ListOptions = {}): Promise<Report[]> {
    const statements = this.connection.statements(prepareRevisionStatements);
    return statements.reportHeads.all(listParams(tenantId, opts)).flatMap(({ id, report_rev }) => {
      const kept = this.reports.get({ id, rev: report_rev });
      if (kept) return [kept];
      // The revision read with the document labels it: a rescore between the two reads only makes this parse newer.
      const row = statements.reportOf.get(id);
      return row ? [this.reports.put({ id, rev: row.report_rev }, SQLITE_ROWS.readJson<Report>(row.report_json))] : [];
    });
  }

  async bundlesOf(ids: readonly string[]): Promise<ScanEvidence[]> {
    if (ids.length === 0) return [];
    return this.statements().bundlesOf.all(JSON.stringify(ids)).map((row) => bundleFromRow(row, SQLITE_ROWS));
  }

  async listScans(tenantId: string, opts: ListOptions = {}): Promise<ScanSummary[]> {
    const statements = this.statements();
    const rows = statements.listScans.all(listParams(tenantId, opts));
    if (rows.length === 0) return [];
    // One query for all capability rows instead of one per scan.
    const wanted = scansWantingCapabilities(rows, opts);
    const capabilities = statements.capabilitiesOf.all(JSON.stringify(wanted.map((r) => r.id)));
    return summariesFromRows(rows, capabilities, SQLITE_ROWS);
  }

  async tenantIds(): Promise<string[]> {
    return this.statements().tenantIds.all().map((r) => r.tenant_id);
  }
}

function listParams(tenantId: string, opts: ListOptions): ListParams {
  const { limit, statuses } = opts;
  assertListLimit(limit);
  return {
    tenant: tenantId,
    // An empty list means "no filter", not "match nothing": callers pass the (possibly empty) --status flags.
    statuses: statuses && statuses.length > 0 ? JSON.stringify(statuses) : null,
    // SQLite reads a negative LIMIT as "no limit".
    limit: limit ?? -1,
  };
}

const fromRow = (row: ScanRow<string>): StoredScan => scanFromRow(row, SQLITE_ROWS);
