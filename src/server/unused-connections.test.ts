/**
 * A connection that never sent a request must not hold `app.close()` (and so `ratchet serve`'s shutdown) until the
 * headers timeout; a keep-alive connection with a request in flight still gets its answer.
 */
import { connect, type Socket } from 'node:net';
import { once } from 'node:events';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { closeUnusedConnectionsOnShutdown } from './unused-connections.js';

async function rawConnection(port: number): Promise<Socket> {
  const socket = connect({ host: '127.0.0.1', port });
  await once(socket, 'connect');
  return socket;
}

describe('closeUnusedConnectionsOnShutdown', () => {
  it('close() does not wait for a connection that never sent a request (Node 20 leaves it out of closeIdleConnections)', async () => {
    const app = Fastify();
    closeUnusedConnectionsOnShutdown(app);
    app.get('/', async () => 'ok');
    await app.listen({ port: 0, host: '127.0.0.1' });
    const port = (app.server.address() as { port: number }).port;
    const silent = await rawConnection(port);
    const closed = once(silent, 'close');
    // Without the hook this waits for the headers timeout (60 s), past the test's timeout.
    await app.close();
    await closed;
    expect(silent.destroyed).toBe(true);
  });

  it('lets a request in flight finish while closing, and refuses nothing it already accepted', async () => {
    const app = Fastify({ return503OnClosing: true });
    closeUnusedConnectionsOnShutdown(app);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let arrived!: () => void;
    const started = new Promise<void>((r) => (arrived = r));
    app.get('/slow', async () => {
      arrived();
      await held;
      return 'done';
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const port = (app.server.address() as { port: number }).port;
    const answer = fetch(`http://127.0.0.1:${port}/slow`).then(async (r) => [r.status, await r.text()] as const);
    await started;
    const closing = app.close();
    release();
    expect(await answer).toEqual([200, 'done']);
    await closing;
  });
});
