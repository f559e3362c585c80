/** The vendor HTTP layer against real loopback HTTP(S) servers. */
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { tempDir } from '../../bench/lib/cli.js';
import { createLogger } from '../log/logger.js';
import { registerSecret } from '../log/secrets.js';
import { InProcessRateGate, sleepUnlessAborted } from '../collector-kit/rate-gate.js';
import { createVendorHttp, type VendorHttpOptions } from './client.js';
import { VendorHttpError } from './errors.js';

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;
const closers: Array<() => void> = [];
afterEach(() => {
  while (closers.length) closers.pop()!();
});

async function serve(handler: Handler): Promise<{ url: string; hits: string[] }> {
  const hits: string[] = [];
  const server = createHttpServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      hits.push(`${req.method} ${req.url}`);
      handler(req, res, body);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  closers.push(() => server.close());
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits };
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

const logger = createLogger({ level: 'silent' });
const Items = z.object({ items: z.array(z.object({ id: z.number() })) });
const http = (url: string, extra: Partial<VendorHttpOptions> = {}) =>
  createVendorHttp({ vendor: 'acme', baseURL: url, logger, backoffBaseMs: 10, timeoutMs: 2000, ...extra });

describe('vendor HTTP layer', () => {
  it('retries a 429 after the Retry-After header, then succeeds', async () => {
    let n = 0;
    const s = await serve((_q, res) => (n++ === 0 ? send(res, 429, {}, { 'Retry-After': '1' }) : send(res, 200, { items: [{ id: 1 }] })));
    const c = http(s.url);
    const t0 = Date.now();
    expect(await c.get('/x', Items)).toEqual({ items: [{ id: 1 }] });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
    expect(c.requests).toBe(2);
  });

  it('honours a wait given in the JSON body (VSPC style)', async () => {
    let n = 0;
    const s = await serve((_q, res) => (n++ === 0 ? send(res, 429, { errors: [{ type: 'transport', code: 429, retryAfter: 1 }] }) : send(res, 200, { items: [] })));
    const c = http(s.url, { retryAfterFromBody: (b) => (b as { errors?: Array<{ retryAfter?: number }> })?.errors?.[0]?.retryAfter });
    const t0 = Date.now();
    await c.get('/x', Items);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
  });

  it('retries 5xx with backoff and gives up with a classified error', async () => {
    const s = await serve((_q, res) => send(res, 520, { message: 'Internal error' }));
    const c = http(s.url, { maxRetries: 2 });
    const err = (await c.get('/jobs', Items).catch((e) => e)) as VendorHttpError;
    expect(err).toBeInstanceOf(VendorHttpError);
    expect(err.kind).toBe('server');
    expect(err.evidenceStatus).toBe('error');
    expect(err.message).toBe('acme GET /jobs failed: HTTP 520: Internal error');
    expect(s.hits).toHaveLength(3);
  });

  it('never retries a 403: a permission gap is unavailable, an IP block is its own kind', async () => {
    const s = await serve((req, res) => send(res, 403, { message: req.url === '/blocked' ? 'IP address blocked' : 'Forbidden' }));
    const c = http(s.url, { isIpBlock: (_st, body) => /blocked/i.test(String((body as { message?: string }).message)) });
    const forbidden = (await c.get('/x', Items).catch((e) => e)) as VendorHttpError;
    expect(forbidden.kind).toBe('forbidden');
    expect(forbidden.evidenceStatus).toBe('unavailable');
    const blocked = (await c.get('/blocked', Items).catch((e) => e)) as VendorHttpError;
    expect(blocked.kind).toBe('ip_blocked');
    expect(blocked.evidenceStatus).toBe('error');
    expect(s.hits).toHaveLength(2);
  });

  it('names the vendor\'s message from a nested error object ({ error: { code, message } })', async () => {
    const s = await serve((_q, res) => send(res, 400, { error: { domain: 'PolicyManager', code: 'InvalidFilter', message: 'Unknown filter field: tenantz', context: {} } }));
    const e = (await http(s.url).get('/x', Items).catch((err) => err)) as VendorHttpError;
    expect(e.kind).toBe('bad_request');
    expect(e.message).toContain('Unknown filter field: tenantz');
  });

  it('after a 429 that names no wait, waits at least throttledWaitMs before the retry (a rolling window needs time to clear)', async () => {
    const at: number[] = [];
    const s = await serve((_q, res) => {
      at.push(performance.now());
      return at.length === 1 ? send(res, 429, { error: 'Too Many Requests' }) : send(res, 200, { items: [] });
    });
    expect(await http(s.url, { throttledWaitMs: 400 }).get('/x', Items)).toEqual({ items: [] });
    expect(at).toHaveLength(2);
    expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(400);
  });

  it('times out each attempt and reports a timeout', async () => {
    const s = await serve(() => undefined); // never answers
    const c = http(s.url, { timeoutMs: 200, maxRetries: 1 });
    const err = (await c.get('/slow', Items).catch((e) => e)) as VendorHttpError;
    expect(err.kind).toBe('timeout');
    expect(s.hits.length).toBe(2);
  });

  it('names the zod path of a schema violation', async () => {
    const s = await serve((_q, res) => send(res, 200, { items: [{ id: 'seven' }] }));
    const err = (await http(s.url).get('/x', Items).catch((e) => e)) as VendorHttpError;
    expect(err.kind).toBe('schema');
    expect(err.message).toMatch(/unexpected response at items\[0\]\.id/);
  });

  it('caches the OAuth token, refreshes it once on a 401, and keeps the secret out of errors', async () => {
    let tokens = 0;
    const s = await serve((req, res, body) => {
      if (req.url === '/oauth/token') {
        const form = new URLSearchParams(body);
        if (form.get('client_secret') !== 'right-secret-123') return send(res, 401, { error: 'invalid_client', error_description: 'bad client credentials' });
        tokens += 1;
        return send(res, 200, { access_token: `tok-${tokens}`, expires_in: 3600, token_type: 'bearer' });
      }
      if (req.headers.authorization === 'Bearer tok-1' && req.url === '/revoked') return send(res, 401, {});
      return send(res, 200, { items: [] });
    });
    const oauth = (secret: string) => ({ vendor: 'acme', tokenPath: '/oauth/token', form: { grant_type: 'client_credentials', client_id: 'id', client_secret: secret } });
    const c = http(s.url, { oauth: oauth('right-secret-123') });
    await Promise.all([c.get('/a', Items), c.get('/b', Items), c.get('/c', Items)]);
    expect(tokens).toBe(1);
    await c.get('/revoked', Items);
    expect(tokens).toBe(2);
    registerSecret('wrong-secret-456');
    const bad = http(s.url, { oauth: oauth('wrong-secret-456') });
    const err = (await bad.get('/a', Items).catch((e) => e)) as VendorHttpError;
    expect(err.kind).toBe('auth');
    expect(err.evidenceStatus).toBe('unavailable');
    expect(err.message).toMatch(/token request refused with HTTP 401 \(invalid_client: bad client credentials\)/);
    expect(JSON.stringify(err) + err.message + String(err.stack)).not.toContain('wrong-secret-456');
  });

  it('paces requests under the account budget through the pace hook', async () => {
    const s = await serve((_q, res) => send(res, 200, { items: [] }));
    const gate = new InProcessRateGate();
    const budget = { key: `acme:${s.url}`, limit: 2, intervalMs: 300, vendor: 'acme' };
    const c = http(s.url, { pace: (signal) => gate.take(budget, signal) });
    const t0 = Date.now();
    await Promise.all(Array.from({ length: 6 }, (_, i) => c.get(`/p${i}`, Items)));
    // 6 requests at 2 per 300 ms need at least two full intervals.
    expect(Date.now() - t0).toBeGreaterThanOrEqual(550);
  });

  it('paces every attempt that reaches the wire, retries included', async () => {
    let n = 0;
    const s = await serve((_q, res) => (n++ === 0 ? send(res, 503, {}) : send(res, 200, { items: [] })));
    let paced = 0;
    const c = http(s.url, {
      pace: async () => {
        paced += 1;
      },
    });
    await c.get('/a', Items);
    expect(c.requests).toBe(2);
    expect(paced).toBe(2);
  });

  it('an abort while waiting for the budget fails the call as aborted at once, and sends nothing', async () => {
    const s = await serve((_q, res) => send(res, 200, { items: [] }));
    const controller = new AbortController();
    const c = http(s.url, { signal: controller.signal, pace: (signal) => sleepUnlessAborted(60_000, signal) });
    const pending = c.get('/never', Items).catch((e) => e);
    setTimeout(() => controller.abort(new Error('scan timed out')), 50);
    const t0 = Date.now();
    const err = (await pending) as VendorHttpError;
    expect(err).toBeInstanceOf(VendorHttpError);
    expect(err.kind).toBe('aborted');
    expect(err.message).toBe('acme GET /never was aborted: scan timed out');
    expect(err.code).toBe('ERR_CANCELED');
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(s.hits).toHaveLength(0);
  });

  it('refuses to follow a next-page URL to another origin', async () => {
    const s = await serve((_q, res) => send(res, 200, { items: [] }));
    const err = (await http(s.url).get('https://evil.example/next', Items).catch((e) => e)) as VendorHttpError;
    expect(err.message).toMatch(/refusing to follow/);
    expect(s.hits).toHaveLength(0);
  });

  it('trusts a private CA given as caFile, and only then', async () => {
    const ca = await generate([{ name: 'commonName', value: 'Test CA' }], { keySize: 2048, algorithm: 'sha256', extensions: [{ name: 'basicConstraints', cA: true, critical: true }, { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true }] });
    const leaf = await generate([{ name: 'commonName', value: 'localhost' }], {
      keySize: 2048,
      algorithm: 'sha256',
      ca: { key: ca.private, cert: ca.cert },
      extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }, { type: 2, value: 'localhost' }] }],
    });
    const server = createHttpsServer({ key: leaf.private, cert: leaf.cert }, (_q, res) => send(res, 200, { items: [{ id: 7 }] }));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    closers.push(() => server.close());
    const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const untrusted = (await http(url, { maxRetries: 0 }).get('/x', Items).catch((e) => e)) as VendorHttpError;
    expect(untrusted.kind).toBe('network');
    expect(untrusted.message).toMatch(/not trusted: set caFile/);
    const caFile = join(tempDir(), 'ca.pem');
    writeFileSync(caFile, ca.cert);
    expect(await http(url, { caFile }).get('/x', Items)).toEqual({ items: [{ id: 7 }] });
  });
});
