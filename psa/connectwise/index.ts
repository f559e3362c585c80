/** ConnectWise PSA (Manage) as a Ratchet PSA provider (DESIGN §13): client, config schema and loopback fake. */
import type { PsaProvider } from '../../src/collector-kit/psa-provider.js';
import { createConnectWiseClient } from './client.js';
import { connectwiseConfigSchema, secretFields, type ConnectWiseConfig } from './config.js';

export const connectwiseProvider: PsaProvider<ConnectWiseConfig> = {
  id: 'connectwise',
  title: 'ConnectWise PSA',
  configSchema: connectwiseConfigSchema,
  secretFields,
  createClient: createConnectWiseClient,
};

export { connectwiseSimulator } from './simulator.js';
