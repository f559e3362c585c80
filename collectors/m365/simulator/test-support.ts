/**
 * Test helpers for the Microsoft identity platform and Graph on the simulator: tokens, Graph GETs/POSTs and paging,
 * over real HTTPS verified against the simulator's CA (src/simulator/test-support.ts).
 */
import type { Simulator } from '../../../src/simulator/index.js';
import { request, type HttpReply } from '../../../src/simulator/test-support.js';
import type { M365TenantInfo } from './simulator.js';

/** All a helper needs of a running simulator. */
type Sim = Pick<Simulator, 'url' | 'caPem'>;

export function tokenRequest(sim: Sim, tenantKey: string, form: Record<string, string>): Promise<HttpReply> {
  return request(sim, 'POST', `${sim.url}/${tenantKey}/oauth2/v2.0/token`, {
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
}

export async function accessToken(sim: Sim, tenant: M365TenantInfo): Promise<string> {
  const reply = await tokenRequest(sim, tenant.tenantId, {
    grant_type: 'client_credentials',
    client_id: tenant.clientId,
    client_secret: tenant.clientSecret,
    scope: `${sim.url}/.default`,
  });
  if (reply.status !== 200) throw new Error(`token request failed: ${reply.status} ${reply.text}`);
  return reply.json().access_token as string;
}

/** GET a Graph path (relative to /v1.0, or a full nextLink URL) with a bearer token. */
export function graphGet(sim: Sim, token: string, pathOrUrl: string, headers: Record<string, string> = {}): Promise<HttpReply> {
  const url = pathOrUrl.startsWith('https://') ? pathOrUrl : `${sim.url}/v1.0${pathOrUrl}`;
  // Encode spaces and quotes as an HTTP client would; everything else is sent as given.
  return request(sim, 'GET', url.replace(/ /g, '%20'), { headers: { authorization: `Bearer ${token}`, ...headers } });
}

export function graphPost(sim: Sim, token: string, path: string, body: unknown): Promise<HttpReply> {
  return request(sim, 'POST', `${sim.url}/v1.0${path}`, {
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

/** Follow @odata.nextLink verbatim until the end; returns every item and the number of pages. */
export async function pageAll(sim: Sim, token: string, path: string, headers: Record<string, string> = {}): Promise<{ items: Record<string, unknown>[]; pages: number; first: Record<string, unknown> }> {
  const items: Record<string, unknown>[] = [];
  let next: string | undefined = path;
  let pages = 0;
  let first: Record<string, unknown> | undefined;
  while (next) {
    const reply = await graphGet(sim, token, next, headers);
    if (reply.status !== 200) throw new Error(`GET ${next} → ${reply.status} ${reply.text}`);
    const body = reply.json();
    first ??= body;
    items.push(...(body.value as Record<string, unknown>[]));
    next = body['@odata.nextLink'] as string | undefined;
    pages += 1;
    if (pages > 10_000) throw new Error('paging does not end');
  }
  return { items, pages, first: first! };
}
