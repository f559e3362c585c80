/** Public surface of the tenant simulator (DESIGN §9). */
export { startSimulator, expectedLevelFor } from './server.js';
export type { Simulator, SimulatorOptions, SimulatorStats, SimulatedTenantInfo, TenantSpec, ProfileChange } from './server.js';
export { configFor, configYaml, describeSimulator, secretEnvName } from './config.js';
export type { SimulatorConfig, SimulatorConfigOptions } from './config.js';
export { SAMPLE_TENANTS } from './sample-tenants.js';
export { generateTenant, TenantModel } from './tenant-model.js';
export type { TenantInput, TenantTruth, UserCore, DeviceCore } from './tenant-model.js';
export { PROFILES, PROFILE_NAMES, resolveKnobs, isProfileName } from './profiles.js';
export type { ProfileName, TenantKnobs, KnobOverrides, CaPolicyKnobs, Licence, PolicyState } from './profiles.js';
export { parseFaultSpec, mergeFaults } from './faults.js';
export type { FaultConfig } from './faults.js';
export { createSimulatorCertificates, createClientCertificate } from './tls.js';
export type { SimulatorCertificates } from './tls.js';
