/**
 * Every credential mode through the real @azure/identity against the simulator's identity platform over TLS (its
 * CA trusted through NODE_EXTRA_CA_CERTS, verification on): the partner's multi-tenant app gets a Graph token for a
 * customer tenant with a PEM, a PFX, a workload identity token file, or — in a child process, because msal-node reads
 * IDENTITY_ENDPOINT/IDENTITY_HEADER from its environment and caches the source per process — a managed identity,
 * through the real `ratchet doctor`. Doctor names the credential it used and, for a tenant that has not consented,
 * the admin-consent URL on the tenant's own authority.
 */
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir, writeConfig } from '../../bench/lib/cli.js';
import { selfCommand } from '../../src/cli/self.js';
import type { DoctorCheck } from '../../src/collector-kit/plugin.js';
import { makeTestCertificate, pfxFromPem } from '../../src/collector-kit/testing/client-certificates.js';
import { simulatorCollectorContext } from '../../src/simulator/test-support.js';
import { m365ConfigSchema } from './config.js';
import { managedIdentityFailure, tokenExchangeAudience, workloadTokenFile } from './credentials.js';
import { m365Plugin } from './index.js';
import { MANAGED_IDENTITIES, managedIdentityEnvironment, writeWorkloadIdentityToken } from './simulator/federation.js';
import { startM365Simulator, type M365Simulator } from './simulator/simulator.js';

const run = promisify(execFile);
/** A user-assigned identity the simulated host does not have. */
const NOT_ON_THIS_HOST = '99999999-9999-4999-8999-999999999999';
const PFX_PASSWORD = 'pfx-export-Pa55word';

let sim: M365Simulator;
let dir: string;
const context = () => simulatorCollectorContext('contoso');

beforeAll(async () => {
  dir = tempDir('ratchet-m365-credentials-');
  sim = await startM365Simulator({
    certDir: process.env.RATCHET_TEST_CA_DIR,
    tenants: [
      { id: 'contoso', name: 'Contoso Ltd', profile: 'level3', knobs: { users: 12, devices: 3 } },
      { id: 'fabrikam', name: 'Fabrikam Inc', profile: 'level2', knobs: { users: 12, devices: 3 } },
      { id: 'northwind', name: 'Northwind Traders', profile: 'level2', knobs: { users: 12, devices: 3 } },
      { id: 'unconsented', name: 'Unconsented Ltd', profile: 'level2', knobs: { users: 12, devices: 3 }, consent: false },
      { id: 'woodgrove', name: 'Woodgrove Bank', profile: 'level2', knobs: { users: 12, devices: 3 } },
    ],
  });
});

afterAll(async () => {
  await sim?.close();
});

/** The partner app's section for a customer tenant of the simulator, with `credential` as its credential. */
function section(tenant: string, credential: Record<string, unknown>) {
  const t = sim.tenants.find((x) => x.id === tenant)!;
  return m365ConfigSchema.parse({ tenantId: t.tenantId, clientId: sim.partner.clientId, cloud: { graphEndpoint: sim.url, authorityHost: sim.url }, ...credential });
}

const find = (checks: DoctorCheck[], name: string) => checks.find((c) => c.check === name);
const partnerThumbprint = () => new X509Certificate(sim.partner.certificatePem).fingerprint.replace(/:/g, '');

describe('certificate credentials', () => {
  it('PEM: doctor names the certificate by thumbprint, gets a token and reads Graph', async () => {
    const checks = await m365Plugin.doctor(section('contoso', { certificatePath: sim.partner.certificatePath }), context());
    expect(find(checks, 'credential')).toEqual({ check: 'credential', ok: true, detail: `client certificate ${partnerThumbprint()} from PEM for app ${sim.partner.clientId}` });
    expect(find(checks, 'token')?.ok).toBe(true);
    expect(find(checks, 'GET /users')?.ok).toBe(true);
  });

  it('PFX with a password: converted in memory, the same certificate, a token and a scan', async () => {
    const pfx = join(dir, 'partner.pfx');
    writeFileSync(pfx, pfxFromPem(sim.partner.certificatePem, PFX_PASSWORD), { mode: 0o600 });
    const config = section('contoso', { certificatePath: pfx, certificatePassword: PFX_PASSWORD });
    const checks = await m365Plugin.doctor(config, context());
    expect(find(checks, 'credential')?.detail).toBe(`client certificate ${partnerThumbprint()} from PFX for app ${sim.partner.clientId}`);
    expect(find(checks, 'token')?.ok).toBe(true);
    const result = await m365Plugin.collect(config, { ...context(), only: ['m365.secure_score'] });
    expect(result.status).toBe('ok');
  });

  it('PFX with a wrong password: the credential check and the scan name certificatePassword, never the password', async () => {
    const pfx = join(dir, 'locked.pfx');
    writeFileSync(pfx, pfxFromPem(sim.partner.certificatePem, PFX_PASSWORD), { mode: 0o600 });
    const config = section('contoso', { certificatePath: pfx, certificatePassword: 'not-the-export-password' });
    const checks = await m365Plugin.doctor(config, context());
    expect(find(checks, 'credential')).toMatchObject({ ok: false, detail: `certificatePath: ${pfx}: certificatePassword does not open this PKCS#12 (PFX) file (wrong password): set certificatePassword to the password it was exported with` });
    expect(find(checks, 'token')).toMatchObject({ ok: false, detail: 'not checked: no credential' });
    const result = await m365Plugin.collect(config, context());
    expect(result.status).toBe('error');
    expect(result.error).toContain('certificatePassword does not open this PKCS#12 (PFX) file');
    expect(JSON.stringify([checks, result])).not.toContain('not-the-export-password');
  });

  it('a certificate the app does not have is refused by the identity platform', async () => {
    const stranger = join(dir, 'stranger.pem');
    writeFileSync(stranger, makeTestCertificate('stranger').combinedPem, { mode: 0o600 });
    const checks = await m365Plugin.doctor(section('contoso', { certificatePath: stranger }), context());
    expect(find(checks, 'credential')?.ok).toBe(true);
    expect(find(checks, 'token')).toMatchObject({ ok: false, detail: expect.stringContaining('AADSTS700027') });
  });
});

describe('workload identity (AKS / Container Apps token file)', () => {
  it('exchanges the projected service-account token: doctor names the token file, the scan runs', async () => {
    const file = writeWorkloadIdentityToken(sim.url, join(dir, 'azure-identity-token'));
    const config = section('fabrikam', { workloadIdentity: { tokenFilePath: file } });
    const checks = await m365Plugin.doctor(config, context());
    expect(find(checks, 'credential')?.detail).toBe(`workload identity (token file ${file}) for app ${sim.partner.clientId}`);
    expect(find(checks, 'token')).toMatchObject({ ok: true, detail: expect.stringContaining('(workload identity (token file') });
    expect((await m365Plugin.collect(config, { ...context(), only: ['m365.secure_score'] })).status).toBe('ok');
  });

  it('a service account the app does not trust: AADSTS70021 in one clear line', async () => {
    const file = writeWorkloadIdentityToken(sim.url, join(dir, 'other-sa-token'), { subject: 'system:serviceaccount:default:default' });
    const token = find(await m365Plugin.doctor(section('fabrikam', { workloadIdentity: { tokenFilePath: file } }), context()), 'token')!;
    expect(token.ok).toBe(false);
    expect(token.detail).toMatch(/failed: AADSTS70021 No matching federated identity record found for presented assertion\. Assertion Issuer: '.*\/federation\/kubernetes'\. Assertion Subject: 'system:serviceaccount:default:default'/);
    expect(token.detail).not.toContain('\n');
  });

  it('without a token file anywhere, says where one comes from', async () => {
    expect(workloadTokenFile({ workloadIdentity: {} }, {})).toBeUndefined();
    expect(workloadTokenFile({ workloadIdentity: {} }, { AZURE_FEDERATED_TOKEN_FILE: '/var/run/secrets/azure/tokens/azure-identity-token' })).toBe('/var/run/secrets/azure/tokens/azure-identity-token');
    expect(workloadTokenFile({ workloadIdentity: { tokenFilePath: '/t' } }, { AZURE_FEDERATED_TOKEN_FILE: '/other' })).toBe('/t');
    const saved = process.env.AZURE_FEDERATED_TOKEN_FILE;
    delete process.env.AZURE_FEDERATED_TOKEN_FILE;
    try {
      const checks = await m365Plugin.doctor(section('fabrikam', { workloadIdentity: true }), context());
      expect(find(checks, 'credential')).toMatchObject({ ok: false, detail: expect.stringMatching(/^workloadIdentity: no token file: set workloadIdentity\.tokenFilePath, or run where .*AZURE_FEDERATED_TOKEN_FILE/) });
    } finally {
      if (saved !== undefined) process.env.AZURE_FEDERATED_TOKEN_FILE = saved;
    }
  });

  it('says where a managed identity should have come from when no endpoint answers', () => {
    expect(managedIdentityFailure(new Error('ManagedIdentityCredential: Network unreachable. Message: network_error: See https://aka.ms/msal.js.errors#network_error'))).toMatch(
      /^no managed identity endpoint answered \(off Azure there is none; on App Service and Container Apps the platform sets IDENTITY_ENDPOINT/,
    );
  });

  it('uses each cloud’s token-exchange audience', () => {
    expect(tokenExchangeAudience({ name: 'global' })).toBe('api://AzureADTokenExchange');
    expect(tokenExchangeAudience({ name: 'custom' })).toBe('api://AzureADTokenExchange');
    expect(tokenExchangeAudience({ name: 'usgovdod' })).toBe('api://AzureADTokenExchangeUSGov');
    expect(tokenExchangeAudience({ name: 'china' })).toBe('api://AzureADTokenExchangeChina');
  });
});

describe('admin consent', () => {
  it('doctor prints the unconsented tenant’s admin-consent URL on its cloud’s authority', async () => {
    const t = sim.tenants.find((x) => x.id === 'unconsented')!;
    const checks = await m365Plugin.doctor(section('unconsented', { clientSecret: sim.partner.clientSecret }), context());
    expect(find(checks, 'token')).toMatchObject({ ok: false, detail: expect.stringContaining('AADSTS700016') });
    expect(find(checks, 'admin consent')).toEqual({
      check: 'admin consent',
      ok: false,
      detail: `app ${sim.partner.clientId} is not consented in tenant ${t.tenantId} (AADSTS700016): a Global Administrator of the tenant grants it at ${sim.url}/${t.tenantId}/adminconsent?client_id=${sim.partner.clientId}`,
    });
  });
});

describe('managed identity through the real CLI (child process)', () => {
  it('system- and user-assigned identities via federated credential; an untrusted one gets AADSTS70021; the unconsented tenant its consent URL', async () => {
    const byId = (id: string) => sim.tenants.find((t) => t.id === id)!;
    const cloud = { graphEndpoint: sim.url, authorityHost: sim.url };
    const own = (id: string, miClientId: string) => ({ tenantId: byId(id).tenantId, clientId: sim.partner.clientId, managedIdentity: { clientId: miClientId }, cloud });
    const path = writeConfig(dir, {
      storage: { url: `sqlite:${join(dir, 'ratchet.db')}` },
      defaults: { m365: { clientId: sim.partner.clientId, managedIdentity: {}, partnerTenantId: sim.partner.tenantId, cloud } },
      tenants: [
        { id: 'contoso', name: 'Contoso Ltd', m365: { tenantId: byId('contoso').tenantId } },
        { id: 'unconsented', name: 'Unconsented Ltd', m365: { tenantId: byId('unconsented').tenantId } },
        { id: 'fabrikam', name: 'Fabrikam Inc', m365: own('fabrikam', MANAGED_IDENTITIES.userAssigned.clientId) },
        { id: 'northwind', name: 'Northwind Traders', m365: own('northwind', MANAGED_IDENTITIES.untrusted.clientId) },
        { id: 'woodgrove', name: 'Woodgrove Bank', m365: own('woodgrove', NOT_ON_THIS_HOST) },
      ],
    });
    // The child verifies the simulator against the test CA alone; none of the parent's TLS settings is inherited.
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('NODE_TLS_') && k !== 'NODE_EXTRA_CA_CERTS' && !k.startsWith('IDENTITY_')) env[k] = v;
    Object.assign(env, { NODE_EXTRA_CA_CERTS: sim.caPath, ...managedIdentityEnvironment(sim.url) });
    const self = selfCommand();
    const child = await run(self.command, [...self.args, '--config', path, 'doctor'], { env, timeout: 90_000 }).then(
      (r) => ({ code: 0, stdout: r.stdout }),
      (e: { code?: number; stdout?: string; stderr?: string }) => ({ code: e.code ?? -1, stdout: `${e.stdout ?? ''}${e.stderr ?? ''}` }),
    );
    const out = child.stdout;
    const block = (name: string) => {
      const start = out.indexOf(`${name} (`);
      expect(start, out).toBeGreaterThanOrEqual(0);
      // The tenant's heading, then its indented check lines up to the next heading.
      const body = out.indexOf('\n', start) + 1;
      const next = out.slice(body).search(/^\S/m);
      return next < 0 ? out.slice(start) : out.slice(start, body + next);
    };
    const app = sim.partner.clientId;
    expect(block('Contoso Ltd')).toContain(`ok   m365     credential — managed identity (system-assigned) via federated credential for app ${app}`);
    expect(block('Contoso Ltd')).toMatch(/ok {3}m365 {5}token — token for .* \(managed identity \(system-assigned\) via federated credential\)/);
    expect(block('Contoso Ltd')).toMatch(/ok {3}m365 {5}GET \/users — readable/);
    expect(block('Fabrikam Inc')).toContain(`ok   m365     credential — managed identity (user-assigned ${MANAGED_IDENTITIES.userAssigned.clientId}) via federated credential`);
    expect(block('Fabrikam Inc')).toMatch(/ok {3}m365 {5}token — /);
    expect(block('Northwind Traders')).toMatch(/FAIL m365 {5}token — .*AADSTS70021 No matching federated identity record found/);
    const unconsented = byId('unconsented').tenantId;
    expect(block('Unconsented Ltd')).toMatch(/FAIL m365 {5}token — .*AADSTS700016/);
    expect(block('Unconsented Ltd')).toContain(`FAIL m365     admin consent — app ${app} is not consented in tenant ${unconsented} (AADSTS700016): a Global Administrator of the tenant grants it at ${sim.url}/${unconsented}/adminconsent?client_id=${app}`);
    // The endpoint's own sentence, not MSAL's wrapping of it.
    expect(block('Woodgrove Bank')).toMatch(
      new RegExp(`FAIL m365 {5}token — .*failed: managed identity \\(user-assigned ${NOT_ON_THIS_HOST}\\) got no api://AzureADTokenExchange token: No User Assigned or Delegated Managed Identity found`),
    );
    expect(child.code).toBe(1);
  }, 120_000);
});
