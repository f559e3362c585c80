import { UsageError } from '../app/errors.js';
import type { RatchetConfig, TenantConfig } from '../config/schema.js';

/** The tenants a command's `--tenant` options name (all of the config's when none), or a usage error naming the known ids. */
export function selectTenants(config: RatchetConfig, ids: string[] | undefined): TenantConfig[] {
  if (config.tenants.length === 0) {
    throw new UsageError('no tenants in the config yet: find the customers with `ratchet tenants discover --write tenants.d/`, or add them under tenants');
  }
  if (!ids || ids.length === 0) return config.tenants;
  return ids.map((id) => {
    const t = config.tenants.find((x) => x.id === id);
    if (!t) throw new UsageError(`--tenant ${id}: no such tenant in the config (known: ${config.tenants.map((x) => x.id).join(', ')})`);
    return t;
  });
}
