import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { request } from '../../../src/simulator/test-support.js';
import { startM365Simulator as startSimulator, type M365Simulator as Simulator } from './simulator.js';
import { accessToken, graphGet } from './test-support.js';

describe('fault knobs on a live simulator', () => {
  let sim: Simulator;
  let token: string;
  beforeAll(async () => {
    sim = await startSimulator({ tenants: [{ id: 'faulty', name: 'Faulty', profile: 'level3', knobs: { users: 50, devices: 20 } }] });
    token = await accessToken(sim, sim.tenants[0]!);
  });
  afterAll(async () => {
    await sim.close();
  });
  beforeEach(() => {
    sim.setFaults({});
  });

  it('answers about the configured share of requests with 429 and Retry-After', async () => {
    sim.setFaults('429=0.2:3,seed=11');
    const statuses: number[] = [];
    for (let i = 0; i < 300; i++) {
      const r = await graphGet(sim, token, `/users?$top=1&$select=id&i=${i}`);
      statuses.push(r.status);
      if (r.status === 429) {
        expect(r.headers['retry-after']).toBe('3');
        expect(r.json().error).toMatchObject({ code: 'TooManyRequests' });
      }
    }
    const share = statuses.filter((s) => s === 429).length / statuses.length;
    expect(share).toBeGreaterThan(0.12);
    expect(share).toBeLessThan(0.28);
    expect(statuses.every((s) => s === 200 || s === 429)).toBe(true);
  });

  it('is reproducible: the same seed faults the same requests, and a retry gets a fresh draw', async () => {
    const run = async () => {
      sim.setFaults({ rate429: 0.3, seed: 5 });
      const out: number[] = [];
      for (let i = 0; i < 40; i++) out.push((await graphGet(sim, token, `/users?$top=1&i=${i}`)).status);
      return out;
    };
    const a = await run();
    const b = await run();
    expect(a).toEqual(b);
    // Always-429 for one URL would make retries pointless: repeated requests to one URL eventually succeed.
    sim.setFaults({ rate429: 0.5, seed: 5 });
    const repeated: number[] = [];
    for (let i = 0; i < 20; i++) repeated.push((await graphGet(sim, token, '/users?$top=1')).status);
    expect(repeated).toContain(200);
    expect(repeated).toContain(429);
  });

  it('answers injected server errors with a Graph error body', async () => {
    sim.setFaults({ rate5xx: 1, status5xx: 503 });
    const r = await graphGet(sim, token, '/users');
    expect(r.status).toBe(503);
    expect(r.json().error).toMatchObject({ code: 'ServiceUnavailable' });
  });

  it('answers 403 Authorization_RequestDenied on the chosen paths only', async () => {
    sim.setFaults('403=/reports/authenticationMethods/userRegistrationDetails|/security/secureScores');
    const reg = await graphGet(sim, token, '/reports/authenticationMethods/userRegistrationDetails');
    expect(reg.status).toBe(403);
    expect(reg.json().error).toMatchObject({ code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.' });
    expect((await graphGet(sim, token, '/security/secureScores?$top=1')).status).toBe(403);
    expect((await graphGet(sim, token, '/users')).status).toBe(200);
  });

  it('sends invalid JSON on malformed paths', async () => {
    sim.setFaults({ malformed: ['/deviceManagement/managedDevices'] });
    const r = await graphGet(sim, token, '/deviceManagement/managedDevices');
    expect(r.status).toBe(200);
    expect(String(r.headers['content-type'])).toContain('application/json');
    expect(() => JSON.parse(r.text)).toThrow();
  });

  it('sends valid JSON of the wrong shape on schemaViolation paths', async () => {
    sim.setFaults({ schemaViolation: ['/reports/authenticationMethods/userRegistrationDetails', '/identity/conditionalAccess/policies'] });
    const reg = (await graphGet(sim, token, '/reports/authenticationMethods/userRegistrationDetails')).json();
    expect((reg.value as Array<Record<string, unknown>>)[0]!.isMfaRegistered).toBe('yes');
    const ca = (await graphGet(sim, token, '/identity/conditionalAccess/policies')).json();
    expect(typeof (ca.value as Array<Record<string, unknown>>)[0]!.conditions).toBe('string');
  });

  it('stalls past a client timeout, and answers a patient client afterwards', async () => {
    sim.setFaults({ stallRate: 1, stallMs: 400 });
    const started = Date.now();
    const patient = graphGet(sim, token, '/users?$top=1');
    const impatient = await request(sim, 'GET', `${sim.url}/v1.0/users?$top=2`, { headers: { authorization: `Bearer ${token}` }, timeoutMs: 100 }).then(
      () => null,
      (e: Error & { code?: string }) => e,
    );
    expect(impatient?.code).toBe('CLIENT_TIMEOUT');
    expect((await patient).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(380);
    expect(sim.stats().byStatus['499']).toBeGreaterThanOrEqual(1);
  });

  it('adds latency to every request', async () => {
    sim.setFaults({ latencyMs: 150 });
    const started = Date.now();
    await graphGet(sim, token, '/users?$top=1');
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('lets a tenant carry its own faults over the simulator ones', async () => {
    sim.setFaults({ forbidden: ['/users'] }, 'faulty');
    expect((await graphGet(sim, token, '/users')).status).toBe(403);
    sim.setFaults({}, 'faulty');
    expect((await graphGet(sim, token, '/users')).status).toBe(200);
  });
});
