/**
 * Evidence builders. The collector produces `backup.protection` and `backup.verification` (SureBackup);
 * `backup.coverage` is derived by the core from our `objectNames` and the RMM's `serverNames`.
 */
import type { Evidence } from '../../src/domain/evidence.js';
import type { Failure } from './errors.js';

export const COLLECTOR_ID = 'veeam-vbr';
export const PROTECTION_KEY = 'backup.protection';
export const VERIFICATION_KEY = 'backup.verification';
/** Every key the collector can produce (the plugin's `provides`: what a targeted re-check may ask for). */
export const PROVIDED_KEYS = [PROTECTION_KEY, VERIFICATION_KEY] as const;
export type ProvidedKey = (typeof PROVIDED_KEYS)[number];

export interface Source {
  endpoints: readonly string[];
  requests: number;
}

export function okEvidence(value: Record<string, unknown>, source: Source, collectedAt: string, key: ProvidedKey = PROTECTION_KEY): Evidence {
  return {
    key,
    status: 'ok',
    value,
    reason: null,
    reasonCode: null,
    source: { collector: COLLECTOR_ID, endpoints: [...source.endpoints], requests: source.requests },
    collectedAt,
  };
}

export function failedEvidence(failure: Failure, source: Source, collectedAt: string, key: ProvidedKey = PROTECTION_KEY): Evidence {
  return {
    key,
    status: failure.status,
    value: null,
    reason: failure.reason,
    reasonCode: failure.reasonCode,
    source: { collector: COLLECTOR_ID, endpoints: [...source.endpoints], requests: source.requests },
    collectedAt,
  };
}
