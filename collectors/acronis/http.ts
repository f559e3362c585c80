/**
 * The Acronis client: the shared vendor HTTP layer with Acronis' token flow (HTTP Basic client_id:client_secret +
 * form grant_type=client_credentials at /api/2/idp/token). The token lives two hours; Acronis answers
 * `expires_on` (epoch seconds) rather than `expires_in`, so the layer's one-hour default lifetime applies — a
 * conservative refresh — and a 401 mid-scan fetches a new token once. Throttling is a 429 with `Retry-After`
 * (seconds), which the layer honours. Acronis publishes no request budget; every request on the wire still takes a
 * slot of a conservative default one (endpoints.ts PACING, config `rateLimit`) per data centre and API client, so the
 * customers one partner API client serves, scanned by several workers at once, do not add up to a flood.
 */
import { createVendorHttp, type VendorHttp } from '../../src/http/client.js';
import type { CollectorContext } from '../../src/collector-kit/plugin.js';
import { accountBudget, accountUrl, rateGateOf, type RateBudget } from '../../src/collector-kit/rate-gate.js';
import { registerSecret } from '../../src/log/secrets.js';
import type { AcronisConfig } from './config.js';
import { PACING, TOKEN_PATH } from './endpoints.js';

export const VENDOR = 'acronis';

/** Test seams; production uses the layer's defaults. */
export interface HttpOptions {
  maxRetries?: number;
  backoffBaseMs?: number;
  maxRetryAfterSeconds?: number;
}

/** The budget of one API client at one data centre (a client id is not a secret; the secret never enters the key). */
export function accountBudgetOf(config: Pick<AcronisConfig, 'baseUrl' | 'clientId' | 'rateLimit'>): RateBudget {
  return accountBudget(VENDOR, `${VENDOR}:${accountUrl(config.baseUrl)}:${config.clientId}`, config.rateLimit, PACING);
}

export function createAcronisHttp(config: AcronisConfig, ctx: CollectorContext, options: HttpOptions = {}): VendorHttp {
  // Literal secrets in the config file are not registered by the resolver; make sure no message can echo this one.
  registerSecret(config.clientSecret);
  const gate = rateGateOf(ctx);
  const budget = accountBudgetOf(config);
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
    pace: (signal) => gate.take(budget, signal),
    oauth: {
      vendor: VENDOR,
      tokenPath: TOKEN_PATH,
      form: { grant_type: 'client_credentials' },
      basic: { username: config.clientId, password: config.clientSecret },
      // One token per MSP account for every tenant's scan in this process (src/http/oauth.ts).
      sharedAcrossScans: true,
    },
  });
}
