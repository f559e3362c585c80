import { describe, expect, it } from 'vitest';
import { VendorHttpError } from '../../src/http/errors.js';
import { accountGate, isIpBlock } from './http.js';
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
  });
});

describe('accountGate', () => {
  it('is shared by every collector on the same platform, whatever the spelling of the host', () => {
    expect(accountGate('https://merlot-api.centrastage.net')).toBe(accountGate('https://MERLOT-api.centrastage.net'));
    expect(accountGate('https://merlot-api.centrastage.net')).not.toBe(accountGate('https://vidal-api.centrastage.net'));
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
