/**
 * Loopback fake of HaloPSA (src/simulator/psa.ts), mounted under `/halopsa`: the Authorisation Server's
 * `POST /auth/token` (client credentials, `scope=all`, RFC 6749 errors) and the Resource Server's `/api/Tickets`,
 * `/api/Actions`, `/api/TicketType/{id}` and `/api/Status/{id}` with bearer tokens, array request bodies, Halo's
 * `{ ClassName, Message }` error bodies, paged search and the ledger's faults. The instance's ticket types, statuses
 * and outcomes are Halo's defaults as far as the docs show them (README).
 */
import { randomBytes } from 'node:crypto';
import type { PsaContext, PsaLedger, PsaSimulator, PsaTicketRecord } from '../../src/simulator/psa.js';
import type { VendorRequest, VendorResponse } from '../../src/simulator/vendor.js';

export const SIM_CLIENT_ID = 'ratchet-halo-sim';
const SIM_SECRET = 'halo-sim-secret-7f3c2a';

const TICKET_TYPES: ReadonlyMap<number, string> = new Map([
  [1, 'Incident'],
  [3, 'Service Request'],
  [4, 'Problem'],
]);
export const STATUSES: ReadonlyMap<number, string> = new Map([
  [1, 'New'],
  [2, 'In Progress'],
  [3, 'Action Required'],
  [8, 'Resolved'],
  [9, 'Closed'],
]);
const CLOSED_STATUS = 9;
const OUTCOMES: ReadonlyMap<number, string> = new Map([
  [1, 'Update'],
  [2, 'Email User'],
  [3, 'Private Note'],
  [4, 'Close Ticket'],
]);

/** Tokens this fake issued, per ledger (one ledger per simulator): a token from another run is unknown here. */
const issued = new WeakMap<PsaLedger, Set<string>>();

const json = (status: number, body?: unknown, headers?: Record<string, string>): VendorResponse => ({ status, body, ...(headers ? { headers } : {}) });
/** Halo's error body for a refused API request: a .NET exception's class and message. */
const haloError = (status: number, message: string, className = 'ValidationError'): VendorResponse => json(status, { ClassName: className, Message: message });

function statusIdOf(t: PsaTicketRecord): number {
  for (const [id, name] of STATUSES) if (name === t.status) return id;
  return 1;
}

function view(t: PsaTicketRecord, ledger: PsaLedger) {
  return {
    id: t.id,
    summary: t.summary,
    details_html: t.body,
    client_id: t.company,
    client_name: ledger.companies.get(t.company)?.name ?? '',
    status_id: statusIdOf(t),
    tickettype_id: t.fields.tickettype_id,
    priority_id: t.fields.priority_id ?? null,
    dateoccurred: t.createdAt,
  };
}

function parseArray(raw: string): Record<string, unknown>[] | null {
  try {
    const body: unknown = JSON.parse(raw);
    return Array.isArray(body) && body.every((x) => x !== null && typeof x === 'object' && !Array.isArray(x)) ? (body as Record<string, unknown>[]) : null;
  } catch {
    return null;
  }
}

const toInt = (v: unknown): number | null => {
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
  return typeof n === 'number' && Number.isInteger(n) ? n : null;
};

function token(req: VendorRequest, ledger: PsaLedger): VendorResponse {
  const form = new URLSearchParams(req.rawBody);
  if (form.get('grant_type') !== 'client_credentials') return json(400, { error: 'unsupported_grant_type' });
  if (form.get('client_id') !== SIM_CLIENT_ID || form.get('client_secret') !== SIM_SECRET) return json(401, { error: 'invalid_client' });
  if (form.get('scope') !== 'all') return json(400, { error: 'invalid_scope', error_description: 'the application is granted scope all' });
  const tok = randomBytes(24).toString('base64url');
  const set = issued.get(ledger) ?? new Set<string>();
  set.add(tok);
  issued.set(ledger, set);
  return json(200, { access_token: tok, token_type: 'Bearer', expires_in: 3600, scope: 'all' });
}

function search(req: VendorRequest, ledger: PsaLedger): VendorResponse {
  const client = toInt(req.query.get('client_id'));
  const term = (req.query.get('search') ?? '').toLowerCase();
  // A client_id that is not a number matches no ticket (Halo answers an empty page, not an error).
  let rows = client === null && req.query.get('client_id') !== null ? [] : ledger.list(client ?? undefined);
  if (term) rows = rows.filter((t) => t.summary.toLowerCase().includes(term) || t.body.toLowerCase().includes(term));
  if (req.query.get('open_only') === 'true') rows = rows.filter((t) => !t.closed);
  if (req.query.get('closed_only') === 'true') rows = rows.filter((t) => t.closed);
  if (req.query.get('order') === 'id' && req.query.get('orderdesc') === 'true') rows = [...rows].reverse();
  const total = rows.length;
  if (req.query.get('pageinate') === 'true') {
    const size = Math.max(1, toInt(req.query.get('page_size')) ?? 50);
    const page = Math.max(1, toInt(req.query.get('page_no')) ?? 1);
    rows = rows.slice((page - 1) * size, page * size);
    return json(200, { page_no: page, page_size: size, record_count: total, tickets: rows.map((t) => view(t, ledger)) });
  }
  return json(200, { record_count: total, tickets: rows.map((t) => view(t, ledger)) });
}

function setStatus(t: PsaTicketRecord, statusId: number, now: Date): void {
  t.status = STATUSES.get(statusId)!;
  const closed = statusId === CLOSED_STATUS;
  if (closed && !t.closed) t.closedAt = now.toISOString();
  if (!closed) t.closedAt = null;
  t.closed = closed;
}

async function postTickets(req: VendorRequest, ctx: PsaContext): Promise<VendorResponse> {
  const items = parseArray(req.rawBody);
  if (!items || items.length === 0) return haloError(400, 'The request body must be an array of tickets');
  const ledger = ctx.ledger;
  // Validate everything first: Halo saves the batch or refuses it.
  for (const item of items) {
    const id = toInt(item.id);
    if (id !== null && id > 0) {
      if (!ledger.tickets.has(id)) return haloError(404, `Ticket ${id} not found`, 'NotFoundException');
      const status = toInt(item.status_id);
      if (item.status_id !== undefined && (status === null || !STATUSES.has(status))) return haloError(400, 'Please select a valid Status');
      continue;
    }
    const client = toInt(item.client_id);
    if (client === null || !ledger.companies.has(client)) return haloError(400, 'Please select a valid Client');
    const type = toInt(item.tickettype_id);
    if (item.tickettype_id !== undefined && (type === null || !TICKET_TYPES.has(type))) return haloError(400, 'Please select a valid Ticket Type');
    if (typeof item.summary !== 'string' || item.summary.trim() === '') return haloError(400, 'Please enter a Summary');
  }
  const out: PsaTicketRecord[] = [];
  for (const item of items) {
    const id = toInt(item.id);
    if (id !== null && id > 0) {
      const t = ledger.tickets.get(id)!;
      if (item.status_id !== undefined) setStatus(t, toInt(item.status_id)!, ctx.now);
      out.push(t);
      continue;
    }
    const body = typeof item.details_html === 'string' ? item.details_html : typeof item.details === 'string' ? item.details : '';
    out.push(ledger.open({ company: toInt(item.client_id)!, summary: item.summary as string, body, status: STATUSES.get(1)!, fields: { tickettype_id: 1, ...item } }, ctx.now));
  }
  const created = out.length > 0 && items.some((i) => !(toInt(i.id)! > 0));
  if (created && ctx.ledger.faults.stallCreateMs) {
    // Carried out, answer held: a client that times out first never learns the id.
    if (!(await ctx.sleep(ctx.ledger.faults.stallCreateMs))) return { status: 0 };
  }
  const views = out.map((t) => view(t, ledger));
  return json(201, views.length === 1 ? views[0] : views);
}

function postActions(req: VendorRequest, ctx: PsaContext): VendorResponse {
  const items = parseArray(req.rawBody);
  if (!items || items.length === 0) return haloError(400, 'The request body must be an array of actions');
  for (const item of items) {
    const ticket = toInt(item.ticket_id);
    if (ticket === null || !ctx.ledger.tickets.has(ticket)) return haloError(400, 'Please select a valid Ticket');
    const byId = toInt(item.outcome_id);
    const byName = typeof item.outcome === 'string' ? [...OUTCOMES.values()].some((o) => o.toLowerCase() === (item.outcome as string).toLowerCase()) : false;
    if (!(byId !== null && OUTCOMES.has(byId)) && !byName) return haloError(400, 'Please select a valid Outcome');
    const status = toInt(item.new_status);
    if (item.new_status !== undefined && (status === null || !STATUSES.has(status))) return haloError(400, 'Please select a valid Status');
  }
  const out = items.map((item, i) => {
    const t = ctx.ledger.tickets.get(toInt(item.ticket_id)!)!;
    const note = typeof item.note_html === 'string' ? item.note_html : typeof item.note === 'string' ? item.note : '';
    t.notes.push({ text: note, at: ctx.now.toISOString(), internal: item.hiddenfromuser === true });
    if (item.new_status !== undefined) setStatus(t, toInt(item.new_status)!, ctx.now);
    return { id: t.id * 1000 + t.notes.length + i, ticket_id: t.id, outcome: item.outcome ?? OUTCOMES.get(toInt(item.outcome_id)!), note_html: note, hiddenfromuser: item.hiddenfromuser === true };
  });
  return json(201, out.length === 1 ? out[0] : out);
}

function lookup(table: ReadonlyMap<number, string>, idText: string, what: string): VendorResponse {
  const id = Number(idText);
  const name = table.get(id);
  return name ? json(200, { id, name }) : haloError(404, `${what} ${idText} not found`, 'NotFoundException');
}

export const halopsaSimulator: PsaSimulator = {
  id: 'halopsa',
  kind: 'psa',

  async handle(req, ctx) {
    const { ledger } = ctx;
    if (ledger.faults.down) return json(503, 'The service is unavailable.');
    if (req.method === 'POST' && req.path === '/auth/token') return token(req, ledger);
    if (!req.path.startsWith('/api/')) return json(404);

    const auth = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
    if (!auth || !issued.get(ledger)?.has(auth[1]!)) return json(401, { Message: 'Authorization has been denied for this request.' });
    if (ledger.takeThrottle()) {
      return json(429, 'Too many requests: the limit is 500 requests per 300 seconds', { 'Retry-After': String(ledger.faults.retryAfterSeconds ?? 1) });
    }

    const path = req.path.replace(/\/+$/, '');
    const one = /^\/api\/(Tickets|TicketType|Status)\/(\d+)$/i.exec(path);
    if (req.method === 'GET' && one) {
      const [, what, id] = one;
      if (what!.toLowerCase() === 'tickettype') return lookup(TICKET_TYPES, id!, 'Ticket Type');
      if (what!.toLowerCase() === 'status') return lookup(STATUSES, id!, 'Status');
      const t = ledger.tickets.get(Number(id));
      return t ? json(200, view(t, ledger)) : haloError(404, `Ticket ${id} not found`, 'NotFoundException');
    }
    if (/^\/api\/Tickets$/i.test(path)) {
      if (req.method === 'GET') return search(req, ledger);
      if (req.method === 'POST') return postTickets(req, ctx);
    }
    if (/^\/api\/Actions$/i.test(path) && req.method === 'POST') return postActions(req, ctx);
    return json(404);
  },

  configBlock(baseUrl, opts = {}) {
    return {
      section: { baseUrl, clientId: SIM_CLIENT_ID, ticketTypeId: 1 },
      secrets: { clientSecret: opts.wrongSecret ? 'not-the-halo-secret' : SIM_SECRET },
    };
  },
};
