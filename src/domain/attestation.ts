/** Governance criteria no API can show, recorded by a technician (DESIGN §7). */
export const GOVERNANCE_ATTESTATION_KINDS = ['documented_policies', 'dr_plan', 'restore_test', 'strategy_review', 'incident_response_plan', 'it_owner'] as const;

/**
 * Essential Eight attestations (DESIGN §14): `e8_<strategy>_ml<n>` says a technician verified the requirements of that
 * strategy at maturity level n (and below) that Ratchet cannot read. rules/frameworks/essential-eight.yaml names, per
 * requirement, the kind that satisfies it; an attestation of a higher level of the same strategy covers it too.
 */
export const E8_ATTESTATION_KINDS = [
  'e8_patch_applications_ml1', 'e8_patch_applications_ml2', 'e8_patch_applications_ml3',
  'e8_patch_os_ml1', 'e8_patch_os_ml2', 'e8_patch_os_ml3',
  'e8_mfa_ml1', 'e8_mfa_ml2', 'e8_mfa_ml3',
  'e8_admin_privileges_ml1', 'e8_admin_privileges_ml2', 'e8_admin_privileges_ml3',
  'e8_application_control_ml1', 'e8_application_control_ml2', 'e8_application_control_ml3',
  'e8_office_macros_ml1', 'e8_office_macros_ml2', 'e8_office_macros_ml3',
  'e8_app_hardening_ml1', 'e8_app_hardening_ml2', 'e8_app_hardening_ml3',
  'e8_backups_ml1', 'e8_backups_ml2', 'e8_backups_ml3',
] as const;
export type E8AttestationKind = (typeof E8_ATTESTATION_KINDS)[number];

/** Every kind a technician may record. */
export const ATTESTATION_KINDS = [...GOVERNANCE_ATTESTATION_KINDS, ...E8_ATTESTATION_KINDS] as const;
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
