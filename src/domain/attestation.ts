/** Governance criteria no API can show, recorded by a technician (DESIGN §7). */
export const ATTESTATION_KINDS = ['documented_policies', 'dr_plan', 'restore_test', 'strategy_review', 'incident_response_plan', 'it_owner'] as const;
export type AttestationKind = (typeof ATTESTATION_KINDS)[number];

export interface Attestation {
  id: string;
  tenantId: string;
  kind: AttestationKind;
  note: string;
  /** Where the artefact lives (document management link, file name): a reference, never the file itself. */
  fileRef: string | null;
  author: string;
  /** When the attested fact was established (e.g. the date of the restore test). */
  attestedAt: string;
  expiresAt: string;
  createdAt: string;
  revokedAt: string | null;
  revokedBy: string | null;
}

export type AttestationStatus = 'valid' | 'expired' | 'revoked';
