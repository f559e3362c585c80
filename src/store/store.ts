/**
 * The history store interfaces (DESIGN §10), one per aggregate, and `Store`, their combination. SQLite is the
 * default adapter (`sqlite/`); a PostgreSQL adapter implements the same interfaces and must pass the same contract
 * suites (test/contract/store/). Methods are async so that network-backed adapters fit.
 *
 * Writes that span aggregates stay atomic, and that is why they sit where they do:
 * - A finished scan, the episodes it opens or closes and the alerts it queues commit in ONE transaction (history
 *   never shows half a scan, and a restart never re-sends an alert). `saveScan` is therefore declared on `Store`
 *   itself, the unit of work over all aggregates, not on `ScanStore`.
 * - A change that carries an `audit` entry (token, session, attestation, episode acknowledgement) writes the entry
 *   in the same transaction as the change; the adapter shares its audit-log writer with those aggregates.
 */
import type { EvidenceBundle } from '../domain/evidence.js';
import type { Delivery, Episode } from '../domain/episode.js';
import type { Report, ScanStatus } from '../domain/report.js';
import type { ScanSummary } from '../domain/scan-summary.js';
import type { Attestation } from '../domain/attestation.js';
import type { AuditEntry } from '../domain/audit.js';
import type { Person, Role } from '../domain/principal.js';
import type { ReportDelivery } from '../domain/report-delivery.js';
import type { TicketOp, TicketRecord } from '../domain/ticket.js';

export interface StoredScan {
  id: string;
  tenantId: string;
  startedAt: string;
  finishedAt: string;
  status: ScanStatus;
  /** Hash of the rule set that scored it, so a rescore can tell whether rules changed. */
  rulesVersion: string;
  report: Report;
  bundle: EvidenceBundle;
}

/** What foresight reads of a stored scan: when it finished, how, and its evidence — never the (larger) report. */
export type ScanEvidence = Pick<StoredScan, 'id' | 'finishedAt' | 'status' | 'bundle'>;

export interface ListOptions {
  limit?: number;
  statuses?: ScanStatus[];
  /**
   * listScans: whose capability scores to read — every listed scan's (default) or only the newest one's (the others
   * get `[]`). The portfolio and tenant pages show the newest scan's capabilities beside a 30-scan sparkline of
   * levels; reading 30 scans' capability rows per tenant per request was most of their cost (BENCHMARKS.md).
   */
  capabilities?: 'all' | 'newest';
}

/**
 * What a scan changes besides itself, written in the same transaction: episode upserts (by id) and new alert
 * deliveries (an existing idempotency key is left alone, so a replay never queues an alert twice).
 */
export interface ScanEffects {
  episodes?: Episode[];
  deliveries?: Delivery[];
  /** PSA ticket operations (an existing idempotency key is left alone, as for deliveries). */
  ticketOps?: TicketOp[];
}

/**
 * An API token as stored: only the SHA-256 of its secret, never the secret. `tenants` null = all tenants.
 * Browser sessions are created by signing in with a token and end when it is revoked.
 */
export interface ApiTokenRecord {
  id: string;
  name: string;
  role: Role;
  tenants: string[] | null;
  /** Hex SHA-256 of the token's secret part. */
  tokenHash: string;
  createdAt: string;
  createdBy: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
  revokedBy: string | null;
}

/**
 * A browser session of a person signed in through OpenID Connect (schema v8). Role and tenant scope were mapped from
 * the person's groups or app roles at sign-in: a change of membership applies at the next sign-in. `idHash` is the
 * hex SHA-256 of the cookie value, as for token sessions.
 */
export interface UserSessionRecord {
  idHash: string;
  person: Person;
  role: Role;
  /** null = all tenants. */
  tenants: string[] | null;
  csrfSecret: string;
  createdAt: string;
  expiresAt: string;
}

/**
 * A sign-in in progress (schema v8): what the callback must find to accept the provider's answer — the state it
 * sent, the nonce the ID token must carry and the PKCE verifier — keyed by the hex SHA-256 of a random value held in
 * the browser's short-lived cookie, so only the browser that started the sign-in can finish it, once.
 */
export interface OidcLoginRecord {
  idHash: string;
  state: string;
  nonce: string;
  codeVerifier: string;
  /** Where to go after signing in (already checked by safeNext). */
  next: string;
  createdAt: string;
  expiresAt: string;
}

/** A browser session: `idHash` is the hex SHA-256 of the cookie value, so the table grants nothing if copied. */
export interface SessionRecord {
  idHash: string;
  tokenId: string;
  /** Secret the session's CSRF tokens are derived from (@fastify/csrf). */
  csrfSecret: string;
  createdAt: string;
  expiresAt: string;
}

export interface AuditQuery {
  /** Tenant entries to include: null/undefined = every tenant, [] = none. */
  tenants?: readonly string[] | null;
  /** Include entries without a tenant (token management, sign-ins). Default true. */
  global?: boolean;
  limit?: number;
}

export type DeliveryUpdate = Pick<Delivery, 'status' | 'attempts' | 'nextAttemptAt' | 'lastError' | 'deliveredAt'>;

/** Scans with their evidence, findings and capability scores, and the history queries over them. */
export interface ScanStore {
  getScan(id: string): Promise<StoredScan | null>;
  /** Rewrites a stored scan's scores (report, level, findings, capabilities) after a rescore, in one transaction. */
  replaceScanScores(scan: StoredScan): Promise<void>;
  /** Full scans of a tenant, newest first. */
  recentScans(tenantId: string, opts?: ListOptions): Promise<StoredScan[]>;
  /**
   * The report documents of a tenant's scans, newest first, as `recentScans` would return them but without reading
   * the evidence bundles: the tenant page and API show the report only, and the bundle is a fifth of what a scan row
   * holds (BENCHMARKS.md). The store keeps parses and hands the same frozen object to every caller
   * (src/store/parsed-reports.ts): copy a report before changing it.
   */
  recentReports(tenantId: string, opts?: ListOptions): Promise<Report[]>;
  /**
   * The evidence bundles of the scans `ids` names, in one read and in no particular order; ids not stored are left
   * out. Foresight reads up to 60 per scan, and a scan's report is four to five times its bundle.
   */
  bundlesOf(ids: readonly string[]): Promise<ScanEvidence[]>;
  /** Light summaries of a tenant's scans, newest first. */
  listScans(tenantId: string, opts?: ListOptions): Promise<ScanSummary[]>;
  tenantIds(): Promise<string[]>;
}

/** Regression and lost-visibility episodes (DESIGN §8). Scans write them through `Store.saveScan`. */
export interface EpisodeStore {
  /** Episodes of a tenant, newest first; `open` = not closed. */
  episodes(tenantId: string, opts?: { open?: boolean; limit?: number }): Promise<Episode[]>;
  /** Upsert one episode outside a scan (acknowledgement), with its audit entry in the same transaction. */
  saveEpisode(episode: Episode, audit?: AuditEntry): Promise<void>;
}

/** The alert outbox: deliveries queued by `Store.saveScan`, then sent and retried by the outbox worker. */
/**
 * The alert outbox. Rows arrive only through `Store.saveScan` (with the scan that caused them); a row belongs to a
 * stored episode, and a second row with an idempotency key already queued is ignored (a replayed scan never alerts
 * twice). An adapter keeps the order rows were queued in, to break ties of equal times.
 */
export interface OutboxStore {
  /** Pending deliveries whose next attempt is at or before `now` (ISO), oldest next attempt first, then queue order. */
  dueDeliveries(now: string, limit: number): Promise<Delivery[]>;
  /**
   * Claims up to `limit` due rows for sending, in one atomic step: the rows `dueDeliveries(now, limit)` would
   * return, each with its attempt counted (attempts + 1) and its next attempt moved to `leaseUntil`, so that no
   * other claimer — another store instance, another process, another replica on the same database — gets them
   * until the lease ends. Returns the claimed rows as stored afterwards, in due order. Rows another claimer holds
   * right now are skipped, not waited for, so concurrent claimers split the due rows between them and never get
   * the same row twice.
   */
  claimDueDeliveries(now: string, limit: number, leaseUntil: string): Promise<Delivery[]>;
  /** Every delivery (or one episode's), oldest first by creation time, then queue order. */
  deliveries(opts?: { episodeId?: string; limit?: number }): Promise<Delivery[]>;
  /** Updates a delivery's state; an unknown id changes nothing. */
  updateDelivery(id: string, update: DeliveryUpdate): Promise<void>;
}

/**
 * The outbox of scheduled client reports (schema v6): same claim/lease semantics as `OutboxStore`, its own table
 * because a report belongs to no episode. Rows are queued by the report planner, not by a scan.
 */
export interface ReportOutboxStore {
  /** Queues rows; a row whose idempotency key is already queued is left alone. Returns the rows newly queued. */
  queueReportDeliveries(rows: readonly ReportDelivery[]): Promise<ReportDelivery[]>;
  /** As `claimDueDeliveries`: atomically claims due rows (attempts + 1, next attempt = lease), skipping held rows. */
  claimDueReportDeliveries(now: string, limit: number, leaseUntil: string): Promise<ReportDelivery[]>;
  /** Every report delivery (or one tenant's), oldest first by creation time, then queue order. */
  reportDeliveries(opts?: { tenantId?: string; limit?: number }): Promise<ReportDelivery[]>;
  /** Updates a row's state; an unknown id changes nothing. */
  updateReportDelivery(id: string, update: DeliveryUpdate): Promise<void>;
}

/**
 * The ticket outbox and the tickets episodes have at the PSA (schema v7). Operations arrive through `Store.saveScan`
 * with the episodes that cause them, and are carried out strictly in queue order, one at a time across every
 * process on the database: a note must never reach a ticket before the ticket exists, and when the PSA comes back
 * after hours, tickets are made in the order their regressions were confirmed.
 */
export interface TicketStore {
  /**
   * Claims the head of the queue — the oldest `pending` operation — if it is due at `now` (ISO): attempts + 1 and
   * next attempt = `leaseUntil`, atomically, so no other claimer (process, replica) gets it or anything behind it
   * until the lease ends or the row is completed. Returns null when the queue is empty or its head is not due (held by
   * another claimer, or backing off): nothing behind the head is ever handed out first.
   */
  claimNextTicketOp(now: string, leaseUntil: string): Promise<TicketOp | null>;
  /**
   * Records an operation's outcome and, when given, the ticket it made or found (upsert by episode), in ONE
   * transaction: a ticket id is never stored without its operation done, nor an operation done without its id.
   */
  completeTicketOp(id: string, update: DeliveryUpdate, ticket?: TicketRecord): Promise<void>;
  /** Operations (one tenant's or one episode's), oldest first in queue order. */
  ticketOps(opts?: { tenantId?: string; episodeId?: string; limit?: number }): Promise<TicketOp[]>;
  /** The ticket of an episode, if one was recorded. */
  ticketFor(episodeId: string): Promise<TicketRecord | null>;
  /** Recorded tickets (one tenant's), oldest first. */
  tickets(opts?: { tenantId?: string }): Promise<TicketRecord[]>;
}

/** API tokens and the browser sessions signed in with them (schema v3). */
export interface AuthStore {
  /** Inserts a token; a duplicate id is an error. */
  createToken(token: ApiTokenRecord, audit?: AuditEntry): Promise<void>;
  getToken(id: string): Promise<ApiTokenRecord | null>;
  /** All tokens, oldest first (revoked ones included). */
  listTokens(): Promise<ApiTokenRecord[]>;
  /**
   * Marks a token revoked and deletes its sessions. Revoking an already revoked token changes nothing (and writes
   * no audit entry). Returns the token as stored afterwards, or null for an unknown id.
   */
  revokeToken(id: string, at: string, by: string, audit?: AuditEntry): Promise<ApiTokenRecord | null>;
  /** Records a use of the token (last_used_at). */
  touchToken(id: string, at: string): Promise<void>;
  createSession(session: SessionRecord, audit?: AuditEntry): Promise<void>;
  getSession(idHash: string): Promise<SessionRecord | null>;
  deleteSession(idHash: string, audit?: AuditEntry): Promise<void>;
  /** Deletes sessions (token and user sessions) and sign-ins in progress whose expiry is at or before `now`; returns how many. */
  deleteExpiredSessions(now: string): Promise<number>;
  /** Inserts a person's session (schema v8); a duplicate id is an error. The audit entry is written in the same transaction. */
  createUserSession(session: UserSessionRecord, audit?: AuditEntry): Promise<void>;
  getUserSession(idHash: string): Promise<UserSessionRecord | null>;
  /** Deletes a person's session; an unknown id changes nothing (the audit entry is still written when given). */
  deleteUserSession(idHash: string, audit?: AuditEntry): Promise<void>;
  /** Stores a sign-in in progress (schema v8). */
  saveOidcLogin(login: OidcLoginRecord): Promise<void>;
  /**
   * Removes and returns the sign-in in progress with this id if it has not expired at `now`, atomically: a callback
   * can be completed once, and a replayed or raced one finds nothing.
   */
  takeOidcLogin(idHash: string, now: string): Promise<OidcLoginRecord | null>;
}

/** What a technician attests that no API can show (restore tests, a DR plan, a strategy review) (schema v3). */
export interface AttestationStore {
  /** Inserts an attestation; a duplicate id is an error. */
  saveAttestation(attestation: Attestation, audit?: AuditEntry): Promise<void>;
  getAttestation(id: string): Promise<Attestation | null>;
  /** A tenant's attestations, newest first (revoked ones included). */
  attestations(tenantId: string, opts?: { limit?: number }): Promise<Attestation[]>;
  /** Every tenant's attestations, oldest first by creation, then insertion order (`ratchet migrate` copies them). */
  allAttestations(): Promise<Attestation[]>;
  /** Same semantics as revokeToken: idempotent, null for an unknown id. */
  revokeAttestation(id: string, at: string, by: string, audit?: AuditEntry): Promise<Attestation | null>;
}

/** The audit log (schema v3). Other aggregates' audited changes append to it in their own transaction. */
export interface AuditStore {
  appendAudit(entry: AuditEntry): Promise<void>;
  /** Audit entries, newest first. */
  auditLog(query?: AuditQuery): Promise<AuditEntry[]>;
}

/** Every aggregate, plus the unit of work that spans them and the store's lifecycle. */
export interface Store extends ScanStore, EpisodeStore, OutboxStore, ReportOutboxStore, TicketStore, AuthStore, AttestationStore, AuditStore {
  /** Applies pending versioned migrations; idempotent. */
  migrate(): Promise<void>;
  /** Writes a finished scan with its episodes and queued deliveries in one transaction (see the file comment). */
  saveScan(scan: StoredScan, effects?: ScanEffects): Promise<void>;
  /** Cheap round trip for health checks. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
