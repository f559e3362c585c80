import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startM365Simulator as startSimulator, type M365Simulator as Simulator } from './simulator.js';
import { accessToken, graphGet, graphPost } from './test-support.js';

interface SubResponse {
  id: string;
  status: number;
  headers: Record<string, string>;
  body: Record<string, unknown> | string;
}

describe('POST /$batch', () => {
  let sim: Simulator;
  let token: string;
  let userIds: string[];
  beforeAll(async () => {
    sim = await startSimulator({ tenants: [{ id: 'batchy', name: 'Batchy', profile: 'level3', knobs: { users: 60, devices: 5 } }] });
    token = await accessToken(sim, sim.tenants[0]!);
    userIds = ((await graphGet(sim, token, '/users?$top=25&$select=id')).json().value as Array<{ id: string }>).map((u) => u.id);
  });
  afterAll(async () => {
    await sim.close();
  });

  it('routes each sub-request through the Graph handlers and matches responses by id', async () => {
    const requests = userIds.slice(0, 20).map((id, i) => ({ id: String(i + 1), method: 'GET', url: `/users/${id}/authentication/methods` }));
    const reply = await graphPost(sim, token, '/$batch', { requests });
    expect(reply.status).toBe(200);
    const responses = reply.json().responses as SubResponse[];
    expect(responses.map((r) => r.id).sort()).toEqual(requests.map((r) => r.id).sort());
    for (const r of responses) {
      expect(r.status).toBe(200);
      const body = r.body as Record<string, unknown>;
      expect(Array.isArray(body.value)).toBe(true);
      const userId = userIds[Number(r.id) - 1]!;
      expect(String(body['@odata.context'])).toContain(userId);
    }
    // Each sub-request is counted on its own, like Graph's throttling does.
    expect(sim.stats().byRoute['BATCH GET /v1.0/users/{id}/authentication/methods']?.['200']).toBe(20);
  });

  it('accepts mixed endpoints and reports per-sub failures inside a 200 envelope', async () => {
    const reply = await graphPost(sim, token, '/$batch', {
      requests: [
        { id: 'a', method: 'GET', url: '/users?$top=2&$select=id' },
        { id: 'b', method: 'GET', url: '/users/00000000-0000-4000-8000-000000000000/authentication/methods' },
        { id: 'c', method: 'GET', url: '/policies/identitySecurityDefaultsEnforcementPolicy' },
      ],
    });
    expect(reply.status).toBe(200);
    const byId = new Map((reply.json().responses as SubResponse[]).map((r) => [r.id, r]));
    expect(byId.get('a')!.status).toBe(200);
    expect(byId.get('b')!.status).toBe(404);
    expect((byId.get('b')!.body as { error: { code: string } }).error.code).toBe('Request_ResourceNotFound');
    expect(byId.get('c')!.status).toBe(200);
  });

  it('refuses more than 20 requests, duplicate ids and malformed payloads with 400', async () => {
    const tooMany = Array.from({ length: 21 }, (_, i) => ({ id: String(i), method: 'GET', url: '/users?$top=1' }));
    const r1 = await graphPost(sim, token, '/$batch', { requests: tooMany });
    expect(r1.status).toBe(400);
    expect((r1.json().error as Record<string, unknown>).code).toBe('BadRequest');
    const r2 = await graphPost(sim, token, '/$batch', { requests: [{ id: '1', method: 'GET', url: '/users' }, { id: '1', method: 'GET', url: '/users' }] });
    expect(r2.status).toBe(400);
    const r3 = await graphPost(sim, token, '/$batch', { nope: true });
    expect(r3.status).toBe(400);
  });

  it('applies faults to each sub-request: 403 paths and 429 with Retry-After in the sub-response headers', async () => {
    sim.setFaults({ forbidden: ['/users/{id}/authentication/methods'] });
    const r = await graphPost(sim, token, '/$batch', {
      requests: [
        { id: '1', method: 'GET', url: `/users/${userIds[0]!}/authentication/methods` },
        { id: '2', method: 'GET', url: '/users?$top=1' },
      ],
    });
    const byId = new Map((r.json().responses as SubResponse[]).map((x) => [x.id, x]));
    expect(byId.get('1')!.status).toBe(403);
    expect((byId.get('1')!.body as { error: { code: string } }).error.code).toBe('Authorization_RequestDenied');
    expect(byId.get('2')!.status).toBe(200);

    sim.setFaults({ rate429: 1, retryAfterSeconds: 3 });
    const throttled = await graphPost(sim, token, '/$batch', {
      requests: [{ id: '1', method: 'GET', url: `/users/${userIds[1]!}/authentication/methods` }],
    });
    // The envelope is throttled as a whole (it is one HTTP request too)…
    expect(throttled.status).toBe(429);
    expect(throttled.headers['retry-after']).toBe('3');
    sim.setFaults({});
  });

  it('throttles individual sub-requests when the envelope gets through', async () => {
    // 50 % of requests: over 20 subs a mix of 200 and 429 is all but certain; the envelope itself is drawn too,
    // so try a few envelopes (each draw is reproducible for the same seed and URL).
    sim.setFaults({ rate429: 0.5, retryAfterSeconds: 2, seed: 4 });
    let subs: SubResponse[] | undefined;
    for (let attempt = 0; attempt < 10 && !subs; attempt++) {
      const r = await graphPost(sim, token, '/$batch', {
        requests: userIds.slice(0, 20).map((id, i) => ({ id: String(i), method: 'GET', url: `/users/${id}/authentication/methods` })),
      });
      if (r.status === 200) subs = r.json().responses as SubResponse[];
    }
    sim.setFaults({});
    expect(subs).toBeDefined();
    const statuses = new Set(subs!.map((s) => s.status));
    expect(statuses.has(200)).toBe(true);
    expect(statuses.has(429)).toBe(true);
    for (const s of subs!.filter((x) => x.status === 429)) expect(s.headers['Retry-After']).toBe('2');
  });
});
