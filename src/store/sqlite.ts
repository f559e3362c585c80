/**
 * The default history store: one SQLite file through better-sqlite3 (DESIGN §10).
 *
 * better-sqlite3 is synchronous; the methods are `async` only to satisfy the adapter-neutral `Store` interface,
 * which also has to fit network-backed adapters. Because every method body is synchronous, a single store
 * instance never interleaves two transactions.
 */
import { chmodSync, closeSync, existsSync, fchmodSync, mkdirSync, openSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { Report, ScanStatus } from '../domain/report.js';
import type { EvidenceBundle } from '../domain/evidence.js';
import { assertMigrationsWellFormed, MIGRATIONS, type Migration } from './migrations.js';
import type { Delivery, Episode } from '../domain/episode.js';
import type { Attestation, AttestationKind } from '../domain/attestation.js';
import type { AuditEntry } from '../domain/audit.js';
import type { Role } from '../domain/principal.js';
import type {
  ApiTokenRecord,
  AuditQuery,
  DeliveryUpdate,
  ListOptions,
  ScanEffects,
  ScanSummary,
  SessionRecord,
  Store,
  StoredScan,
} from './store.js';

export interface SqliteStoreOptions {
  /**
   * How long a statement waits for another connection's lock before failing with SQLITE_BUSY. `ratchet serve`
   * and a CLI `ratchet scan` may share one file, so a short wait beats an immediate error.
   */
  busyTimeoutMs?: number;
  /** Override the migration list; only tests need this (to exercise upgrades). */
  migrations?: readonly Migration[];
}

/** The database was written by a newer Ratchet: the old code must not guess at a schema it does not know. */
export class SchemaTooNewError extends Error {
  constructor(
    readonly databaseVersion: number,
    readonly codeVersion: number,
    location: string,
  ) {
    super(
      `The history database ${location} has schema version ${databaseVersion}, but this version of Ratchet only ` +
        `knows schema versions up to ${codeVersion}. Upgrade Ratchet, or point storage.url at another database.`,
    );
    this.name = 'SchemaTooNewError';
  }
}

const DEFAULT_BUSY_TIMEOUT_MS = 5_000;

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

interface Statements {
  insertScan: Database.Statement;
  insertEvidence: Database.Statement;
  insertFinding: Database.Statement;
  insertCapability: Database.Statement;
  getScan: Database.Statement<[string], ScanRow>;
  recentScans: Database.Statement<[{ tenant: string; statuses: string | null; limit: number }], ScanRow>;
  listScans: Database.Statement<[{ tenant: string; statuses: string | null; limit: number }], SummaryRow>;
  capabilitiesOf: Database.Statement<[string], CapabilityRow>;
  updateScanScores: Database.Statement;
  deleteEvidenceOf: Database.Statement<[string]>;
  deleteFindingsOf: Database.Statement<[string]>;
  deleteCapabilitiesOf: Database.Statement<[string]>;
  tenantIds: Database.Statement<[], { tenant_id: string }>;
  upsertEpisode: Database.Statement;
  episodes: Database.Statement<[{ tenant: string; open: number; limit: number }], { episode_json: string }>;
  insertDelivery: Database.Statement;
  dueDeliveries: Database.Statement<[string, number], DeliveryRow>;
  deliveries: Database.Statement<[{ episode: string | null; limit: number }], DeliveryRow>;
  updateDelivery: Database.Statement;
  insertToken: Database.Statement;
  getToken: Database.Statement<[string], TokenRow>;
  listTokens: Database.Statement<[], TokenRow>;
  revokeToken: Database.Statement<[{ id: string; at: string; by: string }]>;
  deleteSessionsOfToken: Database.Statement<[string]>;
  touchToken: Database.Statement<[{ id: string; at: string }]>;
  insertSession: Database.Statement;
  getSession: Database.Statement<[string], SessionRow>;
  deleteSession: Database.Statement<[string]>;
  deleteExpiredSessions: Database.Statement<[string]>;
  insertAttestation: Database.Statement;
  getAttestation: Database.Statement<[string], AttestationRow>;
  attestations: Database.Statement<[{ tenant: string; limit: number }], AttestationRow>;
  revokeAttestation: Database.Statement<[{ id: string; at: string; by: string }]>;
  insertAudit: Database.Statement;
  auditLog: Database.Statement<[{ tenants: string | null; global: number; limit: number }], AuditRow>;
}

interface TokenRow {
  id: string;
  name: string;
  role: Role;
  tenants_json: string | null;
  token_hash: string;
  created_at: string;
  created_by: string;
  last_used_at: string | null;
  revoked_at: string | null;
  revoked_by: string | null;
}

interface SessionRow {
  id: string;
  token_id: string;
  csrf_secret: string;
  created_at: string;
  expires_at: string;
}

interface AttestationRow {
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

interface AuditRow {
  id: string;
  at: string;
  actor: string;
  action: string;
  tenant_id: string | null;
  target: string | null;
  detail_json: string;
}

const fromTokenRow = (r: TokenRow): ApiTokenRecord => ({
  id: r.id,
  name: r.name,
  role: r.role,
  tenants: r.tenants_json === null ? null : (JSON.parse(r.tenants_json) as string[]),
  tokenHash: r.token_hash,
  createdAt: r.created_at,
  createdBy: r.created_by,
  lastUsedAt: r.last_used_at,
  revokedAt: r.revoked_at,
  revokedBy: r.revoked_by,
});

const fromSessionRow = (r: SessionRow): SessionRecord => ({
  idHash: r.id,
  tokenId: r.token_id,
  csrfSecret: r.csrf_secret,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
});

const fromAttestationRow = (r: AttestationRow): Attestation => ({
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

const fromAuditRow = (r: AuditRow): AuditEntry => ({
  id: r.id,
  at: r.at,
  actor: r.actor,
  action: r.action,
  tenantId: r.tenant_id,
  target: r.target,
  detail: JSON.parse(r.detail_json) as Record<string, unknown>,
});

function auditRow(e: AuditEntry) {
  return { id: e.id, at: e.at, actor: e.actor, action: e.action, tenant_id: e.tenantId, target: e.target, detail_json: JSON.stringify(e.detail ?? {}) };
}

interface DeliveryRow {
  id: string;
  episode_id: string;
  event: Delivery['event'];
  channel: string;
  idempotency_key: string;
  payload_json: string;
  status: Delivery['status'];
  attempts: number;
  next_attempt_at: string;
  last_error: string | null;
  created_at: string;
  delivered_at: string | null;
}

function episodeRow(e: Episode) {
  return { id: e.id, tenant_id: e.tenantId, kind: e.kind, state: e.state, opened_at: e.openedAt, closed_at: e.closedAt, episode_json: JSON.stringify(e) };
}

function deliveryRow(d: Delivery) {
  return {
    id: d.id,
    episode_id: d.episodeId,
    event: d.event,
    channel: d.channel,
    idempotency_key: d.idempotencyKey,
    payload_json: JSON.stringify(d.payload),
    status: d.status,
    attempts: d.attempts,
    next_attempt_at: d.nextAttemptAt,
    last_error: d.lastError,
    created_at: d.createdAt,
    delivered_at: d.deliveredAt,
  };
}

function fromDeliveryRow(r: DeliveryRow): Delivery {
  return {
    id: r.id,
    episodeId: r.episode_id,
    event: r.event,
    channel: r.channel,
    idempotencyKey: r.idempotency_key,
    payload: JSON.parse(r.payload_json) as Delivery['payload'],
    status: r.status,
    attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at,
    lastError: r.last_error,
    createdAt: r.created_at,
    deliveredAt: r.delivered_at,
  };
}

// `status IN (json_each(…))` lets one prepared statement take any number of statuses; NULL means "no filter".
const TENANT_FILTER = `
  WHERE tenant_id = @tenant
    AND (@statuses IS NULL OR status IN (SELECT value FROM json_each(@statuses)))`;
// rowid breaks ties between scans that started in the same millisecond: the later insert is the newer scan.
const NEWEST_FIRST = `ORDER BY started_at DESC, rowid DESC LIMIT @limit`;

/**
 * History holds what the collectors saw (user, admin and device names): only the account running Ratchet should
 * read it. Directories this creates are 0700 and a database file it creates is 0600, whatever the umask (SQLite then
 * gives the -wal and -shm files the database file's mode). A directory or database file that already exists keeps
 * the mode the operator gave it — e.g. a group a backup agent reads through — and is never chmod-ed here.
 * @returns true when the database file was created now.
 */
function createPrivately(location: string): boolean {
  const dir = dirname(location);
  const firstCreated = mkdirSync(dir, { recursive: true, mode: 0o700 });
  // mkdir's mode passes through the umask: set it again on each directory just created, from `dir` up.
  for (let d = dir; firstCreated !== undefined; d = dirname(d)) {
    chmodSync(d, 0o700);
    if (d === firstCreated || dirname(d) === d) break;
  }
  let fd: number;
  try {
    fd = openSync(location, 'wx', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    fchmodSync(fd, 0o600);
  } finally {
    closeSync(fd);
  }
  return true;
}

export class SqliteStore implements Store {
  private db: Database.Database | null;
  private statements: Statements | null = null;
  private readonly migrations: readonly Migration[];
  /** For error messages: the resolved file path, or `:memory:`. */
  readonly location: string;

  /** @param path a file path (parent directories are created) or `:memory:`. */
  constructor(path: string, options: SqliteStoreOptions = {}) {
    if (path.trim() === '') {
      // better-sqlite3 treats '' as "anonymous temporary database", which would silently lose history.
      throw new Error('SqliteStore needs a file path or ":memory:", got an empty string');
    }
    this.migrations = options.migrations ?? MIGRATIONS;
    assertMigrationsWellFormed(this.migrations);
    this.location = path === ':memory:' ? path : resolve(path);
    const created = path !== ':memory:' && createPrivately(this.location);

    const db = new Database(this.location);
    try {
      // WAL: readers (web UI, `ratchet history`) never block the scheduler's writes, and a crash mid-write
      // leaves the last committed state intact. On :memory: SQLite keeps journal_mode=memory, which is fine.
      db.pragma('journal_mode = WAL');
      // SQLite already gives -wal and -shm the database file's mode; say it outright for the files this opened.
      if (created) for (const suffix of ['-wal', '-shm']) if (existsSync(this.location + suffix)) chmodSync(this.location + suffix, 0o600);
      db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS))}`);
      // Off by default in SQLite; without it ON DELETE CASCADE and the REFERENCES clauses are decoration.
      db.pragma('foreign_keys = ON');
      // NORMAL in WAL mode never corrupts and keeps every commit across a process crash; only an OS crash or
      // power loss can roll back the last few commits, an acceptable trade for not fsyncing every scan.
      db.pragma('synchronous = NORMAL');
    } catch (err) {
      db.close();
      // The first pragma is where "file is not a database" surfaces; say which file.
      throw new Error(`Cannot open the history database ${this.location}: ${(err as Error).message}`, { cause: err });
    }
    this.db = db;
  }

  async migrate(): Promise<void> {
    this.migrateSync();
  }

  async saveScan(scan: StoredScan, effects: ScanEffects = {}): Promise<void> {
    const statements = this.ready();
    const rows = toRows(scan);
    const episodes = (effects.episodes ?? []).map(episodeRow);
    const deliveries = (effects.deliveries ?? []).map(deliveryRow);
    const db = this.open();
    // One transaction: the scan row, its child rows, and the episodes and alerts it causes commit together or not
    // at all. IMMEDIATE takes the write lock up front so the busy timeout applies, instead of failing on a
    // read→write lock upgrade.
    db.transaction(() => {
      statements.insertScan.run(rows.scan);
      for (const row of rows.evidence) statements.insertEvidence.run(row);
      for (const row of rows.findings) statements.insertFinding.run(row);
      for (const row of rows.capabilities) statements.insertCapability.run(row);
      for (const row of episodes) statements.upsertEpisode.run(row);
      for (const row of deliveries) statements.insertDelivery.run(row);
    }).immediate();
  }

  async replaceScanScores(scan: StoredScan): Promise<void> {
    const statements = this.ready();
    const rows = toRows(scan);
    const { id, level, potential, confirmed, regression_detected, regression_confirmed, rules_version, report_json, bundle_json } = rows.scan;
    // One transaction: a crash mid-rescore leaves the scan as it was, never half re-scored.
    this.open()
      .transaction(() => {
        statements.updateScanScores.run({ id, level, potential, confirmed, regression_detected, regression_confirmed, rules_version, report_json, bundle_json });
        statements.deleteEvidenceOf.run(scan.id);
        statements.deleteFindingsOf.run(scan.id);
        statements.deleteCapabilitiesOf.run(scan.id);
        for (const row of rows.evidence) statements.insertEvidence.run(row);
        for (const row of rows.findings) statements.insertFinding.run(row);
        for (const row of rows.capabilities) statements.insertCapability.run(row);
      })
      .immediate();
  }

  async episodes(tenantId: string, opts: { open?: boolean; limit?: number } = {}): Promise<Episode[]> {
    return this.ready()
      .episodes.all({ tenant: tenantId, open: opts.open ? 1 : 0, limit: opts.limit ?? -1 })
      .map((r) => JSON.parse(r.episode_json) as Episode);
  }

  async saveEpisode(episode: Episode, audit?: AuditEntry): Promise<void> {
    const statements = this.ready();
    this.write(() => {
      statements.upsertEpisode.run(episodeRow(episode));
      if (audit) statements.insertAudit.run(auditRow(audit));
    });
  }

  async createToken(token: ApiTokenRecord, audit?: AuditEntry): Promise<void> {
    const statements = this.ready();
    this.write(() => {
      statements.insertToken.run({
        id: token.id,
        name: token.name,
        role: token.role,
        tenants_json: token.tenants === null ? null : JSON.stringify(token.tenants),
        token_hash: token.tokenHash,
        created_at: token.createdAt,
        created_by: token.createdBy,
        last_used_at: token.lastUsedAt,
        revoked_at: token.revokedAt,
        revoked_by: token.revokedBy,
      });
      if (audit) statements.insertAudit.run(auditRow(audit));
    });
  }

  async getToken(id: string): Promise<ApiTokenRecord | null> {
    const row = this.ready().getToken.get(id);
    return row ? fromTokenRow(row) : null;
  }

  async listTokens(): Promise<ApiTokenRecord[]> {
    return this.ready().listTokens.all().map(fromTokenRow);
  }

  async revokeToken(id: string, at: string, by: string, audit?: AuditEntry): Promise<ApiTokenRecord | null> {
    const statements = this.ready();
    return this.write(() => {
      const changed = statements.revokeToken.run({ id, at, by }).changes;
      if (changed > 0) {
        statements.deleteSessionsOfToken.run(id);
        if (audit) statements.insertAudit.run(auditRow(audit));
      }
      const row = statements.getToken.get(id);
      return row ? fromTokenRow(row) : null;
    });
  }

  async touchToken(id: string, at: string): Promise<void> {
    this.ready().touchToken.run({ id, at });
  }

  async createSession(session: SessionRecord, audit?: AuditEntry): Promise<void> {
    const statements = this.ready();
    this.write(() => {
      statements.insertSession.run({
        id: session.idHash,
        token_id: session.tokenId,
        csrf_secret: session.csrfSecret,
        created_at: session.createdAt,
        expires_at: session.expiresAt,
      });
      if (audit) statements.insertAudit.run(auditRow(audit));
    });
  }

  async getSession(idHash: string): Promise<SessionRecord | null> {
    const row = this.ready().getSession.get(idHash);
    return row ? fromSessionRow(row) : null;
  }

  async deleteSession(idHash: string, audit?: AuditEntry): Promise<void> {
    const statements = this.ready();
    this.write(() => {
      const changed = statements.deleteSession.run(idHash).changes;
      if (changed > 0 && audit) statements.insertAudit.run(auditRow(audit));
    });
  }

  async deleteExpiredSessions(now: string): Promise<number> {
    return this.ready().deleteExpiredSessions.run(now).changes;
  }

  async saveAttestation(a: Attestation, audit?: AuditEntry): Promise<void> {
    const statements = this.ready();
    this.write(() => {
      statements.insertAttestation.run({
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
      });
      if (audit) statements.insertAudit.run(auditRow(audit));
    });
  }

  async getAttestation(id: string): Promise<Attestation | null> {
    const row = this.ready().getAttestation.get(id);
    return row ? fromAttestationRow(row) : null;
  }

  async attestations(tenantId: string, opts: { limit?: number } = {}): Promise<Attestation[]> {
    return this.ready().attestations.all({ tenant: tenantId, limit: opts.limit ?? -1 }).map(fromAttestationRow);
  }

  async revokeAttestation(id: string, at: string, by: string, audit?: AuditEntry): Promise<Attestation | null> {
    const statements = this.ready();
    return this.write(() => {
      const changed = statements.revokeAttestation.run({ id, at, by }).changes;
      if (changed > 0 && audit) statements.insertAudit.run(auditRow(audit));
      const row = statements.getAttestation.get(id);
      return row ? fromAttestationRow(row) : null;
    });
  }

  async appendAudit(entry: AuditEntry): Promise<void> {
    this.ready().insertAudit.run(auditRow(entry));
  }

  async auditLog(query: AuditQuery = {}): Promise<AuditEntry[]> {
    const { tenants, limit } = query;
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) {
      throw new RangeError(`limit must be a non-negative integer, got ${String(limit)}`);
    }
    return this.ready()
      .auditLog.all({ tenants: tenants == null ? null : JSON.stringify(tenants), global: query.global === false ? 0 : 1, limit: limit ?? -1 })
      .map(fromAuditRow);
  }

  async dueDeliveries(now: string, limit: number): Promise<Delivery[]> {
    return this.ready().dueDeliveries.all(now, limit).map(fromDeliveryRow);
  }

  async deliveries(opts: { episodeId?: string; limit?: number } = {}): Promise<Delivery[]> {
    return this.ready().deliveries.all({ episode: opts.episodeId ?? null, limit: opts.limit ?? -1 }).map(fromDeliveryRow);
  }

  async updateDelivery(id: string, u: DeliveryUpdate): Promise<void> {
    this.ready().updateDelivery.run({ id, status: u.status, attempts: u.attempts, next_attempt_at: u.nextAttemptAt, last_error: u.lastError, delivered_at: u.deliveredAt });
  }

  async ping(): Promise<void> {
    this.open().prepare('SELECT 1').get();
  }

  async getScan(id: string): Promise<StoredScan | null> {
    const row = this.ready().getScan.get(id);
    return row ? fromRow(row) : null;
  }

  async recentScans(tenantId: string, opts: ListOptions = {}): Promise<StoredScan[]> {
    return this.ready().recentScans.all(listParams(tenantId, opts)).map(fromRow);
  }

  async listScans(tenantId: string, opts: ListOptions = {}): Promise<ScanSummary[]> {
    const statements = this.ready();
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
    return this.ready().tenantIds.all().map((r) => r.tenant_id);
  }

  /** Idempotent: closing twice is harmless, so shutdown paths need not track whether they already closed. */
  async close(): Promise<void> {
    const db = this.db;
    this.db = null;
    this.statements = null;
    if (db?.open) db.close();
  }

  /** Runs `fn` in one IMMEDIATE transaction (a change and its audit entry commit together or not at all). */
  private write<T>(fn: () => T): T {
    return this.open().transaction(fn).immediate();
  }

  private open(): Database.Database {
    if (!this.db) throw new Error(`The history store ${this.location} is closed`);
    return this.db;
  }

  /** Applies pending migrations on first use, so a caller that forgot `migrate()` gets history, not "no such table". */
  private ready(): Statements {
    if (!this.statements) this.migrateSync();
    return this.statements as Statements;
  }

  private migrateSync(): void {
    const db = this.open();
    const codeVersion = this.migrations.at(-1)?.version ?? 0;
    // IMMEDIATE: two processes starting together must not both see version 0 and both run migration 1.
    db.transaction(() => {
      db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version     INTEGER NOT NULL PRIMARY KEY,
        name        TEXT    NOT NULL,
        applied_at  TEXT    NOT NULL
      ) STRICT`);
      const current =
        db.prepare<[], { v: number | null }>('SELECT max(version) AS v FROM schema_migrations').get()?.v ?? 0;
      if (current > codeVersion) throw new SchemaTooNewError(current, codeVersion, this.location);
      const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
      for (const m of this.migrations) {
        if (m.version <= current) continue;
        db.exec(m.sql);
        record.run(m.version, m.name, new Date().toISOString());
      }
    }).immediate();
    this.statements ??= prepare(db);
  }
}

function prepare(db: Database.Database): Statements {
  return {
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
    deleteEvidenceOf: db.prepare('DELETE FROM evidence WHERE scan_id = ?'),
    deleteFindingsOf: db.prepare('DELETE FROM findings WHERE scan_id = ?'),
    deleteCapabilitiesOf: db.prepare('DELETE FROM capability_scores WHERE scan_id = ?'),
    getScan: db.prepare(`SELECT id, tenant_id, started_at, finished_at, status, rules_version, report_json,
        bundle_json FROM scans WHERE id = ?`),
    recentScans: db.prepare(`SELECT id, tenant_id, started_at, finished_at, status, rules_version, report_json,
        bundle_json FROM scans ${TENANT_FILTER} ${NEWEST_FIRST}`),
    listScans: db.prepare(`SELECT id, tenant_id, started_at, finished_at, status, level, potential, confirmed,
        regression_detected, regression_confirmed FROM scans ${TENANT_FILTER} ${NEWEST_FIRST}`),
    capabilitiesOf: db.prepare(`SELECT scan_id, capability, level, score, coverage, snapshot_level, snapshot_potential, snapshot_score FROM capability_scores
      WHERE scan_id IN (SELECT value FROM json_each(?)) ORDER BY scan_id, ordinal`),
    tenantIds: db.prepare('SELECT DISTINCT tenant_id FROM scans ORDER BY tenant_id'),
    upsertEpisode: db.prepare(`INSERT INTO episodes (id, tenant_id, kind, state, opened_at, closed_at, episode_json)
      VALUES (@id, @tenant_id, @kind, @state, @opened_at, @closed_at, @episode_json)
      ON CONFLICT (id) DO UPDATE SET state = excluded.state, closed_at = excluded.closed_at, episode_json = excluded.episode_json`),
    episodes: db.prepare(`SELECT episode_json FROM episodes WHERE tenant_id = @tenant AND (@open = 0 OR state != 'closed')
      ORDER BY opened_at DESC, rowid DESC LIMIT @limit`),
    // An idempotency key already queued is left alone: replaying a scan's effects never queues an alert twice.
    insertDelivery: db.prepare(`INSERT INTO deliveries (id, episode_id, event, channel, idempotency_key, payload_json, status,
        attempts, next_attempt_at, last_error, created_at, delivered_at)
      VALUES (@id, @episode_id, @event, @channel, @idempotency_key, @payload_json, @status, @attempts, @next_attempt_at,
        @last_error, @created_at, @delivered_at)
      ON CONFLICT (idempotency_key) DO NOTHING`),
    dueDeliveries: db.prepare(`SELECT * FROM deliveries WHERE status = 'pending' AND next_attempt_at <= ?
      ORDER BY next_attempt_at, rowid LIMIT ?`),
    deliveries: db.prepare(`SELECT * FROM deliveries WHERE (@episode IS NULL OR episode_id = @episode)
      ORDER BY created_at, rowid LIMIT @limit`),
    updateDelivery: db.prepare(`UPDATE deliveries SET status = @status, attempts = @attempts, next_attempt_at = @next_attempt_at,
        last_error = @last_error, delivered_at = @delivered_at WHERE id = @id`),
    insertToken: db.prepare(`INSERT INTO api_tokens (id, name, role, tenants_json, token_hash, created_at, created_by,
        last_used_at, revoked_at, revoked_by)
      VALUES (@id, @name, @role, @tenants_json, @token_hash, @created_at, @created_by, @last_used_at, @revoked_at, @revoked_by)`),
    getToken: db.prepare('SELECT * FROM api_tokens WHERE id = ?'),
    listTokens: db.prepare('SELECT * FROM api_tokens ORDER BY created_at, rowid'),
    revokeToken: db.prepare('UPDATE api_tokens SET revoked_at = @at, revoked_by = @by WHERE id = @id AND revoked_at IS NULL'),
    deleteSessionsOfToken: db.prepare('DELETE FROM sessions WHERE token_id = ?'),
    touchToken: db.prepare('UPDATE api_tokens SET last_used_at = @at WHERE id = @id'),
    insertSession: db.prepare(`INSERT INTO sessions (id, token_id, csrf_secret, created_at, expires_at)
      VALUES (@id, @token_id, @csrf_secret, @created_at, @expires_at)`),
    getSession: db.prepare('SELECT * FROM sessions WHERE id = ?'),
    deleteSession: db.prepare('DELETE FROM sessions WHERE id = ?'),
    deleteExpiredSessions: db.prepare('DELETE FROM sessions WHERE expires_at <= ?'),
    insertAttestation: db.prepare(`INSERT INTO attestations (id, tenant_id, kind, note, file_ref, author, attested_at, expires_at,
        created_at, revoked_at, revoked_by)
      VALUES (@id, @tenant_id, @kind, @note, @file_ref, @author, @attested_at, @expires_at, @created_at, @revoked_at, @revoked_by)`),
    getAttestation: db.prepare('SELECT * FROM attestations WHERE id = ?'),
    attestations: db.prepare(`SELECT * FROM attestations WHERE tenant_id = @tenant ORDER BY created_at DESC, rowid DESC LIMIT @limit`),
    revokeAttestation: db.prepare('UPDATE attestations SET revoked_at = @at, revoked_by = @by WHERE id = @id AND revoked_at IS NULL'),
    insertAudit: db.prepare(`INSERT INTO audit_log (id, at, actor, action, tenant_id, target, detail_json)
      VALUES (@id, @at, @actor, @action, @tenant_id, @target, @detail_json)`),
    // Tenant entries filtered by the (optional) list, entries without a tenant only when asked for.
    auditLog: db.prepare(`SELECT * FROM audit_log
      WHERE (tenant_id IS NULL AND @global = 1)
         OR (tenant_id IS NOT NULL AND (@tenants IS NULL OR tenant_id IN (SELECT value FROM json_each(@tenants))))
      ORDER BY at DESC, rowid DESC LIMIT @limit`),
  };
}

function listParams(tenantId: string, opts: ListOptions): { tenant: string; statuses: string | null; limit: number } {
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
