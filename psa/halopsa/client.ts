/**
 * HaloPSA ticket client: the five PSA calls over Halo's REST API (Resource Server `{baseUrl}/api`), with a
 * client-credentials token from the Authorisation Server (`{baseUrl}/auth/token`, or `{authUrl}/token`;
 * `?tenant=` for hosted Halo). Every request goes through the shared HTTP layer: pacing under the application's
 * budget, retries of writes only where Halo cannot have acted on them, the token refreshed once on a 401.
 */
import type { PsaClient, PsaClientDeps, TicketDraft, TicketRef, TicketText } from '../../src/collector-kit/psa-provider.js';
import { PsaRejectedError } from '../../src/collector-kit/psa-provider.js';
import { accountBudget, accountUrl, credentialDigest } from '../../src/collector-kit/rate-gate.js';
import { createVendorHttp, type VendorHttp } from '../../src/http/client.js';
import { VendorHttpError } from '../../src/http/errors.js';
import type { HalopsaConfig } from './config.js';
import { CreatedActions, CreatedTickets, HaloTicket, NamedRecord, TicketPage } from './schema.js';

export const VENDOR = 'halopsa';

/** Halo's published limit: 500 requests per rolling 300 s per API application (README, "Rate limits"). */
export const DEFAULT_BUDGET = { limit: 500, intervalMs: 300_000 };

/** Tickets per search page, and how many pages a marker search reads before giving up. */
const PAGE_SIZE = 50;
const MAX_PAGES = 10;

/** The token endpoint: `{authUrl}/token`, else `/auth/token` on the instance (same origin, relative path). */
export function tokenPathOf(config: Pick<HalopsaConfig, 'authUrl' | 'tenant'>): string {
  const base = config.authUrl ? `${config.authUrl}/token` : '/auth/token';
  return config.tenant ? `${base}?tenant=${encodeURIComponent(config.tenant)}` : base;
}

/**
 * What to search for: the marker without its brackets. Halo runs on SQL Server, where `[` and `]` are wildcards in
 * a LIKE pattern; whether Halo escapes them is undocumented, and the bracket-free text is just as unique.
 */
export function searchTermOf(marker: string): string {
  return marker.replace(/^\[/, '').replace(/\]$/, '');
}

/** Halo's own words from a layer error message (`… failed: HTTP 400: <words>`), or ''. */
function vendorWords(err: VendorHttpError): string {
  const m = /HTTP \d{3}: (.+)$/.exec(err.message);
  return m ? `: ${m[1]}` : '';
}

function ticketId(id: string): number {
  if (!/^\d+$/.test(id)) throw new PsaRejectedError(VENDOR, `HaloPSA ticket ids are numbers; got ${JSON.stringify(id)}`);
  return Number(id);
}

export function createHalopsaClient(config: HalopsaConfig, deps: PsaClientDeps): PsaClient {
  const budget = accountBudget(VENDOR, `${VENDOR}:${accountUrl(config.baseUrl)}:${credentialDigest(config.clientId)}`, config.rateLimit, DEFAULT_BUDGET);
  const http: VendorHttp = createVendorHttp({
    vendor: VENDOR,
    baseURL: config.baseUrl,
    logger: deps.logger,
    caFile: config.caFile,
    timeoutMs: deps.timeoutMs,
    maxRetries: deps.maxRetries,
    backoffBaseMs: deps.backoffBaseMs,
    ...(deps.rateGate ? { pace: (signal: AbortSignal) => deps.rateGate!.take(budget, signal) } : {}),
    oauth: {
      vendor: VENDOR,
      tokenPath: tokenPathOf(config),
      form: { grant_type: 'client_credentials', client_id: config.clientId, client_secret: config.clientSecret, scope: 'all' },
      // One token per API application for every tenant's tickets in this process.
      sharedAcrossScans: true,
    },
  });

  const refOf = (t: HaloTicket): TicketRef => ({ id: String(t.id), closed: t.status_id === config.closedStatusId });
  const outcome = typeof config.noteOutcome === 'number' ? { outcome_id: config.noteOutcome } : { outcome: config.noteOutcome };

  /** Posts one action: a note hidden from the end user, mailed to nobody, optionally moving the ticket's status. */
  async function postAction(id: string, note: TicketText, newStatus?: number): Promise<void> {
    const action = {
      ticket_id: ticketId(id),
      note_html: note.html,
      ...outcome,
      hiddenfromuser: true,
      sendemail: false,
      ...(newStatus !== undefined ? { new_status: newStatus } : {}),
    };
    try {
      await http.write('POST', '/api/Actions', CreatedActions, { body: [action] });
    } catch (e) {
      if (e instanceof VendorHttpError && (e.status === 400 || e.status === 404)) {
        const fields = newStatus !== undefined ? 'psa.noteOutcome and psa.closedStatusId' : 'psa.noteOutcome';
        throw new PsaRejectedError(
          VENDOR,
          `HaloPSA refused the action on ticket ${id} (HTTP ${e.status}${vendorWords(e)}): the ticket may be gone, or check ${fields}`,
          e.status,
        );
      }
      throw e;
    }
  }

  /** GET of a configured record; a 404 means the setting names nothing at this instance. */
  async function mustExist(path: string, field: string, what: string): Promise<void> {
    try {
      await http.get(path, NamedRecord);
    } catch (e) {
      if (e instanceof VendorHttpError && (e.status === 404 || e.status === 400)) {
        throw new PsaRejectedError(VENDOR, `HaloPSA has no ${what} (HTTP ${e.status}${vendorWords(e)}): fix ${field}`, e.status);
      }
      throw e;
    }
  }

  return {
    async get(id) {
      try {
        return refOf(await http.get(`/api/Tickets/${ticketId(id)}`, HaloTicket));
      } catch (e) {
        if (e instanceof VendorHttpError && e.kind === 'not_found') return null;
        throw e;
      }
    },

    async findByMarker(company, marker) {
      let best: HaloTicket | null = null;
      for (let page = 1; page <= MAX_PAGES; page += 1) {
        const res = await http.get('/api/Tickets', TicketPage, {
          params: { client_id: company, search: searchTermOf(marker), order: 'id', orderdesc: true, pageinate: true, page_size: PAGE_SIZE, page_no: page },
        });
        // Halo's search is a fuzzy match over several fields: keep only this client's tickets whose summary holds it.
        for (const t of res.tickets) {
          const mine = t.client_id === undefined || t.client_id === null || t.client_id === company;
          if (mine && (t.summary ?? '').includes(marker) && (!best || t.id > best.id)) best = t;
        }
        const seen = (page - 1) * PAGE_SIZE + res.tickets.length;
        if (res.tickets.length < PAGE_SIZE || (res.record_count !== undefined && seen >= res.record_count)) break;
      }
      return best ? refOf(best) : null;
    },

    async create(draft: TicketDraft) {
      const ticket = {
        summary: draft.summary,
        details_html: draft.html,
        client_id: draft.company,
        tickettype_id: config.ticketTypeId,
        ...(config.priorityId !== undefined ? { priority_id: config.priorityId } : {}),
      };
      try {
        const created = await http.write('POST', '/api/Tickets', CreatedTickets, { body: [ticket] });
        return refOf(Array.isArray(created) ? created[0]! : created);
      } catch (e) {
        if (e instanceof VendorHttpError && e.status === 400) {
          throw new PsaRejectedError(
            VENDOR,
            `HaloPSA refused the ticket for client ${draft.company} (HTTP 400${vendorWords(e)}): check tenants[].psa.company (the Halo client id), psa.ticketTypeId and psa.priorityId`,
            400,
          );
        }
        throw e;
      }
    },

    addNote(id, note) {
      return postAction(id, note);
    },

    close(id, note) {
      // One action adds the note and moves the ticket to the closed status: no window where one happened alone.
      return postAction(id, note, config.closedStatusId);
    },

    async check() {
      await mustExist(`/api/TicketType/${config.ticketTypeId}`, 'psa.ticketTypeId', `ticket type ${config.ticketTypeId}`);
      await mustExist(`/api/Status/${config.closedStatusId}`, 'psa.closedStatusId', `status ${config.closedStatusId}`);
    },

    get requests() {
      return http.requests;
    },
  };
}
