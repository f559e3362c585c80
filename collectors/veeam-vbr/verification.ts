/**
 * `backup.verification` from `GET /api/v1/sessions`: SureBackup job runs (automated recovery verification), read
 * newest ended first with `typeFilter=SureBackup` and classified one by one (counters only):
 *
 * - **verified**: finished (`state: Stopped`) with result `Success` or `Warning`, not canceled;
 * - **failed**: finished with `Failed`, finished without a result (`None`) or canceled — a verification that did not
 *   complete proved nothing;
 * - **not counted**: sessions still in progress, and any session type other than SureBackup (re-checked here, so a
 *   server that ignores the filter cannot widen what is measured; `SureBackupContentScan` is not a recovery test).
 *
 * A session's time is its `endTime` (when the verification finished), its `creationTime` when VBR gives none.
 * `lastVerifiedAt` is the newest verified run ever (not only within 90 days); the walk stops once it has that run
 * and has passed the 90-day window — normally after one page — unless the server ignored the sort.
 */
import type { CollectorContext } from '../../src/collector-kit/plugin.js';
import type { VendorHttp } from '../../src/http/client.js';
import { VendorHttpError } from '../../src/http/errors.js';
import { scrub } from '../../src/log/secrets.js';
import type { VeeamVbrConfig } from './config.js';
import { PATHS, SUREBACKUP_SESSION_TYPES, VERIFICATION_WINDOW_DAYS, sureBackupQuery } from './endpoints.js';
import type { Failure } from '../../src/collector-kit/failure.js';
import { classify } from './errors.js';
import { forEachPage } from './http.js';
import { sessionsPage, type Session } from './schema.js';
import { isPlaceholderTime } from './time.js';

const DAY_MS = 24 * 3_600_000;

export const VERIFIED_VIA = 'Veeam SureBackup';

export interface VerificationValue extends Record<string, unknown> {
  /** ISO UTC end of the newest SureBackup run that ended Success or Warning; null when none was ever found. */
  lastVerifiedAt: string | null;
  /** Whole days between lastVerifiedAt and the scan (0 for a run stamped in the future); null with it. */
  verifiedDaysAgo: number | null;
  /** Verified runs that ended within the last 90 days. */
  verifications90d: number;
  /** Failed, result-less or canceled runs that ended within the last 90 days. */
  failed90d: number;
  via: typeof VERIFIED_VIA;
}

export type VerificationOutcome = 'verified' | 'failed' | 'running' | 'ignored';

export class VerificationTally {
  private readonly sinceMs: number;
  private lastVerifiedMs: number | null = null;
  private verified = 0;
  private failed = 0;
  /** End time of the last finished row seen, to check the server's newest-first order. */
  private lastEndMs = Number.POSITIVE_INFINITY;
  private ordered = true;

  constructor(private readonly nowMs: number) {
    this.sinceMs = nowMs - VERIFICATION_WINDOW_DAYS * DAY_MS;
  }

  /** Exported for tests: how one session counts. */
  classify(s: Session): VerificationOutcome {
    if (!SUREBACKUP_SESSION_TYPES.has(s.sessionType)) return 'ignored';
    if (s.state.toLowerCase() !== 'stopped') return 'running';
    if (s.result?.isCanceled === true) return 'failed';
    const result = s.result?.result ?? 'None';
    return result === 'Success' || result === 'Warning' ? 'verified' : 'failed';
  }

  add(s: Session): void {
    const outcome = this.classify(s);
    if (outcome !== 'verified' && outcome !== 'failed') return;
    // VBR writes a session without an end as .NET's DateTime.MinValue, "0001-01-01T00:00:00" (the spec's
    // EntraIdTenantRestoreSessionModelExample, 1.2-rev1 … 1.3-rev2), not null: read it as absent, or a verified run
    // would be dated year 1 and reported as never recent.
    const endTime = s.endTime != null && !isPlaceholderTime(s.endTime) ? s.endTime : null;
    if (endTime !== null) {
      if (endTime > this.lastEndMs) this.ordered = false;
      this.lastEndMs = endTime;
    }
    const at = endTime ?? s.creationTime;
    const inWindow = at >= this.sinceMs;
    if (outcome === 'verified') {
      if (this.lastVerifiedMs === null || at > this.lastVerifiedMs) this.lastVerifiedMs = at;
      if (inWindow) this.verified += 1;
    } else if (inWindow) {
      this.failed += 1;
    }
  }

  /** True once nothing further down a newest-first listing can change the value. */
  complete(): boolean {
    return this.ordered && this.lastVerifiedMs !== null && this.lastEndMs < this.sinceMs;
  }

  value(): VerificationValue {
    const last = this.lastVerifiedMs;
    return {
      lastVerifiedAt: last === null ? null : new Date(last).toISOString(),
      verifiedDaysAgo: last === null ? null : Math.max(0, Math.floor((this.nowMs - last) / DAY_MS)),
      verifications90d: this.verified,
      failed90d: this.failed,
      via: VERIFIED_VIA,
    };
  }
}

export type VerificationResult = { value: VerificationValue } | { failure: Failure };

/** Read the SureBackup history; every failure becomes a `Failure` (unavailable/error with the reason), never a throw. */
export async function readVerification(http: VendorHttp, config: VeeamVbrConfig, ctx: CollectorContext, endpoints: Set<string>): Promise<VerificationResult> {
  const query = sureBackupQuery(config.apiVersion);
  if (query === null) {
    return {
      failure: {
        status: 'unavailable',
        reasonCode: 'not_configured',
        reason:
          `REST API ${config.apiVersion} (VBR 12.0) lists no SureBackup sessions (its session types have no SureBackup): ` +
          `set apiVersion 1.2-rev0 or later on VBR 12.3 or newer to read the automated verification`,
      },
    };
  }
  const tally = new VerificationTally(ctx.now().getTime());
  endpoints.add(PATHS.sessions);
  try {
    await forEachPage(
      http,
      PATHS.sessions,
      sessionsPage,
      (page) => {
        page.forEach((s) => tally.add(s));
        return !tally.complete();
      },
      { params: query, signal: ctx.signal, prefetch: false },
    );
    return { value: tally.value() };
  } catch (err) {
    // An abort is the whole scan stopping, not a gap in this key.
    if (ctx.signal.aborted) throw err;
    let failure = classify(err, PATHS.sessions);
    if (err instanceof VendorHttpError && err.status === 400 && config.apiVersion.startsWith('1.1-')) {
      failure = {
        status: 'unavailable',
        reasonCode: 'not_configured',
        reason: scrub(
          `${failure.reason} — REST API ${config.apiVersion} refused typeFilter=SureBackup (its session types may not name ` +
            `SureBackup): set apiVersion 1.2-rev0 or later on VBR 12.3 or newer to read the automated verification`,
        ),
      };
    }
    ctx.logger.warn({ reasonCode: failure.reasonCode }, `veeam-vbr: SureBackup sessions not read: ${failure.reason}`);
    return { failure };
  }
}
