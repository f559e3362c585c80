/**
 * Files a config names are checked when the config loads: a wrong path is a config error naming the field, exit 2,
 * before any vendor is contacted — not an ENOENT in the middle of a scan (exit 3).
 */
import { join } from 'node:path';
import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CLIENT_ID, LOGIN, GRAPH, SECRET, TENANT, TEST_DNS } from '../../../collectors/m365/test-support.js';
import { runCli, tempDir, writeConfig } from '../../../bench/lib/cli.js';

const ENV = { CONTOSO_SECRET: SECRET };

let dir: string;
beforeEach(() => {
  // Any request would fail the test: the config error must come first.
  nock.disableNetConnect();
  dir = tempDir();
});
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

function config(tenant: Record<string, unknown>, extra: Record<string, unknown> = {}): string {
  return writeConfig(dir, { storage: { url: `sqlite:${join(dir, 'ratchet.db')}` }, tenants: [{ id: 'contoso', name: 'Contoso Ltd', ...tenant }], ...extra });
}

const m365 = { tenantId: TENANT, clientId: CLIENT_ID, clientSecret: '${env:CONTOSO_SECRET}', cloud: { graphEndpoint: GRAPH, authorityHost: LOGIN }, dns: { servers: [TEST_DNS], timeoutMs: 500 } };

describe('files named by the config', () => {
  it('scan: a missing rmm caFile exits 2 naming the field, the path and the fix', async () => {
    const path = config({ rmm: { provider: 'ninjaone', baseUrl: 'https://eu.ninjarmm.com', clientId: 'abc', clientSecret: '${env:CONTOSO_SECRET}', caFile: '/nonexistent/ca.pem' } });
    const r = await runCli(['--config', path, 'scan', '--format', 'json'], ENV);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('tenants[0].rmm.caFile: file not found: /nonexistent/ca.pem (check the path; it is read when the config loads)');
  });

  it('doctor: a missing m365 certificatePath exits 2 naming the field', async () => {
    const { clientSecret: _secret, ...withoutSecret } = m365;
    const path = config({ m365: { ...withoutSecret, certificatePath: join(dir, 'contoso.pem') } });
    const r = await runCli(['--config', path, 'doctor'], ENV);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`tenants[0].m365.certificatePath: file not found: ${join(dir, 'contoso.pem')} (check the path; it is read when the config loads)`);
  });

  it('a missing rules.path exits 2 naming it (checked when the rules load)', async () => {
    const path = config({ m365 }, { rules: { path: join(dir, 'no-such-rules') } });
    const r = await runCli(['--config', path, 'scan'], ENV);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no-such-rules: rule path not found \(set rules\.path/);
  });
});
