/**
 * zod schemas of the Graph answers `ratchet tenants discover` reads in the MSP's partner tenant (DESIGN §12).
 * Source: learn.microsoft.com/graph/api/resources/delegatedadmincustomer (id, tenantId, displayName; read-only).
 */
import { z } from 'zod';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** One customer with at least one active GDAP relationship with the partner. */
export const delegatedAdminCustomer = z.looseObject({
  id: z.string().nullish(),
  // The customer's directory: every later request (consent check, the tenant's config) is addressed to it.
  tenantId: z.string().trim().regex(GUID, 'must be a directory (tenant) GUID'),
  displayName: z.string().nullish(),
});
export type DelegatedAdminCustomer = z.output<typeof delegatedAdminCustomer>;
