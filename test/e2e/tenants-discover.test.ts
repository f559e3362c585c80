/**
 * `ratchet tenants discover` end to end: the real CLI (in-process main) reads a portfolio config — defaults.m365 with
 * the partner's app, its secret as `${env:…}`, `include: tenants.d/*.yaml` — and discovers the simulator's GDAP
 * customers over TLS with the real @azure/identity and Graph client. `--write` leaves tenant files the loader reads
 * back as tenants on defaults.m365; a second run writes nothing over them.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { PLUGINS } from '../../collectors/index.js';
import { PARTNER_HOME_ROLES } from '../../collectors/m365/simulator/partner.js';
import { runCli, tempDir } from '../../bench/lib/cli.js';
import { startSimulator, type Simulator } from '../../src/app/simulator.js';
import { loadConfig } from '../../src/config/load.js';

const SECRET_ENV = 'RATCHET_PARTNER_SECRET';
const small = { users: 10, devices: 5 };

interface JsonCustomer {
  tenantId: string;
  name: string;
  consent: { state: string; code?: string; adminConsentUrl?: string };
  configured: string | null;
  newId?: string;
  file?: { path: string; status: string };
}

describe('ratchet tenants discover', () => {
  let sim: Simulator;
  let dir: string;
  let configPath: string;
  let env: Record<string, string>;
  const tenant = (id: string) => sim.tenants.find((t) => t.id === id)!;

  beforeAll(async () => {
    const certDir = process.env.RATCHET_TEST_CA_DIR;
    if (!certDir) throw new Error('RATCHET_TEST_CA_DIR missing: run through vitest (test/global-setup.ts)');
    sim = await startSimulator({
      certDir,
      tenants: [
        { id: 'alpha', name: 'Alpha Corp', profile: 'level3', knobs: small },
        { id: 'bravo', name: 'Bravo Ltd', profile: 'level2', knobs: small, consent: false },
        { id: 'charlie', name: 'Charlie & Co.', profile: 'level2', knobs: small, consent: 'consent-missing' },
        // Two customers whose names make the same id: the second gets a suffix.
        { id: 'delta-1', name: 'Delta GmbH', profile: 'level2', knobs: small, seed: 'delta-one' },
        { id: 'delta-2', name: 'Delta  GmbH', profile: 'level2', knobs: small, seed: 'delta-two', domain: 'deltagmbh2.onmicrosoft.com' },
      ],
    });
    dir = tempDir('ratchet-discover-');
    env = { [SECRET_ENV]: sim.partner.clientSecret };
    configPath = join(dir, 'ratchet.yaml');
    writeConfig();
  });
  afterAll(async () => {
    await sim.close();
  });

  function writeConfig(m365: Record<string, unknown> = {}): void {
    const config = {
      storage: { url: `sqlite:${join(dir, 'ratchet.db')}` },
      defaults: {
        m365: {
          clientId: sim.partner.clientId,
          clientSecret: `\${env:${SECRET_ENV}}`,
          partnerTenantId: sim.partner.tenantId,
          cloud: { graphEndpoint: sim.url, authorityHost: sim.url },
          ...m365,
        },
      },
      include: ['tenants.d/*.yaml'],
      // Alpha is configured already, through defaults.m365; so is the in-house "Delta GmbH" under another id.
      tenants: [
        { id: 'alpha', name: 'Alpha Corp', m365: { tenantId: tenant('alpha').tenantId } },
        { id: 'delta-gmbh', name: 'Delta GmbH (in-house app)', m365: { tenantId: tenant('delta-1').tenantId, clientId: tenant('delta-1').clientId, clientSecret: 'literal-in-test' } },
      ],
    };
    writeFileSync(configPath, stringify(config));
  }

  const discover = (...args: string[]) => runCli(['--config', configPath, 'tenants', 'discover', ...args], env);

  it('lists every customer with its consent state, admin-consent URL and whether it is configured', async () => {
    const run = await discover();
    expect(run.code, run.stderr).toBe(0);
    const out = run.stdout;
    const customers = 5 + sim.partner.gdapOnly.length;
    expect(out).toContain(`Customers of partner tenant ${sim.partner.tenantId}: ${customers} found, 3 consented, ${customers - 3} not consented, 0 unknown; 2 configured.`);
    const line = (name: string) => out.split('\n').find((l) => l.startsWith(`${name}  `)) ?? '';
    expect(line('Alpha Corp')).toMatch(new RegExp(`^Alpha Corp\\s+${tenant('alpha').tenantId}\\s+consented\\s+alpha$`));
    expect(line('Bravo Ltd')).toMatch(/not consented\s+no \(new id: bravo-ltd\)$/);
    expect(out).toContain(`    admin consent: ${sim.url}/${tenant('bravo').tenantId}/adminconsent?client_id=${sim.partner.clientId} (AADSTS700016)`);
    expect(out).toContain(`(AADSTS65001)`);
    expect(line('Delta GmbH')).toMatch(/consented\s+delta-gmbh$/);
    for (const c of sim.partner.gdapOnly) expect(line(c.name)).toMatch(/not consented/);
    expect(`${run.stdout}${run.stderr}${run.logs}`).not.toContain(sim.partner.clientSecret);
  });

  it('prints one JSON document, and tenant entries ready to paste as YAML', async () => {
    const json = await discover('--format', 'json');
    expect(json.code, json.stderr).toBe(0);
    const doc = JSON.parse(json.stdout) as { partnerTenantId: string; customers: JsonCustomer[] };
    expect(doc.partnerTenantId).toBe(sim.partner.tenantId);
    const byTenant = new Map(doc.customers.map((c) => [c.tenantId, c]));
    expect(byTenant.get(tenant('alpha').tenantId)).toMatchObject({ configured: 'alpha', consent: { state: 'consented' } });
    expect(byTenant.get(tenant('charlie').tenantId)).toMatchObject({ configured: null, newId: 'charlie-co', consent: { state: 'not-consented', code: 'AADSTS65001' } });
    expect(byTenant.get(tenant('delta-2').tenantId)).toMatchObject({ configured: null, newId: 'delta-gmbh-2' });

    const yaml = await discover('--format', 'yaml');
    expect(yaml.code, yaml.stderr).toBe(0);
    const pasted = parse(yaml.stdout) as { tenants: Array<{ id: string; name: string; m365: { tenantId: string } }> };
    expect(pasted.tenants.map((t) => t.id)).toEqual(doc.customers.filter((c) => !c.configured).map((c) => c.newId));
    expect(pasted.tenants[0]).toEqual({ id: 'bravo-ltd', name: 'Bravo Ltd', m365: { tenantId: tenant('bravo').tenantId } });
    expect(yaml.stdout).toMatch(/# consent: MISSING \(AADSTS700016\): a Global Administrator of the customer grants it at https:\/\//);
  });

  it('--write leaves one tenant file per new customer that loads as a tenant on defaults.m365, and never overwrites', async () => {
    const tenantsDir = join(dir, 'tenants.d');
    const run = await discover('--write', tenantsDir);
    expect(run.code, run.stderr).toBe(0);
    const expectedIds = ['bravo-ltd', 'charlie-co', 'delta-gmbh-2', ...sim.partner.gdapOnly.map((c) => c.name.toLowerCase().replace(/[^a-z0-9]+/g, '-'))];
    expect(readdirSync(tenantsDir).sort()).toEqual(expectedIds.map((id) => `${id}.yaml`).sort());
    expect(run.stdout).toMatch(/wrote \S*tenants\.d\/bravo-ltd\.yaml \(Bravo Ltd\)/);

    const bravoText = readFileSync(join(tenantsDir, 'bravo-ltd.yaml'), 'utf8');
    expect(bravoText).toMatch(/^# Written by `ratchet tenants discover --write` at .*: a customer of partner tenant /);
    expect(bravoText).toContain('ratchet tenants map');
    expect(parse(bravoText)).toEqual({ id: 'bravo-ltd', name: 'Bravo Ltd', m365: { tenantId: tenant('bravo').tenantId } });

    // The config with the written files: each is a tenant whose app and credential come from defaults.m365.
    const { config, origins } = loadConfig(configPath, PLUGINS, env);
    expect(config.tenants.map((t) => t.id).sort()).toEqual(['alpha', 'delta-gmbh', ...expectedIds].sort());
    const bravo = config.tenants.find((t) => t.id === 'bravo-ltd')!;
    expect(bravo.m365).toMatchObject({ tenantId: tenant('bravo').tenantId, clientId: sim.partner.clientId, clientSecret: sim.partner.clientSecret });
    expect(origins[config.tenants.indexOf(bravo)]).toMatchObject({ file: join(tenantsDir, 'bravo-ltd.yaml'), path: [], m365FromDefaults: true });

    // Run again: the written customers are configured now, so nothing is written and the files stay as they were.
    const again = await discover('--write', tenantsDir, '--format', 'json');
    expect(again.code, again.stderr).toBe(0);
    const doc = JSON.parse(again.stdout) as { customers: JsonCustomer[] };
    expect(doc.customers.every((c) => c.configured !== null)).toBe(true);
    expect(doc.customers.find((c) => c.tenantId === tenant('bravo').tenantId)!.configured).toBe('bravo-ltd');
    expect(again.stderr).toContain('no file written: every customer is configured already');
    expect(readFileSync(join(tenantsDir, 'bravo-ltd.yaml'), 'utf8')).toBe(bravoText);
  });

  it('--write into a directory the config does not include: the second run says "skipped, exists"', async () => {
    const elsewhere = join(dir, 'drafts');
    const first = await discover('--write', elsewhere, '--format', 'json');
    expect(first.code, first.stderr).toBe(0);
    // Every customer but the two configured ones is now in tenants.d, so no new one remains.
    expect(existsSync(elsewhere)).toBe(false);

    // With tenants.d out of the config, the drafts directory gets them; a second run keeps what is there.
    writeFileSync(configPath, readFileSync(configPath, 'utf8').replace('- tenants.d/*.yaml', '- none.d/*.yaml'));
    const written = await discover('--write', elsewhere);
    expect(written.code, written.stderr).toBe(0);
    expect(written.stdout).toMatch(/wrote .*drafts\/bravo-ltd\.yaml \(Bravo Ltd\)/);
    writeFileSync(join(elsewhere, 'bravo-ltd.yaml'), '# edited by hand\nid: bravo-ltd\nname: Bravo (edited)\nm365: { tenantId: x }\n');
    const second = await discover('--write', elsewhere);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toMatch(/skipped .*drafts\/bravo-ltd\.yaml: exists \(Bravo Ltd\)/);
    expect(second.stdout).not.toMatch(/wrote /);
    expect(readFileSync(join(elsewhere, 'bravo-ltd.yaml'), 'utf8')).toContain('# edited by hand');
    writeConfig();
  });

  it('exits 2 naming defaults.m365.partnerTenantId when it is missing', async () => {
    writeConfig({ partnerTenantId: undefined });
    try {
      const run = await discover();
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('defaults.m365.partnerTenantId');
      expect(run.stdout).toBe('');
    } finally {
      writeConfig();
    }
  });

  it('exits 1 naming DelegatedAdminRelationship.Read.All when the partner app lacks it', async () => {
    sim.setPartnerRoles(['Organization.Read.All']);
    try {
      const run = await discover('--format', 'json');
      expect(run.code).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(/^ratchet: discovery failed: GET \/tenantRelationships\/delegatedAdminCustomers was refused in the partner tenant/);
      expect(run.stderr).toContain('DelegatedAdminRelationship.Read.All');
      expect(run.stderr).toContain(`${sim.url}/${sim.partner.tenantId}/adminconsent?client_id=${sim.partner.clientId}`);
    } finally {
      sim.setPartnerRoles(PARTNER_HOME_ROLES);
    }
  });

  it('exits 1 with the token error when the partner secret is wrong, without echoing it', async () => {
    const run = await runCli(['--config', configPath, 'tenants', 'discover'], { [SECRET_ENV]: 'wrong-partner-secret-value' });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/discovery failed: cannot sign in to the partner tenant: .*AADSTS7000215/);
    expect(`${run.stdout}${run.stderr}${run.logs}`).not.toContain('wrong-partner-secret-value');
  });
});
