/**
 * What a simulated tenant is made of (the input of startSimulator). Its own module so the sample portfolio and the
 * server both depend on it without depending on each other. A directory vendor (vendor.ts) reads more fields of
 * its own from the same object (its credentials, its data knobs) and types them in its own TenantSpec.
 */
import type { EstateKnobs } from './estate.js';
import type { FaultConfig } from './faults.js';
import type { ProfileName } from './levels.js';

export interface TenantSpec {
  /** Ratchet config id ([a-z0-9-]); default: derived from the name. */
  id?: string;
  name: string;
  /** Seed of all generated data; default: the id. */
  seed?: number | string;
  /** Default `level3`. */
  profile?: ProfileName;
  /** Overrides of the directory vendor's data knobs on top of the profile's (that vendor validates them). */
  knobs?: Readonly<Record<string, unknown>>;
  /** The tenant's DNS domain; default: derived from the name (domainLabel). */
  domain?: string;
  /** Tenant faults, layered over the simulator's (a field set here wins). */
  faults?: FaultConfig | string;
  /** Provider id (a registered vendor simulator of kind `rmm`) whose API serves this tenant's estate; none: no RMM source. */
  rmm?: string;
  /** Provider id (a registered vendor simulator of kind `backup`) serving this tenant's protected workloads; none: no backup source. */
  backup?: string;
  /** Estate knob overrides on top of the profile's (estate-profiles.ts). */
  estate?: Partial<EstateKnobs>;
}

/**
 * The first label of a tenant's domain when none is given: its name, lower case, letters and digits only. The
 * estate's on-premises domain (`<label>.local`) and a directory's default domain both start with it.
 */
export function domainLabel(spec: Pick<TenantSpec, 'name' | 'domain'>): string {
  if (spec.domain) return spec.domain.split('.')[0]!;
  return spec.name.toLowerCase().replace(/[^a-z0-9]+/g, '').slice(0, 24) || 'tenant';
}
