import { afterEach, describe, expect, it } from 'vitest';
import { clearSecrets, registerSecret } from '../../src/log/secrets.js';
import { ENDPOINTS } from './endpoints.js';
import { GraphFailure, NON_PREMIUM_CODE, SchemaViolation, classify, formatZodPath, pathOf, toGraphFailure } from './errors.js';

const opts = { timeoutMs: 30000, maxRetries: 3 };
const failure = (status: number, code: string | null, message = 'x', requestId: string | null = 'req-1') =>
  new GraphFailure(status, code, message, requestId, '/security/secureScores');

afterEach(() => clearSecrets());

describe('classify', () => {
  it('403 → unavailable/permission_missing naming the permission and the request-id', () => {
    const f = classify(failure(403, 'Authorization_RequestDenied', 'Insufficient privileges'), ENDPOINTS.secureScores, opts);
    expect(f.status).toBe('unavailable');
    expect(f.reasonCode).toBe('permission_missing');
    expect(f.reason).toContain('SecurityEvents.Read.All');
    expect(f.reason).toContain('request-id req-1');
  });

  it('a 401 refusing a grant (accessDenied, Authorization_RequestDenied) is a missing permission; a rejected token stays an error', () => {
    for (const code of ['accessDenied', 'Authorization_RequestDenied']) {
      const f = classify(failure(401, code, 'There has been an error authenticating the request.'), ENDPOINTS.sharepointSettings, opts);
      expect(f, code).toMatchObject({ status: 'unavailable', reasonCode: 'permission_missing' });
      expect(f.reason).toContain('SharePointTenantSettings.Read.All');
    }
    const token = classify(failure(401, 'InvalidAuthenticationToken', 'Access token has expired or is not yet valid.'), ENDPOINTS.sharepointSettings, opts);
    expect(token).toMatchObject({ status: 'error', reasonCode: 'collector_error' });
  });

  it('403 on a licensed API names the licence too, unless the licence is known to be present', () => {
    const err = failure(403, 'Forbidden');
    expect(classify(err, ENDPOINTS.managedDevices, opts).reason).toContain('or the tenant lacks Microsoft Intune');
    expect(classify(err, ENDPOINTS.managedDevices, opts, true).reason).not.toContain('lacks');
  });

  it('non-premium code → unavailable/not_licensed', () => {
    const f = classify(failure(403, NON_PREMIUM_CODE), ENDPOINTS.registrationReport, opts);
    expect(f).toMatchObject({ status: 'unavailable', reasonCode: 'not_licensed' });
    expect(f.reason).toContain('Entra ID P1 or P2');
  });

  it('Intune "not applicable to target tenant" → not_licensed', () => {
    const f = classify(failure(400, 'BadRequest', '{"Message":"Request not applicable to target tenant."}'), ENDPOINTS.managedDevices, opts);
    expect(f.reasonCode).toBe('not_licensed');
  });

  it('throttling, 5xx, timeout and abort → error/collector_error', () => {
    expect(classify(failure(429, 'TooManyRequests'), ENDPOINTS.secureScores, opts).reason).toContain('throttled after 3 retries');
    expect(classify(failure(500, 'InternalServerError', 'boom'), ENDPOINTS.secureScores, opts)).toMatchObject({ status: 'error', reasonCode: 'collector_error' });
    expect(classify(failure(-1, 'TimeoutError'), ENDPOINTS.secureScores, opts).reason).toContain('timed out after 30000 ms');
    expect(classify(failure(-1, 'AbortError'), ENDPOINTS.secureScores, opts).reason).toContain('aborted');
  });

  it('schema violations keep the field path', () => {
    const f = classify(new SchemaViolation('/x', 'value[2].isAdmin', 'expected boolean'), ENDPOINTS.registrationReport, opts);
    expect(f).toMatchObject({ status: 'error', reasonCode: 'schema_violation' });
    expect(f.reason).toContain('value[2].isAdmin');
  });

  it('scrubs registered secrets from reasons', () => {
    registerSecret('super-secret-value');
    const f = classify(failure(500, 'X', 'echo super-secret-value back'), ENDPOINTS.secureScores, opts);
    expect(f.reason).not.toContain('super-secret-value');
  });
});

describe('helpers', () => {
  it('pathOf strips host, version and query', () => {
    expect(pathOf('https://graph.test/v1.0/users?$top=1')).toBe('/users');
    expect(pathOf('https://sim.local:8443/graph/v1.0/deviceManagement/managedDevices?$skiptoken=x')).toBe('/deviceManagement/managedDevices');
    expect(pathOf('/users/abc/authentication/methods')).toBe('/users/abc/authentication/methods');
  });

  it('formatZodPath', () => {
    expect(formatZodPath(['value', 3, 'isMfaRegistered'])).toBe('value[3].isMfaRegistered');
    expect(formatZodPath(['isAdmin'], 'value[7]')).toBe('value[7].isAdmin');
  });

  it('toGraphFailure reads the Graph client error shape, and a 2xx JSON parse error is a schema violation', () => {
    const headers = new Headers({ 'Retry-After': '7' });
    const g = toGraphFailure({ statusCode: 429, code: 'TooManyRequests', message: 'slow down', requestId: null, headers }, '/x');
    expect(g).toBeInstanceOf(GraphFailure);
    expect((g as GraphFailure).retryAfterSeconds).toBe(7);
    expect(toGraphFailure({ statusCode: 200, code: 'SyntaxError', message: 'Unexpected token <', requestId: null }, '/x')).toBeInstanceOf(SchemaViolation);
  });
});
