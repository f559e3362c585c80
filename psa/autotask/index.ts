/** Autotask PSA (Datto / Kaseya): the ticket provider and its loopback fake (README.md). */
import type { PsaProvider } from '../../src/collector-kit/psa-provider.js';
import { createAutotaskClient } from './client.js';
import { autotaskConfigSchema, secretFields, type AutotaskConfig } from './config.js';

export const autotaskProvider: PsaProvider<AutotaskConfig> = {
  id: 'autotask',
  title: 'Autotask PSA',
  configSchema: autotaskConfigSchema,
  secretFields,
  createClient: (config, deps) => createAutotaskClient(config, deps),
};

export { autotaskSimulator } from './simulator.js';
