/**
 * Generic JSON webhook (a PSA, a ticketing system, an automation platform).
 *
 * Request:
 *   POST <url>
 *   Content-Type: application/json
 *   X-Ratchet-Event: regression | recovery | lost_visibility | visibility_restored
 *   Idempotency-Key: <episodeId>:<kind>:<channel id>       — identical on every retry and after a restart
 *   X-Ratchet-Timestamp: <unix seconds of this attempt>     — informational, not signed
 *   X-Ratchet-Signature: sha256=<hex HMAC-SHA256(secret, raw body bytes)>   — only when `secret` is configured
 *   body: {"schemaVersion":1,"event":{…AlertEvent…}}
 *
 * Any 2xx is success. 429 and 5xx (and 408) are retried with backoff, honouring Retry-After; any other status is
 * a permanent failure (logged, kept in the outbox as `failed`). Delivery is at least once: a receiver must dedupe
 * on `Idempotency-Key` (or on the signed `event.episodeId` + `event.kind`, which determine it for a given channel).
 *
 * How a receiver verifies the signature:
 *   1. Read the raw request body as bytes, before any JSON parsing (re-serialising changes the bytes).
 *   2. expected = "sha256=" + hex(HMAC-SHA256(key = shared secret as UTF-8, message = raw body)).
 *   3. Compare `expected` with the X-Ratchet-Signature header in constant time, after checking the lengths match:
 *        const a = Buffer.from(expected), b = Buffer.from(header ?? '');
 *        const ok = a.length === b.length && crypto.timingSafeEqual(a, b);
 *      (a plain `===` leaks, through timing, how many leading characters matched).
 *   4. Reject on mismatch; then dedupe on Idempotency-Key. For freshness, use the signed `event.occurredAt`,
 *      not X-Ratchet-Timestamp, which is outside the signature.
 * {@link verifySignature} does exactly this.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { AlertEvent } from '../domain/episode.js';
import type { AlertChannel } from './channel.js';
import { DEFAULT_HTTP_TIMEOUT_MS, postToReceiver, safeHost } from './http.js';

export interface WebhookChannelOptions {
  id: string;
  url: string;
  /** Shared HMAC secret; no signature header without it. */
  secret?: string;
  timeoutMs?: number;
  now?: () => Date;
}

export const SIGNATURE_HEADER = 'X-Ratchet-Signature';

export interface WebhookBody {
  schemaVersion: 1;
  event: AlertEvent;
}

/** The exact bytes that are sent and signed. */
export function webhookBody(event: AlertEvent): Buffer {
  const body: WebhookBody = { schemaVersion: 1, event };
  return Buffer.from(JSON.stringify(body), 'utf8');
}

/** `sha256=<hex>` of the body bytes. */
export function signBody(secret: string, body: Buffer | string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** For receivers (and tests): constant-time check of an `X-Ratchet-Signature` header against the raw body. */
export function verifySignature(secret: string, rawBody: Buffer | string, header: string | string[] | undefined): boolean {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return false;
  const expected = Buffer.from(signBody(secret, rawBody), 'utf8');
  const given = Buffer.from(value, 'utf8');
  return expected.length === given.length && timingSafeEqual(expected, given);
}

export function webhookHeaders(event: AlertEvent, idempotencyKey: string, body: Buffer, secret: string | undefined, now: Date): Record<string, string> {
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    'X-Ratchet-Event': event.kind,
    'Idempotency-Key': idempotencyKey,
    'X-Ratchet-Timestamp': String(Math.floor(now.getTime() / 1000)),
  };
  if (secret) headers[SIGNATURE_HEADER] = signBody(secret, body);
  return headers;
}

export function createWebhookChannel(opts: WebhookChannelOptions): AlertChannel {
  const now = opts.now ?? (() => new Date());
  return {
    id: opts.id,
    type: 'webhook',
    target: safeHost(opts.url),
    async send(event, idempotencyKey, signal) {
      const body = webhookBody(event);
      await postToReceiver({
        channel: opts.id,
        url: opts.url,
        body,
        headers: webhookHeaders(event, idempotencyKey, body, opts.secret, now()),
        timeoutMs: opts.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS,
        signal,
      });
    },
  };
}
