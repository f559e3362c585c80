/**
 * NinjaOne RMM evidence collector (NinjaOne Public API v2, OAuth2 client credentials, read-only `monitoring`
 * scope). See README.md for the client-app setup, every endpoint with its parameters, paging and how each evidence
 * value is derived.
 */
import type { CollectorPlugin } from '../../src/collector-kit/plugin.js';
import { collectNinjaOne } from './collect.js';
import { ninjaoneConfigSchema, secretFields, type NinjaOneConfig } from './config.js';
import { doctorNinjaOne } from './doctor.js';
import { COLLECTOR_ID, PROVIDED_KEYS } from './evidence.js';
import { listNinjaOrganizations } from './portfolio.js';

export type { NinjaOneConfig, NinjaOneConfigInput } from './config.js';
export { ninjaoneConfigSchema, secretFields } from './config.js';

export const ninjaonePlugin: CollectorPlugin<NinjaOneConfig> = {
  id: COLLECTOR_ID,
  section: 'rmm',
  provider: 'ninjaone',
  configSchema: ninjaoneConfigSchema,
  secretFields,
  provides: PROVIDED_KEYS,
  // One instance serves every client; a tenant's section picks its organisation (portfolio.ts).
  portfolio: {
    tenantFields: ['organizationId'],
    scopeField: 'organizationId',
    listClients: (account, ctx) => listNinjaOrganizations(account, ctx),
  },
  collect: (config, ctx) => collectNinjaOne(config, ctx),
  doctor: (config, ctx) => doctorNinjaOne(config, ctx),
};
export { ninjaoneSimulator } from './simulator/api.js';
