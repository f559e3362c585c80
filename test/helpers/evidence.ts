import type { Evidence, EvidenceBundle } from '../../src/evidence/types.js';

export const NOW = new Date('2026-11-25T12:00:00Z');

export function ev(key: string, value: Record<string, unknown> | null, status: Evidence['status'] = 'ok', reason: string | null = null, collectedAt = NOW.toISOString()): Evidence {
  return { key, status, value, reason, reasonCode: null, source: { collector: key.split('.')[0]!, endpoints: ['/x'], requests: 1 }, collectedAt };
}

export function bundle(evidence: Evidence[], sources = ['m365']): EvidenceBundle {
  return { tenantId: 't1', sources, collectedAt: NOW.toISOString(), evidence };
}

/** A tenant that passes every default identity and endpoint gate that m365 evidence can show. */
export function strongM365(): Evidence[] {
  return [
    ev('m365.mfa.registration', { eligible: 100, registered: 99, capable: 99, pct: 99, admins: 4, adminsRegistered: 4, adminPct: 100, unregistered: ['a@x'] }),
    ev('m365.mfa.enforcement', { mode: 'conditional_access', allUsers: true, adminsEnforced: true, policies: ['p1'], excludedPrincipals: 1, phishingResistantAdmins: true }),
    ev('m365.legacy_auth', { blocked: true, policies: ['p2'], via: 'conditional_access' }),
    ev('m365.secure_score', { current: 70, max: 100, pct: 70, date: NOW.toISOString() }),
    ev('m365.admins', { globalAdmins: 3, globalAdminsWithoutMfa: 0 }),
    ev('m365.devices.compliance', { total: 100, compliant: 97, pct: 97, stale30d: 0 }),
    ev('m365.licenses', { entraP1: true, entraP2: true, intune: true }),
  ];
}
