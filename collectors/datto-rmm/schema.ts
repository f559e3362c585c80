/**
 * zod schemas of every Datto RMM response the collector reads (spec: pncit/datto-rmm-api-client spec/openapi.json,
 * reconciled with the production defects that client documents). Loose on fields we don't use — Datto adds fields
 * and a device carries up to 300 UDFs — and strict on the ones we do, so a renamed or retyped field surfaces as
 * `schema_violation` naming its path, never as a silently wrong score.
 *
 * Reconciled defects: the spec models no nullability (production sends `null` freely, so every field we read is
 * nullish); timestamps are epoch-ms numbers, not date-time strings (both accepted, see time.ts); enums
 * (`deviceClass`, `antivirusStatus`, `patchStatus`, `priority`) are read as strings so a value Datto adds later is
 * counted as unrecognised instead of failing the whole scan.
 */
import { z } from 'zod';
import { toEpochMs } from './time.js';

/** A Datto timestamp → epoch ms (UTC) or null. Anything that is not a timestamp is a schema violation. */
export const timestamp = z.unknown().transform((value, ctx) => {
  const ms = toEpochMs(value);
  if (ms === undefined) {
    ctx.issues.push({
      code: 'custom',
      input: value,
      message: `expected epoch milliseconds or an ISO 8601 date-time, got ${JSON.stringify(value)?.slice(0, 60)}`,
    });
    return z.NEVER;
  }
  return ms;
});

const text = z.string().nullish();
const count = z.number().int().min(0).nullish();

/**
 * `pageDetails` of every collection page. `nextPageUrl` must be present (string or null): a page without a cursor
 * must stop the walk with an error rather than silently truncate the inventory. `""` is treated like null.
 */
export const pageDetails = z.looseObject({
  count: count,
  totalCount: count,
  prevPageUrl: text,
  nextPageUrl: z.string().nullable(),
});
export type PageDetails = z.output<typeof pageDetails>;

// ---------------------------------------------------------------------------------------------- devices
export const KNOWN_DEVICE_CLASSES = ['device', 'printer', 'esxihost', 'rmmnetworkdevice', 'unknown'] as const;
export const ANTIVIRUS_STATUSES = ['RunningAndUpToDate', 'RunningAndNotUpToDate', 'NotRunning', 'NotDetected'] as const;
export const PATCH_STATUSES = ['NoPolicy', 'NoData', 'RebootRequired', 'InstallError', 'ApprovedPending', 'FullyPatched'] as const;

export const device = z.looseObject({
  uid: z.string().min(1),
  hostname: text,
  siteUid: text,
  siteName: text,
  deviceClass: text,
  deviceType: z.looseObject({ category: text, type: text }).nullish(),
  operatingSystem: text,
  online: z.boolean().nullish(),
  suspended: z.boolean().nullish(),
  deleted: z.boolean().nullish(),
  lastSeen: timestamp,
  antivirus: z.looseObject({ antivirusProduct: text, antivirusStatus: text }).nullish(),
  patchManagement: z
    .looseObject({
      patchStatus: text,
      patchesApprovedPending: count,
      patchesNotApproved: count,
      patchesInstalled: count,
    })
    .nullish(),
});
export type Device = z.output<typeof device>;

export const devicesPage = z.looseObject({
  pageDetails,
  devices: z
    .array(device)
    .nullish()
    .transform((v) => v ?? []),
});

// ---------------------------------------------------------------------------------------------- alerts
export const ALERT_PRIORITIES = ['Critical', 'High', 'Moderate', 'Low', 'Information', 'Unknown'] as const;

export const alert = z.looseObject({
  alertUid: text,
  priority: text,
  resolved: z.boolean().nullish(),
  muted: z.boolean().nullish(),
  timestamp: timestamp,
  alertSourceInfo: z.looseObject({ deviceUid: text, deviceName: text, siteUid: text, siteName: text }).nullish(),
  // Polymorphic (@class-tagged) and unused: never validated.
  alertContext: z.unknown().optional(),
});
export type Alert = z.output<typeof alert>;

export const alertsPage = z.looseObject({
  pageDetails,
  alerts: z
    .array(alert)
    .nullish()
    .transform((v) => v ?? []),
});

// ---------------------------------------------------------------------------------------------- sites (tenants map)
/**
 * `Site` (GET /api/v2/account/sites): the account's clients, for `ratchet tenants map`. The spec's Site has no
 * domain or contact e-mail; `devicesStatus` is shown beside the name.
 */
export const site = z.looseObject({
  uid: z.string().min(1),
  name: text,
  description: text,
  onDemand: z.boolean().nullish(),
  devicesStatus: z.looseObject({ numberOfDevices: count }).nullish(),
});
export type Site = z.output<typeof site>;

export const sitesPage = z.looseObject({
  pageDetails,
  sites: z
    .array(site)
    .nullish()
    .transform((v) => v ?? []),
});

// ---------------------------------------------------------------------------------------------- system (doctor)
export const paginationConfig = z.looseObject({ max: z.number().int().nullish() });

export const requestRate = z.looseObject({
  slidingTimeWindowSizeSeconds: z.number().nullish(),
  accountCount: z.number().nullish(),
  accountRateLimit: z.number().nullish(),
  accountCutOffRatio: z.number().nullish(),
});
