/**
 * Portfolio changes on the simulated Datto RMM account (Simulator.portfolio), through its API and the real
 * collector: a renamed site keeps its evidence, a deleted site answers 404 like any unknown UID and leaves the site
 * list and the account-wide listing, and a moved device keeps its UID and is listed — with its open alerts — under
 * its new site only.
 */
import { describe, expect, it } from 'vitest';
import { SIMULATORS } from '../../index.js';
import { dattoRmmPlugin } from '../index.js';
import type { TenantSpec } from '../../../src/simulator/index.js';
import { vendorTestSuite, request, type HttpReply } from '../../../src/simulator/test-support.js';

const TENANTS: TenantSpec[] = ['alpha', 'bravo', 'charlie'].map((id) => ({
  id,
  name: `${id[0]!.toUpperCase()}${id.slice(1)} Ltd`,
  profile: 'level2',
  rmm: 'datto-rmm',
  estate: { endpoints: 14, serverPct: 20, openAlerts: 6 },
}));

const suite = vendorTestSuite(dattoRmmPlugin, 'rmm', { vendors: SIMULATORS, tenants: TENANTS });
const siteOf = (id: string) => suite.section(id).siteUid as string;

async function token(): Promise<string> {
  const s = suite.section('alpha');
  const reply = await request(suite.sim, 'POST', `${s.baseUrl as string}/auth/oauth/token`, {
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from('public-client:public').toString('base64')}` },
    body: new URLSearchParams({ grant_type: 'password', username: s.apiKey as string, password: s.apiSecret as string }).toString(),
  });
  expect(reply.status).toBe(200);
  return reply.json().access_token as string;
}

const get = (tok: string, path: string): Promise<HttpReply> =>
  request(suite.sim, 'GET', `${suite.section('alpha').baseUrl as string}${path}`, { headers: { authorization: `Bearer ${tok}` } });
const list = async (tok: string, path: string, key: string) => (await get(tok, path)).json()[key] as Array<Record<string, unknown>>;
const total = async (id: string) => ((await suite.collect(id)).evidence.find((e) => e.key === 'rmm.devices')!.value as { total: number }).total;

describe('datto-rmm simulator — portfolio changes', () => {
  it('renames, moves a device and deletes a site as Datto RMM would show them', async () => {
    const tok = await token();
    const [alpha, bravo, charlie] = [siteOf('alpha'), siteOf('bravo'), siteOf('charlie')];
    const before = { alpha: await total('alpha'), charlie: await total('charlie'), bravo: await suite.collect('bravo') };

    // Rename: the site shows its new name (and its devices their new siteName); the evidence is the same.
    suite.sim.portfolio.rename('bravo', 'Bravo Holdings');
    expect((await get(tok, `/api/v2/site/${bravo}`)).json()).toMatchObject({ uid: bravo, name: 'Bravo Holdings' });
    expect((await list(tok, `/api/v2/site/${bravo}/devices`, 'devices')).every((d) => d.siteName === 'Bravo Holdings')).toBe(true);
    const renamed = await suite.collect('bravo');
    expect(renamed.evidence.map((e) => [e.key, e.value])).toEqual(before.bravo.evidence.map((e) => [e.key, e.value]));

    // Move: a device of alpha with an open alert goes to charlie, keeping its UID; its alert goes with it.
    const alert = (await list(tok, `/api/v2/site/${alpha}/alerts/open`, 'alerts'))[0]!;
    const source = alert.alertSourceInfo as { deviceUid: string; deviceName: string };
    suite.sim.portfolio.moveDevice('alpha', 'charlie', source.deviceName);
    expect((await list(tok, `/api/v2/site/${alpha}/devices`, 'devices')).map((d) => d.uid)).not.toContain(source.deviceUid);
    expect((await list(tok, `/api/v2/site/${charlie}/devices`, 'devices')).find((d) => d.uid === source.deviceUid)).toMatchObject({ siteUid: charlie, hostname: source.deviceName });
    expect((await list(tok, `/api/v2/site/${alpha}/alerts/open`, 'alerts')).map((a) => a.alertUid)).not.toContain(alert.alertUid);
    expect((await list(tok, `/api/v2/site/${charlie}/alerts/open`, 'alerts')).find((a) => a.alertUid === alert.alertUid)).toMatchObject({
      alertSourceInfo: { deviceUid: source.deviceUid, siteUid: charlie },
    });
    expect({ alpha: await total('alpha'), charlie: await total('charlie') }).toEqual({ alpha: before.alpha - 1, charlie: before.charlie + 1 });

    // Delete: alpha's site is gone everywhere; the device moved out before stays with charlie.
    suite.sim.portfolio.remove('alpha');
    expect((await get(tok, `/api/v2/site/${alpha}/devices`)).status).toBe(404);
    expect((await list(tok, '/api/v2/account/sites', 'sites')).map((s) => s.uid)).toEqual([bravo, charlie]);
    const account = await list(tok, '/api/v2/account/devices', 'devices');
    expect(account.filter((d) => d.siteUid === alpha)).toEqual([]);
    expect(account.find((d) => d.uid === source.deviceUid)).toMatchObject({ siteUid: charlie });
    const gone = await suite.collect('alpha');
    expect(gone.status).toBe('error');
    expect(gone.evidence.every((e) => e.status === 'error' && e.reason!.includes(`Datto RMM site ${alpha} no longer exists`))).toBe(true);
    expect(await total('charlie')).toBe(before.charlie + 1);
  });
});
