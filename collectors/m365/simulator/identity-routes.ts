/**
 * The Microsoft identity platform endpoints MSAL (inside @azure/identity) calls for app-only client credentials
 * against a custom authority with `disableInstanceDiscovery: true`:
 *
 *   GET  /{tenant}/v2.0/.well-known/openid-configuration   MSAL requires authorization_endpoint, token_endpoint,
 *                                                          issuer and jwks_uri, and accepts the issuer only when its
 *                                                          scheme+host+port equal the authority's (msal-common
 *                                                          Authority.validateIssuer), so all URLs point here.
 *   POST /{tenant}/oauth2/v2.0/token                       form body: grant_type=client_credentials, client_id,
 *                                                          scope=<resource>/.default, client_secret — or
 *                                                          client_assertion (certificate credential, RS256/PS256).
 *   GET  /common/discovery/instance                        only called when instance discovery is on; answered anyway.
 *   GET  /{tenant}/discovery/v2.0/keys                     jwks_uri target (empty: access tokens are opaque to clients).
 *
 * Errors carry Entra's AADSTS codes in `error_description`, which the collector turns into one clear line.
 */
import { createPublicKey, randomUUID, verify as verifySignature, constants, type KeyObject } from 'node:crypto';
import { GRANTED_ROLES, TOKEN_LIFETIME_SECONDS, type TokenIssuer } from './tokens.js';
import { PARTNER_APP_NAME, type PartnerAppInTenant, type Refusal } from './partner-app.js';
import { checkFederatedAssertion, type FederatedCredential } from './federation.js';

export interface IdentityTenant {
  tenantId: string;
  domain: string;
  name: string;
  clientId: string;
  clientSecret: string;
  /** Public key of the app's registered certificate, when certificate credentials are enabled. */
  certificateKey?: KeyObject;
  /** Fault knob: refuse (400) or fail (500) every token request. */
  tokenRefuse?: false | 400 | 500;
  /** Application permissions a token of this app carries (default GRANTED_ROLES, the collector's set). */
  roles?: readonly string[];
  /** The app's display name in tokens (default: the tenant's own app). */
  appName?: string;
  /** The MSP's multi-tenant app as this tenant sees it: its credentials and whether it is consented here (partner.ts). */
  partnerApp?: PartnerAppInTenant;
}

export interface IdentityEnv {
  baseUrl: string;
  tokens: TokenIssuer;
  lookupTenant(key: string): IdentityTenant | undefined;
  /** Resources a token may be requested for (the simulator's URL, and Graph's real one for convenience). */
  resources: readonly string[];
  /** The federated identity credentials of an app registration, by client id (federation.ts); none when absent. */
  federatedCredentials?(clientId: string): readonly FederatedCredential[];
}

export interface IdentityRequest {
  method: string;
  path: string;
  params: URLSearchParams;
  headers: Record<string, string | undefined>;
  rawBody: string;
}

export interface IdentityResult {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

const json = (status: number, body: unknown, extra: Record<string, string> = {}): IdentityResult => ({
  status,
  headers: { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store, no-cache', Pragma: 'no-cache', ...extra },
  body,
});

function aadError(env: IdentityEnv, req: IdentityRequest, status: number, error: string, code: number, message: string): IdentityResult {
  const traceId = randomUUID();
  const correlationId = req.headers['client-request-id'] ?? new URLSearchParams(req.rawBody).get('client-request-id') ?? randomUUID();
  const timestamp = new Date().toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, 'Z');
  return json(status, {
    error,
    error_description: `AADSTS${code}: ${message} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
    error_codes: [code],
    timestamp,
    trace_id: traceId,
    correlation_id: correlationId,
    error_uri: `${env.baseUrl}/error?code=${code}`,
  });
}

function tenantNotFound(env: IdentityEnv, req: IdentityRequest, key: string, error: string): IdentityResult {
  return aadError(
    env,
    req,
    400,
    error,
    90002,
    `Tenant '${key}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`,
  );
}

export function openIdConfiguration(baseUrl: string, tenantId: string): Record<string, unknown> {
  const host = new URL(baseUrl).host;
  return {
    token_endpoint: `${baseUrl}/${tenantId}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    jwks_uri: `${baseUrl}/${tenantId}/discovery/v2.0/keys`,
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    issuer: `${baseUrl}/${tenantId}/v2.0`,
    request_uri_parameter_supported: false,
    userinfo_endpoint: `${baseUrl}/oidc/userinfo`,
    authorization_endpoint: `${baseUrl}/${tenantId}/oauth2/v2.0/authorize`,
    device_authorization_endpoint: `${baseUrl}/${tenantId}/oauth2/v2.0/devicecode`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${baseUrl}/${tenantId}/oauth2/v2.0/logout`,
    claims_supported: ['sub', 'iss', 'cloud_instance_name', 'cloud_instance_host_name', 'cloud_graph_host_name', 'msgraph_host', 'aud', 'exp', 'iat', 'auth_time', 'acr', 'nonce', 'preferred_username', 'name', 'tid', 'ver', 'at_hash', 'c_hash', 'email'],
    kerberos_endpoint: `${baseUrl}/${tenantId}/kerberos`,
    tenant_region_scope: 'NA',
    cloud_instance_name: 'microsoftonline.com',
    cloud_graph_host_name: 'graph.windows.net',
    msgraph_host: host,
    rbac_url: 'https://pas.windows.net',
  };
}

function decodeJwtPart(part: string | undefined): Record<string, unknown> | null {
  if (!part) return null;
  try {
    const value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as unknown;
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/**
 * Validate a client assertion (RFC 7523): the app's own, signed with its registered certificate (`iss` = `sub` = the
 * client id), or a federated token from an issuer the app trusts (any other `iss`: federation.ts).
 */
function checkAssertion(env: IdentityEnv, assertion: string, tenant: IdentityTenant, clientId: string, audiences: readonly string[]): { code: number; message: string } | null {
  const [h, p, s] = assertion.split('.');
  const header = decodeJwtPart(h);
  const claims = decodeJwtPart(p);
  if (!header || !claims || !s) return { code: 50027, message: 'JWT token is invalid or malformed.' };
  if (typeof claims.iss === 'string' && claims.iss.toLowerCase() !== clientId.toLowerCase()) {
    return checkFederatedAssertion({ header, claims, signed: `${h}.${p}`, signature: s }, env.federatedCredentials?.(tenant.clientId) ?? [], env.baseUrl);
  }
  if (!tenant.certificateKey) {
    return { code: 700027, message: 'Client assertion failed signature validation. The application has no certificate credential registered.' };
  }
  const data = Buffer.from(`${h}.${p}`);
  const signature = Buffer.from(s, 'base64url');
  let valid = false;
  if (header.alg === 'RS256') {
    valid = verifySignature('sha256', data, tenant.certificateKey, signature);
  } else if (header.alg === 'PS256') {
    valid = verifySignature('sha256', data, { key: tenant.certificateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO }, signature);
  } else {
    return { code: 5002738, message: `Invalid JWT token. '${String(header.alg)}' is not a supported signature algorithm.` };
  }
  if (!valid) return { code: 700027, message: 'Client assertion failed signature validation.' };
  if (claims.iss !== clientId || claims.sub !== clientId) {
    return { code: 700021, message: "Client assertion application identifier doesn't match 'client_id' parameter." };
  }
  const now = Math.floor(Date.now() / 1000);
  if (typeof claims.exp !== 'number' || claims.exp < now - 300 || (typeof claims.nbf === 'number' && claims.nbf > now + 300)) {
    return { code: 700024, message: 'Client assertion is not within its valid time range.' };
  }
  if (typeof claims.aud !== 'string' || !audiences.includes(claims.aud)) {
    return { code: 700023, message: `Client assertion audience claim does not match Realm issuer. Review the documentation at https://learn.microsoft.com/entra/identity-platform/certificate-credentials .` };
  }
  return null;
}

function handleToken(env: IdentityEnv, req: IdentityRequest, key: string): IdentityResult {
  const form = new URLSearchParams(req.rawBody);
  let tenant = env.lookupTenant(key);
  if (!tenant) return tenantNotFound(env, req, key, 'invalid_request');
  if (tenant.tokenRefuse === 500) {
    return aadError(env, req, 500, 'temporarily_unavailable', 90033, 'A transient error has occurred. Please try again.');
  }
  const grant = form.get('grant_type');
  if (grant !== 'client_credentials') {
    return aadError(env, req, 400, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${grant ?? ''}'.`);
  }
  let clientId = form.get('client_id');
  let clientSecret = form.get('client_secret');
  const basic = /^Basic\s+(.+)$/i.exec(req.headers.authorization ?? '');
  if (basic) {
    const [id, secret] = Buffer.from(basic[1]!, 'base64').toString('utf8').split(':');
    clientId ??= decodeURIComponent(id ?? '');
    clientSecret ??= decodeURIComponent(secret ?? '');
  }
  if (!clientId) return aadError(env, req, 400, 'invalid_request', 900144, "The request body must contain the following parameter: 'client_id'.");
  // The MSP's multi-tenant app: refused as its consent in this tenant says, else checked with its own credentials.
  const partner = partnerAppIn(tenant, clientId);
  if (partner && 'refusal' in partner) return aadError(env, req, partner.refusal.status, partner.refusal.error, partner.refusal.code, partner.refusal.message);
  if (partner) tenant = partner.tenant;
  if (clientId.toLowerCase() !== tenant.clientId.toLowerCase()) {
    return aadError(
      env,
      req,
      400,
      'unauthorized_client',
      700016,
      `Application with identifier '${clientId}' was not found in the directory '${tenant.name}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
    );
  }
  const assertion = form.get('client_assertion');
  if (assertion) {
    if (form.get('client_assertion_type') !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer') {
      return aadError(env, req, 400, 'invalid_request', 50027, "client_assertion_type must be 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'.");
    }
    const audiences = [`${env.baseUrl}/${tenant.tenantId}/oauth2/v2.0/token`, `${env.baseUrl}/${key}/oauth2/v2.0/token`, `${env.baseUrl}/${tenant.tenantId}/v2.0`];
    const problem = checkAssertion(env, assertion, tenant, clientId, audiences);
    if (problem) return aadError(env, req, 401, 'invalid_client', problem.code, problem.message);
  } else if (!clientSecret) {
    return aadError(env, req, 401, 'invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
  } else if (clientSecret !== tenant.clientSecret) {
    return aadError(
      env,
      req,
      401,
      'invalid_client',
      7000215,
      `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${tenant.clientId}'.`,
    );
  }
  if (tenant.tokenRefuse === 400) {
    return aadError(env, req, 400, 'invalid_grant', 7000222, `The provided client secret keys for app '${tenant.clientId}' are expired. Visit the Azure portal to create new keys for your app.`);
  }
  const scopes = (form.get('scope') ?? '').split(/\s+/).filter(Boolean);
  const resourceScope = scopes.find((s) => s.endsWith('/.default'));
  if (!resourceScope) {
    return aadError(env, req, 400, 'invalid_scope', 1002012, `The provided value for scope ${scopes.join(' ') || '(none)'} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`);
  }
  const resource = resourceScope.slice(0, -'/.default'.length).replace(/\/+$/, '');
  if (!env.resources.includes(resource)) {
    return aadError(
      env,
      req,
      400,
      'invalid_resource',
      500011,
      `The resource principal named ${resource} was not found in the tenant named ${tenant.name}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.`,
    );
  }
  const accessToken = env.tokens.issue({
    aud: resource,
    iss: `${env.baseUrl}/${tenant.tenantId}/`,
    tid: tenant.tenantId,
    appid: tenant.clientId,
    oid: tenant.clientId,
    sub: tenant.clientId,
    roles: [...(tenant.roles ?? GRANTED_ROLES)],
    app_displayname: tenant.appName ?? 'Ratchet (simulated consent)',
  });
  return json(200, { token_type: 'Bearer', expires_in: TOKEN_LIFETIME_SECONDS, ext_expires_in: TOKEN_LIFETIME_SECONDS, access_token: accessToken });
}

/** Route an identity-platform request. Returns null when the path is not an identity endpoint. */
export function routeIdentity(env: IdentityEnv, req: IdentityRequest): IdentityResult | null {
  const segs = req.path.split('/').filter(Boolean);
  if (segs.length === 0) return null;
  const key = segs[0]!;
  const rest = segs.slice(1).join('/').toLowerCase();

  if (key.toLowerCase() === 'common' && rest === 'discovery/instance' && req.method === 'GET') {
    const host = new URL(env.baseUrl).host;
    return json(200, {
      tenant_discovery_endpoint: `${env.baseUrl}/{tenant}/v2.0/.well-known/openid-configuration`,
      'api-version': '1.1',
      metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
    });
  }
  if (rest === 'v2.0/.well-known/openid-configuration' && req.method === 'GET') {
    const generic = ['common', 'organizations'].includes(key.toLowerCase());
    const tenant = generic ? undefined : env.lookupTenant(key);
    if (!generic && !tenant) return tenantNotFound(env, req, key, 'invalid_tenant');
    const config = openIdConfiguration(env.baseUrl, tenant?.tenantId ?? '{tenantid}');
    return json(200, config);
  }
  if (rest === 'discovery/v2.0/keys' && req.method === 'GET') return json(200, { keys: [] });
  if (rest === 'oauth2/v2.0/token') {
    if (req.method !== 'POST') return aadError(env, req, 405, 'invalid_request', 900561, 'The endpoint only accepts POST requests.');
    return handleToken(env, req, key);
  }
  return null;
}

/** Public key of a PEM certificate, for {@link IdentityTenant.certificateKey}. */
export function publicKeyOfCertificate(certPem: string): KeyObject {
  return createPublicKey(certPem);
}

/**
 * The registration a token request for `tenant` with `clientId` authenticates against when `clientId` is the partner
 * app's: the tenant's identity with the partner app's credentials and the collector's roles, or the refusal its
 * consent knob calls for. Undefined for any other client id (the tenant's own app rules apply). `consent: false`
 * also gives undefined: the app is simply unknown there, so the ordinary "not found in the directory" (700016) applies.
 */
export function partnerAppIn(tenant: IdentityTenant, clientId: string): { tenant: IdentityTenant } | { refusal: Refusal } | undefined {
  const partner = tenant.partnerApp;
  if (!partner || partner.app.clientId.toLowerCase() !== clientId.toLowerCase() || partner.consent === false) return undefined;
  if (partner.consent === 'no-service-principal') {
    return {
      refusal: {
        status: 401,
        error: 'invalid_client',
        code: 7000229,
        message: `The client application ${partner.app.clientId} is missing service principal in the tenant ${tenant.tenantId}. See instructions here: https://go.microsoft.com/fwlink/?linkid=2225119`,
      },
    };
  }
  if (partner.consent === 'consent-missing') {
    return {
      refusal: {
        status: 400,
        error: 'invalid_grant',
        code: 65001,
        message: `The user or administrator has not consented to use the application with ID '${partner.app.clientId}' named '${PARTNER_APP_NAME}'. Send an interactive authorization request for this user and resource.`,
      },
    };
  }
  const { app } = partner;
  return {
    tenant: {
      ...tenant,
      clientId: app.clientId,
      clientSecret: app.clientSecret,
      certificateKey: app.certificateKey,
      roles: GRANTED_ROLES,
      appName: PARTNER_APP_NAME,
      partnerApp: undefined,
    },
  };
}
