import { describe, expect, it } from 'vitest';
import { parseFaultSpec } from './index.js';
import { pathMatches } from './faults.js';

describe('fault SPEC grammar', () => {
  it('parses every item kind', () => {
    expect(
      parseFaultSpec('429=0.2,5xx=0.05,stall=0.01:40000,403=/security/secureScores,malformed=/deviceManagement/managedDevices,token=refuse'),
    ).toEqual({
      rate429: 0.2,
      rate5xx: 0.05,
      stallRate: 0.01,
      stallMs: 40000,
      forbidden: ['/security/secureScores'],
      malformed: ['/deviceManagement/managedDevices'],
      tokenRefuse: 400,
    });
    expect(parseFaultSpec('429=0.5:7, 5xx=0.1:503, latency=20:5, schema=/users|/subscribedSkus, 403=/a, 403=/b, seed=9, token=500')).toEqual({
      rate429: 0.5,
      retryAfterSeconds: 7,
      rate5xx: 0.1,
      status5xx: 503,
      latencyMs: 20,
      jitterMs: 5,
      schemaViolation: ['/users', '/subscribedSkus'],
      forbidden: ['/a', '/b'],
      seed: 9,
      tokenRefuse: 500,
    });
    expect(parseFaultSpec('')).toEqual({});
  });

  it('names the bad item', () => {
    expect(() => parseFaultSpec('429=2')).toThrow(/429 rate/);
    expect(() => parseFaultSpec('stall=0.1')).toThrow(/stall needs rate:ms/);
    expect(() => parseFaultSpec('403=users')).toThrow(/must start with "\/"/);
    expect(() => parseFaultSpec('teapot=1')).toThrow(/unknown item "teapot"/);
    expect(() => parseFaultSpec('token=maybe')).toThrow(/token/);
  });

  it('matches paths by segment prefix with wildcards', () => {
    expect(pathMatches('/users', '/users/abc/authentication/methods')).toBe(true);
    expect(pathMatches('/users/{id}/authentication/methods', '/users/abc/authentication/methods')).toBe(true);
    expect(pathMatches('/users/*/authentication', '/users/abc/authentication/methods')).toBe(true);
    expect(pathMatches('/users/{id}/authentication/methods', '/users')).toBe(false);
    expect(pathMatches('/user', '/users')).toBe(false);
    expect(pathMatches('/v1.0/security/secureScores', '/security/secureScores?$top=1')).toBe(true);
  });
});
