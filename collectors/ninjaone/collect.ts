/**
 * Orchestration of one NinjaOne collection:
 *   1. token (fail fast: a wrong secret gives one line naming the tenant and the OAuth error code),
 *   2. concurrently: the device listing (keyset paging), the OS patch report and the antivirus report (cursor
 *      paging), the active alerts (one call), the CONDITION activities of the last 30 days (paged backwards by id,
 *      capped) and — if automated patch policies are configured — the policy list, each aggregated while it pages,
 *   3. per-series look-ups of the severity of open alerts older than the activities read (bounded),
 *   4. joining the per-device state of patches, antivirus and alerts with the device scope.
 * Each evidence key succeeds or fails on its own; only `rmm.patches` needs the device listing to stand.
 */
import type { CollectorContext, CollectorResult } from '../../src/collector-kit/plugin.js';
import type { Evidence } from '../../src/domain/evidence.js';
import { networkCode, untrustedCertificateHint } from '../../src/http/errors.js';
import { registerSecret, scrub } from '../../src/log/secrets.js';
import { ActivityLog } from './activities.js';
import { deriveAlerts, inScope, severityOf, type ActivityInput, type AlertScope, type AlertsValue } from './alerts.js';
import { AntivirusTally, type AntivirusValue } from './antivirus.js';
import { ninjaoneConfigSchema, type NinjaOneConfig } from './config.js';
import { DeviceInventory, type DevicesValue } from './devices.js';
import { ACTIVITY_WINDOW_DAYS, ENDPOINTS, MAX_SERIES_LOOKUPS, SERIES_LOOKUP_PAGE_SIZE, TOKEN_PATH, orgFilter } from './endpoints.js';
import { EVIDENCE_KEYS, PROVIDED_KEYS, Provenance, evidenceFrom, type EvidenceKey, type Outcome } from './evidence.js';
import { clientGone, type Failure } from '../../src/collector-kit/failure.js';
import { isVendorHttpError } from '../../src/http/errors.js';
import { toFailure, tokenFailureMessage } from './failures.js';
import { CallCounter, createNinjaHttp, pageActivities, pageDevices, pageQuery, type ActivityWalk, type PageContext, type TransportOptions } from './http.js';
import { PatchTally, type AutomationInput, type PatchesValue } from './patches.js';
import { resolveAutomatedPolicies } from './policies.js';
import { activitiesPage, alertList, antivirusPage, organization, osPatchPage, policyList, type Alert, type Policy } from './schema.js';
import { DAY_MS } from './time.js';

export type CollectOptions = TransportOptions;

export interface Plan {
  keys: ReadonlySet<EvidenceKey>;
  patches: boolean;
  antivirus: boolean;
  alerts: boolean;
  policies: boolean;
}

/** `ctx.only` → the keys to emit and the endpoints they need (the device listing is always read: it is the scope). */
export function planFor(only: readonly string[] | undefined, config: Pick<NinjaOneConfig, 'automatedPatchPolicies'>): Plan {
  const keys = new Set(only ? PROVIDED_KEYS.filter((k) => only.includes(k)) : PROVIDED_KEYS);
  return {
    keys,
    patches: keys.has(EVIDENCE_KEYS.patches),
    antivirus: keys.has(EVIDENCE_KEYS.antivirus),
    alerts: keys.has(EVIDENCE_KEYS.alerts),
    policies: keys.has(EVIDENCE_KEYS.patches) && config.automatedPatchPolicies !== undefined,
  };
}

type Settled<T> = { ok: true; data: T } | { ok: false; error: unknown };

async function settle<T>(run: () => Promise<T>): Promise<Settled<T>> {
  try {
    return { ok: true, data: await run() };
  } catch (error) {
    return { ok: false, error };
  }
}

const SKIPPED: Settled<never> = { ok: false, error: new Error('not requested') };

function collectorStatus(evidence: Evidence[], tenantId: string): Pick<CollectorResult, 'status' | 'error'> {
  const errored = evidence.filter((e) => e.status === 'error');
  if (errored.length === 0) return { status: 'ok', error: null };
  if (errored.length === evidence.length) {
    return { status: 'error', error: scrub(`no ninjaone evidence could be collected for tenant ${tenantId}: ${errored[0]?.reason ?? 'unknown error'}`) };
  }
  return {
    status: 'partial',
    error: scrub(`${errored.length} of ${evidence.length} ninjaone evidence keys failed for tenant ${tenantId}: ${errored.map((e) => `${e.key} (${e.reason})`).join('; ')}`),
  };
}

function allFailed(plan: Plan, failure: Failure, collectedAt: string, endpoint: string): Evidence[] {
  return [...plan.keys].map((key) => evidenceFrom(key, { ok: false, failure }, new Provenance().add(endpoint), collectedAt));
}

/** Parse again on entry: the schema is idempotent, and this guarantees defaults whatever the caller passed. */
export function resolveConfig(raw: unknown): NinjaOneConfig {
  const config = ninjaoneConfigSchema.parse(raw);
  registerSecret(config.clientSecret);
  return config;
}

export async function collectNinjaOne(raw: NinjaOneConfig, ctx: CollectorContext, options: CollectOptions = {}): Promise<CollectorResult> {
  const config = resolveConfig(raw);
  const now = ctx.now();
  const collectedAt = now.toISOString();
  const plan = planFor(ctx.only, config);
  if (plan.keys.size === 0) return { evidence: [], requests: 0, status: 'ok', error: null };

  const http = createNinjaHttp(config, ctx, options);
  try {
    await http.tokenSource!.getToken();
  } catch (err) {
    const code = networkCode(err);
    const base = tokenFailureMessage(err, ctx.tenantId, config.baseUrl);
    const tls = base.includes('not trusted') ? '' : untrustedCertificateHint(code);
    const message = base + tls;
    ctx.logger.debug(message); // the core logs result.error at warn level
    return {
      evidence: allFailed(plan, { status: 'error', reasonCode: 'collector_error', reason: message }, collectedAt, TOKEN_PATH),
      requests: http.requests,
      status: 'error',
      error: message,
    };
  }

  try {
    const evidence = await collectWithToken(http, config, plan, ctx, now, collectedAt, options);
    return { evidence, requests: http.requests, ...collectorStatus(evidence, ctx.tenantId) };
  } catch (err) {
    // A bug, not a vendor failure: still no crash, and every key says why.
    const reason = scrub(`ninjaone collection failed for tenant ${ctx.tenantId}: ${(err as Error)?.message ?? String(err)}`);
    ctx.logger.error({ err: reason }, reason);
    return {
      evidence: allFailed(plan, { status: 'error', reasonCode: 'collector_error', reason }, collectedAt, ENDPOINTS.devices),
      requests: http.requests,
      status: 'error',
      error: reason,
    };
  }
}

async function collectWithToken(
  http: ReturnType<typeof createNinjaHttp>,
  config: NinjaOneConfig,
  plan: Plan,
  ctx: CollectorContext,
  now: Date,
  collectedAt: string,
  options: CollectOptions,
): Promise<Evidence[]> {
  const errOpts = { maxRetries: config.maxRetries, timeoutMs: config.timeoutMs };
  const df = orgFilter(config.organizationId);
  const counters = {
    devices: new CallCounter(),
    patches: new CallCounter(),
    antivirus: new CallCounter(),
    alerts: new CallCounter(),
    activities: new CallCounter(),
    policies: new CallCounter(),
    organization: new CallCounter(),
  };
  const pc = (counter: CallCounter): PageContext => ({ http, signal: ctx.signal, counter, pageSize: options.pageSize });

  const inventory = new DeviceInventory(now, config.organizationId);
  const patchTally = new PatchTally(now, config.patchWindowDays);
  const avTally = new AntivirusTally();
  const activityLog = new ActivityLog();
  const activitySince = now.getTime() - ACTIVITY_WINDOW_DAYS * DAY_MS;

  const [devices, patches, antivirus, alerts, activities, policies] = await Promise.all([
    settle(() => pageDevices(pc(counters.devices), df, (d) => inventory.add(d))),
    plan.patches ? settle(() => pageQuery(pc(counters.patches), ENDPOINTS.osPatches, osPatchPage, { df }, (r) => patchTally.add(r))) : SKIPPED,
    plan.antivirus ? settle(() => pageQuery(pc(counters.antivirus), ENDPOINTS.antivirus, antivirusPage, { df }, (r) => avTally.add(r))) : SKIPPED,
    plan.alerts
      ? settle((): Promise<Alert[]> => {
          counters.alerts.count += 1;
          return http.get(ENDPOINTS.alerts, alertList, { params: { df } });
        })
      : SKIPPED,
    plan.alerts
      ? settle(
          (): Promise<ActivityWalk> =>
            pageActivities(pc(counters.activities), { class: 'DEVICE', type: 'CONDITION', df }, activitySince, (a) => activityLog.add(a)),
        )
      : SKIPPED,
    plan.policies
      ? settle((): Promise<Policy[]> => {
          counters.policies.count += 1;
          return http.get(ENDPOINTS.policies, policyList);
        })
      : SKIPPED,
  ]);
  ctx.logger.debug({ requests: http.requests, devices: inventory.managed.size }, 'ninjaone: endpoints read');

  // An organisation that lists no device at all may no longer exist: NinjaOne answers a `df` naming a deleted
  // organisation with empty listings. Ask for it, so a vanished client reads as unknown — never as an empty estate
  // failing every rule, and never as a reason to read the whole instance.
  if (config.organizationId !== undefined && devices.ok && inventory.scopeIds.size === 0) {
    counters.organization.count += 1;
    const gone = await http.get(`/v2/organization/${config.organizationId}`, organization).then(
      () => false,
      (err: unknown) => isVendorHttpError(err) && err.kind === 'not_found',
    );
    if (gone) {
      const failure = clientGone(`NinjaOne organisation ${config.organizationId}`, config.baseUrl);
      const prov = () => new Provenance().add(ENDPOINTS.devices, counters.devices).add(ENDPOINTS.organization, counters.organization);
      return PROVIDED_KEYS.filter((k) => plan.keys.has(k)).map((key) => evidenceFrom(key, { ok: false, failure }, prov(), collectedAt));
    }
  }

  const fail = (error: unknown): Outcome<Record<string, unknown>> => ({ ok: false, failure: toFailure(error, errOpts) });
  const listing = devices.ok ? inventory : null;
  const alertScope: AlertScope = { organizationId: config.organizationId, deviceIds: listing ? listing.scopeIds : null, managedDevices: listing ? listing.managed.size : null };

  let activityInput: ActivityInput | undefined;
  if (plan.alerts && alerts.ok) {
    if (!activities.ok) {
      activityInput = { ok: false, reason: toFailure(activities.error, errOpts).reason };
    } else {
      const lookup = await lookUpSeverities(http, pc(counters.activities), alerts.data, alertScope, activityLog, errOpts);
      activityInput = { ok: true, log: activityLog, walk: activities.data, sinceMs: activitySince, lookups: lookup.lookups, lookupNote: lookup.note };
    }
  }

  const build: Record<EvidenceKey, () => { outcome: Outcome<Record<string, unknown>>; prov: Provenance }> = {
    [EVIDENCE_KEYS.devices]: () => ({
      prov: new Provenance().add(ENDPOINTS.devices, counters.devices),
      outcome: listing ? { ok: true, value: listing.value() satisfies DevicesValue } : fail(devices.ok ? null : devices.error),
    }),
    [EVIDENCE_KEYS.patches]: () => {
      const prov = new Provenance().add(ENDPOINTS.devices, counters.devices).add(ENDPOINTS.osPatches, counters.patches);
      if (plan.policies) prov.add(ENDPOINTS.policies, counters.policies);
      if (!devices.ok) {
        const f = toFailure(devices.error, errOpts);
        return { prov, outcome: { ok: false, failure: { ...f, reason: `patch compliance is measured over the device inventory, which failed: ${f.reason}` } } };
      }
      if (!patches.ok) return { prov, outcome: fail(patches.error) };
      const automation = automationInput(config, policies);
      const value: PatchesValue & { automatedPolicies: string[] | null } = {
        ...patchTally.value(inventory.managed, automation, now),
        automatedPolicies: automation.names,
      };
      return { prov, outcome: { ok: true, value } };
    },
    [EVIDENCE_KEYS.alerts]: () => {
      const prov = new Provenance().add(ENDPOINTS.alerts, counters.alerts).add(ENDPOINTS.activities, counters.activities);
      // The listing scopes alerts (with an organisation) and gives the device count the rates are normalised by.
      if (listing) prov.add(ENDPOINTS.devices, counters.devices);
      if (!alerts.ok) return { prov, outcome: fail(alerts.error) };
      return { prov, outcome: { ok: true, value: deriveAlerts(alerts.data, alertScope, now, activityInput) satisfies AlertsValue } };
    },
    [EVIDENCE_KEYS.antivirus]: () => {
      const prov = new Provenance().add(ENDPOINTS.antivirus, counters.antivirus);
      if (listing) prov.add(ENDPOINTS.devices, counters.devices);
      if (!antivirus.ok) return { prov, outcome: fail(antivirus.error) };
      return { prov, outcome: { ok: true, value: avTally.value(listing ? listing.managed : null) satisfies AntivirusValue } };
    },
  };

  const evidence = PROVIDED_KEYS.filter((k) => plan.keys.has(k)).map((key) => {
    const { outcome, prov } = build[key]();
    return evidenceFrom(key, outcome, prov, collectedAt);
  });
  logDroppedRows(ctx, config, inventory, evidence);
  return evidence;
}

/**
 * Rows outside the configured organisation that the collector dropped (defence in depth behind `df`): devices of
 * another organisation, and alerts whose device is not one of the organisation's. One line, so an instance that
 * stopped honouring the filter is noticed instead of silently mixing clients.
 */
function logDroppedRows(ctx: CollectorContext, config: NinjaOneConfig, inventory: DeviceInventory, evidence: Evidence[]): void {
  if (config.organizationId === undefined) return;
  const alerts = evidence.find((e) => e.key === EVIDENCE_KEYS.alerts)?.value?.outOfScope;
  const alertsDropped = typeof alerts === 'number' ? alerts : 0;
  if (inventory.otherOrganization === 0 && alertsDropped === 0) return;
  ctx.logger.warn(
    { tenant: ctx.tenantId, organizationId: config.organizationId, devices: inventory.otherOrganization, alerts: alertsDropped },
    'ninjaone: rows outside the configured organisation dropped',
  );
}

/**
 * Open alerts in scope with no severity of their own and no activity in the window read (triggered earlier): ask the
 * log for their series one by one (`seriesUid=<uid>`, newest 10 CONDITION activities), at most MAX_SERIES_LOOKUPS
 * per collection. A failed look-up ends the look-ups: the alerts left count as high (worst case), and the note says
 * why.
 */
async function lookUpSeverities(
  http: ReturnType<typeof createNinjaHttp>,
  pc: PageContext,
  alerts: readonly Alert[],
  scope: AlertScope,
  log: ActivityLog,
  errOpts: { maxRetries: number; timeoutMs: number },
): Promise<{ lookups: number; note: string | null }> {
  const wanted = alerts.filter((a) => a.uid && inScope(a, scope) && severityOf(a) === 'unknown' && !log.severityOf(a.uid));
  let lookups = 0;
  for (const a of wanted) {
    if (lookups >= MAX_SERIES_LOOKUPS) {
      return { lookups, note: `${wanted.length - lookups} open alerts older than the activities read were not looked up (at most ${MAX_SERIES_LOOKUPS} per scan); they count as high severity` };
    }
    if (pc.signal.aborted) return { lookups, note: 'the scan was aborted during the severity look-ups' };
    lookups += 1;
    pc.counter.count += 1;
    try {
      const body = await http.get(ENDPOINTS.activities, activitiesPage, {
        params: { class: 'DEVICE', type: 'CONDITION', seriesUid: a.uid!, pageSize: SERIES_LOOKUP_PAGE_SIZE },
      });
      for (const act of body.activities) if ((act.seriesUid ?? '').trim().toLowerCase() === a.uid!.trim().toLowerCase()) log.add(act);
    } catch (err) {
      const reason = toFailure(err, errOpts).reason;
      return { lookups, note: `a severity look-up failed (${reason}); the open alerts not resolved count as high severity` };
    }
  }
  return { lookups, note: null };
}

function automationInput(config: NinjaOneConfig, policies: Settled<Policy[]>): AutomationInput & { names: string[] | null } {
  if (!config.automatedPatchPolicies) {
    return {
      policyIds: null,
      names: null,
      note: 'automatedPatchPolicies is not configured: the NinjaOne API does not expose a policy\'s patch settings, so automation is unknown',
    };
  }
  if (!policies.ok) {
    return { policyIds: null, names: null, note: `the policy list could not be read: ${toFailure(policies.error, { maxRetries: config.maxRetries, timeoutMs: config.timeoutMs }).reason}` };
  }
  const resolved = resolveAutomatedPolicies(policies.data, config.automatedPatchPolicies);
  if (resolved.ids.size === 0) {
    return { policyIds: null, names: null, note: `none of automatedPatchPolicies matches a NinjaOne policy (${resolved.unresolved.join(', ')})` };
  }
  return {
    policyIds: resolved.ids,
    names: resolved.names,
    note: resolved.unresolved.length > 0 ? `automatedPatchPolicies entries matching no policy: ${resolved.unresolved.join(', ')}` : null,
  };
}
