import { describe, expect, it } from 'vitest';
import { apiRoot, dattoRmmConfigSchema, siteUidsOf } from './config.js';
import { dattoRmmPlugin, secretFields } from './index.js';
import { PROVIDED_KEYS } from './evidence.js';

const valid = {
  provider: 'datto-rmm',
  baseUrl: 'https://merlot-api.centrastage.net',
  apiKey: 'K7RQ2M9XAPIKEY01',
  apiSecret: 'secret-value',
  siteUid: '8f8f4e2c-6d0b-4d6c-9a57-1d2b3c4d5e6f',
};

function issues(input: Record<string, unknown>): string[] {
  const r = dattoRmmConfigSchema.safeParse(input);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('datto-rmm config section', () => {
  it('accepts the minimum and applies defaults', () => {
    const c = dattoRmmConfigSchema.parse(valid);
    expect(c.baseUrl).toBe('https://merlot-api.centrastage.net');
    expect(c.timeoutMs).toBe(30_000);
    expect(c.caFile).toBeUndefined();
  });

  it('accepts the platform root, …/api and …/api/v2 alike and keeps the root', () => {
    for (const url of ['https://merlot-api.centrastage.net/', 'https://merlot-api.centrastage.net/api', 'https://merlot-api.centrastage.net/api/v2/']) {
      expect(dattoRmmConfigSchema.parse({ ...valid, baseUrl: url }).baseUrl).toBe('https://merlot-api.centrastage.net');
    }
    expect(apiRoot('https://proxy.example/datto/api')).toBe('https://proxy.example/datto');
  });

  it('refuses plain http and says https', () => {
    expect(issues({ ...valid, baseUrl: 'http://merlot-api.centrastage.net' })).toEqual([expect.stringMatching(/^baseUrl: must be an https:\/\/ URL/)]);
  });

  it('refuses a URL with credentials or a query', () => {
    expect(issues({ ...valid, baseUrl: 'https://user:pw@merlot-api.centrastage.net' })).toHaveLength(1);
    expect(issues({ ...valid, baseUrl: 'https://merlot-api.centrastage.net?x=1' })).toHaveLength(1);
  });

  it('is strict: an unknown key is an error', () => {
    expect(issues({ ...valid, apiSecretKey: 'typo' })).toEqual([expect.stringContaining('apiSecretKey')]);
  });

  it('requires the key and the secret, and the right provider', () => {
    const { apiSecret: _s, ...noSecret } = valid;
    expect(issues(noSecret)).toEqual([expect.stringMatching(/^apiSecret: /)]);
    expect(issues({ ...valid, apiKey: ' ' })).toEqual([expect.stringMatching(/^apiKey: must be the API key/)]);
    expect(issues({ ...valid, provider: 'ninjaone' })).toHaveLength(1);
  });

  it('takes one site, several sites, or none (the whole account)', () => {
    expect(siteUidsOf(dattoRmmConfigSchema.parse(valid))).toEqual([valid.siteUid]);
    expect(siteUidsOf(dattoRmmConfigSchema.parse({ ...valid, siteUid: ['a-1', 'b-2', 'a-1'] }))).toEqual(['a-1', 'b-2']);
    const { siteUid: _u, ...account } = valid;
    expect(siteUidsOf(dattoRmmConfigSchema.parse(account))).toEqual([]);
    expect(issues({ ...valid, siteUid: [] })).toHaveLength(1);
    expect(issues({ ...valid, siteUid: '../account/users' })).toEqual([expect.stringMatching(/^siteUid: must be a Datto site UID/)]);
  });

  it('marks only the secret as secret: the API key is the grant’s username', () => {
    expect(secretFields).toEqual(['apiSecret']);
  });

  it('registers as the rmm provider datto-rmm with the four rmm keys', () => {
    expect(dattoRmmPlugin.id).toBe('datto-rmm');
    expect(dattoRmmPlugin.section).toBe('rmm');
    expect(dattoRmmPlugin.provider).toBe('datto-rmm');
    expect([...dattoRmmPlugin.provides]).toEqual(['rmm.devices', 'rmm.patches', 'rmm.alerts', 'rmm.antivirus']);
    expect(PROVIDED_KEYS).toBe(dattoRmmPlugin.provides);
  });
});
