import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { offline } from '../../src/collector-kit/testing/fake-server.js';
import { resolveCloud } from './clouds.js';
import { m365Plugin } from './index.js';
import { RequestCounter, RequestTag, createCredential, createGraphClient, describeTokenError } from './graph.js';
import { FakeGraph, GRAPH, TENANT, fixture, graphError, json, mockLogin, sequence, testConfig, testContext } from './test-support.js';

offline();

describe('graph client middleware', () => {
  it('counts every attempt (retries included) globally and per tag, and attaches the token to the custom host', async () => {
    mockLogin();
    const graph = new FakeGraph()
      .on('/organization', sequence(graphError(429, fixture('error-throttled.json'), { 'Retry-After': '0' }), json({ value: [] })))
      .install();
    const config = testConfig();
    const cloud = resolveCloud(config.cloud);
    const total = new RequestCounter();
    const mine = new RequestCounter();
    const client = createGraphClient(createCredential(config, cloud), cloud, { timeoutMs: 2000, maxRetries: 3, signal: new AbortController().signal, total });

    await client.api('/organization').middlewareOptions([new RequestTag(mine)]).get();

    expect(total.count).toBe(2);
    expect(mine.count).toBe(2);
    expect(graph.authorizations).toEqual(['Bearer eyJ0eXAiOiJKV1QifQ.test.token', 'Bearer eyJ0eXAiOiJKV1QifQ.test.token']);
    expect(graph.hits('/organization')[1]!.headers['retry-attempt']).toBe('1');
  });

  it('gives every attempt its own timeout and aborts with the scan signal', async () => {
    mockLogin();
    new FakeGraph().on('/organization', { ...json({ value: [] }), delayMs: 1000 }).install();
    const config = testConfig();
    const cloud = resolveCloud(config.cloud);
    const controller = new AbortController();
    const client = createGraphClient(createCredential(config, cloud), cloud, { timeoutMs: 5000, maxRetries: 0, signal: controller.signal, total: new RequestCounter() });

    const pending = client.api('/organization').get();
    setTimeout(() => controller.abort(), 100);
    await expect(pending).rejects.toMatchObject({ statusCode: -1, code: 'AbortError' });
  });
});

describe('token errors', () => {
  const cloud = resolveCloud({ graphEndpoint: GRAPH, authorityHost: 'https://login.test' });
  const cfg = { tenantId: TENANT, clientId: '11111111-1111-1111-1111-111111111111' };

  it('keeps the AADSTS code and sentence, drops trace ids, stays on one line', () => {
    const msg = describeTokenError(
      new Error(
        'invalid_client: Error(s): 7000215 - Timestamp: Not Available - Description: AADSTS7000215: Invalid client secret provided. Ensure the secret is the value.\r\nTrace ID: abc\r\nCorrelation ID: def\r\nTimestamp: 2024-01-01 00:00:00Z - Correlation ID: def - Trace ID: abc',
      ),
      cfg,
      cloud,
    );
    expect(msg).toBe(
      `token request for tenant ${TENANT} (client 11111111-1111-1111-1111-111111111111) at https://login.test failed: AADSTS7000215 Invalid client secret provided. Ensure the secret is the value. (invalid_client)`,
    );
  });

  it('explains MSAL errors that carry no AADSTS code', () => {
    const msg = describeTokenError(new Error('endpoints_resolution_error: See https://aka.ms/msal.js.errors#endpoints_resolution_error for details'), cfg, cloud);
    expect(msg).toContain(TENANT);
    expect(msg).toContain('unknown tenant');
  });

  it('an unknown tenant fails the collector with a message naming it', async () => {
    nock('https://login.test')
      .get('/nosuch.onmicrosoft.com/v2.0/.well-known/openid-configuration')
      .reply(400, {
        error: 'invalid_tenant',
        error_description: "AADSTS90002: Tenant 'nosuch.onmicrosoft.com' not found. Check to make sure you have the correct tenant ID.\r\nTrace ID: x",
        error_codes: [90002],
      });
    const result = await m365Plugin.collect(testConfig({ tenantId: 'nosuch.onmicrosoft.com' }), testContext());
    expect(result.status).toBe('error');
    expect(result.error).toContain('nosuch.onmicrosoft.com');
    expect(result.evidence.every((e) => e.status === 'error')).toBe(true);
  });
});

describe('national cloud wiring', () => {
  it('talks to graph.microsoft.com with a token from login.microsoftonline.com on the global cloud', async () => {
    mockLogin({ host: 'https://login.microsoftonline.com' });
    // MSAL validates known Microsoft authorities through instance discovery.
    nock('https://login.microsoftonline.com')
      .persist()
      .get('/common/discovery/instance')
      .query(true)
      .reply(200, {
        tenant_discovery_endpoint: `https://login.microsoftonline.com/${TENANT}/v2.0/.well-known/openid-configuration`,
        'api-version': '1.1',
        metadata: [{ preferred_network: 'login.microsoftonline.com', preferred_cache: 'login.windows.net', aliases: ['login.microsoftonline.com', 'login.windows.net'] }],
      });
    const graph = new FakeGraph('https://graph.microsoft.com')
      .on('/subscribedSkus', json(fixture('subscribed-skus.json')))
      .on('/security/secureScores', json(fixture('secure-scores.json')))
      .install();

    const result = await m365Plugin.collect(testConfig({ cloud: 'global' }), testContext({ only: ['m365.secure_score'] }));

    expect(result.status).toBe('ok');
    expect(result.evidence[0]!.value).toMatchObject({ current: 45.5 });
    expect(graph.batches).toHaveLength(1);
  });
});
