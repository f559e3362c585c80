/**
 * A client of a shared Acronis partner account, seen from its tenant (issue 13, item 4): Acronis refuses the
 * resource statuses of a customer tenant that was deleted (it left the API client's subtree) with the same 403 as a
 * missing role, so the collector looks the tenant up once — 404 reads "run ratchet tenants map", never "fix the
 * role" — and resources of another customer tenant are dropped and counted in one log line.
 */
import nock from 'nock';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { offline } from '../../src/collector-kit/testing/fake-server.js';
import type { CollectorContext } from '../../src/collector-kit/plugin.js';
import { collectAcronis } from './collect.js';
import { ACCESS_TOKEN, BASE, CUSTOMER, FAST, FakeAcronis, OTHER_CUSTOMER, fixture, paged, testConfig, testContext } from './test-support.js';

offline({ clearSecrets: true });

const denied = () => ({ status: 403, body: fixture('error-access-denied.json') });

/** GET /api/2/tenants/{CUSTOMER}, answered `status`; returns the requests it saw. */
function tenantLookup(status: 200 | 404): string[] {
  const seen: string[] = [];
  nock(BASE, { reqheaders: { authorization: `Bearer ${ACCESS_TOKEN}` } })
    .get(`/api/2/tenants/${CUSTOMER}`)
    .reply((uri) => {
      seen.push(uri);
      return status === 200
        ? [200, { id: CUSTOMER, name: 'Contoso Ltd', kind: 'customer', enabled: true }]
        : [404, { error: { domain: 'AccountServer', code: 'NotFound', message: `Tenant ${CUSTOMER} not found` } }];
    });
  return seen;
}

function loggingContext(): { ctx: CollectorContext; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
  return { ctx: { ...testContext(), logger }, lines };
}

describe('acronis collector — a client of a shared partner account', () => {
  it('reads a deleted customer tenant as unknown with the reason, not as a missing role', async () => {
    new FakeAcronis().onStatuses(denied).install();
    const lookups = tenantLookup(404);
    const result = await collectAcronis(testConfig({ customerTenantId: CUSTOMER }), testContext(), FAST);

    expect(lookups).toHaveLength(1);
    const [e] = result.evidence;
    expect(e).toMatchObject({ key: 'backup.protection', status: 'error', reasonCode: 'not_configured', value: null });
    expect(e!.reason).toContain(`Acronis customer tenant ${CUSTOMER} no longer exists on the account (${BASE})`);
    expect(e!.reason).toContain('ratchet tenants map');
    expect(e!.source.endpoints).toContain('/api/2/tenants/{id}');
    expect(result.status).toBe('error');
  });

  it('keeps a refusal for a tenant that exists a missing permission', async () => {
    new FakeAcronis().onStatuses(denied).install();
    const lookups = tenantLookup(200);
    const result = await collectAcronis(testConfig({ customerTenantId: CUSTOMER }), testContext(), FAST);

    expect(lookups).toHaveLength(1);
    expect(result.evidence[0]).toMatchObject({ status: 'unavailable', reasonCode: 'permission_missing' });
    expect(result.evidence[0]!.reason).toContain('urn:acronis.com::resource_management::read');
    expect(result.status).toBe('ok');
  });

  it('logs the resources of another customer tenant it dropped', async () => {
    const page1 = fixture<{ items: Array<Record<string, unknown>> }>('resource-statuses-page1.json');
    page1.items.push({
      aggregate: { names: 'Other customer plan', status: 'idle' },
      context: { id: '99999999-9999-4999-8999-999999999999', name: 'OTHER-SRV', tenant_id: OTHER_CUSTOMER, type: 'resource.machine' },
      policies: [{ type: 'policy.backup.machine', last_run: '2024-05-20T00:00:00Z', last_success_run: '2024-05-20T00:00:00Z' }],
    });
    new FakeAcronis().onStatuses(paged({ '': page1, 'b2Zmc2V0PTM=': fixture('resource-statuses-page2.json'), 'b2Zmc2V0PTY=': fixture('resource-statuses-page3.json') })).install();
    const { ctx, lines } = loggingContext();
    const result = await collectAcronis(testConfig({ customerTenantId: CUSTOMER }), ctx, FAST);

    expect(result.evidence[0]!.value).toMatchObject({ excludedOtherTenant: 1 });
    const dropped = lines.filter((l) => l.msg === 'acronis: resources of other customer tenants dropped');
    expect(dropped).toHaveLength(1);
    expect(dropped[0]).toMatchObject({ level: 40, tenant: 'contoso', customerTenantId: CUSTOMER, resources: 1 });
  });

  it('logs nothing when every resource is the tenant\'s', async () => {
    new FakeAcronis().install();
    const { ctx, lines } = loggingContext();
    await collectAcronis(testConfig({ customerTenantId: CUSTOMER }), ctx, FAST);
    expect(lines.filter((l) => l.msg === 'acronis: resources of other customer tenants dropped')).toEqual([]);
  });
});
