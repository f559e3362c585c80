/**
 * Loopback fake of the ConnectWise PSA REST API (src/simulator/psa.ts), mounted under `/connectwise`, with the paths
 * the client uses under `/v4_6_release/apis/3.0`: Basic auth `companyId+publicKey:privateKey` and the `clientId`
 * header checked, ConnectWise's error body (`{code, message, errors?}`), the `conditions` subset the client sends
 * parsed strictly (anything else is a 400, as ConnectWise refuses conditions it cannot parse), `contains` run with
 * SQL Server LIKE semantics (`[…]` is a character class), `orderBy=id desc|asc`, `page`/`pageSize`, and the faults.
 */
import { Buffer } from 'node:buffer';
import type { PsaContext, PsaSimulator, PsaTicketRecord } from '../../src/simulator/psa.js';
import type { VendorRequest, VendorResponse } from '../../src/simulator/vendor.js';
import { DEFAULT_API_PATH } from './config.js';

export const SIM_COMPANY_ID = 'ratchetmsp';
export const SIM_PUBLIC_KEY = 'Pub1icKeyRatchetSim';
export const SIM_PRIVATE_KEY = 'Pr1vateKeyRatchetSimulator';
export const SIM_CLIENT_ID = '6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b';
export const SIM_BOARD = 'Ratchet Alerts';
export const SIM_BOARD_ID = 21;
/** Statuses of the fake's board; the `>`-prefixed one is closed, as ConnectWise's default closed status. */
export const SIM_STATUSES: Readonly<Record<string, { id: number; closed: boolean }>> = {
  New: { id: 501, closed: false },
  'In Progress': { id: 502, closed: false },
  'Waiting Customer': { id: 503, closed: false },
  '>Closed': { id: 509, closed: true },
};
export const SIM_PRIORITIES: Readonly<Record<string, number>> = {
  'Priority 1 - Emergency Response': 1,
  'Priority 2 - Quick Response': 2,
  'Priority 3 - Normal Response': 3,
  'Priority 4 - Schedule Maintenance': 4,
};

type Json = Record<string, unknown>;

const error = (status: number, code: string, message: string, errors?: Json[], headers?: Record<string, string>): VendorResponse => ({
  status,
  body: { code, message, ...(errors ? { errors } : {}) },
  ...(headers ? { headers } : {}),
});

const invalidTicket = (message: string, field: string): VendorResponse =>
  error(400, 'InvalidObject', 'ticket object is invalid', [{ code: 'InvalidObject', message, resource: 'ticket', field }]);

function statusKey(name: string): string | undefined {
  return Object.keys(SIM_STATUSES).find((s) => s.toLowerCase() === name.toLowerCase());
}

/** One clause of the conditions subset: `field op value`. */
interface Clause {
  field: 'company/id' | 'summary' | 'closedFlag' | 'board/name' | 'name';
  op: '=' | '!=' | 'contains' | 'like';
  value: string | number | boolean;
}

const FIELDS: readonly Clause['field'][] = ['company/id', 'summary', 'closedFlag', 'board/name', 'name'];

/** Parses `a=1 and b contains "x"` strictly; throws a message on anything outside the subset. */
export function parseConditions(text: string): Clause[] {
  const clauses: Clause[] = [];
  let rest = text.trim();
  while (rest.length > 0) {
    const m = /^([A-Za-z/]+)\s*(!=|=|\s+contains\s+|\s+like\s+)\s*/i.exec(rest);
    if (!m) throw new Error(`cannot parse conditions at ${JSON.stringify(rest.slice(0, 40))}`);
    const field = FIELDS.find((f) => f.toLowerCase() === m[1]!.toLowerCase());
    if (!field) throw new Error(`unknown field ${JSON.stringify(m[1])} in conditions`);
    const op = m[2]!.trim().toLowerCase() as Clause['op'];
    rest = rest.slice(m[0].length);
    let value: Clause['value'];
    if (rest.startsWith('"')) {
      let i = 1;
      let s = '';
      for (; i < rest.length && rest[i] !== '"'; i += 1) {
        if (rest[i] === '\\' && i + 1 < rest.length) i += 1;
        s += rest[i];
      }
      if (i >= rest.length) throw new Error('unterminated string in conditions');
      value = s;
      rest = rest.slice(i + 1);
    } else {
      const v = /^(-?\d+|true|false)\b/i.exec(rest);
      if (!v) throw new Error(`expected a value at ${JSON.stringify(rest.slice(0, 40))}: strings go in double quotes`);
      value = /^\d|^-/.test(v[1]!) ? Number(v[1]) : v[1]!.toLowerCase() === 'true';
      rest = rest.slice(v[0].length);
    }
    const numeric = field === 'company/id';
    const bool = field === 'closedFlag';
    if (numeric !== (typeof value === 'number') || bool !== (typeof value === 'boolean')) throw new Error(`wrong type of value for ${field}`);
    if ((op === 'contains' || op === 'like') && typeof value !== 'string') throw new Error(`${op} needs a string`);
    clauses.push({ field, op, value });
    rest = rest.trim();
    if (rest.length === 0) break;
    const and = /^and\s+/i.exec(rest);
    if (!and) throw new Error(`expected "and" at ${JSON.stringify(rest.slice(0, 40))}`);
    rest = rest.slice(and[0].length);
  }
  return clauses;
}

/** A LIKE character class (`[a-c]`, `[^x]`) as a RegExp class; a reversed range matches nothing, as in SQL Server. */
function charClass(body: string): string {
  const negate = body.startsWith('^');
  const chars = negate ? body.slice(1) : body;
  const esc = (c: string) => c.replace(/[\\\][^-]/, '\\$&');
  const parts: string[] = [];
  for (let i = 0; i < chars.length; i += 1) {
    const a = chars[i]!;
    if (chars[i + 1] === '-' && i + 2 < chars.length) {
      const b = chars[i + 2]!;
      if (a <= b) parts.push(`${esc(a)}-${esc(b)}`);
      i += 2;
    } else parts.push(esc(a));
  }
  if (parts.length === 0) return negate ? '[\\s\\S]' : '(?!)';
  return `[${negate ? '^' : ''}${parts.join('')}]`;
}

/** SQL Server LIKE (default collation: case-insensitive): `%` any run, `_` one character, `[…]` a character class. */
export function sqlLike(pattern: string, text: string): boolean {
  let re = '';
  for (let i = 0; i < pattern.length; i += 1) {
    const c = pattern[i]!;
    if (c === '%') re += '[\\s\\S]*';
    else if (c === '_') re += '[\\s\\S]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        re += charClass(pattern.slice(i + 1, end));
        i = end;
      }
    } else re += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 'i').test(text);
}

function matches(t: PsaTicketRecord, c: Clause): boolean {
  const actual: string | number | boolean =
    c.field === 'company/id' ? t.company : c.field === 'closedFlag' ? t.closed : c.field === 'summary' ? t.summary : SIM_BOARD;
  switch (c.op) {
    case '=':
      return typeof actual === 'string' ? actual.toLowerCase() === String(c.value).toLowerCase() : actual === c.value;
    case '!=':
      return typeof actual === 'string' ? actual.toLowerCase() !== String(c.value).toLowerCase() : actual !== c.value;
    case 'contains':
      return sqlLike(`%${String(c.value)}%`, String(actual));
    case 'like':
      return sqlLike(String(c.value), String(actual));
  }
}

function ticketJson(t: PsaTicketRecord, ctx: PsaContext): Json {
  const company = ctx.ledger.companies.get(t.company);
  const status = SIM_STATUSES[t.status];
  const priority = typeof t.fields.priority === 'string' ? t.fields.priority : 'Priority 3 - Normal Response';
  return {
    id: t.id,
    summary: t.summary,
    recordType: 'ServiceTicket',
    board: { id: SIM_BOARD_ID, name: SIM_BOARD },
    status: { id: status?.id ?? 0, name: t.status },
    company: { id: t.company, identifier: company?.tenantId ?? String(t.company), name: company?.name ?? '' },
    priority: { id: SIM_PRIORITIES[priority] ?? 3, name: priority },
    closedFlag: t.closed,
    ...(t.closedAt ? { closedDate: t.closedAt } : {}),
    _info: { dateEntered: t.createdAt, lastUpdated: t.closedAt ?? t.createdAt, notes_href: `${ctx.baseUrl}${DEFAULT_API_PATH}/service/tickets/${t.id}/notes` },
  };
}

function parseBody(req: VendorRequest): unknown {
  try {
    return JSON.parse(req.rawBody) as unknown;
  } catch {
    return undefined;
  }
}

const nameOf = (v: unknown): string | undefined => (v && typeof v === 'object' && typeof (v as Json).name === 'string' ? ((v as Json).name as string) : undefined);

function createTicket(req: VendorRequest, ctx: PsaContext): VendorResponse | { ticket: PsaTicketRecord } {
  const body = parseBody(req);
  if (!body || typeof body !== 'object' || Array.isArray(body)) return error(400, 'InvalidObject', 'ticket object is invalid');
  const b = body as Json;
  const summary = typeof b.summary === 'string' ? b.summary : '';
  if (summary.trim() === '') return invalidTicket('summary is required.', 'summary');
  if (summary.length > 100) return invalidTicket('summary cannot be longer than 100 characters.', 'summary');
  const companyId = b.company && typeof b.company === 'object' ? (b.company as Json).id : undefined;
  if (typeof companyId !== 'number' || !ctx.ledger.companies.has(companyId)) return invalidTicket(`Company with id ${String(companyId)} not found.`, 'company');
  const board = nameOf(b.board);
  if (!board || board.toLowerCase() !== SIM_BOARD.toLowerCase()) return invalidTicket(`Board ${JSON.stringify(board ?? '')} not found.`, 'board');
  const statusName = nameOf(b.status) ?? 'New';
  const status = statusKey(statusName);
  if (!status) return invalidTicket(`Status ${JSON.stringify(statusName)} not found on board ${SIM_BOARD}.`, 'status');
  const priority = nameOf(b.priority);
  if (priority !== undefined && SIM_PRIORITIES[priority] === undefined) return invalidTicket(`Priority ${JSON.stringify(priority)} not found.`, 'priority');
  const ticket = ctx.ledger.open(
    {
      company: companyId,
      summary,
      body: typeof b.initialDescription === 'string' ? b.initialDescription : '',
      status,
      closed: SIM_STATUSES[status]!.closed,
      fields: { board, ...(priority ? { priority } : {}), ...(b.status ? { status: statusName } : {}) },
    },
    ctx.now,
  );
  if (ticket.closed) ticket.closedAt = ctx.now.toISOString();
  return { ticket };
}

function listTickets(req: VendorRequest, ctx: PsaContext): VendorResponse {
  let clauses: Clause[] = [];
  try {
    clauses = parseConditions(req.query.get('conditions') ?? '');
    if (clauses.some((c) => c.field === 'name')) throw new Error('unknown field "name" on ticket');
  } catch (e) {
    return error(400, 'InvalidObject', `conditions are invalid: ${(e as Error).message}`);
  }
  const orderBy = (req.query.get('orderBy') ?? 'id asc').trim().toLowerCase().replace(/\s+/g, ' ');
  if (orderBy !== 'id asc' && orderBy !== 'id desc' && orderBy !== 'id') return error(400, 'InvalidObject', `orderBy ${JSON.stringify(orderBy)} is not supported by this fake`);
  const paging = pageOf(req);
  if ('status' in paging) return paging;
  let found = ctx.ledger.list().filter((t) => clauses.every((c) => matches(t, c)));
  if (orderBy === 'id desc') found = found.reverse();
  return { status: 200, body: found.slice((paging.page - 1) * paging.size, paging.page * paging.size).map((t) => ticketJson(t, ctx)) };
}

function pageOf(req: VendorRequest): { page: number; size: number } | VendorResponse {
  const size = Number(req.query.get('pageSize') ?? 25);
  const page = Number(req.query.get('page') ?? 1);
  if (!Number.isInteger(size) || size < 1 || size > 1000 || !Number.isInteger(page) || page < 1) return error(400, 'InvalidObject', 'page and pageSize must be positive integers (pageSize at most 1000)');
  return { page, size };
}

function listBoards(req: VendorRequest): VendorResponse {
  let clauses: Clause[];
  try {
    clauses = parseConditions(req.query.get('conditions') ?? '');
    if (clauses.some((c) => c.field !== 'name')) throw new Error('only name conditions are supported on boards by this fake');
  } catch (e) {
    return error(400, 'InvalidObject', `conditions are invalid: ${(e as Error).message}`);
  }
  const board = { id: SIM_BOARD_ID, name: SIM_BOARD, inactiveFlag: false };
  const hit = clauses.every((c) => (c.op === '=' ? SIM_BOARD.toLowerCase() === String(c.value).toLowerCase() : c.op === 'contains' ? sqlLike(`%${String(c.value)}%`, SIM_BOARD) : false));
  return { status: 200, body: hit ? [board] : [] };
}

function patchTicket(t: PsaTicketRecord, req: VendorRequest, ctx: PsaContext): VendorResponse {
  const ops = parseBody(req);
  if (!Array.isArray(ops)) return error(400, 'InvalidObject', 'the body must be a JSON Patch array of operations');
  for (const op of ops as Json[]) {
    const path = typeof op.path === 'string' ? op.path.replace(/^\//, '') : '';
    if (op.op !== 'replace' || path !== 'status') return error(400, 'InvalidObject', `this fake patches only status (got ${JSON.stringify(op.op)} ${JSON.stringify(op.path)})`);
    const name = nameOf(op.value);
    const status = name ? statusKey(name) : undefined;
    if (!status) return invalidTicket(`Status ${JSON.stringify(name ?? '')} not found on board ${SIM_BOARD}.`, 'status');
    t.status = status;
    const closed = SIM_STATUSES[status]!.closed;
    if (closed && !t.closed) t.closedAt = ctx.now.toISOString();
    if (!closed) t.closedAt = null;
    t.closed = closed;
  }
  return { status: 200, body: ticketJson(t, ctx) };
}

function addNote(t: PsaTicketRecord, req: VendorRequest, ctx: PsaContext): VendorResponse {
  const body = parseBody(req) as Json | undefined;
  const text = body && typeof body.text === 'string' ? body.text : '';
  if (text.trim() === '') return error(400, 'InvalidObject', 'note object is invalid', [{ code: 'MissingRequiredField', message: 'text is required.', resource: 'note', field: 'text' }]);
  const flags = ['detailDescriptionFlag', 'internalAnalysisFlag', 'resolutionFlag'].filter((f) => body?.[f] === true);
  if (flags.length === 0) return error(400, 'InvalidObject', 'note object is invalid', [{ code: 'InvalidObject', message: 'At least one of detailDescriptionFlag, internalAnalysisFlag or resolutionFlag must be true.', resource: 'note', field: 'internalAnalysisFlag' }]);
  const internal = body?.internalAnalysisFlag === true && body.detailDescriptionFlag !== true && body.resolutionFlag !== true;
  t.notes.push({ text, at: ctx.now.toISOString(), internal });
  const id = 90_000 + t.id * 100 + t.notes.length;
  return { status: 201, body: { id, ticketId: t.id, text, detailDescriptionFlag: body?.detailDescriptionFlag === true, internalAnalysisFlag: body?.internalAnalysisFlag === true, resolutionFlag: body?.resolutionFlag === true, dateCreated: ctx.now.toISOString() } };
}

function authorised(req: VendorRequest, privateKey: string): VendorResponse | null {
  const expected = `Basic ${Buffer.from(`${SIM_COMPANY_ID}+${SIM_PUBLIC_KEY}:${privateKey}`, 'utf8').toString('base64')}`;
  if (req.headers.authorization !== expected) return error(401, 'Unauthorized', 'Unauthorized: check your company, public key and private key');
  if (req.headers.clientid !== SIM_CLIENT_ID) return error(401, 'Unauthorized', 'clientId header is missing or not a registered clientId');
  return null;
}

async function handle(req: VendorRequest, ctx: PsaContext): Promise<VendorResponse> {
  if (ctx.ledger.faults.down) return error(503, 'ServiceUnavailable', 'The service is temporarily unavailable. Please try again later.');
  if (ctx.ledger.takeThrottle()) {
    const wait = ctx.ledger.faults.retryAfterSeconds ?? 1;
    return error(429, 'TooManyRequests', 'Request volume exceeds capacity limits. Retry after the number of seconds in Retry-After.', undefined, { 'Retry-After': String(wait) });
  }
  if (!req.path.startsWith(`${DEFAULT_API_PATH}/`)) return error(404, 'NotFound', 'Resource URL not found');
  const denied = authorised(req, SIM_PRIVATE_KEY);
  if (denied) return denied;
  const path = req.path.slice(DEFAULT_API_PATH.length);
  const method = req.method.toUpperCase();

  if (path === '/service/tickets') {
    if (method === 'GET') return listTickets(req, ctx);
    if (method === 'POST') {
      const created = createTicket(req, ctx);
      if (!('ticket' in created)) return created;
      const stall = ctx.ledger.faults.stallCreateMs;
      // The ticket exists now; the answer may never arrive (the crash window the marker search covers).
      if (stall && stall > 0 && !(await ctx.sleep(stall))) return { status: 0 };
      return { status: 201, body: ticketJson(created.ticket, ctx) };
    }
    return error(405, 'MethodNotAllowed', 'Method not allowed');
  }
  if (path === '/service/boards' && method === 'GET') return listBoards(req);
  const company = /^\/company\/companies\/(\d+)$/.exec(path);
  if (company && method === 'GET') {
    const c = ctx.ledger.companies.get(Number(company[1]));
    return c ? { status: 200, body: { id: c.id, identifier: c.tenantId, name: c.name } } : error(404, 'NotFound', `Company with id ${company[1]} not found`);
  }
  const ticketRoute = /^\/service\/tickets\/(\d+)(\/notes)?$/.exec(path);
  if (ticketRoute) {
    const t = ctx.ledger.tickets.get(Number(ticketRoute[1]));
    if (!t) return error(404, 'NotFound', `Ticket with id ${ticketRoute[1]} not found`);
    if (ticketRoute[2]) {
      if (method === 'POST') return addNote(t, req, ctx);
      if (method === 'GET') return { status: 200, body: t.notes.map((n, i) => ({ id: 90_000 + t.id * 100 + i + 1, ticketId: t.id, text: n.text, internalAnalysisFlag: n.internal })) };
      return error(405, 'MethodNotAllowed', 'Method not allowed');
    }
    if (method === 'GET') return { status: 200, body: ticketJson(t, ctx) };
    if (method === 'PATCH') return patchTicket(t, req, ctx);
    return error(405, 'MethodNotAllowed', 'Method not allowed');
  }
  return error(404, 'NotFound', 'Resource URL not found');
}

export const connectwiseSimulator: PsaSimulator = {
  id: 'connectwise',
  kind: 'psa',
  handle,
  configBlock(baseUrl, opts = {}) {
    return {
      section: { baseUrl, companyId: SIM_COMPANY_ID, publicKey: SIM_PUBLIC_KEY, clientId: SIM_CLIENT_ID, board: SIM_BOARD },
      secrets: { privateKey: opts.wrongSecret ? `${SIM_PRIVATE_KEY}-revoked` : SIM_PRIVATE_KEY },
    };
  },
};
