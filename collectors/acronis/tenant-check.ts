/**
 * Does the configured customer tenant still exist? Acronis refuses `resource_statuses?tenant_id=X` with 403 both
 * when the API client lacks the Cyber Protection read role and when X is outside its subtree — which is what a
 * customer tenant deleted at the vendor becomes. Only after such a refusal, one look-up of the tenant itself
 * (Account Management API v2, `GET /api/2/tenants/{id}`: 404 for a deleted tenant unless `allow_deleted` is asked
 * for) tells the two apart, so a vanished client reads "run ratchet tenants map" instead of "fix the API client's
 * role".
 */
import { z } from 'zod';
import type { VendorHttp } from '../../src/http/client.js';
import { isVendorHttpError } from '../../src/http/errors.js';

export const TENANT_PATH = '/api/2/tenants/{id}';

const tenant = z.looseObject({ id: z.string().nullish() });

/** True only when Acronis says the tenant is not there (404); any other answer or failure: false (not proven gone). */
export async function customerTenantGone(http: Pick<VendorHttp, 'get'>, customerTenantId: string): Promise<boolean> {
  try {
    await http.get(`/api/2/tenants/${encodeURIComponent(customerTenantId)}`, tenant);
    return false;
  } catch (err) {
    return isVendorHttpError(err) && err.kind === 'not_found';
  }
}
