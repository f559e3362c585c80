/**
 * Estate knobs per profile: RMM and backup data that make the default rules land on the profile's level for the
 * `endpoint` (patching, AV), `monitoring`, `automation` and `recovery` capabilities, with margins clear of every
 * threshold (dead band 2 points). Gates (rules/default.yaml): agent check-in 90/95 %; stale alerts ≤ 5 (L3), 0
 * (L4); patch compliance 80/95/98 %, oldest pending ≤ 60 d (L4), no critical pending past 48 h (L5); AV 90/98 %;
 * automated patching 90/98/99.5 %; backup success 90/95/98 %, server coverage 95 % (L3), oldest success ≤ 48 h (L4).
 * Backup service level: freshPct (newest success within 72 h) is 100 from level3 up, and the 30-day run success
 * share is ≥ 99 at level4/level5 (99.5 and 100); level1/level2 are poor on both (stale workloads, 70/92 % runs).
 * No profile has never-backed-up workloads (`backupNeverSucceeded`): tests set it explicitly. Automated recovery
 * verification (`backupVerifiedDaysAgo`): level3/4/5 verified 24/12/7 days ago, level1/level2 never. Immutable
 * backup storage (`backupImmutableDays`, gates at recovery L3 "an immutable copy" and L4 "≥ 14 days"): level1/level2
 * none, level3 a hardened repository of 7 days, level4/level5 21/30 days.
 *
 * RMM service levels: level4/level5 have every device checked in (servers within 24 h, workstations within 7 days),
 * no high-severity alert older than 24 h and no stale alert; level5 has criticalCompliantPct 100 although a few
 * devices wait on an IMPORTANT security update for days (`securityPendingDevices`: not critical). level1/level2
 * have workstations silent for over 7 days, high alerts open for over 7 days and critical patches overdue.
 *
 * level4 keeps one device with a critical patch pending past 48 h (criticalCompliantPct 99.5), so its potential is
 * 4 even with RMM data;
 * level5 has none, so only history (90 days) stands between it and a confirmed 5. Vendors that cannot report
 * patch dates leave the L4/L5 patch-age gates unknown: confirmed endpoint level 3 there.
 */
import type { EstateKnobs } from './estate.js';
import type { ProfileName } from './levels.js';

const BASE: EstateKnobs = {
  endpoints: 200,
  serverPct: 20,
  onlinePct: 100,
  offlineOver7dPct: 0,
  patchCompliantPct: 100,
  patchAutomatedPct: 100,
  patchFailedDevices: 0,
  pendingCriticalDevices: 0,
  securityPendingDevices: 0,
  oldestPendingDays: 0,
  avProtectedPct: 100,
  openAlerts: 2,
  staleAlerts: 0,
  criticalAlerts: 0,
  alertsOver7d: 0,
  backupCoveragePct: 100,
  backupSuccessPct: 100,
  oldestSuccessHours: 30,
  backupNeverSucceeded: 0,
  backupRunSuccessPct: 100,
  backupVerifiedDaysAgo: null,
};

export const ESTATE_PROFILES: Readonly<Record<ProfileName, EstateKnobs>> = {
  level1: {
    ...BASE,
    onlinePct: 60,
    offlineOver7dPct: 25,
    patchCompliantPct: 45,
    patchAutomatedPct: 35,
    patchFailedDevices: 8,
    pendingCriticalDevices: 12,
    oldestPendingDays: 140,
    avProtectedPct: 70,
    openAlerts: 45,
    staleAlerts: 32,
    criticalAlerts: 9,
    alertsOver7d: 20,
    backupCoveragePct: 50,
    backupSuccessPct: 60,
    oldestSuccessHours: 300,
    backupRunSuccessPct: 70,
  },
  level2: {
    ...BASE,
    onlinePct: 93,
    offlineOver7dPct: 4,
    patchCompliantPct: 86,
    patchAutomatedPct: 93,
    patchFailedDevices: 4,
    pendingCriticalDevices: 6,
    oldestPendingDays: 90,
    avProtectedPct: 94,
    openAlerts: 20,
    staleAlerts: 12,
    criticalAlerts: 3,
    alertsOver7d: 6,
    backupCoveragePct: 85,
    backupSuccessPct: 93,
    oldestSuccessHours: 96,
    backupRunSuccessPct: 92,
  },
  level3: {
    ...BASE,
    onlinePct: 97.5,
    offlineOver7dPct: 1,
    patchCompliantPct: 96.5,
    patchAutomatedPct: 98.8,
    patchFailedDevices: 1,
    pendingCriticalDevices: 1,
    oldestPendingDays: 75,
    avProtectedPct: 99.5,
    openAlerts: 6,
    staleAlerts: 3,
    criticalAlerts: 1,
    alertsOver7d: 1,
    securityPendingDevices: 3,
    backupVerifiedDaysAgo: 24,
    backupImmutableDays: 7,
  },
  level4: {
    ...BASE,
    patchCompliantPct: 99.5,
    pendingCriticalDevices: 1,
    securityPendingDevices: 3,
    oldestPendingDays: 40,
    openAlerts: 3,
    backupRunSuccessPct: 99.5,
    backupVerifiedDaysAgo: 12,
    backupImmutableDays: 21,
  },
  level5: {
    ...BASE,
    // Days-old IMPORTANT security updates: not critical, so they must not hold level 5 back.
    securityPendingDevices: 4,
    backupVerifiedDaysAgo: 7,
    backupImmutableDays: 30,
  },
};
