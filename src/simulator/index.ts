/**
 * Public surface of the vendor-neutral simulator host (DESIGN §9). Vendors plug in from collectors/<id>/simulator/;
 * src/app/simulator.ts starts it with every registered vendor and the demo portfolio.
 */
export { startSimulator, expectedLevelFor } from './server.js';
export type { Simulator, SimulatorOptions, SimulatorStats, SimulatedTenantInfo, ProfileChange } from './server.js';
export type { TenantSpec } from './tenant-spec.js';
export type { VendorSimulator, VendorContext, VendorRequest, VendorResponse, VendorTenantView } from './vendor.js';
export { BearerTokens } from './tokens.js';
export { configFor, configYaml, describeSimulator, secretEnvName } from './config.js';
export type { SimulatorConfig, SimulatorConfigOptions } from './config.js';
export { generateTenant, TenantModel } from './tenant-model.js';
export type { TenantInput, TenantTruth, UserCore, DeviceCore } from './tenant-model.js';
export { PROFILES, PROFILE_NAMES, resolveKnobs, isProfileName } from './profiles.js';
export type { ProfileName, TenantKnobs, KnobOverrides, CaPolicyKnobs, Licence, PolicyState } from './profiles.js';
export { parseFaultSpec, mergeFaults } from './faults.js';
export type { FaultConfig } from './faults.js';
export { createSimulatorCertificates, createClientCertificate } from './tls.js';
export type { SimulatorCertificates } from './tls.js';
