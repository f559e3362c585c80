/**
 * Portfolio changes on the simulated NinjaOne instance (Simulator.portfolio), through its API and the real collector:
 * a renamed organisation keeps its evidence, a deleted one answers as NinjaOne answers an unknown id (404 by path,
 * empty through `df`, gone from the organisation list) without renumbering the others, and a moved device keeps its
 * node id and is listed — with its alerts — under its new organisation only.
 */
import { describe, expect, it } from 'vitest';
import { SIMULATORS } from '../../index.js';
import { ninjaonePlugin } from '../index.js';
import type { TenantSpec } from '../../../src/simulator/index.js';
import { vendorTestSuite, request, type HttpReply } from '../../../src/simulator/test-support.js';

const TENANTS: TenantSpec[] = ['alpha', 'bravo', 'charlie'].map((id) => ({
  id,
  name: `${id[0]!.toUpperCase()}${id.slice(1)} Ltd`,
  profile: 'level2',
  rmm: 'ninjaone',
  estate: { endpoints: 14, serverPct: 20, openAlerts: 6 },
}));

const suite = vendorTestSuite(ninjaonePlugin, 'rmm', { vendors: SIMULATORS, tenants: TENANTS });
const orgOf = (id: string) => suite.section(id).organizationId as number;

async function token(): Promise<string> {
  const s = suite.section('alpha');
  const reply = await request(suite.sim, 'POST', `${s.baseUrl as string}/ws/oauth/token`, {
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: s.clientId as string, client_secret: s.clientSecret as string, scope: 'monitoring' }).toString(),
  });
  expect(reply.status).toBe(200);
  return reply.json().access_token as string;
}

const get = (tok: string, path: string): Promise<HttpReply> =>
  request(suite.sim, 'GET', `${suite.section('alpha').baseUrl as string}${path}`, { headers: { authorization: `Bearer ${tok}` } });
const rows = async (tok: string, path: string) => JSON.parse((await get(tok, path)).text) as Array<Record<string, unknown>>;
const devicesOf = (tok: string, org: number) => rows(tok, `/v2/devices-detailed?df=${encodeURIComponent(`org = ${org}`)}`);
const total = async (id: string) => ((await suite.collect(id)).evidence.find((e) => e.key === 'rmm.devices')!.value as { total: number }).total;

describe('ninjaone simulator — portfolio changes', () => {
  it('renames, moves a device and deletes an organisation as NinjaOne would show them', async () => {
    const tok = await token();
    const [alpha, bravo, charlie] = [orgOf('alpha'), orgOf('bravo'), orgOf('charlie')];
    const before = { alpha: await total('alpha'), charlie: await total('charlie') };

    // Rename: the organisation shows its new name; nothing in the evidence changes.
    suite.sim.portfolio.rename('bravo', 'Bravo Holdings');
    expect((await get(tok, `/v2/organization/${bravo}`)).json()).toMatchObject({ id: bravo, name: 'Bravo Holdings' });
    expect(suite.sim.portfolio.truth('bravo').vendorName).toBe('Bravo Holdings');
    expect(suite.sim.tenants.find((t) => t.id === 'bravo')!.name).toBe('Bravo Ltd');

    // Move: a device of alpha with an open alert goes to charlie, keeping its node id; its alert goes with it.
    const alertsOf = (org: number) => rows(tok, `/v2/alerts?df=${encodeURIComponent(`org = ${org}`)}`);
    const alert = (await alertsOf(alpha))[0]!;
    const server = (await devicesOf(tok, alpha)).find((d) => d.id === alert.deviceId)!;
    const [moved] = suite.sim.portfolio.moveDevice('alpha', 'charlie', String(server.systemName));
    expect(moved).toMatchObject({ tenant: 'alpha', name: server.systemName });
    expect((await devicesOf(tok, alpha)).map((d) => d.id)).not.toContain(server.id);
    const inCharlie = (await devicesOf(tok, charlie)).find((d) => d.id === server.id);
    expect(inCharlie).toMatchObject({ organizationId: charlie, systemName: server.systemName, references: { organization: { id: charlie } } });
    expect((await alertsOf(alpha)).map((a) => a.uid)).not.toContain(alert.uid);
    expect((await alertsOf(charlie)).find((a) => a.uid === alert.uid)).toMatchObject({ deviceId: server.id, device: { organizationId: charlie } });
    expect({ alpha: await total('alpha'), charlie: await total('charlie') }).toEqual({ alpha: before.alpha - 1, charlie: before.charlie + 1 });
    expect(suite.sim.portfolio.truth('charlie').rmm!.devices.map((d) => d.name)).toContain(server.systemName);

    // Delete: alpha's organisation is gone; the others keep their ids; its moved device stays with charlie.
    suite.sim.portfolio.remove('alpha');
    expect((await get(tok, `/v2/organization/${alpha}`)).status).toBe(404);
    expect((await rows(tok, '/v2/organizations')).map((o) => o.id)).toEqual([bravo, charlie]);
    expect(await devicesOf(tok, alpha)).toEqual([]);
    expect((await rows(tok, '/v2/devices-detailed')).filter((d) => d.organizationId === alpha)).toEqual([]);
    expect((await devicesOf(tok, charlie)).map((d) => d.id)).toContain(server.id);
    const gone = await suite.collect('alpha');
    expect(gone.status).toBe('error');
    expect(gone.evidence.every((e) => e.status === 'error' && e.reason!.includes(`NinjaOne organisation ${alpha} no longer exists`))).toBe(true);
    expect(suite.sim.portfolio.truth('alpha').rmm).toMatchObject({ removed: true, devices: [] });
    expect(await total('charlie')).toBe(before.charlie + 1);
  });

  it('takes the same changes over its admin route, for a simulator run outside a test', async () => {
    const post = (body: unknown) =>
      request(suite.sim, 'POST', `${suite.sim.url}/_simulator/portfolio`, { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const renamed = await post({ rename: { tenant: 'charlie', name: 'Charlie Group' } });
    expect(renamed.status).toBe(200);
    expect((JSON.parse(renamed.text) as Array<{ id: string; vendorName: string }>).find((t) => t.id === 'charlie')!.vendorName).toBe('Charlie Group');
    const truth = await request(suite.sim, 'GET', `${suite.sim.url}/_simulator/portfolio?tenant=charlie`);
    expect(truth.json()).toMatchObject({ id: 'charlie', vendorName: 'Charlie Group', rmm: { provider: 'ninjaone', removed: false } });
    const bad = await post({ move: { from: 'charlie', to: 'nobody', devices: [0] } });
    expect(bad.status).toBe(400);
    expect(bad.json().error_description).toMatch(/no simulated tenant "nobody"/);
    expect((await post({ shuffle: true })).status).toBe(400);
  });

  it('refuses to move a device the client does not hold, or to the client itself', () => {
    expect(() => suite.sim.portfolio.moveDevice('bravo', 'charlie', 'NO-SUCH-HOST')).toThrow(/holds no device/);
    expect(() => suite.sim.portfolio.moveDevice('bravo', 'bravo', 0)).toThrow(/to itself/);
  });
});
