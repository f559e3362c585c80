/**
 * The slice of OData that Graph's collections speak and the collector relies on: `$top`, `$select`, `$filter`
 * (eq clauses joined by `and`, on the properties each resource allows), `$count`, `$expand`, and opaque
 * `$skiptoken` paging. Anything outside that slice is refused with a Graph-shaped 400, never silently ignored,
 * so a collector that sends a query Graph would reject fails here too.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** An error that becomes a Graph error response. */
export class GraphHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'GraphHttpError';
  }
}

export type FilterValue = string | number | boolean | null;
export interface FilterClause {
  field: string;
  value: FilterValue;
}

export interface ODataQuery {
  top: number | null;
  select: string[] | null;
  filter: FilterClause[] | null;
  filterText: string | null;
  count: boolean;
  expand: string[];
  skiptoken: string | null;
}

const SUPPORTED = new Set(['$top', '$select', '$filter', '$count', '$expand', '$skiptoken', '$orderby']);

export function parseQuery(params: URLSearchParams): ODataQuery {
  for (const key of params.keys()) {
    if (key.startsWith('$') && !SUPPORTED.has(key.toLowerCase())) {
      throw new GraphHttpError(400, 'BadRequest', `Query option '${key}' is not supported.`);
    }
  }
  const get = (name: string) => {
    for (const [k, v] of params) if (k.toLowerCase() === name) return v;
    return null;
  };
  const topText = get('$top');
  let top: number | null = null;
  if (topText !== null) {
    top = /^\d+$/.test(topText) ? Number(topText) : Number.NaN;
    if (!Number.isInteger(top)) throw new GraphHttpError(400, 'BadRequest', `Invalid value '${topText}' for query option '$top'.`);
  }
  const selectText = get('$select');
  const select = selectText === null ? null : selectText.split(',').map((s) => s.trim()).filter(Boolean);
  const filterText = get('$filter');
  const countText = get('$count');
  if (countText !== null && !['true', 'false'].includes(countText.toLowerCase())) {
    throw new GraphHttpError(400, 'BadRequest', `Invalid value '${countText}' for query option '$count'.`);
  }
  const expandText = get('$expand');
  return {
    top,
    select,
    filter: filterText === null ? null : parseFilter(filterText),
    filterText,
    count: countText?.toLowerCase() === 'true',
    expand: expandText === null ? [] : expandText.split(',').map((s) => s.trim()).filter(Boolean),
    skiptoken: get('$skiptoken'),
  };
}

/** Tokenise and parse `a eq 'x' and b eq true`. Other operators and functions are refused. */
export function parseFilter(text: string): FilterClause[] {
  const tokens: string[] = [];
  const re = /\s*('(?:[^']|'')*'|[A-Za-z_][\w./]*|-?\d+(?:\.\d+)?|\S)/y;
  let m: RegExpExecArray | null;
  let pos = 0;
  while (pos < text.length) {
    re.lastIndex = pos;
    m = re.exec(text);
    if (!m) break;
    if (m[1] !== undefined) tokens.push(m[1]);
    pos = re.lastIndex;
    if (/^\s*$/.test(text.slice(pos))) break;
  }
  const invalid = (why: string) => new GraphHttpError(400, 'BadRequest', `Invalid filter clause: ${why}`);
  const clauses: FilterClause[] = [];
  let i = 0;
  while (i < tokens.length) {
    const field = tokens[i];
    const op = tokens[i + 1];
    const literal = tokens[i + 2];
    if (!field || !/^[A-Za-z_]/.test(field)) throw invalid(`expected a property name at '${field ?? ''}'`);
    if (op?.toLowerCase() !== 'eq') throw invalid(`only 'eq' is supported, got '${op ?? ''}' after '${field}'`);
    if (literal === undefined) throw invalid(`missing value after '${field} eq'`);
    clauses.push({ field, value: parseLiteral(literal, invalid) });
    i += 3;
    if (i < tokens.length) {
      if (tokens[i]!.toLowerCase() !== 'and') throw invalid(`expected 'and' but found '${tokens[i]}'`);
      i += 1;
      if (i >= tokens.length) throw invalid("dangling 'and'");
    }
  }
  if (clauses.length === 0) throw invalid('empty filter');
  return clauses;
}

function parseLiteral(token: string, invalid: (why: string) => Error): FilterValue {
  if (token.startsWith("'")) {
    if (!token.endsWith("'") || token.length < 2) throw invalid(`unterminated string ${token}`);
    return token.slice(1, -1).replace(/''/g, "'");
  }
  const lower = token.toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  if (lower === 'null') return null;
  if (/^-?\d+(?:\.\d+)?$/.test(token)) return Number(token);
  throw invalid(`unsupported value '${token}'`);
}

/** Return only the selected properties (and `id`, which Graph always includes). */
export function applySelect(row: Record<string, unknown>, select: readonly string[] | null, alwaysKeep: readonly string[] = []): Record<string, unknown> {
  if (!select) return row;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(row)) {
    if (key === 'id' || key.startsWith('@odata.') || select.includes(key) || alwaysKeep.includes(key)) out[key] = row[key];
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------- paging

/**
 * `$skiptoken` values are opaque to clients (vendor-apis §1.2: send nextLink back verbatim). Ours carry the next
 * position and a digest of the rest of the query, signed so that a hand-made or cross-query token is refused.
 */
export class SkipTokens {
  constructor(private readonly key: Buffer) {}

  private mac(payload: string): string {
    return createHmac('sha256', this.key).update(payload).digest('base64url').slice(0, 22);
  }

  encode(position: number, scope: string): string {
    const payload = Buffer.from(JSON.stringify({ p: position, s: this.mac(scope).slice(0, 10) })).toString('base64url');
    return `${payload}${this.mac(payload)}`;
  }

  /** The position encoded in the token, or a 400 when it is not one of ours for this query. */
  decode(token: string, scope: string): number {
    const bad = new GraphHttpError(400, 'BadRequest', 'The $skiptoken is invalid or was issued for a different query.');
    if (token.length <= 22) throw bad;
    const payload = token.slice(0, -22);
    const mac = Buffer.from(token.slice(-22));
    const expected = Buffer.from(this.mac(payload));
    if (mac.length !== expected.length || !timingSafeEqual(mac, expected)) throw bad;
    let parsed: { p?: unknown; s?: unknown };
    try {
      parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { p?: unknown; s?: unknown };
    } catch {
      throw bad;
    }
    if (typeof parsed.p !== 'number' || !Number.isInteger(parsed.p) || parsed.p < 0 || parsed.s !== this.mac(scope).slice(0, 10)) throw bad;
    return parsed.p;
  }
}

/** Query text without `$skiptoken`, in a stable order: the scope a token is bound to. */
export function queryScope(path: string, params: URLSearchParams): string {
  const entries = [...params].filter(([k]) => k.toLowerCase() !== '$skiptoken').sort(([a], [b]) => a.localeCompare(b));
  return `${path.toLowerCase()}?${entries.map(([k, v]) => `${k}=${v}`).join('&')}`;
}

/** Encode a query value the way Graph's nextLinks do: readable, with only the characters that must be escaped. */
function encodeValue(v: string): string {
  return v.replace(/[%&#+ ?]/g, (c) => encodeURIComponent(c));
}

/** Build the nextLink: the original query (minus any old token) plus the new `$skiptoken`, as a full URL. */
export function nextLink(baseUrl: string, path: string, params: URLSearchParams, token: string): string {
  const parts = [...params].filter(([k]) => k.toLowerCase() !== '$skiptoken').map(([k, v]) => `${k}=${encodeValue(v)}`);
  parts.push(`$skiptoken=${token}`);
  return `${baseUrl}/v1.0${path}?${parts.join('&')}`;
}
