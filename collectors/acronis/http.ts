/**
 * The Acronis client: the shared vendor HTTP layer with Acronis' token flow (HTTP Basic client_id:client_secret +
 * form grant_type=client_credentials at /api/2/idp/token). The token lives two hours; Acronis answers
 * `expires_on` (epoch seconds) rather than `expires_in`, so the layer's one-hour default lifetime applies — a
 * conservative refresh — and a 401 mid-scan fetches a new token once. Throttling is a 429 with `Retry-After`
 * (seconds), which the layer honours; Acronis publishes no request budget, so there is no client-side pacing
 * (paging is sequential, one request in flight per resource type).
 */
import { createVendorHttp, type VendorHttp } from '../../src/http/client.js';
import type { CollectorContext } from '../../src/collector-kit/plugin.js';
import { registerSecret } from '../../src/log/secrets.js';
import type { AcronisConfig } from './config.js';
import { TOKEN_PATH } from './endpoints.js';

export const VENDOR = 'acronis';

/** Test seams; production uses the layer's defaults. */
export interface HttpOptions {
  maxRetries?: number;
  backoffBaseMs?: number;
  maxRetryAfterSeconds?: number;
}

export function createAcronisHttp(config: AcronisConfig, ctx: CollectorContext, options: HttpOptions = {}): VendorHttp {
  // Literal secrets in the config file are not registered by the resolver; make sure no message can echo this one.
  registerSecret(config.clientSecret);
  return createVendorHttp({
    vendor: VENDOR,
    baseURL: config.baseUrl,
    logger: ctx.logger,
    timeoutMs: config.timeoutMs,
    caFile: config.caFile,
    signal: ctx.signal,
    maxRetries: options.maxRetries,
    backoffBaseMs: options.backoffBaseMs,
    maxRetryAfterSeconds: options.maxRetryAfterSeconds,
    oauth: {
      vendor: VENDOR,
      tokenPath: TOKEN_PATH,
      form: { grant_type: 'client_credentials' },
      basic: { username: config.clientId, password: config.clientSecret },
    },
  });
}
