/**
 * The plug-in point for PSA (ticketing) vendors (DESIGN §13). Each vendor lives in psa/<id>/ — its client, the zod
 * schemas of its responses, its README (endpoints, the least-privilege API member, limits), its loopback fake and
 * its tests — and is listed once in psa/index.ts. The core (./dispatcher.ts) owns the ticket lifecycle: one ticket
 * per episode, look up before create, a note on material change, a note and close on recovery. A client only
 * translates those five calls into its vendor's API, through the shared HTTP layer (src/http/client.ts), which
 * retries writes only where the server cannot have acted on them.
 *
 * Errors: a client throws `VendorHttpError` (src/http/errors.ts) for anything the vendor answered or failed to
 * answer, and `PsaRejectedError` for a request the vendor refused on its merits (unknown company, a board or
 * status that does not exist): the dispatcher retries the first kind (the PSA is down, throttling, or the
 * credentials need fixing) and fails the ticket for the second, naming the reason.
 */
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { RateGate } from './rate-gate.js';

/** A ticket as Ratchet needs to know it. */
export interface TicketRef {
  /** The vendor's ticket id, as a string (all three use integers). */
  id: string;
  /** Closed, completed or resolved at the vendor (by Ratchet or by a technician). */
  closed: boolean;
}

/** Text of a ticket body or a note, in the two forms vendors take. */
export interface TicketText {
  /** Plain text with line breaks (ConnectWise, Autotask). */
  text: string;
  /** The same as HTML (HaloPSA `details_html` / `note_html`). */
  html: string;
}

export interface TicketDraft extends TicketText {
  /** The tenant's `psa.company`: the vendor's company / client id. */
  company: number;
  /** One line, at most 100 characters (ConnectWise's limit), ending with `marker`. */
  summary: string;
  /**
   * `[ratchet:<episode id>]`: unique per episode and kept at the end of the summary, so that a ticket created just
   * before a crash is found by searching summaries for it instead of being created twice.
   */
  marker: string;
}

export interface PsaClient {
  /** The ticket by id; null when the vendor says it does not exist (deleted, merged away). */
  get(id: string): Promise<TicketRef | null>;
  /**
   * The newest ticket of `company` whose summary contains `marker` (open or closed); null when there is none. Must
   * search the vendor, not a local cache: it runs after a crash.
   */
  findByMarker(company: number, marker: string): Promise<TicketRef | null>;
  create(draft: TicketDraft): Promise<TicketRef>;
  /** Adds a note a technician sees on the ticket (internal, not mailed to the client's contacts). */
  addNote(id: string, note: TicketText): Promise<void>;
  /** Adds the note, then closes the ticket or moves it to the configured status. */
  close(id: string, note: TicketText): Promise<void>;
  /** One cheap authenticated call that proves the credentials and settings work (`ratchet psa check`). */
  check(): Promise<void>;
  /** Requests that reached the wire (retries and token requests included). */
  readonly requests: number;
}

export interface PsaClientDeps {
  logger: Logger;
  /** Paces every request under the provider's budget (Autotask: 10,000 per hour per database). */
  rateGate?: RateGate;
  /** For tests: a shorter per-attempt timeout and backoff. */
  timeoutMs?: number;
  backoffBaseMs?: number;
  maxRetries?: number;
}

export interface PsaProvider<C extends object = Record<string, unknown>> {
  /** `psa.provider` in config. */
  id: string;
  /** For people: "ConnectWise PSA". */
  title: string;
  /**
   * The provider's fields of the `psa:` block (everything but `provider` and `ticketOn`), strict, with defaults:
   * URLs validated as https (src/collector-kit/https-url.ts), secrets as strings the loader resolved from
   * `${env:…}`/`${file:…}`.
   */
  configSchema: z.ZodType<C>;
  /** Fields of the block that hold secrets: never logged, never stored, and a literal value is warned about. */
  secretFields: readonly string[];
  createClient(config: C, deps: PsaClientDeps): PsaClient;
}

/** The vendor refused the request on its merits; sending it again cannot help. */
export class PsaRejectedError extends Error {
  constructor(
    public readonly vendor: string,
    message: string,
    public readonly status: number | null = null,
  ) {
    super(message);
    this.name = 'PsaRejectedError';
  }
}
