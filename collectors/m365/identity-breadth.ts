/**
 * The identity breadth keys (issue 17) wired into one collection: which first-round `$batch` requests they add,
 * and how each key is built from the batch, the Conditional Access policies, the registration paging and the
 * inactive-account queries. Each key succeeds or fails on its own.
 */
import type { ZodType } from 'zod';
import type { Evidence } from '../../src/domain/evidence.js';
import type { Failure } from '../../src/collector-kit/failure.js';
import { deriveAuthMethodsPolicy } from './auth-methods-policy.js';
import { deriveGuestAccess, deriveUserConsent } from './authorization-policy.js';
import { ENDPOINTS, QUERIES } from './endpoints.js';
import { classify, pathOf, toGraphFailure, type ClassifyOptions } from './errors.js';
import { EVIDENCE_KEYS, Provenance, evidenceFrom, type EvidenceKey, type Outcome } from './evidence.js';
import { RequestCounter, RequestTag } from './graph.js';
import { IDENTITY_BATCH_IDS, IDENTITY_ENDPOINTS, IDENTITY_QUERIES } from './identity-endpoints.js';
import { authenticationMethodsPolicy, authorizationPolicyBody, passwordDomain, roleSchedule, type RoleSchedule } from './identity-schema.js';
import { deriveInactive, type InactiveTally } from './inactive-accounts.js';
import type { LicenseValue } from './licenses.js';
import type { RegistrationResult } from './mfa-registration.js';
import { derivePasswordExpiry } from './password-expiry.js';
import { derivePim } from './pim.js';
import { iteratePages, single, type BatchOutcome, type BatchRequest, type Fetched, type GraphContext } from './requests.js';
import { deriveRiskPolicies } from './risk-policies.js';
import type { ConditionalAccessPolicy } from './schema.js';

/** The domains sub-request is shared with the e-mail authentication keys: one id, requested once. */
export const DOMAINS_BATCH_ID = 'domains';

export interface IdentityPlan {
  authorization: boolean;
  authMethods: boolean;
  pim: boolean;
  inactive: boolean;
  sspr: boolean;
  risk: boolean;
  passwordExpiry: boolean;
}

export function identityPlan(keys: ReadonlySet<EvidenceKey>): IdentityPlan {
  return {
    authorization: keys.has(EVIDENCE_KEYS.guestAccess) || keys.has(EVIDENCE_KEYS.userConsent),
    authMethods: keys.has(EVIDENCE_KEYS.authMethodsPolicy),
    pim: keys.has(EVIDENCE_KEYS.pim),
    inactive: keys.has(EVIDENCE_KEYS.inactiveAccounts),
    sspr: keys.has(EVIDENCE_KEYS.sspr),
    risk: keys.has(EVIDENCE_KEYS.riskPolicies),
    passwordExpiry: keys.has(EVIDENCE_KEYS.passwordExpiry),
  };
}

/** Sub-requests this plan adds to the first `$batch` (at most 4, plus the shared domains read). */
export function identityBatchRequests(plan: IdentityPlan, existing: readonly BatchRequest[]): BatchRequest[] {
  const out: BatchRequest[] = [];
  if (plan.authorization) out.push({ id: IDENTITY_BATCH_IDS.authorizationPolicy, url: IDENTITY_QUERIES.authorizationPolicy });
  if (plan.authMethods) out.push({ id: IDENTITY_BATCH_IDS.authenticationMethodsPolicy, url: IDENTITY_QUERIES.authenticationMethodsPolicy });
  if (plan.pim) {
    out.push({ id: IDENTITY_BATCH_IDS.pimEligible, url: IDENTITY_QUERIES.pimEligible });
    out.push({ id: IDENTITY_BATCH_IDS.pimActive, url: IDENTITY_QUERIES.pimActive });
  }
  if (plan.passwordExpiry && !existing.some((r) => r.id === DOMAINS_BATCH_ID)) out.push({ id: DOMAINS_BATCH_ID, url: QUERIES.domains });
  return out;
}


export interface IdentityInputs {
  g: GraphContext;
  plan: IdentityPlan;
  batch: ReadonlyMap<string, BatchOutcome>;
  batchCounter: RequestCounter;
  opts: ClassifyOptions;
  collectedAt: string;
  licences: LicenseValue | null;
  /** Provenance of the licences read (shown when a licence decided a key). */
  skusProvenance: () => Provenance;
  /** The CA policies already read (null when not requested), with their provenance. */
  ca: Fetched<ConditionalAccessPolicy[]> | null;
  caProvenance: () => Provenance;
  registration: RegistrationResult | null;
  inactive: { outcome: Outcome<InactiveTally>; counter: RequestCounter } | null;
}

function fail<V>(failure: Failure): Outcome<V> {
  return { ok: false, failure };
}

async function collection<T>(g: GraphContext, outcome: BatchOutcome | undefined, url: string, itemSchema: ZodType<T>, counter: RequestCounter): Promise<Fetched<T[]>> {
  if (!outcome) return { ok: false, error: new Error(`GET ${pathOf(url)} was not requested`) };
  if (!outcome.ok) return { ok: false, error: outcome.error };
  const items: T[] = [];
  try {
    await iteratePages(g, { url, firstPage: outcome.body, itemSchema, tag: new RequestTag(counter), onItem: (i) => void items.push(i) });
    return { ok: true, data: items };
  } catch (err) {
    return { ok: false, error: toGraphFailure(err, pathOf(url)) };
  }
}

const notLicensed = (what: string, licence: string): Failure => ({
  status: 'unavailable',
  reasonCode: 'not_licensed',
  reason: `${what} needs ${licence}, which the tenant does not have (no active subscription includes it)`,
});

/** Build every planned identity breadth key. */
export async function identityEvidence(i: IdentityInputs): Promise<Map<EvidenceKey, Evidence>> {
  const out = new Map<EvidenceKey, Evidence>();
  const { plan, batch, opts, collectedAt, licences } = i;
  const fromBatch = (path: string) => new Provenance().add(path, i.batchCounter);

  if (plan.authorization) {
    const spec = IDENTITY_ENDPOINTS.authorizationPolicy;
    const policy = single(batch.get(IDENTITY_BATCH_IDS.authorizationPolicy), IDENTITY_QUERIES.authorizationPolicy, authorizationPolicyBody);
    const guest = policy.ok ? { ok: true as const, value: deriveGuestAccess(policy.data) } : fail<never>(classify(policy.error, spec, opts));
    const consent = policy.ok ? { ok: true as const, value: deriveUserConsent(policy.data) } : fail<never>(classify(policy.error, spec, opts));
    out.set(EVIDENCE_KEYS.guestAccess, evidenceFrom(EVIDENCE_KEYS.guestAccess, guest, fromBatch(spec.path), collectedAt));
    out.set(EVIDENCE_KEYS.userConsent, evidenceFrom(EVIDENCE_KEYS.userConsent, consent, fromBatch(spec.path), collectedAt));
  }

  if (plan.authMethods) {
    const spec = IDENTITY_ENDPOINTS.authenticationMethodsPolicy;
    const policy = single(batch.get(IDENTITY_BATCH_IDS.authenticationMethodsPolicy), IDENTITY_QUERIES.authenticationMethodsPolicy, authenticationMethodsPolicy);
    const outcome = policy.ok ? { ok: true as const, value: deriveAuthMethodsPolicy(policy.data) } : fail<never>(classify(policy.error, spec, opts));
    out.set(EVIDENCE_KEYS.authMethodsPolicy, evidenceFrom(EVIDENCE_KEYS.authMethodsPolicy, outcome, fromBatch(spec.path), collectedAt));
  }

  if (plan.pim) {
    const eligibleSpec = IDENTITY_ENDPOINTS.roleEligibilitySchedules;
    const activeSpec = IDENTITY_ENDPOINTS.roleAssignmentSchedules;
    const counter = new RequestCounter();
    const p = new Provenance().add([eligibleSpec.path, activeSpec.path], i.batchCounter, counter);
    let outcome: Outcome<ReturnType<typeof derivePim>>;
    if (licences && !licences.entraP2) {
      // Without P2 there is no PIM: not a failure of the tenant's, a licence it has not bought.
      outcome = fail(notLicensed('Privileged Identity Management', eligibleSpec.licence));
      p.merge(i.skusProvenance());
    } else {
      const [eligible, active] = await Promise.all([
        collection<RoleSchedule>(i.g, batch.get(IDENTITY_BATCH_IDS.pimEligible), IDENTITY_QUERIES.pimEligible, roleSchedule, counter),
        collection<RoleSchedule>(i.g, batch.get(IDENTITY_BATCH_IDS.pimActive), IDENTITY_QUERIES.pimActive, roleSchedule, counter),
      ]);
      if (!eligible.ok) outcome = fail(classify(eligible.error, eligibleSpec, opts, licences?.entraP2));
      else if (!active.ok) outcome = fail(classify(active.error, activeSpec, opts, licences?.entraP2));
      else outcome = { ok: true, value: derivePim(eligible.data, active.data) };
    }
    out.set(EVIDENCE_KEYS.pim, evidenceFrom(EVIDENCE_KEYS.pim, outcome, p, collectedAt));
  }

  if (plan.risk) {
    const p = i.caProvenance();
    let outcome: Outcome<ReturnType<typeof deriveRiskPolicies>>;
    if (licences && !licences.entraP2) {
      outcome = fail(notLicensed('Risk-based Conditional Access (Identity Protection)', 'Microsoft Entra ID P2'));
      p.merge(i.skusProvenance());
    } else if (!i.ca) {
      outcome = fail({ status: 'error', reasonCode: 'collector_error', reason: 'Conditional Access policies were not requested' });
    } else if (!i.ca.ok) {
      outcome = fail(classify(i.ca.error, ENDPOINTS.conditionalAccess, opts, licences?.entraP1));
    } else {
      outcome = { ok: true, value: deriveRiskPolicies(i.ca.data) };
    }
    out.set(EVIDENCE_KEYS.riskPolicies, evidenceFrom(EVIDENCE_KEYS.riskPolicies, outcome, p, collectedAt));
  }

  if (plan.passwordExpiry) {
    const spec = ENDPOINTS.domains;
    const counter = new RequestCounter();
    const domains = await collection(i.g, batch.get(DOMAINS_BATCH_ID), QUERIES.domains, passwordDomain, counter);
    const outcome = domains.ok ? { ok: true as const, value: derivePasswordExpiry(domains.data) } : fail<never>(classify(domains.error, spec, opts));
    out.set(EVIDENCE_KEYS.passwordExpiry, evidenceFrom(EVIDENCE_KEYS.passwordExpiry, outcome, new Provenance().add(spec.path, i.batchCounter, counter), collectedAt));
  }

  const reg = i.registration;
  if (plan.sspr) {
    const p = new Provenance();
    let outcome: Outcome<NonNullable<RegistrationResult['sspr']>>;
    if (!reg) {
      outcome = fail({ status: 'error', reasonCode: 'collector_error', reason: 'registration was not collected' });
    } else {
      p.merge(reg.provenance);
      const perUser = (licences && !licences.entraP1) || (reg.outcome.ok && !reg.sspr);
      if (perUser) {
        // Per-user fallback (no P1): the per-user methods API has no SSPR registration flag.
        outcome = fail(notLicensed('SSPR registration (the registration report)', ENDPOINTS.registrationReport.licence));
        p.merge(i.skusProvenance());
      } else if (!reg.outcome.ok) outcome = fail(reg.outcome.failure);
      else outcome = { ok: true, value: reg.sspr! };
    }
    out.set(EVIDENCE_KEYS.sspr, evidenceFrom(EVIDENCE_KEYS.sspr, outcome, p, collectedAt));
  }

  if (plan.inactive) {
    const p = new Provenance();
    if (i.inactive) p.add(IDENTITY_ENDPOINTS.signInActivity.path, i.inactive.counter);
    let outcome: Outcome<ReturnType<typeof deriveInactive>>;
    if (!i.inactive) {
      outcome = fail({ status: 'error', reasonCode: 'collector_error', reason: 'sign-in activity was not requested' });
    } else if (!i.inactive.outcome.ok) {
      outcome = i.inactive.outcome;
      if (i.inactive.outcome.failure.reasonCode === 'not_licensed') p.merge(i.skusProvenance());
    } else if (!reg?.outcome.ok || !reg.population) {
      // The denominators come from the registration report: without it no share can be honest.
      const why = reg && !reg.outcome.ok ? reg.outcome.failure : null;
      if (reg) p.merge(reg.provenance);
      outcome = fail(
        why
          ? { ...why, reason: `account totals unknown: ${why.reason}` }
          : notLicensed('account totals (the registration report)', ENDPOINTS.registrationReport.licence),
      );
    } else {
      p.merge(reg.provenance);
      outcome = { ok: true, value: deriveInactive(i.inactive.outcome.value, reg.population) };
    }
    out.set(EVIDENCE_KEYS.inactiveAccounts, evidenceFrom(EVIDENCE_KEYS.inactiveAccounts, outcome, p, collectedAt));
  }
  return out;
}

