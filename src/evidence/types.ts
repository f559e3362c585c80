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
  succeeded24h: number;
  pct: number | null;
  oldestSuccessHours: number | null;
  failing: string[];
  failingTotal: number;
  objectNames: string[];
  objectNamesTotal: number;
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
