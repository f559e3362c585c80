/**
 * Classified alert delivery failures. The outbox decides from `retryable` alone whether to try again later or give
 * up, and stores `message` in the delivery row and the log — so the message is scrubbed here, once, and is built
 * by the channels from the channel id, the receiver's host and a short answer snippet: never the URL (Teams/Slack
 * URLs are credentials), its query string, a header or the signing secret.
 */
import { scrub } from '../log/secrets.js';

export type AlertErrorKind =
  | 'network' // no answer: refused, reset, DNS
  | 'timeout' // no answer in time (our per-request timeout or the dispatcher's)
  | 'throttled' // 429
  | 'server' // 5xx (and 408)
  | 'rejected' // other 4xx, 3xx, an SMTP 5xx: sending the same thing again cannot help
  | 'tls' // the receiver's certificate is not trusted: a configuration problem, never "fixed" by disabling checks
  | 'config'; // the channel cannot be built or no longer exists

export class AlertDeliveryError extends Error {
  readonly retryable: boolean;

  constructor(
    /** `<index>:<type>` of the channel. */
    readonly channel: string,
    readonly kind: AlertErrorKind,
    message: string,
    /** HTTP status, or the SMTP reply code. */
    readonly status: number | null = null,
    /** The receiver's Retry-After, when it named one. */
    readonly retryAfterMs: number | null = null,
  ) {
    super(scrub(message));
    this.name = 'AlertDeliveryError';
    this.retryable = kind === 'network' || kind === 'timeout' || kind === 'throttled' || kind === 'server';
  }
}

export function isAlertDeliveryError(e: unknown): e is AlertDeliveryError {
  return e instanceof AlertDeliveryError;
}

/** Retry-After as milliseconds: delta-seconds or an HTTP-date (RFC 9110 §10.2.3); null when absent or unreadable. */
export function parseRetryAfter(value: unknown, now: number = Date.now()): number | null {
  const raw = Array.isArray(value) ? value[0] : value;
  if (typeof raw !== 'string' && typeof raw !== 'number') return null;
  const text = String(raw).trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const at = Date.parse(text);
  if (Number.isNaN(at)) return null;
  return Math.max(0, at - now);
}

/**
 * A short, single-line excerpt of a receiver's answer for the error message (Slack answers `invalid_payload`,
 * Power Automate a JSON error). URLs in it lose their query string in case a receiver echoes the request URL.
 */
export function answerSnippet(body: unknown, max = 200): string {
  let text: string;
  if (typeof body === 'string') text = body;
  else if (Buffer.isBuffer(body)) text = body.toString('utf8');
  else if (body === undefined || body === null) text = '';
  else {
    try {
      text = JSON.stringify(body);
    } catch {
      text = '';
    }
  }
  text = text
    .replace(/(https?:\/\/[^\s"'<>?#]*)[?#][^\s"'<>]*/gi, '$1?…')
    // eslint-disable-next-line no-control-regex -- stripping control characters is the point
    .replace(/[\u0000-\u001f\u007f]+/g, ' ')
    .trim();
  if (text.length > max) text = `${text.slice(0, max)}…`;
  return scrub(text);
}
