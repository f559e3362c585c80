/**
 * Versioned schema migrations of the PostgreSQL store (DESIGN §10, §11): the same logical schema as the SQLite
 * store's migrations (src/store/sqlite/migrations.ts), version for version, in PostgreSQL types — so a database of
 * either kind at version N holds the same tables and columns, and `ratchet migrate` can copy between them.
 *
 * The same editing rules as SQLite's: never change a shipped migration, append one; versions are 1, 2, 3, … and
 * `assertMigrationsWellFormed` checks it. All pending migrations run in one transaction with their bookkeeping, under
 * an advisory lock (connection.ts).
 *
 * Type choices, each to keep the store's contract identical to SQLite's:
 * - Timestamps are `text COLLATE "C"` holding the ISO strings the store is given, not `timestamptz`: the store
 *   returns byte for byte the string it was given (timestamptz would re-render it in the session's format), and it
 *   compares and orders them as text byte by byte, as SQLite does — which is time order for the canonical
 *   `toISOString()` shape the scan store enforces. "C" keeps that order independent of the database's locale;
 *   tenant ids use it for the same reason (`tenantIds()` is sorted bytewise, like SQLite's).
 * - JSON documents are `jsonb`. The store reads them back as equal values (deep-equal, not byte-equal: jsonb does
 *   not keep key order or whitespace).
 * - SQLite's 0/1 flags are `boolean`; REAL is `double precision` (both IEEE doubles).
 * - Where the SQLite store orders ties by `rowid` (insertion order), each table has `seq bigint GENERATED ALWAYS
 *   AS IDENTITY`; an upsert keeps the row's seq as an SQLite upsert keeps its rowid.
 */
import { latestVersion, type Migration } from '../migration-checks.js';

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial history schema',
    sql: `
CREATE TABLE scans (
  seq                   bigint  GENERATED ALWAYS AS IDENTITY,
  id                    text    NOT NULL PRIMARY KEY,
  tenant_id             text    COLLATE "C" NOT NULL,
  started_at            text    COLLATE "C" NOT NULL,
  finished_at           text    NOT NULL,
  status                text    NOT NULL CHECK (status IN ('complete', 'partial', 'failed')),
  level                 integer NOT NULL,
  potential             integer NOT NULL,
  confirmed             boolean NOT NULL,
  regression_detected   boolean NOT NULL,
  regression_confirmed  boolean NOT NULL,
  rules_version         text    NOT NULL,
  report_json           jsonb   NOT NULL,
  bundle_json           jsonb   NOT NULL
);

-- History is always read per tenant, newest first (seq breaks ties of equal start times).
CREATE INDEX scans_tenant_started ON scans (tenant_id, started_at, seq);

CREATE TABLE evidence (
  scan_id       text    NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
  key           text    NOT NULL,
  ordinal       integer NOT NULL,
  status        text    NOT NULL CHECK (status IN ('ok', 'unavailable', 'error')),
  reason        text,
  reason_code   text,
  value_json    jsonb,
  source_json   jsonb   NOT NULL,
  collected_at  text    NOT NULL,
  PRIMARY KEY (scan_id, key)
);

CREATE TABLE findings (
  scan_id     text    NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
  rule_id     text    NOT NULL,
  ordinal     integer NOT NULL,
  capability  text    NOT NULL,
  level       integer NOT NULL,
  outcome     text    NOT NULL CHECK (outcome IN ('pass', 'fail', 'partial', 'unknown', 'not_applicable')),
  score       double precision,
  observed    text    NOT NULL,
  expected    text    NOT NULL,
  PRIMARY KEY (scan_id, rule_id)
);

CREATE TABLE capability_scores (
  scan_id     text    NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
  capability  text    NOT NULL,
  ordinal     integer NOT NULL,
  level       integer NOT NULL,
  potential   integer,
  score       double precision,
  coverage    double precision NOT NULL,
  PRIMARY KEY (scan_id, capability)
);
`,
  },
  {
    version: 2,
    name: 'regression episodes and the alert outbox',
    sql: `
CREATE TABLE episodes (
  seq               bigint  GENERATED ALWAYS AS IDENTITY,
  id                text    NOT NULL PRIMARY KEY,
  tenant_id         text    COLLATE "C" NOT NULL,
  kind              text    NOT NULL CHECK (kind IN ('regression', 'visibility')),
  state             text    NOT NULL CHECK (state IN ('pending', 'confirmed', 'closed')),
  opened_at         text    COLLATE "C" NOT NULL,
  closed_at         text,
  episode_json      jsonb   NOT NULL
);
CREATE INDEX episodes_by_tenant ON episodes (tenant_id, opened_at, seq);

CREATE TABLE deliveries (
  seq               bigint  GENERATED ALWAYS AS IDENTITY,
  id                text    NOT NULL PRIMARY KEY,
  episode_id        text    NOT NULL REFERENCES episodes (id) ON DELETE CASCADE,
  event             text    NOT NULL,
  channel           text    NOT NULL,
  idempotency_key   text    NOT NULL UNIQUE,
  payload_json      jsonb   NOT NULL,
  status            text    NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts          integer NOT NULL,
  next_attempt_at   text    COLLATE "C" NOT NULL,
  last_error        text,
  created_at        text    COLLATE "C" NOT NULL,
  delivered_at      text
);
CREATE INDEX deliveries_due ON deliveries (status, next_attempt_at, seq);
CREATE INDEX deliveries_by_episode ON deliveries (episode_id);
`,
  },
  {
    version: 3,
    name: 'web: API tokens, browser sessions, attestations and the audit log',
    // Secrets are never stored: token_hash and sessions.id are hex SHA-256 digests (see the SQLite migration).
    sql: `
CREATE TABLE api_tokens (
  seq           bigint  GENERATED ALWAYS AS IDENTITY,
  id            text    NOT NULL PRIMARY KEY,
  name          text    NOT NULL,
  role          text    NOT NULL CHECK (role IN ('viewer', 'technician', 'admin')),
  tenants_json  jsonb,
  token_hash    text    NOT NULL,
  created_at    text    COLLATE "C" NOT NULL,
  created_by    text    NOT NULL,
  last_used_at  text,
  revoked_at    text,
  revoked_by    text
);

CREATE TABLE sessions (
  id            text    NOT NULL PRIMARY KEY,
  token_id      text    NOT NULL REFERENCES api_tokens (id) ON DELETE CASCADE,
  csrf_secret   text    NOT NULL,
  created_at    text    NOT NULL,
  expires_at    text    COLLATE "C" NOT NULL
);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);
CREATE INDEX sessions_by_token ON sessions (token_id);

CREATE TABLE attestations (
  seq           bigint  GENERATED ALWAYS AS IDENTITY,
  id            text    NOT NULL PRIMARY KEY,
  tenant_id     text    COLLATE "C" NOT NULL,
  kind          text    NOT NULL,
  note          text    NOT NULL,
  file_ref      text,
  author        text    NOT NULL,
  attested_at   text    NOT NULL,
  expires_at    text    NOT NULL,
  created_at    text    COLLATE "C" NOT NULL,
  revoked_at    text,
  revoked_by    text
);
CREATE INDEX attestations_by_tenant ON attestations (tenant_id, created_at, seq);

CREATE TABLE audit_log (
  seq           bigint  GENERATED ALWAYS AS IDENTITY,
  id            text    NOT NULL PRIMARY KEY,
  at            text    COLLATE "C" NOT NULL,
  actor         text    NOT NULL,
  action        text    NOT NULL,
  tenant_id     text    COLLATE "C",
  target        text,
  detail_json   jsonb   NOT NULL
);
CREATE INDEX audit_by_time ON audit_log (at, seq);
CREATE INDEX audit_by_tenant ON audit_log (tenant_id, at, seq);
`,
  },
  {
    version: 4,
    name: 'capability snapshot levels and scores (history gates of levels 4 and 5)',
    sql: `
ALTER TABLE capability_scores ADD COLUMN snapshot_level integer;
ALTER TABLE capability_scores ADD COLUMN snapshot_potential integer;
ALTER TABLE capability_scores ADD COLUMN snapshot_score double precision;
`,
  },
  {
    version: 5,
    name: 'vendor request limits shared by every worker',
    // One row per vendor account (src/store/postgres/rate-gate.ts): the theoretical arrival time of its next request.
    // Unlike the history tables these are timestamptz: the database's own clock writes and compares them and they
    // are never handed back as strings. The key never holds a secret (credential-like parts are digests). SQLite has
    // the same version without a table: one process has nothing to share, its limiter lives in memory.
    sql: `
CREATE TABLE vendor_rate_limits (
  account_key  text        COLLATE "C" NOT NULL PRIMARY KEY,
  tat          timestamptz NOT NULL,
  updated_at   timestamptz NOT NULL
);
`,
  },
  {
    version: 6,
    name: 'the outbox of scheduled client reports',
    // See the SQLite migration: the unique idempotency key keeps a report from being queued twice.
    sql: `
CREATE TABLE report_deliveries (
  seq               bigint  GENERATED ALWAYS AS IDENTITY,
  id                text    NOT NULL PRIMARY KEY,
  idempotency_key   text    NOT NULL UNIQUE,
  tenant_id         text    NOT NULL,
  payload_json      jsonb   NOT NULL,
  status            text    NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts          integer NOT NULL,
  next_attempt_at   text    COLLATE "C" NOT NULL,
  last_error        text,
  created_at        text    COLLATE "C" NOT NULL,
  delivered_at      text
);
CREATE INDEX report_deliveries_due ON report_deliveries (status, next_attempt_at, seq);
`,
  },
  {
    version: 7,
    name: 'PSA tickets and the ticket outbox',
    // See the SQLite migration. `seq` is the queue order the head claim follows (`FOR UPDATE` on the head, see
    // tickets.ts); an upsert of a ticket keeps its seq, as SQLite keeps its rowid.
    sql: `
CREATE TABLE ticket_ops (
  seq               bigint  GENERATED ALWAYS AS IDENTITY,
  id                text    NOT NULL PRIMARY KEY,
  idempotency_key   text    NOT NULL UNIQUE,
  tenant_id         text    COLLATE "C" NOT NULL,
  episode_id        text    NOT NULL REFERENCES episodes (id) ON DELETE CASCADE,
  payload_json      jsonb   NOT NULL,
  status            text    NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts          integer NOT NULL,
  next_attempt_at   text    COLLATE "C" NOT NULL,
  last_error        text,
  created_at        text    COLLATE "C" NOT NULL,
  delivered_at      text
);
CREATE INDEX ticket_ops_queue ON ticket_ops (status, seq);
CREATE INDEX ticket_ops_by_episode ON ticket_ops (episode_id, seq);

CREATE TABLE psa_tickets (
  seq               bigint  GENERATED ALWAYS AS IDENTITY,
  episode_id        text    NOT NULL PRIMARY KEY,
  tenant_id         text    COLLATE "C" NOT NULL,
  provider          text    NOT NULL,
  ticket_id         text    NOT NULL,
  company           bigint  NOT NULL,
  state             text    NOT NULL CHECK (state IN ('open', 'closed')),
  created_at        text    COLLATE "C" NOT NULL,
  updated_at        text    NOT NULL
);
CREATE INDEX psa_tickets_by_tenant ON psa_tickets (tenant_id);
`,
  },
  {
    version: 8,
    name: 'OpenID Connect: sessions of people and sign-ins in progress',
    // See the SQLite migration. Expiry is `COLLATE "C"` as in `sessions`: the sweep and the take compare it as text.
    sql: `
CREATE TABLE user_sessions (
  id_hash       text    NOT NULL PRIMARY KEY,
  issuer        text    NOT NULL,
  subject       text    NOT NULL,
  name          text    NOT NULL,
  upn           text,
  role          text    NOT NULL CHECK (role IN ('viewer', 'technician', 'admin')),
  tenants_json  jsonb,
  csrf_secret   text    NOT NULL,
  created_at    text    NOT NULL,
  expires_at    text    COLLATE "C" NOT NULL
);
CREATE INDEX user_sessions_by_expiry ON user_sessions (expires_at);
CREATE INDEX user_sessions_by_person ON user_sessions (issuer, subject);

CREATE TABLE oidc_logins (
  id_hash         text    NOT NULL PRIMARY KEY,
  state           text    NOT NULL,
  nonce           text    NOT NULL,
  code_verifier   text    NOT NULL,
  next            text    NOT NULL,
  created_at      text    NOT NULL,
  expires_at      text    COLLATE "C" NOT NULL
);
CREATE INDEX oidc_logins_by_expiry ON oidc_logins (expires_at);
`,
  },
  {
    version: 9,
    name: 'at-risk episodes (foresight)',
    // PostgreSQL changes the CHECK in place (SQLite rebuilds the table). The constraint has PostgreSQL's default name
    // for an unnamed column check; IF EXISTS keeps a hand-renamed one from failing the upgrade (the ADD still runs).
    sql: `
ALTER TABLE episodes DROP CONSTRAINT IF EXISTS episodes_kind_check;
ALTER TABLE episodes ADD CONSTRAINT episodes_kind_check CHECK (kind IN ('regression', 'visibility', 'at_risk'));
`,
  },
  {
    version: 10,
    name: 'report revision (kept report parses)',
    // Bumped by every rewrite of report_json (rescore --write): see the SQLite migration and src/store/parsed-reports.ts.
    sql: `
ALTER TABLE scans ADD COLUMN report_rev integer NOT NULL DEFAULT 0;
`,
  },
];

/** The schema version this code writes and understands (equal to SQLite's: the versions mirror each other). */
export const LATEST_SCHEMA_VERSION: number = latestVersion(MIGRATIONS);
