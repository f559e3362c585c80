/**
 * Workload identity federation on the simulator: the two kinds of Azure-issued tokens an app registration can trust
 * instead of a secret (a *federated identity credential*: issuer + subject + audience), and Entra's check of them
 * when one arrives as a jwt-bearer client assertion.
 *
 *   GET /msi/token?api-version=2019-08-01&resource=api://AzureADTokenExchange[&client_id=…]
 *       header X-IDENTITY-HEADER: <secret>
 *     The App Service / Container Apps managed identity endpoint, which ManagedIdentityCredential (msal-node's
 *     AppService source) calls when IDENTITY_ENDPOINT and IDENTITY_HEADER are set. Answers
 *     `{ access_token, expires_on, resource, token_type, client_id }`, `expires_on` in epoch seconds as a string.
 *     The token is issued by the MSP's home (partner) tenant, `iss = <sim>/<partner tenant>/v2.0`, `sub` = the
 *     identity's principal (object) id — what Entra's managed-identity tokens carry.
 *   GET /federation/kubernetes/.well-known/openid-configuration, …/openid/v1/jwks
 *     A Kubernetes (AKS) OIDC issuer. Its service-account tokens (`sub = system:serviceaccount:<ns>:<name>`,
 *     `aud = [api://AzureADTokenExchange]`) are what the workload identity webhook projects into a pod's token file;
 *     `writeWorkloadIdentityToken` writes one.
 *
 * The partner's multi-tenant app trusts three subjects out of the box: the system-assigned identity, the
 * user-assigned one (MANAGED_IDENTITIES), and the `ratchet/ratchet` service account. A third managed identity exists
 * on the endpoint but is not trusted, so a test gets Entra's AADSTS70021 from it.
 *
 * Tokens are signed RS256 with one key per process (generated on first use), and the issuer URLs name the
 * simulator's own URL, so a token of one simulator is never accepted by another.
 */
import { generateKeyPairSync, randomBytes, sign, verify, type KeyObject } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { guid } from '../../../src/simulator/ids.js';
import { hash32 } from '../../../src/simulator/prng.js';

/** The token-exchange audiences (public, US Government, China clouds). */
export const TOKEN_EXCHANGE_AUDIENCES = ['api://AzureADTokenExchange', 'api://AzureADTokenExchangeUSGov', 'api://AzureADTokenExchangeChina'] as const;
export const TOKEN_EXCHANGE_AUDIENCE = TOKEN_EXCHANGE_AUDIENCES[0];

export const MANAGED_IDENTITY_PATH = '/msi/token';
const KUBERNETES_ISSUER_PATH = '/federation/kubernetes';
/** The service account the partner app trusts (namespace ratchet, name ratchet). */
export const WORKLOAD_SUBJECT = 'system:serviceaccount:ratchet:ratchet';
/** Lifetimes as Azure issues them: managed identity tokens ~24 h, projected service-account tokens 1 h by default. */
const MANAGED_IDENTITY_LIFETIME_SECONDS = 86_400;
const WORKLOAD_LIFETIME_SECONDS = 3_600;

/** A managed identity the simulated host (App Service / Container Apps) has. */
export interface SimulatedManagedIdentity {
  /** The identity's application (client) id: what `managedIdentity: { clientId }` names for a user-assigned one. */
  clientId: string;
  /** Its service principal's object id: the `sub` of its tokens and the subject of a federated credential. */
  principalId: string;
  userAssigned: boolean;
  /** Whether the partner app has a federated identity credential for it. */
  trusted: boolean;
}

const identity = (name: string, userAssigned: boolean, trusted: boolean): SimulatedManagedIdentity => ({
  clientId: guid(hash32('ratchet-sim-managed-identity', name), 'client-id'),
  principalId: guid(hash32('ratchet-sim-managed-identity', name), 'object-id'),
  userAssigned,
  trusted,
});

export const MANAGED_IDENTITIES = {
  systemAssigned: identity('system', false, true),
  userAssigned: identity('ratchet-uami', true, true),
  /** Assigned to the host but never added to the app: its token is refused with AADSTS70021. */
  untrusted: identity('other-uami', true, false),
} as const;

/** A federated identity credential of an app registration (Graph federatedIdentityCredential). */
export interface FederatedCredential {
  name: string;
  issuer: string;
  subject: string;
  audiences: readonly string[];
}

interface Keys {
  privateKey: KeyObject;
  publicKey: KeyObject;
  kid: string;
  /** The IDENTITY_HEADER value the managed identity endpoint demands. */
  identityHeader: string;
}

let keys: Keys | undefined;

function federationKeys(): Keys {
  if (!keys) {
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    keys = { privateKey: pair.privateKey, publicKey: pair.publicKey, kid: randomBytes(8).toString('hex'), identityHeader: randomBytes(24).toString('base64url') };
  }
  return keys;
}

/** The issuer of managed-identity tokens: the identity's home tenant on the simulator's identity platform. */
export function managedIdentityIssuer(simUrl: string, homeTenantId: string): string {
  return `${simUrl}/${homeTenantId}/v2.0`;
}

export function kubernetesIssuer(simUrl: string): string {
  return `${simUrl}${KUBERNETES_ISSUER_PATH}`;
}

/** The environment App Service / Container Apps give a process with a managed identity, pointing at this simulator. */
export function managedIdentityEnvironment(simUrl: string): { IDENTITY_ENDPOINT: string; IDENTITY_HEADER: string } {
  return { IDENTITY_ENDPOINT: `${simUrl}${MANAGED_IDENTITY_PATH}`, IDENTITY_HEADER: federationKeys().identityHeader };
}

/** The federated identity credentials the partner's multi-tenant app holds (see the file comment). */
export function partnerFederatedCredentials(simUrl: string, partnerTenantId: string): FederatedCredential[] {
  const issuer = managedIdentityIssuer(simUrl, partnerTenantId);
  const audiences = [TOKEN_EXCHANGE_AUDIENCE];
  return [
    ...Object.entries(MANAGED_IDENTITIES)
      .filter(([, mi]) => mi.trusted)
      .map(([name, mi]) => ({ name: `ratchet-${name}`, issuer, subject: mi.principalId, audiences })),
    { name: 'ratchet-aks', issuer: kubernetesIssuer(simUrl), subject: WORKLOAD_SUBJECT, audiences },
  ];
}

function signJwt(claims: Record<string, unknown>): string {
  const k = federationKeys();
  const header = Buffer.from(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: k.kid })).toString('base64url');
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  const signature = sign('sha256', Buffer.from(`${header}.${payload}`), k.privateKey).toString('base64url');
  return `${header}.${payload}.${signature}`;
}

export interface WorkloadTokenOptions {
  subject?: string;
  audience?: string;
  /** Default 1 h; negative gives an expired token. */
  lifetimeSeconds?: number;
  nowSeconds?: number;
}

/** A projected service-account token of the simulator's Kubernetes issuer. */
export function workloadIdentityToken(simUrl: string, opts: WorkloadTokenOptions = {}): string {
  const now = opts.nowSeconds ?? Math.floor(Date.now() / 1000);
  const subject = opts.subject ?? WORKLOAD_SUBJECT;
  const [, namespace, name] = /^system:serviceaccount:([^:]+):(.+)$/.exec(subject) ?? [];
  return signJwt({
    aud: [opts.audience ?? TOKEN_EXCHANGE_AUDIENCE],
    iss: kubernetesIssuer(simUrl),
    sub: subject,
    iat: now,
    nbf: now,
    exp: now + (opts.lifetimeSeconds ?? WORKLOAD_LIFETIME_SECONDS),
    ...(namespace ? { 'kubernetes.io': { namespace, serviceaccount: { name, uid: guid(hash32(subject), 'object-id') } } } : {}),
  });
}

/** Write a workload token file as the webhook's projected volume would (the path AZURE_FEDERATED_TOKEN_FILE names). */
export function writeWorkloadIdentityToken(simUrl: string, path: string, opts: WorkloadTokenOptions = {}): string {
  writeFileSync(path, workloadIdentityToken(simUrl, opts), { mode: 0o600 });
  return path;
}

export interface FederationRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | undefined>;
}

export interface FederationResult {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

const reply = (status: number, body: unknown): FederationResult => ({ status, headers: { 'Content-Type': 'application/json; charset=utf-8' }, body });

/** App Service's error shape (msal-node reads `message` as the description). */
const miError = (status: number, message: string): FederationResult => reply(status, { statusCode: status, message, correlationId: randomBytes(16).toString('hex') });

/**
 * Serve a federation endpoint, or null when the path is not one. `homeTenantId` is the tenant managed identities
 * live in (the partner tenant); undefined = no managed identity endpoint (a simulator without tenants).
 */
export function routeFederation(req: FederationRequest, simUrl: string, homeTenantId: string | undefined): FederationResult | null {
  const path = req.path.replace(/\/+$/, '');
  if (path === MANAGED_IDENTITY_PATH) return managedIdentityToken(req, simUrl, homeTenantId);
  if (path === `${KUBERNETES_ISSUER_PATH}/.well-known/openid-configuration` && req.method === 'GET') {
    const issuer = kubernetesIssuer(simUrl);
    return reply(200, {
      issuer,
      jwks_uri: `${issuer}/openid/v1/jwks`,
      response_types_supported: ['id_token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
    });
  }
  if (path === `${KUBERNETES_ISSUER_PATH}/openid/v1/jwks` && req.method === 'GET') {
    const k = federationKeys();
    return reply(200, { keys: [{ ...(k.publicKey.export({ format: 'jwk' }) as object), kid: k.kid, use: 'sig', alg: 'RS256' }] });
  }
  return null;
}

function managedIdentityToken(req: FederationRequest, simUrl: string, homeTenantId: string | undefined): FederationResult {
  if (req.method !== 'GET') return miError(405, 'The managed identity endpoint only accepts GET requests.');
  if (!homeTenantId) return miError(404, 'This host has no managed identity.');
  if (req.headers['x-identity-header'] !== federationKeys().identityHeader) {
    return miError(401, 'The X-IDENTITY-HEADER header is missing or does not match IDENTITY_HEADER.');
  }
  if (req.query.get('api-version') !== '2019-08-01') return miError(400, `Unsupported api-version '${req.query.get('api-version') ?? ''}'; use 2019-08-01.`);
  const resource = (req.query.get('resource') ?? '').replace(/\/\.default$/, '');
  if (!resource) return miError(400, "The 'resource' query parameter is required.");
  if (!(TOKEN_EXCHANGE_AUDIENCES as readonly string[]).includes(resource)) {
    return miError(400, `The simulated managed identity issues tokens for token exchange only (${TOKEN_EXCHANGE_AUDIENCES.join(', ')}), not '${resource}'.`);
  }
  const wanted = req.query.get('client_id');
  if (req.query.get('object_id') || req.query.get('mi_res_id')) return miError(400, 'Select the user-assigned identity by client_id on this host.');
  const mi = wanted ? Object.values(MANAGED_IDENTITIES).find((m) => m.userAssigned && m.clientId === wanted.toLowerCase()) : MANAGED_IDENTITIES.systemAssigned;
  if (!mi) return miError(400, `No User Assigned or Delegated Managed Identity found for specified ClientId/ResourceId/PrincipalId '${wanted}'.`);
  const now = Math.floor(Date.now() / 1000);
  const expiresOn = now + MANAGED_IDENTITY_LIFETIME_SECONDS;
  const accessToken = signJwt({
    aud: resource,
    iss: managedIdentityIssuer(simUrl, homeTenantId),
    sub: mi.principalId,
    oid: mi.principalId,
    tid: homeTenantId,
    azp: mi.clientId,
    appid: mi.clientId,
    idtyp: 'app',
    iat: now,
    nbf: now - 300,
    exp: expiresOn,
    ver: '2.0',
  });
  return reply(200, { access_token: accessToken, expires_on: String(expiresOn), resource, token_type: 'Bearer', client_id: mi.clientId });
}

/** What Entra answers when a federated assertion does not pass: the AADSTS code and its sentence. */
export interface AssertionProblem {
  code: number;
  message: string;
}

/** Whether the token was issued by this simulator (its managed identities' home tenants, or its Kubernetes issuer). */
function issuedHere(iss: string, simUrl: string): boolean {
  return iss === kubernetesIssuer(simUrl) || new RegExp(`^${simUrl.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/[0-9a-f-]{36}/v2\\.0$`).test(iss);
}

/**
 * Entra's check of a federated client assertion for an app with these federated identity credentials, in Entra's
 * order: a credential for the issuer, the issuer's signature, the validity window, the audience, then issuer+subject
 * (AADSTS70021 "No matching federated identity record found"). Null = accepted.
 */
export function checkFederatedAssertion(
  parts: { header: Record<string, unknown>; claims: Record<string, unknown>; signed: string; signature: string },
  trusted: readonly FederatedCredential[],
  simUrl: string,
  nowSeconds = Math.floor(Date.now() / 1000),
): AssertionProblem | null {
  const { header, claims } = parts;
  const iss = typeof claims.iss === 'string' ? claims.iss : '';
  const sub = typeof claims.sub === 'string' ? claims.sub : '';
  const audiences = (Array.isArray(claims.aud) ? claims.aud : [claims.aud]).filter((a): a is string => typeof a === 'string');
  const sameIssuer = trusted.filter((c) => c.issuer === iss);
  if (sameIssuer.length === 0) {
    return {
      code: 700211,
      message: `No matching federated identity record found for presented assertion issuer '${iss}'. Please check your federated identity credential Subject, Audience and Issuer against the presented assertion. https://learn.microsoft.com/entra/workload-id/workload-identity-federation`,
    };
  }
  const signatureOk =
    header.alg === 'RS256' &&
    issuedHere(iss, simUrl) &&
    verify('sha256', Buffer.from(parts.signed), federationKeys().publicKey, Buffer.from(parts.signature, 'base64url'));
  if (!signatureOk) {
    return { code: 50013, message: `Assertion failed signature validation. [Reason - The key was not found., Thumbprint of key used by client: '${String(header.kid ?? '')}', Found key 'Start=…'] Issuer: '${iss}'.` };
  }
  const exp = typeof claims.exp === 'number' ? claims.exp : 0;
  const nbf = typeof claims.nbf === 'number' ? claims.nbf : 0;
  if (exp <= nowSeconds || nbf > nowSeconds + 300) {
    const at = (s: number) => new Date(s * 1000).toISOString();
    return { code: 700024, message: `Client assertion is not within its valid time range. Current time: ${at(nowSeconds)}, assertion valid from ${at(nbf)}, expiry time of assertion ${at(exp)}.` };
  }
  if (!sameIssuer.some((c) => c.audiences.some((a) => audiences.includes(a)))) {
    return {
      code: 700212,
      message: `No matching federated identity record found for presented assertion audience '${audiences.join(', ')}'. Please check your federated identity credential Subject, Audience and Issuer against the presented assertion. https://learn.microsoft.com/entra/workload-id/workload-identity-federation`,
    };
  }
  if (!sameIssuer.some((c) => c.subject === sub && c.audiences.some((a) => audiences.includes(a)))) {
    return {
      code: 70021,
      message: `No matching federated identity record found for presented assertion. Assertion Issuer: '${iss}'. Assertion Subject: '${sub}'. Assertion Audience: '${audiences.join(', ')}'. https://learn.microsoft.com/entra/workload-id/workload-identity-federation`,
    };
  }
  return null;
}
