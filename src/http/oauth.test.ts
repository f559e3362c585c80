import type { AxiosInstance } from 'axios';
import { describe, expect, it } from 'vitest';
import { createOAuthTokenSource } from './oauth.js';

/** An axios stand-in whose token endpoint answers `status` with `data`. */
const answering = (status: number, data: unknown) => ({ post: async () => ({ status, data }) }) as unknown as AxiosInstance;

async function refusal(data: unknown, tokenErrorText?: (body: unknown) => string): Promise<string> {
  const source = createOAuthTokenSource(answering(401, data), { vendor: 'acme', tokenPath: '/token', form: {}, tokenErrorText });
  return source.getToken().then(
    () => 'no error',
    (err: Error) => err.message,
  );
}

describe('token errors', () => {
  it("reads RFC 6749's error body, flat or nested", async () => {
    expect(await refusal({ error: 'invalid_client', error_description: 'Bad client credentials' })).toBe(
      'acme: token request refused with HTTP 401 (invalid_client: Bad client credentials)',
    );
    expect(await refusal({ error: { code: 'E1', message: 'no' } })).toBe('acme: token request refused with HTTP 401 (E1: no)');
  });

  it("asks the collector's parser for a body in the vendor's own shape, and says nothing without one", async () => {
    const vendor = (body: unknown) => ((body as { code?: string }).code ? ` (${(body as { code: string }).code})` : '');
    expect(await refusal({ code: 'AccessDenied' }, vendor)).toBe('acme: token request refused with HTTP 401 (AccessDenied)');
    expect(await refusal({ code: 'AccessDenied' })).toBe('acme: token request refused with HTTP 401');
    expect(await refusal({ error: 'invalid_grant', code: 'ignored' }, vendor)).toBe('acme: token request refused with HTTP 401 (invalid_grant)');
  });
});
