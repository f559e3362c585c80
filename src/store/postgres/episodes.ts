/**
 * Regression episodes in PostgreSQL. The scan that opens, confirms or closes an episode upserts it in the scan's
 * own transaction (`stageEpisodeUpserts`, used by `PostgresStore.saveScan`); an acknowledgement upserts it here.
 */
import type { AuditEntry } from '../../domain/audit.js';
import type { Episode } from '../../domain/episode.js';
import { episodeRow, valuesOf } from '../rows.js';
import type { EpisodeStore } from '../store.js';
import { stageAuditEntry } from './audit.js';
import { limitParam, POSTGRES_ROWS, type PostgresConnection, type StagedWrite } from './connection.js';

// An upsert keeps the row's seq (its place in tie order), as SQLite's keeps the rowid.
const UPSERT_EPISODE = `INSERT INTO episodes (id, tenant_id, kind, state, opened_at, closed_at, episode_json)
  VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)
  ON CONFLICT (id) DO UPDATE SET state = excluded.state, closed_at = excluded.closed_at, episode_json = excluded.episode_json`;

const EPISODE_COLUMN_NAMES = ['id', 'tenant_id', 'kind', 'state', 'opened_at', 'closed_at', 'episode_json'] as const;
const episodeParams = (e: Episode): unknown[] => valuesOf(episodeRow(e), EPISODE_COLUMN_NAMES);

/** Stages the upsert (by id) of `episodes` for another aggregate's transaction. */
export function stageEpisodeUpserts(episodes: readonly Episode[]): StagedWrite {
  const rows = episodes.map(episodeParams);
  return async (client) => {
    for (const params of rows) await client.query(UPSERT_EPISODE, params);
  };
}

export class PostgresEpisodeStore implements EpisodeStore {
  constructor(private readonly connection: PostgresConnection) {}

  async episodes(tenantId: string, opts: { open?: boolean; limit?: number } = {}): Promise<Episode[]> {
    const { rows } = await this.connection.query<{ episode_json: unknown }>(
      `SELECT episode_json FROM episodes WHERE tenant_id = $1 AND (NOT $2::boolean OR state <> 'closed')
        ORDER BY opened_at DESC, seq DESC LIMIT $3`,
      [tenantId, opts.open === true, limitParam(opts.limit)],
    );
    return rows.map((r) => POSTGRES_ROWS.readJson<Episode>(r.episode_json));
  }

  async saveEpisode(episode: Episode, audit?: AuditEntry): Promise<void> {
    const upsert = stageEpisodeUpserts([episode]);
    const audited = stageAuditEntry(audit);
    await this.connection.transaction(async (client) => {
      await upsert(client);
      await audited(client);
    });
  }
}
