/** /healthz and /metrics over a real socket; the metrics a scan leaves; retry counting in the shared HTTP layers. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import type { FastifyInstance } from 'fastify';
import { RatchetMetrics, metrics as processMetrics } from '../metrics.js';
import { buildServer } from './app.js';
import { abortGuardedStore } from './serve.js';
import { Scheduler } from '../scheduler/scheduler.js';
import { openStore } from '../store/index.js';
import type { Store } from '../store/store.js';
import { createVendorHttp } from '../http/client.js';
import { createGraphClient, RequestCounter } from '../../collectors/m365/graph.js';
import { sampleScan } from '../../test/helpers/sample-scan.js';
import { tempDir } from '../../bench/lib/cli.js';
import { z } from 'zod';
import { captureLogger, FakeCron, fakeReport, ScanBench } from '../scheduler/test-support.js';

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function fixture() {
  const store = openStore(`sqlite:${join(tempDir('ratchet-serve-'), 'ratchet.db')}`);
  await store.migrate();
  cleanups.push(() => store.close());
  const { logger } = captureLogger();
  const scheduler = new Scheduler({
    tenants: [{ id: 'contoso' }],
    scheduleConfig: { cron: '0 2 * * *', timezone: 'UTC', concurrency: 1, jitterSeconds: 0 },
    runScan: new ScanBench().runScan,
    lastScanAt: async () => new Date(),
    logger,
    cron: new FakeCron().schedule,
  });
  cleanups.push(() => scheduler.stop(0));
  const m = new RatchetMetrics(new Registry());
  const app = buildServer({ scheduler, store, registry: m.registry, logger });
  cleanups.push(() => app.close());
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return { store, scheduler, metrics: m, app, url };
}

describe('GET /healthz', () => {
  it('is 200 while the scheduler runs and the store answers, 503 naming the store once it is closed', async () => {
    const { store, scheduler, url } = await fixture();
    let res = await fetch(`${url}/healthz`);
    expect(res.status).toBe(503); // not started yet
    expect(((await res.json()) as { problems: string[] }).problems).toEqual(['scheduler is not running']);

    await scheduler.start();
    res = await fetch(`${url}/healthz`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toMatchObject({
      status: 'ok',
      store: 'ok',
      problems: [],
      scheduler: { alive: true, stopping: false, tenants: 1, running: 0, queued: 0, concurrency: 1, lastTickAt: null },
    });

    await store.close();
    res = await fetch(`${url}/healthz`);
    expect(res.status).toBe(503);
    const body = (await res.json()) as { status: string; store: string; problems: string[] };
    expect(body.status).toBe('unavailable');
    expect(body.store).toMatch(/^unreachable: The history store .* is closed$/);
    expect(body.problems).toHaveLength(1);
  });

  it('is 503 while the scheduler shuts down', async () => {
    const { scheduler, url } = await fixture();
    await scheduler.start();
    await scheduler.stop(0);
    const res = await fetch(`${url}/healthz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ store: 'ok', problems: ['scheduler is shutting down'], scheduler: { alive: false, stopping: true } });
  });

  it('leaves room for more routes on the same instance (web UI / REST API)', async () => {
    const { store } = await fixture();
    const app: FastifyInstance = buildServer({ scheduler: { health: () => ({}) as never }, store, registry: new Registry(), logger: captureLogger().logger });
    app.get('/api/ping', async () => ({ pong: true }));
    const res = await app.inject({ method: 'GET', url: '/api/ping' });
    expect(res.json()).toEqual({ pong: true });
    await app.close();
  });
});

describe('GET /metrics', () => {
  it('serves the Prometheus text format with scans, durations, collector errors, retries, levels and regressions', async () => {
    const { metrics: m, url, scheduler, store } = await fixture();
    m.enableDefaultMetrics();
    m.observeScheduler(scheduler);
    const report = sampleScan({ tenantId: 'contoso', level: 3, potential: 4 }).report;
    report.scan.collectors = [
      { id: 'm365', status: 'ok', durationMs: 900, requests: 12, error: null },
      { id: 'ninjaone', status: 'partial', durationMs: 800, requests: 9, error: 'patches: HTTP 503' },
    ];
    m.recordScan(report, 42_000);
    m.recordScan({ ...fakeReport('fabrikam', 'failed'), scan: { ...fakeReport('fabrikam').scan, status: 'failed', collectors: [{ id: 'veeam-vbr', status: 'error', durationMs: 5, requests: 1, error: 'x' }] } }, 2_000);
    m.recordScanWithoutReport('aborted', 1_500);
    m.recordRetry('ninjaone');
    m.recordRetry('ninjaone');
    await m.refreshRegressionsOpen(store, 'contoso', { ...report, regression: { ...report.regression, confirmed: true } });

    const res = await fetch(`${url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    for (const line of [
      'ratchet_scans_total{outcome="complete"} 1',
      'ratchet_scans_total{outcome="partial"} 0',
      'ratchet_scans_total{outcome="failed"} 1',
      'ratchet_scans_total{outcome="aborted"} 1',
      'ratchet_scan_duration_seconds_bucket{le="60",outcome="complete"} 1',
      'ratchet_scan_duration_seconds_sum{outcome="complete"} 42',
      'ratchet_collector_errors_total{collector="ninjaone"} 1',
      'ratchet_collector_errors_total{collector="veeam-vbr"} 1',
      'ratchet_http_retries_total{vendor="ninjaone"} 2',
      'ratchet_tenant_level{tenant="contoso"} 3',
      'ratchet_tenant_potential_level{tenant="contoso"} 4',
      'ratchet_tenant_last_scan_timestamp_seconds{tenant="contoso"} 1735696842',
      'ratchet_regressions_open{tenant="contoso"} 1',
      'ratchet_scans_running 0',
      'ratchet_scans_queued 0',
    ]) {
      expect(text).toContain(line);
    }
    // A failed scan (no evidence) does not overwrite a tenant's level.
    expect(text).not.toContain('ratchet_tenant_level{tenant="fabrikam"}');
    expect(text).not.toContain('collector="m365"');
    expect(text).toMatch(/^process_cpu_user_seconds_total /m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds /m);
  });

  it('starts the tenant gauges from history and counts open confirmed regression episodes', async () => {
    const { metrics: m, store, url } = await fixture();
    await store.saveScan(sampleScan({ id: 's1', tenantId: 'contoso', level: 2, potential: 3, startedAt: '2025-01-01T02:00:00.000Z' }));
    await store.saveScan(sampleScan({ id: 's2', tenantId: 'contoso', level: 4, potential: 5, startedAt: '2025-01-02T02:00:00.000Z' }));
    await store.saveScan(sampleScan({ id: 's3', tenantId: 'contoso', status: 'failed', level: 1, potential: 5, startedAt: '2025-01-03T02:00:00.000Z' }));
    const episode = (id: string, state: 'pending' | 'confirmed' | 'closed', kind: 'regression' | 'visibility' = 'regression') => ({
      id, tenantId: 'contoso', kind, state, openedAt: '2025-01-02T02:00:00.000Z', openedScanId: 's2', baselineScanId: 's1',
      confirmedAt: null, confirmedScanId: null, closedAt: state === 'closed' ? '2025-01-03T02:00:00.000Z' : null, closedScanId: null,
      confirmations: 1, previousLevel: 4, currentLevel: 2, drops: [], lostKeys: [], acknowledgedAt: null, acknowledgedBy: null, acknowledgement: null,
    });
    for (const e of [episode('e1', 'confirmed'), episode('e2', 'confirmed'), episode('e3', 'pending'), episode('e4', 'closed'), episode('e5', 'confirmed', 'visibility')]) {
      await store.saveEpisode(e);
    }
    await m.loadFromHistory(store, ['contoso', 'newco']);
    const text = await (await fetch(`${url}/metrics`)).text();
    expect(text).toContain('ratchet_tenant_level{tenant="contoso"} 4');
    expect(text).toContain('ratchet_tenant_potential_level{tenant="contoso"} 5');
    expect(text).toContain('ratchet_regressions_open{tenant="contoso"} 2');
    expect(text).toContain('ratchet_regressions_open{tenant="newco"} 0');
    expect(text).not.toContain('ratchet_tenant_level{tenant="newco"}');
  });
});

describe('retry counting in the shared HTTP layers', () => {
  async function flakyServer(failures: number, status: number): Promise<{ url: string; hits: () => number }> {
    let hits = 0;
    const server: Server = createServer((_req, res) => {
      hits += 1;
      if (hits <= failures) {
        res.writeHead(status, { 'content-type': 'application/json', 'retry-after': '0' }).end('{"error":"busy"}');
      } else {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"value":[]}');
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise((r) => server.close(r)));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits: () => hits };
  }
  const retries = async (vendor: string) =>
    ((await processMetrics.httpRetries.get()).values.find((v) => v.labels.vendor === vendor)?.value ?? 0);

  it('axios-retry: each retry of a vendor request counts once for its vendor', async () => {
    const srv = await flakyServer(2, 503);
    const before = await retries('test-vendor');
    const http = createVendorHttp({ vendor: 'test-vendor', baseURL: srv.url, logger: captureLogger().logger, backoffBaseMs: 1 });
    await http.get('/things', z.object({ value: z.array(z.unknown()) }));
    expect(srv.hits()).toBe(3);
    expect((await retries('test-vendor')) - before).toBe(2);
  });

  it('Graph RetryHandler: each retry after a 429 counts once for m365', async () => {
    const srv = await flakyServer(2, 429);
    const before = await retries('m365');
    const credential = { getToken: async () => ({ token: 'test-token', expiresOnTimestamp: Date.now() + 3_600_000 }) };
    const client = createGraphClient(
      credential,
      { graphEndpoint: srv.url, graphHost: new URL(srv.url).host, authorityHost: srv.url, scope: `${srv.url}/.default`, custom: true } as never,
      { timeoutMs: 5_000, maxRetries: 3, signal: new AbortController().signal, total: new RequestCounter(), retryDelaySeconds: 0 },
    );
    await client.api('/users').get();
    expect(srv.hits()).toBe(3);
    expect((await retries('m365')) - before).toBe(2);
  });
});

describe('abortGuardedStore', () => {
  it('refuses saveScan once the scan is aborted and passes everything else through', async () => {
    const store: Store = openStore(`sqlite:${join(tempDir('ratchet-guard-'), 'ratchet.db')}`);
    await store.migrate();
    cleanups.push(() => store.close());
    const controller = new AbortController();
    const guarded = abortGuardedStore(store, controller.signal);
    await guarded.saveScan(sampleScan({ id: 'kept' }));
    controller.abort(new Error('shutting down'));
    await expect(guarded.saveScan(sampleScan({ id: 'dropped', startedAt: '2025-02-01T02:00:00.000Z' }))).rejects.toThrow('shutting down');
    expect((await guarded.listScans('contoso')).map((s) => s.id)).toEqual(['kept']);
    await guarded.ping();
  });
});
