/**
 * A configured tenant's verified domains, matching evidence for `ratchet tenants map` (DESIGN §12): a vendor client
 * whose contact e-mail is at one of them is that tenant's, whatever its name.
 *
 * GET /organization?$select=verifiedDomains with the tenant's own m365 credential (the partner's multi-tenant app,
 * or the tenant's own app), through the same Graph client, retries and account pacing as a scan.
 */
import { z } from 'zod';
import type { CollectorContext } from '../../src/collector-kit/plugin.js';
import { resolveCloud } from './clouds.js';
import type { M365Config } from './config.js';
import type { EndpointSpec } from './endpoints.js';
import { classify } from './errors.js';
import { acquireToken, createCredential, createGraphClient, describeTokenError, graphPace, RequestCounter, RequestTag } from './graph.js';
import { getJson, type GraphContext } from './requests.js';

/** Least-privileged application permission for `GET /organization` (Graph reference, "List organization"). */
export const ORGANIZATION: EndpointSpec = { path: '/organization', permission: 'Organization.Read.All', licence: null };

const organizations = z.looseObject({
  value: z.array(z.looseObject({ verifiedDomains: z.array(z.looseObject({ name: z.string().min(1) })).nullish() })),
});

/**
 * The tenant's verified domains, lower case, sorted. Throws an Error with one line (the token failure or the
 * refused call with the permission to grant) when they cannot be read.
 */
export async function m365TenantDomains(config: M365Config, ctx: CollectorContext): Promise<string[]> {
  const cloud = resolveCloud(config.cloud);
  let credential;
  try {
    credential = createCredential(config, cloud);
    await acquireToken(credential, cloud, config.timeoutMs, ctx.signal);
  } catch (err) {
    throw new Error(describeTokenError(err, config, cloud));
  }
  const g: GraphContext = {
    client: createGraphClient(credential, cloud, {
      timeoutMs: config.timeoutMs,
      maxRetries: config.maxRetries,
      signal: ctx.signal,
      total: new RequestCounter(),
      pace: graphPace(config, ctx),
    }),
    graphOrigin: cloud.graphOrigin,
    maxRetries: config.maxRetries,
    signal: ctx.signal,
  };
  try {
    const body = await getJson(g, `${ORGANIZATION.path}?$select=verifiedDomains`, organizations, new RequestTag());
    const names = body.value.flatMap((o) => o.verifiedDomains ?? []).map((d) => d.name.trim().toLowerCase());
    return [...new Set(names)].sort();
  } catch (err) {
    throw new Error(classify(err, ORGANIZATION, { timeoutMs: config.timeoutMs, maxRetries: config.maxRetries }).reason);
  }
}
