/**
 * The alert outbox. Scans never send anything: they write one `pending` delivery row per channel in the same
 * transaction as the scan and its episodes (store.saveScan). This dispatcher, independent of scanning, reads due rows
 * and sends them — so a slow or failing receiver can never block or fail a scan, and an alert is never lost: it is
 * in the database before anyone tries to send it, and stays there until it is delivered or has failed loudly.
 *
 * Delivery is at least once. Every attempt first claims its row (`store.claimDueDeliveries`: attempts + 1 and a
 * lease past the send timeout, in one atomic step), then sends, then records the outcome. A crash between send and
 * record re-sends after the lease with the same idempotency key (webhook `Idempotency-Key`, email Message-ID), which
 * receivers use to drop the duplicate; a delivered row is never sent again. Because the claim is atomic in the
 * store (PostgreSQL `FOR UPDATE SKIP LOCKED`, SQLite's write lock), any number of dispatchers on one database —
 * several `ratchet serve` replicas, or one next to a CLI `ratchet scan` — split the due rows between them and
 * never send the same alert twice; a reading-then-updating claim would let two of them read the same row and both
 * send it. A row whose sending crashes the process still runs out of attempts instead of looping forever.
 *
 * Rows are claimed one at a time, each right before its send, by `concurrency` workers: the lease then only has to
 * cover one send, rows not yet started stay unclaimed (free for another replica, untouched when the dispatcher
 * stops or a drain runs out of time), and replicas share a burst instead of one of them holding a whole batch.
 *
 * Retries: network errors, timeouts, 429 and 5xx back off 30 s, 60 s, 120 s … capped at 1 h, or later when the
 * receiver's Retry-After asks for more; other 4xx fail at once (sending the same request again cannot help); after
 * `maxAttempts` the row is `failed`. Every failure is logged with channel id, event, episode and attempt — never a
 * URL or secret (channel errors are built without them and scrubbed).
 */
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { scrub } from '../log/secrets.js';
import type { AlertEvent, Delivery } from '../domain/episode.js';
import type { DeliveryUpdate, Store } from '../store/store.js';
import type { AlertChannel } from './channel.js';
import { AlertDeliveryError, isAlertDeliveryError } from './errors.js';
import { SerialLoop } from '../runtime/serial-loop.js';

export interface AlertDispatcherOptions {
  store: Store;
  channels: readonly AlertChannel[];
  logger: Logger;
  /** The clock for due times and timestamps (tests move it). Timeouts use real time. */
  now?: () => Date;
  /** Attempts before a row is marked failed. */
  maxAttempts?: number;
  /** First retry delay; doubles per attempt. */
  backoffBaseMs?: number;
  /** Longest backoff delay. */
  backoffMaxMs?: number;
  /** Longest Retry-After honoured (a receiver asking for a day is capped, not obeyed blindly). */
  maxRetryAfterMs?: number;
  /** Hard limit for one send, whatever the channel does with its own timeouts. */
  sendTimeoutMs?: number;
  /** Sends in flight at once. */
  concurrency?: number;
  /** Most rows claimed per run. */
  batchSize?: number;
}

export interface DispatchResult {
  delivered: number;
  /** Failed attempts that will be tried again. */
  retried: number;
  /** Rows that reached `failed` in this run. */
  failed: number;
}

export interface DrainResult extends DispatchResult {
  /** Rows still pending afterwards (not yet due, or left when time ran out); capped at 1000. */
  pending: number;
  /** The earliest next attempt among them. */
  nextAttemptAt: string | null;
  /** Time ran out while rows were still due. */
  timedOut: boolean;
}

interface RunStats extends DispatchResult {
  /** Rows claimed. */
  seen: number;
  /** Claiming stopped early because the drain deadline was near or the dispatcher is stopping. */
  cutShort: boolean;
  /** Why claiming failed (the store), if it did; the sends already claimed were finished first. */
  failure: { error: unknown } | null;
}

const FAR_FUTURE = '9999-12-31T23:59:59.999Z';
/** Don't start a send with less time than this left before a drain deadline: it would only burn an attempt. */
const MIN_SEND_WINDOW_MS = 5_000;

/** Outbox row id for an idempotency key: deterministic, so planning the same event twice yields the same rows. */
export function deliveryId(idempotencyKey: string): string {
  return `dl-${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 24)}`;
}

/**
 * One pending row per channel for an event. Same event, same channels → identical rows (ids and keys), and the
 * store ignores a key it already has, so replaying a scan's effects never queues an alert twice. Takes channels or
 * bare channel ids (the scan path only knows the ids).
 */
export function planDeliveries(event: AlertEvent, channels: ReadonlyArray<AlertChannel | string>, now: Date): Delivery[] {
  const at = now.toISOString();
  return channels.map((c) => {
    const channel = typeof c === 'string' ? c : c.id;
    const idempotencyKey = `${event.episodeId}:${event.kind}:${channel}`;
    return {
      id: deliveryId(idempotencyKey),
      episodeId: event.episodeId,
      event: event.kind,
      channel,
      idempotencyKey,
      payload: event,
      status: 'pending',
      attempts: 0,
      nextAttemptAt: at,
      lastError: null,
      createdAt: at,
      deliveredAt: null,
    };
  });
}

function errorMessage(err: unknown): string {
  return scrub(err instanceof Error ? err.message : String(err)).slice(0, 1000);
}

export class AlertDispatcher {
  private readonly store: Store;
  private readonly channels: ReadonlyMap<string, AlertChannel>;
  private readonly logger: Logger;
  private readonly now: () => Date;
  private readonly maxAttempts: number;
  private readonly backoffBaseMs: number;
  private readonly backoffMaxMs: number;
  private readonly maxRetryAfterMs: number;
  private readonly sendTimeoutMs: number;
  private readonly concurrency: number;
  private readonly batchSize: number;

  /**
   * Runs are chained, never overlapping: the loop, a drain and a manual runOnce queue behind each other. While stop()
   * waits, queued sends of the current run are left for next time instead of started.
   */
  private readonly loop = new SerialLoop();

  constructor(opts: AlertDispatcherOptions) {
    this.store = opts.store;
    this.channels = new Map(opts.channels.map((c) => [c.id, c]));
    this.logger = opts.logger.child({ component: 'alerts' });
    this.now = opts.now ?? (() => new Date());
    this.maxAttempts = Math.max(1, opts.maxAttempts ?? 8);
    this.backoffBaseMs = opts.backoffBaseMs ?? 30_000;
    this.backoffMaxMs = opts.backoffMaxMs ?? 3_600_000;
    this.maxRetryAfterMs = opts.maxRetryAfterMs ?? 6 * 3_600_000;
    this.sendTimeoutMs = opts.sendTimeoutMs ?? 30_000;
    this.concurrency = Math.max(1, opts.concurrency ?? 4);
    this.batchSize = Math.max(1, opts.batchSize ?? 50);
  }

  /** Delay before the next attempt after `attempts` failed ones (1 → base, 2 → 2 × base, …, capped). */
  backoffMs(attempts: number): number {
    return Math.min(this.backoffMaxMs, this.backoffBaseMs * 2 ** Math.max(0, attempts - 1));
  }

  /** Sends what is due now, once. */
  async runOnce(): Promise<DispatchResult> {
    const { delivered, retried, failed, failure } = await this.serial(() => this.run(null));
    if (failure) throw failure.error;
    return { delivered, retried, failed };
  }

  /**
   * For the one-shot CLI: run until nothing is due or `timeoutMs` (real time) is up. Attempts scheduled for later
   * are not waited for: they stay pending for the next `ratchet scan` or `ratchet serve`, and are reported.
   */
  async drain(timeoutMs = 60_000): Promise<DrainResult> {
    const deadline = Date.now() + timeoutMs;
    const total: DispatchResult = { delivered: 0, retried: 0, failed: 0 };
    let timedOut = false;
    for (;;) {
      if (Date.now() >= deadline) {
        timedOut = (await this.store.dueDeliveries(this.now().toISOString(), 1)).length > 0;
        break;
      }
      let r: RunStats;
      try {
        r = await this.serial(() => this.run(deadline));
      } catch (err) {
        r = { delivered: 0, retried: 0, failed: 0, seen: 0, cutShort: false, failure: { error: err } };
      }
      total.delivered += r.delivered;
      total.retried += r.retried;
      total.failed += r.failed;
      if (r.failure) {
        // The rows are still in the outbox; a broken store must not turn a finished scan into a failed command.
        this.logger.error({ error: errorMessage(r.failure.error) }, 'alert dispatch run failed; pending alerts stay queued');
        break;
      }
      if (r.cutShort) {
        timedOut = (await this.store.dueDeliveries(this.now().toISOString(), 1)).length > 0;
        break;
      }
      if (r.seen === 0) break;
    }
    const pendingRows = await this.store.dueDeliveries(FAR_FUTURE, 1000);
    const nextAttemptAt = pendingRows[0]?.nextAttemptAt ?? null;
    const result: DrainResult = { ...total, pending: pendingRows.length, nextAttemptAt, timedOut };
    if (pendingRows.length > 0) {
      this.logger.warn(
        { ...result },
        `${pendingRows.length} alert deliver${pendingRows.length === 1 ? 'y' : 'ies'} still pending; the next run of ratchet scan or ratchet serve retries them`,
      );
    }
    return result;
  }

  /**
   * For the long-running server: a run now, then one every `intervalMs` after the previous run finished (a slow
   * run delays the next instead of overlapping it). A failing run is logged and the loop goes on.
   */
  start(intervalMs = 30_000): void {
    this.loop.start(intervalMs, () => this.runOnce(), (err) => this.logger.error({ error: errorMessage(err) }, 'alert dispatch run failed; retrying on the next tick'));
  }

  /**
   * Stops the loop and waits for the run in progress: sends already in flight finish (each within the send
   * timeout — aborting them could leave the receiver with the alert and us without a record), sends not yet
   * started are left pending for the next start.
   */
  stop(): Promise<void> {
    return this.loop.stop();
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    return this.loop.serial(fn);
  }

  /**
   * One run: `concurrency` workers, each claiming one due row, sending it, recording it, and claiming the next,
   * until nothing is due, `batchSize` rows were claimed, the drain deadline is near or the dispatcher is stopping.
   * Due means due when the run began, so a row that fails in this run is not tried again in it. Never rejects:
   * a failing claim stops the run's claiming and is returned once the sends in flight have finished.
   */
  private async run(deadline: number | null): Promise<RunStats> {
    const dueBy = this.now().toISOString();
    const stats: RunStats = { delivered: 0, retried: 0, failed: 0, seen: 0, cutShort: false, failure: null };
    let claims = 0;
    let drained = false;
    const worker = async (): Promise<void> => {
      while (!drained && stats.failure === null && claims < this.batchSize) {
        if (this.loop.halting) {
          stats.cutShort = true;
          return;
        }
        let timeoutMs = this.sendTimeoutMs;
        if (deadline !== null) {
          const left = deadline - Date.now();
          if (left < Math.min(this.sendTimeoutMs, MIN_SEND_WINDOW_MS)) {
            stats.cutShort = true;
            return;
          }
          timeoutMs = Math.min(timeoutMs, left);
        }
        claims += 1;
        let claimed: Delivery[];
        try {
          // The lease covers this one send and recording its outcome: if we crash meanwhile, the row comes back
          // after it, with the attempt counted.
          claimed = await this.store.claimDueDeliveries(dueBy, 1, this.at(timeoutMs + MIN_SEND_WINDOW_MS));
        } catch (error) {
          stats.failure ??= { error };
          return;
        }
        const d = claimed[0];
        if (!d) {
          drained = true;
          return;
        }
        stats.seen += 1;
        const outcome = await this.attempt(d, timeoutMs);
        if (outcome) stats[outcome] += 1;
      }
    };
    await Promise.all(Array.from({ length: this.concurrency }, worker));
    return stats;
  }

  /** One attempt of one claimed row (its `attempts` already counts this one); never throws. */
  private async attempt(d: Delivery, timeoutMs: number): Promise<keyof DispatchResult | null> {
    const channel = this.channels.get(d.channel);
    const attempt = d.attempts;
    const fields = {
      channel: d.channel,
      channelType: channel?.type ?? null,
      target: channel?.target ?? null,
      event: d.event,
      episode: d.episodeId,
      tenant: d.payload.tenant?.id,
      delivery: d.id,
      attempt,
      maxAttempts: this.maxAttempts,
    };

    if (!channel) {
      const reason = `channel ${d.channel} is not in the current config (alerts[] changed after this alert was queued); not sent`;
      this.logger.error(fields, `alert delivery failed: ${reason}`);
      // Nothing was sent, so the claim's attempt is not counted.
      const ok = await this.update(d, { status: 'failed', attempts: attempt - 1, nextAttemptAt: this.at(0), lastError: reason, deliveredAt: null }, fields);
      return ok ? 'failed' : null;
    }

    try {
      await this.sendWithTimeout(channel, d, timeoutMs);
    } catch (err) {
      return this.recordFailure(d, attempt, err, fields);
    }
    const deliveredAt = this.now().toISOString();
    this.logger.info(fields, 'alert delivered');
    const ok = await this.update(d, { status: 'delivered', attempts: attempt, nextAttemptAt: d.nextAttemptAt, lastError: null, deliveredAt }, fields);
    // Not recorded: it will be sent again after the lease, with the same idempotency key.
    return ok ? 'delivered' : 'retried';
  }

  private async recordFailure(d: Delivery, attempt: number, err: unknown, fields: Record<string, unknown>): Promise<keyof DispatchResult> {
    const classified = isAlertDeliveryError(err) ? err : null;
    // An unclassified error (a bug in a channel, say) is retried: giving up on an alert needs a definite "no".
    const retryable = classified ? classified.retryable : true;
    const message = errorMessage(err);
    const log = { ...fields, kind: classified?.kind ?? 'unknown', status: classified?.status ?? null, error: message };
    if (!retryable || attempt >= this.maxAttempts) {
      const lastError = retryable ? `gave up after ${attempt} attempts: ${message}` : message;
      this.logger.error(log, retryable ? `alert delivery failed after ${attempt} attempts; giving up` : 'alert delivery rejected by the receiver; not retrying');
      await this.update(d, { status: 'failed', attempts: attempt, nextAttemptAt: this.at(0), lastError, deliveredAt: null }, fields);
      return 'failed';
    }
    const retryAfter = classified?.retryAfterMs ?? null;
    const delay = Math.max(this.backoffMs(attempt), retryAfter === null ? 0 : Math.min(retryAfter, this.maxRetryAfterMs));
    const nextAttemptAt = this.at(delay);
    this.logger.warn({ ...log, nextAttemptAt, retryAfterMs: retryAfter }, 'alert delivery failed; will retry');
    await this.update(d, { status: 'pending', attempts: attempt, nextAttemptAt, lastError: message, deliveredAt: null }, fields);
    return 'retried';
  }

  private async sendWithTimeout(channel: AlertChannel, d: Delivery, timeoutMs: number): Promise<void> {
    const ac = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    // The channel gets the signal to stop its own work; the race guarantees the outbox moves on even if it doesn't.
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const err = new AlertDeliveryError(channel.id, 'timeout', `${channel.id} gave no result within ${timeoutMs} ms`);
        ac.abort(err);
        reject(err);
      }, timeoutMs);
    });
    try {
      await Promise.race([channel.send(d.payload, d.idempotencyKey, ac.signal), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private at(delayMs: number): string {
    return new Date(this.now().getTime() + delayMs).toISOString();
  }

  private async update(d: Delivery, update: DeliveryUpdate, fields: Record<string, unknown>): Promise<boolean> {
    try {
      await this.store.updateDelivery(d.id, update);
      return true;
    } catch (err) {
      this.logger.error({ ...fields, error: errorMessage(err), status: update.status }, 'could not record alert delivery state');
      return false;
    }
  }
}
