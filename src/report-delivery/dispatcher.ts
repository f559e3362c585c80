/**
 * Sends queued client reports (DESIGN §13) with the alert outbox's guarantees (see alerts/outbox.ts): every attempt
 * first claims its row atomically (attempts + 1 and a lease past the send timeout), then renders the report from
 * the stored history, mails it, and records the outcome. A crash mid-send re-sends after the lease with the same
 * Message-ID; a delivered row is never sent again; concurrent dispatchers split the due rows. Transient failures
 * (SMTP 4xx, network, a render that threw) back off 60 s, 120 s … capped at 1 h; an SMTP 5xx or bad credentials
 * fail the row at once; after `maxAttempts` the row is `failed`, logged loudly.
 */
import type { Logger } from 'pino';
import { isAlertDeliveryError } from '../alerts/errors.js';
import type { ReportDelivery, ReportJob } from '../domain/report-delivery.js';
import { scrub } from '../log/secrets.js';
import type { DeliveryUpdate, ReportOutboxStore } from '../store/store.js';
import type { RenderedReport, ReportMailer } from './mailer.js';
import { SerialLoop } from '../runtime/serial-loop.js';

export type ReportRenderer = (job: ReportJob) => Promise<RenderedReport>;

export interface ReportDispatcherOptions {
  store: ReportOutboxStore;
  render: ReportRenderer;
  mailer: ReportMailer;
  logger: Logger;
  now?: () => Date;
  maxAttempts?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** Limit for render + send of one report. */
  sendTimeoutMs?: number;
  /** Most rows per run. */
  batchSize?: number;
}

export interface ReportDispatchResult {
  delivered: number;
  retried: number;
  failed: number;
}

const message = (err: unknown) => scrub(err instanceof Error ? err.message : String(err)).slice(0, 1000);

export class ReportDispatcher {
  private readonly opts: Required<Omit<ReportDispatcherOptions, 'logger'>> & { logger: Logger };
  /** Serial runs; while stop() waits, rows not yet claimed in the current run are left for the next start. */
  private readonly loop = new SerialLoop();

  constructor(opts: ReportDispatcherOptions) {
    this.opts = {
      now: () => new Date(),
      maxAttempts: 8,
      backoffBaseMs: 60_000,
      backoffMaxMs: 3_600_000,
      sendTimeoutMs: 120_000,
      batchSize: 20,
      ...opts,
      logger: opts.logger.child({ component: 'reports' }),
    };
  }

  backoffMs(attempts: number): number {
    return Math.min(this.opts.backoffMaxMs, this.opts.backoffBaseMs * 2 ** Math.max(0, attempts - 1));
  }

  /** Sends what is due now, one row at a time; runs never overlap. */
  runOnce(): Promise<ReportDispatchResult> {
    return this.loop.serial(() => this.run());
  }

  /** For serve: a run now, then one every `intervalMs` after the previous one finished. */
  start(intervalMs = 30_000): void {
    this.loop.start(intervalMs, () => this.runOnce(), (err) => this.opts.logger.error({ error: message(err) }, 'report dispatch run failed; retrying on the next tick'));
  }

  /** Stops the loop and waits for the run in progress (a send in flight finishes and is recorded). */
  stop(): Promise<void> {
    return this.loop.stop();
  }

  private at(delayMs: number): string {
    return new Date(this.opts.now().getTime() + delayMs).toISOString();
  }

  private async run(): Promise<ReportDispatchResult> {
    const result: ReportDispatchResult = { delivered: 0, retried: 0, failed: 0 };
    const dueBy = this.opts.now().toISOString();
    for (let i = 0; i < this.opts.batchSize && !this.loop.halting; i++) {
      const [row] = await this.opts.store.claimDueReportDeliveries(dueBy, 1, this.at(this.opts.sendTimeoutMs + 5_000));
      if (!row) break;
      result[await this.attempt(row)] += 1;
    }
    return result;
  }

  private async attempt(d: ReportDelivery): Promise<keyof ReportDispatchResult> {
    const fields = { delivery: d.id, schedule: d.payload.scheduleId, tenant: d.payload.tenantId, period: d.payload.period.label, attempt: d.attempts, target: this.opts.mailer.target };
    try {
      await this.withTimeout((signal) => this.renderAndSend(d, signal));
    } catch (err) {
      const retryable = isAlertDeliveryError(err) ? err.retryable : true;
      const error = message(err);
      if (!retryable || d.attempts >= this.opts.maxAttempts) {
        this.opts.logger.error({ ...fields, error }, retryable ? `client report failed after ${d.attempts} attempts; giving up` : 'client report rejected by the mail server; not retrying');
        await this.update(d, { status: 'failed', attempts: d.attempts, nextAttemptAt: this.at(0), lastError: retryable ? `gave up after ${d.attempts} attempts: ${error}` : error, deliveredAt: null });
        return 'failed';
      }
      const nextAttemptAt = this.at(this.backoffMs(d.attempts));
      this.opts.logger.warn({ ...fields, error, nextAttemptAt }, 'client report not sent; will retry');
      await this.update(d, { status: 'pending', attempts: d.attempts, nextAttemptAt, lastError: error, deliveredAt: null });
      return 'retried';
    }
    this.opts.logger.info(fields, 'client report delivered');
    // If recording fails, the lease runs out and the report is sent again with the same Message-ID.
    const ok = await this.update(d, { status: 'delivered', attempts: d.attempts, nextAttemptAt: d.nextAttemptAt, lastError: null, deliveredAt: this.opts.now().toISOString() });
    return ok ? 'delivered' : 'retried';
  }

  private async renderAndSend(d: ReportDelivery, signal: AbortSignal): Promise<void> {
    // Rendered at send time from stored history: the row holds what to render, never the document.
    const report = await this.opts.render(d.payload);
    signal.throwIfAborted();
    await this.opts.mailer.send(report, d.payload.to, d.idempotencyKey, signal);
  }

  private async withTimeout(fn: (signal: AbortSignal) => Promise<void>): Promise<void> {
    const ac = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const err = new Error(`rendering and sending gave no result within ${this.opts.sendTimeoutMs} ms`);
        ac.abort(err);
        reject(err);
      }, this.opts.sendTimeoutMs);
    });
    try {
      await Promise.race([fn(ac.signal), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async update(d: ReportDelivery, u: DeliveryUpdate): Promise<boolean> {
    try {
      await this.opts.store.updateReportDelivery(d.id, u);
      return true;
    } catch (err) {
      this.opts.logger.error({ delivery: d.id, error: message(err) }, 'could not record client report delivery state');
      return false;
    }
  }
}
