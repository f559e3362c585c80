/**
 * The ticket dispatcher (DESIGN §13): carries out the ticket outbox against the MSP's PSA, one operation at a time,
 * in queue order, across every process on the database (`TicketStore.claimNextTicketOp` hands out only the head).
 *
 * One ticket per episode, never a duplicate:
 * - `open` first asks the store for the episode's ticket; with none, it searches the PSA for the episode's marker
 *   (a ticket made just before a crash, whose id never reached the database), and only then creates one. The ticket
 *   id is recorded together with the operation's completion, in one transaction.
 * - `note` and `close` find the ticket by the stored id (checked at the PSA: a technician may have deleted or merged
 *   it), else by the marker. A note with no ticket anywhere opens one (its body is the evidence now); a close with
 *   none has nothing to do; a ticket a technician already closed gets no second close.
 *
 * Failures never lose an operation and never block scans (scans only queue rows):
 * - the PSA down, throttling, timeouts, a malformed answer: the head stays pending and backs off (30 s doubling to
 *   15 min), and nothing behind it goes first — so when the PSA is back after hours, tickets are made in order;
 * - credentials rejected (401/403, or a 404 from the API itself): the same, logged as an error that names the fix, with the reason on each
 *   waiting operation: fixing the key in config lets the queue flow again, nothing is dropped;
 * - the PSA refused the operation on its merits (unknown company, board, queue — a 400): that operation fails with
 *   the vendor's reason, and the queue moves on;
 * - an unexpected error (a bug): retried, and failed after `maxAttempts` so one bad row cannot stop every ticket.
 */
import type { Logger } from 'pino';
import { PsaRejectedError, type PsaClient, type TicketRef } from '../collector-kit/psa-provider.js';
import { isVendorHttpError } from '../http/errors.js';
import { scrub } from '../log/secrets.js';
import type { TicketOp, TicketRecord } from '../domain/ticket.js';
import type { DeliveryUpdate, TicketStore } from '../store/store.js';
import { SerialLoop } from '../runtime/serial-loop.js';

export interface TicketDispatcherOptions {
  store: TicketStore;
  client: PsaClient;
  /** `psa.provider`, recorded with each ticket. */
  provider: string;
  /** "ConnectWise PSA", for messages. */
  title: string;
  logger: Logger;
  now?: () => Date;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** How long a claimed operation is held: a crash mid-operation frees it after this. */
  leaseMs?: number;
  /** Attempts of an operation that keeps failing with an unexpected error before it is marked failed. */
  maxAttempts?: number;
  /** Most operations per run. */
  batchSize?: number;
}

export interface TicketRunResult {
  done: number;
  failed: number;
  /** The head failed for a reason that holds the whole queue (PSA down, credentials): the run stopped there. */
  blocked: boolean;
}

type Outcome = { kind: 'done'; ticket: TicketRecord | null } | { kind: 'rejected'; reason: string } | { kind: 'retry'; reason: string; credentials: boolean; unexpected: boolean };

function message(err: unknown): string {
  return scrub(err instanceof Error ? err.message : String(err)).slice(0, 1000);
}

export class TicketDispatcher {
  private readonly opts: Required<Omit<TicketDispatcherOptions, 'now'>> & { now: () => Date };
  private readonly logger: Logger;
  private readonly loop = new SerialLoop();

  constructor(opts: TicketDispatcherOptions) {
    this.opts = {
      backoffBaseMs: 30_000,
      backoffMaxMs: 15 * 60_000,
      leaseMs: 10 * 60_000,
      maxAttempts: 10,
      batchSize: 100,
      ...opts,
      now: opts.now ?? (() => new Date()),
    };
    this.logger = opts.logger.child({ component: 'psa', psa: opts.provider });
  }

  backoffMs(attempts: number): number {
    return Math.min(this.opts.backoffMaxMs, this.opts.backoffBaseMs * 2 ** Math.max(0, attempts - 1));
  }

  /** Carries out due operations in order until the queue is empty, its head is not due, or the head is held. */
  runOnce(): Promise<TicketRunResult> {
    return this.loop.serial(() => this.run());
  }

  /** For the one-shot CLI: runs until nothing is due or `timeoutMs` is up; what is left waits for the next run. */
  async drain(timeoutMs = 60_000): Promise<TicketRunResult & { pending: number }> {
    const deadline = Date.now() + timeoutMs;
    const total: TicketRunResult = { done: 0, failed: 0, blocked: false };
    while (Date.now() < deadline) {
      const r = await this.runOnce();
      total.done += r.done;
      total.failed += r.failed;
      total.blocked = r.blocked;
      if (r.blocked || r.done + r.failed === 0) break;
    }
    const pending = (await this.opts.store.ticketOps({ limit: 10_000 })).filter((o) => o.status === 'pending').length;
    if (pending > 0) this.logger.warn({ pending }, `${pending} PSA ticket operation(s) still pending; the next run of ratchet scan or ratchet serve carries them out`);
    return { ...total, pending };
  }

  start(intervalMs = 15_000): void {
    this.loop.start(intervalMs, () => this.runOnce(), (err) => this.logger.error({ error: message(err) }, 'PSA ticket run failed; retrying on the next tick'));
  }

  /** Stops the loop and waits for the operation in flight (aborting it could leave a ticket without its record). */
  stop(): Promise<void> {
    return this.loop.stop();
  }

  private at(delayMs: number): string {
    return new Date(this.opts.now().getTime() + delayMs).toISOString();
  }

  private async run(): Promise<TicketRunResult> {
    const result: TicketRunResult = { done: 0, failed: 0, blocked: false };
    for (let i = 0; i < this.opts.batchSize && !this.loop.halting; i += 1) {
      const op = await this.opts.store.claimNextTicketOp(this.at(0), this.at(this.opts.leaseMs));
      if (!op) break;
      const outcome = await this.perform(op);
      const fields = { tenant: op.payload.tenantId, episode: op.payload.episodeId, action: op.payload.action, op: op.id, attempt: op.attempts };
      if (outcome.kind === 'done') {
        await this.complete(op, { status: 'delivered', attempts: op.attempts, nextAttemptAt: op.nextAttemptAt, lastError: null, deliveredAt: this.at(0) }, outcome.ticket ?? undefined);
        this.logger.info({ ...fields, ticket: outcome.ticket?.ticketId ?? null }, `PSA ticket ${op.payload.action} done`);
        result.done += 1;
        continue;
      }
      if (outcome.kind === 'rejected' || (outcome.unexpected && op.attempts >= this.opts.maxAttempts)) {
        const reason = outcome.kind === 'rejected' ? outcome.reason : `gave up after ${op.attempts} attempts: ${outcome.reason}`;
        await this.complete(op, { status: 'failed', attempts: op.attempts, nextAttemptAt: op.nextAttemptAt, lastError: reason, deliveredAt: null });
        this.logger.error({ ...fields, error: reason }, `PSA ticket ${op.payload.action} failed for tenant ${op.payload.tenantId}; not retrying`);
        result.failed += 1;
        continue;
      }
      const nextAttemptAt = this.at(this.backoffMs(op.attempts));
      await this.complete(op, { status: 'pending', attempts: op.attempts, nextAttemptAt, lastError: outcome.reason, deliveredAt: null });
      const what = outcome.credentials
        ? `${this.opts.title} refused Ratchet's credentials or API path; every ticket waits until psa: is fixed (ratchet psa check)`
        : `${this.opts.title} is not answering; tickets wait in order`;
      (outcome.credentials ? this.logger.error.bind(this.logger) : this.logger.warn.bind(this.logger))({ ...fields, error: outcome.reason, nextAttemptAt }, what);
      result.blocked = true;
      break;
    }
    return result;
  }

  private async complete(op: TicketOp, update: DeliveryUpdate, ticket?: TicketRecord): Promise<void> {
    try {
      await this.opts.store.completeTicketOp(op.id, update, ticket);
    } catch (err) {
      // Left claimed: after the lease the operation runs again and finds its ticket by the marker.
      this.logger.error({ op: op.id, episode: op.payload.episodeId, error: message(err) }, 'could not record the PSA ticket operation; it runs again after its lease');
      throw err;
    }
  }

  private record(op: TicketOp, ticket: TicketRef, state: 'open' | 'closed', existing: TicketRecord | null): TicketRecord {
    const now = this.at(0);
    return {
      episodeId: op.payload.episodeId,
      tenantId: op.payload.tenantId,
      provider: this.opts.provider,
      ticketId: ticket.id,
      company: op.payload.company,
      state,
      createdAt: existing && existing.ticketId === ticket.id ? existing.createdAt : now,
      updatedAt: now,
    };
  }

  private async perform(op: TicketOp): Promise<Outcome> {
    try {
      return { kind: 'done', ticket: await this.carryOut(op) };
    } catch (err) {
      if (err instanceof PsaRejectedError) return { kind: 'rejected', reason: message(err) };
      if (isVendorHttpError(err)) {
        if (err.kind === 'bad_request') return { kind: 'rejected', reason: message(err) };
        // A 404 that reaches here is not "no such ticket" (clients answer that with null): the API path is wrong, or a
        // cloud PSA disguises rejected credentials as one (ConnectWise does). Both are fixed in config; hold the queue.
        const credentials = err.kind === 'auth' || err.kind === 'forbidden' || err.kind === 'not_found';
        return { kind: 'retry', reason: message(err), credentials, unexpected: false };
      }
      return { kind: 'retry', reason: message(err), credentials: false, unexpected: true };
    }
  }

  private async carryOut(op: TicketOp): Promise<TicketRecord | null> {
    const job = op.payload;
    const { client } = this.opts;
    const stored = await this.opts.store.ticketFor(job.episodeId);
    const existing = stored && stored.provider === this.opts.provider ? stored : null;
    const draft = { company: job.company, summary: job.summary, marker: job.marker, ...job.body };

    const locate = async (): Promise<TicketRef | null> => {
      if (existing) {
        const t = await client.get(existing.ticketId);
        if (t) return t;
      }
      return client.findByMarker(job.company, job.marker);
    };

    switch (job.action) {
      case 'open': {
        if (existing) return null;
        const found = await client.findByMarker(job.company, job.marker);
        const ticket = found ?? (await client.create(draft));
        if (found) this.logger.info({ episode: job.episodeId, ticket: found.id }, 'found the ticket by its marker (made before a crash); not creating another');
        return this.record(op, ticket, ticket.closed ? 'closed' : 'open', existing);
      }
      case 'note': {
        const ticket = await locate();
        if (!ticket) {
          // Deleted at the PSA, or never made (its open failed): the episode is still confirmed, so it gets one.
          const made = await client.create(draft);
          return this.record(op, made, 'open', existing);
        }
        await client.addNote(ticket.id, job.note ?? job.body);
        return this.record(op, ticket, ticket.closed ? 'closed' : 'open', existing);
      }
      case 'close': {
        const ticket = await locate();
        if (!ticket) return null;
        if (!ticket.closed) await client.close(ticket.id, job.note ?? job.body);
        return this.record(op, ticket, 'closed', existing);
      }
    }
  }
}
