/** The HTTP frame of `ratchet serve`: one request line per request at info, /metrics behind its own token, trustProxy. */
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../log/logger.js';
import { clearSecrets } from '../log/secrets.js';
import { buildServer, type ServerDeps } from './app.js';

const METRICS_TOKEN = 'metrics-7d1f0c9a2b4e6f8a0c2e';

function server(over: Partial<ServerDeps> = {}) {
  const lines: string[] = [];
  const logger = createLogger({ level: 'info', destination: { write: (s: string) => void lines.push(s) } });
  const app = buildServer({
    scheduler: { health: () => ({ alive: true, stopping: false, running: 0, queued: 0 }) as never },
    store: { ping: async () => undefined },
    registry: new Registry(),
    logger,
    ...over,
  });
  app.get('/api/v1/things/:id', async (req) => ({ ip: req.ip }));
  const logs = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  return { app, logs, text: () => lines.join('') };
}

afterEach(() => clearSecrets());

describe('request log', () => {
  it('writes one line per request at info: method, route, path without query, status, ms — no headers or query', async () => {
    const { app, logs, text } = server();
    const res = await app.inject({ method: 'GET', url: '/api/v1/things/42?token=sekrit-query-value', headers: { authorization: 'Bearer rtk_abc_sekrit-header-value', cookie: 'ratchet_session=sekrit-cookie-value' } });
    expect(res.statusCode).toBe(200);
    const requests = logs().filter((l) => l.msg === 'request');
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({ level: 30, method: 'GET', route: '/api/v1/things/:id', path: '/api/v1/things/42', status: 200, principal: null });
    expect(typeof requests[0]!.ms).toBe('number');
    // fastify's own "incoming request"/"request completed" lines (with the whole request) are off.
    expect(logs().filter((l) => l.msg === 'incoming request' || l.msg === 'request completed')).toEqual([]);
    expect(text()).not.toMatch(/sekrit/);
    await app.close();
  });

  it('logs unknown routes too, and keeps probes and scrapes below info', async () => {
    const { app, logs } = server();
    await app.inject({ method: 'GET', url: '/healthz' });
    await app.inject({ method: 'GET', url: '/metrics' });
    await app.inject({ method: 'POST', url: '/%2e%2e/etc/passwd' });
    const requests = logs().filter((l) => l.msg === 'request');
    expect(requests.map((l) => [l.method, l.route, l.status])).toEqual([['POST', null, 404]]);
    await app.close();
  });
});

describe('GET /metrics with server.metricsToken', () => {
  it('needs the bearer token when one is configured, and the token never reaches the log', async () => {
    const { app, text } = server({ metricsToken: METRICS_TOKEN });
    expect((await app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
    const wrong = await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer metrics-0000000000000000000' } });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.headers['www-authenticate']).toMatch(/^Bearer/);
    const ok = await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(ok.statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    app.log.warn({ detail: `echo ${METRICS_TOKEN}` }, 'an upstream echoed it');
    expect(text()).not.toContain(METRICS_TOKEN);
    await app.close();
  });

  it('stays open without a token (the default: scrapers on a private network)', async () => {
    const { app } = server();
    expect((await app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(200);
    await app.close();
  });
});

describe('server.trustProxy', () => {
  it('takes the client address from X-Forwarded-For only when the proxy is trusted', async () => {
    const headers = { 'x-forwarded-for': '203.0.113.7' };
    const plain = server();
    expect((await plain.app.inject({ method: 'GET', url: '/api/v1/things/1', headers, remoteAddress: '10.0.0.2' })).json()).toEqual({ ip: '10.0.0.2' });
    const trusted = server({ trustProxy: '10.0.0.0/8' });
    expect((await trusted.app.inject({ method: 'GET', url: '/api/v1/things/1', headers, remoteAddress: '10.0.0.2' })).json()).toEqual({ ip: '203.0.113.7' });
    // A peer outside the trusted range cannot claim an address.
    expect((await trusted.app.inject({ method: 'GET', url: '/api/v1/things/1', headers, remoteAddress: '192.0.2.9' })).json()).toEqual({ ip: '192.0.2.9' });
    await plain.app.close();
    await trusted.app.close();
  });
});
