/**
 * A Ratchet config (DESIGN §4 shape) pointing at a running simulator, so the demo and end-to-end suites scan it
 * through the real collectors. Each vendor writes its own section (VendorSimulator.configSection); secrets stay out
 * of the config: it holds `${env:NAME}` references and the values come back separately in `env`, to be passed to
 * the scanning process.
 */
import { stringify } from 'yaml';
import type { Simulator } from './server.js';

export interface SimulatorConfigOptions {
  /** Only these tenants (config ids); default all. */
  tenants?: readonly string[];
  /** Use a registered client certificate (a path) where the tenant has one, instead of the secret. */
  preferCertificate?: boolean;
  /** Add `storage: { url }`. */
  storageUrl?: string;
  /** Prefix of the secret environment variables (default RATCHET_SIM). */
  envPrefix?: string;
}

export interface SimulatorConfig {
  /** The config object, ready to be written as YAML. */
  config: {
    storage?: { url: string };
    tenants: Array<{
      id: string;
      name: string;
      outOfScope?: Record<string, string>;
      rmm?: Record<string, unknown>;
      backup?: Record<string, unknown>;
      /** The directory vendor's section, under its id. */
      [section: string]: unknown;
    }>;
  };
  /**
   * Environment for the scanning process: the secrets the config references, plus NODE_EXTRA_CA_CERTS naming the
   * simulator's CA (Node reads it at start-up only, so it matters for a child process, not the current one).
   */
  env: Record<string, string>;
}

export function secretEnvName(tenantId: string, prefix = 'RATCHET_SIM'): string {
  return `${prefix}_${tenantId.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}_SECRET`;
}

type ConfigSource = Pick<Simulator, 'url' | 'caPath' | 'tenants' | 'vendorSections'>;

export function configFor(sim: ConfigSource, opts: SimulatorConfigOptions = {}): SimulatorConfig {
  const env: Record<string, string> = { NODE_EXTRA_CA_CERTS: sim.caPath };
  const chosen = sim.tenants.filter((t) => !opts.tenants || opts.tenants.includes(t.id));
  const tenants = chosen.map((t) => {
    const directory: Record<string, Record<string, unknown>> = {};
    const vendors: Record<string, Record<string, unknown>> = {};
    for (const v of sim.vendorSections(t.id, { preferCertificate: opts.preferCertificate })) {
      const section = { ...v.section };
      for (const [field, value] of Object.entries(v.secrets)) {
        const suffix = v.secretNames?.[field] ?? `${v.kind.toUpperCase()}_${field.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
        const envName = `${secretEnvName(t.id, opts.envPrefix).replace(/_SECRET$/, '')}_${suffix}`;
        env[envName] = value;
        section[field] = `\${env:${envName}}`;
      }
      (v.kind === 'directory' ? directory : vendors)[v.key] = section;
    }
    // A simulated tenant without an RMM or a backup product has none to connect: say so in its scope, as an MSP
    // would for a client whose contract leaves them out, instead of leaving those capabilities unassessed.
    const outOfScope = {
      ...(vendors.rmm ? {} : { monitoring: 'simulated tenant without an RMM' }),
      ...(vendors.backup ? {} : { recovery: 'simulated tenant without a backup product' }),
    };
    const scope = Object.keys(outOfScope).length > 0 ? { outOfScope } : {};
    return { id: t.id, name: t.name, ...scope, ...directory, ...vendors };
  });
  return { config: { ...(opts.storageUrl ? { storage: { url: opts.storageUrl } } : {}), tenants }, env };
}

/** The same config as YAML text, with a header naming what it points at. */
export function configYaml(sim: ConfigSource, opts: SimulatorConfigOptions = {}): string {
  const { config } = configFor(sim, opts);
  return `# Ratchet config for the tenant simulator at ${sim.url}\n# Trust its CA: NODE_EXTRA_CA_CERTS=${sim.caPath}\n${stringify(config)}`;
}
