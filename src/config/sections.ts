import type { CollectorPlugin } from '../collector-kit/plugin.js';

export interface TenantSection {
  /** Index of the tenant in `tenants`. */
  index: number;
  section: 'm365' | 'rmm' | 'backup';
  /** The section's (parsed) values. */
  values: Record<string, unknown>;
  /** The plugin that owns the section (m365, or the rmm/backup `provider`); undefined when none matches. */
  plugin: CollectorPlugin | undefined;
}

/** Every configured collector section of every tenant, with the plugin that reads it. */
export function* tenantSections(
  tenants: ReadonlyArray<Partial<Record<'m365' | 'rmm' | 'backup', unknown>>>,
  plugins: readonly CollectorPlugin[],
): Generator<TenantSection> {
  for (const [index, t] of tenants.entries()) {
    for (const section of ['m365', 'rmm', 'backup'] as const) {
      const values = t[section] as Record<string, unknown> | undefined;
      if (!values) continue;
      const plugin = plugins.find((p) => p.section === section && (section === 'm365' || p.provider === values.provider));
      yield { index, section, values, plugin };
    }
  }
}
