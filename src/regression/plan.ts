/** Turns alert events into outbox rows: one per channel, keyed so a replay never queues the same alert twice. */
import { createHash } from 'node:crypto';
import type { AlertEvent, Delivery } from './types.js';

export function planDeliveries(event: AlertEvent, channelIds: readonly string[], now: Date): Delivery[] {
  return channelIds.map((channel) => {
    const idempotencyKey = `${event.episodeId}:${event.kind}:${channel}`;
    return {
      id: `dl-${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 24)}`,
      episodeId: event.episodeId,
      event: event.kind,
      channel,
      idempotencyKey,
      payload: event,
      status: 'pending',
      attempts: 0,
      nextAttemptAt: now.toISOString(),
      lastError: null,
      createdAt: now.toISOString(),
      deliveredAt: null,
    };
  });
}
