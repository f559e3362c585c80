/**
 * Regression episodes in SQLite. The scan that opens, confirms or closes an episode upserts it in the scan's own
 * transaction (`stageEpisodeUpserts`, used by `SqliteStore.saveScan`); an acknowledgement upserts it here.
 */
import type Database from 'better-sqlite3';
import type { AuditEntry } from '../../domain/audit.js';
import type { Episode } from '../../domain/episode.js';
import { episodeRow } from '../rows.js';
import type { EpisodeStore } from '../store.js';
import { stageAuditEntry } from './audit.js';
import { SQLITE_ROWS, type SqliteConnection, type StagedWrite } from './connection.js';

const prepareEpisodeStatements = (db: Database.Database) => ({
  upsertEpisode: db.prepare(`INSERT INTO episodes (id, tenant_id, kind, state, opened_at, closed_at, episode_json)
      VALUES (@id, @tenant_id, @kind, @state, @opened_at, @closed_at, @episode_json)
      ON CONFLICT (id) DO UPDATE SET state = excluded.state, closed_at = excluded.closed_at, episode_json = excluded.episode_json`),
  episodes: db.prepare<[{ tenant: string; open: number; limit: number }], { episode_json: string }>(`SELECT episode_json FROM episodes WHERE tenant_id = @tenant AND (@open = 0 OR state != 'closed')
      ORDER BY opened_at DESC, rowid DESC LIMIT @limit`),
});

/** Stages the upsert (by id) of `episodes` for another aggregate's transaction. */
export function stageEpisodeUpserts(connection: SqliteConnection, episodes: readonly Episode[]): StagedWrite {
  const { upsertEpisode } = connection.statements(prepareEpisodeStatements);
  const rows = episodes.map(episodeRow);
  return () => {
    for (const row of rows) upsertEpisode.run(row);
  };
}

export class SqliteEpisodeStore implements EpisodeStore {
  constructor(private readonly connection: SqliteConnection) {}

  async episodes(tenantId: string, opts: { open?: boolean; limit?: number } = {}): Promise<Episode[]> {
    return this.connection
      .statements(prepareEpisodeStatements)
      .episodes.all({ tenant: tenantId, open: opts.open ? 1 : 0, limit: opts.limit ?? -1 })
      .map((r) => SQLITE_ROWS.readJson<Episode>(r.episode_json));
  }

  async saveEpisode(episode: Episode, audit?: AuditEntry): Promise<void> {
    const upsert = stageEpisodeUpserts(this.connection, [episode]);
    const audited = stageAuditEntry(this.connection, audit);
    this.connection.write(() => {
      upsert();
      audited();
    });
  }
}
