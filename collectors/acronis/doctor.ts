/**
 * `ratchet doctor` for Acronis: can the API client get a token, and can it read resource statuses (one page of one
 * item per configured resource type)? Every failed check names what is missing: credentials, data centre, the role
 * the API client's creator needed, or the network problem.
 */
import type { CollectorContext, DoctorCheck } from '../../src/collector-kit/plugin.js';
import type { AcronisConfig } from './config.js';
import { RESOURCE_STATUSES_PATH, RESOURCE_STATUSES_SCOPE } from './endpoints.js';
import { classify, describeTokenFailure } from './errors.js';
import { createAcronisHttp, type HttpOptions } from './http.js';
import { resourceStatusPage } from './schema.js';

const label = (type: string) => `GET ${RESOURCE_STATUSES_PATH}?type=${type}`;

export async function doctorAcronis(config: AcronisConfig, ctx: CollectorContext, options: HttpOptions = {}): Promise<DoctorCheck[]> {
  const http = createAcronisHttp(config, ctx, options);
  const checks: DoctorCheck[] = [];
  try {
    await http.tokenSource!.getToken();
    checks.push({ check: 'token', ok: true, detail: `token issued by ${config.baseUrl}/api/2/idp/token for API client ${config.clientId}` });
  } catch (err) {
    checks.push({ check: 'token', ok: false, detail: describeTokenFailure(err, ctx.tenantId, config.baseUrl) });
    for (const type of config.resourceTypes) checks.push({ check: label(type), ok: false, detail: 'not checked: no token' });
    return checks;
  }

  const scope = config.customerTenantId ? ` in customer tenant ${config.customerTenantId}` : '';
  const results = await Promise.all(
    config.resourceTypes.map(async (type): Promise<DoctorCheck> => {
      try {
        const params = { type, limit: 1, ...(config.customerTenantId ? { tenant_id: config.customerTenantId } : {}) };
        const page = await http.get(RESOURCE_STATUSES_PATH, resourceStatusPage, { params });
        const total = page.paging?.cursors?.total;
        const more = typeof page.paging?.cursors?.after === 'string' && page.paging.cursors.after.length > 0;
        const count = typeof total === 'number' ? `${total}` : page.items.length === 0 ? 'no' : more ? 'more than one' : `${page.items.length}`;
        let detail = `readable (${RESOURCE_STATUSES_SCOPE} granted); ${count} workload(s) of type ${type} visible${scope}`;
        if (page.items.length === 0 && config.customerTenantId) {
          detail += ' — if the customer has machines, check customerTenantId and that the tenant lies inside the API client’s tenant';
        }
        if (!config.customerTenantId) {
          detail +=
            '; no customerTenantId set: evidence will cover every tenant this API client can see (set it when the client was created at partner level)';
        }
        return { check: label(type), ok: true, detail };
      } catch (err) {
        return { check: label(type), ok: false, detail: classify(err, config.customerTenantId).reason };
      }
    }),
  );
  checks.push(...results);
  return checks;
}
