import { describe, expect, it } from 'vitest';
import type { TenantOrigin } from '../config/load.js';
import type { TenantConfig } from '../config/schema.js';
import { buildReport, plannedEdits, selectTenants, type MapTarget } from './map-plan.js';
import { matchTenants } from './match.js';

const target: MapTarget = { accountId: 'ninja-msp', provider: 'ninjaone', section: 'rmm', scopeField: 'organizationId' };
const tenant = (id: string, name: string, rmm?: Record<string, unknown>) => ({ id, name, ...(rmm ? { rmm } : {}) }) as unknown as TenantConfig;
const origin = (file: string | undefined, path: (string | number)[], rmm?: string): TenantOrigin => ({ file, path, accounts: rmm ? { rmm } : {}, m365FromDefaults: false });

const TENANTS = [
  tenant('contoso', 'Contoso Ltd', { provider: 'ninjaone', organizationId: 2 }),
  tenant('fabrikam', 'Fabrikam Inc'),
  tenant('northwind', 'Northwind Trading'),
  tenant('inhouse', 'In-House Co', { provider: 'ninjaone', organizationId: 7 }),
  tenant('other', 'Other Ltd', { provider: 'ninjaone', organizationId: 3 }),
  tenant('nofile', 'Litware'),
];
const ORIGINS = [
  origin('/c/ratchet.yaml', ['tenants', 0], 'ninja-msp'),
  origin('/c/tenants.d/fabrikam.yaml', []),
  origin('/c/tenants.d/northwind.yaml', ['tenants', 1]),
  origin('/c/ratchet.yaml', ['tenants', 1]),
  origin('/c/ratchet.yaml', ['tenants', 2], 'ninja-eu'),
  origin(undefined, []),
];

describe('selectTenants', () => {
  it('considers tenants on the account (mapped) and those without the section; counts the rest', () => {
    const s = selectTenants(TENANTS, ORIGINS, target);
    expect(s.considered.map((c) => [c.tenant.id, c.mappedScope ?? null])).toEqual([
      ['contoso', 2],
      ['fabrikam', null],
      ['northwind', null],
      ['nofile', null],
    ]);
    expect(s.elsewhere).toEqual([
      { id: 'inhouse', uses: 'its own credentials' },
      { id: 'other', uses: 'account ninja-eu' },
    ]);
  });
});

describe('plannedEdits', () => {
  const clients = [
    { scope: 2, name: 'Contoso Ltd', domains: [] },
    { scope: 4, name: 'Fabrikam, Inc.', domains: [] },
    { scope: 5, name: 'Northwind Traders', domains: [] },
    { scope: 6, name: 'Litware Inc', domains: [] },
  ];
  const selection = selectTenants(TENANTS, ORIGINS, target);
  const report = buildReport(
    target,
    clients,
    matchTenants(
      selection.considered.map((c) => ({ id: c.tenant.id, name: c.tenant.name, domains: [], ...(c.mappedScope !== undefined ? { mappedScope: c.mappedScope } : {}) })),
      clients,
    ),
    selection,
    [],
  );

  it('writes high-confidence proposals into the tenant\'s own file and says why the others stay', () => {
    const { edits, left } = plannedEdits(report, selection, 'high');
    expect(edits).toEqual([{ tenantId: 'fabrikam', file: '/c/tenants.d/fabrikam.yaml', path: [], section: 'rmm', value: { account: 'ninja-msp', organizationId: 4 } }]);
    expect(left).toEqual([
      { tenant: 'northwind', reason: expect.stringMatching(/^medium confidence \(similar name \(0\.\d\d\)\), below --min-confidence high$/) },
      { tenant: 'nofile', reason: 'its config was not read from a file' },
    ]);
  });

  it('takes medium ones too when asked', () => {
    const { edits } = plannedEdits(report, selection, 'medium');
    expect(edits.map((e) => [e.tenantId, e.path, e.value])).toEqual([
      ['fabrikam', [], { account: 'ninja-msp', organizationId: 4 }],
      ['northwind', ['tenants', 1], { account: 'ninja-msp', organizationId: 5 }],
    ]);
  });
});
