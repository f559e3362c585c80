import { describe, expect, it } from 'vitest';
import { aadstsCodes, adminConsentUrl, classifyTokenFailure, consentTargetOf, consentedState } from './consent.js';

const TENANT = '22222222-2222-2222-2222-222222222222';
const APP = '11111111-1111-1111-1111-111111111111';
const target = { tenantId: TENANT, clientId: APP, authorityHost: 'https://login.microsoftonline.com' };

/** The message @azure/identity rethrows for an MSAL ServerError (its fixed format). */
const msal = (error: string, code: number, sentence: string) =>
  new Error(`${error}: Error(s): ${code} - Timestamp: 2025-01-01 00:00:00Z - Description: AADSTS${code}: ${sentence} Trace ID: t Correlation ID: c Timestamp: 2025-01-01 00:00:00Z - Correlation ID: c - Trace ID: t`);

describe('admin-consent URL', () => {
  it.each([
    ['global', 'https://login.microsoftonline.com'],
    ['usgov', 'https://login.microsoftonline.us'],
    ['china', 'https://login.chinacloudapi.cn'],
  ] as const)('uses the %s cloud authority', (cloud, host) => {
    expect(adminConsentUrl(consentTargetOf({ tenantId: TENANT, clientId: APP, cloud }))).toBe(`${host}/${TENANT}/adminconsent?client_id=${APP}`);
  });

  it("uses a custom cloud's authorityHost", () => {
    const t = consentTargetOf({ tenantId: 'contoso.onmicrosoft.com', clientId: APP, cloud: { graphEndpoint: 'https://sim:8443', authorityHost: 'https://sim:8443' } });
    expect(adminConsentUrl(t)).toBe(`https://sim:8443/contoso.onmicrosoft.com/adminconsent?client_id=${APP}`);
  });
});

describe('classifyTokenFailure', () => {
  it.each([
    [700016, 'unauthorized_client', "Application with identifier 'x' was not found in the directory 'Contoso'."],
    [65001, 'invalid_grant', "The user or administrator has not consented to use the application with ID 'x'."],
    [7000229, 'invalid_client', 'The client application x is missing service principal in the tenant y.'],
  ])('AADSTS%s is not consented, with the consent URL', (code, error, sentence) => {
    const state = classifyTokenFailure(msal(error, code, sentence), target);
    expect(state).toMatchObject({ state: 'not-consented', code: `AADSTS${code}`, adminConsentUrl: `https://login.microsoftonline.com/${TENANT}/adminconsent?client_id=${APP}` });
    expect(state.detail).toContain(state.adminConsentUrl);
  });

  it('reads structured error codes when the error carries them', () => {
    const err = Object.assign(new Error('invalid_client'), { errorResponse: { error: 'invalid_client', error_codes: [7000229] } });
    expect(classifyTokenFailure(err, target)).toMatchObject({ state: 'not-consented', code: 'AADSTS7000229' });
    expect(classifyTokenFailure(Object.assign(new Error('x'), { errorNo: '65001' }), target).state).toBe('not-consented');
    expect(classifyTokenFailure(new Error('wrapped', { cause: msal('unauthorized_client', 700016, 'not found') }), target).state).toBe('not-consented');
  });

  it('a wrong secret, an unknown tenant or a network error says nothing about consent', () => {
    expect(classifyTokenFailure(msal('invalid_client', 7000215, 'Invalid client secret provided.'), target)).toMatchObject({ state: 'unknown', code: 'AADSTS7000215' });
    expect(classifyTokenFailure(msal('invalid_request', 90002, "Tenant 'x' not found."), target)).toMatchObject({ state: 'unknown', code: 'AADSTS90002' });
    const network = classifyTokenFailure(new Error('network_error: Network request failed'), target);
    expect(network.state).toBe('unknown');
    expect(network.code).toBeUndefined();
    expect(network.adminConsentUrl).toBeUndefined();
  });

  it('does not match a consent code mentioned in free text, nor a longer number', () => {
    expect(aadstsCodes(new Error('see the docs about AADSTS700016 errors'))).toEqual([]);
    expect(aadstsCodes(msal('invalid_client', 7000160, 'other'))).toEqual(['AADSTS7000160']);
    expect(classifyTokenFailure(msal('invalid_client', 7000160, 'other'), target).state).toBe('unknown');
  });

  it('a success is consented', () => {
    expect(consentedState(target)).toMatchObject({ state: 'consented' });
  });
});
