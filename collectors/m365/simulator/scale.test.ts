/**
 * Behaviour at benchmark scale: a 100,000-user / 50,000-device tenant is generated lazily (no row is built until
 * a page asks for it), so start-up is immediate and memory does not grow with the tenant. Bounds here are generous
 * sanity limits; timing goals belong to the benchmarks.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startM365Simulator as startSimulator, type M365Simulator as Simulator } from './simulator.js';
import { generateTenant } from './tenant-model.js';
import { accessToken, graphGet } from './test-support.js';

const MB = 1024 * 1024;

describe('100k-user tenant', () => {
  it('generates without materialising rows', () => {
    const before = process.memoryUsage().heapUsed;
    const started = performance.now();
    const model = generateTenant({ id: '11111111-2222-4333-8444-555555555555', name: 'Huge', seed: 1, profile: 'level3', knobs: { users: 100_000, devices: 50_000 } });
    const elapsed = performance.now() - started;
    const grown = process.memoryUsage().heapUsed - before;
    expect(elapsed).toBeLessThan(500);
    expect(grown).toBeLessThan(10 * MB);
    // Any row is available at once, including the last.
    expect(model.user(model.userCore(99_999)).id).toBe(model.userId(99_999));
    expect(model.device(model.deviceCore(49_999)).id).toBe(model.deviceId(49_999));
    expect(model.userIndexFromId(model.userId(77_777))).toBe(77_777);
    expect(model.truth().users.total).toBe(100_000);
  });

  describe('served over HTTPS', () => {
    let sim: Simulator;
    let token: string;
    beforeAll(async () => {
      sim = await startSimulator({ tenants: [{ id: 'huge', name: 'Huge Corp', profile: 'level4', knobs: { users: 100_000, devices: 50_000 } }] });
      token = await accessToken(sim, sim.tenants[0]!);
    });
    afterAll(async () => {
      await sim.close();
    });

    it('answers the first 999-row page quickly and with small heap growth', async () => {
      const before = process.memoryUsage().heapUsed;
      const started = performance.now();
      const reply = await graphGet(sim, token, '/reports/authenticationMethods/userRegistrationDetails?$select=id,userPrincipalName,userType,isAdmin,isMfaRegistered,isMfaCapable&$top=999');
      const elapsed = performance.now() - started;
      expect(reply.status).toBe(200);
      expect((reply.json().value as unknown[]).length).toBe(999);
      expect(reply.json()['@odata.nextLink']).toBeTruthy();
      expect(elapsed).toBeLessThan(1000);
      expect(process.memoryUsage().heapUsed - before).toBeLessThan(40 * MB);
    });

    it('counts a filter over 100k users and deep-pages devices without walking from the start', async () => {
      const count = await graphGet(sim, token, '/users?$filter=accountEnabled eq false&$count=true&$top=1&$select=id', { ConsistencyLevel: 'eventual' });
      expect(count.json()['@odata.count']).toBe(sim.truth('huge').users.disabled);
      const first = (await graphGet(sim, token, '/deviceManagement/managedDevices?$top=1000')).json();
      expect((first.value as unknown[]).length).toBe(1000);
      expect(first['@odata.nextLink']).toBeTruthy();
    });
  });
});
