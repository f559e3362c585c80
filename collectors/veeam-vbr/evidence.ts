/**
 * Evidence builders. The collector produces `backup.protection`, `backup.verification` (SureBackup) and
 * `backup.immutability` (repository settings);
 * `backup.coverage` is derived by the core from our `objectNames` and the RMM's `serverNames`.
 */
import { boundProvenance, type Provenance as KitProvenance } from '../../src/collector-kit/evidence.js';

export { failedEvidence, okEvidence } from '../../src/collector-kit/evidence.js';

export const COLLECTOR_ID = 'veeam-vbr';
export const PROTECTION_KEY = 'backup.protection';
export const VERIFICATION_KEY = 'backup.verification';
export const IMMUTABILITY_KEY = 'backup.immutability';
/** Every key the collector can produce (the plugin's `provides`: what a targeted re-check may ask for). */
export const PROVIDED_KEYS = [PROTECTION_KEY, VERIFICATION_KEY, IMMUTABILITY_KEY] as const;
export type ProvidedKey = (typeof PROVIDED_KEYS)[number];

export const Provenance = boundProvenance(COLLECTOR_ID);
export type Provenance = KitProvenance;
