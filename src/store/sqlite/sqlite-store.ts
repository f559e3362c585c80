/**
 * The default history store: one SQLite file through better-sqlite3 (DESIGN §10), composed of one module per
 * aggregate that all share one `SqliteConnection` (handle, migrations, prepared statements, transactions).
 *
 * `saveScan` is the unit of work that spans aggregates: each aggregate validates and serialises its part up front
 * and hands back a staged write, and all of them run in ONE transaction — the scan row and its child rows, the
 * episodes it opens or closes, and the alerts it queues commit together or not at all, so history never shows half
 * a scan and a restart never re-sends an alert.
 */
import type { Attestation } from '../../domain/attestation.js';
import type { AuditEntry } from '../../domain/audit.js';
import type { Delivery, Episode } from '../../domain/episode.js';
import type { ScanSummary } from '../../domain/scan-summary.js';
import type {
  ApiTokenRecord,
  AuditQuery,
  DeliveryUpdate,
  ListOptions,
  ScanEffects,
  SessionRecord,
  Store,
  StoredScan,
} from '../store.js';
import { SqliteAttestationStore } from './attestations.js';
import { SqliteAuditStore } from './audit.js';
import { SqliteAuthStore } from './auth.js';
import { SqliteConnection, type SqliteStoreOptions } from './connection.js';
import { SqliteEpisodeStore, stageEpisodeUpserts } from './episodes.js';
import { SqliteOutboxStore, stageDeliveryInserts } from './outbox.js';
import { SqliteScanStore, stageScanInsert } from './scans.js';

export { SchemaTooNewError, type SqliteStoreOptions } from './connection.js';

export class SqliteStore implements Store {
  private readonly connection: SqliteConnection;
  private readonly scans: SqliteScanStore;
  private readonly episodeStore: SqliteEpisodeStore;
  private readonly outbox: SqliteOutboxStore;
  private readonly auth: SqliteAuthStore;
  private readonly attestationStore: SqliteAttestationStore;
  private readonly audit: SqliteAuditStore;
  /** For error messages: the resolved file path, or `:memory:`. */
  readonly location: string;

  /** @param path a file path (parent directories are created) or `:memory:`. */
  constructor(path: string, options: SqliteStoreOptions = {}) {
    this.connection = new SqliteConnection(path, options);
    this.location = this.connection.location;
    this.scans = new SqliteScanStore(this.connection);
    this.episodeStore = new SqliteEpisodeStore(this.connection);
    this.outbox = new SqliteOutboxStore(this.connection);
    this.auth = new SqliteAuthStore(this.connection);
    this.attestationStore = new SqliteAttestationStore(this.connection);
    this.audit = new SqliteAuditStore(this.connection);
  }

  // ── lifecycle and the cross-aggregate unit of work

  async migrate(): Promise<void> {
    this.connection.migrate();
  }

  async saveScan(scan: StoredScan, effects: ScanEffects = {}): Promise<void> {
    // Serialised before the transaction, so it holds the write lock only for the inserts.
    const steps = [
      stageScanInsert(this.connection, scan),
      stageEpisodeUpserts(this.connection, effects.episodes ?? []),
      stageDeliveryInserts(this.connection, effects.deliveries ?? []),
    ];
    this.connection.write(() => {
      for (const step of steps) step();
    });
  }

  async ping(): Promise<void> {
    this.connection.ping();
  }

  /** Idempotent: closing twice is harmless, so shutdown paths need not track whether they already closed. */
  async close(): Promise<void> {
    this.connection.close();
  }

  // ── ScanStore
  getScan(id: string): Promise<StoredScan | null> {
    return this.scans.getScan(id);
  }
  replaceScanScores(scan: StoredScan): Promise<void> {
    return this.scans.replaceScanScores(scan);
  }
  recentScans(tenantId: string, opts?: ListOptions): Promise<StoredScan[]> {
    return this.scans.recentScans(tenantId, opts);
  }
  listScans(tenantId: string, opts?: ListOptions): Promise<ScanSummary[]> {
    return this.scans.listScans(tenantId, opts);
  }
  tenantIds(): Promise<string[]> {
    return this.scans.tenantIds();
  }

  // ── EpisodeStore
  episodes(tenantId: string, opts?: { open?: boolean; limit?: number }): Promise<Episode[]> {
    return this.episodeStore.episodes(tenantId, opts);
  }
  saveEpisode(episode: Episode, audit?: AuditEntry): Promise<void> {
    return this.episodeStore.saveEpisode(episode, audit);
  }

  // ── OutboxStore
  dueDeliveries(now: string, limit: number): Promise<Delivery[]> {
    return this.outbox.dueDeliveries(now, limit);
  }
  deliveries(opts?: { episodeId?: string; limit?: number }): Promise<Delivery[]> {
    return this.outbox.deliveries(opts);
  }
  updateDelivery(id: string, update: DeliveryUpdate): Promise<void> {
    return this.outbox.updateDelivery(id, update);
  }

  // ── AuthStore
  createToken(token: ApiTokenRecord, audit?: AuditEntry): Promise<void> {
    return this.auth.createToken(token, audit);
  }
  getToken(id: string): Promise<ApiTokenRecord | null> {
    return this.auth.getToken(id);
  }
  listTokens(): Promise<ApiTokenRecord[]> {
    return this.auth.listTokens();
  }
  revokeToken(id: string, at: string, by: string, audit?: AuditEntry): Promise<ApiTokenRecord | null> {
    return this.auth.revokeToken(id, at, by, audit);
  }
  touchToken(id: string, at: string): Promise<void> {
    return this.auth.touchToken(id, at);
  }
  createSession(session: SessionRecord, audit?: AuditEntry): Promise<void> {
    return this.auth.createSession(session, audit);
  }
  getSession(idHash: string): Promise<SessionRecord | null> {
    return this.auth.getSession(idHash);
  }
  deleteSession(idHash: string, audit?: AuditEntry): Promise<void> {
    return this.auth.deleteSession(idHash, audit);
  }
  deleteExpiredSessions(now: string): Promise<number> {
    return this.auth.deleteExpiredSessions(now);
  }

  // ── AttestationStore
  saveAttestation(attestation: Attestation, audit?: AuditEntry): Promise<void> {
    return this.attestationStore.saveAttestation(attestation, audit);
  }
  getAttestation(id: string): Promise<Attestation | null> {
    return this.attestationStore.getAttestation(id);
  }
  attestations(tenantId: string, opts?: { limit?: number }): Promise<Attestation[]> {
    return this.attestationStore.attestations(tenantId, opts);
  }
  revokeAttestation(id: string, at: string, by: string, audit?: AuditEntry): Promise<Attestation | null> {
    return this.attestationStore.revokeAttestation(id, at, by, audit);
  }

  // ── AuditStore
  appendAudit(entry: AuditEntry): Promise<void> {
    return this.audit.appendAudit(entry);
  }
  auditLog(query?: AuditQuery): Promise<AuditEntry[]> {
    return this.audit.auditLog(query);
  }
}
