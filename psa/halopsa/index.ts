/** HaloPSA as a PSA provider (psa/index.ts lists it): config, client and loopback fake. */
import type { PsaProvider } from '../../src/collector-kit/psa-provider.js';
import { createHalopsaClient } from './client.js';
import { halopsaConfigSchema, secretFields, type HalopsaConfig } from './config.js';

export const halopsaProvider: PsaProvider<HalopsaConfig> = {
  id: 'halopsa',
  title: 'HaloPSA',
  configSchema: halopsaConfigSchema,
  secretFields,
  createClient: createHalopsaClient,
};

export { halopsaSimulator } from './simulator.js';
