/**
 * Scans in PostgreSQL: the `scans` row with the exact report and bundle documents, the normalised evidence,
 * findings and capability_scores rows, and the history queries — the same rows and semantics as the SQLite store
 * (src/store/sqlite/scans.ts), with the same validation and row mapping (src/store/rows.ts). A new scan is written by
 * `PostgresStore.saveScan` (through `stageScanInsert`), in one transaction with the episodes and alerts it causes.
 *
 * Child rows go in one statement per table (`INSERT … SELECT FROM unnest(arrays)`): a scan with thousands of
 * evidence rows costs four round trips, not thousands.
 */
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
  type CapabilityRow,
  type CapabilityScoreRow,
  type EvidenceRow,
  type FindingRow,
  type ScanRow,
  type ScanRows,
  type ScanSummaryRow,
} from '../rows.js';
import type { ListOptions, ScanEvidence, ScanStore, StoredScan } from '../store.js';
import { ParsedReports } from '../parsed-reports.js';
import { POSTGRES_ROWS, type PostgresConnection, type Queryable, type StagedWrite } from './connection.js';

/** One column of a bulk insert: its name (a key of the row), its PostgreSQL array type, and the cast applied to each element. */
type Column<R> = readonly [name: keyof R & string, arrayType: string, cast?: string];

const EVIDENCE_COLUMNS: readonly Column<EvidenceRow>[] = [
  ['scan_id', 'text[]'],
  ['key', 'text[]'],
  ['ordinal', 'integer[]'],
  ['status', 'text[]'],
  ['reason', 'text[]'],
  ['reason_code', 'text[]'],
  ['value_json', 'text[]', 'jsonb'],
  ['source_json', 'text[]', 'jsonb'],
  ['collected_at', 'text[]'],
];
const FINDING_COLUMNS: readonly Column<FindingRow>[] = [
  ['scan_id', 'text[]'],
  ['rule_id', 'text[]'],
  ['ordinal', 'integer[]'],
  ['capability', 'text[]'],
  ['level', 'integer[]'],
  ['outcome', 'text[]'],
  ['score', 'double precision[]'],
  ['observed', 'text[]'],
  ['expected', 'text[]'],
];
const CAPABILITY_COLUMNS: readonly Column<CapabilityRow>[] = [
  ['scan_id', 'text[]'],
  ['capability', 'text[]'],
  ['ordinal', 'integer[]'],
  ['level', 'integer[]'],
  ['potential', 'integer[]'],
  ['score', 'double precision[]'],
  ['coverage', 'double precision[]'],
  ['snapshot_level', 'integer[]'],
  ['snapshot_potential', 'integer[]'],
  ['snapshot_score', 'double precision[]'],
];

/** `INSERT INTO table (cols) SELECT … FROM unnest($1::type[], …)`: one statement for any number of rows. */
function bulkInsertSql<R>(table: string, columns: readonly Column<R>[]): string {
  const names = columns.map(([name]) => name);
  const selected = columns.map(([name, , cast]) => (cast ? `${name}::${cast}` : name));
  const arrays = columns.map(([, type], i) => `$${i + 1}::${type}`);
  return `INSERT INTO ${table} (${names.join(', ')}) SELECT ${selected.join(', ')} FROM unnest(${arrays.join(', ')}) AS t(${names.join(', ')})`;
}

const INSERT_EVIDENCE = bulkInsertSql('evidence', EVIDENCE_COLUMNS);
const INSERT_FINDINGS = bulkInsertSql('findings', FINDING_COLUMNS);
const INSERT_CAPABILITIES = bulkInsertSql('capability_scores', CAPABILITY_COLUMNS);

/** Rows as column arrays in the order of `columns`, the shape `unnest` takes. */
function columnsOf<R>(rows: readonly R[], columns: readonly Column<R>[]): unknown[][] {
  return columns.map(([name]) => rows.map((row) => row[name]));
}

async function insertChildren(client: Queryable, rows: ScanRows<boolean>): Promise<void> {
  if (rows.evidence.length > 0) await client.query(INSERT_EVIDENCE, columnsOf(rows.evidence, EVIDENCE_COLUMNS));
  if (rows.findings.length > 0) await client.query(INSERT_FINDINGS, columnsOf(rows.findings, FINDING_COLUMNS));
  if (rows.capabilities.length > 0) {
    await client.query(INSERT_CAPABILITIES, columnsOf(rows.capabilities, CAPABILITY_COLUMNS));
  }
}

const SCAN_DOCUMENT_COLUMNS = 'id, tenant_id, started_at, finished_at, status, rules_version, report_json, bundle_json';
const SUMMARY_COLUMNS = `id, tenant_id, started_at, finished_at, status, level, potential, confirmed, regression_detected,
  regression_confirmed`;
// $2 NULL means "no status filter"; LIMIT NULL means no limit. seq breaks ties between scans that started in the
// same millisecond: the later insert is the newer scan.
const TENANT_FILTER_NEWEST_FIRST = `WHERE tenant_id = $1 AND ($2::text[] IS NULL OR status = ANY ($2::text[]))
  ORDER BY started_at DESC, seq DESC LIMIT $3`;

/** Validates and serialises `scan` now, and stages its inserts for the transaction of `PostgresStore.saveScan`. */
export function stageScanInsert(scan: StoredScan): StagedWrite {
  const rows = scanRows(scan, POSTGRES_ROWS);
  return async (client) => {
    const s = rows.scan;
    await client.query(
      `INSERT INTO scans (id, tenant_id, started_at, finished_at, status, level, potential, confirmed, regression_detected,
         regression_confirmed, rules_version, report_json, bundle_json)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::jsonb, $13::jsonb)`,
      [s.id, s.tenant_id, s.started_at, s.finished_at, s.status, s.level, s.potential, s.confirmed, s.regression_detected,
        s.regression_confirmed, s.rules_version, s.report_json, s.bundle_json],
    );
    await insertChildren(client, rows);
  };
}

export class PostgresScanStore implements ScanStore {
  private readonly reports = new ParsedReports();

  constructor(private readonly connection: PostgresConnection) {}

  async getScan(id: string): Promise<StoredScan | null> {
    const { rows } = await this.connection.query<ScanRow<unknown>>(`SELECT ${SCAN_DOCUMENT_COLUMNS} FROM scans WHERE id = $1`, [id]);
    return rows[0] ? fromRow(rows[0]) : null;
  }

  async replaceScanScores(scan: StoredScan): Promise<void> {
    const rows = scanRows(scan, POSTGRES_ROWS);
    const s = rows.scan;
    // One transaction: a crash mid-rescore leaves the scan as it was, never half re-scored.
    await this.connection.transaction(async (client) => {
      await client.query(
        `UPDATE scans SET level = $2, potential = $3, confirmed = $4, regression_detected = $5, regression_confirmed = $6,
           rules_version = $7, report_json = $8::jsonb, bundle_json = $9::jsonb, report_rev = report_rev + 1 WHERE id = $1`,
        [s.id, s.level, s.potential, s.confirmed, s.regression_detected, s.regression_confirmed, s.rules_version,
          s.report_json, s.bundle_json],
      );
      await client.query('DELETE FROM evidence WHERE scan_id = $1', [scan.id]);
      await client.query('DELETE FROM findings WHERE scan_id = $1', [scan.id]);
      await client.query('DELETE FROM capability_scores WHERE scan_id = $1', [scan.id]);
      await insertChildren(client, rows);
    });
  }

  async recentScans(tenantId: string, opts: ListOptions = {}): Promise<StoredScan[]> {
    const { rows } = await this.connection.query<ScanRow<unknown>>(
      `SELECT ${SCAN_DOCUMENT_COLUMNS} FROM scans ${TENANT_FILTER_NEWEST_FIRST}`,
      listParams(tenantId, opts),
    );
    return rows.map(fromRow);
  }

  async recentReports(tenantId: string, opts: ListOptions = {}): Promise<Report[]> {
    const { rows: heads } = await this.connection.query<{ id: string; report_rev: number }>(
      `SELECT id, report_rev FROM scans ${TENANT_FILTER_NEWEST_FIRST}`,
      listParams(tenantId, opts),
    );
    const kept = heads.map((h) => this.reports.get({ id: h.id, rev: h.report_rev }));
    const missing = heads.filter((_, i) => !kept[i]).map((h) => h.id);
    const fresh = new Map<string, Report>();
    if (missing.length > 0) {
      // The revision read with the document labels it: a rescore between the two reads only makes this parse newer.
      const { rows } = await this.connection.query<{ id: string; report_json: unknown; report_rev: number }>(
        'SELECT id, report_json, report_rev FROM scans WHERE id = ANY ($1::text[])',
        [missing],
      );
      for (const row of rows) fresh.set(row.id, this.reports.put({ id: row.id, rev: row.report_rev }, POSTGRES_ROWS.readJson<Report>(row.report_json)));
    }
    // A row deleted between the two reads (retention) is left out, as if the first read had come after.
    return heads.flatMap((h, i) => kept[i] ?? fresh.get(h.id) ?? []);
  }

  async bundlesOf(ids: readonly string[]): Promise<ScanEvidence[]> {
    if (ids.length === 0) return [];
    const { rows } = await this.connection.query<BundleRow<unknown>>(
      'SELECT id, finished_at, status, bundle_json FROM scans WHERE id = ANY ($1::text[])',
      [ids],
    );
    return rows.map((row) => bundleFromRow(row, POSTGRES_ROWS));
  }

  async listScans(tenantId: string, opts: ListOptions = {}): Promise<ScanSummary[]> {
    const { rows } = await this.connection.query<ScanSummaryRow<boolean>>(
      `SELECT ${SUMMARY_COLUMNS} FROM scans ${TENANT_FILTER_NEWEST_FIRST}`,
      listParams(tenantId, opts),
    );
    if (rows.length === 0) return [];
    // One query for all capability rows instead of one per scan.
    const wanted = scansWantingCapabilities(rows, opts);
    const capabilities = await this.connection.query<CapabilityScoreRow>(
      `SELECT scan_id, capability, level, score, coverage, snapshot_level, snapshot_potential, snapshot_score
         FROM capability_scores WHERE scan_id = ANY ($1::text[]) ORDER BY scan_id, ordinal`,
      [wanted.map((r) => r.id)],
    );
    return summariesFromRows(rows, capabilities.rows, POSTGRES_ROWS);
  }

  async tenantIds(): Promise<string[]> {
    const { rows } = await this.connection.query<{ tenant_id: string }>('SELECT DISTINCT tenant_id FROM scans ORDER BY tenant_id');
    return rows.map((r) => r.tenant_id);
  }
}

function listParams(tenantId: string, opts: ListOptions): [string, string[] | null, number | null] {
  const { limit, statuses } = opts;
  assertListLimit(limit);
  // An empty list means "no filter", not "match nothing": callers pass the (possibly empty) --status flags.
  return [tenantId, statuses && statuses.length > 0 ? [...statuses] : null, limit ?? null];
}

const fromRow = (row: ScanRow<unknown>): StoredScan => scanFromRow(row, POSTGRES_ROWS);
