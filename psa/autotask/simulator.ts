/**
 * Loopback fake of the Autotask REST API (README.md), mounted under `/autotask`:
 *
 *   GET  /atservicesrest/v1.0/ZoneInformation?user=      anonymous; answers the zone `url` on this same origin
 *   …    /zone/atservicesrest/v1.0/…                     the zone: headers ApiIntegrationCode, UserName, Secret
 *        GET Tickets/{id} · GET Tickets/query?search= · POST Tickets · PATCH Tickets · POST Tickets/{id}/Notes
 *        GET Tickets/entityInformation/fields · GET Companies/{id}
 *
 * Like Autotask it refuses bad input with HTTP 500 and `{"errors": ["…"]}`, answers an unknown ticket or company id
 * with `{"item": null}`, and supports the query filter subset Ratchet sends (eq, contains, gt on id, companyID, title,
 * status); any other operator or field is an error, as a non-queryable field is at Autotask.
 */
import type { PsaContext, PsaSimulator, PsaTicketRecord } from '../../src/simulator/psa.js';
import type { VendorRequest, VendorResponse } from '../../src/simulator/vendor.js';

export const SIM_USER = 'ratchet-api@msp.example';
export const SIM_SECRET = 'sim-autotask-secret-7Qx';
export const SIM_INTEGRATION_CODE = 'SIMTRACKINGIDENTIFIER';
export const SIM_QUEUE_ID = 29683378;
/** Status picklist value meaning Complete in the shipped picklist (and here). */
export const SIM_COMPLETE = 5;
const PAGE_SIZE = 500;

/** The default picklists of a fresh Autotask database (the subset Ratchet uses). */
const PICKLISTS: Record<string, Array<[number, string]>> = {
  queueID: [[SIM_QUEUE_ID, 'Client Portal'], [29682833, 'Level I Support'], [8, 'Monitoring Alert']],
  status: [[1, 'New'], [5, 'Complete'], [7, 'Waiting Customer'], [8, 'In Progress']],
  priority: [[1, 'High'], [2, 'Medium'], [3, 'Low'], [4, 'Critical']],
  ticketType: [[1, 'Service Request'], [2, 'Incident'], [3, 'Problem'], [4, 'Change Request'], [5, 'Alert']],
  source: [[-2, 'Insourced'], [-1, 'Client Portal'], [2, 'Phone'], [4, 'Email'], [8, 'Monitoring Alert']],
  issueType: [[1, 'Hardware'], [2, 'Software'], [11, 'Monitoring']],
};
const REQUIRED_ON_CREATE = ['companyID', 'title', 'status', 'priority', 'queueID', 'dueDateTime'] as const;
const QUERYABLE = new Set(['id', 'companyid', 'title', 'status']);

const errors = (status: number, ...messages: string[]): VendorResponse => ({ status, body: { errors: messages } });
const ok = (body: unknown): VendorResponse => ({ status: 200, body });

function itemOf(t: PsaTicketRecord): Record<string, unknown> {
  return {
    id: t.id,
    ticketNumber: `T${t.createdAt.slice(0, 10).replace(/-/g, '')}.${String(t.id).padStart(4, '0')}`,
    companyID: t.company,
    title: t.summary,
    description: t.body,
    status: Number(t.status),
    priority: t.fields.priority ?? null,
    queueID: t.fields.queueID ?? null,
    createDate: t.createdAt,
    completedDate: t.closed ? (t.closedAt ?? t.createdAt) : null,
  };
}

function parseJson(raw: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(raw);
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function picklistHas(field: string, value: unknown): boolean {
  return (PICKLISTS[field] ?? []).some(([v]) => v === value);
}

type Condition = { op: string; field: string; value: unknown };

/** The ticket's value of a queryable field. */
function fieldOf(t: PsaTicketRecord, field: string): unknown {
  switch (field.toLowerCase()) {
    case 'id':
      return t.id;
    case 'companyid':
      return t.company;
    case 'title':
      return t.summary;
    default:
      return Number(t.status);
  }
}

function matches(t: PsaTicketRecord, c: Condition): boolean {
  const v = fieldOf(t, c.field);
  if (c.op === 'eq') return typeof v === 'string' ? v.toLowerCase() === String(c.value).toLowerCase() : v === Number(c.value);
  if (c.op === 'contains') return String(v).toLowerCase().includes(String(c.value).toLowerCase());
  return Number(v) > Number(c.value); // gt
}

function query(req: VendorRequest, ctx: PsaContext, zoneUrl: string): VendorResponse {
  const search = parseJson(req.query.get('search') ?? '');
  const filter = search?.filter;
  if (!search || !Array.isArray(filter) || filter.length === 0) return errors(500, 'Invalid query: a search with at least one filter is required.');
  const conditions: Condition[] = [];
  for (const raw of filter as Array<Record<string, unknown>>) {
    const op = String(raw?.op ?? '');
    const field = String(raw?.field ?? '');
    if (!['eq', 'contains', 'gt'].includes(op)) return errors(500, `Invalid filter operator: ${op}`);
    if (!QUERYABLE.has(field.toLowerCase())) return errors(500, `Invalid field name: ${field}`);
    conditions.push({ op, field, value: raw.value });
  }
  const all = ctx.ledger.list().filter((t) => conditions.every((c) => matches(t, c)));
  const page = all.slice(0, PAGE_SIZE);
  const include = Array.isArray(search.IncludeFields) ? new Set((search.IncludeFields as unknown[]).map((f) => String(f).toLowerCase())) : null;
  const items = page.map((t) => {
    const item = itemOf(t);
    return include ? Object.fromEntries(Object.entries(item).filter(([k]) => k === 'id' || include.has(k.toLowerCase()))) : item;
  });
  const next = all.length > PAGE_SIZE ? `${zoneUrl}v1.0/Tickets/query/next?paging=sim` : null;
  return ok({ items, pageDetails: { count: items.length, requestCount: PAGE_SIZE, prevPageUrl: null, nextPageUrl: next } });
}

async function createTicket(req: VendorRequest, ctx: PsaContext): Promise<VendorResponse> {
  const body = parseJson(req.rawBody);
  if (!body) return errors(500, 'The request body could not be read as a Ticket.');
  const missing = REQUIRED_ON_CREATE.filter((f) => body[f] === undefined || body[f] === null || body[f] === '');
  if (missing.length > 0) return errors(500, ...missing.map((f) => `${f}: Missing Required Field`));
  if (!ctx.ledger.companies.has(Number(body.companyID))) {
    return errors(500, `Reference value on field: companyID of type: Company does not exist or is invalid.`);
  }
  for (const f of ['queueID', 'status', 'priority', 'ticketType', 'source', 'issueType']) {
    if (body[f] !== undefined && !picklistHas(f, body[f])) return errors(500, `Value ${String(body[f])} for field ${f} is not a valid picklist value.`);
  }
  if (String(body.title).length > 255) return errors(500, 'title: Value exceeds the maximum length of 255.');
  if (typeof body.description === 'string' && body.description.length > 8000) return errors(500, 'description: Value exceeds the maximum length of 8000.');
  const ticket = ctx.ledger.open(
    { company: Number(body.companyID), summary: String(body.title), body: String(body.description ?? ''), status: String(body.status), fields: body },
    ctx.now,
  );
  const stall = ctx.ledger.faults.stallCreateMs;
  if (stall && !(await ctx.sleep(stall))) return { status: 0 };
  return ok({ itemId: ticket.id });
}

function updateTicket(req: VendorRequest, ctx: PsaContext): VendorResponse {
  const body = parseJson(req.rawBody);
  const id = Number(body?.id);
  if (!body || !Number.isInteger(id)) return errors(500, 'id: An id is required to update a Ticket.');
  const ticket = ctx.ledger.tickets.get(id);
  if (!ticket) return errors(404, `Ticket ${id} was not found.`);
  if (body.status !== undefined) {
    if (!picklistHas('status', body.status)) return errors(500, `Value ${String(body.status)} for field status is not a valid picklist value.`);
    ticket.status = String(body.status);
    const complete = body.status === SIM_COMPLETE;
    if (complete && !ticket.closed) ticket.closedAt = ctx.now.toISOString();
    ticket.closed = complete;
    if (!complete) ticket.closedAt = null;
  }
  return ok({ itemId: ticket.id });
}

function addNote(id: number, req: VendorRequest, ctx: PsaContext): VendorResponse {
  const ticket = ctx.ledger.tickets.get(id);
  if (!ticket) return errors(404, `Ticket ${id} was not found.`);
  const body = parseJson(req.rawBody);
  if (!body || typeof body.description !== 'string' || body.description === '') return errors(500, 'description: Missing Required Field');
  if (typeof body.noteType !== 'number') return errors(500, 'noteType: Missing Required Field');
  if (body.publish !== 1 && body.publish !== 2) return errors(500, 'publish: Missing Required Field');
  if (body.description.length > 32000) return errors(500, 'description: Value exceeds the maximum length of 32000.');
  ticket.notes.push({ text: body.description, at: ctx.now.toISOString(), internal: body.publish === 2 });
  return ok({ itemId: id * 100 + ticket.notes.length });
}

function fields(): VendorResponse {
  return ok({
    fields: Object.entries(PICKLISTS).map(([name, values]) => ({
      name,
      dataType: 'integer',
      isPickList: true,
      picklistValues: values.map(([value, label]) => ({ value: String(value), label, isActive: true, isSystem: true })),
    })),
  });
}

function route(req: VendorRequest, ctx: PsaContext, rest: string, zoneUrl: string): Promise<VendorResponse> | VendorResponse {
  const lower = rest.toLowerCase();
  let m: RegExpExecArray | null;
  if (req.method === 'GET' && lower === 'tickets/entityinformation/fields') return fields();
  if (req.method === 'GET' && lower === 'tickets/query') return query(req, ctx, zoneUrl);
  if (req.method === 'GET' && (m = /^tickets\/(\d+)$/.exec(lower))) {
    const t = ctx.ledger.tickets.get(Number(m[1]));
    return ok({ item: t ? itemOf(t) : null });
  }
  if (req.method === 'GET' && (m = /^companies\/(\d+)$/.exec(lower))) {
    const c = ctx.ledger.companies.get(Number(m[1]));
    return ok({ item: c ? { id: c.id, companyName: c.name, isActive: true } : null });
  }
  if (req.method === 'POST' && lower === 'tickets') return createTicket(req, ctx);
  if (req.method === 'PATCH' && lower === 'tickets') return updateTicket(req, ctx);
  if (req.method === 'POST' && (m = /^tickets\/(\d+)\/notes$/.exec(lower))) return addNote(Number(m[1]), req, ctx);
  return { status: 404, body: { message: `No HTTP resource was found that matches the request URI 'v1.0/${rest}'.` } };
}

function handle(req: VendorRequest, ctx: PsaContext): Promise<VendorResponse> | VendorResponse {
  const faults = ctx.ledger.faults;
  if (faults.down) return errors(503, 'The service is unavailable.');
  if (ctx.ledger.takeThrottle()) {
    return { status: 429, headers: { 'Retry-After': String(faults.retryAfterSeconds ?? 1) }, body: { errors: ['API threshold exceeded: too many requests.'] } };
  }
  const zoneUrl = `${ctx.baseUrl}/zone/atservicesrest/`;
  if (req.method === 'GET' && /^\/atservicesrest\/v1\.0\/zoneinformation$/i.test(req.path)) {
    if (req.query.get('user')?.toLowerCase() !== SIM_USER) return errors(500, 'Zone information could not be determined for the user.');
    return ok({ zoneName: 'Simulator Zone', url: zoneUrl, webUrl: `${ctx.baseUrl}/zone/`, ci: 20264 });
  }
  const zone = /^\/zone\/atservicesrest\/v1\.0\/(.+)$/i.exec(req.path);
  if (!zone) return { status: 404, body: { message: 'No HTTP resource was found that matches the request URI.' } };
  const h = req.headers;
  if (h.apiintegrationcode !== SIM_INTEGRATION_CODE || h.username?.toLowerCase() !== SIM_USER || h.secret !== SIM_SECRET) {
    return { status: 401, body: { message: 'Authorization has been denied for this request.' } };
  }
  return route(req, ctx, zone[1]!, zoneUrl);
}

export const autotaskSimulator: PsaSimulator = {
  id: 'autotask',
  kind: 'psa',
  handle,
  configBlock(baseUrl, opts = {}) {
    return {
      section: { zoneInformationUrl: `${baseUrl}/atservicesrest`, userName: SIM_USER, queueId: SIM_QUEUE_ID },
      secrets: { secret: opts.wrongSecret ? `${SIM_SECRET}-wrong` : SIM_SECRET, integrationCode: SIM_INTEGRATION_CODE },
      secretNames: { secret: 'PSA_SECRET', integrationCode: 'PSA_INTEGRATION_CODE' },
    };
  },
};
