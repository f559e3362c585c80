/**
 * Credential and Graph client. Everything that touches the network for Graph is built here so that retries,
 * throttling, timeouts and request counting behave the same for every endpoint (DESIGN §2: one place per protocol).
 *
 * Middleware chain (order matters):
 *   AuthenticationHandler → RetryHandler → RequestMeter → HTTPMessageHandler
 * The meter sits *below* the retry handler so each retry is counted, paced and gets its own timeout.
 *
 * Pacing: Graph throttles per app per tenant, so every request that reaches the wire first takes slots from the
 * budget of (tenant, app) on the run's rate gate — one slot per request, and one per sub-request for a `$batch`
 * (Graph counts each sub-request against throttling individually; `RequestCost` carries the count). Token requests
 * go to Entra ID, not Graph, and are not paced.
 */
import type { ClientSecretCredentialOptions, TokenCredential } from '@azure/identity';
import {
  AuthenticationHandler,
  Client,
  HTTPMessageHandler,
  RetryHandler,
  RetryHandlerOptions,
  type Context,
  type Middleware,
  type MiddlewareOptions,
} from '@microsoft/microsoft-graph-client';
// The package has no "exports" map and Node's ESM loader refuses directory imports: name the file.
import { TokenCredentialAuthenticationProvider } from '@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials/index.js';
import type { CollectorContext } from '../../src/collector-kit/plugin.js';
import { accountBudget, rateGateOf, type RateBudget } from '../../src/collector-kit/rate-gate.js';
import { untrustedCertificateCode } from '../../src/http/errors.js';
import { scrub } from '../../src/log/secrets.js';
import { recordRetry } from '../../src/metrics.js';
import type { ResolvedCloud } from './clouds.js';
import type { M365Config } from './config.js';
import { buildCredential, type DescribedCredential } from './credentials.js';
import { BATCH_LIMIT, GRAPH_PACING } from './endpoints.js';
import { UntrustedCertificateError } from './errors.js';

/** A mutable request count. One per data source, plus one total for the collector. */
export class RequestCounter {
  count = 0;
}

/**
 * Per-request middleware option naming the counters a request (and each of its retries) is charged to, so each
 * evidence item can report the requests it cost. MiddlewareControl looks options up by constructor.
 */
export class RequestTag implements MiddlewareOptions {
  readonly counters: readonly RequestCounter[];
  constructor(...counters: RequestCounter[]) {
    this.counters = counters;
  }
}

/** Per-request middleware option: how many requests Graph counts this one as (a `$batch`: its sub-requests). */
export class RequestCost implements MiddlewareOptions {
  constructor(readonly requests: number) {}
}

/** Waits until `cost` requests may go to Graph for this tenant and app; rejects when the signal aborts. */
export type GraphPace = (cost: number, signal: AbortSignal) => Promise<void>;

/**
 * The Graph budget of one app in one tenant (tenant and client ids are not secrets). `rateLimit` in the config
 * replaces the default GRAPH_PACING.
 */
export function graphBudgetOf(config: Pick<M365Config, 'tenantId' | 'clientId' | 'rateLimit'>): RateBudget {
  const key = `m365:${config.tenantId.toLowerCase()}:${config.clientId.toLowerCase()}`;
  return accountBudget('m365', key, config.rateLimit, GRAPH_PACING, BATCH_LIMIT);
}

/** The pacing of one collector run: its (tenant, app) budget on the run's rate gate. */
export function graphPace(config: Pick<M365Config, 'tenantId' | 'clientId' | 'rateLimit'>, ctx: Pick<CollectorContext, 'rateGate'>): GraphPace {
  const gate = rateGateOf(ctx);
  const budget = graphBudgetOf(config);
  return (cost, signal) => gate.take(budget, signal, cost);
}

/**
 * Counts every HTTP request that reaches the wire, paces it under the (tenant, app) budget, and bounds each attempt
 * with its own timeout, combined with the scan's abort signal so a cancelled scan stops in-flight calls at once.
 */
export class RequestMeter implements Middleware {
  private next: Middleware | undefined;

  constructor(
    private readonly total: RequestCounter,
    private readonly timeoutMs: number,
    private readonly signal: AbortSignal,
    private readonly pace?: GraphPace,
  ) {}

  async execute(context: Context): Promise<void> {
    // Before the attempt's timeout starts: waiting for the budget is not the server being slow.
    const cost = context.middlewareControl?.getMiddlewareOptions(RequestCost) as RequestCost | undefined;
    if (this.pace) await this.pace(cost?.requests ?? 1, this.signal);
    this.total.count += 1;
    const tag = context.middlewareControl?.getMiddlewareOptions(RequestTag) as RequestTag | undefined;
    for (const counter of tag?.counters ?? []) counter.count += 1;

    if (!this.next) throw new Error('RequestMeter has no next middleware');
    const options = (context.options ??= {});
    // The RetryHandler marks each retry attempt with a Retry-Attempt header (after a 429/503/504): count it.
    if (options.headers && new Headers(options.headers as ConstructorParameters<typeof Headers>[0]).has('Retry-Attempt')) recordRetry('m365');
    const previous = options.signal ?? undefined;
    const signals = [this.signal, AbortSignal.timeout(this.timeoutMs)];
    if (previous) signals.push(previous);
    options.signal = AbortSignal.any(signals);
    try {
      await this.next.execute(context);
    } catch (err) {
      // fetch reports a TLS failure as "fetch failed" with the code in `cause`, and the Graph client keeps only the
      // message: name the untrusted certificate here, where the code is still at hand.
      const code = untrustedCertificateCode(err);
      throw code ? new UntrustedCertificateError(code, { cause: err }) : err;
    } finally {
      // The retry handler re-runs the chain with the same options: give the next attempt a fresh timeout.
      options.signal = previous ?? null;
    }
  }

  setNext(next: Middleware): void {
    this.next = next;
  }
}

type PipelinePolicyConfig = NonNullable<ClientSecretCredentialOptions['additionalPolicies']>[number];

/**
 * The untrusted-certificate code a credential's requests met, if any. MSAL replaces a failed request with its own
 * error (`endpoints_resolution_error`, `network_error`) and drops the cause, which would read as an unknown tenant.
 */
const untrustedCertificates = new WeakMap<TokenCredential, { code?: string }>();

/** A pipeline policy that notes the TLS code of a request that failed on the server's certificate. */
function untrustedCertificateRecorder(seen: { code?: string }): PipelinePolicyConfig {
  return {
    position: 'perRetry',
    policy: {
      name: 'ratchetUntrustedCertificateRecorder',
      async sendRequest(request, next) {
        try {
          return await next(request);
        } catch (err) {
          seen.code ??= untrustedCertificateCode(err);
          throw err;
        }
      },
    },
  };
}

/** The section's credential (credentials.ts) and the line doctor prints about it. */
export function createDescribedCredential(config: M365Config, cloud: ResolvedCloud): DescribedCredential {
  const seen: { code?: string } = {};
  const options: ClientSecretCredentialOptions = {
    authorityHost: cloud.authorityHost,
    // Instance discovery asks login.microsoftonline.com whether the authority is known; a custom (sovereign or
    // simulated) authority is not, and is trusted because the operator configured it.
    ...(cloud.custom ? { disableInstanceDiscovery: true } : {}),
    additionalPolicies: [untrustedCertificateRecorder(seen)],
  };
  const built = buildCredential(config, cloud, options);
  untrustedCertificates.set(built.credential, seen);
  return built;
}

export function createCredential(config: M365Config, cloud: ResolvedCloud): TokenCredential {
  return createDescribedCredential(config, cloud).credential;
}

export interface GraphClientOptions {
  timeoutMs: number;
  maxRetries: number;
  /** The scan's abort signal. */
  signal: AbortSignal;
  /** Counts every request made through this client, retries included. */
  total: RequestCounter;
  /**
   * Base back-off in seconds when a 429/503/504 carries no Retry-After (the library grows it exponentially).
   * When the server sends Retry-After, that is what the handler waits.
   */
  retryDelaySeconds?: number;
  /** Pacing of every request on the wire (`graphPace`); undefined = none (tests of the chain alone). */
  pace?: GraphPace;
}

export function createGraphClient(credential: TokenCredential, cloud: ResolvedCloud, opts: GraphClientOptions): Client {
  const authProvider = new TokenCredentialAuthenticationProvider(credential, {
    scopes: [cloud.scope],
    getTokenOptions: { abortSignal: opts.signal },
  });
  const chain: Middleware[] = [
    new AuthenticationHandler(authProvider),
    new RetryHandler(new RetryHandlerOptions(opts.retryDelaySeconds ?? 1, opts.maxRetries)),
    new RequestMeter(opts.total, opts.timeoutMs, opts.signal, opts.pace),
    new HTTPMessageHandler(),
  ];
  return Client.initWithMiddleware({
    middleware: chain,
    // The client joins baseUrl + version + path, so the version is given separately (→ `${graphEndpoint}/v1.0`).
    baseUrl: cloud.graphEndpoint,
    defaultVersion: 'v1.0',
    // Tokens are only attached to known Graph hosts; a custom cloud's host must be declared.
    customHosts: new Set([cloud.graphHost]),
  });
}

/**
 * Acquire a token once up front: a bad secret or unknown tenant then fails the collector with one clear line
 * instead of failing every endpoint with the same error.
 */
export async function acquireToken(credential: TokenCredential, cloud: ResolvedCloud, timeoutMs: number, signal: AbortSignal): Promise<void> {
  let token;
  try {
    token = await credential.getToken(cloud.scope, { abortSignal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) });
  } catch (err) {
    const code = untrustedCertificates.get(credential)?.code;
    throw code ? new UntrustedCertificateError(code, { cause: err }) : err;
  }
  if (!token?.token) throw new Error('the token endpoint returned no access token');
}

/** MSAL error codes that carry no AADSTS code, in words an operator can act on. */
const MSAL_HINTS: Record<string, string> = {
  endpoints_resolution_error: 'could not read the tenant OpenID metadata (unknown tenant id/domain, or the authority is unreachable)',
  network_error: 'network error reaching the authority',
  invalid_client: 'the client credential was rejected',
  unauthorized_client: 'the application is not known in this tenant (admin consent missing?)',
};

/**
 * One line naming the tenant and what failed, e.g.
 * `token request for tenant contoso.onmicrosoft.com failed: AADSTS7000215 Invalid client secret provided. (invalid_client)`.
 */
export function describeTokenError(err: unknown, config: Pick<M365Config, 'tenantId' | 'clientId'>, cloud: ResolvedCloud): string {
  const raw = err instanceof Error ? err.message : String(err);
  const head = `token request for tenant ${config.tenantId} (client ${config.clientId}) at ${cloud.authorityHost} failed`;
  const aadsts = /AADSTS(\d+):?\s*([^\r\n]*)/.exec(raw);
  const oauthCode = /^([a-z_]+):/.exec(raw)?.[1];
  const tlsCode = untrustedCertificateCode(err);
  let detail: string;
  if (tlsCode) {
    detail = new UntrustedCertificateError(tlsCode).message;
  } else if (aadsts) {
    // Microsoft appends "Trace ID: … Correlation ID: … Timestamp: …" to the description; keep the sentence.
    const sentence = (aadsts[2] ?? '').split(/\s+(?:Trace ID|Correlation ID|Timestamp):/)[0]?.replace(/\s+-\s*$/, '').trim() ?? '';
    detail = `AADSTS${aadsts[1]} ${sentence}`.trim() + (oauthCode ? ` (${oauthCode})` : '');
  } else if (oauthCode && MSAL_HINTS[oauthCode]) {
    detail = `${MSAL_HINTS[oauthCode]} (${oauthCode})`;
  } else if (err instanceof Error && (err.name === 'AbortError' || err.name === 'TimeoutError')) {
    detail = 'timed out';
  } else {
    detail = raw;
  }
  const line = `${head}: ${detail}`.replace(/\s+/g, ' ').trim();
  return scrub(line.length > 400 ? `${line.slice(0, 399)}…` : line);
}
