/**
 * Veeam Backup & Replication evidence collector (VBR REST API 1.1-rev0 … 1.3-rev2). See README.md for the account
 * and role, the certificate, every endpoint with its parameters, and how `backup.protection` and `backup.verification`
 * (SureBackup) are derived.
 */
import type { CollectorPlugin } from '../../src/collector-kit/plugin.js';
import { collectVeeamVbr } from './collect.js';
import { secretFields, veeamVbrConfigSchema, type VeeamVbrConfig } from './config.js';
import { doctorVeeamVbr } from './doctor.js';
import { COLLECTOR_ID, PROVIDED_KEYS } from './evidence.js';

export type { VeeamVbrConfig, VeeamVbrConfigInput } from './config.js';
export { API_VERSIONS, DEFAULT_API_VERSION, secretFields, veeamVbrConfigSchema } from './config.js';

export const veeamVbrPlugin: CollectorPlugin<VeeamVbrConfig> = {
  id: COLLECTOR_ID,
  section: 'backup',
  provider: COLLECTOR_ID,
  configSchema: veeamVbrConfigSchema,
  secretFields,
  provides: PROVIDED_KEYS,
  collect: (config, ctx) => collectVeeamVbr(config, ctx),
  doctor: (config, ctx) => doctorVeeamVbr(config, ctx),
};
export { veeamVbrSimulator } from './simulator/api.js';
