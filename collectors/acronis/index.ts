/**
 * Acronis Cyber Protect Cloud backup collector (`backup.provider: acronis`). See README.md for the API client
 * setup, the endpoint it calls and how `backup.protection` is derived.
 */
import type { CollectorPlugin } from '../../src/collector-kit/plugin.js';
import { collectAcronis } from './collect.js';
import { acronisConfigSchema, secretFields, type AcronisConfig } from './config.js';
import { doctorAcronis } from './doctor.js';
import { COLLECTOR_ID, PROVIDED_KEYS } from './evidence.js';
import { listAcronisCustomers } from './portfolio.js';

export type { AcronisConfig } from './config.js';
export { acronisConfigSchema, secretFields } from './config.js';

export const acronisPlugin: CollectorPlugin<AcronisConfig> = {
  id: COLLECTOR_ID,
  section: 'backup',
  provider: 'acronis',
  configSchema: acronisConfigSchema,
  secretFields,
  // One account serves every client; a tenant's section picks its customer tenant (portfolio.ts).
  portfolio: {
    tenantFields: ['customerTenantId'],
    scopeField: 'customerTenantId',
    listClients: (account, ctx) => listAcronisCustomers(account, ctx),
  },
  provides: PROVIDED_KEYS,
  collect: (config, ctx) => collectAcronis(config, ctx),
  doctor: (config, ctx) => doctorAcronis(config, ctx),
};
export { acronisSimulator } from './simulator/api.js';
