/**
 * Graph routes for `/security/alerts_v2`, `/deviceManagement/deviceConfigurations` (Windows Update rings) and
 * `/admin/sharepoint/settings`, with Graph's envelopes and the refusals a real tenant gives: 403 without the
 * application permission, 403 "Account is not provisioned" without a Defender product, Intune's 400 without an
 * Intune licence. Only the query forms the collector sends (and Microsoft documents) are accepted.
 */
import { nextLink, parseQuery, queryScope, GraphHttpError } from './odata.js';
import type { SkipTokens } from './odata.js';
import { defenderAlerts, defenderProvisioned, sharepointSettings, updateRings, type PostureTenant } from './posture-model.js';

/**
 * The parts of graph-routes' request and result these routes use, declared structurally so graph-routes.ts can
 * import this module without an import cycle (graph-routes' own types satisfy them).
 */
interface GraphRouteRequest {
  method: string;
  path: string;
  params: URLSearchParams;
  tenant: PostureTenant;
  baseUrl: string;
  skipTokens: SkipTokens;
  roles?: readonly string[];
}

interface GraphResult {
  status: number;
  headers: Record<string, string>;
  body?: unknown;
}

const JSON_HEADERS = { 'Content-Type': 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8', 'OData-Version': '4.0' };
const ALERT_PAGE = 10;

/**
 * The generic OData parser (odata.ts) knows only `eq`/`and`; these routes parse their own `$filter` forms, so the
 * rest of the query is parsed without it.
 */
function queryWithoutFilter(req: GraphRouteRequest): { q: ReturnType<typeof parseQuery>; filterText: string | null } {
  const params = new URLSearchParams(req.params);
  let filterText: string | null = null;
  for (const key of [...params.keys()]) {
    if (key.toLowerCase() === '$filter') {
      filterText = params.get(key);
      params.delete(key);
    }
  }
  return { q: parseQuery(params), filterText };
}

function ok(body: unknown): GraphResult {
  return { status: 200, headers: { ...JSON_HEADERS }, body };
}

function requireRole(req: GraphRouteRequest, role: string): void {
  if (req.roles && !req.roles.includes(role)) {
    throw new GraphHttpError(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
  }
}

/** `status eq 'x' or … or createdDateTime ge <DateTimeOffset>` — the alerts_v2 filter the collector sends. */
function alertFilter(text: string | null): ((row: Record<string, unknown>) => boolean) | null {
  if (text === null) return null;
  const tests = text.split(/\s+or\s+/i).map((clause) => {
    const m = /^\s*(status|severity)\s+eq\s+'([^']*)'\s*$/i.exec(clause);
    if (m) return (row: Record<string, unknown>) => row[m[1]!] === m[2];
    const d = /^\s*createdDateTime\s+ge\s+(\d{4}-\d{2}-\d{2}T[\d:.]+Z)\s*$/i.exec(clause);
    if (d) {
      const since = Date.parse(d[1]!);
      return (row: Record<string, unknown>) => Date.parse(String(row.createdDateTime)) >= since;
    }
    throw new GraphHttpError(400, 'BadRequest', `Invalid filter clause: '${clause.trim()}'`);
  });
  return (row) => tests.some((t) => t(row));
}

function alertsRoute(req: GraphRouteRequest): GraphResult {
  requireRole(req, 'SecurityAlert.Read.All');
  if (!defenderProvisioned(req.tenant)) {
    // What Graph answers a tenant with no Microsoft Defender product provisioned (403, not a licence code).
    throw new GraphHttpError(403, 'Forbidden', 'Unauthorized request Account is not provisioned.');
  }
  const { q, filterText } = queryWithoutFilter(req);
  const matches = alertFilter(filterText);
  const rows = defenderAlerts(req.tenant).filter((r) => (matches ? matches(r) : true));
  const scope = queryScope(req.path, req.params);
  const start = q.skiptoken ? req.skipTokens.decode(q.skiptoken, `${req.tenant.tenantId}|${scope}`) : 0;
  const top = q.top ?? ALERT_PAGE;
  const end = Math.min(start + top, rows.length);
  const body: Record<string, unknown> = { '@odata.context': `${req.baseUrl}/v1.0/$metadata#security/alerts_v2` };
  if (end < rows.length) body['@odata.nextLink'] = nextLink(req.baseUrl, req.path, req.params, req.skipTokens.encode(end, `${req.tenant.tenantId}|${scope}`));
  body.value = rows.slice(start, end);
  return ok(body);
}

const RING_FILTER = "isof('microsoft.graph.windowsUpdateForBusinessConfiguration')";

function ringsRoute(req: GraphRouteRequest): GraphResult {
  requireRole(req, 'DeviceManagementConfiguration.Read.All');
  if (!req.tenant.intune) {
    throw new GraphHttpError(400, 'BadRequest', JSON.stringify({ _version: 3, Message: 'Request not applicable to target tenant. - Operation ID (for customer support): 00000000-0000-0000-0000-000000000000' }));
  }
  const { q, filterText } = queryWithoutFilter(req);
  if (filterText !== null && filterText.replace(/\s+/g, '') !== RING_FILTER) {
    throw new GraphHttpError(400, 'BadRequest', `Invalid filter clause: '${filterText}'`);
  }
  // Only rings exist in the simulated tenant, so the type filter keeps every row; assignments only when expanded.
  const expand = q.expand.map((e) => e.toLowerCase());
  const value = updateRings(req.tenant).map((r) => {
    if (expand.includes('assignments')) return r;
    const { assignments: _omit, ...rest } = r;
    return rest;
  });
  return ok({ '@odata.context': `${req.baseUrl}/v1.0/$metadata#deviceManagement/deviceConfigurations`, value });
}

function sharepointRoute(req: GraphRouteRequest): GraphResult {
  requireRole(req, 'SharePointTenantSettings.Read.All');
  return ok({ '@odata.context': `${req.baseUrl}/v1.0/$metadata#admin/sharepoint/settings/$entity`, ...sharepointSettings(req.tenant) });
}

/** The route for these paths, or null when the path is not one of them. */
export function routePosture(req: GraphRouteRequest, segs: readonly string[]): GraphResult | null {
  const is = (i: number, name: string) => segs[i]?.toLowerCase() === name.toLowerCase();
  if (req.method !== 'GET') return null;
  if (segs.length === 2 && is(0, 'security') && is(1, 'alerts_v2')) return alertsRoute(req);
  if (segs.length === 2 && is(0, 'deviceManagement') && is(1, 'deviceConfigurations')) return ringsRoute(req);
  if (segs.length === 3 && is(0, 'admin') && is(1, 'sharepoint') && is(2, 'settings')) return sharepointRoute(req);
  return null;
}
