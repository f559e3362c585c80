/**
 * The MSP's PSA for a command (DESIGN §13): the provider named in `psa:`, its client, and the ticket dispatcher that
 * works the ticket outbox. Lives in the composition root because it is where the PSA registry is known.
 */
import type { Logger } from 'pino';
import { PSA_PROVIDERS } from '../../psa/index.js';
import type { PsaClient, PsaProvider } from '../collector-kit/psa-provider.js';
import type { RateGate } from '../collector-kit/rate-gate.js';
import type { PsaConfig } from '../config/psa.js';
import { TicketDispatcher } from '../psa/dispatcher.js';
import type { TicketStore } from '../store/store.js';

export { PSA_PROVIDERS };

export interface PsaConnection {
  provider: PsaProvider;
  config: PsaConfig;
  client: PsaClient;
}

/** The configured PSA's client, or null without a `psa:` block. The config was validated by the provider's schema. */
export function connectPsa(config: PsaConfig | undefined, deps: { logger: Logger; rateGate?: RateGate }): PsaConnection | null {
  if (!config) return null;
  const provider = PSA_PROVIDERS.find((p) => p.id === config.provider);
  if (!provider) throw new Error(`unknown PSA ${config.provider}`);
  const client = provider.createClient(config.settings, {
    logger: deps.logger.child({ component: 'psa', psa: provider.id }),
    // Two quick retries ride out a blip (and honour Retry-After); a PSA that is down is the dispatcher's to wait
    // out, with its own backoff, instead of holding a scan's exit for a minute.
    maxRetries: 2,
    ...(deps.rateGate ? { rateGate: deps.rateGate } : {}),
  });
  return { provider, config, client };
}

export function ticketDispatcher(psa: PsaConnection | null, deps: { store: TicketStore; logger: Logger; now?: () => Date }): TicketDispatcher | null {
  if (!psa) return null;
  return new TicketDispatcher({ store: deps.store, client: psa.client, provider: psa.provider.id, title: psa.provider.title, logger: deps.logger, ...(deps.now ? { now: deps.now } : {}) });
}
