import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { PLUGINS } from '../../collectors/index.js';
import { ConfigError, loadConfig, parseConfig } from './load.js';
import { partnerSection } from './portfolio.js';

const PARTNER = '11111111-2222-3333-4444-555555555555';
const APP = '99999999-8888-7777-6666-555555555555';
const CONTOSO = '00000000-0000-0000-0000-0000000000c0';
const FABRIKAM = '00000000-0000-0000-0000-0000000000fa';
const ACRONIS_CUSTOMER = '0f0e0d0c-0b0a-4908-8706-050403020100';
const env = { APP_SECRET: 'partner-app-secret-value', NINJA_SECRET: 'ninja-secret-value-1', ACRONIS_SECRET: 'acronis-secret-value-1' };

const portfolio = () => ({
  defaults: { m365: { clientId: APP, clientSecret: '${env:APP_SECRET}', partnerTenantId: PARTNER } },
  accounts: [
    { id: 'ninja-msp', provider: 'ninjaone', baseUrl: 'https://eu.ninjarmm.com', clientId: 'ninja-client', clientSecret: '${env:NINJA_SECRET}' },
    { id: 'acronis-msp', provider: 'acronis', baseUrl: 'https://eu2-cloud.acronis.com', clientId: 'acronis-client', clientSecret: '${env:ACRONIS_SECRET}' },
  ],
  tenants: [
    {
      id: 'contoso',
      name: 'Contoso Ltd',
      m365: { tenantId: CONTOSO },
      rmm: { account: 'ninja-msp', organizationId: 12 },
      backup: { account: 'acronis-msp', customerTenantId: ACRONIS_CUSTOMER },
    },
    { id: 'fabrikam', name: 'Fabrikam', m365: { tenantId: FABRIKAM }, rmm: { account: 'ninja-msp', organizationId: 13, patchWindowDays: 14 } },
  ],
});

function problemsOf(raw: unknown, e: NodeJS.ProcessEnv = env, file?: string): string[] {
  try {
    parseConfig(raw, PLUGINS, e, file);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected a config error');
}

function withTenant(t: Record<string, unknown>, i = 0) {
  const raw = portfolio();
  (raw.tenants as unknown[])[i] = t;
  return raw;
}

describe('portfolio config: defaults and shared accounts', () => {
  it('expands the partner app and the shared accounts into each tenant, which keeps only what says which client it is', () => {
    const { config, origins, warnings } = parseConfig(portfolio(), PLUGINS, env);
    const [contoso, fabrikam] = config.tenants;
    expect(contoso!.m365).toMatchObject({ tenantId: CONTOSO, clientId: APP, clientSecret: env.APP_SECRET, cloud: 'global' });
    expect(contoso!.m365).not.toHaveProperty('partnerTenantId');
    expect(contoso!.rmm).toMatchObject({ provider: 'ninjaone', baseUrl: 'https://eu.ninjarmm.com', clientId: 'ninja-client', clientSecret: env.NINJA_SECRET, organizationId: 12 });
    expect(contoso!.backup).toMatchObject({ provider: 'acronis', clientSecret: env.ACRONIS_SECRET, customerTenantId: ACRONIS_CUSTOMER });
    // Tenant-level settings that are not the account's stay the tenant's own.
    expect(fabrikam!.rmm).toMatchObject({ organizationId: 13, patchWindowDays: 14, clientId: 'ninja-client' });
    expect((contoso!.rmm as { patchWindowDays: number }).patchWindowDays).toBe(30);
    expect(config.accounts.map((a) => [a.id, a.provider, a.timeoutMs])).toEqual([
      ['ninja-msp', 'ninjaone', 30_000],
      ['acronis-msp', 'acronis', 30_000],
    ]);
    expect(origins).toEqual([
      { file: undefined, path: ['tenants', 0], accounts: { rmm: 'ninja-msp', backup: 'acronis-msp' }, m365FromDefaults: true },
      { file: undefined, path: ['tenants', 1], accounts: { rmm: 'ninja-msp' }, m365FromDefaults: true },
    ]);
    expect(warnings).toEqual([]);
  });

  it('lets an in-house tenant keep its own app and credential beside the defaults', () => {
    const own = { tenantId: CONTOSO, clientId: 'in-house-app', clientSecret: '${env:INHOUSE}' };
    const { config, origins } = parseConfig(withTenant({ id: 'inhouse', name: 'In House', m365: own }), PLUGINS, { ...env, INHOUSE: 'in-house-secret-1' });
    expect(config.tenants[0]!.m365).toMatchObject({ clientId: 'in-house-app', clientSecret: 'in-house-secret-1' });
    expect(origins[0]!.m365FromDefaults).toBe(false);
  });

  it('refuses a tenant on a shared account that does not say which client it is', () => {
    const problems = problemsOf(withTenant({ id: 'contoso', name: 'Contoso', rmm: { account: 'ninja-msp' } }));
    expect(problems).toEqual([
      'tenants[0].rmm.organizationId: required with the shared account "ninja-msp": it sees every client\'s data, so say which client is this tenant (find it with: ratchet tenants map --account ninja-msp)',
    ]);
  });

  it('names an unknown account, a section of the wrong kind and a provider that contradicts the account', () => {
    expect(problemsOf(withTenant({ id: 'c', name: 'C', rmm: { account: 'ninja', organizationId: 1 } }))).toEqual([
      'tenants[0].rmm.account: no account "ninja" in accounts (known: ninja-msp, acronis-msp)',
    ]);
    expect(problemsOf(withTenant({ id: 'c', name: 'C', backup: { account: 'ninja-msp', organizationId: 1 } }))[0]).toBe(
      'tenants[0].backup.account: "ninja-msp" is a ninjaone account, which is a rmm source, not backup',
    );
    expect(problemsOf(withTenant({ id: 'c', name: 'C', rmm: { account: 'ninja-msp', provider: 'datto-rmm', siteUid: 'abc' } }))[0]).toMatch(
      /^tenants\[0\]\.rmm\.provider: account "ninja-msp" is ninjaone/,
    );
  });

  it('refuses a tenant that overrides a shared account setting (the account would not be one account)', () => {
    const problems = problemsOf(withTenant({ id: 'c', name: 'C', rmm: { account: 'ninja-msp', organizationId: 1, clientSecret: 'other' } }));
    expect(problems).toEqual([expect.stringMatching(/^tenants\[0\]\.rmm\.clientSecret: already set by account "ninja-msp"/)]);
    // One account, one budget: a tenant may not give it another, even where the account keeps the default.
    const budget = problemsOf(withTenant({ id: 'c', name: 'C', rmm: { account: 'ninja-msp', organizationId: 1, rateLimit: { requests: 5, perSeconds: 1 } } }));
    expect(budget).toEqual([
      'tenants[0].rmm.rateLimit: a setting of account "ninja-msp" (every tenant on a shared account uses its settings): set it on the account, or give this tenant its own rmm credentials instead of account:',
    ]);
  });

  it('reports an invalid account once at its own path, not once per tenant that uses it', () => {
    const raw = portfolio();
    raw.accounts[0]!.baseUrl = 'http://eu.ninjarmm.com';
    const problems = problemsOf(raw);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^accounts\[0\]\.baseUrl: must be an https:\/\/ URL/);
  });

  it('refuses a client selector in a shared block, and a provider that cannot be shared', () => {
    const raw = portfolio();
    (raw.accounts[0] as Record<string, unknown>).organizationId = 12;
    (raw.defaults.m365 as Record<string, unknown>).tenantId = CONTOSO;
    const problems = problemsOf(raw);
    expect(problems).toContain("accounts[0].organizationId: says which client, so it belongs in each tenant's rmm section (with account: ninja-msp), not in the shared account");
    expect(problems).toContain("defaults.m365.tenantId: a customer's directory belongs in each tenant's m365 section; the MSP's own tenant is partnerTenantId");
    const vbr = portfolio();
    vbr.accounts.push({ id: 'vbr', provider: 'veeam-vbr', baseUrl: 'https://vbr.example:9419', clientId: 'x', clientSecret: 'y' });
    expect(problemsOf(vbr)).toContain(
      'accounts[2].provider: "veeam-vbr" cannot be a shared account (shared: ninjaone, datto-rmm, acronis; other products keep their credentials in each tenant\'s section)',
    );
  });

  it('validates defaults.m365 like a tenant section, naming partnerTenantId and the credential rule', () => {
    const raw = portfolio();
    raw.defaults.m365 = { clientId: APP, partnerTenantId: 'not a tenant' } as never;
    const problems = problemsOf(raw);
    expect(problems).toContain('defaults.m365.partnerTenantId: must be the directory (tenant) GUID or a domain such as contoso.onmicrosoft.com');
    // The credential rule is the m365 plugin's own (one credential of several kinds), reported at the defaults block.
    expect(problems.some((p) => /^defaults\.m365(\.\w+)?: .*clientSecret/.test(p))).toBe(true);
    // Tenants drawing on the broken defaults add no noise of their own.
    expect(problems.every((p) => p.startsWith('defaults.'))).toBe(true);
  });

  it('refuses a tenant credential without the tenant\'s own clientId (it would pair the partner app with another secret)', () => {
    const problems = problemsOf(withTenant({ id: 'c', name: 'C', m365: { tenantId: CONTOSO, clientSecret: 'x' } }));
    expect(problems).toEqual([expect.stringMatching(/^tenants\[0\]\.m365\.clientSecret: a tenant with its own credential names its own clientId too/)]);
  });

  it('warns once about a literal secret in a shared block, at the block', () => {
    const raw = portfolio();
    raw.accounts[0]!.clientSecret = 'literal-ninja-secret';
    const { warnings } = parseConfig(raw, PLUGINS, env);
    expect(warnings).toEqual(['accounts[0].clientSecret: holds a literal secret; prefer ${env:NAME} or ${file:PATH} so it stays out of the file']);
  });

  it('a missing secret of an account is one clear error', () => {
    const { NINJA_SECRET: _, ...rest } = env;
    expect(problemsOf(portfolio(), rest)).toEqual(['accounts[0].clientSecret: environment variable NINJA_SECRET is not set (export it, or use ${file:PATH})']);
  });

  it('gives discovery the partner tenant section, or says what is missing', () => {
    const { config } = parseConfig(portfolio(), PLUGINS, env);
    expect(partnerSection(config, PLUGINS).section).toMatchObject({ tenantId: PARTNER, clientId: APP, clientSecret: env.APP_SECRET });
    const raw = portfolio();
    delete (raw.defaults.m365 as Record<string, unknown>).partnerTenantId;
    const without = parseConfig(raw, PLUGINS, env).config;
    expect(() => partnerSection(without, PLUGINS)).toThrow(/defaults\.m365\.partnerTenantId: required to discover customers/);
    const bare = parseConfig({ tenants: [{ id: 'a', name: 'A', m365: { tenantId: CONTOSO, clientId: APP, clientSecret: 'x' } }] }, PLUGINS, {}).config;
    expect(() => partnerSection(bare, PLUGINS)).toThrow(/defaults\.m365: required to discover customers/);
  });
});

describe('portfolio config: include', () => {
  function project(files: Record<string, unknown>): string {
    const dir = mkdtempSync(join(tmpdir(), 'ratchet-include-'));
    for (const [name, content] of Object.entries(files)) {
      mkdirSync(join(dir, name, '..'), { recursive: true });
      writeFileSync(join(dir, name), typeof content === 'string' ? content : stringify(content));
    }
    return dir;
  }
  const main = (tenants: unknown[] = []) => ({ ...portfolio(), include: ['tenants.d/*.yaml'], tenants });

  it('merges one file per client (relative to the main config) and remembers where each tenant lives', () => {
    const dir = project({
      'ratchet.yaml': main([portfolio().tenants[0]]),
      'tenants.d/fabrikam.yaml': `# Fabrikam, onboarded by discover\n${stringify(portfolio().tenants[1])}`,
      'tenants.d/more.yaml': { tenants: [{ id: 'tailspin', name: 'Tailspin', m365: { tenantId: 'tailspin.onmicrosoft.com' } }] },
      'tenants.d/empty.yaml': '',
    });
    const { config, origins } = loadConfig(join(dir, 'ratchet.yaml'), PLUGINS, env);
    expect(config.tenants.map((t) => t.id)).toEqual(['contoso', 'fabrikam', 'tailspin']);
    expect(origins.map((o) => [relative(dir, o.file!), o.path])).toEqual([
      ['ratchet.yaml', ['tenants', 0]],
      ['tenants.d/fabrikam.yaml', []],
      ['tenants.d/more.yaml', ['tenants', 0]],
    ]);
    expect(config.tenants[1]!.rmm).toMatchObject({ clientId: 'ninja-client', organizationId: 13 });
  });

  it('names the included file and the path inside it in every error', () => {
    const dir = project({
      'ratchet.yaml': main([portfolio().tenants[0]]),
      'tenants.d/fabrikam.yaml': { id: 'fabrikam', name: 'Fabrikam', rmm: { account: 'ninja-msp' } },
      'tenants.d/more.yaml': { tenants: [{ id: 'Tailspin', name: 'Tailspin', m365: { tenantId: CONTOSO } }] },
    });
    const err = (() => {
      try {
        loadConfig(join(dir, 'ratchet.yaml'), PLUGINS, env, {});
      } catch (e) {
        return e as ConfigError;
      }
      throw new Error('expected a config error');
    })();
    const rel = (f: string) => relative(process.cwd(), join(dir, f));
    expect(err.problems).toContain(
      `${rel('tenants.d/fabrikam.yaml')}: rmm.organizationId: required with the shared account "ninja-msp": it sees every client's data, so say which client is this tenant (find it with: ratchet tenants map --account ninja-msp)`,
    );
    expect(err.problems).toContain(`${rel('tenants.d/more.yaml')}: tenants[0].id: use lower-case letters, digits and dashes ([a-z0-9-])`);
  });

  it('refuses the same tenant id in two files, naming both', () => {
    const dir = project({
      'ratchet.yaml': main([portfolio().tenants[0]]),
      'tenants.d/contoso.yaml': portfolio().tenants[0],
    });
    expect(() => loadConfig(join(dir, 'ratchet.yaml'), PLUGINS, env)).toThrow(/tenants\.d\/contoso\.yaml \(its id\): duplicate tenant id "contoso", also in .*ratchet\.yaml \(tenants\[0\]\)/);
  });

  it('refuses shared settings in an included file and a file that is not YAML', () => {
    const dir = project({
      'ratchet.yaml': main([portfolio().tenants[0]]),
      'tenants.d/a.yaml': { accounts: [], tenants: [] },
      'tenants.d/b.yaml': 'id: [unclosed',
    });
    const err = (() => {
      try {
        loadConfig(join(dir, 'ratchet.yaml'), PLUGINS, env);
      } catch (e) {
        return e as ConfigError;
      }
      throw new Error('expected a config error');
    })();
    expect(err.problems[0]).toMatch(/tenants\.d\/a\.yaml: only tenants may be set in an included file \(found accounts: move them to the main config\)/);
    expect(err.problems[1]).toMatch(/tenants\.d\/b\.yaml: not valid YAML/);
  });

  it('loads a portfolio being onboarded — the app and an empty tenants.d/, no tenant yet — so discover can run', () => {
    const dir = project({ 'ratchet.yaml': { defaults: portfolio().defaults, include: ['tenants.d/*.yaml'] } });
    const { config, warnings } = loadConfig(join(dir, 'ratchet.yaml'), PLUGINS, env);
    expect(config.tenants).toEqual([]);
    expect(warnings).toContain('tenants: none yet — find the customers with `ratchet tenants discover --write tenants.d/`');
    // Without defaults or include, a config without tenants is a mistake.
    expect(problemsOf({ storage: { url: 'sqlite::memory:' } })).toEqual(['tenants: add at least one tenant']);
  });

  it('warns, and does not fail, when a pattern matches nothing yet (before the first discover --write)', () => {
    const dir = project({ 'ratchet.yaml': main([portfolio().tenants[0]]) });
    const { warnings, config } = loadConfig(join(dir, 'ratchet.yaml'), PLUGINS, env);
    expect(config.tenants).toHaveLength(1);
    expect(warnings).toEqual([expect.stringMatching(/^include\[0\]: "tenants\.d\/\*\.yaml" matches no file/)]);
  });
});

describe('the shipped example config', () => {
  it('loads in the portfolio shape (secrets left unresolved, as for commands that contact no vendor)', () => {
    const { config, origins } = loadConfig('config/ratchet.example.yaml', PLUGINS, {}, { requireSecrets: false });
    expect(config.tenants.map((t) => t.id)).toEqual(['contoso', 'woodgrove']);
    expect(origins.map((o) => [o.accounts, o.m365FromDefaults])).toEqual([
      [{ rmm: 'ninja-msp', backup: 'acronis-msp' }, true],
      [{}, false],
    ]);
  });
});
