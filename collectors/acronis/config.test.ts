import { describe, expect, it } from 'vitest';
import { acronisConfigSchema, secretFields } from './config.js';

const base = { provider: 'acronis', baseUrl: 'https://eu2-cloud.acronis.com', clientId: '3b2d8f4e-1c6a-4e2b-9f7d-5a1c2e3f4b6d', clientSecret: 's3cret-value' };
const messages = (input: unknown) => {
  const r = acronisConfigSchema.safeParse(input);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('acronis config', () => {
  it('applies defaults and normalises the URL and tenant id', () => {
    expect(acronisConfigSchema.parse({ ...base, baseUrl: 'https://eu2-cloud.acronis.com/', customerTenantId: '5B15F6E1-88EC-4DCE-B523-0E8394C0BC19' })).toEqual({
      ...base,
      customerTenantId: '5b15f6e1-88ec-4dce-b523-0e8394c0bc19',
      resourceTypes: ['resource.machine'],
      timeoutMs: 30000,
    });
  });

  it('refuses plain http, and a URL that already ends in /api', () => {
    expect(messages({ ...base, baseUrl: 'http://eu2-cloud.acronis.com' })[0]).toMatch(/^baseUrl: must be an https:\/\/ URL/);
    expect(messages({ ...base, baseUrl: 'https://eu2.acronis.cloud/api' })[0]).toMatch(/^baseUrl: must be the data-centre URL without \/api/);
    expect(messages({ ...base, baseUrl: 'https://eu2-cloud.acronis.com?x=1' })[0]).toMatch(/^baseUrl: must not carry a query/);
    expect(messages({ ...base, baseUrl: 'https://127.0.0.1:8443' })).toEqual([]);
  });

  it('requires the provider, the client id and a non-empty secret', () => {
    expect(messages({ ...base, provider: 'veeam-vbr' }).join()).toMatch(/^provider:/);
    expect(messages({ ...base, clientSecret: '' })).toEqual(['clientSecret: must not be empty']);
    expect(messages({ ...base, clientId: ' ' })[0]).toMatch(/^clientId: must be the client ID of an Acronis API client/);
  });

  it('wants a UUID as customerTenantId', () => {
    expect(messages({ ...base, customerTenantId: '17' })[0]).toMatch(/^customerTenantId: must be the customer tenant UUID/);
  });

  it('validates and de-duplicates resource types', () => {
    expect(acronisConfigSchema.parse({ ...base, resourceTypes: ['resource.machine', 'resource.virtual_machine.vmwesx', 'resource.machine'] }).resourceTypes).toEqual([
      'resource.machine',
      'resource.virtual_machine.vmwesx',
    ]);
    expect(messages({ ...base, resourceTypes: ['machine'] })[0]).toMatch(/^resourceTypes\.0: must be an Acronis resource type/);
    expect(messages({ ...base, resourceTypes: [] })[0]).toMatch(/^resourceTypes: list at least one resource type/);
  });

  it('is strict about unknown keys and bounds the timeout', () => {
    expect(messages({ ...base, clientSecert: 'typo' }).join()).toMatch(/clientSecert/);
    expect(messages({ ...base, timeoutMs: 0 })).toHaveLength(1);
  });

  it('declares the secret field', () => {
    expect(secretFields).toEqual(['clientSecret']);
  });
});
