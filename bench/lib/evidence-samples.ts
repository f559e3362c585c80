/**
 * Hand-built evidence samples (a strong tenant per source, attestations, weekly history) at a fixed clock: the rules
 * engine's unit tests score them, and `npm run bench` re-scores the heaviest bundle for throughput. Fixtures for
 * measuring and testing, not product data: nothing in src/ ships them.
 */
import { deriveRestoreTest } from '../../src/evidence/derive.js';
import type { Evidence, EvidenceBundle } from '../../src/domain/evidence.js';

export const NOW = new Date('2026-11-25T12:00:00Z');
const DAY = 86_400_000;

export function ev(key: string, value: Record<string, unknown> | null, status: Evidence['status'] = 'ok', reason: string | null = null, collectedAt = NOW.toISOString()): Evidence {
  return { key, status, value, reason, reasonCode: null, source: { collector: key.split('.')[0]!, endpoints: ['/x'], requests: 1 }, collectedAt };
}

export const ALL_SOURCES = ['m365', 'rmm', 'backup'];

export function bundle(evidence: Evidence[], sources = ['m365']): EvidenceBundle {
  return { tenantId: 't1', sources, collectedAt: NOW.toISOString(), evidence };
}

/** A tenant that passes every default identity and endpoint gate that m365 evidence can show. */
export function strongM365(): Evidence[] {
  return [
    ev('m365.mfa.registration', { eligible: 100, registered: 99, capable: 99, pct: 99, admins: 4, adminsRegistered: 4, adminPct: 100, unregistered: ['a@x'] }),
    ev('m365.mfa.enforcement', {
      mode: 'conditional_access',
      allUsers: true,
      adminsEnforced: true,
      policies: ['p1'],
      excludedPrincipals: 1,
      excludedUsers: 1,
      excludedGroups: 0,
      excludedRoles: 0,
      phishingResistantAdmins: true,
    }),
    ev('m365.legacy_auth', { blocked: true, policies: ['p2'], via: 'conditional_access' }),
    ev('m365.secure_score', { current: 70, max: 100, pct: 70, date: NOW.toISOString() }),
    ev('m365.admins', { globalAdmins: 3, globalAdminsWithoutMfa: 0 }),
    ev('m365.devices.compliance', { total: 100, compliant: 97, pct: 97, stale30d: 0 }),
    // m365-devices: device posture, Defender, update rings, SharePoint sharing, all at a strong level.
    ev('m365.devices.encryption', { devices: 80, encrypted: 80, pct: 100 }),
    ev('m365.devices.stale', { devices: 100, stale30d: 0, stalePct: 0 }),
    ev('m365.devices.os_currency', { devices: 100, supported: 100, unsupported: 0, pct: 100, unsupportedPct: 0, unknownBuild: 0 }),
    ev('m365.devices.update_rings', { rings: 2, assigned: 2, maxQualityDeferralDays: 3 }),
    ev('m365.defender.alerts', { open: 2, highOpen: 0, highOver24h: 0, oldestHighHours: 0, highTriaged24hPct: 100, highLast30d: 5, highTriaged24h: 5 }),
    ev('m365.sharepoint.sharing', { sharingCapability: 'externalUserSharingOnly', anyoneLinks: false, externalSharing: true }),
    // email-dns: two mail domains with SPF -all, both DKIM selectors and DMARC p=reject.
    ev('m365.email.spf', { domains: 2, withSpf: 2, strict: 2, unknown: 0, pct: 100, strictPct: 100 }),
    ev('m365.email.dkim', { domains: 2, signed: 2, unknown: 0, pct: 100 }),
    ev('m365.email.dmarc', { domains: 2, withDmarc: 2, enforced: 2, unknown: 0, pct: 100, enforcedPct: 100, weakestPolicy: 'reject' }),
    // m365-identity: identity breadth at a strong level (PIM in use, risk policies on, dormant accounts under 2 %).
    ev('m365.accounts.inactive', { members: 100, membersInactive90d: 1, membersInactivePct: 1, guests: 10, guestsInactive90d: 0, privileged: 4, privilegedInactive45d: 0 }),
    ev('m365.guest_access', { allowInvitesFrom: 'adminsAndGuestInviters', invitesRestricted: true, guestAccessRestricted: true }),
    ev('m365.user_consent', { userConsent: 'none', consentRestricted: true, usersCanRegisterApps: false }),
    ev('m365.auth_methods.policy', { smsEnabled: false, voiceEnabled: false, weakMethodsEnabled: false, numberMatching: true, tapEnabled: true, fido2Enabled: true }),
    ev('m365.sspr.registration', { eligible: 100, registered: 98, pct: 98 }),
    ev('m365.pim.global_admins', { eligible: 2, permanent: 1, inUse: true }),
    ev('m365.risk_policies', { signInRisk: true, userRisk: true, both: true }),
    ev('m365.password_expiry', { domains: 2, expiringDomains: 0, neverExpire: true }),
    ev('m365.licenses', { entraP1: true, entraP2: true, intune: true }),
  ];
}

/** RMM evidence of a well-run 100-device estate (every point-in-time gate of levels 2–5 passes). */
export function strongRmm(): Evidence[] {
  return [
    ev('rmm.devices', {
      total: 100,
      servers: 10,
      workstations: 90,
      online24h: 95,
      pct: 95,
      serversOnline24h: 10,
      workstationsOnline7d: 89,
      checkedIn: 99,
      checkedInPct: 99,
      serverNames: Array.from({ length: 10 }, (_, i) => `SRV${i}`),
    }),
    ev('rmm.patches', {
      devices: 100,
      compliant: 99,
      pct: 99,
      pendingCritical: 0,
      failed: 0,
      oldestPendingDays: 20,
      automated: 100,
      automatedPct: 100,
      criticalOverdueDevices: 1,
      criticalCompliantPct: 99,
    }),
    ev('rmm.alerts', {
      open: 3,
      critical: 0,
      oldestOpenHours: 5,
      staleOver24h: 0,
      devices: 100,
      high: 0,
      highOver24h: 0,
      highOver7d: 0,
      staleOver7d: 0,
      highOver24hPer100: 0,
      highOver7dPer100: 0,
      staleOver24hPer100: 0,
      ackWithin24hPct: null,
      notApplicable: { ackWithin24hPct: "the RMM's API reports no acknowledgement time" },
    }),
    ev('rmm.antivirus', { devices: 100, protected: 100, pct: 100 }),
  ];
}

export function strongBackup(): Evidence[] {
  return [
    ev('backup.protection', {
      protected: 12,
      succeeded24h: 12,
      pct: 100,
      oldestSuccessHours: 20,
      neverSucceeded: 0,
      fresh72h: 12,
      freshPct: 100,
      staleOver72h: 0,
      successRate30d: 99.5,
      runs30d: 360,
      failing: [],
      objectNames: Array.from({ length: 10 }, (_, i) => `srv${i}`),
    }),
    ev('backup.coverage', { servers: 10, covered: 10, pct: 100, uncovered: [] }),
    // Veeam-style: the jobs write to a hardened repository (30 d) and VBR's default one.
    ev('backup.immutability', { repositories: 2, immutable: 1, pct: 50, minImmutableDays: 30 }),
  ];
}

function attestation(kind: string, ageDays: number, expiresInDays = 365 - ageDays): Evidence {
  const at = new Date(NOW.getTime() - ageDays * DAY).toISOString();
  return ev(`attestation.${kind}`, { attested: true, ageDays, expiresInDays, attestedAt: at, expiresAt: new Date(NOW.getTime() + expiresInDays * DAY).toISOString(), author: 'tech@msp' });
}

/**
 * The attestations levels 3 and 5 ask for: a restore test 30 days ago, a DR plan, a strategy review — and the
 * `recovery.restore_test` the scan derives from the restore test (with no backup product verification here).
 */
export function strongAttestations(): Evidence[] {
  const attested = [attestation('restore_test', 30, 60), attestation('dr_plan', 100), attestation('strategy_review', 60)];
  return [...attested, deriveRestoreTest(attested, NOW)];
}

/**
 * `history.scans` of past complete scans every `everyDays` over `days`, each at the snapshot level `level(daysAgo)`
 * for every capability (score at the bottom of that level's band).
 */
export function historyScans(days: number, level: (daysAgo: number) => number, everyDays = 7, now = NOW): Evidence {
  const caps = ['identity', 'endpoint', 'recovery', 'monitoring', 'automation', 'governance'];
  const scans = [];
  for (let d = everyDays; d <= days; d += everyDays) {
    const l = level(d);
    scans.push({
      at: new Date(now.getTime() - d * DAY).toISOString(),
      levels: Object.fromEntries(caps.map((c) => [c, l])),
      scores: Object.fromEntries(caps.map((c) => [c, l >= 5 ? 100 : 25 * (l - 1)])),
    });
  }
  return ev('history.scans', { scans });
}

/** Every source connected, every point-in-time gate passing, the attestations recorded; no history yet. */
export function strongTenant(): Evidence[] {
  return [...strongM365(), ...strongRmm(), ...strongBackup(), ...strongAttestations()];
}
