/**
 * The process logger must not throw and must not leak, whatever a log call is handed (issue 9: fastify logged
 * `{ req: request }` at info and the old deep scrubber recursed until the stack overflowed, killing `serve`).
 */
import { request as httpRequest } from 'node:http';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';
import { DEFAULT_LOG_BOUNDS, loggable } from './loggable.js';
import { clearSecrets, registerSecret, scrub } from './secrets.js';

const SECRET = 'sk-live-7f3a9c1e5b2d4f6a8c0e';

function capture() {
  const lines: string[] = [];
  const logger = createLogger({ level: 'info', destination: { write: (s: string) => void lines.push(s) } });
  return { logger, lines, text: () => lines.join('') };
}

/** `{ a: { a: … { secret } } }`, `depth` levels down, with the secret as a value, inside a string and as a key. */
function nested(depth: number): Record<string, unknown> {
  let v: Record<string, unknown> = { clientSecret: SECRET, note: `upstream said: bad key ${SECRET} rejected`, [SECRET]: 1, list: [SECRET] };
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
}

afterEach(() => clearSecrets());

describe('logger', () => {
  it('logs circular objects, deep cycles and cyclic error causes without throwing', () => {
    const { logger, lines } = capture();
    const a: Record<string, unknown> = { name: 'a' };
    a.self = a;
    const b: Record<string, unknown> = { list: [a] };
    a.b = b;
    const e1 = new Error('outer', { cause: new Error('middle', { cause: new Error('inner') }) });
    const loop = new Error('loop');
    (loop as { cause?: unknown }).cause = loop;
    expect(() => {
      logger.info(a, 'circular');
      logger.info({ a, b }, 'cross-linked');
      logger.error({ err: e1 }, 'with causes');
      logger.error(loop);
      (logger.info as (o: unknown) => void)(a);
    }).not.toThrow();
    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(parsed).toHaveLength(5);
    expect(JSON.stringify(parsed[0])).toContain('[Circular]');
    const err = parsed[2]!.err as { message: string; cause: { message: string; cause: { message: string } } };
    expect(err.message).toBe('outer');
    expect(err.cause.message).toBe('middle');
    expect(err.cause.cause.message).toBe('inner');
    expect(parsed[3]!.msg).toBe('loop');
    expect(JSON.stringify(parsed[3])).toContain('[Circular]');
  });

  it('logs a real fastify request and reply (as fastify itself does) as a few fields', async () => {
    const { logger, lines } = capture();
    const app = Fastify({ loggerInstance: logger as unknown as FastifyBaseLogger });
    app.get('/probe', async (request, reply) => {
      request.log.info({ req: request }, 'as req');
      request.log.info({ request, raw: request.raw, socket: request.raw.socket }, 'under other names');
      (request.log.info as (o: unknown, m: string) => void)(request, 'as the merging object');
      request.log.info({ res: reply, reply }, 'reply');
      return { ok: true };
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const port = (app.server.address() as { port: number }).port;
      const status = await new Promise<number>((resolve, reject) => {
        const r = httpRequest({ host: '127.0.0.1', port, path: `/probe?token=${SECRET}`, headers: { authorization: `Bearer ${SECRET}`, cookie: `s=${SECRET}` } }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        r.on('error', reject);
        r.end();
      });
      expect(status).toBe(200);
    } finally {
      await app.close();
    }
    const text = lines.join('');
    // Not registered as a secret: the query string, the header and the cookie never reach the log anyway.
    expect(text).not.toContain(SECRET);
    const asReq = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'as req')!;
    expect(asReq.req).toEqual({ method: 'GET', path: '/probe', route: '/probe', remoteAddress: '127.0.0.1' });
    const other = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'under other names')!;
    expect(other.raw).toBe('[IncomingMessage]');
    expect(other.socket).toBe('[Socket]');
    expect(lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'reply')!.res).toEqual({ statusCode: 200 });
  });

  it('logs an error with a cause chain, a Buffer, a 10 MB string and hostile values, with bounded output', () => {
    registerSecret(SECRET);
    const { logger, lines } = capture();
    const huge = `${'x'.repeat(10 * 1024 * 1024 - 40)}${SECRET}`;
    const boundary = `${'y'.repeat(DEFAULT_LOG_BOUNDS.string - 5)}${SECRET}`;
    const proxy = Proxy.revocable({}, {});
    proxy.revoke();
    const throwing = Object.defineProperty({}, 'boom', { enumerable: true, get: () => { throw new Error('getter'); } });
    const frozen = Object.freeze(new Error(`frozen ${SECRET}`));
    const err = new Error(`token request failed for ${SECRET}`, { cause: new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) }) });
    expect(() => {
      logger.error({ err }, 'chain');
      logger.warn({ body: Buffer.from(SECRET), u8: new Uint8Array(4), big: 10n, fn: () => 1, sym: Symbol('s') }, 'binary');
      logger.info({ huge }, 'huge value');
      logger.info(huge);
      logger.info({ boundary }, 'secret across the cut');
      logger.info({ many: Array.from({ length: 100_000 }, (_, i) => ({ i, s: SECRET })) }, 'wide');
      logger.info({ revoked: proxy.proxy, throwing, frozen, map: new Map([[SECRET, SECRET]]), when: new Date(0), bad: new Date(NaN), url: new URL(`https://user:${SECRET}@x.example/p`) }, 'odd');
      logger.error(frozen);
      logger.info('%s and %o', SECRET, { s: SECRET });
      logger.child({ tenant: SECRET, nested: { secret: 'x'.repeat(20) } }).info('child bindings');
    }).not.toThrow();
    expect(lines).toHaveLength(10);
    const text = lines.join('');
    expect(text).not.toContain(SECRET);
    // A secret cut in half by the bound would leave its prefix: the whole secret is masked instead.
    expect(text).not.toContain(SECRET.slice(0, 10));
    for (const l of lines) expect(l.length).toBeLessThan(256 * 1024);
    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const chain = parsed[0]!.err as { type: string; cause: { type: string; cause: { code: string } } };
    expect(chain.type).toBe('Error');
    expect(chain.cause.type).toBe('TypeError');
    expect(chain.cause.cause.code).toBe('ECONNREFUSED');
    expect(parsed[1]!.body).toBe(`[Buffer ${SECRET.length} bytes]`);
    expect(String(parsed[2]!.huge)).toMatch(/more characters\]$/);
    expect((parsed[5]!.many as unknown[]).length).toBe(DEFAULT_LOG_BOUNDS.items + 1);
    expect(parsed[6]!.revoked).toBe('[Unreadable]');
    expect((parsed[6]!.throwing as Record<string, unknown>).boom).toBe('[Unreadable]');
    expect(parsed[6]!.when).toBe('1970-01-01T00:00:00.000Z');
  });

  it('keeps a registered secret out at every depth, as a value, inside text and as a key', () => {
    registerSecret(SECRET);
    const { logger, lines } = capture();
    for (let depth = 0; depth <= 40; depth++) {
      expect(() => logger.info(nested(depth), `depth ${depth}`)).not.toThrow();
      expect(() => logger.info({ arr: [[[nested(depth)]]] }, 'in arrays')).not.toThrow();
    }
    const text = lines.join('');
    expect(text).not.toContain(SECRET);
    expect(text).toContain('[REDACTED]');
    // Shallow values are kept (scrubbed), deep ones become placeholders: the line stays readable.
    const shallow = JSON.parse(lines[2]!) as { a: { note: string } };
    expect(shallow.a.note).toBe('upstream said: bad key [REDACTED] rejected');
  });

  it('masks credential field names at any depth even when the value was never registered', () => {
    const { logger, lines } = capture();
    logger.info({ config: { headers: { Authorization: 'Bearer abcdefgh' } }, deep: { x: { y: { client_secret: 'zzzzzzzz', apiKey: 'kkkkkkkk', 'set-cookie': ['a=1'] } } } }, 'creds');
    const text = lines.join('');
    for (const v of ['abcdefgh', 'zzzzzzzz', 'kkkkkkkk', 'a=1']) expect(text).not.toContain(v);
  });

  it('masks the PSA credentials (ConnectWise privateKey, Autotask Secret and ApiIntegrationCode) by name', () => {
    const { logger, lines } = capture();
    logger.info({ psa: { provider: 'connectwise', privateKey: 'pk-1234567', publicKey: 'pub' }, headers: { ApiIntegrationCode: 'ic-7654321', Secret: 'sc-1111111' }, integrationCode: 'ic-2222222' }, 'psa');
    const text = lines.join('');
    for (const v of ['pk-1234567', 'ic-7654321', 'sc-1111111', 'ic-2222222']) expect(text).not.toContain(v);
    expect(text).toContain('pub');
  });

  it('scrubs a secret that JSON escaping changes (quotes, backslashes) from the finished line', () => {
    const odd = 'p"a\\ss\u0001word-123';
    registerSecret(odd);
    const { logger, text } = capture();
    logger.info({ detail: { text: `login with ${odd} failed` } }, `msg ${odd}`);
    expect(text()).not.toContain(JSON.stringify(odd).slice(1, -1));
    expect(text()).toContain('[REDACTED]');
  });
});

describe('loggable', () => {
  it('never modifies its input and never throws', () => {
    const input = { a: [1, 2, { b: 'c' }], when: new Date(0) };
    const before = JSON.stringify(input);
    loggable(input);
    expect(JSON.stringify(input)).toBe(before);
    const revoked = Proxy.revocable({}, {});
    revoked.revoke();
    expect(loggable(revoked.proxy)).toBe('[Unreadable]');
  });
});

describe('scrub', () => {
  it('masks many registered secrets in one pass, longest match first', () => {
    for (let i = 0; i < 500; i++) registerSecret(`tenant-secret-${i.toString().padStart(4, '0')}-xyz`);
    registerSecret('tenant-secret-0001-xyz-longer');
    expect(scrub('a tenant-secret-0001-xyz-longer b tenant-secret-0499-xyz c')).toBe('a [REDACTED] b [REDACTED] c');
    expect(scrub('nothing here')).toBe('nothing here');
  });
});
