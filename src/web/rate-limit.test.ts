/**
 * Rate limits of sign-in and token administration are keyed by the presented identity, not the address (issue 9):
 * one client cannot lock everyone behind the same address out, a valid token is never refused because of others' bad
 * attempts, brute force on one token id is still limited, and the address used for anonymous garbage is `request.ip`
 * (X-Forwarded-For only when fastify's trustProxy is set).
 */
import { randomBytes } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loginRateLimitKey } from './auth.js';
import { fixturesClosedAfterEach, signIn, type WebFixture } from './test-support.js';

const fixture = fixturesClosedAfterEach();
afterEach(() => {
  vi.useRealTimers();
});

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
/** Default limits (10 a minute), as `ratchet serve` runs. */
const DEFAULT_LIMITS = { loginRateLimit: undefined, tokenRateLimit: undefined };
const randomToken = () => `rtk_${randomBytes(6).toString('hex')}_${randomBytes(32).toString('base64url')}`;
/** The token's id with a wrong (well-formed) secret. */
const wrongSecret = (token: string) => `${token.slice(0, 17)}${randomBytes(32).toString('base64url')}`;

function login(f: WebFixture, token: string | undefined, extra: { remoteAddress?: string; headers?: Record<string, string> } = {}) {
  return f.app.inject({
    method: 'POST',
    url: '/login',
    headers: { ...FORM, ...extra.headers },
    payload: token === undefined ? '' : form({ token }),
    ...(extra.remoteAddress ? { remoteAddress: extra.remoteAddress } : {}),
  });
}

describe('POST /login rate limit', () => {
  it('a valid token is never refused because of others’ bad attempts from the same address', async () => {
    const f = await fixture({ deps: DEFAULT_LIMITS });
    const statuses: number[] = [];
    // 50 bad sign-ins from 127.0.0.1: garbage, no token, random well-formed tokens, other tokens' ids with wrong secrets.
    for (let i = 0; i < 50; i++) {
      const token = [() => `guess-${i}`, () => undefined, randomToken, () => wrongSecret(f.tokens.admin), () => f.tokens.revoked][i % 5]!();
      statuses.push((await login(f, token)).statusCode);
    }
    expect(statuses.every((s) => s === 401 || s === 429)).toBe(true);
    expect(statuses).toContain(429); // the garbage from this address did hit its ceiling
    const ok = await login(f, f.tokens.viewer);
    expect(ok.statusCode).toBe(303);
    expect(ok.headers['set-cookie']).toMatch(/ratchet_session=/);
    // And so does every other valid token from the same address.
    expect((await login(f, f.tokens.technicianContoso)).statusCode).toBe(303);
  });

  it('anonymous garbage is limited per address: the 11th attempt in a minute is 429 with Retry-After', async () => {
    const f = await fixture({ deps: DEFAULT_LIMITS });
    const statuses: number[] = [];
    // Unparseable tokens and well-formed ones with made-up ids share the address's bucket.
    for (let i = 0; i < 10; i++) statuses.push((await login(f, i % 2 === 0 ? 'guess' : randomToken())).statusCode);
    expect(statuses).toEqual(Array(10).fill(401));
    const limited = await login(f, randomToken());
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.json()).toMatchObject({ error: { code: 'rate_limited' } });
    // Another address is not affected.
    expect((await login(f, 'guess', { remoteAddress: '10.1.2.3' })).statusCode).toBe(401);
    // No remaining-attempt headers before the limit (they would tell which bucket an attempt went to).
    const before = await login(f, 'guess', { remoteAddress: '10.9.9.9' });
    expect(before.headers['x-ratelimit-remaining']).toBeUndefined();
  });

  it('wrong secrets for one token id are limited per id, from any address (the 11th in a minute is 429 with Retry-After), and never lock the owner out', async () => {
    const f = await fixture({ deps: DEFAULT_LIMITS });
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push((await login(f, wrongSecret(f.tokens.viewer), { remoteAddress: `10.0.0.${i + 1}` })).statusCode);
    expect(statuses).toEqual(Array(10).fill(401));
    const eleventh = await login(f, wrongSecret(f.tokens.viewer), { remoteAddress: '10.0.0.99' });
    expect(eleventh.statusCode).toBe(429);
    expect(Number(eleventh.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(eleventh.headers['retry-after'])).toBeLessThanOrEqual(60);
    // The guesser cannot lock the owner out: the right secret signs in, from anywhere…
    expect((await login(f, f.tokens.viewer)).statusCode).toBe(303);
    expect((await login(f, f.tokens.viewer, { remoteAddress: '10.0.0.99' })).statusCode).toBe(303);
    // …while wrong secrets for that id stay refused, and no other token is affected.
    expect((await login(f, wrongSecret(f.tokens.viewer), { remoteAddress: '10.0.0.100' })).statusCode).toBe(429);
    expect((await login(f, f.tokens.technician)).statusCode).toBe(303);
    expect((await login(f, f.tokens.admin, { remoteAddress: '10.0.0.99' })).statusCode).toBe(303);
    // A minute later the id takes attempts again.
    vi.setSystemTime(Date.now() + 61_000);
    expect((await login(f, wrongSecret(f.tokens.viewer))).statusCode).toBe(401);
  });

  it('keys an attempt by the id of a stored token, never by its secret; anything else by the address', async () => {
    const f = await fixture();
    const key = loginRateLimitKey(f.store);
    const req = (body: unknown) => ({ body, ip: '192.0.2.10' }) as unknown as FastifyRequest;
    const secret = f.tokens.viewer.slice(17);
    const k = await key(req({ token: f.tokens.viewer }));
    expect(k).toBe(`token:${f.tokenIds.viewer}`);
    expect(k).not.toContain(secret);
    expect(await key(req({ token: wrongSecret(f.tokens.viewer) }))).toBe(`token:${f.tokenIds.viewer}`);
    expect(await key(req({ token: ` ${f.tokens.revoked} ` }))).toBe(`token:${f.tokenIds.revoked}`);
    for (const body of [{ token: randomToken() }, { token: 'guess' }, { token: 42 }, {}, undefined, null, 'token=x']) {
      expect(await key(req(body)), JSON.stringify(body)).toBe('ip:192.0.2.10');
    }
  });
});

describe('the address of anonymous garbage is request.ip (server.trustProxy)', () => {
  /** 10 garbage sign-ins claiming X-Forwarded-For 203.0.113.7, then one claiming another client. */
  async function claimOtherClient(f: WebFixture): Promise<{ sameClaim: number; otherClaim: number }> {
    for (let i = 0; i < 10; i++) expect((await login(f, 'guess', { headers: { 'x-forwarded-for': '203.0.113.7' } })).statusCode).toBe(401);
    const otherClaim = (await login(f, 'guess', { headers: { 'x-forwarded-for': '198.51.100.9' } })).statusCode;
    const sameClaim = (await login(f, 'guess', { headers: { 'x-forwarded-for': '203.0.113.7' } })).statusCode;
    return { sameClaim, otherClaim };
  }

  it('without trustProxy, X-Forwarded-For is ignored: the key is the socket address, so a forged header does not escape the limit', async () => {
    const f = await fixture({ deps: DEFAULT_LIMITS, trustProxy: false });
    expect(await claimOtherClient(f)).toEqual({ otherClaim: 429, sameClaim: 429 });
  });

  it('with trustProxy, the key follows X-Forwarded-For: clients behind the proxy have their own limits', async () => {
    const f = await fixture({ deps: DEFAULT_LIMITS, trustProxy: true });
    expect(await claimOtherClient(f)).toEqual({ otherClaim: 401, sameClaim: 429 });
  });

  it('with trustProxy, a valid token behind the proxy is not refused because of garbage from the same client', async () => {
    const f = await fixture({ deps: DEFAULT_LIMITS, trustProxy: true });
    await claimOtherClient(f);
    expect((await login(f, f.tokens.viewer, { headers: { 'x-forwarded-for': '203.0.113.7' } })).statusCode).toBe(303);
  });
});

describe('token routes rate limit', () => {
  it('is per calling token: one admin’s 11th call in a minute is 429, another admin on the same address is not refused', async () => {
    const f = await fixture({ deps: DEFAULT_LIMITS });
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push((await f.as('admin', { method: 'GET', url: '/api/v1/tokens' })).statusCode);
    expect(statuses).toEqual(Array(10).fill(200));
    const limited = await f.as('admin', { method: 'GET', url: '/api/v1/tokens' });
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.json()).toMatchObject({ error: { code: 'rate_limited' } });
    // Same address (127.0.0.1), another token: not refused.
    expect((await f.as('adminContoso', { method: 'GET', url: '/api/v1/tokens' })).statusCode).toBe(200);
    expect((await f.as('adminContoso', { method: 'POST', url: '/api/v1/tokens', payload: { name: 'new', role: 'viewer', tenants: ['contoso'] } })).statusCode).toBe(201);
  });

  it('counts a token’s browser session and its bearer calls together (the key is the token id)', async () => {
    const f = await fixture({ deps: DEFAULT_LIMITS });
    const { cookie } = await signIn(f, 'admin');
    for (let i = 0; i < 10; i++) expect((await f.as('admin', { method: 'GET', url: '/api/v1/tokens' })).statusCode).toBe(200);
    const viaSession = await f.app.inject({ method: 'GET', url: '/api/v1/tokens', cookies: { ratchet_session: cookie } });
    expect(viaSession.statusCode).toBe(429);
  });
});
