/**
 * Microsoft 365 / Entra ID evidence collector (Microsoft Graph v1.0, app-only). See README.md for the app
 * registration, the permission and licence each endpoint needs, and how every evidence value is derived.
 */
import type { CollectorPlugin } from '../../src/collector-kit/plugin.js';
import { collectM365 } from './collect.js';
import { m365ConfigSchema, secretFields, type M365Config } from './config.js';
import { doctorM365 } from './doctor.js';
import { discoverM365 } from './discover.js';
import { COLLECTOR_ID, PROVIDED_KEYS } from './evidence.js';
import { m365TenantDomains } from './tenant-domains.js';

export type { M365Config } from './config.js';
export { m365ConfigSchema, secretFields } from './config.js';

export const m365Plugin: CollectorPlugin<M365Config> = {
  id: COLLECTOR_ID,
  section: 'm365',
  configSchema: m365ConfigSchema,
  secretFields,
  portfolio: {
    tenantFields: ['tenantId'],
    scopeField: 'tenantId',
    // The MSP's customers from its partner tenant, with the app's consent in each (discover.ts).
    discover: (partner, ctx) => discoverM365(partner, ctx),
    // Matching evidence for `ratchet tenants map` (tenant-domains.ts).
    tenantDomains: (config, ctx) => m365TenantDomains(config, ctx),
  },
  provides: PROVIDED_KEYS,
  collect: (config, ctx) => collectM365(config, ctx),
  doctor: (config, ctx) => doctorM365(config, ctx),
};
export { m365Simulator } from './simulator/api.js';
