import { createHash, createPrivateKey, sign } from 'node:crypto';
import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startM365Simulator as startSimulator, type M365Simulator as Simulator, type M365TenantInfo as SimulatedTenantInfo } from './simulator.js';
import { request } from '../../../src/simulator/test-support.js';
import { graphGet, tokenRequest } from './test-support.js';

describe('simulated identity platform', () => {
  let sim: Simulator;
  let t: SimulatedTenantInfo;
  let certTenant: SimulatedTenantInfo;
  beforeAll(async () => {
    sim = await startSimulator({
      tenants: [
        { id: 'alpha', name: 'Alpha Corp', profile: 'level3', knobs: { users: 30, devices: 10 } },
        { id: 'certified', name: 'Certified Ltd', profile: 'level2', knobs: { users: 10, devices: 5 }, certificate: true },
        { id: 'refusing', name: 'Refusing Ltd', profile: 'level2', knobs: { users: 10, devices: 5 }, faults: 'token=refuse' },
        { id: 'broken', name: 'Broken Ltd', profile: 'level2', knobs: { users: 10, devices: 5 }, faults: 'token=500' },
      ],
    });
    t = sim.tenants[0]!;
    certTenant = sim.tenants[1]!;
  });
  afterAll(async () => {
    await sim.close();
  });

  const form = (over: Record<string, string> = {}) => ({
    grant_type: 'client_credentials',
    client_id: t.clientId,
    client_secret: t.clientSecret,
    scope: `${sim.url}/.default`,
    ...over,
  });

  it('publishes OpenID metadata whose issuer and endpoints are on the authority host (MSAL checks the issuer origin)', async () => {
    for (const key of [t.tenantId, t.domain]) {
      const reply = await request(sim, 'GET', `${sim.url}/${key}/v2.0/.well-known/openid-configuration`);
      expect(reply.status).toBe(200);
      const body = reply.json();
      for (const field of ['authorization_endpoint', 'token_endpoint', 'issuer', 'jwks_uri']) {
        expect(String(body[field]).startsWith(`${sim.url}/${t.tenantId}/`)).toBe(true);
      }
      expect(body.token_endpoint).toBe(`${sim.url}/${t.tenantId}/oauth2/v2.0/token`);
    }
  });

  it('answers instance discovery in case a client asks', async () => {
    const reply = await request(sim, 'GET', `${sim.url}/common/discovery/instance?api-version=1.1&authorization_endpoint=x`);
    expect(reply.status).toBe(200);
    expect((reply.json().metadata as unknown[]).length).toBe(1);
  });

  it('issues a bearer token for the right secret, usable on Graph', async () => {
    const reply = await tokenRequest(sim, t.tenantId, form());
    expect(reply.status).toBe(200);
    const body = reply.json();
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599 });
    const token = body.access_token as string;
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
    expect(claims).toMatchObject({ tid: t.tenantId, appid: t.clientId, aud: sim.url });
    const users = await graphGet(sim, token, '/users?$top=1');
    expect(users.status).toBe(200);
  });

  it('accepts the tenant domain in the token URL and client_secret_basic', async () => {
    const reply = await request(sim, 'POST', `${sim.url}/${t.domain}/oauth2/v2.0/token`, {
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${t.clientId}:${encodeURIComponent(t.clientSecret)}`).toString('base64')}`,
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: `${sim.url}/.default` }).toString(),
    });
    expect(reply.status).toBe(200);
  });

  it('refuses a wrong secret with 401 invalid_client AADSTS7000215', async () => {
    const reply = await tokenRequest(sim, t.tenantId, form({ client_secret: 'wrong' }));
    expect(reply.status).toBe(401);
    const body = reply.json();
    expect(body.error).toBe('invalid_client');
    expect(body.error_codes).toEqual([7000215]);
    expect(String(body.error_description)).toMatch(/^AADSTS7000215: Invalid client secret provided\./);
    expect(String(body.error_description)).not.toContain(t.clientSecret);
  });

  it('refuses an unknown client id with 400 unauthorized_client AADSTS700016', async () => {
    const reply = await tokenRequest(sim, t.tenantId, form({ client_id: '11111111-1111-1111-1111-111111111111' }));
    expect(reply.status).toBe(400);
    expect(reply.json()).toMatchObject({ error: 'unauthorized_client', error_codes: [700016] });
  });

  it('refuses an unknown tenant with AADSTS90002, on the metadata and on the token endpoint', async () => {
    const meta = await request(sim, 'GET', `${sim.url}/00000000-1111-2222-3333-444444444444/v2.0/.well-known/openid-configuration`);
    expect(meta.status).toBe(400);
    expect(meta.json()).toMatchObject({ error: 'invalid_tenant', error_codes: [90002] });
    const token = await tokenRequest(sim, '00000000-1111-2222-3333-444444444444', form());
    expect(token.status).toBe(400);
    expect(String(token.json().error_description)).toMatch(/^AADSTS90002: Tenant '00000000-1111-2222-3333-444444444444' not found/);
  });

  it('refuses other grant types, scopes without /.default and unknown resources', async () => {
    expect((await tokenRequest(sim, t.tenantId, form({ grant_type: 'password' }))).json().error).toBe('unsupported_grant_type');
    expect((await tokenRequest(sim, t.tenantId, form({ scope: 'User.Read' }))).json().error).toBe('invalid_scope');
    expect((await tokenRequest(sim, t.tenantId, form({ scope: 'https://management.azure.com/.default' }))).json().error).toBe('invalid_resource');
  });

  it('honours the token fault knob: refuse = 400 invalid_grant (expired secret), 500 = transient failure', async () => {
    const refusing = sim.tenants[2]!;
    const r1 = await tokenRequest(sim, refusing.tenantId, { ...form(), client_id: refusing.clientId, client_secret: refusing.clientSecret });
    expect(r1.status).toBe(400);
    expect(r1.json()).toMatchObject({ error: 'invalid_grant', error_codes: [7000222] });
    const broken = sim.tenants[3]!;
    const r2 = await tokenRequest(sim, broken.tenantId, { ...form(), client_id: broken.clientId, client_secret: broken.clientSecret });
    expect(r2.status).toBe(500);
  });

  it('accepts a certificate client assertion (RS256 and PS256) signed by the registered certificate', async () => {
    const pem = certTenant.certificatePem!;
    const key = createPrivateKey(pem);
    const cert = new X509Certificate(pem.slice(pem.indexOf('-----BEGIN CERTIFICATE-----')));
    const aud = `${sim.url}/${certTenant.tenantId}/oauth2/v2.0/token`;
    const assertion = (alg: 'RS256' | 'PS256', claims: Record<string, unknown> = {}) => {
      const now = Math.floor(Date.now() / 1000);
      const header = Buffer.from(JSON.stringify({ alg, typ: 'JWT', 'x5t#S256': createHash('sha256').update(cert.raw).digest('base64url') })).toString('base64url');
      const payload = Buffer.from(JSON.stringify({ aud, iss: certTenant.clientId, sub: certTenant.clientId, jti: 'x', nbf: now, exp: now + 600, ...claims })).toString('base64url');
      const signature =
        alg === 'RS256'
          ? sign('sha256', Buffer.from(`${header}.${payload}`), key)
          : sign('sha256', Buffer.from(`${header}.${payload}`), { key, padding: 6 /* RSA_PKCS1_PSS_PADDING */, saltLength: 32 });
      return `${header}.${payload}.${signature.toString('base64url')}`;
    };
    const base = {
      grant_type: 'client_credentials',
      client_id: certTenant.clientId,
      scope: `${sim.url}/.default`,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    };
    for (const alg of ['RS256', 'PS256'] as const) {
      const ok = await tokenRequest(sim, certTenant.tenantId, { ...base, client_assertion: assertion(alg) });
      expect(ok.status, ok.text).toBe(200);
    }
    const expired = await tokenRequest(sim, certTenant.tenantId, { ...base, client_assertion: assertion('RS256', { exp: 1000, nbf: 900 }) });
    expect(expired.json().error_codes).toEqual([700024]);
    const forged = assertion('RS256').replace(/\.[^.]+$/, '.AAAA');
    expect((await tokenRequest(sim, certTenant.tenantId, { ...base, client_assertion: forged })).json().error_codes).toEqual([700027]);
  });

  it('answers 401 InvalidAuthenticationToken on Graph for a missing or forged bearer', async () => {
    const missing = await request(sim, 'GET', `${sim.url}/v1.0/users`);
    expect(missing.status).toBe(401);
    expect(missing.json()).toMatchObject({ error: { code: 'InvalidAuthenticationToken', message: 'Access token is empty.' } });
    const forged = await graphGet(sim, 'eyJhbGciOiJub25lIn0.eyJ0aWQiOiJ4In0.', '/users');
    expect(forged.status).toBe(401);
    const err = forged.json().error as Record<string, unknown>;
    expect(err.code).toBe('InvalidAuthenticationToken');
    expect(err.innerError).toMatchObject({ 'request-id': expect.any(String), 'client-request-id': expect.any(String), date: expect.any(String) });
  });
});
