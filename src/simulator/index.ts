/**
 * Public surface of the vendor-neutral simulator host (DESIGN §9). Vendors plug in from collectors/<id>/simulator/;
 * src/app/simulator.ts starts it with every registered vendor and the demo portfolio.
 */
export { startSimulator } from './server.js';
export type { Simulator, SimulatorOptions, SimulatorStats, SimulatedTenantInfo, VendorSection } from './server.js';
export { domainLabel } from './tenant-spec.js';
export type { TenantSpec } from './tenant-spec.js';
export type {
  DirectorySimulator,
  DirectoryTenantInput,
  DirectoryTenantView,
  ProfileChange,
  SimulatorPlugin,
  VendorConfigSection,
  VendorContext,
  VendorRequest,
  VendorResponse,
  VendorSimulator,
  VendorTenantView,
} from './vendor.js';
export type { PortfolioDevice, PortfolioSourceTruth, PortfolioTruth, PortfolioView, PortfolioWorkload, SimulatorPortfolio, SourceKind } from './portfolio.js';
export { BearerTokens } from './tokens.js';
export { configFor, configYaml, secretEnvName } from './config.js';
export type { SimulatorConfig, SimulatorConfigOptions } from './config.js';
export { PROFILE_NAMES, isProfileName } from './levels.js';
export type { ProfileName } from './levels.js';
export { parseFaultSpec, mergeFaults } from './faults.js';
export type { FaultConfig } from './faults.js';
export { createSimulatorCertificates, createClientCertificate } from './tls.js';
export type { SimulatorCertificates } from './tls.js';
