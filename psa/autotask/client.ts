/**
 * Autotask PSA REST client (README.md). Every call first needs the database's zone: `GET
 * {zoneInformationUrl}/v1.0/ZoneInformation?user=` answers the zone's `url`, and the API lives at `{url}v1.0/…`. The
 * zone is looked up once per client (again after a failed lookup) and must be https on an autotask.net host or on the
 * lookup's own host — the secret travels to it.
 *
 * Autotask answers most refusals with HTTP 500 and `{"errors": ["…"]}` — indistinguishable by status from an outage
 * — so a failed create is explained by looking the referenced records up: an unknown company or queue is a
 * `PsaRejectedError` naming the config field, anything else stays a retryable `VendorHttpError`.
 */
import {
  PsaRejectedError,
  type PsaClient,
  type PsaClientDeps,
  type TicketDraft,
  type TicketRef,
  type TicketText,
} from '../../src/collector-kit/psa-provider.js';
import { accountBudget, accountUrl, credentialDigest, type RateBudget } from '../../src/collector-kit/rate-gate.js';
import { carriesExtras, urlOrNull } from '../../src/collector-kit/https-url.js';
import { createVendorHttp, type VendorHttp } from '../../src/http/client.js';
import { VendorHttpError } from '../../src/http/errors.js';
import type { AutotaskConfig } from './config.js';
import { companyItem, operationResult, ticketFields, ticketItem, ticketQuery, zoneInformation, type AutotaskTicket, type TicketFields } from './schema.js';

export const VENDOR = 'autotask';

/** Autotask's threshold: 10,000 requests per hour per database, shared by every integration on it. */
export const DEFAULT_BUDGET = { limit: 10_000, intervalMs: 3_600_000 } as const;

/** Field lengths (Tickets / TicketNotes entity pages). */
export const TITLE_MAX = 255;
export const DESCRIPTION_MAX = 8_000;
export const NOTE_TITLE_MAX = 250;
export const NOTE_DESCRIPTION_MAX = 32_000;
/** Queries answer at most 500 records a page; a marker matches one ticket, so a few pages are plenty. */
const MAX_QUERY_PAGES = 20;

/** Ticket picklist fields Ratchet sets, with the config key that holds each value. */
const PICKLISTS: ReadonlyArray<{ field: string; key: 'queueId' | 'status' | 'closedStatus' | 'priority' | 'ticketType' | 'source' | 'issueType' }> = [
  { field: 'queueID', key: 'queueId' },
  { field: 'status', key: 'status' },
  { field: 'status', key: 'closedStatus' },
  { field: 'priority', key: 'priority' },
  { field: 'ticketType', key: 'ticketType' },
  { field: 'source', key: 'source' },
  { field: 'issueType', key: 'issueType' },
];

export function accountBudgetOf(config: Pick<AutotaskConfig, 'zoneInformationUrl' | 'userName' | 'rateLimit'>): RateBudget {
  // The user name is not a secret, but it is an e-mail address: a digest keeps it out of the stored key.
  return accountBudget(VENDOR, `${VENDOR}:${accountUrl(config.zoneInformationUrl)}:${credentialDigest(config.userName)}`, config.rateLimit, DEFAULT_BUDGET);
}

/** Cuts `text` to `max` characters, marking the cut. */
export function capped(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/**
 * The REST base (`…/v1.0`) of the zone URL the lookup answered, or a refusal: the zone receives the secret, so it must
 * be https without extras, on an autotask.net host or on the host the lookup itself was configured with.
 */
export function zoneBaseUrl(zoneUrl: string, zoneInformationUrl: string): string {
  const url = urlOrNull(zoneUrl);
  const lookupHost = new URL(zoneInformationUrl).host;
  const fix = 'check psa.zoneInformationUrl (normally https://webservices.autotask.net/atservicesrest)';
  if (url === null || url.protocol !== 'https:' || carriesExtras(url)) {
    throw new PsaRejectedError(VENDOR, `the Autotask zone lookup answered a zone URL that is not a plain https:// URL; refusing to send credentials to it: ${fix}`);
  }
  const host = url.hostname.toLowerCase();
  if (!host.endsWith('.autotask.net') && url.host !== lookupHost) {
    throw new PsaRejectedError(VENDOR, `the Autotask zone lookup answered a zone on ${url.host}, neither an autotask.net host nor ${lookupHost}; refusing to send credentials to it: ${fix}`);
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}/v1.0`;
}

/** ` (Autotask said: …)` when the shared layer carried the vendor's text into the message, else ''. */
function vendorSaid(err: VendorHttpError): string {
  const text = /failed: HTTP \d+: (.+)$/.exec(err.message)?.[1];
  return text ? ` (Autotask said: ${text})` : '';
}

function refOf(t: AutotaskTicket, closedStatus: number): TicketRef {
  return { id: String(t.id), closed: t.status === closedStatus || (t.completedDate !== null && t.completedDate !== undefined) };
}

function picklistHas(fields: TicketFields, field: string, value: number): boolean | null {
  const f = fields.fields.find((x) => x.name.toLowerCase() === field.toLowerCase());
  if (!f?.picklistValues) return null; // not a picklist this database exposes: nothing to say
  return f.picklistValues.some((v) => Number(v.value) === value && v.isActive !== false);
}

export function createAutotaskClient(config: AutotaskConfig, deps: PsaClientDeps): PsaClient {
  const budget = accountBudgetOf(config);
  const gate = deps.rateGate;
  const common = {
    vendor: VENDOR,
    logger: deps.logger,
    caFile: config.caFile,
    timeoutMs: deps.timeoutMs,
    maxRetries: deps.maxRetries,
    backoffBaseMs: deps.backoffBaseMs,
    // The zone lookup is counted too: Autotask does not exempt it from the hourly threshold, only from thread limits.
    ...(gate ? { pace: (signal: AbortSignal) => gate.take(budget, signal) } : {}),
  };
  // The lookup needs no credentials (ZoneInformation is anonymous): none are sent before the zone is known.
  const lookup = createVendorHttp({ ...common, baseURL: config.zoneInformationUrl });
  const auth: Record<string, string> = {
    ApiIntegrationCode: config.integrationCode,
    UserName: config.userName,
    Secret: config.secret,
    'Content-Type': 'application/json',
    ...(config.impersonationResourceId !== undefined ? { ImpersonationResourceId: String(config.impersonationResourceId) } : {}),
  };
  let zoneHttp: VendorHttp | null = null;
  let pending: Promise<VendorHttp> | null = null;

  async function discover(): Promise<VendorHttp> {
    const zone = await lookup.get('/v1.0/ZoneInformation', zoneInformation, { params: { user: config.userName } });
    const baseURL = zoneBaseUrl(zone.url, config.zoneInformationUrl);
    deps.logger.debug({ vendor: VENDOR, zone: zone.zoneName, baseURL }, 'autotask zone found');
    zoneHttp = createVendorHttp({ ...common, baseURL, headers: auth });
    return zoneHttp;
  }

  function api(): Promise<VendorHttp> {
    if (zoneHttp) return Promise.resolve(zoneHttp);
    // One lookup for concurrent callers; a failed one is forgotten so the next call tries again.
    pending ??= discover().finally(() => {
      pending = null;
    });
    return pending;
  }

  async function fields(http: VendorHttp): Promise<TicketFields> {
    return http.get('/Tickets/entityInformation/fields', ticketFields);
  }

  /** The first configured picklist value the database does not have, as a refusal naming its config key. */
  function picklistProblem(f: TicketFields): PsaRejectedError | null {
    for (const { field, key } of PICKLISTS) {
      const value = config[key];
      if (value === undefined) continue;
      if (picklistHas(f, field, value) === false) {
        return new PsaRejectedError(VENDOR, `Autotask has no active ${field} picklist value ${value}: fix psa.${key} (Admin > Features & Settings > Service Desk lists the values)`);
      }
    }
    return null;
  }

  /**
   * Why a create was refused. Autotask words its refusals freely and mostly answers 500, so the referenced records
   * are looked up: a missing company or picklist value can never succeed (PsaRejectedError); anything else may be
   * an outage and stays retryable — unless Autotask said 400, a refusal on the merits.
   */
  async function explainCreateFailure(err: VendorHttpError, draft: TicketDraft): Promise<Error> {
    if (err.status !== 400 && err.status !== 500) return err;
    const said = vendorSaid(err);
    try {
      const http = await api();
      const company = await http.get(`/Companies/${draft.company}`, companyItem);
      if (company.item === null) {
        return new PsaRejectedError(VENDOR, `Autotask refused the ticket: company ${draft.company} does not exist or the API user cannot see it: fix tenants[].psa.company${said}`, err.status);
      }
      const problem = picklistProblem(await fields(http));
      if (problem) return new PsaRejectedError(VENDOR, `Autotask refused the ticket: ${problem.message}${said}`, err.status);
    } catch {
      return err; // the lookups failed too: most likely an outage, so the original failure stands
    }
    return err.status === 400 ? new PsaRejectedError(VENDOR, `Autotask refused the ticket (HTTP 400)${said}`, 400) : err;
  }

  /** A note or close on a ticket that is gone can never succeed. */
  function goneTicket(err: unknown, id: string): never {
    if (err instanceof VendorHttpError && err.kind === 'not_found') {
      throw new PsaRejectedError(VENDOR, `Autotask ticket ${id} no longer exists`, 404);
    }
    throw err;
  }

  function ticketId(id: string): number | null {
    return /^\d{1,15}$/.test(id) ? Number(id) : null;
  }

  async function addNote(id: string, note: TicketText, title: string): Promise<void> {
    const n = ticketId(id);
    if (n === null) throw new PsaRejectedError(VENDOR, `${JSON.stringify(id)} is not an Autotask ticket id`);
    const http = await api();
    await http
      .write('POST', `/Tickets/${n}/Notes`, operationResult, {
        body: { ticketID: n, title: capped(title, NOTE_TITLE_MAX), description: capped(note.text, NOTE_DESCRIPTION_MAX), noteType: config.noteType, publish: config.notePublish },
      })
      .catch((e: unknown) => goneTicket(e, id));
  }

  return {
    async get(id) {
      const n = ticketId(id);
      if (n === null) return null;
      const http = await api();
      try {
        const res = await http.get(`/Tickets/${n}`, ticketItem);
        return res.item ? refOf(res.item, config.closedStatus) : null;
      } catch (e) {
        // Autotask answers an unknown id with `{"item": null}`; a 404 (a proxy, a future release) means the same.
        if (e instanceof VendorHttpError && e.kind === 'not_found') return null;
        throw e;
      }
    },

    async findByMarker(company, marker) {
      const http = await api();
      // `contains` becomes a SQL LIKE at Autotask, where `[…]` is a character class: search for the marker without
      // its brackets, then keep only titles that hold the whole marker.
      const needle = marker.replace(/^\[/, '').replace(/\]$/, '');
      let best: AutotaskTicket | null = null;
      let afterId: number | null = null;
      for (let page = 0; page < MAX_QUERY_PAGES; page += 1) {
        const filter: Array<Record<string, unknown>> = [
          { op: 'eq', field: 'companyID', value: company },
          { op: 'contains', field: 'title', value: needle },
        ];
        // Paging by id (instead of following nextPageUrl) keeps every request on the same, validated query.
        if (afterId !== null) filter.push({ op: 'gt', field: 'id', value: afterId });
        const search = JSON.stringify({ filter, IncludeFields: ['id', 'status', 'completedDate', 'companyID', 'title'] });
        const res = await http.get('/Tickets/query', ticketQuery, { params: { search } });
        for (const t of res.items) {
          if (t.companyID !== undefined && t.companyID !== null && t.companyID !== company) continue;
          if (!(t.title ?? '').includes(marker)) continue;
          if (!best || t.id > best.id) best = t;
        }
        if (!res.pageDetails?.nextPageUrl || res.items.length === 0) break;
        afterId = Math.max(afterId ?? 0, ...res.items.map((t) => t.id));
      }
      return best ? refOf(best, config.closedStatus) : null;
    },

    async create(draft) {
      const http = await api();
      const body = {
        companyID: draft.company,
        title: capped(draft.summary, TITLE_MAX),
        description: capped(draft.text, DESCRIPTION_MAX),
        status: config.status,
        priority: config.priority,
        queueID: config.queueId,
        dueDateTime: new Date(Date.now() + config.dueHours * 3_600_000).toISOString(),
        ...(config.ticketType !== undefined ? { ticketType: config.ticketType } : {}),
        ...(config.source !== undefined ? { source: config.source } : {}),
        ...(config.issueType !== undefined ? { issueType: config.issueType } : {}),
      };
      try {
        const res = await http.write('POST', '/Tickets', operationResult, { body });
        return { id: String(res.itemId), closed: false };
      } catch (e) {
        if (e instanceof VendorHttpError) throw await explainCreateFailure(e, draft);
        throw e;
      }
    },

    async addNote(id, note) {
      await addNote(id, note, 'Ratchet update');
    },

    async close(id, note) {
      await addNote(id, note, 'Ratchet: resolved');
      const http = await api();
      await http
        .write('PATCH', '/Tickets', operationResult, { body: { id: Number(id), status: config.closedStatus } })
        .catch((e: unknown) => goneTicket(e, id));
    },

    async check() {
      const http = await api();
      const problem = picklistProblem(await fields(http));
      if (problem) throw problem;
    },

    get requests() {
      return lookup.requests + (zoneHttp?.requests ?? 0);
    },
  };
}
