/** The eight mitigation strategies, in ASD's order of the maturity model's tables; the framework file must have each once. */
export const ESSENTIAL_EIGHT_STRATEGIES = [
  'patch-applications',
  'patch-os',
  'mfa',
  'restrict-admin-privileges',
  'application-control',
  'office-macros',
  'user-application-hardening',
  'regular-backups',
] as const;
