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
