import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { DiscoveredCustomer } from '../collector-kit/plugin.js';
import { discoveryJson, discoveryTable, idFromName, lineUp, pasteableYaml, tenantFileText } from './discovered.js';

const where = { section: 'm365', field: 'tenantId' };
const source = { partnerTenantId: '99999999-9999-4999-8999-999999999999', at: '2026-01-02T03:04:05.000Z' };
const guid = (n: number) => `0000000${n}-0000-4000-8000-00000000000${n}`;

function customer(n: number, name: string, consent: DiscoveredCustomer['consent'] = { state: 'consented', detail: 'ok' }): DiscoveredCustomer {
  return { tenantId: guid(n), name, domains: [], consent };
}

describe('discovered customers', () => {
  it('derives config ids of [a-z0-9-] from any name', () => {
    expect(idFromName('Contoso Ltd')).toBe('contoso-ltd');
    expect(idFromName('  Société Générale & Cie. ')).toBe('societe-generale-cie');
    expect(idFromName('株式会社')).toBe('tenant');
    expect(idFromName('A'.repeat(80))).toHaveLength(48);
    for (const name of ['--x--', 'Ünïcødé', 'a/b\\c:d']) expect(idFromName(name)).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
  });

  it('matches configured tenants by directory id (any case) and de-duplicates new ids against them and each other', () => {
    const rows = lineUp(
      [customer(1, 'Contoso'), customer(2, 'Contoso'), customer(3, 'Fabrikam'), customer(4, 'contoso')],
      [
        { id: 'contoso', directory: 'x' },
        { id: 'fab', directory: guid(3).toUpperCase() },
        { id: 'contoso-2' },
      ],
    );
    expect(rows.map((r) => [r.configured, r.newId])).toEqual([
      [null, 'contoso-3'],
      [null, 'contoso-4'],
      ['fab', null],
      [null, 'contoso-5'],
    ]);
  });

  it('writes YAML that parses back to the tenant, whatever the name holds', () => {
    const awkward = customer(5, "O'Brien: \"Ltd\" #1 - yes", { state: 'not-consented', code: 'AADSTS65001', detail: 'no', adminConsentUrl: 'https://login.example/t/adminconsent?client_id=c' });
    const rows = lineUp([awkward, customer(6, 'Plain')], []);
    const file = tenantFileText(rows[0]!, where, source);
    expect(file.split('\n').slice(0, 3).every((l) => l.startsWith('# '))).toBe(true);
    expect(file).toContain('grants it at https://login.example/t/adminconsent?client_id=c');
    expect(parse(file)).toEqual({ id: 'o-brien-ltd-1-yes', name: awkward.name, m365: { tenantId: guid(5) } });
    const pasted = parse(pasteableYaml(rows, where, source)) as { tenants: unknown[] };
    expect(pasted.tenants).toEqual([
      { id: 'o-brien-ltd-1-yes', name: awkward.name, m365: { tenantId: guid(5) } },
      { id: 'plain', name: 'Plain', m365: { tenantId: guid(6) } },
    ]);
    expect(parse(pasteableYaml(lineUp([customer(1, 'X')], [{ id: 'x', directory: guid(1) }]), where, source))).toEqual({ tenants: [] });
  });

  it('renders the table with the consent URL or the reason under the rows that need one, and JSON with every field', () => {
    const rows = lineUp(
      [
        customer(1, 'Alpha'),
        customer(2, 'Bravo', { state: 'not-consented', code: 'AADSTS700016', detail: 'x', adminConsentUrl: 'https://login/b/adminconsent?client_id=c' }),
        customer(3, 'Charlie', { state: 'unknown', code: 'AADSTS90002', detail: 'tenant not found;\n see doctor' }),
      ],
      [{ id: 'alpha', directory: guid(1) }],
    );
    const table = discoveryTable(rows, source).split('\n');
    expect(table[0]).toBe(`Customers of partner tenant ${source.partnerTenantId}: 3 found, 1 consented, 1 not consented, 1 unknown; 1 configured.`);
    expect(table).toContain('    admin consent: https://login/b/adminconsent?client_id=c (AADSTS700016)');
    expect(table).toContain('    tenant not found; see doctor');
    expect(table.find((l) => l.startsWith('Alpha'))).toMatch(/consented\s+alpha$/);
    const doc = discoveryJson(rows, source, new Map([[guid(2), { path: '/x/bravo.yaml', status: 'written' as const }]])) as { customers: Array<Record<string, unknown>> };
    expect(doc.customers[1]).toMatchObject({ name: 'Bravo', configured: null, newId: 'bravo', file: { path: '/x/bravo.yaml', status: 'written' } });
    expect(doc.customers[0]).not.toHaveProperty('newId');
  });
});
