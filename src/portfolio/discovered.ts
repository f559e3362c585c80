/**
 * What `ratchet tenants discover` makes of the customers a plugin discovered (DESIGN §12): which are configured
 * already, the config id a new one gets, and the three renderings — a table for a technician, one JSON document, and
 * tenant entries ready to paste — plus the one-tenant file `--write` leaves in `tenants.d/`. Pure: no I/O.
 *
 * Vendor-neutral: the section and field that name a customer's directory (for Microsoft 365, `m365.tenantId`) come
 * from the plugin that discovered it.
 */
import { stringify } from 'yaml';
import type { DiscoveredCustomer } from '../collector-kit/plugin.js';

/** Where a tenant names the customer's directory: the plugin's config section and its first tenant field. */
export interface DirectoryField {
  section: string;
  field: string;
}

export interface DiscoveryRow {
  customer: DiscoveredCustomer;
  /** Id of the configured tenant that already reads this customer's directory, or null. */
  configured: string | null;
  /** The config id a new tenant entry for the customer gets (null when configured). */
  newId: string | null;
}

/** A config id from a display name: lower case, [a-z0-9-], as the config schema demands. */
export function idFromName(name: string): string {
  const id = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48)
    .replace(/-+$/, '');
  return id || 'tenant';
}

/**
 * Lines each customer up with the configured tenants (by the directory field, case-insensitively) and gives every
 * other one an id no configured tenant and no other new entry uses (`contoso`, `contoso-2`, …).
 */
export function lineUp(customers: readonly DiscoveredCustomer[], configured: ReadonlyArray<{ id: string; directory?: string }>): DiscoveryRow[] {
  const byDirectory = new Map<string, string>();
  for (const t of configured) if (t.directory) byDirectory.set(t.directory.toLowerCase(), t.id);
  const taken = new Set(configured.map((t) => t.id));
  return customers.map((customer) => {
    const existing = byDirectory.get(customer.tenantId.toLowerCase()) ?? null;
    if (existing) return { customer, configured: existing, newId: null };
    const base = idFromName(customer.name);
    let id = base;
    for (let n = 2; taken.has(id); n++) id = `${base}-${n}`;
    taken.add(id);
    return { customer, configured: null, newId: id };
  });
}

/** The tenant mapping of a new customer: id, name and the directory it reads (the app comes from defaults). */
export function tenantEntry(row: DiscoveryRow, where: DirectoryField): Record<string, unknown> {
  return { id: row.newId, name: row.customer.name, [where.section]: { [where.field]: row.customer.tenantId } };
}

const CONSENT_WORDS: Record<DiscoveredCustomer['consent']['state'], string> = {
  consented: 'consented',
  'not-consented': 'not consented',
  unknown: 'unknown',
};

/** One comment line on the customer's consent: what it is and, when missing, where to grant it. */
function consentComment(c: DiscoveredCustomer): string {
  const s = c.consent;
  if (s.state === 'consented') return 'consent: granted (the app gets a token in this tenant)';
  if (s.state === 'not-consented') return `consent: MISSING${s.code ? ` (${s.code})` : ''}: a Global Administrator of the customer grants it at ${s.adminConsentUrl ?? '(no URL)'}`;
  return `consent: unknown: ${oneLine(s.detail)}`;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

export interface DiscoverySource {
  /** The partner tenant discovery ran in. */
  partnerTenantId: string;
  /** When, as an ISO date-time. */
  at: string;
}

/** The file `--write` leaves for one new customer: a header saying where it came from, then the tenant mapping. */
export function tenantFileText(row: DiscoveryRow, where: DirectoryField, source: DiscoverySource): string {
  const header = [
    `Written by \`ratchet tenants discover --write\` at ${source.at}: a customer of partner tenant ${source.partnerTenantId}.`,
    consentComment(row.customer),
    `Its app and credential come from defaults.${where.section}. rmm and backup: add them with \`ratchet tenants map --account ID --write\`.`,
  ];
  return `${header.map((l) => `# ${l}`).join('\n')}\n${stringify(tenantEntry(row, where))}`;
}

/** Tenant entries of the new customers, as a `tenants:` list to paste into a config (comments say their consent). */
export function pasteableYaml(rows: readonly DiscoveryRow[], where: DirectoryField, source: DiscoverySource): string {
  const fresh = rows.filter((r) => r.newId !== null);
  const lines = [
    `# Customers of partner tenant ${source.partnerTenantId} not configured yet (${fresh.length} of ${rows.length}), at ${source.at}.`,
    `# Their app and credential come from defaults.${where.section}; rmm and backup: \`ratchet tenants map --account ID --write\`.`,
  ];
  if (fresh.length === 0) return `${lines.join('\n')}\ntenants: []\n`;
  lines.push('tenants:');
  for (const row of fresh) {
    lines.push(`  # ${consentComment(row.customer)}`);
    const item = stringify([tenantEntry(row, where)]).trimEnd();
    lines.push(...item.split('\n').map((l) => `  ${l}`));
  }
  return `${lines.join('\n')}\n`;
}

/** What `--write` did for one customer. */
export interface WriteOutcome {
  path: string;
  status: 'written' | 'exists';
}

/** The JSON document: every customer, its consent, whether it is configured, and what `--write` did. */
export function discoveryJson(rows: readonly DiscoveryRow[], source: DiscoverySource, writes: ReadonlyMap<string, WriteOutcome>): unknown {
  return {
    partnerTenantId: source.partnerTenantId,
    discoveredAt: source.at,
    customers: rows.map((r) => ({
      tenantId: r.customer.tenantId,
      name: r.customer.name,
      domains: r.customer.domains,
      consent: r.customer.consent,
      configured: r.configured,
      ...(r.newId ? { newId: r.newId } : {}),
      ...(writes.has(r.customer.tenantId) ? { file: writes.get(r.customer.tenantId) } : {}),
    })),
  };
}

function pad(cells: readonly string[], widths: readonly number[]): string {
  return cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
}

/** The table: name, directory id, consent, configured tenant; the admin-consent URL (or the reason) under a row that needs it. */
export function discoveryTable(rows: readonly DiscoveryRow[], source: DiscoverySource): string {
  const count = (state: DiscoveredCustomer['consent']['state']) => rows.filter((r) => r.customer.consent.state === state).length;
  const configured = rows.filter((r) => r.configured).length;
  const out = [
    `Customers of partner tenant ${source.partnerTenantId}: ${rows.length} found, ${count('consented')} consented, ${count('not-consented')} not consented, ${count('unknown')} unknown; ${configured} configured.`,
  ];
  if (rows.length === 0) return `${out.join('\n')}\n`;
  const head = ['NAME', 'TENANT ID', 'CONSENT', 'CONFIGURED'];
  const body = rows.map((r) => [r.customer.name, r.customer.tenantId, CONSENT_WORDS[r.customer.consent.state], r.configured ?? `no (new id: ${r.newId})`]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  out.push('', pad(head, widths));
  rows.forEach((r, i) => {
    out.push(pad(body[i]!, widths));
    const s = r.customer.consent;
    if (s.state === 'not-consented') out.push(`    admin consent: ${s.adminConsentUrl ?? '(no URL)'}${s.code ? ` (${s.code})` : ''}`);
    if (s.state === 'unknown') out.push(`    ${oneLine(s.detail)}`);
  });
  return `${out.join('\n')}\n`;
}
