/**
 * A Ratchet config (DESIGN §4 shape) pointing at a running simulator, so the demo and end-to-end suites scan it
 * through the real collectors. Each vendor writes its own section (VendorSimulator.configSection); secrets stay out
 * of the config: it holds `${env:NAME}` references and the values come back separately in `env`, to be passed to
 * the scanning process.
 */
import { stringify } from 'yaml';
import type { Simulator } from './server.js';
import { psaCompanyId } from './psa.js';

export interface SimulatorConfigOptions {
  /** Only these tenants (config ids); default all. */
  tenants?: readonly string[];
  /** Use a registered client certificate (a path) where the tenant has one, instead of the secret. */
  preferCertificate?: boolean;
  /** Add `storage: { url }`. */
  storageUrl?: string;
  /** Prefix of the secret environment variables (default RATCHET_SIM). */
  envPrefix?: string;
  /**
   * The fields that say which client a provider's section is about (its plugin's portfolio.tenantFields), for the
   * providers whose accounts can be shared; their sections become `accounts` (DESIGN §12). Undefined: every tenant
   * carries full credentials (the per-tenant shape).
   */
  tenantFields?: (provider: string) => readonly string[] | undefined;
  /**
   * Add the MSP's `psa:` block for a PSA fake the simulator serves, and each tenant's `psa.company` (DESIGN §13).
   * `wrongSecret`: credentials the fake rejects.
   */
  psa?: { provider: string; ticketOn?: readonly string[]; wrongSecret?: boolean };
}

export interface SimulatorConfig {
  /** The config object, ready to be written as YAML. */
  config: {
    storage?: { url: string };
    defaults?: Record<string, Record<string, unknown>>;
    accounts?: Array<Record<string, unknown> & { id: string }>;
    psa?: Record<string, unknown>;
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

type ConfigSource = Pick<Simulator, 'url' | 'caPath' | 'tenants' | 'vendorSections'> & Partial<Pick<Simulator, 'psaBlock' | 'dns'>>;

export function configFor(sim: ConfigSource, opts: SimulatorConfigOptions = {}): SimulatorConfig {
  const env: Record<string, string> = { NODE_EXTRA_CA_CERTS: sim.caPath };
  const chosen = sim.tenants.filter((t) => !opts.tenants || opts.tenants.includes(t.id));
  const envRef = (name: string, value: string) => {
    env[name] = value;
    return `\${env:${name}}`;
  };
  const sections = chosen.map((t) => ({ tenant: t, vendors: sim.vendorSections(t.id, { preferCertificate: opts.preferCertificate }) }));
  const accounts = sharedAccounts(sections.flatMap((s) => s.vendors), opts, envRef);
  const defaults: Record<string, Record<string, unknown>> = {};
  const prefix = opts.envPrefix ?? 'RATCHET_SIM';
  // The directory's DNS checks (mail authentication) ask the simulator's loopback DNS server, never the internet.
  const dns = sim.dns ? { dns: { servers: [sim.dns] } } : {};
  const tenants = sections.map(({ tenant: t, vendors: found }) => {
    const directory: Record<string, Record<string, unknown>> = {};
    const vendors: Record<string, Record<string, unknown>> = {};
    for (const v of found) {
      // The portfolio shape: a directory's shared app (the MSP's) goes to defaults once, the tenant keeps its own id.
      if (opts.tenantFields && v.kind === 'directory' && v.shared?.section) {
        if (!defaults[v.key]) {
          const block = { ...v.shared.defaults.section };
          for (const [field, value] of Object.entries(v.shared.defaults.secrets)) {
            block[field] = envRef(`${prefix}_${v.shared.defaults.secretNames?.[field] ?? `${v.key.toUpperCase()}_${field.toUpperCase()}`}`, value);
          }
          defaults[v.key] = block;
        }
        directory[v.key] = { ...v.shared.section, ...dns };
        continue;
      }
      const account = accounts.of(v);
      if (account) {
        vendors[v.key] = { account: account.id, ...account.own(v) };
        continue;
      }
      const section = { ...v.section };
      for (const [field, value] of Object.entries(v.secrets)) {
        const suffix = v.secretNames?.[field] ?? `${v.kind.toUpperCase()}_${field.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
        section[field] = envRef(`${secretEnvName(t.id, opts.envPrefix).replace(/_SECRET$/, '')}_${suffix}`, value);
      }
      if (v.kind === 'directory') directory[v.key] = { ...section, ...dns };
      else vendors[v.key] = section;
    }
    // A simulated tenant without an RMM or a backup product has none to connect: say so in its scope, as an MSP
    // would for a client whose contract leaves them out, instead of leaving those capabilities unassessed.
    const outOfScope = {
      ...(vendors.rmm ? {} : { monitoring: 'simulated tenant without an RMM' }),
      ...(vendors.backup ? {} : { recovery: 'simulated tenant without a backup product' }),
    };
    const scope = Object.keys(outOfScope).length > 0 ? { outOfScope } : {};
    const psa = opts.psa ? { psa: { company: psaCompanyId(t.id) } } : {};
    return { id: t.id, name: t.name, ...scope, ...directory, ...vendors, ...psa };
  });
  let psa: Record<string, unknown> | undefined;
  if (opts.psa) {
    if (!sim.psaBlock) throw new Error('this simulator serves no PSA');
    const block = sim.psaBlock(opts.psa.provider, { wrongSecret: opts.psa.wrongSecret });
    psa = { provider: opts.psa.provider, ...(opts.psa.ticketOn ? { ticketOn: [...opts.psa.ticketOn] } : {}), ...block.section };
    for (const [field, value] of Object.entries(block.secrets)) {
      psa[field] = envRef(`${prefix}_PSA_${block.secretNames?.[field] ?? field.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`, value);
    }
  }
  return {
    config: {
      ...(opts.storageUrl ? { storage: { url: opts.storageUrl } } : {}),
      ...(Object.keys(defaults).length > 0 ? { defaults } : {}),
      ...(accounts.list.length > 0 ? { accounts: accounts.list } : {}),
      ...(psa ? { psa } : {}),
      tenants,
    },
    env,
  };
}

type Section = ReturnType<ConfigSource['vendorSections']>[number];

/**
 * The MSP's shared vendor accounts (DESIGN §12): sections of one provider with the same URL and secrets are one
 * account; what all of them hold alike goes into it, and each tenant keeps the rest (at least the fields that say
 * which client it is). Only for providers `opts.tenantFields` names as shareable.
 */
function sharedAccounts(all: readonly Section[], opts: SimulatorConfigOptions, envRef: (name: string, value: string) => string) {
  const keyOf = (v: Section) => JSON.stringify([v.section.provider, v.section.baseUrl, v.secrets]);
  const groups = new Map<string, Section[]>();
  for (const v of all) {
    const provider = typeof v.section.provider === 'string' ? v.section.provider : undefined;
    if (v.kind === 'directory' || !provider || !opts.tenantFields?.(provider)) continue;
    groups.set(keyOf(v), [...(groups.get(keyOf(v)) ?? []), v]);
  }
  const list: Array<Record<string, unknown> & { id: string }> = [];
  const byKey = new Map<string, { id: string; shared: Set<string> }>();
  const prefix = opts.envPrefix ?? 'RATCHET_SIM';
  for (const [key, members] of groups) {
    const first = members[0]!;
    const provider = String(first.section.provider);
    const perTenant = new Set(opts.tenantFields!(provider));
    const same = Object.keys(first.section).filter(
      (f) => !perTenant.has(f) && members.every((m) => JSON.stringify(m.section[f]) === JSON.stringify(first.section[f])),
    );
    const taken = list.filter((a) => a.provider === provider).length;
    const id = `${provider}-msp${taken ? `-${taken + 1}` : ''}`;
    const account: Record<string, unknown> & { id: string } = { id, ...Object.fromEntries(same.map((f) => [f, first.section[f]])) };
    for (const [field, value] of Object.entries(first.secrets)) {
      account[field] = envRef(`${prefix}_${id.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}_${field.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`, value);
    }
    list.push(account);
    byKey.set(key, { id, shared: new Set(same) });
  }
  return {
    list,
    of(v: Section) {
      const found = v.kind === 'directory' ? undefined : byKey.get(keyOf(v));
      if (!found) return undefined;
      return { id: found.id, own: (s: Section) => Object.fromEntries(Object.entries(s.section).filter(([f]) => !found.shared.has(f) && f !== 'provider')) };
    },
  };
}

/** The same config as YAML text, with a header naming what it points at. */
export function configYaml(sim: ConfigSource, opts: SimulatorConfigOptions = {}): string {
  const { config } = configFor(sim, opts);
  return `# Ratchet config for the tenant simulator at ${sim.url}\n# Trust its CA: NODE_EXTRA_CA_CERTS=${sim.caPath}\n${stringify(config)}`;
}
