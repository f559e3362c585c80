/**
 * Provenance and evidence builders shared by every collector. Every item names the vendor paths it came from and
 * the HTTP requests spent on them; a source shared by several items (a $batch, a device listing) is charged to each
 * of them through the same counter, while the collector total counts every wire request once.
 */
import type { Evidence, EvidenceSource } from '../domain/evidence.js';
import type { Failure, Outcome } from './failure.js';

/** Requests spent on one source, counted as they are made (a counter shared by several items is charged once each). */
export interface RequestCounter {
  readonly count: number;
}

export class Provenance {
  private readonly endpoints = new Set<string>();
  private readonly counters = new Set<RequestCounter>();

  constructor(private readonly collector: string) {}

  add(paths: string | readonly string[], ...counters: RequestCounter[]): this {
    for (const p of typeof paths === 'string' ? [paths] : paths) this.endpoints.add(p);
    for (const c of counters) this.counters.add(c);
    return this;
  }

  /** Charge requests already counted elsewhere (a walk's own tally, the client's total). */
  charge(requests: number): this {
    this.counters.add({ count: requests });
    return this;
  }

  merge(...others: Provenance[]): this {
    for (const o of others) {
      for (const p of o.endpoints) this.endpoints.add(p);
      for (const c of o.counters) this.counters.add(c);
    }
    return this;
  }

  get requests(): number {
    let requests = 0;
    for (const c of this.counters) requests += c.count;
    return requests;
  }

  toSource(): EvidenceSource {
    return { collector: this.collector, endpoints: [...this.endpoints], requests: this.requests };
  }
}

/** The kit's `Provenance` bound to one collector's id, so the collector's modules write `new Provenance()`. */
export function boundProvenance(collector: string): new () => Provenance {
  return class extends Provenance {
    constructor() {
      super(collector);
    }
  };
}

export function okEvidence(key: string, value: Record<string, unknown>, provenance: Provenance, collectedAt: string): Evidence {
  return { key, status: 'ok', value, reason: null, reasonCode: null, source: provenance.toSource(), collectedAt };
}

export function failedEvidence(key: string, failure: Failure, provenance: Provenance, collectedAt: string): Evidence {
  return {
    key,
    status: failure.status,
    value: null,
    reason: failure.reason,
    reasonCode: failure.reasonCode,
    source: provenance.toSource(),
    collectedAt,
  };
}

export function evidenceFrom(key: string, outcome: Outcome<Record<string, unknown>>, provenance: Provenance, collectedAt: string): Evidence {
  return outcome.ok ? okEvidence(key, outcome.value, provenance, collectedAt) : failedEvidence(key, outcome.failure, provenance, collectedAt);
}
