/**
 * The evidence catalog (DESIGN §6): every key a rule may read, the source section that produces it, which fields
 * are measurable, and how long a value stays fresh. Rules are validated against this at load time.
 * Freshness limits follow reference/maturity-gates.md §5 (Entra config 48 h, registration report 7 d, device and
 * patch state 14 d, backup results 48 h, Secure Score 7 d).
 */
import { E8_ATTESTATION_KINDS } from '../domain/attestation.js';

export type SourceSection = 'm365' | 'rmm' | 'backup' | 'history' | 'attestation';

export interface CatalogEntry {
  key: string;
  source: SourceSection;
  description: string;
  /** Fields a rule may use as `measure`, with their type. */
  fields: Record<string, 'number' | 'boolean' | 'string'>;
  maxAgeHours: number;
}

const H = 1;
const D = 24;

/**
 * `attestation.<kind>`: governance evidence a technician records in the web UI (DESIGN §7). The scan turns the
 * tenant's newest valid attestation of each kind into evidence; an expired one is `unavailable` (stale) and none
 * recorded is `unavailable` (not_configured), so their findings are unknown, never fail. Like `history`, this source
 * exists for every tenant (never not_applicable). Kept in step with ATTESTATION_KINDS in src/domain/attestation.ts.
 */
const GOVERNANCE_EVIDENCE_KINDS = ['documented_policies', 'dr_plan', 'restore_test', 'strategy_review', 'incident_response_plan', 'it_owner'] as const;
// Essential Eight attestations (e8_<strategy>_ml<n>) are read by the framework evaluator (src/frameworks), not by rules;
// the scan emits their evidence only for kinds a technician has recorded (src/scan/attestation-evidence.ts).
export const ATTESTATION_EVIDENCE_KINDS = [...GOVERNANCE_EVIDENCE_KINDS, ...E8_ATTESTATION_KINDS] as const;

const ATTESTATION_DESCRIPTIONS: Record<(typeof GOVERNANCE_EVIDENCE_KINDS)[number], string> = {
  documented_policies: 'Written IT policies (patching, backup, access) attested by a technician',
  dr_plan: 'A disaster recovery plan with RPO/RTO attested by a technician',
  restore_test: 'A restore test (or DR exercise) performed, attested by a technician with its date',
  strategy_review: 'An IT strategy / roadmap review held with the client, attested by a technician',
  incident_response_plan: 'An incident response plan attested by a technician',
  it_owner: 'A named IT owner (and deputy) on the client side, attested by a technician',
};

function attestationEntries(): CatalogEntry[] {
  return ATTESTATION_EVIDENCE_KINDS.map((kind) => ({
    key: `attestation.${kind}`,
    source: 'attestation' as const,
    description:
      (ATTESTATION_DESCRIPTIONS as Record<string, string>)[kind] ??
      `Essential Eight: ${kind.replace(/^e8_/, '').replace(/_ml(\d)$/, ' at maturity level $1')} verified by a technician where evidence cannot show it`,
    fields: { attested: 'boolean', ageDays: 'number', expiresInDays: 'number' },
    // The attestation's own expiry decides validity; this only covers replaying an old bundle.
    maxAgeHours: 48 * H,
  }));
}

/**
 * `history.<capability>`: derived by the engine from `history.scans` plus the scan being scored (src/engine/history.ts):
 * how long the capability's point-in-time level has held. Unknown with the reason while history is too short or sparse.
 */
function historyEntries(): CatalogEntry[] {
  return ['identity', 'endpoint', 'recovery', 'monitoring', 'automation', 'governance'].map((cap) => ({
    key: `history.${cap}`,
    source: 'history' as const,
    description: `How long the ${cap} capability's point-in-time level has held (≥ weekly complete scans)`,
    fields: {
      days: 'number',
      scans: 'number',
      heldL3Pct90d: 'number',
      scans90d: 'number',
      heldL4Pct180d: 'number',
      scans180d: 'number',
      trend180d: 'number',
    },
    maxAgeHours: 48 * H,
  }));
}

export const EVIDENCE_CATALOG: readonly CatalogEntry[] = [
  {
    key: 'm365.mfa.registration',
    source: 'm365',
    description: 'MFA registration of enabled member accounts (guests and disabled accounts excluded)',
    fields: {
      eligible: 'number',
      registered: 'number',
      pct: 'number',
      admins: 'number',
      adminsRegistered: 'number',
      adminPct: 'number',
      // Phishing-resistant methods registered (FIDO2 / passkey, Windows Hello for Business, certificate-based).
      phishingResistant: 'number',
      phishingResistantPct: 'number',
      adminsPhishingResistant: 'number',
      adminsPhishingResistantPct: 'number',
    },
    maxAgeHours: 7 * D,
  },
  {
    key: 'm365.mfa.enforcement',
    source: 'm365',
    description: 'How MFA is enforced: Conditional Access, security defaults, or not at all',
    fields: {
      mode: 'string',
      allUsers: 'boolean',
      excludedPrincipals: 'number',
      excludedUsers: 'number',
      excludedGroups: 'number',
      excludedRoles: 'number',
      phishingResistantAdmins: 'boolean',
      adminsEnforced: 'boolean',
    },
    maxAgeHours: 48 * H,
  },
  {
    key: 'm365.legacy_auth',
    source: 'm365',
    description: 'Legacy authentication blocked for all users by an enabled Conditional Access policy (or security defaults)',
    fields: { blocked: 'boolean', excludedPrincipals: 'number' },
    maxAgeHours: 48 * H,
  },
  {
    key: 'm365.secure_score',
    source: 'm365',
    description: 'Microsoft Secure Score, newest daily snapshot',
    fields: { current: 'number', max: 'number', pct: 'number' },
    maxAgeHours: 7 * D,
  },
  {
    key: 'm365.admins',
    source: 'm365',
    description: 'Global Administrator role holders and those without MFA registered',
    fields: {
      globalAdmins: 'number',
      globalAdminsWithoutMfa: 'number',
      // Dedicated privileged accounts (ISM-0445, CIS 1.1.1/1.1.4): a licensed admin account usually holds a mailbox.
      globalAdminsLicensed: 'number',
      globalAdminsSynced: 'number',
    },
    maxAgeHours: 48 * H,
  },
  {
    key: 'm365.devices.compliance',
    source: 'm365',
    description: 'Intune managed devices and their compliance state',
    fields: { total: 'number', compliant: 'number', pct: 'number', stale30d: 'number' },
    maxAgeHours: 14 * D,
  },
  {
    key: 'm365.licenses',
    source: 'm365',
    description: 'Licences that decide which evidence can exist (Entra ID P1/P2, Intune)',
    fields: { entraP1: 'boolean', entraP2: 'boolean', intune: 'boolean' },
    maxAgeHours: 7 * D,
  },
  // ── Breadth (issue 17) and issue 16 item 4: documented Graph APIs, each degrading to unknown with the exact
  // permission or licence to grant. The collector README names the endpoint, permission and licence of each.
  {
    key: 'm365.accounts.inactive',
    source: 'm365',
    description: 'Enabled members and guests with no sign-in for 90 days, and privileged accounts idle 45 days (signInActivity, Entra ID P1)',
    fields: {
      members: 'number',
      membersInactive90d: 'number',
      membersInactivePct: 'number',
      guests: 'number',
      guestsInactive90d: 'number',
      privileged: 'number',
      privilegedInactive45d: 'number',
    },
    maxAgeHours: 48 * H,
  },
  {
    key: 'm365.guest_access',
    source: 'm365',
    description: 'Who may invite guests and what guests may see (authorizationPolicy allowInvitesFrom, guestUserRoleId)',
    fields: { allowInvitesFrom: 'string', invitesRestricted: 'boolean', guestAccessRestricted: 'boolean' },
    maxAgeHours: 48 * H,
  },
  {
    key: 'm365.user_consent',
    source: 'm365',
    description: 'Whether users may consent to applications themselves (authorizationPolicy defaultUserRolePermissions.permissionGrantPoliciesAssigned; an absent list is unknown)',
    fields: { userConsent: 'string', consentRestricted: 'boolean', usersCanRegisterApps: 'boolean' },
    maxAgeHours: 48 * H,
  },
  {
    key: 'm365.auth_methods.policy',
    source: 'm365',
    description: 'Authentication methods policy: SMS/voice still allowed, Authenticator number matching, Temporary Access Pass, FIDO2/passkeys',
    fields: {
      smsEnabled: 'boolean',
      voiceEnabled: 'boolean',
      weakMethodsEnabled: 'boolean',
      numberMatching: 'boolean',
      tapEnabled: 'boolean',
      fido2Enabled: 'boolean',
    },
    maxAgeHours: 48 * H,
  },
  {
    key: 'm365.sspr.registration',
    source: 'm365',
    description: 'Self-service password reset registration of enabled members (userRegistrationDetails isSsprRegistered, Entra ID P1)',
    fields: { eligible: 'number', registered: 'number', pct: 'number' },
    maxAgeHours: 7 * D,
  },
  {
    key: 'm365.pim.global_admins',
    source: 'm365',
    description: 'Privileged Identity Management for Global Administrators: eligible (just-in-time) vs permanent active assignments (Entra ID P2)',
    fields: { eligible: 'number', permanent: 'number', inUse: 'boolean' },
    maxAgeHours: 48 * H,
  },
  {
    key: 'm365.risk_policies',
    source: 'm365',
    description: 'Risk-based Conditional Access: enabled policies acting on sign-in risk and on user risk (Entra ID P2)',
    fields: { signInRisk: 'boolean', userRisk: 'boolean', both: 'boolean' },
    maxAgeHours: 48 * H,
  },
  {
    key: 'm365.password_expiry',
    source: 'm365',
    description: 'Password expiry on verified domains (domains passwordValidityPeriodInDays; never-expire is the current guidance; an unset period is unknown)',
    fields: { domains: 'number', expiringDomains: 'number', neverExpire: 'boolean' },
    maxAgeHours: 7 * D,
  },
  {
    key: 'm365.sharepoint.sharing',
    source: 'm365',
    description: 'SharePoint and OneDrive external sharing level (admin/sharepoint/settings sharingCapability)',
    fields: { sharingCapability: 'string', anyoneLinks: 'boolean', externalSharing: 'boolean' },
    maxAgeHours: 48 * H,
  },
  {
    key: 'm365.devices.encryption',
    source: 'm365',
    description: 'Intune managed Windows and macOS devices with disk encryption on (managedDevices isEncrypted: BitLocker/FileVault)',
    fields: { devices: 'number', encrypted: 'number', pct: 'number' },
    maxAgeHours: 14 * D,
  },
  {
    key: 'm365.devices.stale',
    source: 'm365',
    description: 'Intune managed devices that have not synced for 30 days (managedDevices lastSyncDateTime)',
    fields: { devices: 'number', stale30d: 'number', stalePct: 'number' },
    maxAgeHours: 14 * D,
  },
  {
    key: 'm365.devices.update_rings',
    source: 'm365',
    description: 'Windows Update for Business rings in Intune: rings assigned, and the longest quality-update deferral',
    fields: { rings: 'number', assigned: 'number', maxQualityDeferralDays: 'number' },
    maxAgeHours: 48 * H,
  },
  {
    key: 'm365.devices.os_currency',
    source: 'm365',
    description: 'Intune managed devices on an operating-system build still supported by its vendor (osVersion vs rules/data/os-support.yaml)',
    // unsupportedPct: the ISM-1501 gate (≤ 2 %) reads the unsupported share of known builds.
    fields: { devices: 'number', supported: 'number', unsupported: 'number', pct: 'number', unknownBuild: 'number', unsupportedPct: 'number' },
    maxAgeHours: 14 * D,
  },
  {
    key: 'm365.defender.alerts',
    source: 'm365',
    description: 'Microsoft Defender alerts (security/alerts_v2): open high-severity alerts and their age',
    fields: { open: 'number', highOpen: 'number', highOver24h: 'number', oldestHighHours: 'number', highTriaged24hPct: 'number' },
    maxAgeHours: 48 * H,
  },
  {
    key: 'm365.email.spf',
    source: 'm365',
    description: 'SPF records of the verified mail domains, read through DNS (hard fail -all, or soft ~all)',
    // strictPct (share ending in -all) and unknown (domains DNS did not answer for).
    fields: { domains: 'number', withSpf: 'number', strict: 'number', pct: 'number', strictPct: 'number', unknown: 'number' },
    maxAgeHours: 48 * H,
  },
  {
    key: 'm365.email.dkim',
    source: 'm365',
    description: 'DKIM for the verified mail domains: Microsoft 365 selector1/selector2._domainkey records published in DNS',
    fields: { domains: 'number', signed: 'number', pct: 'number', unknown: 'number' },
    maxAgeHours: 48 * H,
  },
  {
    key: 'm365.email.dmarc',
    source: 'm365',
    description: 'DMARC policy of the verified mail domains (_dmarc TXT): none, quarantine or reject',
    // enforcedPct (share at quarantine/reject with pct=100) and unknown (domains DNS did not answer for).
    fields: { domains: 'number', withDmarc: 'number', enforced: 'number', pct: 'number', weakestPolicy: 'string', enforcedPct: 'number', unknown: 'number' },
    maxAgeHours: 48 * H,
  },
  {
    key: 'backup.immutability',
    source: 'backup',
    description: 'Backup repositories whose restore points cannot be changed or deleted during retention (Veeam hardened/immutable repositories, Acronis immutable storage)',
    fields: { repositories: 'number', immutable: 'number', pct: 'number', minImmutableDays: 'number' },
    maxAgeHours: 48 * H,
  },
  {
    key: 'rmm.devices',
    source: 'rmm',
    description: 'RMM inventory and agent check-in',
    fields: {
      total: 'number',
      servers: 'number',
      workstations: 'number',
      online24h: 'number',
      pct: 'number',
      serversOnline24h: 'number',
      workstationsOnline7d: 'number',
      checkedIn: 'number',
      checkedInPct: 'number',
    },
    maxAgeHours: 14 * D,
  },
  {
    key: 'rmm.patches',
    source: 'rmm',
    description: 'OS patch compliance from the RMM',
    fields: {
      devices: 'number',
      compliant: 'number',
      pct: 'number',
      pendingCritical: 'number',
      failed: 'number',
      oldestPendingDays: 'number',
      automated: 'number',
      automatedPct: 'number',
      criticalOverdueDevices: 'number',
      criticalCompliantPct: 'number',
      // Essential Eight patch windows: devices with an OS patch pending longer than the window (RMMs with patch dates).
      pendingOver48hCritical: 'number',
      pendingOver14d: 'number',
      pendingOver30d: 'number',
      serversPendingOver14d: 'number',
      workstationsPendingOver30d: 'number',
    },
    maxAgeHours: 14 * D,
  },
  {
    key: 'rmm.alerts',
    source: 'rmm',
    description: 'Open RMM alerts and their age',
    fields: {
      open: 'number',
      critical: 'number',
      oldestOpenHours: 'number',
      staleOver24h: 'number',
      devices: 'number',
      high: 'number',
      highOver24h: 'number',
      highOver7d: 'number',
      staleOver7d: 'number',
      highOver24hPer100: 'number',
      highOver7dPer100: 'number',
      staleOver24hPer100: 'number',
      ackWithin24hPct: 'number',
    },
    maxAgeHours: 48 * H,
  },
  {
    key: 'rmm.antivirus',
    source: 'rmm',
    description: 'Antivirus real-time protection reported by the RMM',
    fields: { devices: 'number', protected: 'number', pct: 'number' },
    maxAgeHours: 14 * D,
  },
  {
    key: 'backup.protection',
    source: 'backup',
    description: 'Backup jobs/objects with a recent successful restore point',
    fields: {
      protected: 'number',
      succeeded24h: 'number',
      pct: 'number',
      oldestSuccessHours: 'number',
      neverSucceeded: 'number',
      fresh72h: 'number',
      freshPct: 'number',
      staleOver72h: 'number',
      successRate30d: 'number',
      runs30d: 'number',
    },
    maxAgeHours: 48 * H,
  },
  {
    key: 'backup.coverage',
    source: 'backup',
    description: 'RMM servers matched to backup objects by normalised host name',
    fields: { servers: 'number', covered: 'number', pct: 'number' },
    maxAgeHours: 48 * H,
  },
  {
    key: 'backup.verification',
    source: 'backup',
    description: "The backup product's automated recovery verification (Veeam SureBackup): newest verified run and 90-day counts",
    fields: { verifiedDaysAgo: 'number', verifications90d: 'number', failed90d: 'number' },
    maxAgeHours: 48 * H,
  },
  {
    key: 'history.stability',
    source: 'history',
    description: 'How long the tenant has held its level without a confirmed regression (derived from stored scans)',
    fields: { days: 'number', scans: 'number', regressionFreeDays: 'number' },
    maxAgeHours: 48 * H,
  },
  {
    key: 'recovery.restore_test',
    // Combines an attestation (every tenant has that source) with the backup product's verification: never
    // not_applicable for want of a source, at most unknown.
    source: 'attestation',
    description: 'Newest proof that backups restore: a restore-test attestation or the backup product\'s automated verification (derived)',
    fields: { ageDays: 'number', via: 'string' },
    maxAgeHours: 48 * H,
  },
  {
    key: 'history.scans',
    source: 'history',
    description: 'Past complete scans of the tenant: time and point-in-time level and score per capability (input of history.<capability>)',
    fields: {},
    maxAgeHours: 48 * H,
  },
  ...historyEntries(),
  ...attestationEntries(),
];

const BY_KEY = new Map(EVIDENCE_CATALOG.map((e) => [e.key, e]));

export function catalogEntry(key: string): CatalogEntry | undefined {
  return BY_KEY.get(key);
}
