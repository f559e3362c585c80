import { describe, expect, it } from 'vitest';
import { API_VERSIONS, nameMatcher, resolveConfig, secretFields, veeamVbrConfigSchema } from './config.js';
import { veeamVbrPlugin } from './index.js';

const base = { provider: 'veeam-vbr' as const, baseUrl: 'https://vbr.contoso.local:9419', username: 'CONTOSO\\svc-ratchet', password: 'p4ssw0rd-value' };
const messages = (input: unknown) => {
  const r = veeamVbrConfigSchema.safeParse(input);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('veeam-vbr config', () => {
  it('applies defaults', () => {
    expect(veeamVbrConfigSchema.parse(base)).toEqual({
      ...base,
      apiVersion: '1.2-rev1',
      timeoutMs: 30000,
      maxRetries: 4,
      concurrency: 8,
      excludeTypes: ['Template'],
      excludeObjects: [],
      excludeJobs: [],
    });
  });

  it('is idempotent, so the collector can re-parse what the core validated', () => {
    const once = resolveConfig({ ...base, baseUrl: 'https://vbr.contoso.local:9419/' });
    expect(once.baseUrl).toBe('https://vbr.contoso.local:9419');
    expect(resolveConfig(once)).toEqual(once);
  });

  it('requires https and refuses /api in the base URL', () => {
    expect(messages({ ...base, baseUrl: 'http://vbr.contoso.local:9419' })[0]).toMatch(/^baseUrl: must be an https URL/);
    expect(messages({ ...base, baseUrl: 'https://vbr.contoso.local:9419/api/v1' })[0]).toMatch(/^baseUrl: must be the server address without \/api/);
    expect(messages({ ...base, baseUrl: 'vbr.contoso.local' })[0]).toMatch(/^baseUrl: must be an https URL such as/);
    expect(messages({ ...base, baseUrl: 'https://user:pw@vbr.contoso.local:9419' })[0]).toMatch(/without credentials/);
    expect(messages({ ...base, baseUrl: 'https://proxy.contoso.local/vbr' })).toEqual([]);
  });

  it('accepts the documented API revisions only', () => {
    for (const v of API_VERSIONS) expect(messages({ ...base, apiVersion: v })).toEqual([]);
    expect(messages({ ...base, apiVersion: '1.0-rev2' })[0]).toMatch(/^apiVersion: must be one of 1\.1-rev0, .*1\.3-rev2/);
  });

  it('requires credentials and is strict about unknown keys and the provider', () => {
    expect(messages({ ...base, password: '' })).toEqual(['password: must not be empty']);
    expect(messages({ ...base, username: ' ' })[0]).toMatch(/^username: must be the VBR user name/);
    expect(messages({ ...base, pasword: 'typo' }).join()).toMatch(/pasword/);
    expect(messages({ ...base, provider: 'veeam-vspc' })[0]).toMatch(/^provider:/);
    expect(messages({ ...base, concurrency: 0 })[0]).toMatch(/^concurrency:/);
    expect(messages({ ...base, platforms: [] })[0]).toMatch(/^platforms: list at least one platform/);
  });

  it('exposes the plugin shape the core expects', () => {
    expect(secretFields).toEqual(['password']);
    expect(veeamVbrPlugin).toMatchObject({ id: 'veeam-vbr', section: 'backup', provider: 'veeam-vbr', provides: ['backup.protection', 'backup.verification', 'backup.immutability'], secretFields: ['password'] });
  });
});

describe('name patterns', () => {
  it('match whole names, case-insensitively, with * wildcards and literal dots', () => {
    const m = nameMatcher(['old-*', '*.lab.local', 'exact']);
    expect(m('OLD-app')).toBe(true);
    expect(m('web.lab.local')).toBe(true);
    expect(m('webxlabxlocal')).toBe(false);
    expect(m('exact')).toBe(true);
    expect(m('not-exact')).toBe(false);
    expect(nameMatcher([])('anything')).toBe(false);
  });
});
