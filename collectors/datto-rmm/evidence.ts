/**
 * Evidence keys, provenance and builders. Each item names the paths it came from and the requests spent on them;
 * the device listing feeds three keys, so its requests are charged to each of them (the collector total counts
 * them once, with the token request and any retries).
 */
import { boundProvenance, type Provenance as KitProvenance } from '../../src/collector-kit/evidence.js';

export { evidenceFrom, failedEvidence, okEvidence } from '../../src/collector-kit/evidence.js';
export type { Outcome } from '../../src/collector-kit/failure.js';

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

export const Provenance = boundProvenance(COLLECTOR_ID);
export type Provenance = KitProvenance;
