/**
 * What a simulated tenant is made of (the input of startSimulator). Its own module so the sample portfolio and the
 * server both depend on it without depending on each other.
 */
import type { EstateKnobs } from './estate.js';
import type { FaultConfig } from './faults.js';
import type { KnobOverrides, ProfileName } from './profiles.js';

export interface TenantSpec {
  /** Ratchet config id ([a-z0-9-]); default: derived from the name. */
  id?: string;
  name: string;
  /** Directory (tenant) GUID; default: derived from the seed. */
  tenantId?: string;
  /** Seed of all generated data; default: the id. */
  seed?: number | string;
  /** Default `level3`. */
  profile?: ProfileName;
  knobs?: KnobOverrides;
  /** Initial domain; default `<name>.onmicrosoft.com`. */
  domain?: string;
  /** Application (client) id; default: derived from the seed. */
  clientId?: string;
  /** Client secret; default: random per run (the config references it through an env var). */
  clientSecret?: string;
  /** Also register a client certificate (written to the cert directory) for certificatePath configs. */
  certificate?: boolean;
  /** Tenant faults, layered over the simulator's (a field set here wins). */
  faults?: FaultConfig | string;
  /** Provider id (a registered vendor simulator of kind `rmm`) whose API serves this tenant's estate; none: no RMM source. */
  rmm?: string;
  /** Provider id (a registered vendor simulator of kind `backup`) serving this tenant's protected workloads; none: no backup source. */
  backup?: string;
  /** Estate knob overrides on top of the profile's (estate-profiles.ts). */
  estate?: Partial<EstateKnobs>;
}
