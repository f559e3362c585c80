/**
 * Everything between an authenticated Graph request and its route: fault decisions (429, 5xx, 403, malformed,
 * schema violations), Graph error bodies, and `POST /$batch`, whose sub-requests go through the same path so
 * each one is faulted and counted on its own, as Graph throttles each sub-request individually.
 */
import { randomUUID } from 'node:crypto';
import { matchesAny, type FaultConfig, type FaultDecision, type FaultInjector } from '../../../src/simulator/faults.js';
import { JSON_CONTENT_TYPE, routeGraph, routeTemplate, type GraphResult, type GraphRouteRequest } from './graph-routes.js';
import { GraphHttpError, type SkipTokens } from './odata.js';
import type { TenantModel } from './tenant-model.js';

/** Graph caps a JSON batch at 20 requests (learn.microsoft.com/graph/json-batching). */
export const BATCH_LIMIT = 20;

export interface GraphCall {
  method: string;
  /** Path after /v1.0 (percent-decoded). */
  path: string;
  params: URLSearchParams;
  headers: Record<string, string | undefined>;
  body?: unknown;
}

export interface DispatchEnv {
  tenant: TenantModel;
  faults: FaultConfig;
  injector: Pick<FaultInjector, 'decide'>;
  skipTokens: SkipTokens;
  baseUrl: string;
  /** Record one answered (sub-)request for stats(). */
  record: (route: string, status: number) => void;
  /** Application permissions of the caller's token, and the partner's GDAP data when the caller is the MSP's app at home. */
  roles?: readonly string[];
  gdap?: GraphRouteRequest['gdap'];
}

function innerError(headers: Record<string, string | undefined>, requestId: string) {
  return {
    date: new Date().toISOString().replace(/\.\d{3}Z$/, ''),
    'request-id': requestId,
    'client-request-id': headers['client-request-id'] ?? requestId,
  };
}

/** `{"error":{"code","message","innerError":{"date","request-id","client-request-id"}}}` (learn.microsoft.com/graph/errors). */
export function graphError(
  status: number,
  code: string,
  message: string,
  headers: Record<string, string | undefined>,
  extraHeaders: Record<string, string> = {},
): GraphResult {
  const requestId = randomUUID();
  return {
    status,
    headers: { 'Content-Type': 'application/json', 'request-id': requestId, 'client-request-id': headers['client-request-id'] ?? requestId, ...extraHeaders },
    body: { error: { code, message, innerError: innerError(headers, requestId) } },
  };
}

export function fromThrown(err: unknown, headers: Record<string, string | undefined>): GraphResult {
  if (err instanceof GraphHttpError) return graphError(err.status, err.code, err.message, headers, err.headers);
  const message = err instanceof Error ? err.message : String(err);
  return graphError(500, 'InternalServerError', `Simulator error: ${message}`, headers);
}

/**
 * A body of the right kind with one field of the wrong type — what a silent API change looks like. The mutation
 * targets a field the collector reads for each endpoint, so a lenient parser cannot skip over it.
 */
export function violateSchema(path: string, body: unknown): unknown {
  if (!body || typeof body !== 'object') return { value: 'not-an-array' };
  const copy = JSON.parse(JSON.stringify(body)) as Record<string, unknown>;
  const template = routeTemplate(path).toLowerCase();
  const first = Array.isArray(copy.value) ? (copy.value[0] as Record<string, unknown> | undefined) : undefined;
  const setFirst = (field: string, value: unknown) => {
    if (first) first[field] = value;
    else copy.value = 'not-an-array';
  };
  if (template.startsWith('/reports/authenticationmethods/userregistrationdetails')) setFirst('isMfaRegistered', 'yes');
  else if (template.endsWith('/authentication/methods')) copy.value = { '@odata.type': '#microsoft.graph.passwordAuthenticationMethod' };
  else if (template.startsWith('/users')) setFirst('accountEnabled', 'no');
  else if (template.startsWith('/identity/conditionalaccess/policies')) setFirst('conditions', 'all users');
  else if (template.startsWith('/policies/identitysecuritydefaultsenforcementpolicy')) copy.isEnabled = 'true';
  else if (template.startsWith('/security/securescores')) setFirst('currentScore', '55.2');
  else if (template.startsWith('/rolemanagement/directory/roleassignments')) setFirst('principalId', 42);
  else if (template.startsWith('/devicemanagement/manageddevices')) setFirst('complianceState', 1);
  else if (template.startsWith('/subscribedskus')) setFirst('servicePlans', 'none');
  else if (Array.isArray(copy.value)) copy.value = 'not-an-array';
  else copy.id = 42;
  return copy;
}

/** Truncated JSON: what a proxy cutting the connection short, or a broken gateway, delivers. */
export function malformedText(body: unknown): string {
  const text = JSON.stringify(body ?? {});
  return `${text.slice(0, Math.max(12, Math.floor(text.length / 2)))}<!-- upstream reset -->`;
}

function applyBodyFaults(call: GraphCall, result: GraphResult, faults: FaultConfig): GraphResult {
  if (result.status < 200 || result.status >= 300) return result;
  if (result.rawBody !== undefined) {
    // A text answer (a `$count`): cut short, or something that is not an integer.
    if (matchesAny(faults.malformed, call.path)) return { ...result, rawBody: `${result.rawBody}<!-- upstream reset -->` };
    if (matchesAny(faults.schemaViolation, call.path)) return { ...result, rawBody: 'about a dozen' };
    return result;
  }
  if (matchesAny(faults.malformed, call.path)) return { ...result, body: undefined, rawBody: malformedText(result.body) };
  if (matchesAny(faults.schemaViolation, call.path)) return { ...result, body: violateSchema(call.path, result.body) };
  return result;
}

/**
 * One Graph call after authentication, stalls and latency: random faults, permission faults, the route, body faults.
 * `requestKey` identifies the request for reproducible fault draws.
 */
/** The response for an injected 429/5xx/403 decision. */
export function faultResult(decision: Exclude<FaultDecision, { kind: 'none' } | { kind: 'stall' }>, headers: Record<string, string | undefined>): GraphResult {
  switch (decision.kind) {
    case '429':
      return graphError(429, 'TooManyRequests', 'Too many requests. Please retry after the time specified in the Retry-After header.', headers, {
        'Retry-After': String(decision.retryAfterSeconds),
      });
    case '5xx':
      return decision.status === 503
        ? graphError(503, 'ServiceUnavailable', 'The service is temporarily unavailable. Please retry later.', headers, { 'Retry-After': '1' })
        : graphError(decision.status, decision.status === 504 ? 'GatewayTimeout' : 'InternalServerError', 'An internal server error occurred.', headers);
    case '403':
      return graphError(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.', headers);
  }
}

/**
 * One Graph call after authentication and latency: random faults, permission faults, the route, body faults.
 * `requestKey` identifies the request for reproducible fault draws. A stall is returned to the caller, which owns
 * the socket and the clock.
 */
export function executeGraph(env: DispatchEnv, call: GraphCall, requestKey: string, routeLabel: string, allowStall: boolean): GraphResult | { stallMs: number } {
  const decision = env.injector.decide(env.faults, requestKey, call.path, { allowStall });
  if (decision.kind === 'stall') return { stallMs: decision.ms };
  let result: GraphResult;
  if (decision.kind !== 'none') {
    result = faultResult(decision, call.headers);
  } else {
    try {
      result = applyBodyFaults(call, routeGraph({ ...call, tenant: env.tenant, baseUrl: env.baseUrl, skipTokens: env.skipTokens, roles: env.roles, gdap: env.gdap }), env.faults);
    } catch (err) {
      result = fromThrown(err, call.headers);
    }
  }
  env.record(routeLabel, result.status);
  return result;
}

interface BatchRequestItem {
  id: string;
  method: string;
  url: string;
  headers?: Record<string, string>;
}

function parseBatch(body: unknown): BatchRequestItem[] {
  const requests = (body as { requests?: unknown } | null)?.requests;
  if (!Array.isArray(requests)) throw new GraphHttpError(400, 'BadRequest', 'Invalid batch payload format.');
  if (requests.length === 0) throw new GraphHttpError(400, 'BadRequest', 'Invalid batch payload format: the batch contains no requests.');
  if (requests.length > BATCH_LIMIT) {
    throw new GraphHttpError(400, 'BadRequest', `The number of requests in the batch (${requests.length}) exceeds the limit of ${BATCH_LIMIT}.`);
  }
  const ids = new Set<string>();
  return requests.map((r: unknown, i) => {
    const item = r as Partial<BatchRequestItem> | null;
    if (!item || typeof item.id !== 'string' || typeof item.url !== 'string' || typeof item.method !== 'string') {
      throw new GraphHttpError(400, 'BadRequest', `Invalid batch payload format: request ${i} needs string id, method and url.`);
    }
    if (ids.has(item.id)) throw new GraphHttpError(400, 'BadRequest', `Batch request contains duplicate Ids: '${item.id}'.`);
    ids.add(item.id);
    return { id: item.id, method: item.method.toUpperCase(), url: item.url, headers: item.headers ?? {} };
  });
}

/** A sub-request URL: relative to the version (`/users/…`); a full URL or a `/v1.0` prefix is tolerated. */
function subRequestTarget(url: string): { path: string; params: URLSearchParams } {
  const parsed = new URL(url.startsWith('/') ? `https://graph.invalid/v1.0${url.replace(/^\/v1\.0(?=\/)/i, '')}` : url);
  const path = decodeURIComponent(parsed.pathname.replace(/^\/v1\.0/i, '')) || '/';
  return { path, params: parsed.searchParams };
}

/** `POST /$batch`: each sub-request routed (and faulted) like a top-level request; the envelope is 200. */
export function executeBatch(env: DispatchEnv, envelope: GraphCall, tenantKey: string): GraphResult {
  const items = parseBatch(envelope.body);
  const responses = items.map((item) => {
    const headers: Record<string, string | undefined> = { 'client-request-id': envelope.headers['client-request-id'] };
    for (const [k, v] of Object.entries(item.headers ?? {})) headers[k.toLowerCase()] = v;
    let target: { path: string; params: URLSearchParams };
    try {
      target = subRequestTarget(item.url);
    } catch {
      return { id: item.id, status: 400, headers: { 'Content-Type': 'application/json' }, body: graphError(400, 'BadRequest', `Invalid request URL '${item.url}'.`, headers).body };
    }
    const call: GraphCall = { method: item.method, path: target.path, params: target.params, headers };
    const label = `BATCH ${item.method} /v1.0${routeTemplate(target.path)}`;
    const result = executeGraph(env, call, `${tenantKey} ${item.method} ${item.url}`, label, false) as GraphResult;
    const subHeaders: Record<string, string> = { ...result.headers };
    // Graph returns sub-response bodies inline as JSON; a malformed body travels as text, typed as such, so a
    // client that re-parses it meets the same invalid JSON a top-level request would deliver.
    if (result.rawBody !== undefined) subHeaders['Content-Type'] = 'text/plain';
    return { id: item.id, status: result.status, headers: subHeaders, body: result.rawBody ?? result.body };
  });
  // Graph answers sub-requests in no promised order; vary it so clients must match on id.
  const ordered = responses.map((r, i) => ({ r, k: (i * 7919 + items.length * 31) % 97 })).sort((a, b) => a.k - b.k).map((x) => x.r);
  return { status: 200, headers: { 'Content-Type': JSON_CONTENT_TYPE, 'OData-Version': '4.0' }, body: { responses: ordered } };
}
