/**
 * `ratchet doctor` for m365: which credential, can we get a token (and if the tenant has not consented, where its
 * administrator does), and can each endpoint be read? Every check names what is missing (the permission to grant,
 * the licence the tenant lacks, or the network error), with Microsoft's request-id when there was a response.
 */
import { z } from 'zod';
import type { CollectorContext, DoctorCheck } from '../../src/collector-kit/plugin.js';
import { scrub } from '../../src/log/secrets.js';
import { resolveCloud } from './clouds.js';
import type { M365Config } from './config.js';
import { classifyTokenFailure, consentTargetOf } from './consent.js';
import { ENDPOINTS, EVENTUAL_CONSISTENCY, GLOBAL_ADMIN_ROLE_TEMPLATE, QUERIES, type EndpointSpec } from './endpoints.js';
import { GraphFailure, classify, isNonPremium, toGraphFailure, type ClassifyOptions } from './errors.js';
import { isDefenderNotProvisioned } from './defender-alerts.js';
import { DNS_CHECK, dnsCheck } from './email-auth/doctor.js';
import { RequestCounter, RequestTag, acquireToken, createDescribedCredential, createGraphClient, describeTokenError, graphPace } from './graph.js';
import { IDENTITY_ENDPOINTS, IDENTITY_QUERIES } from './identity-endpoints.js';
import { getJson, type GraphContext } from './requests.js';
import { collectionPage, countBody } from './schema.js';

interface Probe {
  /** Check name when the path alone would repeat another probe's. */
  label?: string;
  spec: EndpointSpec;
  url: string;
  headers?: Record<string, string>;
}

const PROBES: Probe[] = [
  { spec: ENDPOINTS.subscribedSkus, url: '/subscribedSkus?$select=skuId' },
  { spec: ENDPOINTS.registrationReport, url: `${ENDPOINTS.registrationReport.path}?$select=id&$top=1` },
  { spec: ENDPOINTS.conditionalAccess, url: `${ENDPOINTS.conditionalAccess.path}?$select=id&$top=1` },
  { spec: ENDPOINTS.securityDefaults, url: QUERIES.securityDefaults },
  { spec: ENDPOINTS.secureScores, url: QUERIES.secureScores },
  { spec: ENDPOINTS.roleAssignments, url: `${ENDPOINTS.roleAssignments.path}?$filter=roleDefinitionId eq '${GLOBAL_ADMIN_ROLE_TEMPLATE}'&$select=id` },
  { spec: ENDPOINTS.managedDevices, url: `${ENDPOINTS.managedDevices.path}?$select=id&$top=1` },
  { spec: ENDPOINTS.users, url: '/users?$select=id&$top=1' },
  // Defender alerts, Windows Update rings, SharePoint tenant settings.
  { spec: ENDPOINTS.defenderAlerts, url: `${ENDPOINTS.defenderAlerts.path}?$top=1` },
  { spec: ENDPOINTS.updateRings, url: `${QUERIES.updateRings}&$top=1` },
  { spec: ENDPOINTS.sharepointSettings, url: QUERIES.sharepointSettings },
  // authorization and authentication methods policies, PIM schedules, signInActivity, domains.
  { spec: IDENTITY_ENDPOINTS.authorizationPolicy, url: IDENTITY_QUERIES.authorizationPolicy },
  { spec: IDENTITY_ENDPOINTS.authenticationMethodsPolicy, url: IDENTITY_QUERIES.authenticationMethodsPolicy },
  { spec: IDENTITY_ENDPOINTS.roleEligibilitySchedules, url: `${IDENTITY_QUERIES.pimEligible}&$top=1` },
  { spec: IDENTITY_ENDPOINTS.signInActivity, url: '/users?$select=id,signInActivity&$top=1', label: 'GET /users (signInActivity)' },
  { spec: ENDPOINTS.domains, url: '/domains?$select=id,passwordValidityPeriodInDays' },
];

/** Probes of single resources (not collections): only checked for an answer. */
const SINGLE_PROBES: ReadonlySet<EndpointSpec> = new Set<EndpointSpec>([IDENTITY_ENDPOINTS.authorizationPolicy, IDENTITY_ENDPOINTS.authenticationMethodsPolicy]);

const label = (spec: EndpointSpec) => `GET ${spec.path}`;

export async function doctorM365(config: M365Config, ctx: CollectorContext, options: { retryDelaySeconds?: number } = {}): Promise<DoctorCheck[]> {
  const cloud = resolveCloud(config.cloud);
  const checks: DoctorCheck[] = [];
  const skipRest = (reason: string) => {
    for (const p of PROBES) checks.push({ check: p.label ?? label(p.spec), ok: false, detail: reason });
    checks.push({ check: label(ENDPOINTS.authenticationMethods), ok: false, detail: reason });
    checks.push({ check: label(ENDPOINTS.groupUserCount), ok: false, detail: reason });
    checks.push({ check: DNS_CHECK, ok: false, detail: reason });
    return checks;
  };

  // Which credential, named without its secret: the first thing to know when a token is refused.
  let built;
  try {
    built = createDescribedCredential(config, cloud);
    checks.push({ check: 'credential', ok: true, detail: `${built.description} for app ${config.clientId}` });
  } catch (err) {
    checks.push({ check: 'credential', ok: false, detail: scrub(err instanceof Error ? err.message : String(err)) });
    checks.push({ check: 'token', ok: false, detail: 'not checked: no credential' });
    return skipRest('not checked: no token');
  }
  const credential = built.credential;
  try {
    await acquireToken(credential, cloud, config.timeoutMs, ctx.signal);
    checks.push({ check: 'token', ok: true, detail: `token for ${cloud.scope} issued by ${cloud.authorityHost} for tenant ${config.tenantId} (${built.description})` });
  } catch (err) {
    checks.push({ check: 'token', ok: false, detail: describeTokenError(err, config, cloud) });
    // A refusal that means "not consented here" gets the one link that fixes it, at the tenant's own cloud.
    const consent = classifyTokenFailure(err, consentTargetOf(config));
    if (consent.state === 'not-consented') {
      checks.push({
        check: 'admin consent',
        ok: false,
        detail: `app ${config.clientId} is not consented in tenant ${config.tenantId} (${consent.code}): a Global Administrator of the tenant grants it at ${consent.adminConsentUrl}`,
      });
    }
    return skipRest('not checked: no token');
  }

  const g: GraphContext = {
    client: createGraphClient(credential, cloud, {
      timeoutMs: config.timeoutMs,
      maxRetries: config.maxRetries,
      signal: ctx.signal,
      total: new RequestCounter(),
      retryDelaySeconds: options.retryDelaySeconds,
      pace: graphPace(config, ctx),
    }),
    graphOrigin: cloud.graphOrigin,
    maxRetries: config.maxRetries,
    signal: ctx.signal,
  };
  const opts: ClassifyOptions = { timeoutMs: config.timeoutMs, maxRetries: config.maxRetries };
  const tag = new RequestTag();

  let firstUserId: string | null = null;
  const results = await Promise.all(
    PROBES.map(async (probe): Promise<DoctorCheck> => {
      if (probe.spec === ENDPOINTS.secureScores && !cloud.features.secureScore) {
        return { check: probe.label ?? label(probe.spec), ok: true, detail: `not offered in the ${cloud.name} cloud; evidence will be unavailable` };
      }
      try {
        // Single resources (not collections) are only checked for an answer.
        const single = probe.spec === ENDPOINTS.securityDefaults || probe.spec === ENDPOINTS.sharepointSettings || SINGLE_PROBES.has(probe.spec);
        const page = await getJson(g, probe.url, single ? z.unknown() : collectionPage, tag, probe.headers);
        if (probe.spec === ENDPOINTS.users) {
          const first = (page as { value?: Array<{ id?: unknown }> }).value?.[0]?.id;
          if (typeof first === 'string') firstUserId = first;
        }
        return { check: probe.label ?? label(probe.spec), ok: true, detail: `readable (${probe.spec.permission} granted)` };
      } catch (err) {
        if (probe.spec === ENDPOINTS.registrationReport && isNonPremium(err)) {
          return {
            check: probe.label ?? label(probe.spec),
            ok: false,
            detail:
              `the tenant has no ${probe.spec.licence}: MFA registration will be measured per user instead ` +
              `(needs ${ENDPOINTS.users.permission} and ${ENDPOINTS.authenticationMethods.permission})`,
          };
        }
        const e = toGraphFailure(err, probe.spec.path);
        if (probe.spec === ENDPOINTS.defenderAlerts && e instanceof GraphFailure && isDefenderNotProvisioned(e.status, e.message)) {
          return {
            check: probe.label ?? label(probe.spec),
            ok: false,
            detail: `the tenant has no Microsoft Defender product provisioned: m365.defender.alerts will be unavailable (not licensed) until it has ${probe.spec.licence}`,
          };
        }
        return { check: probe.label ?? label(probe.spec), ok: false, detail: classify(err, probe.spec, opts).reason };
      }
    }),
  );
  checks.push(...results);

  // Per-user methods are only needed without P1, but doctor says up front whether the fallback would work.
  const methods = ENDPOINTS.authenticationMethods;
  if (!cloud.features.authenticationMethods) {
    checks.push({ check: label(methods), ok: true, detail: `not offered in the ${cloud.name} cloud` });
  } else if (firstUserId === null) {
    checks.push({ check: label(methods), ok: false, detail: `not checked: no user could be listed (needs ${ENDPOINTS.users.permission})` });
  } else {
    try {
      await getJson(g, QUERIES.authenticationMethods(firstUserId), collectionPage, tag);
      checks.push({ check: label(methods), ok: true, detail: `readable (${methods.permission} granted)` });
    } catch (err) {
      checks.push({ check: label(methods), ok: false, detail: classify(err, methods, opts).reason });
    }
  }
  checks.push(await groupCountCheck(g, tag, opts));
  checks.push(await dnsCheck(config, await domainsForDns(g, tag, opts), ctx.signal));
  return checks;
}

/** The tenant's domains for the DNS check (one more small GET: the probe above asks for a narrower $select). */
async function domainsForDns(g: GraphContext, tag: RequestTag, opts: ClassifyOptions): Promise<{ ok: true; body: unknown } | { ok: false; reason: string }> {
  try {
    return { ok: true, body: await getJson(g, QUERIES.domains, z.unknown(), tag) };
  } catch (err) {
    return { ok: false, reason: classify(err, ENDPOINTS.domains, opts).reason };
  }
}

/**
 * The count of an excluded group's users (for m365.mfa.enforcement's excludedUsers) needs GroupMember.Read.All:
 * list one group and count its transitive user members, as the collector does for excluded groups.
 */
async function groupCountCheck(g: GraphContext, tag: RequestTag, opts: ClassifyOptions): Promise<DoctorCheck> {
  const spec = ENDPOINTS.groupUserCount;
  let groupId: unknown;
  try {
    const page = await getJson(g, '/groups?$select=id&$top=1', collectionPage, tag);
    groupId = (page.value[0] as { id?: unknown } | undefined)?.id;
  } catch (err) {
    return { check: label(spec), ok: false, detail: classify(err, ENDPOINTS.groups, opts).reason };
  }
  if (typeof groupId !== 'string') return { check: label(spec), ok: true, detail: `not checked: the tenant has no groups (needs ${spec.permission})` };
  try {
    await getJson(g, QUERIES.groupUserCount(groupId), countBody, tag, { ...EVENTUAL_CONSISTENCY });
    return { check: label(spec), ok: true, detail: `readable (${spec.permission} granted)` };
  } catch (err) {
    return { check: label(spec), ok: false, detail: classify(err, spec, opts).reason };
  }
}
