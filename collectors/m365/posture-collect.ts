/**
 * Fetching for the Defender alerts, update rings and SharePoint sharing keys. Each first page rides in the first
 * `$batch` (collect.ts); `@odata.nextLink`s are followed here, concurrently with the registration and device paging.
 * Each key fails on its own and degrades to `unavailable` with the exact permission or licence to grant.
 */
import type { Failure, Outcome } from '../../src/collector-kit/failure.js';
import { scrub } from '../../src/log/secrets.js';
import { DefenderAlertTally, isDefenderNotProvisioned, securityAlert, type DefenderAlertsValue } from './defender-alerts.js';
import { ENDPOINTS } from './endpoints.js';
import { GraphFailure, classify, isIntuneNotLicensed, pathOf, toGraphFailure, type ClassifyOptions } from './errors.js';
import { RequestTag, type RequestCounter } from './graph.js';
import type { LicenseValue } from './licenses.js';
import { iteratePages, parseWith, type BatchOutcome, type GraphContext } from './requests.js';
import { deriveSharepointSharing, sharepointSettings, type SharepointSharingValue } from './sharepoint-sharing.js';
import { deriveUpdateRings, updateRing, type UpdateRing, type UpdateRingsValue } from './update-rings.js';

function fail<V>(failure: Failure): Outcome<V> {
  return { ok: false, failure };
}

/** alerts_v2 and SharePoint settings are offered in the global and US government clouds only (Microsoft's docs). */
export function notOfferedIn(cloudName: string, path: string): Failure {
  return { status: 'unavailable', reasonCode: 'not_licensed', reason: `GET ${path} is not offered in the ${cloudName} cloud` };
}

function notRequested(url: string): Error {
  return new Error(`GET ${pathOf(url)} was not requested`);
}

const INTUNE_NOT_LICENSED: Failure = {
  status: 'unavailable',
  reasonCode: 'not_licensed',
  reason: 'the tenant has no Microsoft Intune licence (no active subscription includes an Intune service plan), so there are no update rings to read',
};

export async function collectDefenderAlerts(
  g: GraphContext,
  first: BatchOutcome | undefined,
  url: string,
  now: Date,
  opts: ClassifyOptions,
  counter: RequestCounter,
): Promise<Outcome<DefenderAlertsValue>> {
  const spec = ENDPOINTS.defenderAlerts;
  const tally = new DefenderAlertTally(now);
  try {
    if (!first) throw notRequested(url);
    if (!first.ok) throw first.error;
    await iteratePages(g, { url, firstPage: first.body, itemSchema: securityAlert, tag: new RequestTag(counter), onItem: (a) => tally.add(a) });
  } catch (err) {
    const e = toGraphFailure(err, spec.path);
    if (e instanceof GraphFailure && isDefenderNotProvisioned(e.status, e.message)) {
      return fail({
        status: 'unavailable',
        reasonCode: 'not_licensed',
        reason: scrub(`GET ${spec.path}: the tenant has no Microsoft Defender product provisioned (HTTP 403: ${e.message.slice(0, 120)}); needs ${spec.licence}`),
      });
    }
    return fail(classify(e, spec, opts));
  }
  return { ok: true, value: tally.value() };
}

export async function collectUpdateRings(
  g: GraphContext,
  first: BatchOutcome | undefined,
  url: string,
  licences: LicenseValue | null,
  opts: ClassifyOptions,
  counter: RequestCounter,
): Promise<Outcome<UpdateRingsValue>> {
  const spec = ENDPOINTS.updateRings;
  if (licences && !licences.intune) return fail(INTUNE_NOT_LICENSED);
  const items: UpdateRing[] = [];
  try {
    if (!first) throw notRequested(url);
    if (!first.ok) throw first.error;
    await iteratePages(g, { url, firstPage: first.body, itemSchema: updateRing, tag: new RequestTag(counter), onItem: (r) => void items.push(r) });
  } catch (err) {
    const e = toGraphFailure(err, spec.path);
    if (isIntuneNotLicensed(e)) return fail(classify(e, spec, opts));
    return fail(classify(e, spec, opts, licences?.intune));
  }
  return { ok: true, value: deriveUpdateRings(items) };
}

/**
 * SharePoint-backed Graph APIs answer a tenant without SharePoint Online with 400 BadRequest "Tenant does not have a
 * SPO license." (reported against Graph: microsoftgraph/microsoft-graph-docs-contrib#7328, OneDrive/onedrive-api-docs#1773):
 * a licence the tenant has not bought, not a collector failure.
 */
export function isSharepointNotLicensed(err: unknown): boolean {
  return err instanceof GraphFailure && err.status === 400 && /does not have a(n)? SPO licen[cs]e/i.test(err.message);
}

export function collectSharepointSharing(first: BatchOutcome | undefined, url: string, opts: ClassifyOptions): Outcome<SharepointSharingValue> {
  const spec = ENDPOINTS.sharepointSettings;
  try {
    if (!first) throw notRequested(url);
    if (!first.ok) throw first.error;
    return { ok: true, value: deriveSharepointSharing(parseWith(sharepointSettings, first.body, spec.path)) };
  } catch (err) {
    const e = toGraphFailure(err, spec.path);
    if (isSharepointNotLicensed(e)) {
      return fail({
        status: 'unavailable',
        reasonCode: 'not_licensed',
        reason: scrub(`GET ${spec.path}: the tenant has no ${spec.licence} (HTTP 400: ${(e as GraphFailure).message.slice(0, 120)})`),
      });
    }
    return fail(classify(e, spec, opts));
  }
}
