import { describe, expect, it } from 'vitest';
import { VendorHttpError } from '../../src/http/errors.js';
import { accountBudgetOf, isIpBlock } from './http.js';
import { rebaseNextPageUrl } from './paging.js';

describe('isIpBlock', () => {
  it('recognises a 403 whose body names a rate limit or a block', () => {
    expect(isIpBlock(403, { message: 'IP address blocked due to rate limit violations' })).toBe(true);
    expect(isIpBlock(403, 'Too Many Requests')).toBe(true);
    expect(isIpBlock(403, { error: 'access_denied', error_description: 'Rate limit exceeded' })).toBe(true);
  });
  it('leaves an ordinary authorization failure alone (errors.ts decides those by context)', () => {
    expect(isIpBlock(403, { error: 'access_denied', error_description: 'Access is denied' })).toBe(false);
    expect(isIpBlock(403, undefined)).toBe(false);
    expect(isIpBlock(401, { message: 'blocked' })).toBe(false);
    expect(isIpBlock(403, { error: 'access_denied' }, { 'content-type': 'application/json' })).toBe(false);
  });
  it('recognises a 403 that carries Retry-After, whatever its body says', () => {
    expect(isIpBlock(403, { error: 'access_denied', error_description: 'Access is denied' }, { 'retry-after': '300' })).toBe(true);
    expect(isIpBlock(401, undefined, { 'Retry-After': '300' })).toBe(false);
  });
});

describe('accountBudgetOf', () => {
  const config = { baseUrl: 'https://merlot-api.centrastage.net', apiKey: 'KEY-OF-THE-API-USER-1234567890AB', rateLimit: undefined };
  const keyOf = (c: Partial<typeof config> = {}) => accountBudgetOf({ ...config, ...c }).key;

  it('is one budget per platform and API user, whatever the spelling of the host', () => {
    expect(keyOf({ baseUrl: 'https://MERLOT-api.centrastage.net/' })).toBe(keyOf());
    expect(keyOf({ baseUrl: 'https://vidal-api.centrastage.net' })).not.toBe(keyOf());
    expect(keyOf({ apiKey: 'ANOTHER-API-USER' })).not.toBe(keyOf());
  });
  it('never holds the API key itself', () => {
    expect(keyOf()).not.toContain(config.apiKey);
    expect(keyOf()).toMatch(/^datto-rmm:https:\/\/merlot-api\.centrastage\.net:[0-9a-f]{16}$/);
  });
  it('paces to 500 reads per 60 s unless the config sets rateLimit', () => {
    expect(accountBudgetOf(config)).toMatchObject({ vendor: 'datto-rmm', limit: 500, intervalMs: 60_000 });
    expect(accountBudgetOf({ ...config, rateLimit: { requests: 30, perSeconds: 10 } })).toMatchObject({ limit: 30, intervalMs: 10_000 });
  });
});

describe('rebaseNextPageUrl', () => {
  const root = new URL('https://merlot-api.centrastage.net');
  const path = '/api/v2/account/devices';

  it('keeps path and query of an absolute URL', () => {
    expect(rebaseNextPageUrl('https://merlot-api.centrastage.net/api/v2/account/devices?max=250&page=3', root, path)).toBe('/api/v2/account/devices?max=250&page=3');
  });
  it('accepts a relative URL and a root with a path prefix', () => {
    expect(rebaseNextPageUrl('/api/v2/account/devices?page=1&max=100', root, path)).toBe('/api/v2/account/devices?page=1&max=100');
    const proxied = new URL('https://proxy.example/datto');
    expect(rebaseNextPageUrl('https://proxy.example/datto/api/v2/account/devices?max=250&page=1', proxied, path)).toBe('/api/v2/account/devices?max=250&page=1');
  });
  it('refuses another endpoint', () => {
    expect(() => rebaseNextPageUrl('https://merlot-api.centrastage.net/api/v2/account/sites?page=1', root, path)).toThrow(VendorHttpError);
  });
});
