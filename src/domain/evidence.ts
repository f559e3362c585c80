/**
 * Evidence is the hand-off between collectors and the rules engine (DESIGN §6).
 * It is plain data so a stored bundle can be re-scored offline with new rules.
 */
export type EvidenceStatus = 'ok' | 'unavailable' | 'error';

/** Why evidence is not `ok`. Kept machine-readable so reports can say "fix a permission", not "security failure". */
export type UnknownReason =
  | 'permission_missing'
  | 'not_licensed'
  | 'not_configured'
  | 'collector_error'
  | 'schema_violation'
  | 'stale'
  | 'insufficient_history';

export interface EvidenceSource {
  collector: string;
  endpoints: string[];
  requests: number;
}

export interface Evidence<V extends Record<string, unknown> = Record<string, unknown>> {
  key: string;
  status: EvidenceStatus;
  value: V | null;
  /** Human-readable reason when status is not `ok` (names the missing permission or licence). */
  reason: string | null;
  /** Machine-readable reason category when status is not `ok`. */
  reasonCode?: UnknownReason | null;
  source: EvidenceSource;
  collectedAt: string;
}

/** Everything the engine needs to score one tenant at one point in time. */
export interface EvidenceBundle {
  tenantId: string;
  /** Config sections the tenant has (m365, rmm, backup); rules on other sources are not_applicable. */
  sources: string[];
  collectedAt: string;
  evidence: Evidence[];
  /** Capabilities the tenant's config declares out of scope, with the reason (DESIGN §7). */
  outOfScope?: Record<string, string>;
}

/** A capped list of offending entities with the true count beside it (DESIGN §6). */
export interface CappedList {
  items: string[];
  total: number;
  truncated: boolean;
}

export const OFFENDER_CAP = 1000;

/** Name lists that feed a cross-source join (`serverNames`, `objectNames`) are capped higher (docs/evidence.md). */
export const JOIN_NAMES_CAP = 10_000;

/** `backup.protection`: the vendor-neutral minimum every backup collector produces (docs/evidence.md). */
export interface BackupProtectionValue extends Record<string, unknown> {
  protected: number;
  /** Protected workloads whose newest success is within 24 h; a never-succeeded workload is not among them. */
  succeeded24h: number;
  pct: number | null;
  /**
   * For display only: null when some workload never succeeded (there is no age to show), which would read as
   * "unknown" and so must not be gated on — rules gate on `freshPct`/`staleOver72h`, which count a never-succeeded
   * workload as stale and so only get worse when a workload does (monotonic, DESIGN §7).
   */
  oldestSuccessHours: number | null;
  failing: string[];
  failingTotal: number;
  objectNames: string[];
  objectNamesTotal: number;
  /** Protected workloads with no successful restore point/run ever: a failure of each, never an unknown (DESIGN §7). */
  neverSucceeded: number;
  /** Protected workloads whose newest success is within 72 h. */
  fresh72h: number;
  /** fresh72h / protected × 100, one decimal; null only when nothing is protected. */
  freshPct: number | null;
  /** protected − fresh72h: stale workloads, the never-succeeded ones included. */
  staleOver72h: number;
  /**
   * Share (%, one decimal) of finished backup job runs over the last 30 days that ended successfully; null when the
   * vendor cannot say (see `notApplicable`) or the history could not be read (see `unknownReasons`), or no run ended.
   */
  successRate30d: number | null;
  /** Finished backup job runs over the last 30 days (the denominator of successRate30d); null when not read. */
  runs30d: number | null;
  /** Field name → why that field is structurally not available from this vendor (rules: not_applicable). */
  notApplicable?: Record<string, string>;
  /** Field name → why that field could not be read this time (rules: unknown, never fail). */
  unknownReasons?: Record<string, string>;
}

/** Collects offenders without letting memory grow with the tenant. */
export class CappedCollector {
  private readonly items: string[] = [];
  private count = 0;
  constructor(private readonly cap = OFFENDER_CAP) {}
  add(item: string): void {
    this.count += 1;
    if (this.items.length < this.cap) this.items.push(item);
  }
  get total(): number {
    return this.count;
  }
  list(): string[] {
    return [...this.items];
  }
  toJSON(): CappedList {
    return { items: this.list(), total: this.count, truncated: this.count > this.items.length };
  }
}

export function pct(part: number, whole: number): number | null {
  if (whole <= 0) return null;
  return Math.round((part / whole) * 1000) / 10;
}
