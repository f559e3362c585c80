/**
 * Evidence of a tenant that meets every Essential Eight requirement the evidence can judge (the catalog fields the
 * framework file reads), for the framework tests. Attestations are added per test.
 */
import { ev, NOW, strongTenant } from '../../../bench/lib/evidence-samples.js';
import type { Evidence, EvidenceBundle } from '../../domain/evidence.js';
import { E8_ATTESTATION_KINDS } from '../../domain/attestation.js';

const DAY = 86_400_000;

const PATCHED: Record<string, Record<string, unknown>> = {
  'm365.mfa.registration': { phishingResistant: 97, phishingResistantPct: 97, adminsPhishingResistant: 4, adminsPhishingResistantPct: 100 },
  'm365.mfa.enforcement': { adminsEnforced: true, phishingResistantAdmins: true },
  'm365.admins': { globalAdmins: 3, globalAdminsLicensed: 0, globalAdminsSynced: 0 },
  'rmm.patches': { pendingOver48hCritical: 0, pendingOver14d: 0, pendingOver30d: 0, serversPendingOver14d: 0, workstationsPendingOver30d: 0 },
};

/** Evidence the shared samples may lack (or hold at a weaker value): merged into theirs, added when absent. */
const EXTRA: Record<string, Record<string, unknown>> = {
  'm365.accounts.inactive': { members: 100, membersInactive90d: 2, membersInactivePct: 2, guests: 5, guestsInactive90d: 1, privileged: 4, privilegedInactive45d: 0 },
  'm365.pim.global_admins': { eligible: 3, permanent: 2, inUse: true },
  'backup.immutability': { repositories: 2, immutable: 2, pct: 100, minImmutableDays: 14 },
};

export function e8Strong(): Evidence[] {
  const patch = { ...PATCHED, ...EXTRA };
  const base = strongTenant().map((e) => (patch[e.key] ? { ...e, value: { ...e.value, ...patch[e.key] } } : e));
  const have = new Set(base.map((e) => e.key));
  return [...base, ...Object.entries(EXTRA).filter(([key]) => !have.has(key)).map(([key, value]) => ev(key, value))];
}

/** An `attestation.<kind>` evidence as the scan builds it: valid for `expiresInDays` after NOW. */
export function attested(kind: string, expiresInDays = 300, ageDays = 10): Evidence {
  return ev(`attestation.${kind}`, {
    attested: true,
    ageDays,
    expiresInDays,
    attestedAt: new Date(NOW.getTime() - ageDays * DAY).toISOString(),
    expiresAt: new Date(NOW.getTime() + expiresInDays * DAY).toISOString(),
    author: 'tech@msp',
  });
}

/** Every ML3 Essential Eight attestation (each covers its strategy's lower levels too). */
export function allMl3Attestations(): Evidence[] {
  return E8_ATTESTATION_KINDS.filter((k) => k.endsWith('_ml3')).map((k) => attested(k));
}

export function e8Bundle(evidence: Evidence[], sources = ['m365', 'rmm', 'backup']): EvidenceBundle {
  return { tenantId: 't1', sources, collectedAt: NOW.toISOString(), evidence };
}

/** Replaces (or with `null`, makes unavailable) one evidence value. */
export function patchEvidence(evidence: Evidence[], key: string, patch: Record<string, unknown> | null): Evidence[] {
  return evidence.map((e) =>
    e.key !== key ? e : patch === null ? { ...e, status: 'unavailable', value: null, reason: 'missing permission X', reasonCode: 'permission_missing' } : { ...e, value: { ...e.value, ...patch } },
  );
}
