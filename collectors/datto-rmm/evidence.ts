/**
 * Evidence keys, provenance and builders. Each item names the paths it came from and the requests spent on them;
 * the device listing feeds three keys, so its requests are charged to each of them (the collector total counts
 * them once, with the token request and any retries).
 */
import type { Evidence, EvidenceSource } from '../../src/domain/evidence.js';
import type { Failure } from './errors.js';

export const COLLECTOR_ID = 'datto-rmm';

export const EVIDENCE_KEYS = {
  devices: 'rmm.devices',
  patches: 'rmm.patches',
  alerts: 'rmm.alerts',
  antivirus: 'rmm.antivirus',
} as const;

export type EvidenceKey = (typeof EVIDENCE_KEYS)[keyof typeof EVIDENCE_KEYS];
export const PROVIDED_KEYS: readonly EvidenceKey[] = Object.values(EVIDENCE_KEYS);

/** Keys fed by the device listing. */
export const DEVICE_KEYS: readonly EvidenceKey[] = [EVIDENCE_KEYS.devices, EVIDENCE_KEYS.patches, EVIDENCE_KEYS.antivirus];

export class Provenance {
  private readonly endpoints = new Set<string>();
  requests = 0;

  add(path: string, requests = 0): this {
    this.endpoints.add(path);
    this.requests += requests;
    return this;
  }

  /** A copy with another source's paths and requests added (rmm.alerts is normalised by the device listing). */
  with(other: Provenance): Provenance {
    const p = new Provenance();
    for (const e of this.endpoints) p.add(e);
    for (const e of other.endpoints) p.add(e);
    p.requests = this.requests + other.requests;
    return p;
  }

  toSource(): EvidenceSource {
    return { collector: COLLECTOR_ID, endpoints: [...this.endpoints], requests: this.requests };
  }
}

export type Outcome<V> = { ok: true; value: V } | { ok: false; failure: Failure };

export function okEvidence(key: EvidenceKey, value: Record<string, unknown>, provenance: Provenance, collectedAt: string): Evidence {
  return { key, status: 'ok', value, reason: null, reasonCode: null, source: provenance.toSource(), collectedAt };
}

export function failedEvidence(key: EvidenceKey, failure: Failure, provenance: Provenance, collectedAt: string): Evidence {
  return { key, status: failure.status, value: null, reason: failure.reason, reasonCode: failure.reasonCode, source: provenance.toSource(), collectedAt };
}

export function evidenceFrom(key: EvidenceKey, outcome: Outcome<Record<string, unknown>>, provenance: Provenance, collectedAt: string): Evidence {
  return outcome.ok ? okEvidence(key, outcome.value, provenance, collectedAt) : failedEvidence(key, outcome.failure, provenance, collectedAt);
}
