/**
 * Versioned schema migrations of the SQLite store (DESIGN §10).
 *
 * Rules for editing this file:
 * - Never change a migration that has shipped: databases in the field have already recorded its version, so an
 *   edit would never reach them and the schema would silently fork. Append a new migration instead.
 * - Versions are consecutive integers starting at 1; `assertMigrationsWellFormed` (../migration-checks.ts) checks this at
 *   start-up so a merge mistake fails loudly instead of skipping a step.
 * - Each migration runs inside the same transaction as the insert into `schema_migrations`, so a migration is
 *   either fully applied and recorded or not at all. (SQLite DDL is transactional.)
 */
import { latestVersion, type Migration } from '../migration-checks.js';

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial history schema',
    // STRICT tables make SQLite enforce the declared column types, so a bug that writes a string into `level`
    // fails at write time instead of corrupting history queries later.
    // `report_json` / `bundle_json` keep the exact documents for replay and rescoring; the normalised tables
    // duplicate the queryable parts so history can be analysed with plain SQL.
    // `ordinal` keeps each list in the order the report had it; rowid order is an SQLite accident that a
    // PostgreSQL adapter could not reproduce.
    sql: `
CREATE TABLE scans (
  id                    TEXT    NOT NULL PRIMARY KEY,
  tenant_id             TEXT    NOT NULL,
  started_at            TEXT    NOT NULL,
  finished_at           TEXT    NOT NULL,
  status                TEXT    NOT NULL CHECK (status IN ('complete', 'partial', 'failed')),
  level                 INTEGER NOT NULL,
  potential             INTEGER NOT NULL,
  confirmed             INTEGER NOT NULL CHECK (confirmed IN (0, 1)),
  regression_detected   INTEGER NOT NULL CHECK (regression_detected IN (0, 1)),
  regression_confirmed  INTEGER NOT NULL CHECK (regression_confirmed IN (0, 1)),
  rules_version         TEXT    NOT NULL,
  report_json           TEXT    NOT NULL,
  bundle_json           TEXT    NOT NULL
) STRICT;

-- History is always read per tenant, newest first.
CREATE INDEX scans_tenant_started ON scans (tenant_id, started_at);

CREATE TABLE evidence (
  scan_id       TEXT    NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
  key           TEXT    NOT NULL,
  ordinal       INTEGER NOT NULL,
  status        TEXT    NOT NULL CHECK (status IN ('ok', 'unavailable', 'error')),
  reason        TEXT,
  reason_code   TEXT,
  value_json    TEXT,
  source_json   TEXT    NOT NULL,
  collected_at  TEXT    NOT NULL,
  PRIMARY KEY (scan_id, key)
) STRICT;

CREATE TABLE findings (
  scan_id     TEXT    NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
  rule_id     TEXT    NOT NULL,
  ordinal     INTEGER NOT NULL,
  capability  TEXT    NOT NULL,
  level       INTEGER NOT NULL,
  outcome     TEXT    NOT NULL CHECK (outcome IN ('pass', 'fail', 'partial', 'unknown', 'not_applicable')),
  score       REAL,
  observed    TEXT    NOT NULL,
  expected    TEXT    NOT NULL,
  PRIMARY KEY (scan_id, rule_id)
) STRICT;

CREATE TABLE capability_scores (
  scan_id     TEXT    NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
  capability  TEXT    NOT NULL,
  ordinal     INTEGER NOT NULL,
  level       INTEGER NOT NULL,
  potential   INTEGER,
  score       REAL,
  coverage    REAL    NOT NULL,
  PRIMARY KEY (scan_id, capability)
) STRICT;
`,
  },
  {
    version: 2,
    name: 'regression episodes and the alert outbox',
    // Episodes and deliveries are written in the same transaction as the scan that caused them, so a crash or a
    // restart can neither lose an alert nor send one twice (the idempotency key is unique).
    sql: `
CREATE TABLE episodes (
  id                TEXT    NOT NULL PRIMARY KEY,
  tenant_id         TEXT    NOT NULL,
  kind              TEXT    NOT NULL CHECK (kind IN ('regression', 'visibility')),
  state             TEXT    NOT NULL CHECK (state IN ('pending', 'confirmed', 'closed')),
  opened_at         TEXT    NOT NULL,
  closed_at         TEXT,
  episode_json      TEXT    NOT NULL
) STRICT;
CREATE INDEX episodes_by_tenant ON episodes (tenant_id, opened_at);

CREATE TABLE deliveries (
  id                TEXT    NOT NULL PRIMARY KEY,
  episode_id        TEXT    NOT NULL REFERENCES episodes (id) ON DELETE CASCADE,
  event             TEXT    NOT NULL,
  channel           TEXT    NOT NULL,
  idempotency_key   TEXT    NOT NULL UNIQUE,
  payload_json      TEXT    NOT NULL,
  status            TEXT    NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts          INTEGER NOT NULL,
  next_attempt_at   TEXT    NOT NULL,
  last_error        TEXT,
  created_at        TEXT    NOT NULL,
  delivered_at      TEXT
) STRICT;
CREATE INDEX deliveries_due ON deliveries (status, next_attempt_at);
`,
  },
  {
    version: 3,
    name: 'web: API tokens, browser sessions, attestations and the audit log',
    // Secrets are never stored: `api_tokens.token_hash` is the hex SHA-256 of the token's secret part and
    // `sessions.id` the hex SHA-256 of the session cookie, so a copy of this file grants no access.
    // `tenants_json` NULL means "all tenants"; otherwise a JSON array of tenant ids.
    // Revoking a token deletes its sessions (in the same transaction, by the store), and ON DELETE CASCADE covers a
    // deleted token row. The audit log is append-only: no code path updates or deletes its rows.
    sql: `
CREATE TABLE api_tokens (
  id            TEXT    NOT NULL PRIMARY KEY,
  name          TEXT    NOT NULL,
  role          TEXT    NOT NULL CHECK (role IN ('viewer', 'technician', 'admin')),
  tenants_json  TEXT,
  token_hash    TEXT    NOT NULL,
  created_at    TEXT    NOT NULL,
  created_by    TEXT    NOT NULL,
  last_used_at  TEXT,
  revoked_at    TEXT,
  revoked_by    TEXT
) STRICT;

CREATE TABLE sessions (
  id            TEXT    NOT NULL PRIMARY KEY,
  token_id      TEXT    NOT NULL REFERENCES api_tokens (id) ON DELETE CASCADE,
  csrf_secret   TEXT    NOT NULL,
  created_at    TEXT    NOT NULL,
  expires_at    TEXT    NOT NULL
) STRICT;
CREATE INDEX sessions_by_expiry ON sessions (expires_at);
CREATE INDEX sessions_by_token ON sessions (token_id);

CREATE TABLE attestations (
  id            TEXT    NOT NULL PRIMARY KEY,
  tenant_id     TEXT    NOT NULL,
  kind          TEXT    NOT NULL,
  note          TEXT    NOT NULL,
  file_ref      TEXT,
  author        TEXT    NOT NULL,
  attested_at   TEXT    NOT NULL,
  expires_at    TEXT    NOT NULL,
  created_at    TEXT    NOT NULL,
  revoked_at    TEXT,
  revoked_by    TEXT
) STRICT;
CREATE INDEX attestations_by_tenant ON attestations (tenant_id, created_at);

CREATE TABLE audit_log (
  id            TEXT    NOT NULL PRIMARY KEY,
  at            TEXT    NOT NULL,
  actor         TEXT    NOT NULL,
  action        TEXT    NOT NULL,
  tenant_id     TEXT,
  target        TEXT,
  detail_json   TEXT    NOT NULL
) STRICT;
CREATE INDEX audit_by_time ON audit_log (at);
CREATE INDEX audit_by_tenant ON audit_log (tenant_id, at);
`,
  },
  {
    version: 4,
    name: 'capability snapshot levels and scores (history gates of levels 4 and 5)',
    // The level and score of a capability's point-in-time gates alone: what "held over 90 / 180 days" reads per scan.
    // NULL for scans stored before; history then falls back to the stored level (rules/README.md).
    sql: `
ALTER TABLE capability_scores ADD COLUMN snapshot_level INTEGER;
ALTER TABLE capability_scores ADD COLUMN snapshot_potential INTEGER;
ALTER TABLE capability_scores ADD COLUMN snapshot_score REAL;
`,
  },
  {
    version: 5,
    name: 'vendor request limits shared by every worker',
    // PostgreSQL's version 5 adds the table its cross-process limiter keeps. A SQLite store serves one process, whose
    // limiter lives in memory (src/collector-kit/rate-gate.ts): nothing to store, so only the version is recorded
    // and the two schemas keep the same version numbers.
    sql: `SELECT 1;`,
  },
  {
    version: 6,
    name: 'the outbox of scheduled client reports',
    // One row per (report schedule, tenant, period): the unique idempotency key is what keeps a restart or a second
    // scheduler from queueing a report twice. The row says what to render, never the rendered document.
    sql: `
CREATE TABLE report_deliveries (
  id                TEXT    NOT NULL PRIMARY KEY,
  idempotency_key   TEXT    NOT NULL UNIQUE,
  tenant_id         TEXT    NOT NULL,
  payload_json      TEXT    NOT NULL,
  status            TEXT    NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts          INTEGER NOT NULL,
  next_attempt_at   TEXT    NOT NULL,
  last_error        TEXT,
  created_at        TEXT    NOT NULL,
  delivered_at      TEXT
) STRICT;
CREATE INDEX report_deliveries_due ON report_deliveries (status, next_attempt_at);
`,
  },
  {
    version: 7,
    name: 'PSA tickets and the ticket outbox',
    // Ticket operations are queued with the scan and episodes that cause them (the unique idempotency key keeps a
    // replayed scan from queueing one twice) and carried out strictly in queue order, one at a time: rowid is that
    // order, and the index on status alone keeps pending rows in rowid order, so the head is one index lookup.
    // `psa_tickets` holds the one ticket an episode has at the PSA, written with the operation that made or found it.
    sql: `
CREATE TABLE ticket_ops (
  id                TEXT    NOT NULL PRIMARY KEY,
  idempotency_key   TEXT    NOT NULL UNIQUE,
  tenant_id         TEXT    NOT NULL,
  episode_id        TEXT    NOT NULL REFERENCES episodes (id) ON DELETE CASCADE,
  payload_json      TEXT    NOT NULL,
  status            TEXT    NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts          INTEGER NOT NULL,
  next_attempt_at   TEXT    NOT NULL,
  last_error        TEXT,
  created_at        TEXT    NOT NULL,
  delivered_at      TEXT
) STRICT;
CREATE INDEX ticket_ops_queue ON ticket_ops (status);
CREATE INDEX ticket_ops_by_episode ON ticket_ops (episode_id);

CREATE TABLE psa_tickets (
  episode_id        TEXT    NOT NULL PRIMARY KEY,
  tenant_id         TEXT    NOT NULL,
  provider          TEXT    NOT NULL,
  ticket_id         TEXT    NOT NULL,
  company           INTEGER NOT NULL,
  state             TEXT    NOT NULL CHECK (state IN ('open', 'closed')),
  created_at        TEXT    NOT NULL,
  updated_at        TEXT    NOT NULL
) STRICT;
CREATE INDEX psa_tickets_by_tenant ON psa_tickets (tenant_id);
`,
  },
  {
    version: 8,
    name: 'OpenID Connect: sessions of people and sign-ins in progress',
    // As in version 3, no secret is stored in a form that grants access: both ids are the hex SHA-256 of a cookie
    // value. A person's role and tenant scope are copied in at sign-in (mapped from groups or app roles), so a
    // session needs no token row; `tenants_json` NULL means "all tenants". `oidc_logins` holds what the callback
    // must match (state, nonce, PKCE verifier) for a few minutes; the store deletes a row as it hands it out, so a
    // callback completes once. Both tables are swept by expiry with the token sessions.
    sql: `
CREATE TABLE user_sessions (
  id_hash       TEXT    NOT NULL PRIMARY KEY,
  issuer        TEXT    NOT NULL,
  subject       TEXT    NOT NULL,
  name          TEXT    NOT NULL,
  upn           TEXT,
  role          TEXT    NOT NULL CHECK (role IN ('viewer', 'technician', 'admin')),
  tenants_json  TEXT,
  csrf_secret   TEXT    NOT NULL,
  created_at    TEXT    NOT NULL,
  expires_at    TEXT    NOT NULL
) STRICT;
CREATE INDEX user_sessions_by_expiry ON user_sessions (expires_at);
CREATE INDEX user_sessions_by_person ON user_sessions (issuer, subject);

CREATE TABLE oidc_logins (
  id_hash         TEXT    NOT NULL PRIMARY KEY,
  state           TEXT    NOT NULL,
  nonce           TEXT    NOT NULL,
  code_verifier   TEXT    NOT NULL,
  next            TEXT    NOT NULL,
  created_at      TEXT    NOT NULL,
  expires_at      TEXT    NOT NULL
) STRICT;
CREATE INDEX oidc_logins_by_expiry ON oidc_logins (expires_at);
`,
  },
  {
    version: 9,
    name: 'at-risk episodes (foresight)',
    // SQLite cannot change a CHECK constraint in place, so `episodes` is rebuilt with 'at_risk' allowed. The
    // migration runs in a transaction with foreign keys on, where `PRAGMA foreign_keys` cannot be switched off and
    // dropping `episodes` cascades into `deliveries` and `ticket_ops`: so those rows are set aside first and put back
    // after, every table with its rowids (ties in episode order and the ticket queue's order are rowid order).
    sql: `
CREATE TEMP TABLE m9_episodes AS SELECT rowid AS m9_rowid, * FROM episodes;
CREATE TEMP TABLE m9_deliveries AS SELECT rowid AS m9_rowid, * FROM deliveries;
CREATE TEMP TABLE m9_ticket_ops AS SELECT rowid AS m9_rowid, * FROM ticket_ops;
DROP TABLE episodes;
CREATE TABLE episodes (
  id                TEXT    NOT NULL PRIMARY KEY,
  tenant_id         TEXT    NOT NULL,
  kind              TEXT    NOT NULL CHECK (kind IN ('regression', 'visibility', 'at_risk')),
  state             TEXT    NOT NULL CHECK (state IN ('pending', 'confirmed', 'closed')),
  opened_at         TEXT    NOT NULL,
  closed_at         TEXT,
  episode_json      TEXT    NOT NULL
) STRICT;
CREATE INDEX episodes_by_tenant ON episodes (tenant_id, opened_at);
INSERT INTO episodes (rowid, id, tenant_id, kind, state, opened_at, closed_at, episode_json)
  SELECT m9_rowid, id, tenant_id, kind, state, opened_at, closed_at, episode_json FROM m9_episodes ORDER BY m9_rowid;
DELETE FROM deliveries;
INSERT INTO deliveries (rowid, id, episode_id, event, channel, idempotency_key, payload_json, status, attempts, next_attempt_at, last_error, created_at, delivered_at)
  SELECT m9_rowid, id, episode_id, event, channel, idempotency_key, payload_json, status, attempts, next_attempt_at, last_error, created_at, delivered_at
  FROM m9_deliveries ORDER BY m9_rowid;
DELETE FROM ticket_ops;
INSERT INTO ticket_ops (rowid, id, idempotency_key, tenant_id, episode_id, payload_json, status, attempts, next_attempt_at, last_error, created_at, delivered_at)
  SELECT m9_rowid, id, idempotency_key, tenant_id, episode_id, payload_json, status, attempts, next_attempt_at, last_error, created_at, delivered_at
  FROM m9_ticket_ops ORDER BY m9_rowid;
DROP TABLE m9_episodes;
DROP TABLE m9_deliveries;
DROP TABLE m9_ticket_ops;
`,
  },
  {
    version: 10,
    name: 'report revision (kept report parses)',
    // Bumped by every rewrite of report_json (rescore --write), so a store can keep a parsed report and know, from a
    // few bytes, whether the row still holds that document (src/store/parsed-reports.ts). Rows before this start at 0.
    sql: `
ALTER TABLE scans ADD COLUMN report_rev INTEGER NOT NULL DEFAULT 0;
`,
  },
];

/** The schema version this code writes and understands. */
export const LATEST_SCHEMA_VERSION: number = latestVersion(MIGRATIONS);
