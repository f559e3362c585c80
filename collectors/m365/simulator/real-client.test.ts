/**
 * The point of the simulator: the real @azure/identity + @microsoft/microsoft-graph-client scan it over real
 * sockets with TLS verification on. NODE_EXTRA_CA_CERTS is read at process start, so the client runs in a child
 * process started with it.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFor } from '../../../src/simulator/index.js';
import { startM365Simulator as startSimulator, type M365Simulator as Simulator } from './simulator.js';
import { accessToken, graphGet } from './test-support.js';

const run = promisify(execFile);
const SCRIPT = fileURLToPath(new URL('./fixtures/real-client.mjs', import.meta.url));

interface ClientReport {
  token: { ok: boolean; error?: string; expiresInSeconds?: number };
  paths: Record<string, { items?: number; distinct?: number; count?: number | null; error?: string }>;
  batch: { statuses: number[] } | null;
}

async function runClient(env: Record<string, string | undefined>): Promise<ClientReport> {
  const childEnv: Record<string, string> = {};
  // The child must verify the simulator's certificate against `env`'s CA alone: an inherited CA bundle or any of
  // Node's TLS settings from the parent's environment (every NODE_TLS_* variable) is left out, so none of them could
  // ever make this test pass.
  const inheritable = (k: string) => !k.startsWith('NODE_TLS_') && k !== 'NODE_EXTRA_CA_CERTS';
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && inheritable(k)) childEnv[k] = v;
  for (const [k, v] of Object.entries(env)) if (v !== undefined) childEnv[k] = v;
  const { stdout } = await run(process.execPath, [SCRIPT], { env: childEnv, timeout: 60_000, cwd: fileURLToPath(new URL('../..', import.meta.url)) });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as ClientReport;
}

describe('real Azure SDK clients against the simulator', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({
      tenants: [
        { id: 'contoso', name: 'Contoso Ltd', profile: 'level3', knobs: { users: 2100, devices: 1500 } },
        { id: 'certco', name: 'Cert Co', profile: 'level2', knobs: { users: 30, devices: 10 }, certificate: true },
      ],
    });
  });
  afterAll(async () => {
    await sim.close();
  });

  it('acquires a token with ClientSecretCredential and pages every collection with PageIterator', async () => {
    const t = sim.tenants[0]!;
    const { env } = configFor(sim);
    const truth = sim.truth('contoso');
    const token = await accessToken(sim, t);
    const ids = ((await graphGet(sim, token, '/users?$top=20&$select=id')).json().value as Array<{ id: string }>).map((u) => u.id);
    const paths = [
      '/users?$select=id,userPrincipalName,userType,accountEnabled&$top=999',
      '/users?$filter=accountEnabled eq false&$select=id&$count=true&$top=999',
      '/reports/authenticationMethods/userRegistrationDetails?$select=id,userPrincipalName,userType,isAdmin,isMfaRegistered,isMfaCapable&$top=999',
      '/deviceManagement/managedDevices?$select=id,deviceName,complianceState,lastSyncDateTime,operatingSystem&$top=999',
      "/roleManagement/directory/roleAssignments?$filter=roleDefinitionId eq '62e90394-69f5-4237-9190-012177145e10'&$select=id,principalId,roleDefinitionId,directoryScopeId&$expand=principal",
      '/identity/conditionalAccess/policies?$select=id,displayName,state,conditions,grantControls',
    ];
    const report = await runClient({
      NODE_EXTRA_CA_CERTS: env.NODE_EXTRA_CA_CERTS,
      SIM_URL: sim.url,
      TENANT_ID: t.tenantId,
      CLIENT_ID: t.clientId,
      CLIENT_SECRET: t.clientSecret,
      PATHS: JSON.stringify(paths),
      BATCH_USERS: JSON.stringify(ids),
    });
    expect(report.token).toMatchObject({ ok: true });
    expect(report.token.expiresInSeconds).toBeGreaterThan(3000);
    expect(report.paths[paths[0]!]).toEqual({ items: 2100, distinct: 2100, count: null });
    expect(report.paths[paths[1]!]).toEqual({ items: truth.users.disabled, distinct: truth.users.disabled, count: truth.users.disabled });
    expect(report.paths[paths[2]!]).toEqual({ items: 2100, distinct: 2100, count: null });
    expect(report.paths[paths[3]!]).toEqual({ items: 1500, distinct: 1500, count: null });
    expect(report.paths[paths[4]!]?.items).toBe(truth.admins.globalAdmins);
    expect(report.paths[paths[5]!]?.items).toBeGreaterThanOrEqual(3);
    expect(report.batch?.statuses).toEqual(Array(20).fill(200));
  }, 60_000);

  it('acquires a token with ClientCertificateCredential (client assertion)', async () => {
    const t = sim.tenants[1]!;
    const report = await runClient({
      NODE_EXTRA_CA_CERTS: sim.caPath,
      SIM_URL: sim.url,
      TENANT_ID: t.tenantId,
      CLIENT_ID: t.clientId,
      CERT_PATH: t.certificatePath,
      PATHS: JSON.stringify(['/users?$top=5']),
    });
    expect(report.token).toMatchObject({ ok: true });
    expect(report.paths['/users?$top=5']).toMatchObject({ items: 30 });
  }, 60_000);

  it('surfaces the AADSTS code of a wrong secret through MSAL', async () => {
    const t = sim.tenants[0]!;
    const report = await runClient({ NODE_EXTRA_CA_CERTS: sim.caPath, SIM_URL: sim.url, TENANT_ID: t.tenantId, CLIENT_ID: t.clientId, CLIENT_SECRET: 'not-the-secret' });
    expect(report.token.ok).toBe(false);
    expect(report.token.error).toContain('AADSTS7000215');
  }, 60_000);

  it('fails closed when the CA is not trusted (no verification bypass anywhere)', async () => {
    const t = sim.tenants[0]!;
    sim.resetStats();
    const report = await runClient({ SIM_URL: sim.url, TENANT_ID: t.tenantId, CLIENT_ID: t.clientId, CLIENT_SECRET: t.clientSecret });
    expect(report.token.ok).toBe(false);
    // MSAL reports the failed metadata fetch as endpoints_resolution_error; the handshake failed before any
    // HTTP request reached the simulator.
    expect(report.token.error).toMatch(/endpoints_resolution_error|certificate|UNABLE_TO_VERIFY/i);
    expect(sim.stats().total).toBe(0);
  }, 60_000);
});
