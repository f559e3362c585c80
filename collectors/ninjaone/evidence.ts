/**
 * Evidence keys, provenance and builders. Every item names the NinjaOne paths it came from and the calls spent on
 * them; a source shared by several items (the device listing) is charged to each, while the collector total counts
 * every wire request once (retries and the token included).
 */
import { boundProvenance, type Provenance as KitProvenance } from '../../src/collector-kit/evidence.js';

export { evidenceFrom } from '../../src/collector-kit/evidence.js';
export type { Outcome } from '../../src/collector-kit/failure.js';

export const COLLECTOR_ID = 'ninjaone';

export const EVIDENCE_KEYS = {
  devices: 'rmm.devices',
  patches: 'rmm.patches',
  alerts: 'rmm.alerts',
  antivirus: 'rmm.antivirus',
} as const;

export type EvidenceKey = (typeof EVIDENCE_KEYS)[keyof typeof EVIDENCE_KEYS];
export const PROVIDED_KEYS: readonly EvidenceKey[] = Object.values(EVIDENCE_KEYS);

export const Provenance = boundProvenance(COLLECTOR_ID);
export type Provenance = KitProvenance;
