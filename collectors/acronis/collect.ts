/**
 * Orchestration of one Acronis collection:
 *   1. token first (a wrong secret fails fast with one line naming the tenant and Acronis' error code),
 *   2. the resource-status paging, one series per configured resource type, run concurrently and folded into one
 *      tally as pages arrive,
 *   3. the evidence item with its provenance; `backup.immutability` is not applicable (no documented API reads
 *      immutable storage: immutability.ts) and costs no request.
 */
import type { CollectorContext, CollectorResult } from '../../src/collector-kit/plugin.js';
import type { Evidence } from '../../src/domain/evidence.js';
import { scrub } from '../../src/log/secrets.js';
import type { AcronisConfig } from './config.js';
import { RESOURCE_STATUSES_PATH, TOKEN_PATH } from './endpoints.js';
import { clientGone, collectorError, type Failure } from '../../src/collector-kit/failure.js';
import { isVendorHttpError } from '../../src/http/errors.js';
import { classify, describeTokenFailure } from './errors.js';
import { EVIDENCE_KEYS, PROVIDED_KEYS, Provenance, failedEvidence, okEvidence, type EvidenceKey } from './evidence.js';
import { createAcronisHttp, type HttpOptions } from './http.js';
import { ProtectionTally } from './protection.js';
import { immutabilityValue } from './immutability.js';
import { forEachResourceStatus, type PagingStats } from './resource-statuses.js';
import { customerTenantGone, TENANT_PATH } from './tenant-check.js';

/** Test seams; everything else comes from config. */
export type CollectOptions = HttpOptions;

export function keysFor(only?: readonly string[]): EvidenceKey[] {
  return only ? PROVIDED_KEYS.filter((k) => only.includes(k)) : [...PROVIDED_KEYS];
}

function collectorStatus(evidence: Evidence[], tenantId: string): Pick<CollectorResult, 'status' | 'error'> {
  const errored = evidence.filter((e) => e.status === 'error');
  if (errored.length === 0) return { status: 'ok', error: null };
  const detail = errored.map((e) => `${e.key}: ${e.reason ?? 'unknown error'}`).join('; ');
  if (errored.length === evidence.length) return { status: 'error', error: scrub(`no acronis evidence could be collected for tenant ${tenantId}: ${detail}`) };
  return { status: 'partial', error: scrub(`${errored.length} of ${evidence.length} acronis evidence keys failed for tenant ${tenantId}: ${detail}`) };
}

export async function collectAcronis(config: AcronisConfig, ctx: CollectorContext, options: CollectOptions = {}): Promise<CollectorResult> {
  const collectedAt = ctx.now().toISOString();
  const keys = keysFor(ctx.only);
  if (keys.length === 0) return { evidence: [], requests: 0, status: 'ok', error: null };
  if (!keys.includes(EVIDENCE_KEYS.protection)) {
    // Only backup.immutability asked for: it needs no request at all.
    return { evidence: [okEvidence(EVIDENCE_KEYS.immutability, immutabilityValue(), new Provenance(), collectedAt)], requests: 0, status: 'ok', error: null };
  }

  const http = createAcronisHttp(config, ctx, options);
  const tokens = http.tokenSource!;
  try {
    await tokens.getToken();
  } catch (err) {
    const message = describeTokenFailure(err, ctx.tenantId, config.baseUrl);
    ctx.logger.debug({ tenant: ctx.tenantId }, message); // the core logs result.error
    const evidence = keys.map((k) => failedEvidence(k, collectorError(message), new Provenance().add(TOKEN_PATH).charge(http.requests), collectedAt));
    return { evidence, requests: http.requests, status: 'error', error: message };
  }

  const tally = new ProtectionTally({ now: ctx.now(), customerTenantId: config.customerTenantId, resourceTypes: config.resourceTypes });
  const runs = await Promise.allSettled(
    config.resourceTypes.map((type) =>
      forEachResourceStatus(http, { type, tenantId: config.customerTenantId }, (item) => tally.add(item), ctx.signal),
    ),
  );
  const rejected = runs.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  const provenance = new Provenance().add(RESOURCE_STATUSES_PATH).charge(http.requests - tokens.requests);

  let evidence: Evidence;
  if (rejected) {
    let failure: Failure = classify(rejected.reason, config.customerTenantId);
    // A refusal for one customer tenant may mean it is gone (deleted at the vendor), not a missing role: ask.
    const refused = isVendorHttpError(rejected.reason) && ['forbidden', 'not_found'].includes(rejected.reason.kind);
    if (refused && config.customerTenantId) {
      const before = http.requests;
      if (await customerTenantGone(http, config.customerTenantId)) failure = clientGone(`Acronis customer tenant ${config.customerTenantId}`, config.baseUrl);
      provenance.add(TENANT_PATH).charge(http.requests - before);
    }
    evidence = failedEvidence(EVIDENCE_KEYS.protection, failure, provenance, collectedAt);
  } else {
    const value = tally.value();
    const stats = runs.map((r) => (r as PromiseFulfilledResult<PagingStats>).value);
    ctx.logger.info(
      {
        tenant: ctx.tenantId,
        pages: stats.reduce((n, s) => n + s.pages, 0),
        items: tally.seen,
        protected: value.protected,
        excludedOtherTenant: value.excludedOtherTenant,
      },
      'acronis: resource statuses collected',
    );
    if (value.excludedOtherTenant > 0) {
      // Defence in depth behind the tenant_id filter: another customer's machines never reach this tenant's evidence.
      ctx.logger.warn(
        { tenant: ctx.tenantId, customerTenantId: config.customerTenantId, resources: value.excludedOtherTenant },
        'acronis: resources of other customer tenants dropped',
      );
    }
    if (value.workloads === 0 && config.customerTenantId) {
      ctx.logger.warn(
        { tenant: ctx.tenantId, customerTenantId: config.customerTenantId },
        'acronis: no workloads in the configured customer tenant; check customerTenantId and that the API client can see it',
      );
    }
    evidence = okEvidence(EVIDENCE_KEYS.protection, value, provenance, collectedAt);
  }
  const out = [evidence];
  const status = collectorStatus(out, ctx.tenantId);
  // No request behind it: the API has no immutable-storage read (immutability.ts), so every measure is not applicable.
  // Not part of the status: a static answer must not turn a collection that read nothing into a "partial" one.
  if (keys.includes(EVIDENCE_KEYS.immutability)) out.push(okEvidence(EVIDENCE_KEYS.immutability, immutabilityValue(), new Provenance(), collectedAt));
  return { evidence: out, requests: http.requests, ...status };
}
