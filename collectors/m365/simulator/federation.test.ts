/**
 * Workload identity federation on the simulator, over real HTTPS: the managed identity endpoint (App Service /
 * Container Apps protocol), the Kubernetes OIDC issuer, and the identity platform's check of federated client
 * assertions (issuer, signature, lifetime, audience, subject) the way Entra answers each failure.
 */
import { createPublicKey, verify, type JsonWebKey } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from '../../../src/simulator/test-support.js';
import { MANAGED_IDENTITIES, WORKLOAD_SUBJECT, kubernetesIssuer, managedIdentityEnvironment, workloadIdentityToken } from './federation.js';
import { startM365Simulator, type M365Simulator } from './simulator.js';
import { tokenRequest } from './test-support.js';

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;

let sim: M365Simulator;
let other: M365Simulator;

beforeAll(async () => {
  const certDir = process.env.RATCHET_TEST_CA_DIR;
  sim = await startM365Simulator({
    certDir,
    tenants: [
      { id: 'contoso', name: 'Contoso', profile: 'level3', knobs: { users: 10, devices: 2 } },
      { id: 'nope', name: 'Nope Ltd', profile: 'level2', knobs: { users: 10, devices: 2 }, consent: false },
    ],
  });
  other = await startM365Simulator({ certDir, tenants: [{ id: 'elsewhere', name: 'Elsewhere', profile: 'level2', knobs: { users: 5, devices: 1 } }] });
});

afterAll(async () => {
  await sim?.close();
  await other?.close();
});

/** GET the managed identity endpoint as msal-node's AppService source does. */
function miRequest(query: Record<string, string>, header: string | null = managedIdentityEnvironment(sim.url).IDENTITY_HEADER) {
  const { IDENTITY_ENDPOINT } = managedIdentityEnvironment(sim.url);
  return request(sim, 'GET', `${IDENTITY_ENDPOINT}?${new URLSearchParams(query)}`, { headers: header === null ? {} : { 'X-IDENTITY-HEADER': header } });
}

async function miToken(clientId?: string): Promise<string> {
  const reply = await miRequest({ 'api-version': '2019-08-01', resource: 'api://AzureADTokenExchange', ...(clientId ? { client_id: clientId } : {}) });
  expect(reply.status).toBe(200);
  return reply.json().access_token as string;
}

/** A partner-app token request for a customer tenant with a federated assertion. */
function exchange(assertion: string, tenantKey = sim.tenants[0]!.tenantId, clientId = sim.partner.clientId) {
  return tokenRequest(sim, tenantKey, { grant_type: 'client_credentials', client_id: clientId, client_assertion_type: JWT_BEARER, client_assertion: assertion, scope: `${sim.url}/.default` });
}

describe('managed identity endpoint', () => {
  it('issues the system-assigned identity a token from the partner tenant, in the App Service answer shape', async () => {
    const reply = await miRequest({ 'api-version': '2019-08-01', resource: 'api://AzureADTokenExchange' });
    expect(reply.status).toBe(200);
    const body = reply.json();
    expect(body).toMatchObject({ resource: 'api://AzureADTokenExchange', token_type: 'Bearer', client_id: MANAGED_IDENTITIES.systemAssigned.clientId });
    expect(Number(body.expires_on)).toBeGreaterThan(Date.now() / 1000 + 3600);
    expect(claimsOf(body.access_token as string)).toMatchObject({
      iss: `${sim.url}/${sim.partner.tenantId}/v2.0`,
      sub: MANAGED_IDENTITIES.systemAssigned.principalId,
      aud: 'api://AzureADTokenExchange',
      tid: sim.partner.tenantId,
    });
  });

  it('selects a user-assigned identity by client_id, and refuses one the host does not have', async () => {
    expect(claimsOf(await miToken(MANAGED_IDENTITIES.userAssigned.clientId)).sub).toBe(MANAGED_IDENTITIES.userAssigned.principalId);
    const unknown = await miRequest({ 'api-version': '2019-08-01', resource: 'api://AzureADTokenExchange', client_id: '99999999-9999-4999-8999-999999999999' });
    expect(unknown.status).toBe(400);
    expect(unknown.json().message).toMatch(/No User Assigned or Delegated Managed Identity found/);
  });

  it('demands the IDENTITY_HEADER secret and the 2019-08-01 protocol', async () => {
    expect((await miRequest({ 'api-version': '2019-08-01', resource: 'api://AzureADTokenExchange' }, null)).status).toBe(401);
    expect((await miRequest({ 'api-version': '2019-08-01', resource: 'api://AzureADTokenExchange' }, 'guessed')).status).toBe(401);
    expect((await miRequest({ 'api-version': '2017-09-01', resource: 'api://AzureADTokenExchange' })).status).toBe(400);
    const graph = await miRequest({ 'api-version': '2019-08-01', resource: 'https://graph.microsoft.com' });
    expect(graph.status).toBe(400);
    expect(graph.json().message).toMatch(/token exchange only/);
  });
});

describe('Kubernetes OIDC issuer', () => {
  it('publishes discovery and the key its service-account tokens verify with', async () => {
    const issuer = kubernetesIssuer(sim.url);
    const discovery = (await request(sim, 'GET', `${issuer}/.well-known/openid-configuration`)).json();
    expect(discovery).toMatchObject({ issuer, jwks_uri: `${issuer}/openid/v1/jwks` });
    const jwks = (await request(sim, 'GET', discovery.jwks_uri as string)).json() as { keys: Array<JsonWebKey & { kid: string }> };
    const token = workloadIdentityToken(sim.url);
    const [h, p, s] = token.split('.') as [string, string, string];
    const kid = (JSON.parse(Buffer.from(h, 'base64url').toString()) as { kid: string }).kid;
    const jwk = jwks.keys.find((k) => k.kid === kid)!;
    expect(verify('sha256', Buffer.from(`${h}.${p}`), createPublicKey({ key: jwk, format: 'jwk' }), Buffer.from(s, 'base64url'))).toBe(true);
    expect(claimsOf(token)).toMatchObject({ iss: issuer, sub: WORKLOAD_SUBJECT, aud: ['api://AzureADTokenExchange'] });
  });
});

describe('federated client assertions at the token endpoint', () => {
  it('exchanges a trusted managed identity token and a trusted workload token for a Graph token of the customer tenant', async () => {
    for (const assertion of [await miToken(), await miToken(MANAGED_IDENTITIES.userAssigned.clientId), workloadIdentityToken(sim.url)]) {
      const reply = await exchange(assertion);
      expect(reply.status, reply.text).toBe(200);
      expect(claimsOf(reply.json().access_token as string)).toMatchObject({ tid: sim.tenants[0]!.tenantId, appid: sim.partner.clientId });
    }
  });

  it('refuses a subject the app has no federated credential for with AADSTS70021', async () => {
    for (const assertion of [await miToken(MANAGED_IDENTITIES.untrusted.clientId), workloadIdentityToken(sim.url, { subject: 'system:serviceaccount:default:default' })]) {
      const reply = await exchange(assertion);
      expect(reply.status).toBe(401);
      expect(reply.json()).toMatchObject({ error: 'invalid_client', error_codes: [70021] });
      expect(reply.json().error_description).toMatch(/^AADSTS70021: No matching federated identity record found for presented assertion\. Assertion Issuer: '.*'\. Assertion Subject: '(?:system:serviceaccount:default:default|[0-9a-f-]{36})'/);
    }
  });

  it('checks issuer, signature, lifetime and audience, each with its own Entra code', async () => {
    const good = workloadIdentityToken(sim.url);
    const [h, , s] = good.split('.') as [string, string, string];
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...claimsOf(good), sub: WORKLOAD_SUBJECT, exp: Math.floor(Date.now() / 1000) + 7200 })).toString('base64url')}.${s}`;
    const cases: Array<[string, string, number]> = [
      ['expired', workloadIdentityToken(sim.url, { lifetimeSeconds: -60 }), 700024],
      ['wrong audience', workloadIdentityToken(sim.url, { audience: 'api://SomethingElse' }), 700212],
      ['another simulator', workloadIdentityToken(other.url), 700211],
      ['tampered payload', forged, 50013],
    ];
    for (const [name, assertion, code] of cases) {
      const reply = await exchange(assertion);
      expect(reply.status, name).toBe(401);
      expect(reply.json().error_codes, name).toEqual([code]);
    }
  });

  it('only the app holding the federated credentials trusts them, and consent still comes first', async () => {
    const contoso = sim.tenants[0]!;
    const own = await exchange(workloadIdentityToken(sim.url), contoso.tenantId, contoso.clientId);
    expect(own.json().error_codes).toEqual([700211]);
    const unconsented = await exchange(workloadIdentityToken(sim.url), sim.tenants[1]!.tenantId);
    expect(unconsented.json()).toMatchObject({ error: 'unauthorized_client', error_codes: [700016] });
  });
});
