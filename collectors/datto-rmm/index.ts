/**
 * Datto RMM evidence collector (API v2, read-only). See README.md for the API user to create, every endpoint with
 * its parameters, paging, rate limits and how each evidence value is derived.
 */
import type { CollectorPlugin } from '../../src/collector-kit/plugin.js';
import { collectDattoRmm } from './collect.js';
import { dattoRmmConfigSchema, secretFields, type DattoRmmConfig } from './config.js';
import { doctorDattoRmm } from './doctor.js';
import { COLLECTOR_ID, PROVIDED_KEYS } from './evidence.js';
import { listDattoSites } from './portfolio.js';

export type { DattoRmmConfig } from './config.js';
export { dattoRmmConfigSchema, secretFields } from './config.js';

export const dattoRmmPlugin: CollectorPlugin<DattoRmmConfig> = {
  id: COLLECTOR_ID,
  section: 'rmm',
  provider: 'datto-rmm',
  configSchema: dattoRmmConfigSchema,
  secretFields,
  // One account serves every client; a tenant's section picks its site (portfolio.ts).
  portfolio: {
    tenantFields: ['siteUid'],
    scopeField: 'siteUid',
    listClients: (account, ctx) => listDattoSites(account, ctx),
  },
  provides: PROVIDED_KEYS,
  collect: (config, ctx) => collectDattoRmm(config, ctx),
  doctor: (config, ctx) => doctorDattoRmm(config, ctx),
};
export { dattoRmmSimulator } from './simulator/api.js';
