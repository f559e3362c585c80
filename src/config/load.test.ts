import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ZodObject } from 'zod';
import { PLUGINS } from '../../collectors/index.js';
import { configFiles } from '../collector-kit/plugin.js';
import { checkConfigFile } from './files.js';
import { ConfigError, loadConfig, parseConfig } from './load.js';

const GUID = '00000000-0000-0000-0000-000000000001';
const base = () => ({
  tenants: [
    { id: 'contoso', name: 'Contoso', m365: { tenantId: GUID, clientId: GUID, clientSecret: '${env:CONTOSO_SECRET}' } },
  ],
});
const env = { CONTOSO_SECRET: 'sup3r-s3cret-value' };

function problemsOf(raw: unknown, e: NodeJS.ProcessEnv = env): string[] {
  try {
    parseConfig(raw, PLUGINS, e);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected a config error');
}

describe('config', () => {
  it('accepts a minimal config, fills defaults and resolves env secrets', () => {
    const { config, warnings } = parseConfig(base(), PLUGINS, env);
    expect(config.storage.url).toBe('sqlite:./data/ratchet.db');
    expect(config.regression).toEqual({ confirmScans: 2, scoreDrop: 10 });
    expect((config.tenants[0]!.m365 as { clientSecret: string }).clientSecret).toBe('sup3r-s3cret-value');
    expect(warnings).toEqual([]);
  });

  it('names the path of a missing required field', () => {
    const raw = base();
    raw.tenants.push({ id: 'fabrikam', name: 'Fabrikam', m365: { tenantId: GUID, clientSecret: 'x-literal-secret' } as never });
    const p = problemsOf(raw);
    expect(p.some((l) => l.startsWith('tenants[1].m365.clientId:'))).toBe(true);
  });

  it('rejects unknown keys by name, at any depth', () => {
    const raw = { ...base(), storrage: { url: 'x' } } as Record<string, unknown>;
    (raw.tenants as Array<Record<string, unknown>>)[0]!.m365 = { ...(base().tenants[0]!.m365), clientSecrett: 'x' };
    const p = problemsOf(raw).join('\n');
    expect(p).toMatch(/storrage: unknown key/);
    expect(p).toMatch(/tenants\[0\]\.m365\.clientSecrett: unknown key/);
  });

  it('reads outOfScope per tenant and names a capability that is not core, or a missing reason', () => {
    const raw = base();
    Object.assign(raw.tenants[0]!, { outOfScope: { recovery: "backup run by the client's own provider" } });
    expect(parseConfig(raw, PLUGINS, env).config.tenants[0]!.outOfScope).toEqual({ recovery: "backup run by the client's own provider" });
    Object.assign(raw.tenants[0]!, { outOfScope: { backups: 'typo', monitoring: ' ' } });
    const p = problemsOf(raw).join('\n');
    expect(p).toMatch(/tenants\[0\]\.outOfScope\.backups: unknown key/);
    expect(p).toMatch(/tenants\[0\]\.outOfScope\.monitoring: give the reason monitoring is out of scope/);
  });

  it('names the variable when an env reference is not set', () => {
    const p = problemsOf(base(), {});
    expect(p).toEqual(['tenants[0].m365.clientSecret: environment variable CONTOSO_SECRET is not set (export it, or use ${file:PATH})']);
  });

  it('names the path of a ${file:…} secret that cannot be read', () => {
    const raw = base();
    (raw.tenants[0]!.m365 as Record<string, unknown>).clientSecret = '${file:/nonexistent/contoso-secret}';
    expect(problemsOf(raw, {})).toEqual([
      'tenants[0].m365.clientSecret: cannot read secret file /nonexistent/contoso-secret (ENOENT; check the path, and that ratchet may read it)',
    ]);
  });

  it('reads ${file:…} secrets without the trailing newline', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ratchet-cfg-'));
    writeFileSync(join(dir, 'secret'), 'from-a-file-secret\n');
    const raw = base();
    (raw.tenants[0]!.m365 as Record<string, unknown>).clientSecret = `\${file:${join(dir, 'secret')}}`;
    const { config } = parseConfig(raw, PLUGINS, {});
    expect((config.tenants[0]!.m365 as { clientSecret: string }).clientSecret).toBe('from-a-file-secret');
  });

  it('accepts a literal secret with a warning', () => {
    const raw = base();
    (raw.tenants[0]!.m365 as Record<string, unknown>).clientSecret = 'literal-secret-in-file';
    const { warnings } = parseConfig(raw, PLUGINS, {});
    expect(warnings).toEqual([expect.stringMatching(/^tenants\[0\]\.m365\.clientSecret: holds a literal secret/)]);
  });

  it('rejects bad tenant ids, duplicates and tenants without a source', () => {
    const raw = {
      tenants: [
        { id: 'Contoso Ltd', name: 'x', m365: base().tenants[0]!.m365 },
        { id: 'dup', name: 'a', m365: base().tenants[0]!.m365 },
        { id: 'dup', name: 'b', m365: base().tenants[0]!.m365 },
        { id: 'empty', name: 'c' },
      ],
    };
    const p = problemsOf(raw).join('\n');
    expect(p).toMatch(/tenants\[0\]\.id: use lower-case/);
    expect(p).toMatch(/tenants\[2\]\.id: duplicate tenant id "dup"/);
    expect(p).toMatch(/tenants\[3\]: a tenant needs at least one source/);
  });

  it('requires https for custom clouds and names an unknown rmm provider', () => {
    const raw = base() as { tenants: Array<Record<string, unknown>> };
    raw.tenants[0]!.m365 = { ...(raw.tenants[0]!.m365 as object), cloud: { graphEndpoint: 'http://graph.local', authorityHost: 'https://login.local' } };
    raw.tenants[0]!.rmm = { provider: 'acme-rmm' };
    const p = problemsOf(raw).join('\n');
    expect(p).toMatch(/tenants\[0\]\.m365\.cloud.*https/);
    expect(p).toMatch(/tenants\[0\]\.rmm\.provider: unknown rmm provider "acme-rmm"/);
  });

  it('reads server.trustProxy and a server.metricsToken reference, and names a bad one', () => {
    const { config } = parseConfig({ ...base(), server: { trustProxy: ['10.0.0.0/8', 'loopback'], metricsToken: '${env:METRICS}' } }, PLUGINS, { ...env, METRICS: 'm'.repeat(24) });
    expect(config.server.trustProxy).toEqual(['10.0.0.0/8', 'loopback']);
    expect(config.server.metricsToken).toBe('m'.repeat(24));
    expect(parseConfig(base(), PLUGINS, env).config.server.trustProxy).toBe(false);
    expect(problemsOf({ ...base(), server: { metricsToken: 'short' } })).toEqual([expect.stringMatching(/^server\.metricsToken: .*16 characters/)]);
    expect(problemsOf({ ...base(), server: { trustProxy: 2 } })[0]).toMatch(/^server\.trustProxy: /);
  });

  it('reports a missing file and invalid YAML with the file name', () => {
    expect(() => loadConfig('/nonexistent/ratchet.yaml', PLUGINS)).toThrow(/\/nonexistent\/ratchet\.yaml: invalid config:\n {2}config file not found/);
    const dir = mkdtempSync(join(tmpdir(), 'ratchet-cfg-'));
    writeFileSync(join(dir, 'bad.yaml'), 'tenants: [unclosed');
    expect(() => loadConfig(join(dir, 'bad.yaml'), PLUGINS)).toThrow(/not valid YAML/);
  });
});

describe('files named by the config', () => {
  let dir: string;
  let ca: string;
  let client: { cert: string; key: string };
  const file = (name: string, content: string) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };
  const withRmmCa = (caFile: string) => ({
    tenants: [{ id: 'contoso', name: 'Contoso', rmm: { provider: 'ninjaone', baseUrl: 'https://eu.ninjarmm.com', clientId: 'abc', clientSecret: '${env:CONTOSO_SECRET}', caFile } }],
  });
  const withCertificate = (certificatePath: string) => ({
    tenants: [{ id: 'contoso', name: 'Contoso', m365: { tenantId: GUID, clientId: GUID, certificatePath } }],
  });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ratchet-cfg-files-'));
    ca = (await generate([{ name: 'commonName', value: 'Test CA' }], { keyType: 'ec', curve: 'P-256' })).cert;
    const c = await generate([{ name: 'commonName', value: 'ratchet-app' }], { keyType: 'rsa', keySize: 2048 });
    client = { cert: c.cert, key: c.private };
  });

  it('names a caFile that does not exist, with the fix', () => {
    expect(problemsOf(withRmmCa('/nonexistent/ca.pem'))).toEqual([
      'tenants[0].rmm.caFile: file not found: /nonexistent/ca.pem (check the path; it is read when the config loads)',
    ]);
  });

  it('refuses a caFile that is a directory or holds no PEM certificate', () => {
    mkdirSync(join(dir, 'certs'), { recursive: true });
    expect(problemsOf(withRmmCa(join(dir, 'certs')))).toEqual([expect.stringMatching(/^tenants\[0\]\.rmm\.caFile: not a regular file: .*certs/)]);
    expect(problemsOf(withRmmCa(file('ca.der', 'MIIBszCCAVmgAwIBAgIU')))).toEqual([
      expect.stringMatching(/^tenants\[0\]\.rmm\.caFile: .*ca\.der holds no PEM certificate \(no "-----BEGIN CERTIFICATE-----" block\)/),
    ]);
    const broken = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n';
    expect(problemsOf(withRmmCa(file('broken.pem', broken)))[0]).toMatch(/broken\.pem holds a certificate that does not parse/);
  });

  it('accepts a readable PEM caFile, and checks every vendor section that declares one', () => {
    const caFile = file('ca.pem', ca);
    expect(parseConfig(withRmmCa(caFile), PLUGINS, env).config.tenants[0]!.rmm).toMatchObject({ caFile });
    const raw = {
      tenants: [
        {
          id: 'contoso',
          name: 'Contoso',
          backup: { provider: 'veeam-vbr', baseUrl: 'https://vbr.contoso.local:9419', username: 'svc', password: '${env:CONTOSO_SECRET}', caFile: '/nonexistent/vbr.pem' },
        },
      ],
    };
    expect(problemsOf(raw)).toEqual([expect.stringMatching(/^tenants\[0\]\.backup\.caFile: file not found: \/nonexistent\/vbr\.pem/)]);
  });

  it('resolves a relative path from the working directory, as the collectors read it', () => {
    file('relative-ca.pem', ca);
    expect(checkConfigFile('relative-ca.pem', 'ca-certificate', dir)).toBeNull();
    expect(checkConfigFile('missing.pem', 'ca-certificate', dir)).toBe(
      `file not found: missing.pem (resolved from the working directory to ${join(dir, 'missing.pem')}) (check the path; it is read when the config loads)`,
    );
  });

  it('requires the m365 certificatePath to hold a private key and its certificate', () => {
    expect(problemsOf(withCertificate('/nonexistent/contoso.pem'))).toEqual([
      'tenants[0].m365.certificatePath: file not found: /nonexistent/contoso.pem (check the path; it is read when the config loads)',
    ]);
    expect(problemsOf(withCertificate(file('cert-only.pem', client.cert)))[0]).toMatch(/^tenants\[0\]\.m365\.certificatePath: .*cert-only\.pem holds no private key/);
    expect(problemsOf(withCertificate(file('key-only.pem', client.key)))[0]).toMatch(/key-only\.pem holds no PEM certificate/);
    const encrypted = '-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n';
    expect(problemsOf(withCertificate(file('encrypted.pem', `${encrypted}${client.cert}`)))[0]).toMatch(/encrypted private key/);
    const otherKey = file('other.pem', `${client.key.trim()}\n${ca.trim()}\n`);
    expect(problemsOf(withCertificate(otherKey))[0]).toMatch(/the private key does not belong to the first certificate/);
    const good = file('contoso.pem', `${client.key.trim()}\n${client.cert.trim()}\n`);
    expect(parseConfig(withCertificate(good), PLUGINS, {}).config.tenants[0]!.m365).toMatchObject({ certificatePath: good });
  });

  it('leaves files alone for commands that never contact a vendor', () => {
    expect(() => parseConfig(withRmmCa('/nonexistent/ca.pem'), PLUGINS, {}, undefined, { requireSecrets: false })).not.toThrow();
  });

  it('every plugin declares its file-valued fields (…File, …Path) for the load-time check', () => {
    const declared = new Set<string>();
    for (const plugin of PLUGINS) {
      const keys = Object.keys((plugin.configSchema as unknown as ZodObject).shape);
      const fileKeys = keys.filter((k) => /(File|Path)$/.test(k));
      expect(Object.keys(configFiles.get(plugin.configSchema) ?? {}).sort(), plugin.id).toEqual(fileKeys.sort());
      for (const k of fileKeys) declared.add(k);
    }
    expect([...declared].sort()).toEqual(['caFile', 'certificatePath']);
  });
});
