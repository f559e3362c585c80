/** An alert destination (Teams, Slack, webhook, email). Channels are stateless senders; the outbox retries. */
import type { AlertEvent } from '../regression/types.js';

export interface AlertChannel {
  /** `<index>:<type>`, matching Delivery.channel. */
  id: string;
  type: 'teams' | 'slack' | 'webhook' | 'email';
  /** Throws on failure (the message is logged and stored, so it must carry no secret). */
  send(event: AlertEvent, idempotencyKey: string, signal: AbortSignal): Promise<void>;
}
