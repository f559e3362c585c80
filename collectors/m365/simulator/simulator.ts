/**
 * The simulator host seen through its Microsoft 365 directory: the same running simulator, with the tenant info,
 * ground truth and profile changes typed as the Microsoft 365 simulator (api.ts) fills them, and `describeSimulator`
 * for `ratchet simulate`. Tests of this folder start a simulator here; src/app/simulator.ts types its own with it.
 */
import { startSimulator as startHost, type SimulatedTenantInfo, type Simulator, type SimulatorOptions } from '../../../src/simulator/index.js';
import { m365Simulator, type M365ProfileChange, type M365Tenant, type M365TenantFields, type M365TenantSpec } from './api.js';
import { CONSENT_KNOBS, partnerInfo, type ConsentKnob, type PartnerInfo } from './partner.js';
import type { TenantModel, TenantTruth } from './tenant-model.js';

export type M365TenantInfo = SimulatedTenantInfo & M365TenantFields;

export interface M365Simulator extends Omit<Simulator, 'tenants' | 'setProfile' | 'truth'> {
  tenants: M365TenantInfo[];
  /** Switch a tenant's data live (by config id, tenant GUID or domain); returns the updated info. */
  setProfile(tenant: string, change: M365ProfileChange): M365TenantInfo;
  /** What a correct collector must report for the tenant (the evidence vocabulary, DESIGN §6). */
  truth(tenant: string): TenantTruth;
  /** The tenant's generator (ground truth for tests). */
  model(tenant: string): TenantModel;
  /**
   * The MSP's partner tenant (partner.ts): its ids and its multi-tenant app's credentials, for `defaults.m365`.
   * Every simulator with at least one tenant has one; reading it without tenants throws.
   */
  readonly partner: PartnerInfo;
  /** Grant or withdraw the partner app's consent in a tenant, live (`false`, `'consent-missing'`, `'no-service-principal'`). */
  setConsent(tenant: string, consent: ConsentKnob): M365TenantInfo;
  /** The application permissions the partner app holds in its home tenant from the next token on (default: GDAP read). */
  setPartnerRoles(roles: readonly string[]): void;
}

export interface M365SimulatorOptions extends Omit<SimulatorOptions, 'tenants'> {
  tenants?: readonly M365TenantSpec[];
}

/** Type a running simulator that serves the Microsoft 365 directory (the same object, with `model` added). */
export function asM365(sim: Simulator): M365Simulator {
  const state = (tenant: string) => sim.directoryState(tenant) as M365Tenant;
  // Every tenant's state holds the same partner (created with the first tenant).
  const partner = () => {
    const first = sim.tenants[0];
    if (!first) throw new Error('this simulator has no tenants, so no partner tenant either');
    return state(first.id).partner;
  };
  const typed = Object.assign(sim, {
    model: (tenant: string) => state(tenant).model,
    setConsent: (tenant: string, consent: ConsentKnob) => {
      if (!CONSENT_KNOBS.includes(consent)) throw new Error(`unknown consent ${JSON.stringify(consent)} (one of ${CONSENT_KNOBS.map((c) => JSON.stringify(c)).join(', ')})`);
      // The state object is the one the request views hold, so the change applies to the next token request.
      const s = state(tenant);
      s.consent = consent;
      const info = (sim.tenants as M365TenantInfo[]).find((t) => t.tenantId === s.identity.tenantId)!;
      info.consent = consent;
      return info;
    },
    setPartnerRoles: (roles: readonly string[]) => {
      partner().roles = [...roles];
    },
  });
  Object.defineProperty(typed, 'partner', { get: () => partnerInfo(partner()), enumerable: true });
  return typed as unknown as M365Simulator;
}

/** A simulator serving the Microsoft 365 directory, plus `options.vendors` (none by default). */
export async function startM365Simulator(options: M365SimulatorOptions = {}): Promise<M365Simulator> {
  return asM365(await startHost({ ...options, vendors: [m365Simulator, ...(options.vendors ?? [])] }));
}

/** A few lines for `ratchet simulate`: where the endpoints are and what each tenant should score. */
export function describeSimulator(sim: Pick<M365Simulator, 'url' | 'caPath' | 'tenants' | 'partner'> & { dns?: string | null }): string {
  const lines = [
    `Graph:     ${sim.url}/v1.0`,
    `Identity:  ${sim.url}/{tenant}/oauth2/v2.0/token`,
    `CA:        ${sim.caPath} (NODE_EXTRA_CA_CERTS)`,
  ];
  // The mail domains' SPF, DKIM and DMARC (m365 config dns.servers).
  if (sim.dns) lines.push(`DNS:       ${sim.dns} (UDP and TCP)`);
  const partner = sim.tenants.length > 0 ? sim.partner : undefined;
  if (partner) lines.push(`Partner:   ${partner.name} ${partner.tenantId} (${partner.domain}), app ${partner.clientId}`);
  lines.push('Tenants:');
  for (const t of sim.tenants) {
    const expected = t.expectedLevel === null ? 'custom knobs' : `expected level ${t.expectedLevel}${t.expectedPotential !== t.expectedLevel ? ` (potential ${t.expectedPotential})` : ''}`;
    const consent = t.consent === true ? '' : `  partner app not consented (${t.consent === false ? 'AADSTS700016' : t.consent})`;
    lines.push(`  ${t.id.padEnd(12)} ${t.tenantId}  ${t.profile}  ${t.knobs.users} users, ${t.knobs.devices} devices  ${expected}${consent}`);
  }
  return lines.join('\n');
}
