/**
 * `backup.immutability` for Acronis: structurally not applicable.
 *
 * Acronis Cyber Protect Cloud has immutable storage (a per-tenant setting: Governance or Compliance mode, retention
 * 14–999 days, on by default for Acronis-hosted storage since September 2024 — kb.acronis.com/content/69814 and the
 * Cyber Protection service guide "Immutable storage"), but no documented API reads it: the Account Management API's
 * storage object (`/api/2/storages`) has id, owner, location, capabilities and backend type and no immutability
 * field, and none of the published Acronis OpenAPI documents (account management, resource management, policy
 * management, task manager, …) mentions immutability. The collector therefore reports every measure as not
 * applicable with that reason, instead of inventing an endpoint or guessing from the storage type — the gates then
 * say "not applicable" and the technician can check the setting in the console.
 */
export const IMMUTABILITY_NOT_APPLICABLE_REASON =
  "Acronis documents no API that reads the tenant's immutable storage setting (it is set in the management console: " +
  'Settings > Security > Immutable storage); check that it is on, with a retention period of at least 14 days';

export const IMMUTABILITY_FIELDS = ['repositories', 'immutable', 'pct', 'minImmutableDays'] as const;

export interface AcronisImmutabilityValue extends Record<string, unknown> {
  repositories: null;
  immutable: null;
  pct: null;
  minImmutableDays: null;
  notApplicable: Record<(typeof IMMUTABILITY_FIELDS)[number], string>;
}

export function immutabilityValue(): AcronisImmutabilityValue {
  const notApplicable = Object.fromEntries(IMMUTABILITY_FIELDS.map((f) => [f, IMMUTABILITY_NOT_APPLICABLE_REASON])) as AcronisImmutabilityValue['notApplicable'];
  return { repositories: null, immutable: null, pct: null, minImmutableDays: null, notApplicable };
}
