import { describe, expect, it } from 'vitest';
import { formatIssues } from '../../src/validation/zod-errors.js';
import { ninjaoneConfigSchema, secretFields } from './config.js';

const base = { provider: 'ninjaone', baseUrl: 'https://eu.ninjarmm.com/', clientId: 'abc', clientSecret: 's3cret-value' };
const problems = (raw: unknown) => {
  const r = ninjaoneConfigSchema.safeParse(raw);
  return r.success ? [] : formatIssues(r.error, ['tenants', 0, 'rmm']);
};

describe('ninjaone config', () => {
  it('applies defaults and drops the trailing slash, idempotently', () => {
    const cfg = ninjaoneConfigSchema.parse(base);
    expect(cfg).toEqual({ ...base, baseUrl: 'https://eu.ninjarmm.com', patchWindowDays: 30, timeoutMs: 30_000, maxRetries: 4 });
    expect(ninjaoneConfigSchema.parse(cfg)).toEqual(cfg);
    expect(secretFields).toEqual(['clientSecret']);
  });

  it('refuses plain http and says https', () => {
    expect(problems({ ...base, baseUrl: 'http://app.ninjarmm.com' })).toEqual([expect.stringMatching(/^tenants\[0\]\.rmm\.baseUrl: must be an https:\/\/ URL/)]);
  });

  it('refuses a base URL that already holds the API path', () => {
    expect(problems({ ...base, baseUrl: 'https://app.ninjarmm.com/v2' })[0]).toMatch(/without the API path/);
    expect(problems({ ...base, baseUrl: 'https://app.ninjarmm.com/api/v2/' })[0]).toMatch(/without the API path/);
  });

  it('is strict about unknown keys and types', () => {
    expect(problems({ ...base, organisationId: 12 })[0]).toMatch(/tenants\[0\]\.rmm\.organisationId: unknown key/);
    expect(problems({ ...base, organizationId: '12' })[0]).toMatch(/tenants\[0\]\.rmm\.organizationId/);
    expect(problems({ ...base, patchWindowDays: 0 })[0]).toMatch(/patchWindowDays/);
    expect(problems({ ...base, automatedPatchPolicies: [] })[0]).toMatch(/at least one policy/);
    expect(problems({ ...base, clientSecret: '' })[0]).toMatch(/clientSecret: must not be empty/);
    expect(problems({ ...base, provider: 'datto-rmm' })[0]).toMatch(/provider/);
  });

  it('accepts the full section', () => {
    expect(
      problems({ ...base, organizationId: 12, patchWindowDays: 14, automatedPatchPolicies: [10, 'Servers - Auto Patch'], caFile: '/etc/ssl/ca.pem', timeoutMs: 10_000, maxRetries: 2 }),
    ).toEqual([]);
  });
});

describe('ninjaone config through the core loader', () => {
  it('validates the rmm section by provider and names the path of a problem', async () => {
    const { parseConfig, ConfigError } = await import('../../src/config/load.js');
    const { ninjaonePlugin } = await import('./index.js');
    const tenant = (rmm: Record<string, unknown>) => ({ tenants: [{ id: 'contoso', name: 'Contoso', rmm }] });
    const ok = parseConfig(tenant({ ...base, clientSecret: '${env:NINJA_SECRET}', organizationId: 12 }), [ninjaonePlugin], { NINJA_SECRET: 'resolved-secret-1' });
    expect(ok.config.tenants[0]!.rmm).toMatchObject({ provider: 'ninjaone', clientSecret: 'resolved-secret-1', organizationId: 12 });
    expect(ok.warnings).toEqual([]);
    let err: unknown;
    try {
      parseConfig(tenant({ ...base, baseUrl: 'http://app.ninjarmm.com' }), [ninjaonePlugin], {});
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as InstanceType<typeof ConfigError>).problems).toEqual([expect.stringMatching(/^tenants\[0\]\.rmm\.baseUrl: must be an https:\/\/ URL/)]);
  });
});
