/**
 * The PostgreSQL history store (DESIGN §10, §11), selected by `storage.url: postgres://…`: one `pg.Pool` shared by
 * one module per aggregate (`PostgresConnection`: pool, migrations under an advisory lock, transactions), the same
 * layout and the same contract suite as the SQLite store.
 *
 * `saveScan` is the unit of work that spans aggregates: each aggregate validates and serialises its part up front
 * and hands back a staged write, and all of them run in ONE transaction on one pooled client (BEGIN … COMMIT,
 * ROLLBACK on any error) — the scan row and its child rows, the episodes it opens or closes, and the alerts and
 * ticket operations it queues commit together or not at all, so history never shows half a scan and a restart never
 * re-sends an alert or re-queues a ticket operation.
 */
import { ComposedStore } from '../composed-store.js';
import type { ScanEffects, StoredScan } from '../store.js';
import { PostgresAttestationStore } from './attestations.js';
import { PostgresAuditStore } from './audit.js';
import { PostgresAuthStore } from './auth.js';
import { PostgresConnection, type PostgresStoreOptions } from './connection.js';
import { PostgresEpisodeStore, stageEpisodeUpserts } from './episodes.js';
import { PostgresOutboxStore, stageDeliveryInserts } from './outbox.js';
import { PostgresReportOutboxStore } from './report-outbox.js';
import { PostgresRateGate, type PostgresRateGateOptions } from './rate-gate.js';
import { PostgresScanStore, stageScanInsert } from './scans.js';
import { PostgresTicketStore, stageTicketOpInserts } from './tickets.js';

export { SchemaTooNewError, describePostgresUrl, type PostgresStoreOptions } from './connection.js';

export class PostgresStore extends ComposedStore {
  private readonly connection: PostgresConnection;
  /** For messages: the URL without its password or query. */
  readonly location: string;

  /**
   * @param url a `postgres://` or `postgresql://` URL, passed to `pg` as its connection string (so `?sslmode=`,
   * `?options=` and the other libpq-style parameters `pg` knows apply). Connects lazily: nothing is contacted until
   * the first call. Its password is registered for scrubbing at once.
   */
  constructor(url: string, options: PostgresStoreOptions = {}) {
    const connection = new PostgresConnection(url, options);
    super({
      scans: new PostgresScanStore(connection),
      episodes: new PostgresEpisodeStore(connection),
      outbox: new PostgresOutboxStore(connection),
      reportOutbox: new PostgresReportOutboxStore(connection),
      tickets: new PostgresTicketStore(connection),
      auth: new PostgresAuthStore(connection),
      attestations: new PostgresAttestationStore(connection),
      audit: new PostgresAuditStore(connection),
    });
    this.connection = connection;
    this.location = connection.location;
  }

  // ── lifecycle and the cross-aggregate unit of work

  override async migrate(): Promise<void> {
    await this.connection.migrate();
  }

  override async saveScan(scan: StoredScan, effects: ScanEffects = {}): Promise<void> {
    // Validated and serialised before the transaction, so it holds its locks only for the inserts.
    const steps = [
      stageScanInsert(scan),
      stageEpisodeUpserts(effects.episodes ?? []),
      stageDeliveryInserts(effects.deliveries ?? []),
      stageTicketOpInserts(effects.ticketOps ?? []),
    ];
    await this.connection.transaction(async (client) => {
      for (const step of steps) await step(client);
    });
  }

  /** The vendor request limiter shared by every process on this database (rate-gate.ts), on this store's pool. */
  rateGate(opts: PostgresRateGateOptions = {}): PostgresRateGate {
    return new PostgresRateGate(this.connection, opts);
  }

  override async ping(): Promise<void> {
    await this.connection.ping();
  }

  /** Idempotent: closing twice is harmless, so shutdown paths need not track whether they already closed. */
  override async close(): Promise<void> {
    await this.connection.close();
  }
}
