/**
 * One POST to an alert receiver (Teams, Slack, generic webhook), with the rules all three share:
 * - a per-request timeout, combined with the dispatcher's signal, so a stalled receiver never holds the outbox;
 * - TLS verification always on (axios/Node defaults; nothing here can turn it off);
 * - no redirects: a redirected POST would either be replayed elsewhere with our signature or silently turned into a
 *   GET, and a receiver that moved is a configuration change the operator must make;
 * - no proxy from the environment, like the vendor HTTP layer: alerts go to the configured host only;
 * - every failure becomes an {@link AlertDeliveryError} that names the channel id and host, never the URL: Teams
 *   and Slack webhook URLs are bearer credentials, and a generic webhook's query string often carries a token.
 * The axios error never escapes: its `config` holds the full URL and our headers.
 */
import axios, { AxiosError } from 'axios';
import { TLS_ERROR } from '../http/errors.js';
import type { AlertEvent } from '../domain/episode.js';
import type { AlertChannel } from './channel.js';
import { AlertDeliveryError, answerSnippet, parseRetryAfter } from './errors.js';

export const DEFAULT_HTTP_TIMEOUT_MS = 15_000;

export interface PostOptions {
  channel: string;
  url: string;
  body: Buffer;
  headers: Record<string, string>;
  timeoutMs: number;
  signal: AbortSignal;
}

export interface PostResult {
  status: number;
  body: string;
}

/** `host[:port]` of a URL, the only part of a webhook URL that may be logged. */
export function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'invalid-url';
  }
}

export async function postToReceiver(opts: PostOptions): Promise<PostResult> {
  const host = safeHost(opts.url);
  const what = `${opts.channel} POST to ${host}`;
  const timeout = AbortSignal.timeout(opts.timeoutMs);
  const signal = AbortSignal.any([opts.signal, timeout]);
  try {
    const res = await axios.request<string>({
      method: 'POST',
      url: opts.url,
      data: opts.body,
      headers: { 'User-Agent': 'ratchet', ...opts.headers },
      timeout: opts.timeoutMs,
      signal,
      proxy: false,
      maxRedirects: 0,
      // Answers are small ("ok", "1", a JSON error); a receiver streaming megabytes is not one we need to read.
      maxContentLength: 64 * 1024,
      responseType: 'text',
      transformResponse: [(d: unknown) => d],
      validateStatus: () => true,
    });
    const text = typeof res.data === 'string' ? res.data : answerSnippet(res.data);
    if (res.status >= 200 && res.status < 300) return { status: res.status, body: text };
    const snippet = answerSnippet(text);
    const detail = `${what} failed: HTTP ${res.status}${snippet ? `: ${snippet}` : ''}`;
    if (res.status === 429) {
      throw new AlertDeliveryError(opts.channel, 'throttled', detail, 429, parseRetryAfter(res.headers['retry-after']));
    }
    // 408 is the receiver saying it timed out waiting for us: as transient as a 5xx.
    if (res.status >= 500 || res.status === 408) {
      throw new AlertDeliveryError(opts.channel, 'server', detail, res.status, parseRetryAfter(res.headers['retry-after']));
    }
    if (res.status >= 300 && res.status < 400) {
      throw new AlertDeliveryError(opts.channel, 'rejected', `${detail} (redirects are not followed: update the URL in alerts[])`, res.status);
    }
    throw new AlertDeliveryError(opts.channel, 'rejected', detail, res.status);
  } catch (e) {
    if (e instanceof AlertDeliveryError) throw e;
    const code = e instanceof AxiosError ? e.code : (e as { code?: string } | null)?.code;
    if (timeout.aborted || code === 'ECONNABORTED' || code === 'ETIMEDOUT') {
      throw new AlertDeliveryError(opts.channel, 'timeout', `${what} timed out after ${opts.timeoutMs} ms`);
    }
    if (opts.signal.aborted || code === 'ERR_CANCELED') {
      throw new AlertDeliveryError(opts.channel, 'timeout', `${what} aborted (delivery time limit reached)`);
    }
    if (code && TLS_ERROR.test(code)) {
      throw new AlertDeliveryError(opts.channel, 'tls', `${what} failed: ${code} (the receiver's certificate is not trusted; add its CA through NODE_EXTRA_CA_CERTS)`);
    }
    // Only the code: an axios/Node message may quote the URL.
    throw new AlertDeliveryError(opts.channel, 'network', `${what} failed: ${code ?? 'network error'}`);
  }
}

/** A chat webhook (Teams Workflows, Slack incoming webhook): the URL is the credential, the body one JSON message. */
export interface ChatWebhookOptions {
  id: string;
  url: string;
  timeoutMs?: number;
}

/**
 * A channel that posts one JSON payload per event to a chat webhook. Chat webhooks take no idempotency header: a
 * retry after a lost 2xx can post twice, which is the price of at-least-once delivery; the outbox only retries when
 * it saw no 2xx.
 */
export function chatWebhookChannel(type: 'teams' | 'slack', opts: ChatWebhookOptions, payload: (event: AlertEvent) => unknown): AlertChannel {
  return {
    id: opts.id,
    type,
    target: safeHost(opts.url),
    async send(event, _idempotencyKey, signal) {
      await postToReceiver({
        channel: opts.id,
        url: opts.url,
        body: Buffer.from(JSON.stringify(payload(event)), 'utf8'),
        headers: { 'Content-Type': 'application/json' },
        timeoutMs: opts.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS,
        signal,
      });
    },
  };
}
