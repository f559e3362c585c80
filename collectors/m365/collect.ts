/**
 * Orchestration of one m365 collection:
 *   1. token (fail fast with one clear line),
 *   2. one $batch for the small single-page GETs (licences, security defaults, Secure Score, CA policies,
 *      Global Administrator assignments, disabled-user ids), with any @odata.nextLink followed outside the batch,
 *      plus the first pages of Defender alerts, Windows Update rings and SharePoint settings,
 *   3. registration paging and device paging concurrently (the device walk also feeds encryption, stale devices and
 *      OS currency), beside the nextLinks of the Defender alerts and update rings,
 *   4. the sizes of the groups and roles the all-users MFA policies exclude (bounded concurrency), then the pure
 *      evaluation of Conditional Access.
 * Each evidence key succeeds or fails on its own: one failing endpoint never sinks the others.
 */
import type { Logger } from 'pino';
import { z, type ZodType } from 'zod';
import type { CollectorContext, CollectorResult } from '../../src/collector-kit/plugin.js';
import type { Evidence } from '../../src/domain/evidence.js';
import { scrub } from '../../src/log/secrets.js';
import { deriveAdmins, globalAdminPrincipals, type GlobalAdminPrincipal } from './admins.js';
import { resolveCloud, type ResolvedCloud } from './clouds.js';
import type { M365Config } from './config.js';
import { allUsersMfaPolicies, evaluateLegacyAuth, evaluateMfaEnforcement, type EnforcementValue, type LegacyAuthValue } from './conditional-access.js';
import { DeviceTally, type DevicesValue } from './devices.js';
import { DevicePostureTally } from './device-posture.js';
import { loadOsSupport, type OsSupport } from './os-support.js';
import { collectDefenderAlerts, collectSharepointSharing, collectUpdateRings, notOfferedIn } from './posture-collect.js';
import { TRIAGE_WINDOW_DAYS, type DefenderAlertsValue } from './defender-alerts.js';
import { ENDPOINTS, EVENTUAL_CONSISTENCY, QUERIES } from './endpoints.js';
import type { Failure } from '../../src/collector-kit/failure.js';
import { classify, isForbidden, pathOf, toGraphFailure, type ClassifyOptions } from './errors.js';
import { exclusionTargets, lookupExclusionSizes, type LookupContext } from './exclusion-lookups.js';
import type { ExclusionSizes } from './exclusions.js';
import {
  EVIDENCE_KEYS,
  PROVIDED_KEYS,
  Provenance,
  evidenceFrom,
  failedEvidence,
  type EvidenceKey,
  type Outcome,
} from './evidence.js';
import { RequestCounter, RequestTag, acquireToken, createCredential, createGraphClient, describeTokenError, graphPace } from './graph.js';
import { deriveLicenses, type LicenseValue } from './licenses.js';
import { collectRegistration, type RegistrationResult } from './mfa-registration.js';
import { identityBatchRequests, identityEvidence, identityPlan, type IdentityPlan } from './identity-breadth.js';
import { DOMAINS_BATCH_ID as SHARED_DOMAINS_BATCH_ID } from './identity-breadth.js';
import { dnsSource, emailAuthFor, graphDomain } from './email-auth/index.js';
import { scanInactiveCandidates } from './inactive-accounts.js';
import { getJson, iteratePages, runBatch, single, type BatchOutcome, type BatchRequest, type Fetched, type GraphContext } from './requests.js';
import {
  conditionalAccessPolicy,
  directoryObjectId,
  managedDevice as managedDeviceSchema,
  roleAssignment,
  securityDefaultsPolicy,
  subscribedSku,
  type ConditionalAccessPolicy,
} from './schema.js';
import { deriveSecureScore, type SecureScoreValue } from './secure-score.js';

/** Test seam: everything else comes from config. */
export interface CollectOptions {
  retryDelaySeconds?: number;
}

export interface Plan {
  keys: ReadonlySet<EvidenceKey>;
  policies: boolean;
  secureScore: boolean;
  globalAdmins: boolean;
  registration: boolean;
  devices: boolean;
  /** Keys fed by the same managedDevices paging as compliance: encryption, stale, OS currency. */
  devicePosture: boolean;
  defenderAlerts: boolean;
  updateRings: boolean;
  sharepoint: boolean;
  /** Identity breadth keys (identity-breadth.ts). */
  identity: IdentityPlan;
  /** SPF, DKIM, DMARC: the domain list (shared `/domains` read), then DNS. */
  email: boolean;
}

/** `ctx.only` → the keys to emit and the data they depend on (admins need registration). */
export function planFor(only?: readonly string[]): Plan {
  const keys = new Set(only ? PROVIDED_KEYS.filter((k) => only.includes(k)) : PROVIDED_KEYS);
  const has = (k: EvidenceKey) => keys.has(k);
  const identity = identityPlan(keys);
  return {
    keys,
    identity,
    // Risk-based CA reads the same policies; SSPR and inactive-account totals come from the registration paging.
    policies: has(EVIDENCE_KEYS.enforcement) || has(EVIDENCE_KEYS.legacyAuth) || identity.risk,
    secureScore: has(EVIDENCE_KEYS.secureScore),
    globalAdmins: has(EVIDENCE_KEYS.admins) || has(EVIDENCE_KEYS.registration),
    registration: has(EVIDENCE_KEYS.registration) || has(EVIDENCE_KEYS.admins) || identity.sspr || identity.inactive,
    devices: has(EVIDENCE_KEYS.devices) || has(EVIDENCE_KEYS.deviceEncryption) || has(EVIDENCE_KEYS.deviceStale) || has(EVIDENCE_KEYS.osCurrency),
    devicePosture: has(EVIDENCE_KEYS.deviceEncryption) || has(EVIDENCE_KEYS.deviceStale) || has(EVIDENCE_KEYS.osCurrency),
    defenderAlerts: has(EVIDENCE_KEYS.defenderAlerts),
    updateRings: has(EVIDENCE_KEYS.updateRings),
    sharepoint: has(EVIDENCE_KEYS.sharepointSharing),
    email: has(EVIDENCE_KEYS.emailSpf) || has(EVIDENCE_KEYS.emailDkim) || has(EVIDENCE_KEYS.emailDmarc),
  };
}


const BATCH_IDS = {
  subscribedSkus: 'subscribedSkus',
  securityDefaults: 'securityDefaults',
  secureScores: 'secureScores',
  conditionalAccess: 'conditionalAccess',
  globalAdmins: 'globalAdmins',
  disabledUsers: 'disabledUsers',
  defenderAlerts: 'defenderAlerts',
  updateRings: 'updateRings',
  sharepointSettings: 'sharepointSettings',
} as const;

/** Open alerts of any age plus every alert created since this instant (the triage window). */
function defenderAlertsUrl(now: Date): string {
  const since = new Date(now.getTime() - TRIAGE_WINDOW_DAYS * 24 * 60 * 60 * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return QUERIES.defenderAlerts(since);
}

function firstRoundRequests(plan: Plan, cloud: ResolvedCloud, now: Date): BatchRequest[] {
  const requests: BatchRequest[] = [{ id: BATCH_IDS.subscribedSkus, url: QUERIES.subscribedSkus }];
  if (plan.policies) {
    requests.push({ id: BATCH_IDS.securityDefaults, url: QUERIES.securityDefaults });
    requests.push({ id: BATCH_IDS.conditionalAccess, url: QUERIES.conditionalAccess });
  }
  if (plan.secureScore && cloud.features.secureScore) requests.push({ id: BATCH_IDS.secureScores, url: QUERIES.secureScores });
  if (plan.globalAdmins) requests.push({ id: BATCH_IDS.globalAdmins, url: QUERIES.globalAdmins });
  if (plan.registration) requests.push({ id: BATCH_IDS.disabledUsers, url: QUERIES.disabledUsers, headers: { ...EVENTUAL_CONSISTENCY } });
  // three first pages in the same round trip (their nextLinks are followed in round 2).
  const usOrGlobal = cloud.name !== 'china';
  if (plan.defenderAlerts && usOrGlobal) requests.push({ id: BATCH_IDS.defenderAlerts, url: defenderAlertsUrl(now) });
  if (plan.updateRings) requests.push({ id: BATCH_IDS.updateRings, url: QUERIES.updateRings });
  if (plan.sharepoint && usOrGlobal) requests.push({ id: BATCH_IDS.sharepointSettings, url: QUERIES.sharepointSettings });
  // email-auth: the verified domains (one read shared with password expiry, which skips it when already requested).
  if (plan.email) requests.push({ id: SHARED_DOMAINS_BATCH_ID, url: QUERIES.domains });
  // authorization and authentication methods policies, PIM schedules (and the shared domains read).
  requests.push(...identityBatchRequests(plan.identity, requests));
  return requests;
}

/** One round trip for the small GETs; if the envelope itself fails, fall back to plain GETs so nothing is lost. */
async function firstRound(g: GraphContext, requests: BatchRequest[], tag: RequestTag, logger: Logger): Promise<Map<string, BatchOutcome>> {
  try {
    return await runBatch(g, requests, tag);
  } catch (err) {
    logger.warn({ err: toGraphFailure(err, '/$batch').message }, 'm365: $batch failed, retrying its requests one by one');
    const entries = await Promise.all(
      requests.map(async (r): Promise<[string, BatchOutcome]> => {
        try {
          const body = await getJson(g, r.url, z.unknown(), tag, r.headers);
          return [r.id, { ok: true, body, status: 200 }];
        } catch (e) {
          return [r.id, { ok: false, error: toGraphFailure(e, pathOf(r.url)) }];
        }
      }),
    );
    return new Map(entries);
  }
}

/** Items of a collection whose first page came from the batch; nextLinks are followed with its own counter. */
async function allItems<T>(
  g: GraphContext,
  outcome: BatchOutcome | undefined,
  url: string,
  itemSchema: ZodType<T>,
  counter: RequestCounter,
  headers?: Record<string, string>,
): Promise<Fetched<T[]>> {
  if (!outcome) return { ok: false, error: new Error(`GET ${pathOf(url)} was not requested`) };
  if (!outcome.ok) return { ok: false, error: outcome.error };
  const items: T[] = [];
  try {
    await iteratePages(g, { url, firstPage: outcome.body, itemSchema, tag: new RequestTag(counter), headers, onItem: (i) => void items.push(i) });
    return { ok: true, data: items };
  } catch (err) {
    return { ok: false, error: toGraphFailure(err, pathOf(url)) };
  }
}

function fail<V>(failure: Failure): Outcome<V> {
  return { ok: false, failure };
}

async function collectDevices(
  g: GraphContext,
  licences: LicenseValue | null,
  now: Date,
  opts: ClassifyOptions,
  provenance: Provenance,
  posture: DevicePostureTally | null = null,
): Promise<Outcome<DevicesValue>> {
  if (licences && !licences.intune) {
    return fail({
      status: 'unavailable',
      reasonCode: 'not_licensed',
      reason: 'the tenant has no Microsoft Intune licence (no active subscription includes an Intune service plan), so there are no managed devices to measure',
    });
  }
  const counter = new RequestCounter();
  provenance.add(ENDPOINTS.managedDevices.path, counter);
  const tally = new DeviceTally(now);
  try {
    // One walk feeds compliance and the posture keys (encryption, stale, OS currency): no second paging.
    await iteratePages(g, {
      url: QUERIES.managedDevices,
      itemSchema: managedDeviceSchema,
      tag: new RequestTag(counter),
      onItem: (d) => {
        tally.add(d);
        posture?.add(d);
      },
    });
  } catch (err) {
    return fail(classify(err, ENDPOINTS.managedDevices, opts, licences?.intune));
  }
  return { ok: true, value: tally.value() };
}

/**
 * Sizes of the groups and roles excluded by the enabled all-users MFA policies. Skipped when security defaults are
 * on (they exclude no one) or no such policy excludes a group or role (direct user ids need no lookup).
 */
async function exclusionSizesFor(
  ctx: LookupContext,
  sd: Fetched<{ isEnabled: boolean }>,
  ca: Fetched<ConditionalAccessPolicy[]>,
  provenance: Provenance,
): Promise<ExclusionSizes | undefined> {
  if (!sd.ok || sd.data.isEnabled || !ca.ok) return undefined;
  const targets = exclusionTargets(allUsersMfaPolicies(ca.data));
  if (targets.groups.length > 0) provenance.add(ENDPOINTS.groupUserCount.path, ctx.groupCounter);
  if (targets.roles.length > 0) provenance.add(ENDPOINTS.roleAssignments.path, ctx.roleCounter);
  if (targets.groups.length === 0 && targets.roles.length === 0) return undefined;
  try {
    return await lookupExclusionSizes(ctx, targets);
  } catch (err) {
    // Lookups report their own failures; anything else (a bug, an abort) must still only blur excludedUsers.
    const reason = scrub(`excluded users unknown: ${(err as Error)?.message ?? String(err)}`);
    return { groupUsers: new Map(), rolePrincipals: new Map(), unknownReason: reason };
  }
}

function evaluatePolicies(
  sd: Fetched<{ isEnabled: boolean }>,
  ca: Fetched<ConditionalAccessPolicy[]>,
  licences: LicenseValue | null,
  eligibleUsers: number | null,
  exclusionSizes: ExclusionSizes | undefined,
  opts: ClassifyOptions,
): { enforcement: Outcome<EnforcementValue>; legacy: Outcome<LegacyAuthValue> } {
  const both = (failure: Failure) => ({ enforcement: fail<EnforcementValue>(failure), legacy: fail<LegacyAuthValue>(failure) });
  if (!sd.ok) return both(classify(sd.error, ENDPOINTS.securityDefaults, opts));
  let policies: ConditionalAccessPolicy[];
  let evaluated = true;
  if (ca.ok) {
    policies = ca.data;
  } else if (isForbidden(ca.error) && licences && !licences.entraP1) {
    // Without P1 Conditional Access cannot exist: its absence is positive evidence, decided by security defaults.
    policies = [];
    evaluated = false;
  } else {
    return both(classify(ca.error, ENDPOINTS.conditionalAccess, opts, licences?.entraP1));
  }
  const input = { policies, securityDefaultsEnabled: sd.data.isEnabled, eligibleUsers, conditionalAccessEvaluated: evaluated, exclusionSizes };
  return { enforcement: { ok: true, value: evaluateMfaEnforcement(input) }, legacy: { ok: true, value: evaluateLegacyAuth(input) } };
}

function collectorStatus(evidence: Evidence[], tenantId: string): Pick<CollectorResult, 'status' | 'error'> {
  const errored = evidence.filter((e) => e.status === 'error');
  if (errored.length === 0) return { status: 'ok', error: null };
  if (errored.length === evidence.length) {
    return { status: 'error', error: scrub(`no m365 evidence could be collected for tenant ${tenantId}: ${errored[0]?.reason ?? 'unknown error'}`) };
  }
  return { status: 'partial', error: scrub(`${errored.length} of ${evidence.length} m365 evidence keys failed: ${errored.map((e) => `${e.key} (${e.reason})`).join('; ')}`) };
}

function allFailed(plan: Plan, failure: Failure, collectedAt: string, endpoints: string[] = []): Evidence[] {
  return [...plan.keys].map((key) => failedEvidence(key, failure, new Provenance().add(endpoints), collectedAt));
}

export async function collectM365(config: M365Config, ctx: CollectorContext, options: CollectOptions = {}): Promise<CollectorResult> {
  const collectedAt = ctx.now().toISOString();
  const plan = planFor(ctx.only);
  if (plan.keys.size === 0) return { evidence: [], requests: 0, status: 'ok', error: null };
  const logger = ctx.logger;
  const cloud = resolveCloud(config.cloud);
  const total = new RequestCounter();

  let credential;
  try {
    credential = createCredential(config, cloud);
    await acquireToken(credential, cloud, config.timeoutMs, ctx.signal);
  } catch (err) {
    const message = describeTokenError(err, config, cloud);
    logger.debug(message); // the core logs result.error at warn level
    return {
      evidence: allFailed(plan, { status: 'error', reasonCode: 'collector_error', reason: message }, collectedAt),
      requests: 0,
      status: 'error',
      error: message,
    };
  }

  try {
    const g: GraphContext = {
      client: createGraphClient(credential, cloud, {
        timeoutMs: config.timeoutMs,
        maxRetries: config.maxRetries,
        signal: ctx.signal,
        total,
        retryDelaySeconds: options.retryDelaySeconds,
        pace: graphPace(config, ctx),
      }),
      graphOrigin: cloud.graphOrigin,
      maxRetries: config.maxRetries,
      signal: ctx.signal,
    };
    const evidence = await collectWithClient(g, cloud, config, plan, ctx, collectedAt, logger);
    return { evidence, requests: total.count, ...collectorStatus(evidence, config.tenantId) };
  } catch (err) {
    // Unexpected (a bug, or abort between steps): still no crash, and every key says why.
    const reason = scrub(`m365 collection failed for tenant ${config.tenantId}: ${(err as Error)?.message ?? String(err)}`);
    logger.error({ err }, reason);
    return {
      evidence: allFailed(plan, { status: 'error', reasonCode: 'collector_error', reason }, collectedAt),
      requests: total.count,
      status: 'error',
      error: reason,
    };
  }
}

async function collectWithClient(
  g: GraphContext,
  cloud: ResolvedCloud,
  config: M365Config,
  plan: Plan,
  ctx: CollectorContext,
  collectedAt: string,
  logger: Logger,
): Promise<Evidence[]> {
  const opts: ClassifyOptions = { timeoutMs: config.timeoutMs, maxRetries: config.maxRetries };
  const now = ctx.now();

  // ---- round 1: one $batch -------------------------------------------------------------------------------
  const batchCounter = new RequestCounter();
  const batch = await firstRound(g, firstRoundRequests(plan, cloud, now), new RequestTag(batchCounter), logger);
  logger.debug({ requests: batchCounter.count }, 'm365: first round done');

  // E-mail authentication: its DNS queries run beside round 2 (the domain list came in the first $batch).
  const domainsCounter = new RequestCounter();
  const emailAuth = plan.email
    ? allItems(g, batch.get(SHARED_DOMAINS_BATCH_ID), QUERIES.domains, graphDomain, domainsCounter).then((d) => emailAuthFor(d, config, opts, ctx.signal))
    : Promise.resolve(null);

  const counters = {
    skus: new RequestCounter(),
    ca: new RequestCounter(),
    ga: new RequestCounter(),
    disabled: new RequestCounter(),
    exclusionGroups: new RequestCounter(),
    exclusionRoles: new RequestCounter(),
  };
  const prov = {
    skus: () => new Provenance().add(ENDPOINTS.subscribedSkus.path, batchCounter, counters.skus),
    policies: () =>
      new Provenance().add([ENDPOINTS.securityDefaults.path, ENDPOINTS.conditionalAccess.path], batchCounter, counters.ca),
    secureScore: () => new Provenance().add(ENDPOINTS.secureScores.path, batchCounter),
    ga: () => new Provenance().add(ENDPOINTS.roleAssignments.path, batchCounter, counters.ga),
    disabled: () => new Provenance().add(ENDPOINTS.users.path, batchCounter, counters.disabled),
  };

  const disabledIds = new Set<string>();
  const [skus, ca, ga, disabled] = await Promise.all([
    allItems(g, batch.get(BATCH_IDS.subscribedSkus), QUERIES.subscribedSkus, subscribedSku, counters.skus),
    plan.policies
      ? allItems(g, batch.get(BATCH_IDS.conditionalAccess), QUERIES.conditionalAccess, conditionalAccessPolicy, counters.ca)
      : Promise.resolve(null),
    plan.globalAdmins ? allItems(g, batch.get(BATCH_IDS.globalAdmins), QUERIES.globalAdmins, roleAssignment, counters.ga) : Promise.resolve(null),
    plan.registration
      ? (async (): Promise<Fetched<null>> => {
          const outcome = batch.get(BATCH_IDS.disabledUsers);
          if (!outcome?.ok) return { ok: false, error: outcome?.ok === false ? outcome.error : new Error('not requested') };
          try {
            await iteratePages(g, {
              url: QUERIES.disabledUsers,
              firstPage: outcome.body,
              itemSchema: directoryObjectId,
              tag: new RequestTag(counters.disabled),
              headers: { ...EVENTUAL_CONSISTENCY },
              onItem: (u) => void disabledIds.add(u.id),
            });
            return { ok: true, data: null };
          } catch (err) {
            return { ok: false, error: toGraphFailure(err, ENDPOINTS.users.path) };
          }
        })()
      : Promise.resolve(null),
  ]);

  const licencesOutcome: Outcome<LicenseValue> = skus.ok
    ? { ok: true, value: deriveLicenses(skus.data) }
    : fail(classify(skus.error, ENDPOINTS.subscribedSkus, opts));
  const licences = licencesOutcome.ok ? licencesOutcome.value : null;
  if (!licences) logger.info('m365: licences unknown; 403 answers will name both permission and licence');

  let gaPrincipals: GlobalAdminPrincipal[] | null = null;
  if (ga?.ok) gaPrincipals = globalAdminPrincipals(ga.data);
  const gaUserIds = new Set((gaPrincipals ?? []).filter((p) => p.kind === 'user').map((p) => p.id));

  // ---- round 2: the paged work and the sizes of excluded groups/roles, concurrently ---------------------------
  const sd = single(batch.get(BATCH_IDS.securityDefaults), QUERIES.securityDefaults, securityDefaultsPolicy);
  // Only the enforcement key reads the expanded exclusions; a legacy-auth-only re-check skips the lookups.
  const exclusionsProvenance = new Provenance();
  const exclusionSizes =
    ca && plan.keys.has(EVIDENCE_KEYS.enforcement)
      ? exclusionSizesFor(
          { g, classifyOptions: opts, logger, groupCounter: counters.exclusionGroups, roleCounter: counters.exclusionRoles },
          sd,
          ca,
          exclusionsProvenance,
        )
      : Promise.resolve(undefined);
  const devicesProvenance = new Provenance();
  // The OS support data file is read once per process; a broken file blurs os_currency only.
  let osSupport: OsSupport | null = null;
  let osSupportError: string | null = null;
  if (plan.keys.has(EVIDENCE_KEYS.osCurrency)) {
    try {
      osSupport = loadOsSupport();
    } catch (err) {
      osSupportError = scrub(`rules/data/os-support.yaml could not be read: ${(err as Error)?.message ?? String(err)}`);
    }
  }
  const posture = plan.devicePosture ? new DevicePostureTally(now, osSupport) : null;
  const postureCounters = { defender: new RequestCounter(), rings: new RequestCounter() };
  // Inactive-account candidates: two filtered /users queries beside the registration paging (inactive-accounts.ts).
  const inactiveCounter = new RequestCounter();
  const inactive = plan.identity.inactive
    ? scanInactiveCandidates({ g, now, classifyOptions: opts, licences, counter: inactiveCounter }).then((outcome) => ({ outcome, counter: inactiveCounter }))
    : Promise.resolve(null);
  const [registration, devices, defenderAlerts, updateRings] = await Promise.all([
    plan.registration
      ? collectRegistration({
          g,
          cloud,
          classifyOptions: opts,
          logger,
          licences,
          globalAdminIds: gaUserIds,
          disabledUsers: disabled?.ok
            ? { ok: true, ids: disabledIds }
            : { ok: false, failure: classify(disabled?.ok === false ? disabled.error : new Error('not requested'), ENDPOINTS.users, opts) },
          disabledUsersProvenance: prov.disabled(),
        })
      : Promise.resolve(null as RegistrationResult | null),
    plan.devices ? collectDevices(g, licences, now, opts, devicesProvenance, posture) : Promise.resolve(null),
    plan.defenderAlerts && cloud.name === 'china'
      ? Promise.resolve(fail<DefenderAlertsValue>(notOfferedIn(cloud.name, ENDPOINTS.defenderAlerts.path)))
      : plan.defenderAlerts
      ? collectDefenderAlerts(g, batch.get(BATCH_IDS.defenderAlerts), defenderAlertsUrl(now), now, opts, postureCounters.defender)
      : Promise.resolve(null),
    plan.updateRings
      ? collectUpdateRings(g, batch.get(BATCH_IDS.updateRings), QUERIES.updateRings, licences, opts, postureCounters.rings)
      : Promise.resolve(null),
  ]);

  // ---- evaluation ----------------------------------------------------------------------------------------
  const out = new Map<EvidenceKey, Evidence>();
  const emit = (key: EvidenceKey, make: () => Evidence) => {
    if (plan.keys.has(key)) out.set(key, make());
  };

  emit(EVIDENCE_KEYS.licenses, () => evidenceFrom(EVIDENCE_KEYS.licenses, licencesOutcome, prov.skus(), collectedAt));

  if (registration) {
    emit(EVIDENCE_KEYS.registration, () => {
      const p = new Provenance().merge(registration.provenance);
      if (registration.outcome.ok && registration.outcome.value.measuredBy === 'per_user_methods') p.merge(prov.ga(), prov.skus());
      return evidenceFrom(EVIDENCE_KEYS.registration, registration.outcome, p, collectedAt);
    });
  }

  emit(EVIDENCE_KEYS.admins, () => {
    const p = prov.ga();
    if (!ga) return failedEvidence(EVIDENCE_KEYS.admins, { status: 'error', reasonCode: 'collector_error', reason: 'not requested' }, p, collectedAt);
    if (!ga.ok || !gaPrincipals) {
      return failedEvidence(EVIDENCE_KEYS.admins, classify(ga.ok ? new Error('no data') : ga.error, ENDPOINTS.roleAssignments, opts), p, collectedAt);
    }
    const measured = registration?.outcome.ok ? registration.globalAdminRegistration : null;
    if (registration) p.merge(registration.provenance);
    const value = {
      ...deriveAdmins(gaPrincipals, measured),
      mfaMeasuredBy: registration?.outcome.ok ? registration.outcome.value.measuredBy : null,
      mfaUnmeasuredReason: registration && !registration.outcome.ok ? registration.outcome.failure.reason : null,
    };
    return evidenceFrom(EVIDENCE_KEYS.admins, { ok: true, value }, p, collectedAt);
  });

  if (plan.policies && ca) {
    const p = prov.policies();
    // Shown beside excludedUsers only; it decides nothing, so no request is spent on it when registration is skipped.
    const eligible = registration?.outcome.ok ? registration.outcome.value.eligible : null;
    const enforcementProvenance = new Provenance().merge(p, exclusionsProvenance);
    const sizes = await exclusionSizes;
    const result = evaluatePolicies(sd, ca, licences, eligible, sizes, opts);
    // Licences decided how a refused CA read was interpreted: show them in the provenance.
    if (!ca.ok) {
      p.merge(prov.skus());
      enforcementProvenance.merge(prov.skus());
    }
    emit(EVIDENCE_KEYS.enforcement, () => evidenceFrom(EVIDENCE_KEYS.enforcement, result.enforcement, enforcementProvenance, collectedAt));
    emit(EVIDENCE_KEYS.legacyAuth, () => evidenceFrom(EVIDENCE_KEYS.legacyAuth, result.legacy, p, collectedAt));
  }

  emit(EVIDENCE_KEYS.secureScore, () => {
    const p = prov.secureScore();
    let outcome: Outcome<SecureScoreValue>;
    if (!cloud.features.secureScore) {
      outcome = fail({
        status: 'unavailable',
        reasonCode: 'not_licensed',
        reason: `Microsoft Secure Score is not offered in the ${cloud.name} cloud`,
      });
    } else {
      const res = batch.get(BATCH_IDS.secureScores);
      try {
        outcome = res?.ok ? deriveSecureScore(res.body) : fail(classify(res?.error ?? new Error('not requested'), ENDPOINTS.secureScores, opts));
      } catch (err) {
        outcome = fail(classify(err, ENDPOINTS.secureScores, opts));
      }
    }
    return evidenceFrom(EVIDENCE_KEYS.secureScore, outcome, p, collectedAt);
  });

  if (devices) {
    emit(EVIDENCE_KEYS.devices, () => {
      if (!devices.ok && devices.failure.reasonCode === 'not_licensed') devicesProvenance.merge(prov.skus());
      return evidenceFrom(EVIDENCE_KEYS.devices, devices, devicesProvenance, collectedAt);
    });
  }

  if (devices && posture) {
    const postureKey = (key: EvidenceKey, value: () => Record<string, unknown> | null, missing?: string | null) =>
      emit(key, () => {
        const p = new Provenance().merge(devicesProvenance);
        if (!devices.ok) return evidenceFrom(key, devices, p, collectedAt);
        const v = value();
        if (!v) return failedEvidence(key, { status: 'error', reasonCode: 'collector_error', reason: missing ?? 'no value' }, p, collectedAt);
        return evidenceFrom(key, { ok: true, value: v }, p, collectedAt);
      });
    postureKey(EVIDENCE_KEYS.deviceEncryption, () => posture.encryption());
    postureKey(EVIDENCE_KEYS.deviceStale, () => posture.staleness());
    postureKey(EVIDENCE_KEYS.osCurrency, () => posture.osCurrency(), osSupportError);
  }
  if (defenderAlerts) {
    emit(EVIDENCE_KEYS.defenderAlerts, () =>
      evidenceFrom(EVIDENCE_KEYS.defenderAlerts, defenderAlerts, new Provenance().add(ENDPOINTS.defenderAlerts.path, batchCounter, postureCounters.defender), collectedAt),
    );
  }
  if (updateRings) {
    emit(EVIDENCE_KEYS.updateRings, () => {
      const p = new Provenance().add(ENDPOINTS.updateRings.path, batchCounter, postureCounters.rings);
      if (!updateRings.ok && updateRings.failure.reasonCode === 'not_licensed') p.merge(prov.skus());
      return evidenceFrom(EVIDENCE_KEYS.updateRings, updateRings, p, collectedAt);
    });
  }
  if (plan.sharepoint) {
    emit(EVIDENCE_KEYS.sharepointSharing, () =>
      evidenceFrom(
        EVIDENCE_KEYS.sharepointSharing,
        cloud.name === 'china'
          ? fail(notOfferedIn(cloud.name, ENDPOINTS.sharepointSettings.path))
          : collectSharepointSharing(batch.get(BATCH_IDS.sharepointSettings), QUERIES.sharepointSettings, opts),
        new Provenance().add(ENDPOINTS.sharepointSettings.path, batchCounter),
        collectedAt,
      ),
    );
  }

  const email = await emailAuth;
  if (email) {
    const p = (kind: 'spf' | 'dkim' | 'dmarc') =>
      new Provenance().add([ENDPOINTS.domains.path, ...(email.queries > 0 ? [dnsSource(kind, email.servers)] : [])], batchCounter, domainsCounter);
    emit(EVIDENCE_KEYS.emailSpf, () => evidenceFrom(EVIDENCE_KEYS.emailSpf, email.spf, p('spf'), collectedAt));
    emit(EVIDENCE_KEYS.emailDkim, () => evidenceFrom(EVIDENCE_KEYS.emailDkim, email.dkim, p('dkim'), collectedAt));
    emit(EVIDENCE_KEYS.emailDmarc, () => evidenceFrom(EVIDENCE_KEYS.emailDmarc, email.dmarc, p('dmarc'), collectedAt));
  }

  const identity = await identityEvidence({
    g,
    plan: plan.identity,
    batch,
    batchCounter,
    opts,
    collectedAt,
    licences,
    skusProvenance: prov.skus,
    ca: plan.identity.risk ? ca : null,
    caProvenance: prov.policies,
    registration,
    inactive: await inactive,
  });
  for (const [key, e] of identity) if (plan.keys.has(key)) out.set(key, e);

  return PROVIDED_KEYS.filter((k) => out.has(k)).map((k) => out.get(k)!);
}
