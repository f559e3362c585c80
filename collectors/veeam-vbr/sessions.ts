/**
 * successRate30d from `GET /api/v1/sessions`: backup job sessions created in the last 30 days, classified one by
 * one as the pages arrive (counters only).
 *
 * - **success**: finished (`state: Stopped`) with result `Success` or `Warning` — the reference counts a warning as
 *   a successful job run (it wrote restore points), as VBR does for `lastResult`;
 * - **failure**: finished with `Failed`, finished without a result (`None`: stopped before it produced one), or
 *   canceled (`isCanceled`): a run that was stopped did not protect what it should have;
 * - **not counted**: sessions still in progress (any other state), and sessions of jobs in `excludeJobs`.
 *
 * A failure to read the history never fails the evidence: successRate30d becomes null with an `unknownReasons`
 * entry (a permission gap is not a security failure, DESIGN §6).
 */
import type { VendorHttp } from '../../src/http/client.js';
import type { CollectorContext } from '../../src/collector-kit/plugin.js';
import type { VeeamVbrConfig } from './config.js';
import { nameMatcher } from './config.js';
import { BACKUP_SESSION_TYPES, PATHS, SESSION_WINDOW_DAYS, sessionsQuery } from './endpoints.js';
import { classify } from './errors.js';
import { forEachPage } from './http.js';
import { sessionsPage, type Session } from './schema.js';

const DAY_MS = 24 * 3_600_000;

export interface SessionsValue {
  /** Finished backup job runs in the window; null when the history was not read. */
  runs: number | null;
  succeeded: number;
  /** Sessions still running, left out of runs. */
  running: number;
  /** Why the history could not be read (then runs is null). */
  unknownReason?: string;
}

export type SessionOutcome = 'success' | 'failure' | 'running' | 'ignored';

export class SessionTally {
  private runs = 0;
  private succeeded = 0;
  private running = 0;

  constructor(
    private readonly sinceMs: number,
    private readonly excludedJob: (name: string) => boolean = () => false,
  ) {}

  /** Exported for tests: how one session counts. */
  classify(s: Session): SessionOutcome {
    // Re-check type and window: a server that ignores a filter must not widen what we measure.
    if (!BACKUP_SESSION_TYPES.has(s.sessionType) || s.creationTime < this.sinceMs) return 'ignored';
    if (s.name && this.excludedJob(s.name)) return 'ignored';
    if (s.state.toLowerCase() !== 'stopped') return 'running';
    const result = s.result?.result ?? 'None';
    if (s.result?.isCanceled === true) return 'failure';
    return result === 'Success' || result === 'Warning' ? 'success' : 'failure';
  }

  add(s: Session): void {
    const outcome = this.classify(s);
    if (outcome === 'running') this.running += 1;
    if (outcome !== 'success' && outcome !== 'failure') return;
    this.runs += 1;
    if (outcome === 'success') this.succeeded += 1;
  }

  value(): SessionsValue {
    return { runs: this.runs, succeeded: this.succeeded, running: this.running };
  }
}

/** Page through the window's backup job sessions; any failure becomes `unknownReason`, never a throw. */
export async function readSessions(http: VendorHttp, config: VeeamVbrConfig, ctx: CollectorContext, endpoints: Set<string>): Promise<SessionsValue> {
  const now = ctx.now().getTime();
  const since = new Date(now - SESSION_WINDOW_DAYS * DAY_MS);
  const tally = new SessionTally(since.getTime(), nameMatcher(config.excludeJobs));
  endpoints.add(PATHS.sessions);
  try {
    await forEachPage(http, PATHS.sessions, sessionsPage, (page) => page.forEach((s) => tally.add(s)), {
      params: sessionsQuery(config.apiVersion, since),
      signal: ctx.signal,
    });
    return tally.value();
  } catch (err) {
    // An abort is the whole scan stopping, not a gap in this field.
    if (ctx.signal.aborted) throw err;
    const failure = classify(err, PATHS.sessions);
    ctx.logger.warn({ reasonCode: failure.reasonCode }, `veeam-vbr: sessions not read, successRate30d unknown: ${failure.reason}`);
    return { runs: null, succeeded: 0, running: 0, unknownReason: `${failure.reasonCode}: ${failure.reason}` };
  }
}
