/**
 * Test helpers: real HTTPS requests to a running simulator, verifying its certificate against the generated CA
 * (never rejectUnauthorized: false).
 */
import https from 'node:https';
import pino from 'pino';
import type { CollectorContext } from '../../src/collectors/plugin.js';
import type { Simulator, SimulatedTenantInfo } from '../../src/simulator/index.js';
import { expect } from 'vitest';
import type { CollectorResult } from '../../src/collectors/plugin.js';
import type { Evidence } from '../../src/domain/evidence.js';
import { VENDOR_SIMULATORS } from '../../src/simulator/vendors/index.js';

export interface HttpReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: () => Record<string, unknown>;
}

export function request(
  sim: Pick<Simulator, 'caPem'>,
  method: string,
  url: string,
  opts: { headers?: Record<string, string>; body?: string; timeoutMs?: number; agent?: https.Agent } = {},
): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method, ca: sim.caPem, headers: opts.headers, agent: opts.agent }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) as Record<string, unknown> }));
      res.on('error', reject);
    });
    if (opts.timeoutMs) {
      req.setTimeout(opts.timeoutMs, () => req.destroy(Object.assign(new Error('client timeout'), { code: 'CLIENT_TIMEOUT' })));
    }
    req.on('error', reject);
    if (opts.body) req.write(opts.body);
    req.end();
  });
}

export function tokenRequest(sim: Simulator, tenantKey: string, form: Record<string, string>): Promise<HttpReply> {
  return request(sim, 'POST', `${sim.url}/${tenantKey}/oauth2/v2.0/token`, {
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
}

export async function accessToken(sim: Simulator, tenant: SimulatedTenantInfo): Promise<string> {
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
export function graphGet(sim: Simulator, token: string, pathOrUrl: string, headers: Record<string, string> = {}): Promise<HttpReply> {
  const url = pathOrUrl.startsWith('https://') ? pathOrUrl : `${sim.url}/v1.0${pathOrUrl}`;
  // Encode spaces and quotes as an HTTP client would; everything else is sent as given.
  return request(sim, 'GET', url.replace(/ /g, '%20'), { headers: { authorization: `Bearer ${token}`, ...headers } });
}

export function graphPost(sim: Simulator, token: string, path: string, body: unknown): Promise<HttpReply> {
  return request(sim, 'POST', `${sim.url}/v1.0${path}`, {
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

/** Follow @odata.nextLink verbatim until the end; returns every item and the number of pages. */
export async function pageAll(sim: Simulator, token: string, path: string, headers: Record<string, string> = {}): Promise<{ items: Record<string, unknown>[]; pages: number; first: Record<string, unknown> }> {
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

/** A small fixed clock so generated timestamps are comparable across simulators. */
export const FIXED_NOW = new Date('2026-11-25T12:00:00Z');

/** A collector context for calling a plugin directly against the simulator, on the simulator's fixed clock. */
export function collectorContext(tenantId: string): CollectorContext {
  return { tenantId, logger: pino({ level: 'silent' }), signal: new AbortController().signal, now: () => FIXED_NOW };
}

/** A tenant's vendor config section with its secrets filled in (what the core hands a collector after resolving). */
export function vendorSection(sim: Simulator, kind: 'rmm' | 'backup', tenantId: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const v = sim.vendorSections(tenantId).find((s) => s.kind === kind)!;
  const out: Record<string, unknown> = { ...v.section, ...v.secrets, ...overrides };
  for (const [k, val] of Object.entries(out)) if (val === undefined) delete out[k];
  return out;
}

/** Evidence of one key in a collector result. */
export function evidenceOf(result: CollectorResult, key: string): Evidence {
  return result.evidence.find((e) => e.key === key)!;
}

/** key → value of every evidence item (to compare two runs). */
export function evidenceValues(result: CollectorResult): Record<string, unknown> {
  return Object.fromEntries(result.evidence.map((e) => [e.key, e.value]));
}

const RMM_KEYS = ['rmm.devices', 'rmm.patches', 'rmm.antivirus', 'rmm.alerts'] as const;

/**
 * RMM evidence equals `override` or else the estate truth on every contract field; fields the vendor lists as
 * unsupported must be null.
 */
export function expectRmmTruth(sim: Simulator, vendor: string, result: CollectorResult, tenantId: string, override: Partial<Record<string, Record<string, unknown>>> = {}): void {
  const truth = { ...(sim.estate(tenantId)!.truth() as Record<string, Record<string, unknown>>), ...override };
  const unsupported = VENDOR_SIMULATORS[vendor]!.unsupported ?? {};
  for (const key of RMM_KEYS) {
    const e = evidenceOf(result, key);
    expect(e.status, `${tenantId} ${key}: ${e.reason}`).toBe('ok');
    const value = e.value as Record<string, unknown>;
    for (const [field, expected] of Object.entries(truth[key]!)) {
      const want = unsupported[key]?.includes(field) ? null : expected;
      if (key === 'rmm.alerts' && field === 'oldestOpenHours') {
        // truth() floors the age to whole hours; the collectors report it to one decimal.
        expect(Math.floor(value[field] as number), `${tenantId} ${key}.${field}`).toBe(want);
      } else {
        expect(value[field], `${tenantId} ${key}.${field}`).toEqual(want);
      }
    }
  }
}
