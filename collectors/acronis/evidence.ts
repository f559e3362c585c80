/**
 * Evidence builders. Every item names the Acronis paths it came from and the HTTP requests (retries included, the
 * token request excluded) spent on them.
 */
import { boundProvenance, type Provenance as KitProvenance } from '../../src/collector-kit/evidence.js';

export { failedEvidence, okEvidence } from '../../src/collector-kit/evidence.js';

export const COLLECTOR_ID = 'acronis';

export const EVIDENCE_KEYS = {
  protection: 'backup.protection',
  immutability: 'backup.immutability',
} as const;

export type EvidenceKey = (typeof EVIDENCE_KEYS)[keyof typeof EVIDENCE_KEYS];
export const PROVIDED_KEYS: readonly EvidenceKey[] = Object.values(EVIDENCE_KEYS);

export const Provenance = boundProvenance(COLLECTOR_ID);
export type Provenance = KitProvenance;
