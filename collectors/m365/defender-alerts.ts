/**
 * `m365.defender.alerts` from `GET /security/alerts_v2` (microsoft.graph.security.alert). Severity values are
 * Microsoft's documented alertSeverity enum — unknown, informational, low, medium, high (there is no "critical"):
 * "high" is the top. Open = status new or inProgress.
 *
 * highTriaged24hPct — of the high alerts created in the last 30 days, the share triaged within 24 hours. Graph keeps
 * no triage timestamp, so it is derived from documented fields as a LOWER BOUND:
 *   - triaged in time when resolvedDateTime ≤ created + 24 h, or when the alert left `new` (inProgress/resolved) or
 *     got an owner (assignedTo) and its lastUpdateDateTime ≤ created + 24 h (the last update is no earlier than the
 *     triage, so triage happened inside the window);
 *   - not in time when it is still new and unassigned after 24 h, or was triaged but last updated after 24 h (we
 *     cannot prove when; later activity also bumps lastUpdateDateTime, so some of these were in fact on time);
 *   - not yet decidable (left out) while it is younger than 24 h and still new and unassigned.
 */
import { z } from 'zod';
import { CappedCollector, pct } from '../../src/domain/evidence.js';

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;
export const TRIAGE_WINDOW_DAYS = 30;

const dateTime = z.iso.datetime({ offset: true });

/** The fields this key reads of a security alert (the rest — evidence, comments… — passes through unread). */
export const securityAlert = z.looseObject({
  id: z.string(),
  title: z.string().nullish(),
  /** new | inProgress | resolved | unknown | unknownFutureValue (evolvable enum: kept a string). */
  status: z.string(),
  /** unknown | informational | low | medium | high | unknownFutureValue. */
  severity: z.string(),
  assignedTo: z.string().nullish(),
  createdDateTime: dateTime,
  lastUpdateDateTime: dateTime.nullish(),
  resolvedDateTime: dateTime.nullish(),
  firstActivityDateTime: dateTime.nullish(),
});
export type SecurityAlert = z.output<typeof securityAlert>;

export interface DefenderAlertsValue extends Record<string, unknown> {
  /** Open alerts (new or inProgress) of any severity. */
  open: number;
  highOpen: number;
  highOver24h: number;
  /** Age in hours of the oldest open high alert; 0 when there is none. */
  oldestHighHours: number;
  highTriaged24hPct: number | null;
  /** High alerts of the last 30 days the triage share was computed on. */
  highLast30d: number;
  highTriaged24h: number;
  openBySeverity: Record<string, number>;
  /** Titles of open high alerts older than 24 h, capped. */
  staleHigh: string[];
  staleHighTotal: number;
  notApplicable?: Record<string, string>;
}

const OPEN = new Set(['new', 'inProgress']);

export class DefenderAlertTally {
  private open = 0;
  private highOpen = 0;
  private highOver24h = 0;
  private oldestHighMs = 0;
  private highWindow = 0;
  private highTriaged = 0;
  private readonly bySeverity: Record<string, number> = {};
  private readonly staleHigh = new CappedCollector();
  private readonly seen = new Set<string>();

  constructor(private readonly now: Date) {}

  add(a: SecurityAlert): void {
    // The $filter is an OR of two sets; Graph returns each alert once, but a retried page must not count twice.
    if (this.seen.has(a.id)) return;
    this.seen.add(a.id);
    const nowMs = this.now.getTime();
    const created = Date.parse(a.createdDateTime);
    const high = a.severity === 'high';
    if (OPEN.has(a.status)) {
      this.open += 1;
      this.bySeverity[a.severity] = (this.bySeverity[a.severity] ?? 0) + 1;
      if (high) {
        this.highOpen += 1;
        const age = Math.max(0, nowMs - created);
        this.oldestHighMs = Math.max(this.oldestHighMs, age);
        if (age > DAY_MS) {
          this.highOver24h += 1;
          this.staleHigh.add(a.title ?? a.id);
        }
      }
    }
    if (high && created >= nowMs - TRIAGE_WINDOW_DAYS * DAY_MS) {
      const verdict = triagedInTime(a, nowMs);
      if (verdict !== null) {
        this.highWindow += 1;
        if (verdict) this.highTriaged += 1;
      }
    }
  }

  value(): DefenderAlertsValue {
    const v: DefenderAlertsValue = {
      open: this.open,
      highOpen: this.highOpen,
      highOver24h: this.highOver24h,
      oldestHighHours: Math.round((this.oldestHighMs / HOUR_MS) * 10) / 10,
      highTriaged24hPct: pct(this.highTriaged, this.highWindow),
      highLast30d: this.highWindow,
      highTriaged24h: this.highTriaged,
      openBySeverity: { ...this.bySeverity },
      staleHigh: this.staleHigh.list(),
      staleHighTotal: this.staleHigh.total,
    };
    if (this.highWindow === 0) {
      v.notApplicable = { highTriaged24hPct: `no high-severity Defender alert older than 24 h was created in the last ${TRIAGE_WINDOW_DAYS} days` };
    }
    return v;
  }
}

/** true / false as described above; null when it cannot be decided yet. */
export function triagedInTime(a: SecurityAlert, nowMs: number): boolean | null {
  const deadline = Date.parse(a.createdDateTime) + DAY_MS;
  if (a.resolvedDateTime && Date.parse(a.resolvedDateTime) <= deadline) return true;
  const touched = a.status !== 'new' || Boolean(a.assignedTo);
  if (touched) {
    return a.lastUpdateDateTime ? Date.parse(a.lastUpdateDateTime) <= deadline : false;
  }
  return nowMs > deadline ? false : null;
}

/**
 * A 403 from alerts_v2 is ambiguous: Graph answers it both when SecurityAlert.Read.All is missing and when no
 * Microsoft Defender product is provisioned in the tenant ("Account is not provisioned"). Only the latter wording
 * is taken as a missing licence; every other 403 names the permission (and the licence as the other possible cause).
 */
export function isDefenderNotProvisioned(status: number, message: string): boolean {
  return status === 403 && /not provisioned|not onboarded/i.test(message);
}
