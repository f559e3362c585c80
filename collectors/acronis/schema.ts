/**
 * zod schemas of the Acronis responses the collector reads. Loose on fields we don't use (Acronis adds properties,
 * and a new one must not break a scan), strict on the ones we do: a renamed or retyped field surfaces as
 * `schema_violation`, never as a silently wrong score.
 *
 * Shapes: the published OpenAPI of the Resource and Policy Management API v4
 * (developer.acronis.com/doc/resource-policy-management/v4/reference/openapi.json: `ResourceStatusPageList`,
 * `ResourceStatus`, `AggregateStatus`, `PolicyExecutions`, `Page`, `AccessDeniedError`) and the documented example
 * response of "Fetching the protection status of resources". The two disagree on the run fields: the OpenAPI names
 * them `last_run_time` / `last_success_run_time`, the example (and every client seen in the wild) shows `last_run` /
 * `last_success_run`. Both spellings are accepted; the example's wins when both are present.
 */
import { z } from 'zod';
import { parseTimestamp } from './time.js';

/** ISO 8601 → epoch ms (UTC), `null` for "never" (absent, null, empty, 0001-01-01 placeholder). */
export const timestamp = z
  .string()
  .transform((value, ctx) => {
    const parsed = parseTimestamp(value);
    if (!parsed.ok) {
      ctx.issues.push({ code: 'custom', message: `not an ISO 8601 timestamp: ${JSON.stringify(value.slice(0, 40))}`, input: value });
      return z.NEVER;
    }
    return parsed.ms;
  })
  .nullish()
  .transform((v) => v ?? null);

/** One entry of `items[].policies[]` (`PolicyExecutions`): a policy applied to the resource and its last runs. */
export const policyExecution = z.looseObject({
  /** `policy.backup.machine` for the backup part of a protection plan; other modules have other types. */
  type: z.string(),
  last_run: timestamp,
  last_success_run: timestamp,
  last_run_time: timestamp,
  last_success_run_time: timestamp,
});
export type PolicyExecution = z.output<typeof policyExecution>;

/** `items[].aggregate` (`AggregateStatus`): the worst status over all applied policies, and the plan names. */
export const aggregateStatus = z.looseObject({
  /**
   * OpenAPI `ExecutionStatus`: warning | error | critical | no_policies_applied | scheduled | interaction_required |
   * running | cancelling | idle — and, in the documented example, `not_protected` (no protection plan). A string, not
   * an enum: an unknown future value must not fail the scan.
   */
  status: z.string().nullish(),
  /** Names of the applied protection plans, `;`-separated. */
  names: z.string().nullish(),
  running: z.looseObject({ state: z.string().nullish() }).nullish(),
});

/**
 * `items[].context` (`Resource`): the workload. The OpenAPI's `Resource` requires only `name`, `parent_group_ids`,
 * `cti` and `type`; `id` is optional there, so a resource without one must not fail the whole scan (it only serves
 * as a name fallback).
 */
export const resourceContext = z.looseObject({
  id: z.string().nullish(),
  external_id: z.string().nullish(),
  /** Host name for machines (`DESKTOP-JRPTA4A`). */
  name: z.string().nullish(),
  user_defined_name: z.string().nullish(),
  /** Legacy integer id as a string (`"17"`) in the documented example; a UUID on newer tenants. */
  tenant_id: z.union([z.string(), z.number()]).nullish(),
  tenant_name: z.string().nullish(),
  type: z.string().nullish(),
});

export const resourceStatus = z.looseObject({
  context: resourceContext,
  aggregate: aggregateStatus.nullish(),
  policies: z
    .array(policyExecution)
    .nullish()
    .transform((v) => v ?? []),
});
export type ResourceStatus = z.output<typeof resourceStatus>;

/** `Page`: opaque cursors; the next page exists while `after` is present. */
export const page = z.looseObject({
  cursors: z
    .looseObject({
      after: z.string().nullish(),
      before: z.string().nullish(),
      total: z.number().int().nonnegative().nullish(),
    })
    .nullish(),
});

/** `GET /api/resource_management/v4/resource_statuses` → `ResourceStatusPageList`. */
export const resourceStatusPage = z.looseObject({
  items: z.array(resourceStatus),
  paging: page.nullish(),
  /** Server-side time of query start (required by the OpenAPI, absent from the documented example). */
  timestamp: z.string().nullish(),
});
export type ResourceStatusPage = z.output<typeof resourceStatusPage>;

/**
 * Error body of the v4 APIs (`UnauthorizedRequestError`, `AccessDeniedError`, …):
 * `{ "domain": "Access", "code": "AccessDeniedError", "message": "…", "context": { "scope": "…", "required_scope": "…" } }`.
 * Read only by tests and the README; the shared HTTP layer takes `message` from it for error texts.
 */
export const apiError = z.looseObject({
  domain: z.string(),
  code: z.string(),
  message: z.string().nullish(),
  context: z.record(z.string(), z.unknown()).nullish(),
});

// ---------------------------------------------------------------------------------------------- account management
// Account Management API v2 (developer.acronis.com/doc/account-management/v2), for `ratchet tenants map`: the API
// client's own tenant and the customer tenants below it. Shapes: `Client` and `Tenant` of the v2 reference and the
// official examples (acronis-cyber-platform-python-examples: common/base_operations.py reads `tenant_id` of the API
// client; tenants/navigate_through_tenants.py walks the tree).

/** `GET /api/2/clients/{client_id}`: the API client, whose `tenant_id` is the tenant it was created in. */
export const apiClient = z.looseObject({ tenant_id: z.string().trim().min(1) });

/** One `Tenant`: `kind` is root | partner | folder | customer | unit; `contact.email` when the partner filled it in. */
export const accountTenant = z.looseObject({
  id: z.string().trim().min(1),
  name: z.string().nullish(),
  kind: z.string().nullish(),
  enabled: z.boolean().nullish(),
  parent_id: z.string().nullish(),
  contact: z.looseObject({ email: z.string().nullish() }).nullish(),
});
export type AccountTenant = z.output<typeof accountTenant>;

/** `GET /api/2/tenants?parent_id=…`: `{ items: [Tenant], paging?: { cursors: { after? } } }`. */
export const tenantsPage = z.looseObject({
  items: z.array(accountTenant),
  paging: z.looseObject({ cursors: z.looseObject({ after: z.string().nullish() }).nullish() }).nullish(),
});
