/**
 * Orchestration of one Datto RMM collection:
 *   1. token (a wrong key/secret fails the collector once, with one line naming the tenant and Datto's error code);
 *   2. concurrently: the device listing (one walk feeds rmm.devices, rmm.patches and rmm.antivirus — Datto puts
 *      online state, patch and AV status on every device, so no per-device call is ever needed) and the open-alert
 *      listing (rmm.alerts, normalised per 100 devices of the device listing); per configured site, or account-wide
 *      without `siteUid`;
 *   3. evidence per key; one failing listing never sinks the other (alerts without the device listing keep their
 *      counts and lose only the per-device rates).
 */
import type { ZodType } from 'zod';
import type { CollectorContext, CollectorResult } from '../../src/collector-kit/plugin.js';
import type { Evidence } from '../../src/domain/evidence.js';
import { isVendorHttpError } from '../../src/http/errors.js';
import { registerSecret, scrub } from '../../src/log/secrets.js';
import { AlertTally, type AlertsValue } from './alerts.js';
import { AntivirusTally, type AntivirusValue } from './antivirus.js';
import { siteUidsOf, type DattoRmmConfig } from './config.js';
import { classifyDevice, InventoryTally, type DevicesValue } from './devices.js';
import { PATHS, TOKEN_PATH, type Resource } from './endpoints.js';
import type { Failure } from '../../src/collector-kit/failure.js';
import { classify, describeTokenError } from './errors.js';
import {
  DEVICE_KEYS,
  EVIDENCE_KEYS,
  PROVIDED_KEYS,
  Provenance,
  evidenceFrom,
  failedEvidence,
  type EvidenceKey,
  type Outcome,
} from './evidence.js';
import { createDattoClient, type ClientOptions, type DattoClient } from './http.js';
import { newWalkState, walkPages } from './paging.js';
import { PatchTally, type PatchesValue } from './patches.js';
import { alertsPage, devicesPage, paginationConfig, type PageDetails } from './schema.js';

/** Test seams (retry backoff); everything else comes from config. */
export type CollectOptions = ClientOptions;

export interface Plan {
  keys: ReadonlySet<EvidenceKey>;
  devices: boolean;
  alerts: boolean;
}

/** `ctx.only` → the keys to emit and the listings they need (alerts need the device count too). */
export function planFor(only?: readonly string[]): Plan {
  const keys = new Set(only ? PROVIDED_KEYS.filter((k) => only.includes(k)) : PROVIDED_KEYS);
  const alerts = keys.has(EVIDENCE_KEYS.alerts);
  return { keys, devices: alerts || DEVICE_KEYS.some((k) => keys.has(k)), alerts };
}

interface Target {
  path: string;
  siteUid?: string;
}

export function targetsFor(resource: Resource, siteUids: readonly string[]): Target[] {
  if (siteUids.length === 0) return [{ path: resource === 'devices' ? PATHS.accountDevices : PATHS.accountOpenAlerts }];
  return siteUids.map((siteUid) => ({ path: resource === 'devices' ? PATHS.siteDevices(siteUid) : PATHS.siteOpenAlerts(siteUid), siteUid }));
}

/**
 * "Is GET /api/v2/system/pagination refused too?" — asked at most once per collection, only after a 403 on the
 * first page of a listing (see errors.ts).
 */
export class BlockProbe {
  private result: Promise<boolean> | null = null;
  constructor(private readonly client: DattoClient) {}

  refused = (): Promise<boolean> => {
    this.result ??= this.client.get(PATHS.pagination, paginationConfig).then(
      () => false,
      (e: unknown) => isVendorHttpError(e) && (e.kind === 'forbidden' || e.kind === 'ip_blocked'),
    );
    return this.result;
  };
}

interface ListingContext {
  client: DattoClient;
  ctx: CollectorContext;
  probe: BlockProbe;
  timeoutMs: number;
  baseUrl: string;
}

/**
 * Defence in depth behind the per-site paths: a row whose `siteUid` is not one of the configured sites is dropped
 * and counted (a listing that mixed in another client's devices or alerts must never reach this tenant's evidence).
 * Without `siteUid` the whole account is the scope and nothing is dropped.
 */
export class SiteFilter {
  private readonly sites: ReadonlySet<string> | null;
  dropped = 0;

  constructor(siteUids: readonly string[]) {
    this.sites = siteUids.length > 0 ? new Set(siteUids.map((s) => s.toLowerCase())) : null;
  }

  keeps(siteUid: string | null | undefined): boolean {
    if (!this.sites || !siteUid) return true;
    if (this.sites.has(siteUid.trim().toLowerCase())) return true;
    this.dropped += 1;
    return false;
  }
}

/**
 * Walk one listing over every target (sequentially: they share the account budget anyway), feeding each page to
 * `onPage`. A failure on any target fails the listing: a partial inventory would misstate every percentage.
 */
async function walkListing<P extends { pageDetails: PageDetails }>(
  l: ListingContext,
  resource: Resource,
  targets: Target[],
  pageSchema: ZodType<P>,
  onPage: (page: P) => void,
  provenance: Provenance,
): Promise<Failure | null> {
  for (const target of targets) {
    const state = newWalkState();
    provenance.add(target.path);
    try {
      await walkPages({ client: l.client, path: target.path, pageSchema, onPage, state, signal: l.ctx.signal });
    } catch (err) {
      let probed = false;
      const failure = await classify(err, {
        resource,
        path: target.path,
        pagesRead: state.pages,
        probeRefused: () => {
          probed = true;
          return l.probe.refused();
        },
        siteUid: target.siteUid,
        baseUrl: l.baseUrl,
        timeoutMs: l.timeoutMs,
      });
      if (probed) provenance.add(PATHS.pagination);
      return failure;
    } finally {
      provenance.charge(state.requests);
    }
  }
  return null;
}

interface DeviceValues {
  devices: DevicesValue;
  patches: PatchesValue;
  antivirus: AntivirusValue;
}

async function collectDevices(l: ListingContext, siteUids: string[], plan: Plan, provenance: Provenance): Promise<Outcome<DeviceValues>> {
  const now = l.ctx.now();
  const inventory = new InventoryTally(now, siteUids.length > 0 ? siteUids : null);
  const patches = new PatchTally();
  const antivirus = new AntivirusTally();
  const filter = new SiteFilter(siteUids);
  let seen = 0;
  const failure = await walkListing(
    l,
    'devices',
    targetsFor('devices', siteUids),
    devicesPage,
    (page) => {
      for (const d of page.devices) {
        seen += 1;
        if (!filter.keeps(d.siteUid)) continue;
        const scope = classifyDevice(d);
        inventory.add(d, scope); // rmm.devices, and the device count of rmm.alerts
        if (plan.keys.has(EVIDENCE_KEYS.patches)) patches.add(d, scope);
        if (plan.keys.has(EVIDENCE_KEYS.antivirus)) antivirus.add(d, scope);
      }
    },
    provenance,
  );
  if (failure) return { ok: false, failure };
  l.ctx.logger.debug({ devices: seen, requests: provenance.requests }, 'datto-rmm: device listing read');
  logDropped(l.ctx, 'devices', filter, siteUids);
  return { ok: true, value: { devices: inventory.value(), patches: patches.value(), antivirus: antivirus.value() } };
}

async function collectAlerts(l: ListingContext, siteUids: string[], provenance: Provenance): Promise<Outcome<AlertTally>> {
  const tally = new AlertTally(l.ctx.now(), siteUids.length > 0 ? siteUids : null);
  const filter = new SiteFilter(siteUids);
  const failure = await walkListing(
    l,
    'alerts',
    targetsFor('alerts', siteUids),
    alertsPage,
    (page) => {
      for (const a of page.alerts) if (filter.keeps(a.alertSourceInfo?.siteUid)) tally.add(a);
    },
    provenance,
  );
  if (failure) return { ok: false, failure };
  logDropped(l.ctx, 'alerts', filter, siteUids);
  return { ok: true, value: tally };
}

function logDropped(ctx: CollectorContext, rows: 'devices' | 'alerts', filter: SiteFilter, siteUids: readonly string[]): void {
  if (filter.dropped === 0) return;
  ctx.logger.warn({ tenant: ctx.tenantId, siteUids, [rows]: filter.dropped }, `datto-rmm: ${rows} of other sites dropped`);
}

function collectorStatus(evidence: Evidence[], tenantId: string): Pick<CollectorResult, 'status' | 'error'> {
  const errored = evidence.filter((e) => e.status === 'error');
  if (errored.length === 0) return { status: 'ok', error: null };
  if (errored.length === evidence.length) {
    return { status: 'error', error: scrub(`no Datto RMM evidence could be collected for tenant ${tenantId}: ${errored[0]?.reason ?? 'unknown error'}`) };
  }
  return {
    status: 'partial',
    error: scrub(`${errored.length} of ${evidence.length} Datto RMM evidence keys failed for tenant ${tenantId}: ${errored.map((e) => `${e.key} (${e.reason})`).join('; ')}`),
  };
}

function allFailed(plan: Plan, failure: Failure, collectedAt: string, endpoints: string[]): Evidence[] {
  return [...plan.keys].map((key) => failedEvidence(key, failure, new Provenance().add(endpoints), collectedAt));
}

export async function collectDattoRmm(config: DattoRmmConfig, ctx: CollectorContext, options: CollectOptions = {}): Promise<CollectorResult> {
  const collectedAt = ctx.now().toISOString();
  const plan = planFor(ctx.only);
  if (plan.keys.size === 0) return { evidence: [], requests: 0, status: 'ok', error: null };
  // The core registers secrets given as references; a literal one must not leak either.
  registerSecret(config.apiSecret);
  const client = createDattoClient(config, ctx, options);

  try {
    await client.authenticate();
  } catch (err) {
    const message = describeTokenError(err, ctx.tenantId, config.baseUrl, config.apiKey);
    ctx.logger.debug(message); // the core logs result.error at warn level
    return {
      evidence: allFailed(plan, { status: 'error', reasonCode: 'collector_error', reason: message }, collectedAt, [TOKEN_PATH]),
      requests: client.requests,
      status: 'error',
      error: message,
    };
  }

  try {
    const siteUids = siteUidsOf(config);
    const l: ListingContext = { client, ctx, probe: new BlockProbe(client), timeoutMs: config.timeoutMs, baseUrl: config.baseUrl };
    const deviceProv = new Provenance();
    const alertProv = new Provenance();
    const [devices, alerts] = await Promise.all([
      plan.devices ? collectDevices(l, siteUids, plan, deviceProv) : Promise.resolve(null),
      plan.alerts ? collectAlerts(l, siteUids, alertProv) : Promise.resolve(null),
    ]);

    const evidence: Evidence[] = [];
    for (const key of PROVIDED_KEYS) {
      if (!plan.keys.has(key)) continue;
      if (key === EVIDENCE_KEYS.alerts) {
        const listed = devices?.ok === true;
        const outcome: Outcome<AlertsValue> = alerts!.ok ? { ok: true, value: alerts!.value.value(listed ? devices.value.devices.total : null) } : alerts!;
        // The device listing is charged to rmm.alerts only when it gave the value its device count.
        evidence.push(evidenceFrom(key, outcome, listed && outcome.ok ? new Provenance().merge(alertProv, deviceProv) : alertProv, collectedAt));
        continue;
      }
      const part = key === EVIDENCE_KEYS.devices ? 'devices' : key === EVIDENCE_KEYS.patches ? 'patches' : 'antivirus';
      const outcome: Outcome<Record<string, unknown>> = devices!.ok ? { ok: true, value: devices!.value[part] } : devices!;
      evidence.push(evidenceFrom(key, outcome, deviceProv, collectedAt));
    }
    return { evidence, requests: client.requests, ...collectorStatus(evidence, ctx.tenantId) };
  } catch (err) {
    // Unexpected (a bug): still no crash, and every key says why.
    const reason = scrub(`Datto RMM collection failed for tenant ${ctx.tenantId}: ${(err as Error)?.message ?? String(err)}`);
    ctx.logger.error({ err }, reason);
    return { evidence: allFailed(plan, { status: 'error', reasonCode: 'collector_error', reason }, collectedAt, []), requests: client.requests, status: 'error', error: reason };
  }
}
