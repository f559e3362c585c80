/**
 * The tenant simulator with every registered vendor (DESIGN §9): the vendor-neutral host (src/simulator/) gets the
 * vendor APIs from the one registry (collectors/index.ts) injected here, so the host never imports a collector.
 * Everything that starts a simulator — `ratchet demo`, `ratchet simulate`, the end-to-end suites, the benchmarks —
 * starts it through this module.
 */
import { PLUGINS, SIMULATORS } from '../../collectors/index.js';
import { PSA_SIMULATORS } from '../../psa/index.js';
import type { M365TenantSpec as TenantSpec } from '../../collectors/m365/simulator/api.js';
import { asM365, type M365Simulator as Simulator, type M365SimulatorOptions as SimulatorOptions } from '../../collectors/m365/simulator/simulator.js';
import { configFor as hostConfigFor, configYaml as hostConfigYaml, startSimulator as startSimulatorHost, type SimulatorConfigOptions } from '../simulator/index.js';

export { isProfileName, PROFILE_NAMES } from '../simulator/index.js';

/** Which fields of a provider's section say which client it is, for the providers whose accounts can be shared. */
function sharedTenantFields(provider: string): readonly string[] | undefined {
  return PLUGINS.find((p) => p.provider === provider)?.portfolio?.tenantFields;
}

type ConfigSource = Parameters<typeof hostConfigFor>[0];

/**
 * A config pointing at a running simulator, in the portfolio shape an MSP writes (DESIGN §12): one shared account per
 * vendor instance, each tenant naming its organisation, site or customer tenant. `tenantFields: undefined` gives the
 * per-tenant shape (full credentials in every tenant).
 */
export function configFor(sim: ConfigSource, opts: SimulatorConfigOptions = {}) {
  return hostConfigFor(sim, { tenantFields: sharedTenantFields, ...opts });
}

export function configYaml(sim: ConfigSource, opts: SimulatorConfigOptions = {}): string {
  return hostConfigYaml(sim, { tenantFields: sharedTenantFields, ...opts });
}
export { describeSimulator } from '../../collectors/m365/simulator/simulator.js';
export { expectedLevelFor } from '../../collectors/m365/simulator/profiles.js';
// Every tenant has a Microsoft 365 directory on the composed simulator, so its types are the Microsoft 365 ones.
export type { M365Simulator as Simulator, M365SimulatorOptions as SimulatorOptions, M365TenantInfo as SimulatedTenantInfo } from '../../collectors/m365/simulator/simulator.js';
export type { M365TenantSpec as TenantSpec } from '../../collectors/m365/simulator/api.js';

/** Provider ids of the registered vendors of a kind that the simulator can serve (for `ratchet simulate --rmm/--backup`). */
export function simulatedProviders(kind: 'rmm' | 'backup'): string[] {
  return SIMULATORS.filter((s) => s.kind === kind).map((s) => s.id);
}

/**
 * Start a simulator serving every registered vendor. Default tenants: the demo portfolio. `options.vendors` replaces
 * the registry's list (a test of one vendor may pass just that one).
 */
export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  return asM365(await startSimulatorHost({ tenants: SAMPLE_TENANTS, vendors: SIMULATORS, psa: PSA_SIMULATORS, ...options }));
}

/**
 * The demo portfolio: small tenants (a few hundred users) of different levels, so `ratchet demo` scans all of them
 * in seconds and shows the whole range — including a permission gap that must read as "unknown", not "failed".
 * Each names the providers (registry ids) whose simulated APIs serve its RMM and backup estate.
 */
export const SAMPLE_TENANTS: readonly TenantSpec[] = [
  {
    id: 'northwind',
    name: 'Northwind Traders',
    profile: 'level1',
    seed: 'northwind',
    knobs: { users: 140, devices: 90 },
    rmm: 'ninjaone',
    backup: 'veeam-vbr',
    estate: { endpoints: 90 },
  },
  {
    id: 'fabrikam',
    name: 'Fabrikam Inc',
    profile: 'level2',
    seed: 'fabrikam',
    knobs: { users: 320, devices: 240 },
    rmm: 'datto-rmm',
    backup: 'acronis',
    estate: { endpoints: 240 },
  },
  {
    id: 'contoso',
    name: 'Contoso Ltd',
    profile: 'level3',
    seed: 'contoso',
    knobs: { users: 450, devices: 380 },
    rmm: 'ninjaone',
    backup: 'veeam-vbr',
    estate: { endpoints: 380 },
  },
  {
    id: 'tailspin',
    name: 'Tailspin Toys',
    profile: 'level4',
    seed: 'tailspin',
    knobs: { users: 260, devices: 210 },
    rmm: 'ninjaone',
    backup: 'acronis',
    estate: { endpoints: 210 },
  },
  {
    // Level-3 data, but the app lacks AuditLog.Read.All: the registration report answers 403. Expected: confirmed
    // level 1, potential 3, with the registration-based gates listed as unknown.
    id: 'woodgrove',
    name: 'Woodgrove Bank',
    profile: 'level3',
    seed: 'woodgrove',
    knobs: { users: 200, devices: 150 },
    rmm: 'datto-rmm',
    backup: 'veeam-vbr',
    estate: { endpoints: 150 },
    faults: { forbidden: ['/reports/authenticationMethods/userRegistrationDetails'] },
  },
];
