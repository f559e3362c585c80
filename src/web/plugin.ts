/**
 * Marks a plugin function as not encapsulated (what fastify-plugin does, without depending on it): its hooks,
 * decorators and error handler apply to the instance it is registered on, so the auth hooks cover every route —
 * the API's, the pages', and the probes' — not just the plugin's own.
 */
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';

export function unencapsulated<O extends object>(fn: (app: FastifyInstance, opts: O) => Promise<void>, name: string): FastifyPluginAsync<O> {
  const plugin = fn as FastifyPluginAsync<O> & Record<symbol, unknown>;
  plugin[Symbol.for('skip-override')] = true;
  plugin[Symbol.for('fastify.display-name')] = name;
  return plugin;
}
