/**
 * Evidence builders. Every item names the Acronis paths it came from and the HTTP requests (retries included, the
 * token request excluded) spent on them.
 */
import type { Evidence } from '../../src/domain/evidence.js';
import type { Failure } from './errors.js';

export const COLLECTOR_ID = 'acronis';

export const EVIDENCE_KEYS = {
  protection: 'backup.protection',
} as const;

export type EvidenceKey = (typeof EVIDENCE_KEYS)[keyof typeof EVIDENCE_KEYS];
export const PROVIDED_KEYS: readonly EvidenceKey[] = Object.values(EVIDENCE_KEYS);

export interface Provenance {
  endpoints: string[];
  requests: number;
}

export function okEvidence(key: EvidenceKey, value: Record<string, unknown>, prov: Provenance, collectedAt: string): Evidence {
  return {
    key,
    status: 'ok',
    value,
    reason: null,
    reasonCode: null,
    source: { collector: COLLECTOR_ID, endpoints: [...prov.endpoints], requests: prov.requests },
    collectedAt,
  };
}

export function failedEvidence(key: EvidenceKey, failure: Failure, prov: Provenance, collectedAt: string): Evidence {
  return {
    key,
    status: failure.status,
    value: null,
    reason: failure.reason,
    reasonCode: failure.reasonCode,
    source: { collector: COLLECTOR_ID, endpoints: [...prov.endpoints], requests: prov.requests },
    collectedAt,
  };
}
