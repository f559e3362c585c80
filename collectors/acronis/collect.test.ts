import { describe, expect, it } from 'vitest';
import { offline } from '../../src/collector-kit/testing/fake-server.js';
import type { Evidence } from '../../src/domain/evidence.js';
import { collectAcronis } from './collect.js';
import { acronisPlugin } from './index.js';
import { NOT_APPLICABLE, type ProtectionValue } from './protection.js';
import {
  ACCESS_TOKEN,
  BASE,
  CLIENT_ID,
  CUSTOMER,
  FAST,
  FakeAcronis,
  OTHER_CUSTOMER,
  SECRET,
  fixture,
  json,
  paged,
  sequence,
  standardPages,
  testConfig,
  testContext,
} from './test-support.js';

const PATH = '/api/resource_management/v4/resource_statuses';

offline({ clearSecrets: true });

/** The backup.protection item; backup.immutability (not applicable, no request) rides along unless ctx.only drops it. */
function only(evidence: Evidence[]): Evidence {
  const protection = evidence.filter((e) => e.key === 'backup.protection');
  expect(protection).toHaveLength(1);
  expect(evidence.filter((e) => e.key !== 'backup.protection' && e.key !== 'backup.immutability')).toEqual([]);
  return protection[0]!;
}

const valueOf = (e: Evidence) => e.value as ProtectionValue;

describe('acronis collector — healthy data centre', () => {
  it('pages through resource statuses and derives backup.protection', async () => {
    const fake = new FakeAcronis().install();

    const result = await acronisPlugin.collect(testConfig(), testContext());

    expect(result.status).toBe('ok');
    expect(result.error).toBeNull();
    const e = only(result.evidence);
    expect(e.status).toBe('ok');
    expect(e.reason).toBeNull();
    expect(e.collectedAt).toBe('2024-06-01T00:00:00.000Z');
    expect(e.source).toEqual({ collector: 'acronis', endpoints: [PATH], requests: 3 });
    expect(result.requests).toBe(4); // token + 3 pages

    // Token: HTTP Basic client_id:client_secret, form grant_type=client_credentials, requested once.
    expect(fake.tokenRequests).toHaveLength(1);
    expect(fake.tokenRequests[0]!.authorization).toBe(`Basic ${Buffer.from(`${CLIENT_ID}:${SECRET}`).toString('base64')}`);
    expect(new URLSearchParams(fake.tokenRequests[0]!.body).get('grant_type')).toBe('client_credentials');
    expect(fake.tokenRequests[0]!.body).not.toContain(SECRET);

    // Paging: the first page carries the filters, the next ones only limit + after.
    expect(fake.statusRequests.map((r) => Object.fromEntries(r.query))).toEqual([
      { type: 'resource.machine', limit: '200' },
      { limit: '200', after: 'b2Zmc2V0PTM=' },
      { limit: '200', after: 'b2Zmc2V0PTY=' },
    ]);
    expect(fake.statusRequests.every((r) => r.authorization === `Bearer ${ACCESS_TOKEN}`)).toBe(true);

    expect(e.value).toEqual({
      protected: 6,
      succeeded24h: 3,
      pct: 50,
      // SRV-NEW04 has a backup plan that never ran: no age to display, and it is failing and stale (not unknown).
      oldestSuccessHours: null,
      fresh72h: 5,
      freshPct: 83.3,
      staleOver72h: 1,
      successRate30d: null,
      runs30d: null,
      notApplicable: { successRate30d: NOT_APPLICABLE.successRate30d },
      failing: ['SRV-SQL01', 'WS-FINANCE-07', 'SRV-NEW04'],
      failingTotal: 3,
      objectNames: ['SRV-DC01', 'SRV-SQL01', 'WS-FINANCE-07', 'SRV-FILE02', 'SRV-APP03', 'SRV-NEW04'],
      objectNamesTotal: 6,
      workloads: 8,
      unprotected: ['DESKTOP-AQXOA6B', 'LAPTOP-SALES-02'],
      unprotectedTotal: 2,
      lastRunFailed: 1,
      neverSucceeded: 1,
      excludedOtherTenant: 0,
      resourceTypes: ['resource.machine'],
      customerTenantId: null,
    });
  });

  it('reports the oldest success in hours when every protected workload has succeeded', async () => {
    const page3 = fixture<{ items: unknown[] }>('resource-statuses-page3.json');
    page3.items = page3.items.slice(0, 1); // drop SRV-NEW04 (never ran)
    new FakeAcronis()
      .onStatuses(
        paged({ '': fixture('resource-statuses-page1.json'), 'b2Zmc2V0PTM=': fixture('resource-statuses-page2.json'), 'b2Zmc2V0PTY=': page3 }),
      )
      .install();

    const e = only((await collectAcronis(testConfig(), testContext(), FAST)).evidence);

    // WS-FINANCE-07 last succeeded 2024-05-29T00:00:00.311Z: 72 h before the scan (to one decimal).
    expect(valueOf(e).oldestSuccessHours).toBe(72);
    expect(valueOf(e).failing).toEqual(['SRV-SQL01', 'WS-FINANCE-07']);
  });

  it('measures ages against ctx.now(), not the wall clock', async () => {
    new FakeAcronis().install();
    // Two days later, nothing has a success within 24 h.
    const e = only((await collectAcronis(testConfig(), testContext({ now: new Date('2024-06-03T00:00:00Z') }), FAST)).evidence);
    expect(valueOf(e).succeeded24h).toBe(0);
    expect(valueOf(e).failingTotal).toBe(6);
    expect(e.collectedAt).toBe('2024-06-03T00:00:00.000Z');
  });

  it('reads each configured resource type as its own paged series', async () => {
    const vmPage = {
      items: [
        {
          aggregate: { names: 'VMs daily', status: 'idle' },
          context: { id: '7a1b2c3d-0000-4000-8000-000000000001', name: 'VM-WEB01', tenant_id: CUSTOMER, type: 'resource.virtual_machine.vmwesx' },
          policies: [{ type: 'policy.backup.machine', last_run: '2024-05-31T21:00:00Z', last_success_run: '2024-05-31T21:00:00Z' }],
        },
      ],
      paging: { cursors: { total: 1 } },
    };
    const machines = standardPages();
    const fake = new FakeAcronis().onStatuses((req) => (req.query.get('type') === 'resource.virtual_machine.vmwesx' ? json(vmPage) : machines(req))).install();

    const result = await collectAcronis(testConfig({ resourceTypes: ['resource.machine', 'resource.virtual_machine.vmwesx'] }), testContext(), FAST);

    const v = valueOf(only(result.evidence));
    expect(v.protected).toBe(7);
    expect(v.objectNames).toContain('VM-WEB01');
    expect(v.resourceTypes).toEqual(['resource.machine', 'resource.virtual_machine.vmwesx']);
    expect(fake.statusRequests.filter((r) => r.query.has('type')).map((r) => r.query.get('type')).sort()).toEqual([
      'resource.machine',
      'resource.virtual_machine.vmwesx',
    ]);
    expect(result.requests).toBe(5);
  });

  it('reads a resource in the OpenAPI shape: no context.id, *_time run fields, a warning aggregate', async () => {
    // fixtures/resource-statuses-openapi-shape.json: the OpenAPI `Resource` requires name, parent_group_ids, cti and
    // type only — `id` is optional — and `PolicyExecutions` spells its runs `last_run_time` / `last_success_run_time`.
    new FakeAcronis().onStatuses(() => ({ status: 200, body: fixture('resource-statuses-openapi-shape.json') })).install();

    const e = only((await collectAcronis(testConfig(), testContext(), FAST)).evidence);

    expect(e.status).toBe('ok');
    expect(e.reasonCode ?? null).toBeNull();
    // The aggregate `warning` covers every module of the plan; the backup policy's own last run succeeded.
    expect(valueOf(e)).toMatchObject({ workloads: 1, protected: 1, succeeded24h: 1, lastRunFailed: 0, failing: [], objectNames: ['SRV-BRANCH05'] });
  });

  it('returns nothing and calls nothing when ctx.only excludes backup.protection', async () => {
    const fake = new FakeAcronis().install();
    const result = await collectAcronis(testConfig(), testContext({ only: ['m365.admins'] }), FAST);
    expect(result).toEqual({ evidence: [], requests: 0, status: 'ok', error: null });
    expect(fake.tokenRequests).toHaveLength(0);
    const targeted = await collectAcronis(testConfig(), testContext({ only: ['backup.protection'] }), FAST);
    expect(only(targeted.evidence).status).toBe('ok');
    expect(targeted.evidence.map((e) => e.key)).toEqual(['backup.protection']);
  });
});

describe('acronis collector — backup.immutability', () => {
  const FIELDS = ['repositories', 'immutable', 'pct', 'minImmutableDays'];

  it('reports every immutability measure as not applicable, with the reason, beside backup.protection', async () => {
    new FakeAcronis().install();
    const result = await collectAcronis(testConfig(), testContext(), FAST);
    expect(result.status).toBe('ok');
    const e = result.evidence.find((x) => x.key === 'backup.immutability')!;
    expect(e.status).toBe('ok');
    // No endpoint and no request behind it: nothing in the API reads immutable storage.
    expect(e.source).toEqual({ collector: 'acronis', endpoints: [], requests: 0 });
    const v = e.value as Record<string, unknown> & { notApplicable: Record<string, string> };
    for (const f of FIELDS) expect(v[f], f).toBeNull();
    expect(Object.keys(v.notApplicable).sort()).toEqual([...FIELDS].sort());
    for (const f of FIELDS) expect(v.notApplicable[f], f).toMatch(/documents no API .*immutable storage/);
  });

  it('answers a targeted re-check of backup.immutability without signing in', async () => {
    const fake = new FakeAcronis().install();
    const result = await collectAcronis(testConfig(), testContext({ only: ['backup.immutability'] }), FAST);
    expect(result).toMatchObject({ requests: 0, status: 'ok', error: null });
    expect(result.evidence.map((e) => e.key)).toEqual(['backup.immutability']);
    expect(fake.tokenRequests).toHaveLength(0);
    expect(fake.statusRequests).toHaveLength(0);
  });

  it('fails with backup.protection when the sign-in fails (one collector outcome, as for every key)', async () => {
    new FakeAcronis('another-secret').install();
    const result = await collectAcronis(testConfig(), testContext(), FAST);
    expect(result.evidence.map((e) => [e.key, e.status === 'ok'])).toEqual([
      ['backup.protection', false],
      ['backup.immutability', false],
    ]);
  });
});

describe('acronis collector — customer tenant filter', () => {
  it('sends tenant_id on the first page and drops items of another tenant UUID', async () => {
    const page1 = fixture<{ items: Array<Record<string, unknown>> }>('resource-statuses-page1.json');
    page1.items.push({
      aggregate: { names: 'Other customer plan', status: 'idle' },
      context: { id: '99999999-9999-4999-8999-999999999999', name: 'OTHER-SRV', tenant_id: OTHER_CUSTOMER, type: 'resource.machine' },
      policies: [{ type: 'policy.backup.machine', last_run: '2024-05-20T00:00:00Z', last_success_run: '2024-05-20T00:00:00Z' }],
    });
    const fake = new FakeAcronis()
      .onStatuses(paged({ '': page1, 'b2Zmc2V0PTM=': fixture('resource-statuses-page2.json'), 'b2Zmc2V0PTY=': fixture('resource-statuses-page3.json') }))
      .install();

    const result = await collectAcronis(testConfig({ customerTenantId: CUSTOMER.toUpperCase() }), testContext(), FAST);

    expect(Object.fromEntries(fake.statusRequests[0]!.query)).toEqual({ type: 'resource.machine', limit: '200', tenant_id: CUSTOMER });
    expect(fake.statusRequests[1]!.query.has('tenant_id')).toBe(false);
    const v = valueOf(only(result.evidence));
    expect(v.excludedOtherTenant).toBe(1);
    expect(v.objectNames).not.toContain('OTHER-SRV');
    expect(v.failing).not.toContain('OTHER-SRV');
    // SRV-APP03 carries the legacy integer tenant id "17": not comparable with a UUID, so the server filter is trusted.
    expect(v.objectNames).toContain('SRV-APP03');
    expect(v.protected).toBe(6);
    expect(v.customerTenantId).toBe(CUSTOMER);
  });
});

describe('acronis collector — throttling and failures', () => {
  it('waits for Retry-After on a 429 and then succeeds', async () => {
    const pages = standardPages();
    let throttled = false;
    const fake = new FakeAcronis()
      .onStatuses((req) => {
        if (req.query.get('after') === 'b2Zmc2V0PTM=' && !throttled) {
          throttled = true;
          return { status: 429, body: { domain: 'General', code: 'TooManyRequests', message: 'Too many requests' }, headers: { 'Retry-After': '1' } };
        }
        return pages(req);
      })
      .install();

    const started = Date.now();
    const result = await collectAcronis(testConfig(), testContext(), FAST);

    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(result.status).toBe('ok');
    expect(valueOf(only(result.evidence)).protected).toBe(6);
    expect(fake.statusRequests).toHaveLength(4);
    expect(only(result.evidence).source.requests).toBe(4);
  });

  it('gives up on a 429 whose Retry-After is longer than the scan may wait, as a collector error', async () => {
    new FakeAcronis().onStatuses(() => ({ status: 429, body: { message: 'Too many requests' }, headers: { 'Retry-After': '3600' } })).install();
    const result = await collectAcronis(testConfig(), testContext(), { ...FAST, maxRetryAfterSeconds: 60 });
    const e = only(result.evidence);
    expect(e.status).toBe('error');
    expect(e.reasonCode).toBe('collector_error');
    expect(e.reason).toMatch(/HTTP 429.*still throttled/);
    expect(result.status).toBe('error');
  });

  it('maps a 403 AccessDeniedError to unavailable naming the scope and the role', async () => {
    const fake = new FakeAcronis().onStatuses(() => ({ status: 403, body: fixture('error-access-denied.json') })).install();

    const result = await collectAcronis(testConfig({ customerTenantId: CUSTOMER }), testContext(), FAST);

    const e = only(result.evidence);
    expect(e.status).toBe('unavailable');
    expect(e.reasonCode).toBe('permission_missing');
    expect(e.value).toBeNull();
    expect(e.reason).toContain('HTTP 403: Access denied');
    expect(e.reason).toContain('urn:acronis.com::resource_management::read');
    expect(e.reason).toMatch(/Cyber Protection/);
    expect(e.reason).toContain(CUSTOMER);
    // A permission gap is not a failed collection: the collector is ok, and a 403 is never retried.
    expect(result.status).toBe('ok');
    expect(fake.statusRequests).toHaveLength(1);
  });

  it('maps a persistent 401 to unavailable after fetching a fresh token once', async () => {
    const fake = new FakeAcronis().onStatuses(() => ({ status: 401, body: fixture('error-unauthorized.json') })).install();

    const result = await collectAcronis(testConfig(), testContext(), FAST);

    const e = only(result.evidence);
    expect(e.status).toBe('unavailable');
    expect(e.reasonCode).toBe('permission_missing');
    expect(e.reason).toContain('HTTP 401: Unauthorized request');
    expect(fake.tokenRequests).toHaveLength(2);
    expect(fake.statusRequests).toHaveLength(2);
  });

  it('reports a schema violation naming the field', async () => {
    const page1 = fixture<{ items: Array<{ policies?: Array<Record<string, unknown>> }> }>('resource-statuses-page1.json');
    page1.items[1]!.policies![0]!.last_success_run = 1717200000;
    new FakeAcronis().onStatuses(paged({ '': page1 })).install();

    const result = await collectAcronis(testConfig(), testContext(), FAST);

    const e = only(result.evidence);
    expect(e.status).toBe('error');
    expect(e.reasonCode).toBe('schema_violation');
    expect(e.reason).toContain('items[1].policies[0].last_success_run');
    expect(result.status).toBe('error');
    expect(result.error).toContain('contoso');
  });

  it('treats an unparseable timestamp as a schema violation, not as "never"', async () => {
    const page1 = fixture<{ items: Array<{ policies?: Array<Record<string, unknown>> }> }>('resource-statuses-page1.json');
    page1.items[0]!.policies![1]!.last_success_run = 'yesterday';
    new FakeAcronis().onStatuses(paged({ '': page1 })).install();

    const e = only((await collectAcronis(testConfig(), testContext(), FAST)).evidence);
    expect(e.reasonCode).toBe('schema_violation');
    expect(e.reason).toMatch(/items\[0\]\.policies\[1\]\.last_success_run: not an ISO 8601 timestamp: "yesterday"/);
  });

  it('reports a missing items array as a schema violation', async () => {
    new FakeAcronis().onStatuses(() => json({ paging: { cursors: {} } })).install();
    const e = only((await collectAcronis(testConfig(), testContext(), FAST)).evidence);
    expect(e.reasonCode).toBe('schema_violation');
    expect(e.reason).toContain('at items');
  });

  it('retries 5xx and then reports a collector error with the request count', async () => {
    const fake = new FakeAcronis().onStatuses(() => ({ status: 500, body: fixture('error-internal.json') })).install();

    const result = await collectAcronis(testConfig(), testContext(), FAST);

    const e = only(result.evidence);
    expect(e.status).toBe('error');
    expect(e.reasonCode).toBe('collector_error');
    expect(e.reason).toBe('acronis GET /api/resource_management/v4/resource_statuses failed: HTTP 500: Internal server error');
    expect(fake.statusRequests).toHaveLength(4); // 1 + 3 retries
    expect(e.source.requests).toBe(4);
    expect(result.requests).toBe(5);
    expect(result.status).toBe('error');
  });

  it('recovers from a transient 5xx', async () => {
    const pages = standardPages();
    const first = sequence({ status: 503, body: fixture('error-internal.json') }, { status: 200 });
    new FakeAcronis().onStatuses((req) => (first(req).status === 503 ? { status: 503, body: fixture('error-internal.json') } : pages(req))).install();
    const result = await collectAcronis(testConfig(), testContext(), FAST);
    expect(result.status).toBe('ok');
    expect(valueOf(only(result.evidence)).workloads).toBe(8);
  });

  it('stops when the server repeats a cursor instead of looping forever', async () => {
    const loop = fixture<{ paging: { cursors: { after: string } } }>('resource-statuses-page2.json');
    loop.paging.cursors.after = 'c2FtZQ==';
    new FakeAcronis().onStatuses(paged({ '': fixture('resource-statuses-page1.json'), 'b2Zmc2V0PTM=': { ...loop }, 'c2FtZQ==': loop })).install();

    const e = only((await collectAcronis(testConfig(), testContext(), FAST)).evidence);
    expect(e.status).toBe('error');
    expect(e.reason).toMatch(/paging did not advance/);
  });

  it('reports a scan aborted before the token as an error', async () => {
    new FakeAcronis().install();
    const controller = new AbortController();
    controller.abort();
    const result = await collectAcronis(testConfig(), testContext({ signal: controller.signal }), FAST);
    expect(result.status).toBe('error');
    expect(result.error).toBe('acronis token request for tenant contoso aborted (collector timeout or shutdown)');
    expect(result.evidence.every((e) => e.status === 'error')).toBe(true);
  });

  it('stops paging when ctx.signal aborts mid-collection', async () => {
    const controller = new AbortController();
    const pages = standardPages();
    const fake = new FakeAcronis()
      .onStatuses((req) => {
        controller.abort();
        return pages(req);
      })
      .install();
    const result = await collectAcronis(testConfig(), testContext({ signal: controller.signal }), FAST);
    const e = only(result.evidence);
    expect(e.status).toBe('error');
    expect(e.value).toBeNull();
    expect(e.reason).toMatch(/aborted/);
    expect(fake.statusRequests).toHaveLength(1);
  });
});

describe('acronis collector — token failures', () => {
  it('names the tenant and the vendor error code when the credentials are wrong', async () => {
    const wrong = 'wrong-secret-value-123';
    const fake = new FakeAcronis().install();

    const result = await acronisPlugin.collect(testConfig({ clientSecret: wrong }), testContext());

    expect(result.status).toBe('error');
    expect(result.error).toMatch(/^acronis token request for tenant contoso failed: token request refused with HTTP 401 \(invalid_client: Client authentication failed\)/);
    expect(result.error).toContain('check clientId/clientSecret');
    expect(result.error).not.toContain(wrong);
    const e = only(result.evidence);
    expect(e.status).toBe('error');
    expect(e.reasonCode).toBe('collector_error');
    expect(e.reason).toBe(result.error);
    expect(e.source).toEqual({ collector: 'acronis', endpoints: ['/api/2/idp/token'], requests: 1 });
    expect(fake.statusRequests).toHaveLength(0);
    expect(fake.tokenRequests).toHaveLength(1); // a wrong secret is not retried
  });

  it('says when the identity service itself fails', async () => {
    new FakeAcronis().onToken({ status: 503, body: { error: 'temporarily_unavailable' } }).install();
    const result = await collectAcronis(testConfig(), testContext(), FAST);
    expect(result.status).toBe('error');
    expect(result.error).toMatch(/tenant contoso failed: token request refused with HTTP 503 \(temporarily_unavailable\) — the Acronis identity service is failing/);
  });

  it('names the host when the data centre cannot be reached', async () => {
    // Net connect is disabled and nothing intercepts this host.
    const result = await collectAcronis(testConfig({ baseUrl: 'https://eu9-cloud.acronis.test' }), testContext(), FAST);
    expect(result.status).toBe('error');
    expect(result.error).toMatch(/^acronis token request for tenant contoso failed: cannot reach https:\/\/eu9-cloud\.acronis\.test: /);
    expect(result.error).not.toContain(SECRET);
  });
});

describe('acronis plugin', () => {
  it('declares its identity', () => {
    expect(acronisPlugin.id).toBe('acronis');
    expect(acronisPlugin.section).toBe('backup');
    expect(acronisPlugin.provider).toBe('acronis');
    expect(acronisPlugin.provides).toEqual(['backup.protection', 'backup.immutability']);
    expect(acronisPlugin.secretFields).toEqual(['clientSecret']);
    expect(BASE.startsWith('https://')).toBe(true);
  });
});
