/**
 * `m365.mfa.registration`: how many enabled member accounts have registered a strong method.
 *
 * Primary source: the registration report (/reports/authenticationMethods/userRegistrationDetails), aggregated
 * while paging (counters + a capped list of offenders: memory does not grow with the tenant). The report has no
 * accountEnabled, so disabled accounts are excluded with the id list read once from /users.
 *
 * Licence fallback: the report needs Entra ID P1/P2 and answers 403 Authentication_RequestFromNonPremiumTenantOrB2CTenant
 * otherwise. Small tenants without P1 are exactly the ones an MSP needs to see, so we then page /users and read
 * /users/{id}/authentication/methods 20 users per $batch. Microsoft advises against walking the whole population
 * with that API; it is the only licence-free source, and we only use it when the report is refused.
 */
import type { Logger } from 'pino';
import { CappedCollector, pct } from '../../src/domain/evidence.js';
import type { ResolvedCloud } from './clouds.js';
import { ENDPOINTS, QUERIES } from './endpoints.js';
import type { Failure } from '../../src/collector-kit/failure.js';
import { GraphFailure, classify, isNonPremium, type ClassifyOptions } from './errors.js';
import { RequestCounter, RequestTag } from './graph.js';
import type { LicenseValue } from './licenses.js';
import { Provenance, type Outcome } from './evidence.js';
import { iteratePages, parseWith, runBatches, type GraphContext } from './requests.js';
import { authenticationMethodsPage, directoryUser, userRegistrationDetails } from './schema.js';

export type MeasuredBy = 'registration_report' | 'per_user_methods';

export interface RegistrationValue extends Record<string, unknown> {
  eligible: number;
  registered: number;
  /** isMfaCapable (registered and allowed by policy); null when measured per user (no such signal). */
  capable: number | null;
  pct: number | null;
  admins: number;
  adminsRegistered: number;
  adminPct: number | null;
  unregistered: string[];
  unregisteredTotal: number;
  measuredBy: MeasuredBy;
  /** What "admin" means: any directory role (report isAdmin) or, per user, Global Administrators only. */
  adminScope: 'any_admin_role' | 'global_admins';
  /** Why the per-user fallback was used; null for the report. */
  fallbackReason: string | null;
  /** Eligible accounts with a phishing-resistant method (FIDO2/passkey, Windows Hello for Business, certificate). */
  phishingResistant: number;
  phishingResistantPct: number | null;
  adminsPhishingResistant: number;
  adminsPhishingResistantPct: number | null;
}

/**
 * userRegistrationDetails methodsRegistered values that resist phishing: passkeys (device-bound, in Authenticator,
 * Windows Hello), FIDO2 security keys, Windows Hello for Business, the macOS platform credential and certificates.
 * Values from the documented enum; `fido2` is accepted too (older rows).
 */
const PHISHING_RESISTANT_REPORT_METHODS = new Set(
  ['fido2', 'fido2SecurityKey', 'passKeyDeviceBound', 'passKeyDeviceBoundAuthenticator', 'passKeyDeviceBoundWindowsHello', 'windowsHelloForBusiness', 'macOsSecureEnclaveKey'].map((m) =>
    m.toLowerCase(),
  ),
);

export function isPhishingResistantReportMethod(method: string): boolean {
  const m = method.toLowerCase();
  return PHISHING_RESISTANT_REPORT_METHODS.has(m) || m.startsWith('x509certificate');
}

/** The same per user (GET /users/{id}/authentication/methods @odata.type). */
const PHISHING_RESISTANT_METHOD_TYPES = new Set([
  'fido2AuthenticationMethod',
  'windowsHelloForBusinessAuthenticationMethod',
  'x509CertificateAuthenticationMethod',
  'platformCredentialAuthenticationMethod',
]);

export function isPhishingResistantMethodType(odataType: string): boolean {
  return PHISHING_RESISTANT_METHOD_TYPES.has(odataType.replace(/^#?microsoft\.graph\./, ''));
}

/** `m365.sspr.registration`: report mode only (isSsprRegistered), the same enabled-member scope as MFA. */
export interface SsprValue extends Record<string, unknown> {
  eligible: number;
  registered: number;
  pct: number | null;
}

/** Who the report saw, for `m365.accounts.inactive` denominators (report mode only). */
export interface RegistrationPopulation {
  members: number;
  guests: number;
  privilegedIds: ReadonlySet<string>;
}

/** Method types that are not a second factor. A Temporary Access Pass is a bootstrap credential, not MFA. */
const NOT_MFA_METHODS = new Set(['passwordAuthenticationMethod', 'emailAuthenticationMethod', 'temporaryAccessPassAuthenticationMethod']);

export function isStrongMethod(odataType: string): boolean {
  const name = odataType.replace(/^#?microsoft\.graph\./, '');
  return !NOT_MFA_METHODS.has(name);
}

function isGuest(userType: string | null | undefined): boolean {
  return (userType ?? '').toLowerCase() === 'guest';
}

/** Aggregates registration while paging; the same tally serves the report and the per-user fallback. */
export class RegistrationTally {
  eligible = 0;
  registered = 0;
  capable = 0;
  admins = 0;
  adminsRegistered = 0;
  phishingResistant = 0;
  adminsPhishingResistant = 0;
  ssprRegistered = 0;
  guests = 0;
  readonly privilegedIds = new Set<string>();
  readonly unregistered = new CappedCollector();
  /** Global Administrator user id → MFA registered (GA users seen among non-disabled accounts). */
  readonly globalAdmins = new Map<string, boolean>();

  addEligible(user: { upn: string; registered: boolean; capable: boolean; admin: boolean; phishingResistant?: boolean; sspr?: boolean }): void {
    this.eligible += 1;
    if (user.phishingResistant) this.phishingResistant += 1;
    if (user.sspr) this.ssprRegistered += 1;
    if (user.admin && user.phishingResistant) this.adminsPhishingResistant += 1;
    if (user.registered) this.registered += 1;
    else this.unregistered.add(user.upn);
    if (user.capable) this.capable += 1;
    if (user.admin) {
      this.admins += 1;
      if (user.registered) this.adminsRegistered += 1;
    }
  }

  value(measuredBy: MeasuredBy, fallbackReason: string | null): RegistrationValue {
    const perUser = measuredBy === 'per_user_methods';
    return {
      eligible: this.eligible,
      registered: this.registered,
      capable: perUser ? null : this.capable,
      pct: pct(this.registered, this.eligible),
      admins: this.admins,
      adminsRegistered: this.adminsRegistered,
      adminPct: pct(this.adminsRegistered, this.admins),
      unregistered: this.unregistered.list(),
      unregisteredTotal: this.unregistered.total,
      measuredBy,
      adminScope: perUser ? 'global_admins' : 'any_admin_role',
      fallbackReason,
      phishingResistant: this.phishingResistant,
      phishingResistantPct: pct(this.phishingResistant, this.eligible),
      adminsPhishingResistant: this.adminsPhishingResistant,
      adminsPhishingResistantPct: pct(this.adminsPhishingResistant, this.admins),
    };
  }

  sspr(): SsprValue {
    return { eligible: this.eligible, registered: this.ssprRegistered, pct: pct(this.ssprRegistered, this.eligible) };
  }

  population(): RegistrationPopulation {
    return { members: this.eligible, guests: this.guests, privilegedIds: this.privilegedIds };
  }
}

export interface RegistrationDeps {
  g: GraphContext;
  cloud: ResolvedCloud;
  classifyOptions: ClassifyOptions;
  logger: Logger;
  /** null when /subscribedSkus could not be read. */
  licences: LicenseValue | null;
  /** Ids of user principals holding Global Administrator (empty when unknown). */
  globalAdminIds: ReadonlySet<string>;
  /** Disabled account ids (report mode needs them), or why they could not be read. */
  disabledUsers: { ok: true; ids: ReadonlySet<string> } | { ok: false; failure: Failure };
  disabledUsersProvenance: Provenance;
}

export interface RegistrationResult {
  outcome: Outcome<RegistrationValue>;
  provenance: Provenance;
  /** GA user id → registered, or null when registration could not be measured. */
  globalAdminRegistration: ReadonlyMap<string, boolean> | null;
  /** SSPR registration (report mode only); null when not measured, with `ssprUnmeasured` saying why. */
  sspr?: SsprValue | null;
  /** Enabled members, guests and privileged ids the report saw (report mode only). */
  population?: RegistrationPopulation | null;
}

/** Users queued per pause of the /users pager: five full batches, then page on. Bounds memory in the fallback. */
const FALLBACK_QUEUE = 100;

export async function collectRegistration(deps: RegistrationDeps): Promise<RegistrationResult> {
  const provenance = new Provenance();
  if (deps.licences && !deps.licences.entraP1) {
    return collectPerUser(deps, provenance, 'the tenant has no Microsoft Entra ID P1/P2 licence (registration report unavailable)');
  }

  const reportCounter = new RequestCounter();
  provenance.add(ENDPOINTS.registrationReport.path, reportCounter);
  if (!deps.disabledUsers.ok) {
    provenance.merge(deps.disabledUsersProvenance);
    const f = deps.disabledUsers.failure;
    return {
      outcome: { ok: false, failure: { ...f, reason: `cannot exclude disabled accounts: ${f.reason}` } },
      provenance,
      globalAdminRegistration: null,
    };
  }
  provenance.merge(deps.disabledUsersProvenance);
  const disabled = deps.disabledUsers.ids;

  const tally = new RegistrationTally();
  try {
    await iteratePages(deps.g, {
      url: QUERIES.registrationReport,
      itemSchema: userRegistrationDetails,
      tag: new RequestTag(reportCounter),
      onItem: (u) => {
        if (disabled.has(u.id)) return;
        if (deps.globalAdminIds.has(u.id)) tally.globalAdmins.set(u.id, u.isMfaRegistered);
        if (u.isAdmin || deps.globalAdminIds.has(u.id)) tally.privilegedIds.add(u.id);
        if (isGuest(u.userType)) {
          tally.guests += 1;
          return;
        }
        tally.addEligible({
          upn: u.userPrincipalName,
          registered: u.isMfaRegistered,
          capable: u.isMfaCapable,
          admin: u.isAdmin,
          phishingResistant: u.methodsRegistered.some(isPhishingResistantReportMethod),
          sspr: u.isSsprRegistered === true,
        });
      },
    });
  } catch (err) {
    if (isNonPremium(err)) {
      deps.logger.info('registration report refused (no Entra ID P1/P2): measuring per user via authentication methods');
      return collectPerUser(deps, provenance, `the registration report answered ${(err as GraphFailure).code} (tenant without Entra ID P1/P2)`);
    }
    return {
      outcome: { ok: false, failure: classify(err, ENDPOINTS.registrationReport, deps.classifyOptions, deps.licences?.entraP1) },
      provenance,
      globalAdminRegistration: null,
    };
  }
  return {
    outcome: { ok: true, value: tally.value('registration_report', null) },
    provenance,
    globalAdminRegistration: tally.globalAdmins,
    sspr: tally.sspr(),
    population: tally.population(),
  };
}

interface QueuedUser {
  id: string;
  upn: string;
  eligible: boolean;
  admin: boolean;
}

/** Thrown out of the pager to stop the fallback when a sub-request fails for good. */
class FallbackAbort extends Error {
  constructor(readonly failure: Failure) {
    super(failure.reason);
  }
}

async function collectPerUser(deps: RegistrationDeps, provenance: Provenance, reason: string): Promise<RegistrationResult> {
  const usersCounter = new RequestCounter();
  const methodsCounter = new RequestCounter();
  provenance.add([ENDPOINTS.users.path, ENDPOINTS.authenticationMethods.path], usersCounter, methodsCounter);
  if (!deps.cloud.features.authenticationMethods) {
    return {
      outcome: {
        ok: false,
        failure: {
          status: 'unavailable',
          reasonCode: 'not_licensed',
          reason: `${reason}; the per-user authentication methods API is not offered in the ${deps.cloud.name} cloud`,
        },
      },
      provenance,
      globalAdminRegistration: null,
    };
  }

  const tally = new RegistrationTally();
  const methodsTag = new RequestTag(methodsCounter);
  let queue: QueuedUser[] = [];

  const flush = async (): Promise<void> => {
    if (queue.length === 0) return;
    const users = queue;
    queue = [];
    const outcomes = await runBatches(
      deps.g,
      users.map((u) => ({ id: u.id, url: QUERIES.authenticationMethods(u.id) })),
      methodsTag,
    );
    for (const user of users) {
      const outcome = outcomes.get(user.id);
      if (!outcome) continue;
      if (!outcome.ok) {
        // Deleted between listing and lookup: not a user any more.
        if (outcome.error instanceof GraphFailure && outcome.error.status === 404) continue;
        const failure = classify(outcome.error, ENDPOINTS.authenticationMethods, deps.classifyOptions);
        throw new FallbackAbort({ ...failure, reason: `${failure.reason} — needed because ${reason}` });
      }
      const methods = parseWith(authenticationMethodsPage, outcome.body, QUERIES.authenticationMethods(user.id));
      const registered = methods.value.some((m) => isStrongMethod(m['@odata.type']));
      const phishingResistant = methods.value.some((m) => isPhishingResistantMethodType(m['@odata.type']));
      if (user.admin) tally.globalAdmins.set(user.id, registered);
      if (user.eligible) tally.addEligible({ upn: user.upn, registered, capable: false, admin: user.admin, phishingResistant });
    }
  };

  try {
    await iteratePages(deps.g, {
      url: QUERIES.usersForFallback,
      itemSchema: directoryUser,
      tag: new RequestTag(usersCounter),
      onItem: (u) => {
        if (u.accountEnabled === false) return true;
        const admin = deps.globalAdminIds.has(u.id);
        const guest = isGuest(u.userType);
        // Guests are not eligible, but a guest Global Administrator still needs checking for m365.admins.
        if (guest && !admin) return true;
        queue.push({ id: u.id, upn: u.userPrincipalName ?? u.id, eligible: !guest, admin });
        return queue.length < FALLBACK_QUEUE;
      },
      onPause: flush,
    });
    await flush();
  } catch (err) {
    const failure =
      err instanceof FallbackAbort
        ? err.failure
        : (() => {
            const f = classify(err, ENDPOINTS.users, deps.classifyOptions);
            return { ...f, reason: `${f.reason} — needed because ${reason}` };
          })();
    return { outcome: { ok: false, failure }, provenance, globalAdminRegistration: null };
  }
  return { outcome: { ok: true, value: tally.value('per_user_methods', reason) }, provenance, globalAdminRegistration: tally.globalAdmins };
}
