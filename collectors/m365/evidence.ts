/**
 * Evidence builders and provenance bookkeeping. Every item says which Graph paths it came from and how many
 * HTTP requests (retries included) were spent on them; a request shared by several items (the first $batch) is
 * charged to each of them, while the collector total counts it once.
 */
import { boundProvenance, type Provenance as KitProvenance } from '../../src/collector-kit/evidence.js';

export { evidenceFrom, failedEvidence, okEvidence } from '../../src/collector-kit/evidence.js';
export type { Outcome } from '../../src/collector-kit/failure.js';

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

export const Provenance = boundProvenance(COLLECTOR_ID);
export type Provenance = KitProvenance;
