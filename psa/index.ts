/**
 * The PSA registry: the only place that lists PSA vendors (DESIGN §13). Adding one = one folder (its client, its
 * schemas, its fake, its README and tests) + one line here.
 */
import type { PsaProvider } from '../src/collector-kit/psa-provider.js';
import type { PsaSimulator } from '../src/simulator/psa.js';
import { autotaskProvider, autotaskSimulator } from './autotask/index.js';
import { connectwiseProvider, connectwiseSimulator } from './connectwise/index.js';
import { halopsaProvider, halopsaSimulator } from './halopsa/index.js';

export interface PsaVendor {
  provider: PsaProvider;
  simulator: PsaSimulator;
}

export const PSA_VENDORS: readonly PsaVendor[] = [
  { provider: connectwiseProvider as unknown as PsaProvider, simulator: connectwiseSimulator },
  { provider: autotaskProvider as unknown as PsaProvider, simulator: autotaskSimulator },
  { provider: halopsaProvider as unknown as PsaProvider, simulator: halopsaSimulator },
];

export const PSA_PROVIDERS: readonly PsaProvider[] = PSA_VENDORS.map((v) => v.provider);
export const PSA_SIMULATORS: readonly PsaSimulator[] = PSA_VENDORS.map((v) => v.simulator);
