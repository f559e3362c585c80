/**
 * The part of a `Store` that is the same for every adapter: handing each aggregate's methods to that aggregate's
 * implementation. An adapter extends `ComposedStore` with its aggregate modules and writes only what it owns:
 * the lifecycle (`migrate`, `ping`, `close`) and the cross-aggregate unit of work `saveScan`, whose transaction is
 * driver-specific (see store.ts).
 */
import type { Attestation } from '../domain/attestation.js';
import type { AuditEntry } from '../domain/audit.js';
import type { Delivery, Episode } from '../domain/episode.js';
import type { ScanSummary } from '../domain/scan-summary.js';
import type { Report } from '../domain/report.js';
import type { ReportDelivery } from '../domain/report-delivery.js';
import type { TicketOp, TicketRecord } from '../domain/ticket.js';
import type {
  ApiTokenRecord,
  AttestationStore,
  AuditQuery,
  AuditStore,
  AuthStore,
  DeliveryUpdate,
  EpisodeStore,
  ListOptions,
  OidcLoginRecord,
  OutboxStore,
  ReportOutboxStore,
  ScanEffects,
  ScanEvidence,
  ScanStore,
  SessionRecord,
  Store,
  StoredScan,
  TicketStore,
  UserSessionRecord,
} from './store.js';

/** One implementation of each aggregate interface, all on one connection of one adapter. */
export interface Aggregates {
  scans: ScanStore;
  episodes: EpisodeStore;
  outbox: OutboxStore;
  reportOutbox: ReportOutboxStore;
  tickets: TicketStore;
  auth: AuthStore;
  attestations: AttestationStore;
  audit: AuditStore;
}

export abstract class ComposedStore implements Store {
  private readonly scans: ScanStore;
  private readonly episodeStore: EpisodeStore;
  private readonly outbox: OutboxStore;
  private readonly reportOutbox: ReportOutboxStore;
  private readonly ticketStore: TicketStore;
  private readonly auth: AuthStore;
  private readonly attestationStore: AttestationStore;
  private readonly audit: AuditStore;

  protected constructor(aggregates: Aggregates) {
    this.scans = aggregates.scans;
    this.episodeStore = aggregates.episodes;
    this.outbox = aggregates.outbox;
    this.reportOutbox = aggregates.reportOutbox;
    this.ticketStore = aggregates.tickets;
    this.auth = aggregates.auth;
    this.attestationStore = aggregates.attestations;
    this.audit = aggregates.audit;
  }

  // ── lifecycle and the cross-aggregate unit of work: the adapter's own

  abstract migrate(): Promise<void>;
  abstract saveScan(scan: StoredScan, effects?: ScanEffects): Promise<void>;
  abstract ping(): Promise<void>;
  abstract close(): Promise<void>;

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
  recentReports(tenantId: string, opts?: ListOptions): Promise<Report[]> {
    return this.scans.recentReports(tenantId, opts);
  }
  bundlesOf(ids: readonly string[]): Promise<ScanEvidence[]> {
    return this.scans.bundlesOf(ids);
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
  claimDueDeliveries(now: string, limit: number, leaseUntil: string): Promise<Delivery[]> {
    return this.outbox.claimDueDeliveries(now, limit, leaseUntil);
  }
  deliveries(opts?: { episodeId?: string; limit?: number }): Promise<Delivery[]> {
    return this.outbox.deliveries(opts);
  }
  updateDelivery(id: string, update: DeliveryUpdate): Promise<void> {
    return this.outbox.updateDelivery(id, update);
  }

  // ── ReportOutboxStore
  queueReportDeliveries(rows: readonly ReportDelivery[]): Promise<ReportDelivery[]> {
    return this.reportOutbox.queueReportDeliveries(rows);
  }
  claimDueReportDeliveries(now: string, limit: number, leaseUntil: string): Promise<ReportDelivery[]> {
    return this.reportOutbox.claimDueReportDeliveries(now, limit, leaseUntil);
  }
  reportDeliveries(opts?: { tenantId?: string; limit?: number }): Promise<ReportDelivery[]> {
    return this.reportOutbox.reportDeliveries(opts);
  }
  updateReportDelivery(id: string, update: DeliveryUpdate): Promise<void> {
    return this.reportOutbox.updateReportDelivery(id, update);
  }

  // ── TicketStore
  claimNextTicketOp(now: string, leaseUntil: string): Promise<TicketOp | null> {
    return this.ticketStore.claimNextTicketOp(now, leaseUntil);
  }
  completeTicketOp(id: string, update: DeliveryUpdate, ticket?: TicketRecord): Promise<void> {
    return this.ticketStore.completeTicketOp(id, update, ticket);
  }
  ticketOps(opts?: { tenantId?: string; episodeId?: string; limit?: number }): Promise<TicketOp[]> {
    return this.ticketStore.ticketOps(opts);
  }
  ticketFor(episodeId: string): Promise<TicketRecord | null> {
    return this.ticketStore.ticketFor(episodeId);
  }
  tickets(opts?: { tenantId?: string }): Promise<TicketRecord[]> {
    return this.ticketStore.tickets(opts);
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
  createUserSession(session: UserSessionRecord, audit?: AuditEntry): Promise<void> {
    return this.auth.createUserSession(session, audit);
  }
  getUserSession(idHash: string): Promise<UserSessionRecord | null> {
    return this.auth.getUserSession(idHash);
  }
  deleteUserSession(idHash: string, audit?: AuditEntry): Promise<void> {
    return this.auth.deleteUserSession(idHash, audit);
  }
  saveOidcLogin(login: OidcLoginRecord): Promise<void> {
    return this.auth.saveOidcLogin(login);
  }
  takeOidcLogin(idHash: string, now: string): Promise<OidcLoginRecord | null> {
    return this.auth.takeOidcLogin(idHash, now);
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
  allAttestations(): Promise<Attestation[]> {
    return this.attestationStore.allAttestations();
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
