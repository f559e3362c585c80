/**
 * Evidence keys, provenance and builders. Every item names the NinjaOne paths it came from and the calls spent on
 * them; a source shared by several items (the device listing) is charged to each, while the collector total counts
 * every wire request once (retries and the token included).
 */
import type { Evidence, EvidenceSource } from '../../src/domain/evidence.js';
import type { Failure } from './failures.js';
import type { CallCounter } from './http.js';

export const COLLECTOR_ID = 'ninjaone';

export const EVIDENCE_KEYS = {
  devices: 'rmm.devices',
  patches: 'rmm.patches',
  alerts: 'rmm.alerts',
  antivirus: 'rmm.antivirus',
} as const;

export type EvidenceKey = (typeof EVIDENCE_KEYS)[keyof typeof EVIDENCE_KEYS];
export const PROVIDED_KEYS: readonly EvidenceKey[] = Object.values(EVIDENCE_KEYS);

export class Provenance {
  private readonly endpoints = new Set<string>();
  private readonly counters = new Set<CallCounter>();

  add(path: string, counter?: CallCounter): this {
    this.endpoints.add(path);
    if (counter) this.counters.add(counter);
    return this;
  }

  toSource(): EvidenceSource {
    let requests = 0;
    for (const c of this.counters) requests += c.count;
    return { collector: COLLECTOR_ID, endpoints: [...this.endpoints], requests };
  }
}

/** Either a value or the reason there is none. */
export type Outcome<V> = { ok: true; value: V } | { ok: false; failure: Failure };

export function evidenceFrom(key: EvidenceKey, outcome: Outcome<Record<string, unknown>>, provenance: Provenance, collectedAt: string): Evidence {
  if (outcome.ok) {
    return { key, status: 'ok', value: outcome.value, reason: null, reasonCode: null, source: provenance.toSource(), collectedAt };
  }
  const f = outcome.failure;
  return { key, status: f.status, value: null, reason: f.reason, reasonCode: f.reasonCode, source: provenance.toSource(), collectedAt };
}
