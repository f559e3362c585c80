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
  // Device posture from the same managedDevices paging, plus Defender, update rings and SharePoint.
  deviceEncryption: 'm365.devices.encryption',
  deviceStale: 'm365.devices.stale',
  osCurrency: 'm365.devices.os_currency',
  updateRings: 'm365.devices.update_rings',
  defenderAlerts: 'm365.defender.alerts',
  sharepointSharing: 'm365.sharepoint.sharing',
  // Identity breadth: identity-breadth.ts.
  inactiveAccounts: 'm365.accounts.inactive',
  guestAccess: 'm365.guest_access',
  userConsent: 'm365.user_consent',
  authMethodsPolicy: 'm365.auth_methods.policy',
  sspr: 'm365.sspr.registration',
  pim: 'm365.pim.global_admins',
  riskPolicies: 'm365.risk_policies',
  passwordExpiry: 'm365.password_expiry',
  // E-mail authentication of the verified mail domains, read through DNS (email-auth/).
  emailSpf: 'm365.email.spf',
  emailDkim: 'm365.email.dkim',
  emailDmarc: 'm365.email.dmarc',
} as const;

export type EvidenceKey = (typeof EVIDENCE_KEYS)[keyof typeof EVIDENCE_KEYS];
export const PROVIDED_KEYS: readonly EvidenceKey[] = Object.values(EVIDENCE_KEYS);

export const Provenance = boundProvenance(COLLECTOR_ID);
export type Provenance = KitProvenance;
