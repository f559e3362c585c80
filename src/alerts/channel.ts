/** An alert destination (Teams, Slack, webhook, email). Channels are stateless senders; the outbox retries. */
import type { AlertEvent } from '../domain/episode.js';

export interface AlertChannel {
  /** `<index>:<type>`, matching Delivery.channel. */
  id: string;
  type: 'teams' | 'slack' | 'webhook' | 'email';
  /**
   * Where it sends, for logs: a host (`hooks.slack.com`, `smtp.example:587`) — never a path, query or address list,
   * since Teams and Slack webhook URLs are credentials in themselves.
   */
  target?: string;
  /**
   * Throws on failure (the message is logged and stored, so it must carry no secret). An `AlertDeliveryError`
   * (alerts/errors.ts) says whether a retry can help and carries the receiver's Retry-After; anything else thrown
   * is treated as retryable.
   */
  send(event: AlertEvent, idempotencyKey: string, signal: AbortSignal): Promise<void>;
}
