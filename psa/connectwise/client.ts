/**
 * The ConnectWise PSA (Manage) ticket client: the five ticket calls of `PsaClient` translated into the REST API
 * (README "Endpoints"), through the shared HTTP layer. Basic auth `companyId+publicKey:privateKey`, the integration's
 * `clientId` header, and a pinned Accept version so a ConnectWise release cannot change the shapes under us.
 */
import { Buffer } from 'node:buffer';
import { PsaRejectedError, type PsaClient, type PsaClientDeps, type TicketDraft, type TicketRef, type TicketText } from '../../src/collector-kit/psa-provider.js';
import { accountBudget, accountUrl, credentialDigest } from '../../src/collector-kit/rate-gate.js';
import { createVendorHttp, type VendorHttp } from '../../src/http/client.js';
import { VendorHttpError } from '../../src/http/errors.js';
import { markerConditions, quoted } from './conditions.js';
import type { ConnectWiseConfig } from './config.js';
import { boardListSchema, companySchema, noteSchema, ticketListSchema, ticketSchema, type CwTicket } from './schema.js';

export const VENDOR = 'connectwise';
/** The API version the shapes here were modelled on (developer guide, "Versioning"). */
export const ACCEPT = 'application/vnd.connectwise.com+json; version=2022.1';
/** ConnectWise documents no request budget; 60 a minute is the conservative figure integrators use (README). */
export const DEFAULT_BUDGET = { limit: 60, intervalMs: 60_000 };
/** ConnectWise's limit on a ticket summary. */
export const SUMMARY_MAX = 100;
/** Candidates read per marker search: more than one, in case LIKE matched others (conditions.ts). */
const SEARCH_PAGE = 25;

export function basicAuth(config: Pick<ConnectWiseConfig, 'companyId' | 'publicKey' | 'privateKey'>): string {
  return `Basic ${Buffer.from(`${config.companyId}+${config.publicKey}:${config.privateKey}`, 'utf8').toString('base64')}`;
}

function refOf(t: CwTicket): TicketRef {
  return { id: String(t.id), closed: t.closedFlag === true };
}

/** A summary ConnectWise accepts: at most 100 characters, the marker kept at the end. */
export function fitSummary(summary: string, marker: string): string {
  if (summary.length <= SUMMARY_MAX) return summary;
  const head = summary.endsWith(marker) ? summary.slice(0, -marker.length).trimEnd() : summary;
  return `${head.slice(0, SUMMARY_MAX - marker.length - 1).trimEnd()} ${marker}`;
}

function ticketPath(id: string): string {
  // Ids come from our own store; refuse anything that would change the path.
  if (!/^\d+$/.test(id)) throw new PsaRejectedError(VENDOR, `ConnectWise PSA ticket ids are numbers; got ${JSON.stringify(id)}`);
  return `/service/tickets/${id}`;
}

const isBadRequest = (e: unknown): e is VendorHttpError => e instanceof VendorHttpError && e.status === 400;

export function createConnectWiseClient(config: ConnectWiseConfig, deps: PsaClientDeps): PsaClient {
  const apiUrl = `${config.baseUrl}${config.apiPath}`;
  const budget = accountBudget(VENDOR, `${VENDOR}:${accountUrl(config.baseUrl)}:${credentialDigest(`${config.companyId}+${config.publicKey}`)}`, config.rateLimit, DEFAULT_BUDGET);
  const http: VendorHttp = createVendorHttp({
    vendor: VENDOR,
    baseURL: apiUrl,
    logger: deps.logger,
    ...(config.caFile ? { caFile: config.caFile } : {}),
    headers: { Authorization: basicAuth(config), clientId: config.clientId, Accept: ACCEPT },
    ...(deps.rateGate ? { pace: (signal: AbortSignal) => deps.rateGate!.take(budget, signal) } : {}),
    ...(deps.timeoutMs !== undefined ? { timeoutMs: deps.timeoutMs } : {}),
    ...(deps.maxRetries !== undefined ? { maxRetries: deps.maxRetries } : {}),
    ...(deps.backoffBaseMs !== undefined ? { backoffBaseMs: deps.backoffBaseMs } : {}),
  });

  /** Whether the board exists; null when the lookup itself failed (permissions, outage). */
  async function boardExists(): Promise<boolean | null> {
    try {
      const boards = await http.get('/service/boards', boardListSchema, { params: { conditions: `name=${quoted(config.board)}`, pageSize: 1 } });
      return boards.length > 0;
    } catch (e) {
      if (e instanceof VendorHttpError && e.kind !== 'auth') return null;
      throw e;
    }
  }

  async function companyExists(company: number): Promise<boolean | null> {
    try {
      await http.get(`/company/companies/${company}`, companySchema);
      return true;
    } catch (e) {
      if (e instanceof VendorHttpError && e.kind === 'not_found') return false;
      return null;
    }
  }

  /**
   * The shared HTTP layer keeps only the top-level message of ConnectWise's error body ("ticket object is invalid"),
   * not `errors[].field`; so which setting is wrong is found by looking the company and the board up (README).
   */
  async function refusedCreate(e: VendorHttpError, draft: TicketDraft): Promise<PsaRejectedError> {
    const said = e.message;
    const [company, board] = await Promise.all([companyExists(draft.company), boardExists()]);
    if (company === false) {
      return new PsaRejectedError(VENDOR, `${said}: company ${draft.company} does not exist in ConnectWise PSA; fix tenants[].psa.company`, 400);
    }
    if (board === false) {
      return new PsaRejectedError(VENDOR, `${said}: service board ${JSON.stringify(config.board)} does not exist; fix psa.board`, 400);
    }
    const settings = [
      ...(company === null ? [`tenants[].psa.company (${draft.company})`] : []),
      ...(board === null ? [`psa.board (${JSON.stringify(config.board)})`] : []),
      ...(config.status ? [`psa.status (${JSON.stringify(config.status)}, must be a status of the board)`] : []),
      ...(config.priority ? [`psa.priority (${JSON.stringify(config.priority)})`] : []),
    ];
    const fix = settings.length > 0 ? `check ${settings.join(', ')}` : 'check the board\'s required fields (type, contact) in ConnectWise PSA';
    return new PsaRejectedError(VENDOR, `${said}: ${fix}`, 400);
  }

  const client: PsaClient = {
    async get(id) {
      try {
        return refOf(await http.get(ticketPath(id), ticketSchema));
      } catch (e) {
        if (e instanceof VendorHttpError && e.kind === 'not_found') return null;
        throw e;
      }
    },

    async findByMarker(company, marker) {
      const candidates = await http.get('/service/tickets', ticketListSchema, {
        params: { conditions: markerConditions(company, marker), orderBy: 'id desc', pageSize: SEARCH_PAGE },
      });
      // The search is a LIKE on part of the marker: keep only summaries that hold the exact marker.
      const hit = candidates.find((t) => t.summary.includes(marker) && (t.company?.id === undefined || t.company.id === company));
      return hit ? refOf(hit) : null;
    },

    async create(draft) {
      const body = {
        summary: fitSummary(draft.summary, draft.marker),
        board: { name: config.board },
        company: { id: draft.company },
        initialDescription: draft.text,
        ...(config.status ? { status: { name: config.status } } : {}),
        ...(config.priority ? { priority: { name: config.priority } } : {}),
      };
      try {
        return refOf(await http.write('POST', '/service/tickets', ticketSchema, { body }));
      } catch (e) {
        if (isBadRequest(e)) throw await refusedCreate(e, draft);
        throw e;
      }
    },

    async addNote(id, note) {
      await addNote(id, note);
    },

    async close(id, note) {
      await addNote(id, note);
      const patch = [{ op: 'replace', path: 'status', value: { name: config.closedStatus } }];
      try {
        await http.write('PATCH', ticketPath(id), ticketSchema, { body: patch });
      } catch (e) {
        if (isBadRequest(e)) {
          throw new PsaRejectedError(VENDOR, `${e.message}: fix psa.closedStatus (${JSON.stringify(config.closedStatus)} must be a closed status of board ${JSON.stringify(config.board)})`, 400);
        }
        throw e;
      }
    },

    async check() {
      const boards = await http.get('/service/boards', boardListSchema, { params: { conditions: `name=${quoted(config.board)}`, pageSize: 1 } });
      if (boards.length === 0) {
        throw new PsaRejectedError(VENDOR, `ConnectWise PSA has no service board named ${JSON.stringify(config.board)} visible to this API member; fix psa.board (or the member's security role)`);
      }
    },

    get requests() {
      return http.requests;
    },
  };

  async function addNote(id: string, note: TicketText): Promise<void> {
    // Internal analysis: technicians see it, the client's contacts are not mailed.
    const body = { text: note.text, detailDescriptionFlag: false, internalAnalysisFlag: true, resolutionFlag: false };
    await http.write('POST', `${ticketPath(id)}/notes`, noteSchema, { body });
  }

  return client;
}
