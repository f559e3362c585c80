/**
 * Portfolio changes on the simulated Acronis partner account (Simulator.portfolio), through its API and the real
 * collector: a renamed customer tenant keeps its evidence, a deleted one is outside the API client's subtree (403
 * by `tenant_id`, 404 by id, gone from the partner-wide listing), and a moved machine keeps its resource id and is
 * listed under its new customer tenant only — also when the two clients share only the backup vendor.
 */
import { describe, expect, it } from 'vitest';
import { SIMULATORS } from '../../index.js';
import { acronisPlugin } from '../index.js';
import type { TenantSpec } from '../../../src/simulator/index.js';
import { vendorTestSuite, request, type HttpReply } from '../../../src/simulator/test-support.js';

const spec = (id: string, rmm: string, backup: string): TenantSpec => ({
  id,
  name: `${id[0]!.toUpperCase()}${id.slice(1)} Ltd`,
  profile: 'level3',
  rmm,
  backup,
  estate: { endpoints: 14, serverPct: 30 },
});
const TENANTS: TenantSpec[] = [spec('alpha', 'ninjaone', 'acronis'), spec('bravo', 'datto-rmm', 'acronis'), spec('charlie', 'ninjaone', 'acronis'), spec('delta', 'datto-rmm', 'veeam-vbr')];

const suite = vendorTestSuite(acronisPlugin, 'backup', { vendors: SIMULATORS, tenants: TENANTS });
const customerOf = (id: string) => suite.section(id).customerTenantId as string;
const STATUSES = '/api/resource_management/v4/resource_statuses';

async function token(): Promise<string> {
  const s = suite.section('alpha');
  const reply = await request(suite.sim, 'POST', `${s.baseUrl as string}/api/2/idp/token`, {
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${s.clientId as string}:${s.clientSecret as string}`).toString('base64')}` },
    body: 'grant_type=client_credentials',
  });
  expect(reply.status).toBe(200);
  return reply.json().access_token as string;
}

const get = (tok: string, path: string): Promise<HttpReply> =>
  request(suite.sim, 'GET', `${suite.section('alpha').baseUrl as string}${path}`, { headers: { authorization: `Bearer ${tok}` } });
const items = async (tok: string, tenant?: string) =>
  (await get(tok, `${STATUSES}?type=resource.machine&limit=1000${tenant ? `&tenant_id=${tenant}` : ''}`)).json().items as Array<{ context: Record<string, unknown> }>;
const protectedCount = async (id: string) => ((await suite.collect(id)).evidence[0]!.value as { protected: number }).protected;

describe('acronis simulator — portfolio changes', () => {
  it('renames, moves a machine and deletes a customer tenant as Acronis would show them', async () => {
    const tok = await token();
    const [alpha, bravo] = [customerOf('alpha'), customerOf('bravo')];
    const before = { alpha: await protectedCount('alpha'), bravo: await protectedCount('bravo') };

    suite.sim.portfolio.rename('alpha', 'Alpha Group');
    expect((await get(tok, `/api/2/tenants/${alpha}`)).json()).toMatchObject({ id: alpha, name: 'Alpha Group', kind: 'customer' });
    expect(await protectedCount('alpha')).toBe(before.alpha);

    // Move a protected machine of alpha to bravo: they share only Acronis (NinjaOne vs Datto), so only the backup moves.
    const workload = suite.sim.portfolio.truth('alpha').backup!.workloads[0]!;
    const resource = (await items(tok, alpha)).find((i) => i.context.name === workload.name)!;
    suite.sim.portfolio.moveDevice('alpha', 'bravo', workload.index);
    expect((await items(tok, alpha)).map((i) => i.context.id)).not.toContain(resource.context.id);
    expect((await items(tok, bravo)).find((i) => i.context.id === resource.context.id)?.context).toMatchObject({ tenant_id: bravo, name: workload.name });
    expect({ alpha: await protectedCount('alpha'), bravo: await protectedCount('bravo') }).toEqual({ alpha: before.alpha - 1, bravo: before.bravo + 1 });
    const truth = suite.sim.portfolio.truth('alpha');
    expect(truth.rmm!.devices.map((d) => d.index)).toContain(workload.index);
    expect(truth.backup!.devices.map((d) => d.index)).not.toContain(workload.index);

    // Delete alpha's customer tenant: outside the subtree now; the machine moved out before stays with bravo.
    suite.sim.portfolio.remove('alpha', ['backup']);
    expect((await get(tok, `${STATUSES}?type=resource.machine&tenant_id=${alpha}`)).status).toBe(403);
    expect((await get(tok, `/api/2/tenants/${alpha}`)).status).toBe(404);
    const partnerWide = await items(tok);
    expect(partnerWide.filter((i) => i.context.tenant_id === alpha)).toEqual([]);
    expect(partnerWide.find((i) => i.context.id === resource.context.id)?.context.tenant_id).toBe(bravo);
    const gone = await suite.collect('alpha');
    expect(gone.status).toBe('error');
    expect(gone.evidence[0]).toMatchObject({ status: 'error', reasonCode: 'not_configured' });
    expect(gone.evidence[0]!.reason).toContain(`Acronis customer tenant ${alpha} no longer exists on the account`);
    // Its RMM organisation is untouched: only the backup source was deleted.
    expect(suite.sim.portfolio.truth('alpha')).toMatchObject({ rmm: { removed: false }, backup: { removed: true, devices: [], workloads: [] } });
  });

  it('refuses to move a device between clients that share no vendor', () => {
    expect(() => suite.sim.portfolio.moveDevice('charlie', 'delta', 0)).toThrow(/share no vendor/);
  });
});
