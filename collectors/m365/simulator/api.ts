/**
 * The Microsoft 365 directory on the simulator: the Microsoft identity platform (`/{tenant}/oauth2/v2.0/token`,
 * OIDC metadata, instance discovery) and Microsoft Graph v1.0 (`/v1.0/...`, `POST /v1.0/$batch`), for every
 * simulated tenant, so the real @azure/identity + @microsoft/microsoft-graph-client can scan it over real sockets
 * with TLS verification on. Mounted at the root of the simulator: a tenant's config points at it with
 * `cloud: { graphEndpoint: sim.url, authorityHost: sim.url }` (configSection below).
 *
 * Tokens name their tenant (`tid`), so one endpoint answers every tenant; each Graph request is served from that
 * tenant's model (tenant-model.ts) with that tenant's faults layered over the simulator's.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FaultConfig } from '../../../src/simulator/faults.js';
import { guid } from '../../../src/simulator/ids.js';
import { hash32 } from '../../../src/simulator/prng.js';
import type { TenantSpec } from '../../../src/simulator/tenant-spec.js';
import { createClientCertificate } from '../../../src/simulator/tls.js';
import type { DirectorySimulator, DirectoryTenantView, VendorConfigSection, VendorContext, VendorRequest, VendorResponse } from '../../../src/simulator/vendor.js';
import { partnerFederatedCredentials, routeFederation } from './federation.js';
import { executeBatch, executeGraph, faultResult, fromThrown, graphError, type DispatchEnv, type GraphCall } from './graph-dispatch.js';
import { routeTemplate, type GraphResult } from './graph-routes.js';
import { publicKeyOfCertificate, routeIdentity, type IdentityEnv, type IdentityResult, type IdentityTenant } from './identity-routes.js';
import { mailDnsZone } from './mail-dns.js';
import { SkipTokens } from './odata.js';
import { createPartner, gdapDirectory, partnerWorldTenant, type ConsentKnob, type PartnerTenant } from './partner.js';
import { expectedLevelFor, type KnobOverrides, type ProfileName, type TenantKnobs } from './profiles.js';
import { TenantModel } from './tenant-model.js';
import { TokenIssuer } from './tokens.js';

/** A simulated tenant as the Microsoft 365 simulator reads it (the host's TenantSpec plus the directory's own fields). */
export interface M365TenantSpec extends TenantSpec {
  /** Directory (tenant) GUID; default: derived from the seed. */
  tenantId?: string;
  /** Directory knob overrides on top of the profile's (profiles.ts). */
  knobs?: KnobOverrides;
  /** Initial domain; default `<name>.onmicrosoft.com`. */
  domain?: string;
  /** Application (client) id; default: derived from the seed. */
  clientId?: string;
  /** Client secret; default: random per run (the config references it through an env var). */
  clientSecret?: string;
  /** Also register a client certificate (written to the cert directory) for certificatePath configs. */
  certificate?: boolean;
  /**
   * Whether the MSP's multi-tenant app (partner.ts) is consented here; default true. `false`, `'consent-missing'`,
   * `'no-service-principal'`: its token requests fail with AADSTS700016, 65001, 7000229 (live: Simulator.setConsent).
   */
  consent?: ConsentKnob;
  /** Whether the partner tenant lists this tenant as a GDAP customer; default true (false: an in-house customer). */
  gdap?: boolean;
}

/** What the Microsoft 365 simulator adds to a tenant's SimulatedTenantInfo. */
export interface M365TenantFields {
  tenantId: string;
  domain: string;
  clientId: string;
  clientSecret: string;
  /** Private key + certificate PEM, and where it was written, when `certificate: true`. */
  certificatePem?: string;
  certificatePath?: string;
  knobs: TenantKnobs;
  /** The partner app's consent here, and whether the partner lists the tenant as a GDAP customer. */
  consent: ConsentKnob;
  gdap: boolean;
}

/** One tenant's directory: its generated data, the knob overrides in force, its app registration. */
export interface M365Tenant {
  model: TenantModel;
  overrides: KnobOverrides;
  identity: IdentityTenant;
  seed: number | string;
  certificatePem?: string;
  certificatePath?: string;
  /** The partner app's consent in this tenant (mutable: Simulator.setConsent). */
  consent: ConsentKnob;
  gdap: boolean;
  /** The simulator's one partner tenant, shared by every tenant's state. */
  partner: PartnerTenant;
}

/**
 * The directory's config section of a tenant, plus what portfolio config (DESIGN §12) needs: the partner's app for
 * `defaults.m365`, and the tenant's section when it draws on it.
 */
export interface M365ConfigSection extends VendorConfigSection {
  /** `defaults.m365`: the partner app (clientId, clientSecret or certificatePath, partnerTenantId, cloud). */
  partner: VendorConfigSection;
  /** The tenant's m365 section when its app and credential come from `defaults.m365`. */
  sharedSection: { tenantId: string };
  /** Whether the partner app gets a token here (a scan through `defaults.m365` can run). */
  partnerConsented: boolean;
}

/** A change of the tenant's data: a profile, knob overrides, or both (Simulator.setProfile). */
export type M365ProfileChange = ProfileName | KnobOverrides | { profile?: ProfileName; knobs?: KnobOverrides };

/** Knobs a profile switch keeps (the tenant's size and the non-gating shares); the gating ones reset to the profile's. */
const NON_GATING: readonly (keyof KnobOverrides)[] = ['users', 'devices', 'guests', 'disabled', 'secureScorePct', 'staleDevicesPct'];

/** Resources a token may be requested for: the simulator's URL, and Graph's real one for convenience. */
const GRAPH_RESOURCE = 'https://graph.microsoft.com';

type View = DirectoryTenantView<M365Tenant>;

interface Index {
  /** By config id, directory GUID and domain (lower case), as the identity platform accepts any of them. */
  byKey: Map<string, View>;
  byTenantId: Map<string, View>;
}

// Views are rebuilt by the host whenever a tenant changes, so an index per views array is always current.
const indexes = new WeakMap<readonly View[], Index>();

function indexOf(views: readonly View[]): Index {
  let index = indexes.get(views);
  if (!index) {
    index = { byKey: new Map(), byTenantId: new Map() };
    for (const v of views) {
      for (const key of [v.id, v.state.identity.tenantId, v.state.model.domain.toLowerCase()]) index.byKey.set(key, v);
      index.byTenantId.set(v.state.identity.tenantId, v);
    }
    indexes.set(views, index);
  }
  return index;
}

/** Per-simulator secrets: the token signing key and the skiptoken key, so nothing outlives or crosses a simulator. */
interface Keys {
  tokens: TokenIssuer;
  skipTokens: SkipTokens;
}

/** This vendor's state on one simulator (the host's `local` store): its keys, and the partner tenant once created. */
interface DirectoryLocal {
  keys?: Keys;
  partner?: Promise<PartnerTenant>;
}

/** The headers Graph (and the identity platform) put on every answer. */
function withGraphHeaders(result: GraphResult | IdentityResult, headers: Record<string, string | undefined>): VendorResponse {
  const requestId = result.headers['request-id'] ?? randomUUID();
  return {
    status: result.status,
    headers: {
      'request-id': requestId,
      'client-request-id': headers['client-request-id'] ?? requestId,
      'x-ms-ags-diagnostic': '{"ServerInfo":{"DataCenter":"Simulated","Slice":"E","Ring":"1","ScaleUnit":"000","RoleInstance":"RATCHET-SIM"}}',
      'Strict-Transport-Security': 'max-age=31536000',
      'Cache-Control': 'no-cache',
      ...result.headers,
    },
    body: result.body,
    ...('rawBody' in result && result.rawBody !== undefined ? { rawBody: result.rawBody } : {}),
  };
}

/** Whose data a Graph token reads: a simulated tenant, or the partner tenant (with its GDAP relationships). */
interface GraphTarget {
  tenantId: string;
  model: TenantModel;
  faults: FaultConfig;
  roles: readonly string[];
  gdap?: DispatchEnv['gdap'];
}

function graphTarget(claims: { tid: string; appid: string; roles: string[] }, ctx: VendorContext<View>, partner: PartnerTenant | undefined): GraphTarget | null {
  const appid = claims.appid.toLowerCase();
  if (partner && claims.tid === partner.tenantId) {
    if (appid !== partner.app.clientId) return null;
    const customers = ctx.tenants.filter((v) => v.state.gdap).map((v) => ({ tenantId: v.state.identity.tenantId, name: v.name }));
    // The partner tenant is not one of the host's tenants: the simulator-wide faults apply to it.
    return { tenantId: partner.tenantId, model: partner.model, faults: ctx.faults, roles: claims.roles, gdap: gdapDirectory(partner, customers, ctx.now) };
  }
  const view = indexOf(ctx.tenants).byTenantId.get(claims.tid);
  if (!view) return null;
  const ownApp = appid === view.state.identity.clientId;
  const partnerApp = partner !== undefined && appid === partner.app.clientId && view.state.consent === true;
  if (!ownApp && !partnerApp) return null;
  return { tenantId: view.state.identity.tenantId, model: view.state.model, faults: view.faults, roles: claims.roles };
}

async function handleGraph(req: VendorRequest, ctx: VendorContext<View>, keys: Keys, partner: PartnerTenant | undefined): Promise<VendorResponse> {
  const { headers } = req;
  const path = decodeURIComponent(req.path.replace(/^\/v1\.0/i, '')) || '/';
  const label = `${req.method} /v1.0${routeTemplate(path)}`;
  // Authentication first, as Graph does: the token says which tenant's data (and faults) apply.
  const auth = /^Bearer\s+(.+)$/i.exec(headers.authorization ?? '');
  const fail401 = (message: string) => {
    ctx.record(label, 401);
    return withGraphHeaders(graphError(401, 'InvalidAuthenticationToken', message, headers), headers);
  };
  if (!auth) return fail401('Access token is empty.');
  const check = keys.tokens.verify(auth[1]!);
  if (!check.ok) return fail401(check.message);
  const target = graphTarget(check.claims, ctx, partner);
  if (!target) return fail401('Access token validation failure. Invalid audience.');
  if (![ctx.baseUrl, GRAPH_RESOURCE].includes(check.claims.aud)) return fail401('Access token validation failure. Invalid audience.');

  const { tenantId, faults } = target;
  const env: DispatchEnv = {
    tenant: target.model,
    faults,
    injector: { decide: ctx.decide },
    skipTokens: keys.skipTokens,
    baseUrl: ctx.baseUrl,
    record: (route, status) => ctx.record(route, status, tenantId),
    roles: target.roles,
    gdap: target.gdap,
  };
  const requestKey = `${tenantId} ${req.method} ${req.path}${req.search}`;
  await ctx.sleep(ctx.latency(faults, requestKey));
  const answer = (result: GraphResult, status = result.status) => {
    ctx.record(label, status, tenantId);
    return withGraphHeaders(result, headers);
  };

  let body: unknown;
  if (req.rawBody) {
    try {
      body = JSON.parse(req.rawBody);
    } catch {
      return answer(graphError(400, 'BadRequest', 'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.', headers));
    }
  }
  const call: GraphCall = { method: req.method, path, params: req.query, headers, body };
  if (path.toLowerCase() === '/$batch') {
    if (call.method !== 'POST') return answer(graphError(405, 'Request_BadRequest', 'Specified HTTP method is not allowed for the request target.', headers));
    // The envelope itself can stall or be throttled too (it is one HTTP request); permission faults apply per
    // sub-request only, as Graph authorises each one.
    const decision = ctx.decide({ ...faults, forbidden: [] }, requestKey, path);
    if (decision.kind === 'stall') await ctx.sleep(decision.ms);
    else if (decision.kind !== 'none') return answer(faultResult(decision, headers));
    let result: GraphResult;
    try {
      result = executeBatch(env, call, tenantId);
    } catch (err) {
      result = fromThrown(err, headers);
    }
    return answer(result);
  }
  let result = executeGraph(env, call, requestKey, label, true);
  if ('stallMs' in result) {
    if (!(await ctx.sleep(result.stallMs))) {
      // The client gave up (its timeout fired): count it as nginx's 499 "client closed request".
      ctx.record(label, 499, tenantId);
      return { status: 0 };
    }
    // Still connected after the stall (a patient client): answer normally, without drawing another stall.
    result = executeGraph(env, call, `${requestKey} after-stall`, label, false);
  }
  return withGraphHeaders(result as GraphResult, headers);
}

async function handleIdentity(req: VendorRequest, ctx: VendorContext<View>, keys: Keys, partner: PartnerTenant | undefined): Promise<VendorResponse> {
  const index = indexOf(ctx.tenants);
  const key = req.path.split('/').filter(Boolean)[0] ?? '';
  const view = index.byKey.get(key.toLowerCase());
  await ctx.sleep(ctx.latency(view?.faults ?? ctx.faults, `${key} ${req.method} ${req.path}`));
  const env: IdentityEnv = {
    baseUrl: ctx.baseUrl,
    tokens: keys.tokens,
    lookupTenant: (k) => {
      const v = index.byKey.get(k.toLowerCase());
      if (v) return { ...v.state.identity, tokenRefuse: v.faults.tokenRefuse ?? false, ...(partner ? { partnerApp: { app: partner.app, consent: v.state.consent } } : {}) };
      // The partner tenant and its GDAP-only customers are directories too, under the simulator-wide faults.
      const other = partner && partnerWorldTenant(partner, k);
      return other && { ...other, tokenRefuse: ctx.faults.tokenRefuse ?? false };
    },
    resources: [ctx.baseUrl, GRAPH_RESOURCE],
    // The partner's app trusts the simulated host's managed identities and Kubernetes service account (federation.ts).
    federatedCredentials: (clientId) => (partner && clientId.toLowerCase() === partner.app.clientId ? partnerFederatedCredentials(ctx.baseUrl, partner.tenantId) : []),
  };
  const result = routeIdentity(env, { method: req.method, path: req.path, params: req.query, headers: req.headers, rawBody: req.rawBody });
  const label = `${req.method} ${req.path.replace(/^\/[^/]+/, '/{tenant}')}`;
  const tenantId = view?.state.identity.tenantId;
  if (!result) {
    ctx.record(label, 404, tenantId);
    return withGraphHeaders({ status: 404, headers: { 'Content-Type': 'application/json' }, body: { error: 'not_found', error_description: `No simulated endpoint at ${req.path}` } }, req.headers);
  }
  ctx.record(label, result.status, tenantId);
  return withGraphHeaders(result, req.headers);
}

function newModel(tenantId: string, name: string, seed: number | string, profile: ProfileName, knobs: KnobOverrides | undefined, domain: string | undefined, now: Date | undefined): TenantModel {
  return new TenantModel({ id: tenantId, name, seed, profile, knobs, domain, now });
}

export const m365Simulator: DirectorySimulator<M365Tenant> = {
  id: 'm365',
  kind: 'directory',

  async handle(req, ctx) {
    const local = ctx.local<DirectoryLocal>(() => ({}));
    const keys = (local.keys ??= { tokens: new TokenIssuer(), skipTokens: new SkipTokens(randomBytes(32)) });
    try {
      // Created with the first tenant (createTenant); a simulator without tenants has no partner either.
      const partner = await local.partner;
      if (/^\/v1\.0(\/|$)/i.test(req.path)) return await handleGraph(req, ctx, keys, partner);
      // The host's managed identity endpoint and Kubernetes OIDC issuer (federation.ts); their identities live in the partner tenant.
      const federation = routeFederation(req, ctx.baseUrl, partner?.tenantId);
      if (federation) {
        ctx.record(`${req.method} ${req.path}`, federation.status);
        return withGraphHeaders(federation, req.headers);
      }
      // Everything else is the identity platform's, which answers unknown paths with its own 404.
      return await handleIdentity(req, ctx, keys, partner);
    } catch (err) {
      // Never let a simulator bug take the server down: answer 500 like a broken upstream would.
      return withGraphHeaders(fromThrown(err, req.headers), req.headers);
    }
  },

  async createTenant({ id, spec: base, seed, profile, now, certDir, local }) {
    const spec = base as M365TenantSpec;
    const shared = local<DirectoryLocal>(() => ({}));
    const partner = await (shared.partner ??= createPartner(certDir, now));
    const tenantId = (spec.tenantId ?? guid(hash32(String(seed)), 'tenant-id')).toLowerCase();
    const model = newModel(tenantId, spec.name, seed, profile, spec.knobs, spec.domain, now);
    const clientId = (spec.clientId ?? guid(hash32(String(seed)), 'client-id')).toLowerCase();
    const clientSecret = spec.clientSecret ?? `sim~${randomBytes(24).toString('base64url')}`;
    const identity: IdentityTenant = { tenantId, domain: model.domain, name: spec.name, clientId, clientSecret };
    const tenant: M365Tenant = { model, overrides: { ...(spec.knobs ?? {}) }, identity, seed, consent: spec.consent ?? true, gdap: spec.gdap ?? true, partner };
    if (spec.certificate) {
      const cert = await createClientCertificate(`ratchet-${id}`);
      identity.certificateKey = publicKeyOfCertificate(cert.certPem);
      tenant.certificatePem = cert.combinedPem;
      tenant.certificatePath = join(certDir, `${id}-client.pem`);
      writeFileSync(tenant.certificatePath, cert.combinedPem, { mode: 0o600 });
    }
    return tenant;
  },

  reprofile(state, profile, change, now) {
    const kept = () => Object.fromEntries(Object.entries(state.overrides).filter(([k]) => NON_GATING.includes(k as keyof KnobOverrides)));
    let overrides: KnobOverrides;
    if (typeof change === 'string') {
      // A profile switch resets the gating knobs to the profile's, keeping the tenant's size.
      overrides = kept();
    } else if ('profile' in change || 'knobs' in change) {
      overrides = { ...kept(), ...((change as { knobs?: KnobOverrides }).knobs ?? {}) };
    } else {
      const k = change as KnobOverrides;
      overrides = { ...state.overrides, ...k, caPolicies: { ...(state.overrides.caPolicies ?? {}), ...(k.caPolicies ?? {}) } };
      if (!k.caPolicies && !state.overrides.caPolicies) delete overrides.caPolicies;
    }
    const model = newModel(state.identity.tenantId, state.identity.name, state.seed, profile, overrides, state.model.domain, now);
    return { ...state, model, overrides };
  },

  keys: (state) => [state.identity.tenantId, state.model.domain.toLowerCase()],

  info(state): M365TenantFields {
    const { identity, model } = state;
    return {
      tenantId: identity.tenantId,
      domain: model.domain,
      clientId: identity.clientId,
      clientSecret: identity.clientSecret,
      ...(state.certificatePem ? { certificatePem: state.certificatePem, certificatePath: state.certificatePath } : {}),
      knobs: model.knobs,
      consent: state.consent,
      gdap: state.gdap,
    };
  },

  expected: (state, faults: FaultConfig) => expectedLevelFor(state.model.profile, state.overrides, faults),

  truth: (state) => state.model.truth(),

  // SPF, DKIM and DMARC of the tenant's mail domains, served by the host's loopback DNS server (mail-dns.ts).
  dnsZone: (state) => mailDnsZone(state.model),

  configSection(view, baseUrl, opts): M365ConfigSection {
    const { identity, certificatePath, partner: msp } = view.state;
    const cloud = { graphEndpoint: baseUrl, authorityHost: baseUrl };
    const portfolio: Omit<M365ConfigSection, keyof VendorConfigSection> = {
      partner: opts.preferCertificate
        ? { section: { clientId: msp.app.clientId, certificatePath: msp.app.certificatePath, partnerTenantId: msp.tenantId, cloud }, secrets: {} }
        : {
            section: { clientId: msp.app.clientId, clientSecret: msp.app.clientSecret, partnerTenantId: msp.tenantId, cloud },
            secrets: { clientSecret: msp.app.clientSecret },
            // One secret for the whole portfolio, e.g. RATCHET_SIM_PARTNER_SECRET (configFor names it).
            secretNames: { clientSecret: 'PARTNER_SECRET' },
          },
      sharedSection: { tenantId: identity.tenantId },
      partnerConsented: view.state.consent === true,
    };
    const shared = { defaults: portfolio.partner, section: portfolio.partnerConsented ? portfolio.sharedSection : undefined };
    if (opts.preferCertificate && certificatePath) {
      return { section: { tenantId: identity.tenantId, clientId: identity.clientId, certificatePath, cloud }, secrets: {}, ...portfolio, shared };
    }
    return {
      section: { tenantId: identity.tenantId, clientId: identity.clientId, clientSecret: identity.clientSecret, cloud },
      secrets: { clientSecret: identity.clientSecret },
      // RATCHET_SIM_<TENANT>_SECRET: the directory's secret is the tenant's first one.
      secretNames: { clientSecret: 'SECRET' },
      ...portfolio,
      shared,
    };
  },
};
