/**
 * A Ratchet config (DESIGN §4 shape) pointing at a running simulator, so the demo and end-to-end suites scan it
 * through the real collectors. Secrets stay out of the config: it holds `${env:NAME}` references and the values
 * come back separately in `env`, to be passed to the scanning process.
 */
import { stringify } from 'yaml';
import type { Simulator } from './server.js';

export interface SimulatorConfigOptions {
  /** Only these tenants (config ids); default all. */
  tenants?: readonly string[];
  /** Use the registered client certificate (certificatePath) where the tenant has one, instead of the secret. */
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
      m365: {
        tenantId: string;
        clientId: string;
        clientSecret?: string;
        certificatePath?: string;
        cloud: { graphEndpoint: string; authorityHost: string };
      };
      rmm?: Record<string, unknown>;
      backup?: Record<string, unknown>;
      outOfScope?: Record<string, string>;
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

export function configFor(sim: Pick<Simulator, 'url' | 'caPath' | 'tenants'> & Partial<Pick<Simulator, 'vendorSections'>>, opts: SimulatorConfigOptions = {}): SimulatorConfig {
  const env: Record<string, string> = { NODE_EXTRA_CA_CERTS: sim.caPath };
  const chosen = sim.tenants.filter((t) => !opts.tenants || opts.tenants.includes(t.id));
  const tenants = chosen.map((t) => {
    const cloud = { graphEndpoint: sim.url, authorityHost: sim.url };
    const vendors: Record<string, Record<string, unknown>> = {};
    for (const v of sim.vendorSections?.(t.id) ?? []) {
      const section = { ...v.section };
      for (const [field, value] of Object.entries(v.secrets)) {
        const envName = `${secretEnvName(t.id, opts.envPrefix).replace(/_SECRET$/, '')}_${v.kind.toUpperCase()}_${field.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
        env[envName] = value;
        section[field] = `\${env:${envName}}`;
      }
      vendors[v.kind] = section;
    }
    // A simulated tenant without an RMM or a backup product has none to connect: say so in its scope, as an MSP
    // would for a client whose contract leaves them out, instead of leaving those capabilities unassessed.
    const outOfScope = {
      ...(vendors.rmm ? {} : { monitoring: 'simulated tenant without an RMM' }),
      ...(vendors.backup ? {} : { recovery: 'simulated tenant without a backup product' }),
    };
    const scope = Object.keys(outOfScope).length > 0 ? { outOfScope } : {};
    if (opts.preferCertificate && t.certificatePath) {
      return { id: t.id, name: t.name, ...scope, m365: { tenantId: t.tenantId, clientId: t.clientId, certificatePath: t.certificatePath, cloud }, ...vendors };
    }
    const name = secretEnvName(t.id, opts.envPrefix);
    env[name] = t.clientSecret;
    return { id: t.id, name: t.name, ...scope, m365: { tenantId: t.tenantId, clientId: t.clientId, clientSecret: `\${env:${name}}`, cloud }, ...vendors };
  });
  return { config: { ...(opts.storageUrl ? { storage: { url: opts.storageUrl } } : {}), tenants }, env };
}

/** The same config as YAML text, with a header naming what it points at. */
export function configYaml(sim: Pick<Simulator, 'url' | 'caPath' | 'tenants'>, opts: SimulatorConfigOptions = {}): string {
  const { config } = configFor(sim, opts);
  return `# Ratchet config for the tenant simulator at ${sim.url}\n# Trust its CA: NODE_EXTRA_CA_CERTS=${sim.caPath}\n${stringify(config)}`;
}

/** A few lines for `ratchet simulate`: where the endpoints are and what each tenant should score. */
export function describeSimulator(sim: Pick<Simulator, 'url' | 'caPath' | 'tenants'>): string {
  const lines = [
    `Graph:     ${sim.url}/v1.0`,
    `Identity:  ${sim.url}/{tenant}/oauth2/v2.0/token`,
    `CA:        ${sim.caPath} (NODE_EXTRA_CA_CERTS)`,
    'Tenants:',
  ];
  for (const t of sim.tenants) {
    const expected = t.expectedLevel === null ? 'custom knobs' : `expected level ${t.expectedLevel}${t.expectedPotential !== t.expectedLevel ? ` (potential ${t.expectedPotential})` : ''}`;
    lines.push(`  ${t.id.padEnd(12)} ${t.tenantId}  ${t.profile}  ${t.knobs.users} users, ${t.knobs.devices} devices  ${expected}`);
  }
  return lines.join('\n');
}
