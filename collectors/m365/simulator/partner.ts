/**
 * The MSP's own tenant on the simulator (DESIGN §12): "Ratchet Demo MSP", with its own directory GUID and domain,
 * holding the ONE multi-tenant app an MSP registers (one client id, one client secret, one certificate) and its GDAP
 * relationships with the customers. By default the app is consented in every simulated customer tenant, so a token
 * for a customer's directory is issued to it as to the tenant's own app; a customer's `consent` knob (M365TenantSpec)
 * makes the identity platform refuse it the way Entra does:
 *
 *   consent: true                    (default) the app's service principal exists with the collector's roles
 *   consent: false                   AADSTS700016 (unauthorized_client): app not found in the directory
 *   consent: 'consent-missing'       AADSTS65001 (invalid_grant): the administrator has not consented
 *   consent: 'no-service-principal'  AADSTS7000229 (invalid_client): the app has no service principal there
 *
 * Each customer tenant keeps its own app registration too (the in-house path). In its home tenant the app holds
 * DelegatedAdminRelationship.Read.All, which Graph's `tenantRelationships` endpoints demand (graph-routes.ts).
 * Besides the simulated customers, a few customers exist only as GDAP relationships: they have no data and the app
 * was never consented there, so discovery shows them as not consented. Sources: msp-apis.md ("Partner onboarding"),
 * learn.microsoft.com/graph/api/resources/delegatedadmincustomer and delegatedadminrelationship.
 */
import { createHash, createPublicKey, randomBytes, type KeyObject } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { guid } from '../../../src/simulator/ids.js';
import { hash32 } from '../../../src/simulator/prng.js';
import { createClientCertificate } from '../../../src/simulator/tls.js';
import type { IdentityTenant } from './identity-routes.js';
import { PARTNER_APP_NAME } from './partner-app.js';
import { TenantModel } from './tenant-model.js';

export { CONSENT_KNOBS, PARTNER_APP_NAME, type ConsentKnob, type PartnerAppInTenant } from './partner-app.js';

export const PARTNER_NAME = 'Ratchet Demo MSP';
export const PARTNER_DOMAIN = 'ratchetdemomsp.onmicrosoft.com';
const PARTNER_SEED = 'ratchet-demo-msp';

/** The application permission Graph demands for reading GDAP customers and relationships. */
export const GDAP_READ_ROLE = 'DelegatedAdminRelationship.Read.All';
/** What the partner app holds in its home tenant unless a test withholds it (setPartnerRoles). */
export const PARTNER_HOME_ROLES: readonly string[] = [GDAP_READ_ROLE, 'Organization.Read.All'];

/** A customer known only from its GDAP relationship: no simulated data, the app never consented. */
export interface GdapOnlyCustomer {
  tenantId: string;
  name: string;
  domain: string;
}

/** The MSP's multi-tenant app registration. */
export interface PartnerApp {
  clientId: string;
  clientSecret: string;
  /** Public key of the registered certificate (client assertions are checked against it). */
  certificateKey: KeyObject;
  /** Private key + certificate PEM, and where it was written: a `certificatePath` credential. */
  certificatePem: string;
  certificatePath: string;
}

export interface PartnerTenant {
  tenantId: string;
  domain: string;
  name: string;
  app: PartnerApp;
  /** Application permissions of the app in its home tenant (live: Simulator.setPartnerRoles). */
  roles: string[];
  /** The partner tenant's own directory (a small one), so it answers /organization and friends like any tenant. */
  model: TenantModel;
  /** Customers that exist only as active GDAP relationships (listed by delegatedAdminCustomers, never consented). */
  gdapOnly: readonly GdapOnlyCustomer[];
  /** A former customer: an expired relationship, so absent from delegatedAdminCustomers (as Graph drops it). */
  former: GdapOnlyCustomer;
}

/** What the simulator exposes of the partner (Simulator.partner): ids and app credentials for a config. */
export interface PartnerInfo {
  tenantId: string;
  domain: string;
  name: string;
  clientId: string;
  clientSecret: string;
  certificatePem: string;
  certificatePath: string;
  roles: readonly string[];
  gdapOnly: readonly GdapOnlyCustomer[];
}

const GDAP_ONLY_NAMES = ['Adventure Works Cycles', 'Litware Inc', 'Wide World Importers'];
const FORMER_NAME = 'Proseware Inc';

function gdapCustomer(name: string): GdapOnlyCustomer {
  const label = name.toLowerCase().replace(/[^a-z0-9]+/g, '');
  return { tenantId: guid(hash32(PARTNER_SEED, 'gdap', name), 'tenant-id'), name, domain: `${label}.onmicrosoft.com` };
}

// One key pair per process: RSA generation costs ~0.2 s and every simulator has a partner, while the certificate is
// only a credential the simulator registers (nothing is signed under it that another simulator would trust).
let certificate: Promise<{ certPem: string; combinedPem: string }> | undefined;

/** The partner tenant of one simulator, its app's certificate written to `certDir`. */
export async function createPartner(certDir: string, now: Date | undefined): Promise<PartnerTenant> {
  const tenantId = guid(hash32(PARTNER_SEED), 'tenant-id');
  certificate ??= createClientCertificate('ratchet-msp-partner-app');
  const cert = await certificate;
  // Named by content: simulators of other processes sharing the directory (test workers) each keep their own file,
  // and one already written by this process is never rewritten under a reader.
  const fingerprint = createHash('sha256').update(cert.certPem).digest('hex').slice(0, 12);
  const certificatePath = join(certDir, `partner-client-${fingerprint}.pem`);
  if (!existsSync(certificatePath)) writeFileSync(certificatePath, cert.combinedPem, { mode: 0o600 });
  return {
    tenantId,
    domain: PARTNER_DOMAIN,
    name: PARTNER_NAME,
    app: {
      clientId: guid(hash32(PARTNER_SEED), 'client-id'),
      clientSecret: `sim~${randomBytes(24).toString('base64url')}`,
      certificateKey: createPublicKey(cert.certPem),
      certificatePem: cert.combinedPem,
      certificatePath,
    },
    roles: [...PARTNER_HOME_ROLES],
    model: new TenantModel({ id: tenantId, name: PARTNER_NAME, seed: PARTNER_SEED, profile: 'level4', knobs: { users: 24, devices: 20 }, domain: PARTNER_DOMAIN, now }),
    gdapOnly: GDAP_ONLY_NAMES.map(gdapCustomer),
    former: gdapCustomer(FORMER_NAME),
  };
}

export function partnerInfo(p: PartnerTenant): PartnerInfo {
  return {
    tenantId: p.tenantId,
    domain: p.domain,
    name: p.name,
    clientId: p.app.clientId,
    clientSecret: p.app.clientSecret,
    certificatePem: p.app.certificatePem,
    certificatePath: p.app.certificatePath,
    roles: [...p.roles],
    gdapOnly: p.gdapOnly,
  };
}

/** The partner tenant as the identity platform sees it: the app is its own there, with its home roles. */
export function partnerIdentity(p: PartnerTenant): IdentityTenant {
  return {
    tenantId: p.tenantId,
    domain: p.domain,
    name: p.name,
    clientId: p.app.clientId,
    clientSecret: p.app.clientSecret,
    certificateKey: p.app.certificateKey,
    roles: p.roles,
    appName: PARTNER_APP_NAME,
  };
}

/** A GDAP-only customer at the identity platform: a directory without any app of ours (every token request: 700016). */
export function gdapOnlyIdentity(c: GdapOnlyCustomer, p: PartnerTenant): IdentityTenant {
  return { tenantId: c.tenantId, domain: c.domain, name: c.name, clientId: '', clientSecret: '', partnerApp: { app: p.app, consent: false } };
}

/** One row of `GET /tenantRelationships/delegatedAdminCustomers`. */
export type GdapCustomerRow = {
  id: string;
  tenantId: string;
  displayName: string;
};

/** A customer of the partner as the GDAP routes list it. */
export type GdapCustomer = GdapCustomerRow & {
  /** Relationship state; only `active` ones make a delegatedAdminCustomer. */
  status: 'active' | 'expired';
};

/** What Graph knows of the partner's GDAP relationships, handed to the routes of the partner tenant. */
export interface GdapDirectory {
  partnerTenantId: string;
  /** Every relationship's customer: the simulated ones (those with `gdap` on), the GDAP-only ones, the former one. */
  customers: readonly GdapCustomer[];
  now: Date;
}

/** The GDAP directory of a partner, given the simulated customers listed in it (in the simulator's tenant order). */
export function gdapDirectory(p: PartnerTenant, simulated: readonly { tenantId: string; name: string }[], now: Date): GdapDirectory {
  const row = (c: { tenantId: string; name: string }, status: GdapCustomer['status']): GdapCustomer => ({ id: c.tenantId, tenantId: c.tenantId, displayName: c.name, status });
  return {
    partnerTenantId: p.tenantId,
    customers: [...simulated.map((c) => row(c, 'active')), ...p.gdapOnly.map((c) => row(c, 'active')), row(p.former, 'expired')],
    now,
  };
}

/** Rows of `GET /tenantRelationships/delegatedAdminCustomers`: one per customer with an active relationship. */
export function delegatedAdminCustomers(d: GdapDirectory): GdapCustomerRow[] {
  return d.customers.filter((c) => c.status === 'active').map(({ id, tenantId, displayName }) => ({ id, tenantId, displayName }));
}

const DAY = 86_400_000;
/** Directory role templates a typical MSP GDAP relationship requests (Global Reader, Security Reader, Helpdesk Administrator). */
const GDAP_ROLES = ['f2ef992c-3afb-46b9-b7cf-a126ee74c451', '5d6b6bb7-de71-4623-b4af-96380a352509', '729827e3-9c14-49f7-bb1b-9608f156bbb8'];

/** Rows of `GET /tenantRelationships/delegatedAdminRelationships` (fields of the delegatedAdminRelationship resource). */
export function delegatedAdminRelationships(d: GdapDirectory): Record<string, unknown>[] {
  return d.customers.map((c) => {
    const h = hash32(d.partnerTenantId, 'relationship', c.tenantId);
    const created = new Date(d.now.getTime() - (30 + (h % 400)) * DAY);
    const activated = new Date(created.getTime() + DAY);
    const expired = c.status === 'expired';
    // An expired relationship ran its two years out; an active one has time left (auto-extended by 180 days).
    const end = expired ? new Date(d.now.getTime() - 10 * DAY) : new Date(activated.getTime() + 730 * DAY);
    return {
      id: `${guid(h, 'relationship')}-${c.tenantId}`,
      displayName: `Ratchet GDAP ${c.displayName}`.slice(0, 50),
      duration: 'P730D',
      status: c.status,
      autoExtendDuration: expired ? 'PT0S' : 'P180D',
      createdDateTime: created.toISOString(),
      lastModifiedDateTime: activated.toISOString(),
      activatedDateTime: activated.toISOString(),
      endDateTime: end.toISOString(),
      customer: { tenantId: c.tenantId, displayName: c.displayName },
      accessDetails: { unifiedRoles: GDAP_ROLES.map((roleDefinitionId) => ({ roleDefinitionId })) },
    };
  });
}

/**
 * A directory of the partner's world that is not a simulated tenant, by GUID or domain: the partner tenant itself,
 * or a GDAP-only (or former) customer. Undefined for any other key.
 */
export function partnerWorldTenant(p: PartnerTenant, key: string): IdentityTenant | undefined {
  const k = key.toLowerCase();
  if (k === p.tenantId || k === p.domain) return partnerIdentity(p);
  const customer = [...p.gdapOnly, p.former].find((c) => c.tenantId === k || c.domain === k);
  return customer && gdapOnlyIdentity(customer, p);
}
