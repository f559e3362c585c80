/**
 * The default history store: one SQLite file through better-sqlite3 (DESIGN §10), composed of one module per
 * aggregate that all share one `SqliteConnection` (handle, migrations, prepared statements, transactions).
 *
 * `saveScan` is the unit of work that spans aggregates: each aggregate validates and serialises its part up front
 * and hands back a staged write, and all of them run in ONE transaction — the scan row and its child rows, the
 * episodes it opens or closes, and the alerts and ticket operations it queues commit together or not at all, so
 * history never shows half a scan and a restart never re-sends an alert or re-queues a ticket operation.
 */
import { ComposedStore } from '../composed-store.js';
import type { ScanEffects, StoredScan } from '../store.js';
import { SqliteAttestationStore } from './attestations.js';
import { SqliteAuditStore } from './audit.js';
import { SqliteAuthStore } from './auth.js';
import { SqliteConnection, type SqliteStoreOptions } from './connection.js';
import { SqliteEpisodeStore, stageEpisodeUpserts } from './episodes.js';
import { SqliteOutboxStore, stageDeliveryInserts } from './outbox.js';
import { SqliteReportOutboxStore } from './report-outbox.js';
import { SqliteScanStore, stageScanInsert } from './scans.js';
import { SqliteTicketStore, stageTicketOpInserts } from './tickets.js';

export { SchemaTooNewError, type SqliteStoreOptions } from './connection.js';

export class SqliteStore extends ComposedStore {
  private readonly connection: SqliteConnection;
  /** For error messages: the resolved file path, or `:memory:`. */
  readonly location: string;

  /** @param path a file path (parent directories are created) or `:memory:`. */
  constructor(path: string, options: SqliteStoreOptions = {}) {
    const connection = new SqliteConnection(path, options);
    super({
      scans: new SqliteScanStore(connection),
      episodes: new SqliteEpisodeStore(connection),
      outbox: new SqliteOutboxStore(connection),
      reportOutbox: new SqliteReportOutboxStore(connection),
      tickets: new SqliteTicketStore(connection),
      auth: new SqliteAuthStore(connection),
      attestations: new SqliteAttestationStore(connection),
      audit: new SqliteAuditStore(connection),
    });
    this.connection = connection;
    this.location = connection.location;
  }

  // ── lifecycle and the cross-aggregate unit of work

  override async migrate(): Promise<void> {
    this.connection.migrate();
  }

  override async saveScan(scan: StoredScan, effects: ScanEffects = {}): Promise<void> {
    // Serialised before the transaction, so it holds the write lock only for the inserts.
    const steps = [
      stageScanInsert(this.connection, scan),
      stageEpisodeUpserts(this.connection, effects.episodes ?? []),
      stageDeliveryInserts(this.connection, effects.deliveries ?? []),
      stageTicketOpInserts(this.connection, effects.ticketOps ?? []),
    ];
    this.connection.write(() => {
      for (const step of steps) step();
    });
  }

  override async ping(): Promise<void> {
    this.connection.ping();
  }

  /** Idempotent: closing twice is harmless, so shutdown paths need not track whether they already closed. */
  override async close(): Promise<void> {
    this.connection.close();
  }
}
