import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PLUGINS } from '../../collectors/index.js';
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

  it('names the variable when an env reference is not set', () => {
    const p = problemsOf(base(), {});
    expect(p).toEqual(['tenants[0].m365.clientSecret: environment variable CONTOSO_SECRET is not set (export it, or use ${file:PATH})']);
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

  it('reports a missing file and invalid YAML with the file name', () => {
    expect(() => loadConfig('/nonexistent/ratchet.yaml', PLUGINS)).toThrow(/\/nonexistent\/ratchet\.yaml: invalid config:\n {2}config file not found/);
    const dir = mkdtempSync(join(tmpdir(), 'ratchet-cfg-'));
    writeFileSync(join(dir, 'bad.yaml'), 'tenants: [unclosed');
    expect(() => loadConfig(join(dir, 'bad.yaml'), PLUGINS)).toThrow(/not valid YAML/);
  });
});
