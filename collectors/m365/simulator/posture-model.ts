/**
 * Simulated device posture, Defender alerts, Windows Update rings and SharePoint sharing, from the tenant's knobs
 * (profiles.ts). OS versions come from the same data file the collector judges them with
 * (rules/data/os-support.yaml), chosen relative to the model's clock, so a profile stays "current" or "unsupported"
 * as the calendar moves — as long as the data file is kept up to date.
 */
import { hash32, pick, unitFloat } from '../../../src/simulator/prng.js';
import { code, guid } from '../../../src/simulator/ids.js';
import { Permutation } from '../../../src/simulator/permutation.js';
import { judgeOs, loadOsSupport, type OsSupport } from '../os-support.js';
import type { TenantKnobs } from './profiles.js';

/**
 * The tenant facts posture data derives from. Structural rather than PostureTenant, so tenant-model.ts can build its
 * devices from this module without an import cycle.
 */
export interface PostureTenant {
  readonly tenantId: string;
  readonly domain: string;
  readonly seed: number;
  readonly knobs: TenantKnobs;
  readonly now: Date;
  readonly intune: boolean;
}

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;

interface Flags {
  encPerm: Permutation;
  unsupPerm: Permutation;
  encryptedCount: number;
  unsupportedCount: number;
}

const flagsCache = new WeakMap<PostureTenant, Flags>();

function flags(t: PostureTenant): Flags {
  let f = flagsCache.get(t);
  if (!f) {
    const n = t.knobs.devices;
    f = {
      encPerm: new Permutation(n, hash32(t.seed, 'encrypted')),
      unsupPerm: new Permutation(n, hash32(t.seed, 'unsupported-os')),
      encryptedCount: Math.round((t.knobs.encryptedPct / 100) * n),
      unsupportedCount: Math.round((t.knobs.unsupportedOsPct / 100) * n),
    };
    flagsCache.set(t, f);
  }
  return f;
}

export function deviceEncrypted(t: PostureTenant, index: number): boolean {
  const f = flags(t);
  return f.encPerm.forward(index) < f.encryptedCount;
}

export function deviceOnUnsupportedOs(t: PostureTenant, index: number): boolean {
  const f = flags(t);
  return f.unsupPerm.forward(index) < f.unsupportedCount;
}

let support: OsSupport | null = null;
function osSupport(): OsSupport {
  support ??= loadOsSupport();
  return support;
}

/** An osVersion for the platform that the data file judges supported (or not) at the model's clock. */
export function simulatedOsVersion(t: PostureTenant, operatingSystem: string, index: number): string {
  const want = deviceOnUnsupportedOs(t, index) ? 'unsupported' : 'supported';
  const { candidates, fitting } = osChoices(t, operatingSystem, want);
  // Newest first for supported devices (estates cluster on the current release); any for unsupported ones.
  if (fitting.length === 0) return candidates[0]!;
  if (want === 'supported') return unitFloat(t.seed, 'os-current', index) < 0.7 ? fitting[0]! : pick(fitting, t.seed, 'os-pick', index);
  return pick(fitting, t.seed, 'os-old', index);
}

/**
 * The candidate versions of a platform and those the data file judges `want` at the model's clock. They depend on
 * the tenant, platform, verdict and day only, so they are worked out once, not per device: judging every candidate
 * for each of 50,000 devices was a quarter of the simulator's time serving a 100k-user benchmark scan.
 */
const choicesCache = new WeakMap<PostureTenant, Map<string, { candidates: string[]; fitting: string[] }>>();

function osChoices(t: PostureTenant, operatingSystem: string, want: 'supported' | 'unsupported'): { candidates: string[]; fitting: string[] } {
  let perTenant = choicesCache.get(t);
  if (!perTenant) choicesCache.set(t, (perTenant = new Map()));
  const key = `${operatingSystem}|${want}|${Math.floor(t.now.getTime() / 86_400_000)}`;
  let hit = perTenant.get(key);
  if (!hit) {
    const data = osSupport();
    const candidates = osCandidates(data, t, operatingSystem);
    hit = { candidates, fitting: candidates.filter((v) => judgeOs(data, operatingSystem, v, t.now) === want) };
    perTenant.set(key, hit);
  }
  return hit;
}

function osCandidates(data: OsSupport, t: PostureTenant, operatingSystem: string): string[] {
  const candidates: string[] = [];
  if (operatingSystem === 'Windows') {
    for (const b of data.windows.builds) candidates.push(`10.0.${b.build}.${1000 + (hash32(t.seed, 'rev', b.build) % 4000)}`);
  } else if (operatingSystem === 'macOS') {
    for (const m of data.macOS.majors) candidates.push(`${m.major}.${1 + (hash32(t.seed, 'mac-minor', m.major) % 6)}.1`);
  } else if (operatingSystem === 'iOS') {
    const min = data.iOS.minimumMajor;
    candidates.push(`${min - 2}.7.10`, `${min - 1}.7.2`, `${min}.6.1`, `${min + 1}.1`);
  } else {
    const min = data.android.minimumMajor;
    candidates.push(String(min - 3), String(min - 1), String(min), String(min + 1), String(min + 2));
  }
  return candidates;
}

// ------------------------------------------------------------------------------------------------ Defender

/**
 * security/alerts_v2 rows: `staleHighAlerts` open high alerts older than a day, plus 30 days of history whose high
 * alerts were triaged within 24 h at `alertTriagePct`, and a few open medium/low alerts.
 */
export function defenderAlerts(t: PostureTenant): Record<string, unknown>[] {
  const k = t.knobs;
  const now = t.now.getTime();
  const rows: Record<string, unknown>[] = [];
  const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const alert = (i: number, severity: string, status: string, createdMs: number, updatedMs: number, resolvedMs: number | null, assigned: boolean) => {
    const id = `da${String(hash32(t.seed, 'alert', i)).padStart(18, '0')}_${hash32(t.seed, 'alert2', i)}`;
    rows.push({
      '@odata.type': '#microsoft.graph.security.alert',
      id,
      providerAlertId: id,
      incidentId: String(1000 + i),
      status,
      severity,
      classification: status === 'resolved' ? 'truePositive' : 'unknown',
      determination: status === 'resolved' ? 'malware' : 'unknown',
      serviceSource: 'microsoftDefenderForEndpoint',
      detectionSource: 'antivirus',
      tenantId: t.tenantId,
      title: pick(['Suspicious execution of hidden file', 'Ransomware behavior detected', 'Credential theft tool activity', 'Suspicious PowerShell command line'], t.seed, 'title', i),
      category: 'DefenseEvasion',
      assignedTo: assigned ? `secops@${t.domain}` : null,
      createdDateTime: iso(createdMs),
      lastUpdateDateTime: iso(updatedMs),
      resolvedDateTime: resolvedMs === null ? null : iso(resolvedMs),
      firstActivityDateTime: iso(createdMs - HOUR),
      lastActivityDateTime: iso(createdMs),
      alertWebUrl: `https://security.microsoft.com/alerts/${id}?tid=${t.tenantId}`,
      comments: [],
      evidence: [],
      systemTags: [],
    });
  };
  let i = 0;
  // The stale backlog: open, new, unassigned, 2–20 days old.
  for (let s = 0; s < k.staleHighAlerts; s++, i++) {
    const created = now - (2 + (hash32(t.seed, 'stale-alert', s) % 18)) * DAY;
    alert(i, 'high', 'new', created, created + 5 * 60_000, null, false);
  }
  // 30 days of resolved high alerts: triaged (resolved) within 24 h at alertTriagePct, else after 3 days.
  const history = 10;
  const onTime = Math.round((k.alertTriagePct / 100) * history);
  for (let h = 0; h < history; h++, i++) {
    const created = now - (4 + h * 2.5) * DAY;
    const resolved = h < onTime ? created + (2 + (hash32(t.seed, 'triage', h) % 18)) * HOUR : created + 3 * DAY;
    alert(i, 'high', 'resolved', created, resolved, resolved, true);
  }
  // A little open noise below high severity.
  for (let m = 0; m < 3; m++, i++) {
    const created = now - (1 + m) * DAY;
    alert(i, m === 0 ? 'medium' : 'low', 'inProgress', created, created + HOUR, null, true);
  }
  return rows;
}

// ------------------------------------------------------------------------------------------------ Intune rings

export function updateRings(t: PostureTenant): Record<string, unknown>[] {
  const names = ['Pilot', 'Broad', 'Critical servers', 'Executives'];
  const rows: Record<string, unknown>[] = [];
  for (let r = 0; r < t.knobs.updateRings; r++) {
    const created = new Date(t.now.getTime() - (200 + r * 30) * DAY).toISOString().replace(/\.\d{3}Z$/, 'Z');
    rows.push({
      '@odata.type': '#microsoft.graph.windowsUpdateForBusinessConfiguration',
      id: guid(t.seed, 'ring', r),
      lastModifiedDateTime: created,
      createdDateTime: created,
      description: `${names[r % names.length]} ring`,
      displayName: `WUfB - ${names[r % names.length]}`,
      version: 1 + r,
      automaticUpdateMode: 'autoInstallAtMaintenanceTime',
      microsoftUpdateServiceAllowed: true,
      driversExcluded: false,
      // The pilot ring takes updates at once; the others wait the profile's deferral.
      qualityUpdatesDeferralPeriodInDays: r === 0 ? 0 : t.knobs.qualityDeferralDays,
      featureUpdatesDeferralPeriodInDays: r === 0 ? 0 : 30,
      qualityUpdatesPaused: false,
      featureUpdatesPaused: false,
      businessReadyUpdatesOnly: 'all',
      deadlineForQualityUpdatesInDays: 3,
      deadlineForFeatureUpdatesInDays: 7,
      deadlineGracePeriodInDays: 2,
      assignments: [
        {
          id: `${guid(t.seed, 'ring', r)}_${code(6, t.seed, 'ring-asg', r)}`,
          target: { '@odata.type': '#microsoft.graph.groupAssignmentTarget', groupId: guid(t.seed, 'ring-group', r) },
        },
      ],
    });
  }
  return rows;
}

// ------------------------------------------------------------------------------------------------ SharePoint

export function sharepointSettings(t: PostureTenant): Record<string, unknown> {
  return {
    '@odata.type': '#microsoft.graph.sharepointSettings',
    allowedDomainGuidsForSyncApp: [],
    availableManagedPathsForSiteCreation: ['/sites/', '/teams/'],
    deletedUserPersonalSiteRetentionPeriodInDays: 30,
    excludedFileExtensionsForSyncApp: [],
    idleSessionSignOut: { isEnabled: false, warnAfterInSeconds: 0, signOutAfterInSeconds: 0 },
    imageTaggingOption: 'basic',
    isCommentingOnSitePagesEnabled: true,
    isFileActivityNotificationEnabled: true,
    isLegacyAuthProtocolsEnabled: t.knobs.sharingCapability === 'externalUserAndGuestSharing',
    isLoopEnabled: true,
    isMacSyncAppEnabled: true,
    isRequireAcceptingUserToMatchInvitedUserEnabled: true,
    isResharingByExternalUsersEnabled: t.knobs.sharingCapability === 'externalUserAndGuestSharing',
    isSharePointMobileNotificationEnabled: true,
    isSharePointNewsfeedEnabled: true,
    isSiteCreationEnabled: true,
    isSiteCreationUIEnabled: true,
    isSitePagesCreationEnabled: true,
    isSitesStorageLimitAutomatic: true,
    isSyncButtonHiddenOnPersonalSite: false,
    isUnmanagedSyncAppForTenantRestricted: false,
    personalSiteDefaultStorageLimitInMB: 1048576,
    sharingAllowedDomainList: [],
    sharingBlockedDomainList: [],
    sharingCapability: t.knobs.sharingCapability,
    sharingDomainRestrictionMode: 'none',
    siteCreationDefaultManagedPath: '/sites/',
    siteCreationDefaultStorageLimitInMB: 26214400,
    tenantDefaultTimezone: '(UTC) Coordinated Universal Time',
  };
}

/** Defender for Business / Endpoint come with Business Premium and E5; Business Standard has none. */
export function defenderProvisioned(t: PostureTenant): boolean {
  return t.knobs.licence !== 'none';
}

// ------------------------------------------------------------------------------------------------ truth

/** Ground truth of the posture keys in the evidence vocabulary, computed from the knobs (not by the collector). */
export interface PostureTruth {
  encryption: { devices: number; encrypted: number; pct: number | null };
  stale: { devices: number; stale30d: number; stalePct: number | null };
  osCurrency: { devices: number; supported: number; unsupported: number; pct: number | null; unsupportedPct: number | null; unknownBuild: number };
  defender: { open: number; highOpen: number; highOver24h: number; highTriaged24hPct: number | null } | null;
  updateRings: { rings: number; assigned: number; maxQualityDeferralDays: number | null } | null;
  sharepoint: { sharingCapability: string; anyoneLinks: boolean; externalSharing: boolean };
}

const pct1 = (n: number, d: number): number | null => (d === 0 ? null : Math.round((n / d) * 1000) / 10);

/** `isDesktop(i)` mirrors PostureTenant.device(): Windows below 0.65, macOS below 0.75 of unitFloat(seed, 'dev-os', i). */
export function postureTruth(t: PostureTenant, isStale: (index: number) => boolean): PostureTruth {
  const k = t.knobs;
  let desktops = 0;
  let encrypted = 0;
  let stale = 0;
  let unsupported = 0;
  for (let i = 0; i < k.devices; i++) {
    if (unitFloat(t.seed, 'dev-os', i) < 0.75) {
      desktops += 1;
      if (deviceEncrypted(t, i)) encrypted += 1;
    }
    if (isStale(i)) stale += 1;
    if (deviceOnUnsupportedOs(t, i)) unsupported += 1;
  }
  const history = 10;
  const onTime = Math.round((k.alertTriagePct / 100) * history);
  const rings = t.intune ? k.updateRings : null;
  return {
    encryption: { devices: desktops, encrypted, pct: pct1(encrypted, desktops) },
    stale: { devices: k.devices, stale30d: stale, stalePct: pct1(stale, k.devices) },
    osCurrency: {
      devices: k.devices,
      supported: k.devices - unsupported,
      unsupported,
      pct: pct1(k.devices - unsupported, k.devices),
      unsupportedPct: pct1(unsupported, k.devices),
      unknownBuild: 0,
    },
    defender: defenderProvisioned(t)
      ? { open: k.staleHighAlerts + 3, highOpen: k.staleHighAlerts, highOver24h: k.staleHighAlerts, highTriaged24hPct: pct1(onTime, history + k.staleHighAlerts) }
      : null,
    updateRings: rings === null ? null : { rings, assigned: rings, maxQualityDeferralDays: rings === 0 ? null : rings === 1 ? 0 : k.qualityDeferralDays },
    sharepoint: { sharingCapability: k.sharingCapability, anyoneLinks: k.sharingCapability === 'externalUserAndGuestSharing', externalSharing: k.sharingCapability !== 'disabled' },
  };
}
