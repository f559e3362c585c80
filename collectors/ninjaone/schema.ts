/**
 * zod schemas of the NinjaOne Public API v2 responses the collector reads (spec "NinjaOne Public API 2.0",
 * 2.0.9-draft; components Device, Alert, Activity, ActivitiesResponse, Policy, Cursor, DeviceOSPatch,
 * DeviceAntivirusStatus). Loose on fields we do not use, strict on the ones we do. The spec declares no field `required` and the API omits unset fields, so
 * everything except the identifiers we join on may be absent or null.
 */
import { z } from 'zod';

const epoch = z.number().nullish();
const text = z.string().nullish();
const id = z.number().int();

/** `Device` (GET /v2/devices-detailed). `nodeClass` is a string, not the spec enum: new classes must not break a scan. */
export const device = z.looseObject({
  id,
  organizationId: id.nullish(),
  nodeClass: z.string().nullish(),
  approvalStatus: text,
  offline: z.boolean().nullish(),
  displayName: text,
  systemName: text,
  dnsName: text,
  netbiosName: text,
  lastContact: epoch,
  policyId: id.nullish(),
  rolePolicyId: id.nullish(),
});
export type Device = z.output<typeof device>;
export const devicesPage = z.array(device);

/** `Cursor`: the server-side cursor of /v2/queries/*; `name` is sent back as `cursor=`. */
export const cursor = z.looseObject({
  name: z.string().nullish(),
  offset: z.number().nullish(),
  count: z.number().nullish(),
  expires: epoch,
});

/**
 * A page of a /v2/queries/* report: `{ cursor, results: [...] }` per the spec. Third-party code reports a bare
 * array from some instances; that is accepted as a single, final page.
 */
export function queryPage<T extends z.ZodType>(row: T) {
  // A preprocess rather than a union keeps zod's error path precise (`results[3].deviceId`, not "Invalid input").
  return z.preprocess(
    (body) => (Array.isArray(body) ? { cursor: null, results: body } : body),
    z.looseObject({ cursor: cursor.nullish(), results: z.array(row) }),
  );
}

/** `DeviceOSPatch` (GET /v2/queries/os-patches): a pending, failed or rejected OS patch on one device. */
export const osPatch = z.looseObject({
  id: text,
  name: text,
  severity: text,
  status: text,
  type: text,
  kbNumber: text,
  deviceId: id,
  installedAt: epoch,
  timestamp: epoch,
});
export type OsPatch = z.output<typeof osPatch>;
export const osPatchPage = queryPage(osPatch);

/** `DeviceAntivirusStatus` (GET /v2/queries/antivirus-status): one AV product on one device. */
export const antivirusStatus = z.looseObject({
  productName: text,
  productState: text,
  definitionStatus: text,
  version: text,
  deviceId: id,
  timestamp: epoch,
});
export type AntivirusStatus = z.output<typeof antivirusStatus>;
export const antivirusPage = queryPage(antivirusStatus);

/**
 * `Alert` (GET /v2/alerts): an active alert (triggered condition). The spec has no severity on Alert; a `severity`
 * or `priority` field is read if the API supplies one (the enums of Activity and policy conditions).
 */
export const alert = z.looseObject({
  uid: text,
  deviceId: id.nullish(),
  message: text,
  subject: text,
  sourceType: text,
  sourceName: text,
  createTime: epoch,
  updateTime: epoch,
  severity: text,
  priority: text,
  device: z.looseObject({ organizationId: id.nullish() }).nullish(),
});
export type Alert = z.output<typeof alert>;
export const alertList = z.array(alert);

/**
 * `Activity` (GET /v2/activities): one entry of the activity log. For an alert, `activityType: CONDITION` with
 * `statusCode` TRIGGERED / ACKNOWLEDGED / RESET, and `seriesUid` = the alert's `uid` ("Alert UID (activity series
 * UID)" in the spec). `id` is required: the log is paged by it (`olderThan`). Enums are read as strings so a new
 * value never breaks a scan.
 */
export const activity = z.looseObject({
  id,
  activityTime: epoch,
  deviceId: id.nullish(),
  severity: text,
  priority: text,
  seriesUid: text,
  activityType: text,
  statusCode: text,
  userId: id.nullish(),
});
export type Activity = z.output<typeof activity>;

/** `ActivitiesResponse`: `{ lastActivityId, activities: [...] }`, newest first; a bare array is read as the list. */
export const activitiesPage = z.preprocess(
  (body) => (Array.isArray(body) ? { activities: body } : body),
  z.looseObject({ lastActivityId: z.number().nullish(), activities: z.array(activity) }),
);

/** `Policy` (GET /v2/policies). */
export const policy = z.looseObject({
  id,
  parentPolicyId: id.nullish(),
  name: text,
  nodeClass: text,
});
export type Policy = z.output<typeof policy>;
export const policyList = z.array(policy);

/**
 * `Organization` (GET /v2/organizations, keyset-paged by id): the instance's clients, for `ratchet tenants map`.
 * The spec's Organization carries no domain or contact e-mail, only a name and a description.
 */
export const organizationSummary = z.looseObject({ id, name: text, description: text });
export type OrganizationSummary = z.output<typeof organizationSummary>;
export const organizationsPage = z.array(organizationSummary);

/** `OrganizationDetailed` (GET /v2/organization/{id}), doctor only. */
export const organization = z.looseObject({ id: id.nullish(), name: text });

/** NinjaOne's error body (`{ resultCode, errorMessage }`), which its token endpoint may answer instead of RFC 6749's. */
export const errorBody = z.looseObject({
  resultCode: z.string().min(1),
  errorMessage: z.string().optional(),
});
