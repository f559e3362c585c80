/**
 * Loopback fakes of PSA vendors on the simulator (DESIGN §9, §13). Unlike RMM and backup vendors, a PSA renders no
 * estate: it keeps state that Ratchet writes — tickets and their notes — in a `PsaLedger`, one per PSA on a
 * simulator, which tests read back (`Simulator.psa(id)`) and whose faults they switch live: down for hours,
 * throttling, a create that is carried out but never answered (the crash window), credentials rejected.
 *
 * Each vendor's fake lives in psa/<id>/simulator.ts, speaks its vendor's paths, auth, bodies and error bodies,
 * and is mounted under `/<id>` like a prefixed vendor. Its companies are the simulated tenants: company id
 * `psaCompanyId(tenant id)`, named as the tenant.
 */
import { createHash } from 'node:crypto';
import type { VendorConfigSection, VendorRequest, VendorResponse } from './vendor.js';

export interface PsaNoteRecord {
  text: string;
  at: string;
  /** Hidden from the client's contacts (internal analysis / private note). */
  internal: boolean;
}

export interface PsaTicketRecord {
  id: number;
  company: number;
  summary: string;
  /** Initial description, as sent (text or HTML). */
  body: string;
  /** The vendor's status as it names it (`New`, `>Closed`, a status id as text …). */
  status: string;
  closed: boolean;
  notes: PsaNoteRecord[];
  createdAt: string;
  closedAt: string | null;
  /** The request fields as received, for tests that check vendor-specific fields (board, queue, priority …). */
  fields: Record<string, unknown>;
}

export interface PsaFaults {
  /** Every API call answers 503 with the vendor's error body (the PSA is down). */
  down?: boolean;
  /** The next N API calls answer 429 with the vendor's throttle signal (Retry-After: `retryAfterSeconds`). */
  throttleNext?: number;
  retryAfterSeconds?: number;
  /**
   * Ticket creation is carried out, then the answer is held this long (ms): a client that times out first has
   * created a ticket without learning its id — the window a crash leaves.
   */
  stallCreateMs?: number;
}

export interface PsaCompany {
  id: number;
  name: string;
  tenantId: string;
}

/** Deterministic company id of a simulated tenant at every fake PSA (5 digits, like ConnectWise's). */
export function psaCompanyId(tenantId: string): number {
  return 10_000 + (createHash('sha256').update(`psa:${tenantId}`).digest().readUInt32BE(0) % 90_000);
}

/** One PSA's state on one simulator. */
export class PsaLedger {
  readonly tickets = new Map<number, PsaTicketRecord>();
  faults: PsaFaults = {};
  /** API calls answered (token calls included), by status. */
  readonly byStatus: Record<string, number> = {};
  private nextId = 1000;

  constructor(readonly companies: ReadonlyMap<number, PsaCompany>) {}

  /** Tickets of one company (or all), oldest first. */
  list(company?: number): PsaTicketRecord[] {
    return [...this.tickets.values()].filter((t) => company === undefined || t.company === company).sort((a, b) => a.id - b.id);
  }

  open(input: Omit<PsaTicketRecord, 'id' | 'notes' | 'closed' | 'closedAt' | 'createdAt'> & { closed?: boolean }, now: Date): PsaTicketRecord {
    const t: PsaTicketRecord = { ...input, id: (this.nextId += 1), notes: [], closed: input.closed ?? false, closedAt: null, createdAt: now.toISOString() };
    this.tickets.set(t.id, t);
    return t;
  }

  count(status: number): void {
    this.byStatus[status] = (this.byStatus[status] ?? 0) + 1;
  }

  /** Consumes one throttled call if any are left. */
  takeThrottle(): boolean {
    if (!this.faults.throttleNext || this.faults.throttleNext <= 0) return false;
    this.faults.throttleNext -= 1;
    return true;
  }
}

export interface PsaContext {
  /** `https://127.0.0.1:PORT/<id>`. */
  baseUrl: string;
  now: Date;
  ledger: PsaLedger;
  /** Holds the answer (stallCreateMs); resolves false when the client hung up meanwhile (then answer `{status: 0}`). */
  sleep(ms: number): Promise<boolean>;
}

export interface PsaSimulator {
  /** `psa.provider` in config, and the path prefix it is mounted under. */
  id: string;
  kind: 'psa';
  handle(req: VendorRequest, ctx: PsaContext): Promise<VendorResponse> | VendorResponse;
  /**
   * The MSP's `psa:` block pointing at `baseUrl` (the fake's prefix), with the credentials the fake accepts split
   * out as secrets; `wrongSecret` gives credentials it rejects (for bad-credential tests).
   */
  configBlock(baseUrl: string, opts?: { wrongSecret?: boolean }): VendorConfigSection;
}
