/**
 * The Acronis Cyber Protect Cloud simulator against the REAL acronis collector over TLS: one MSP partner account
 * serving several customer tenants (shared client credentials, one customerTenantId each), cursor paging via
 * paging.cursors.after over several pages, and the fault paths (429 storm with Retry-After, 403 naming the scope,
 * malformed and schema-violating pages, wrong secret, a customer outside the partner's subtree).
 */
import { describe, expect, it } from 'vitest';
import { acronisPlugin } from '../index.js';
import { collectAcronis } from '../collect.js';
import type { CollectorResult } from '../../../src/collector-kit/plugin.js';
import { SIMULATORS } from '../../index.js';
import { configFor, type TenantSpec } from '../../../src/simulator/index.js';
import { simulatorCollectorContext, vendorTestSuite, expectBackupTruth, request } from '../../../src/simulator/test-support.js';

const TENANTS: TenantSpec[] = [
  { id: 'contoso', name: 'Contoso', seed: 'contoso', profile: 'level2', backup: 'acronis', estate: { endpoints: 1500, serverPct: 40 } },
  { id: 'fabrikam', name: 'Fabrikam', seed: 'fabrikam', profile: 'level1', backup: 'acronis', estate: { endpoints: 1300, serverPct: 40 } },
  { id: 'tailspin', name: 'Tailspin', seed: 'tailspin', profile: 'level4', backup: 'acronis', estate: { endpoints: 900, serverPct: 50 } },
];

const suite = vendorTestSuite(acronisPlugin, 'backup', { vendors: SIMULATORS, tenants: TENANTS });
const ctxFor = simulatorCollectorContext;
const sectionOf = suite.section;
const collect = suite.collect;

function expectTruth(result: CollectorResult, tenantId: string): Record<string, unknown> {
  const v = expectBackupTruth(suite.sim, result, tenantId);
  const truth = suite.sim.estate(tenantId)!.truth()['backup.protection'];
  expect(v.lastRunFailed).toBe(truth.failingTotal);
  expect(v.excludedOtherTenant).toBe(0);
  // Machines with an agent but no backup plan (or an antimalware-only plan) are listed but not protected.
  expect(v.unprotectedTotal).toBeGreaterThan(0);
  expect(v.workloads).toBe(truth.protected + (v.unprotectedTotal as number));
  return v;
}

describe('acronis simulator + real collector', () => {
  it('one partner account, one customerTenantId per tenant: each collector sees only its own estate', async () => {
    const ids = TENANTS.map((t) => t.id!);
    const sections = ids.map((id) => sectionOf(id));
    // Shared credentials, distinct customer tenants.
    expect(new Set(sections.map((s) => s.clientId)).size).toBe(1);
    expect(new Set(sections.map((s) => s.clientSecret)).size).toBe(1);
    expect(new Set(sections.map((s) => s.customerTenantId)).size).toBe(ids.length);
    for (const id of ids) {
      suite.sim.resetStats();
      const v = expectTruth(await collect(id), id);
      expect(v.customerTenantId).toBe(sectionOf(id).customerTenantId);
      const pages = suite.sim.stats().byRoute['GET /acronis/api/resource_management/v4/resource_statuses']?.['200'] ?? 0;
      expect(pages).toBe(Math.ceil((v.workloads as number) / 200));
      expect(pages).toBeGreaterThanOrEqual(3);
      expect(suite.sim.stats().byTenant[id]).toBe(pages);
    }
  });

  it('without the customer filter the partner-level client sees every customer (the filter matters)', async () => {
    const all = await collect('contoso', { customerTenantId: undefined });
    const v = all.evidence[0]!.value as Record<string, unknown>;
    const sum = TENANTS.reduce((n, t) => n + suite.sim.estate(t.id!)!.truth()['backup.protection'].protected, 0);
    expect(v.protected).toBe(sum);
  });

  it('configFor puts the shared secret behind ${env:…}', () => {
    const { config, env } = configFor(suite.sim);
    for (const t of config.tenants) {
      const b = t.backup as Record<string, string>;
      expect(b.clientSecret).toMatch(/^\$\{env:RATCHET_SIM_[A-Z_]+_BACKUP_CLIENT_SECRET\}$/);
      expect(env[/^\$\{env:(.+)\}$/.exec(b.clientSecret!)![1]!]).toBe(sectionOf(t.id).clientSecret);
    }
  });

  it('retries a 429 storm (Retry-After) to the same evidence', async () => {
    const ids = TENANTS.map((t) => t.id!);
    for (const id of ids) suite.sim.setFaults({ rate429: 0.3, retryAfterSeconds: 0, seed: 1 }, id);
    suite.sim.resetStats();
    try {
      for (const id of ids) {
        const config = acronisPlugin.configSchema.parse(sectionOf(id));
        expectTruth(await collectAcronis(config, ctxFor(id), { maxRetries: 10, backoffBaseMs: 1 }), id);
      }
      expect(suite.sim.stats().byStatus['429']).toBeGreaterThan(0);
    } finally {
      for (const id of ids) suite.sim.setFaults({}, id);
    }
  });

  it('answers 429 with Retry-After and v4 error bodies; cursors page on with limit + after only', async () => {
    const s = sectionOf('tailspin') as { baseUrl: string; clientId: string; clientSecret: string; customerTenantId: string };
    const basic = Buffer.from(`${s.clientId}:${s.clientSecret}`).toString('base64');
    const tok = await request(suite.sim, 'POST', `${s.baseUrl}/api/2/idp/token`, {
      headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
    expect(tok.status).toBe(200);
    expect(tok.json()).toMatchObject({ token_type: 'bearer', expires_on: expect.any(Number) });
    const auth = { authorization: `Bearer ${tok.json().access_token as string}` };
    const first = (await request(suite.sim, 'GET', `${s.baseUrl}/api/resource_management/v4/resource_statuses?type=resource.machine&limit=2&tenant_id=${s.customerTenantId}`, { headers: auth })).json();
    const after = (first.paging as { cursors: { after: string } }).cursors.after;
    expect(after).toMatch(/^[A-Za-z0-9+/]+=*$/);
    const second = (await request(suite.sim, 'GET', `${s.baseUrl}/api/resource_management/v4/resource_statuses?limit=2&after=${encodeURIComponent(after)}`, { headers: auth })).json();
    expect((second.items as Array<{ context: { tenant_id: string } }>).every((i) => i.context.tenant_id === s.customerTenantId)).toBe(true);
    expect((second.paging as { cursors: { before?: string } }).cursors.before).toBeTruthy();

    suite.sim.setFaults({ rate429: 1, retryAfterSeconds: 7 }, 'tailspin');
    try {
      const r = await request(suite.sim, 'GET', `${s.baseUrl}/api/resource_management/v4/resource_statuses?type=resource.machine&tenant_id=${s.customerTenantId}`, { headers: auth });
      expect(r.status).toBe(429);
      expect(r.headers['retry-after']).toBe('7');
      expect(r.json()).toMatchObject({ domain: 'General', code: 'TooManyRequests' });
    } finally {
      suite.sim.setFaults({}, 'tailspin');
    }
    const bad = await request(suite.sim, 'GET', `${s.baseUrl}/api/resource_management/v4/resource_statuses`, { headers: { authorization: 'Bearer nope' } });
    expect(bad.status).toBe(401);
    expect(bad.json()).toMatchObject({ domain: 'Access', code: 'UnauthorizedRequest' });
  });

  it('403 → unavailable naming the scope; a customer outside the subtree → 403 too', async () => {
    suite.sim.setFaults({ forbidden: ['/acronis/api/resource_management/v4/resource_statuses'] }, 'contoso');
    try {
      const result = await collect('contoso');
      expect(result.status).toBe('ok');
      expect(result.evidence[0]).toMatchObject({ status: 'unavailable', reasonCode: 'permission_missing' });
      expect(result.evidence[0]!.reason).toContain('urn:acronis.com::resource_management::read');
      // Only contoso's scope is charged with its faults: fabrikam is unaffected on the same account.
      expectTruth(await collect('fabrikam'), 'fabrikam');
    } finally {
      suite.sim.setFaults({}, 'contoso');
    }
    // A UUID the account does not know: refused like a missing role, but the tenant look-up says it is not there.
    const foreign = await collect('contoso', { customerTenantId: '00000000-0000-4000-8000-000000000001' });
    expect(foreign.evidence[0]).toMatchObject({ status: 'error', reasonCode: 'not_configured' });
    expect(foreign.evidence[0]!.reason).toContain('no longer exists on the account');
  });

  it('malformed and schema-violating pages → error / schema_violation', async () => {
    suite.sim.setFaults({ malformed: ['/acronis/api/resource_management/v4/resource_statuses'] }, 'tailspin');
    try {
      const result = await collect('tailspin');
      expect(result.status).toBe('error');
      expect(result.evidence[0]).toMatchObject({ status: 'error', reasonCode: 'schema_violation' });
    } finally {
      suite.sim.setFaults({}, 'tailspin');
    }
    suite.sim.setFaults({ schemaViolation: ['/acronis/api/resource_management/v4/resource_statuses'] }, 'tailspin');
    try {
      const result = await collect('tailspin');
      expect(result.status).toBe('error');
      expect(result.evidence[0]).toMatchObject({ status: 'error', reasonCode: 'schema_violation' });
      expect(result.evidence[0]!.reason).toMatch(/items\[\d+\]\.policies\[\d+\]\.last_success_run/);
    } finally {
      suite.sim.setFaults({}, 'tailspin');
    }
  });

  it('a wrong secret → collector error quoting invalid_client', async () => {
    const result = await collect('contoso', { clientSecret: 'wrong-secret' });
    expect(result.status).toBe('error');
    expect(result.error).toMatch(/HTTP 401.*invalid_client/);
    expect(result.error).not.toContain('wrong-secret');
    expect(result.evidence[0]).toMatchObject({ status: 'error', reasonCode: 'collector_error' });
    // The account is shared: a refusing token endpoint (e.g. a disabled API client) stops every customer.
    suite.sim.setFaults({ tokenRefuse: 400 }, 'tailspin');
    try {
      expect((await collect('contoso')).error).toMatch(/HTTP 401.*invalid_client/);
    } finally {
      suite.sim.setFaults({}, 'tailspin');
    }
  });
});
