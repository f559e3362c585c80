/**
 * Estate knobs per profile: RMM and backup data that make the default rules land on the profile's level for the
 * `endpoint` (patching, AV), `monitoring`, `automation` and `recovery` capabilities, with margins clear of every
 * threshold (dead band 2 points). Gates (rules/default.yaml): agent check-in 90/95 %; stale alerts ≤ 5 (L3), 0
 * (L4); patch compliance 80/95/98 %, oldest pending ≤ 60 d (L4), no critical pending past 48 h (L5); AV 90/98 %;
 * automated patching 90/98/99.5 %; backup success 90/95/98 %, server coverage 95 % (L3), oldest success ≤ 48 h (L4).
 *
 * level4 keeps one device with a critical patch pending past 48 h, so its potential is 4 even with RMM data;
 * level5 has none, so only history (90 days) stands between it and a confirmed 5. Vendors that cannot report
 * patch dates (Datto RMM) leave the L4/L5 patch-age gates unknown: confirmed endpoint level 3 there.
 */
import type { EstateKnobs } from './estate.js';
import type { ProfileName } from './profiles.js';

const BASE: EstateKnobs = {
  endpoints: 200,
  serverPct: 20,
  onlinePct: 100,
  patchCompliantPct: 100,
  patchAutomatedPct: 100,
  patchFailedDevices: 0,
  pendingCriticalDevices: 0,
  oldestPendingDays: 0,
  avProtectedPct: 100,
  openAlerts: 2,
  staleAlerts: 0,
  criticalAlerts: 0,
  backupCoveragePct: 100,
  backupSuccessPct: 100,
  oldestSuccessHours: 30,
};

export const ESTATE_PROFILES: Readonly<Record<ProfileName, EstateKnobs>> = {
  level1: {
    ...BASE,
    onlinePct: 60,
    patchCompliantPct: 45,
    patchAutomatedPct: 35,
    patchFailedDevices: 8,
    pendingCriticalDevices: 12,
    oldestPendingDays: 140,
    avProtectedPct: 70,
    openAlerts: 45,
    staleAlerts: 32,
    criticalAlerts: 9,
    backupCoveragePct: 50,
    backupSuccessPct: 60,
    oldestSuccessHours: 300,
  },
  level2: {
    ...BASE,
    onlinePct: 93,
    patchCompliantPct: 86,
    patchAutomatedPct: 93,
    patchFailedDevices: 4,
    pendingCriticalDevices: 6,
    oldestPendingDays: 90,
    avProtectedPct: 94,
    openAlerts: 20,
    staleAlerts: 12,
    criticalAlerts: 3,
    backupCoveragePct: 85,
    backupSuccessPct: 93,
    oldestSuccessHours: 96,
  },
  level3: {
    ...BASE,
    onlinePct: 97.5,
    patchCompliantPct: 96.5,
    patchAutomatedPct: 98.8,
    patchFailedDevices: 1,
    pendingCriticalDevices: 1,
    oldestPendingDays: 75,
    avProtectedPct: 99.5,
    openAlerts: 6,
    staleAlerts: 3,
    criticalAlerts: 1,
  },
  level4: {
    ...BASE,
    patchCompliantPct: 99.5,
    pendingCriticalDevices: 1,
    oldestPendingDays: 40,
    openAlerts: 3,
  },
  level5: {
    ...BASE,
  },
};
