/**
 * The episode machine run over a stretch of history, oldest scan first — what `scanTenant` does one scan at a time
 * with the open episodes it keeps in the store. Re-scoring (`ratchet rescore`) replays the scans before the one it
 * re-scores through this, so a rescored report and the report the scan wrote judge a regression by the same code:
 * a rule change or a re-score can never find a regression the scan path would not have, or miss one it found.
 */
import type { Episode } from '../domain/episode.js';
import type { ScanStatus } from '../domain/report.js';
import type { ScanView } from './compare.js';
import { advanceEpisodes, type EpisodeOptions, type EpisodeOutput } from './episodes.js';

export interface ReplayScan {
  view: ScanView;
  status: ScanStatus;
  finishedAt: string;
  /** The targeted re-check of critical rules that followed a pending regression. */
  recheck?: boolean;
}

export interface Replay {
  /** Each scan's outcome, in the order given. */
  outputs: EpisodeOutput[];
  /** Every episode the replay opened, in its latest state. */
  episodes: Episode[];
}

export function replayEpisodes(tenant: { id: string; name: string }, scans: readonly ReplayScan[], opts: EpisodeOptions): Replay {
  const episodes = new Map<string, Episode>();
  // Baselines of open episodes are earlier scans of the same stretch (an episode's baseline is the last complete scan
  // before it opened), so every scan seen so far is a candidate.
  const seen = new Map<string, ScanView>();
  let lastComplete: ScanView | undefined;
  const outputs: EpisodeOutput[] = [];
  for (const s of scans) {
    const open = [...episodes.values()].filter((e) => e.state !== 'closed');
    const out = advanceEpisodes({
      tenant,
      scan: { ...s.view, status: s.status, finishedAt: s.finishedAt },
      open,
      lastComplete,
      baselines: seen,
      recheck: s.recheck ?? false,
      opts,
    });
    for (const e of out.episodes) episodes.set(e.id, e);
    seen.set(s.view.id, s.view);
    if (s.status === 'complete') lastComplete = s.view;
    outputs.push(out);
  }
  return { outputs, episodes: [...episodes.values()] };
}
