/**
 * Evidence builders and provenance bookkeeping. Every item says which Graph paths it came from and how many
 * HTTP requests (retries included) were spent on them; a request shared by several items (the first $batch) is
 * charged to each of them, while the collector total counts it once.
 */
import type { Evidence, EvidenceSource } from '../../src/domain/evidence.js';
import type { Failure } from './errors.js';
import type { RequestCounter } from './graph.js';

export const COLLECTOR_ID = 'm365';

export const EVIDENCE_KEYS = {
  licenses: 'm365.licenses',
  registration: 'm365.mfa.registration',
  enforcement: 'm365.mfa.enforcement',
  legacyAuth: 'm365.legacy_auth',
  secureScore: 'm365.secure_score',
  admins: 'm365.admins',
  devices: 'm365.devices.compliance',
} as const;

export type EvidenceKey = (typeof EVIDENCE_KEYS)[keyof typeof EVIDENCE_KEYS];
export const PROVIDED_KEYS: readonly EvidenceKey[] = Object.values(EVIDENCE_KEYS);

export class Provenance {
  private readonly endpoints = new Set<string>();
  private readonly counters = new Set<RequestCounter>();

  add(paths: string | readonly string[], ...counters: RequestCounter[]): this {
    for (const p of typeof paths === 'string' ? [paths] : paths) this.endpoints.add(p);
    for (const c of counters) this.counters.add(c);
    return this;
  }

  merge(...others: Provenance[]): this {
    for (const o of others) {
      for (const p of o.endpoints) this.endpoints.add(p);
      for (const c of o.counters) this.counters.add(c);
    }
    return this;
  }

  toSource(): EvidenceSource {
    let requests = 0;
    for (const c of this.counters) requests += c.count;
    return { collector: COLLECTOR_ID, endpoints: [...this.endpoints], requests };
  }
}

/** Either a value or the reason there is none: what each evidence module hands back. */
export type Outcome<V> = { ok: true; value: V } | { ok: false; failure: Failure };

export function okEvidence(key: EvidenceKey, value: Record<string, unknown>, provenance: Provenance, collectedAt: string): Evidence {
  return { key, status: 'ok', value, reason: null, reasonCode: null, source: provenance.toSource(), collectedAt };
}

export function failedEvidence(key: EvidenceKey, failure: Failure, provenance: Provenance, collectedAt: string): Evidence {
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

export function evidenceFrom<V extends Record<string, unknown>>(
  key: EvidenceKey,
  outcome: Outcome<V>,
  provenance: Provenance,
  collectedAt: string,
): Evidence {
  return outcome.ok ? okEvidence(key, outcome.value, provenance, collectedAt) : failedEvidence(key, outcome.failure, provenance, collectedAt);
}
