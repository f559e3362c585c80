/**
 * Shutting down must not wait on connections that never sent a request.
 *
 * `fastify.close()` stops listening, lets requests in flight finish, and closes idle keep-alive connections through
 * Node's `server.closeIdleConnections()`. On Node 20 that leaves out a connection that has not sent a request yet —
 * a browser's speculative preconnect, a load balancer's TCP health check, any anonymous client that opens the port
 * and waits — and `server.close()` then waits for it until the headers timeout (a minute), past the grace period an
 * orchestrator gives before SIGKILL. Such a connection carries nothing to finish, so on close it is destroyed, as is
 * one that opens while the server is closing.
 */
import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';

export function closeUnusedConnectionsOnShutdown(app: FastifyInstance): void {
  const unused = new Set<Socket>();
  let closing = false;
  app.server.on('connection', (socket: Socket) => {
    if (closing) {
      socket.destroy();
      return;
    }
    unused.add(socket);
    socket.once('close', () => unused.delete(socket));
  });
  app.server.on('request', (req: { socket: Socket }) => unused.delete(req.socket));
  app.addHook('preClose', async () => {
    closing = true;
    for (const socket of unused) socket.destroy();
    unused.clear();
  });
}
