/**
 * Microsoft Graph v1.0 endpoints used by Ratchet's m365 collector, with Graph's own paths, property names,
 * response envelopes and error bodies. Routes are pure functions of (tenant model, request): faults, auth and
 * transport live in graph-dispatch.ts and server.ts.
 */
import { delegatedAdminCustomers, delegatedAdminRelationships, GDAP_READ_ROLE, type GdapDirectory } from './partner.js';
import type { DeviceCore, TenantModel, UserCore } from './tenant-model.js';
import { routePosture } from './posture-routes.js';
import { routeIdentityBreadth } from './identity-breadth-routes.js';
import { applySelect, GraphHttpError, nextLink, parseQuery, queryScope, type FilterClause, type FilterValue, type ODataQuery, type SkipTokens } from './odata.js';

export interface GraphRouteRequest {
  method: string;
  /** Path after /v1.0, percent-decoded, e.g. `/users/{id}/authentication/methods`. */
  path: string;
  params: URLSearchParams;
  /** Lower-case header names. */
  headers: Record<string, string | undefined>;
  tenant: TenantModel;
  /** `https://127.0.0.1:PORT` — nextLinks and @odata.context are absolute, like Graph's. */
  baseUrl: string;
  skipTokens: SkipTokens;
  /** Application permissions of the caller's token (checked only by routes that model a permission of their own). */
  roles?: readonly string[];
  /** The partner tenant's GDAP relationships, when the caller is the MSP's app in its home tenant (partner.ts). */
  gdap?: GdapDirectory;
}

export interface GraphResult {
  status: number;
  headers: Record<string, string>;
  /** JSON body (serialised by the caller), or undefined for none. */
  body?: unknown;
  /** Raw text instead of JSON (malformed-body fault). */
  rawBody?: string;
}

export const JSON_CONTENT_TYPE = 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';

/** Resource paths as the faults and stats see them: ids replaced so per-user URLs aggregate. */
export function routeTemplate(path: string): string {
  return path
    .split('/')
    .map((seg) => (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(seg) ? '{id}' : seg))
    .join('/');
}

function ok(body: unknown): GraphResult {
  return { status: 200, headers: { 'Content-Type': JSON_CONTENT_TYPE, 'OData-Version': '4.0' }, body };
}

// ------------------------------------------------------------------------------------------------ collections

type FieldType = 'boolean' | 'string';

interface Source<C> {
  /** For @odata.context, e.g. `users`, `reports/authenticationMethods/userRegistrationDetails`. */
  context: string;
  /** Resource name in error messages (Graph says e.g. "of resource 'User'"). */
  resource: string;
  size: number;
  core(i: number): C;
  row(c: C): Record<string, unknown>;
  /** Filterable properties and their literal type. */
  filterable: Record<string, FieldType>;
  /** Value of a filterable field; `row` is built lazily only when the core cannot answer. */
  field(c: C, name: string, row: () => Record<string, unknown>): FilterValue;
  properties: readonly string[];
  defaultTop: number;
  maxTop: number;
  /** Directory objects: `$count` needs `ConsistencyLevel: eventual`, errors use Request_* codes. */
  directory?: boolean;
  expand?: readonly string[];
  /** Remove expanded navigation properties that were not asked for. */
  unexpanded?: (row: Record<string, unknown>, expand: readonly string[]) => Record<string, unknown>;
  /** Collections Graph does not page (small, fixed lists). */
  unpaged?: boolean;
  /** Also resolve the count of filtered rows quickly (memoised per tenant generation). */
  cacheKey: string;
}

function canonical(names: readonly string[], wanted: string): string | undefined {
  return names.find((n) => n.toLowerCase() === wanted.toLowerCase());
}

function checkQuery<C>(src: Source<C>, q: ODataQuery, headers: Record<string, string | undefined>): { select: string[] | null; filter: FilterClause[] | null } {
  let select: string[] | null = null;
  if (q.select) {
    select = q.select.map((s) => {
      const name = canonical(src.properties, s);
      if (!name) {
        throw new GraphHttpError(400, src.directory ? 'Request_BadRequest' : 'BadRequest', `Could not find a property named '${s}' on type 'microsoft.graph.${src.resource}'.`);
      }
      return name;
    });
  }
  let filter: FilterClause[] | null = null;
  if (q.filter) {
    filter = q.filter.map((c) => {
      const names = Object.keys(src.filterable);
      const name = canonical(names, c.field);
      if (!name) {
        throw new GraphHttpError(
          400,
          src.directory ? 'Request_UnsupportedQuery' : 'BadRequest',
          `Unsupported or invalid query filter clause specified for property '${c.field}' of resource '${src.resource[0]!.toUpperCase()}${src.resource.slice(1)}'.`,
        );
      }
      const type = src.filterable[name]!;
      if (c.value !== null && typeof c.value !== type) {
        throw new GraphHttpError(400, src.directory ? 'Request_BadRequest' : 'BadRequest', `A binary operator with incompatible types was detected. Found operand types 'Edm.${type === 'boolean' ? 'Boolean' : 'String'}' and 'Edm.${typeof c.value === 'boolean' ? 'Boolean' : typeof c.value === 'number' ? 'Int32' : 'String'}' for operator kind 'Equal'.`);
      }
      return { field: name, value: c.value };
    });
  }
  for (const e of q.expand) {
    if (!src.expand || !canonical(src.expand, e)) {
      throw new GraphHttpError(400, 'BadRequest', `Could not find a property named '${e}' on type 'microsoft.graph.${src.resource}'.`);
    }
  }
  if (q.count && src.directory && (headers['consistencylevel'] ?? '').toLowerCase() !== 'eventual') {
    // Directory objects answer $count only as an advanced query (learn.microsoft.com/graph/aad-advanced-queries).
    throw new GraphHttpError(400, 'Request_BadRequest', '$count is not currently supported.');
  }
  return { select, filter };
}

function matches<C>(src: Source<C>, c: C, filter: readonly FilterClause[]): boolean {
  let row: Record<string, unknown> | undefined;
  const lazyRow = () => (row ??= src.row(c));
  return filter.every((clause) => {
    const v = src.field(c, clause.field, lazyRow);
    if (typeof v === 'string' && typeof clause.value === 'string') return v.toLowerCase() === clause.value.toLowerCase();
    return v === clause.value;
  });
}

function listCollection<C>(src: Source<C>, req: GraphRouteRequest): GraphResult {
  const q = parseQuery(req.params);
  const { select, filter } = checkQuery(src, q, req.headers);
  let top = src.defaultTop;
  if (q.top !== null) {
    if (q.top < 1 || q.top > src.maxTop) {
      throw new GraphHttpError(400, src.directory ? 'Request_BadRequest' : 'BadRequest', `Invalid page size specified: '${q.top}'. Must be between 1 and ${src.maxTop} inclusive.`);
    }
    top = q.top;
  }
  if (src.unpaged && q.top === null) top = Math.max(src.size, 1);
  const scope = queryScope(req.path, req.params);
  const start = q.skiptoken ? req.skipTokens.decode(q.skiptoken, `${req.tenant.tenantId}|${scope}`) : 0;

  const cores: C[] = [];
  let next: number | null = null;
  if (!filter) {
    const end = Math.min(start + top, src.size);
    for (let i = start; i < end; i++) cores.push(src.core(i));
    next = end < src.size ? end : null;
  } else {
    let i = start;
    for (; i < src.size && cores.length < top; i++) {
      const c = src.core(i);
      if (matches(src, c, filter)) cores.push(c);
    }
    // Only promise a next page when one more match exists: an empty last page would cost a round trip.
    for (; i < src.size; i++) {
      if (matches(src, src.core(i), filter)) {
        next = i;
        break;
      }
    }
  }

  const expand = q.expand.map((e) => canonical(src.expand ?? [], e)!);
  const value = cores.map((c) => {
    let row = src.row(c);
    if (src.unexpanded) row = src.unexpanded(row, expand);
    return applySelect(row, select, expand);
  });

  const context = `${req.baseUrl}/v1.0/$metadata#${src.context}${select ? `(${select.join(',')})` : ''}`;
  const body: Record<string, unknown> = { '@odata.context': context };
  if (q.count) {
    body['@odata.count'] = filter
      ? req.tenant.memoCount(`${src.cacheKey}|${q.filterText}`, () => {
          let n = 0;
          for (let i = 0; i < src.size; i++) if (matches(src, src.core(i), filter)) n++;
          return n;
        })
      : src.size;
  }
  if (next !== null) body['@odata.nextLink'] = nextLink(req.baseUrl, req.path, req.params, req.skipTokens.encode(next, `${req.tenant.tenantId}|${scope}`));
  body.value = value;
  return ok(body);
}

function arraySource(
  rows: readonly Record<string, unknown>[],
  opts: Omit<Source<Record<string, unknown>>, 'size' | 'core' | 'row' | 'field' | 'properties'> & { properties?: readonly string[] },
): Source<Record<string, unknown>> {
  return {
    ...opts,
    size: rows.length,
    core: (i) => rows[i]!,
    row: (r) => r,
    field: (r, name) => (r[name] ?? null) as FilterValue,
    properties: opts.properties ?? Object.keys(rows[0] ?? {}),
  };
}

// ------------------------------------------------------------------------------------------------ sources

function usersSource(t: TenantModel): Source<UserCore> {
  return {
    context: 'users',
    resource: 'user',
    size: t.userCount,
    core: (i) => t.userCore(i),
    row: (c) => t.user(c),
    filterable: { accountEnabled: 'boolean', userType: 'string', id: 'string', userPrincipalName: 'string', mail: 'string', displayName: 'string' },
    field: (c, name, row) => {
      if (name === 'accountEnabled') return c.enabled;
      if (name === 'userType') return c.guest ? 'Guest' : 'Member';
      if (name === 'id') return t.userId(c.index);
      return (row()[name] ?? null) as FilterValue;
    },
    properties: Object.keys(t.user(placeholderCore())),
    defaultTop: 100,
    maxTop: 999,
    directory: true,
    cacheKey: 'users',
  };
}

function placeholderCore(): UserCore {
  return { index: 0, rank: 0, kind: 'member', enabled: true, guest: false, admin: false, globalAdmin: false, breakGlass: false, excluded: false, registered: false };
}

const REGISTRATION_FLAGS = [
  'isAdmin',
  'isMfaRegistered',
  'isMfaCapable',
  'isPasswordlessCapable',
  'isSsprRegistered',
  'isSsprEnabled',
  'isSsprCapable',
  'isSystemPreferredAuthenticationMethodEnabled',
] as const;

function registrationSource(t: TenantModel): Source<UserCore> {
  const filterable: Record<string, FieldType> = { userType: 'string', id: 'string', userPrincipalName: 'string' };
  for (const f of REGISTRATION_FLAGS) filterable[f] = 'boolean';
  return {
    context: 'reports/authenticationMethods/userRegistrationDetails',
    resource: 'userRegistrationDetails',
    size: t.userCount,
    core: (i) => t.userCore(i),
    row: (c) => t.registrationDetails(c),
    filterable,
    field: (c, name, row) => {
      if (name === 'isAdmin') return c.admin;
      if (name === 'isMfaRegistered' || name === 'isMfaCapable') return c.registered;
      if (name === 'userType') return c.guest ? 'guest' : 'member';
      return (row()[name] ?? null) as FilterValue;
    },
    properties: Object.keys(t.registrationDetails(placeholderCore())),
    defaultTop: 100,
    maxTop: 999,
    cacheKey: 'registration',
  };
}

function devicesSource(t: TenantModel): Source<DeviceCore> {
  return {
    context: 'deviceManagement/managedDevices',
    resource: 'managedDevice',
    size: t.deviceCount,
    core: (i) => t.deviceCore(i),
    row: (c) => t.device(c),
    filterable: { complianceState: 'string', operatingSystem: 'string', id: 'string', deviceName: 'string' },
    field: (c, name, row) => (name === 'complianceState' ? c.complianceState : ((row()[name] ?? null) as FilterValue)),
    properties: Object.keys(t.device({ index: 0, compliant: true, stale: false, complianceState: 'compliant' })),
    // Intune pages at 1,000 devices by default (microsoftgraph/powershell-intune-samples #2).
    defaultTop: 1000,
    maxTop: 1000,
    cacheKey: 'devices',
  };
}

// ------------------------------------------------------------------------------------------------ routes

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function notFound(id: string): GraphHttpError {
  return new GraphHttpError(404, 'Request_ResourceNotFound', `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`);
}

function segmentError(segment: string): GraphHttpError {
  return new GraphHttpError(400, 'BadRequest', `Resource not found for the segment '${segment}'.`);
}

function userByIdOrUpn(t: TenantModel, key: string): UserCore {
  if (GUID.test(key)) {
    const index = t.userIndexFromId(key);
    if (index === null) throw notFound(key);
    return t.userCore(index);
  }
  // A UPN: Graph accepts it in place of the id. Scan (only small tenants are looked up this way in practice).
  for (let i = 0; i < t.userCount; i++) {
    const c = t.userCore(i);
    if (t.userPrincipalName(c).toLowerCase() === key.toLowerCase()) return c;
  }
  throw notFound(key);
}

function entity(req: GraphRouteRequest, context: string, row: Record<string, unknown>, properties: readonly string[], resource: string): GraphResult {
  const q = parseQuery(req.params);
  const select = q.select?.map((s) => {
    const name = canonical(properties, s);
    if (!name) throw new GraphHttpError(400, 'BadRequest', `Could not find a property named '${s}' on type 'microsoft.graph.${resource}'.`);
    return name;
  });
  return ok({ '@odata.context': `${req.baseUrl}/v1.0/$metadata#${context}${select ? `(${select.join(',')})` : ''}/$entity`, ...applySelect(row, select ?? null) });
}

/**
 * An unlicensed tenant's Intune answer: 400 with Intune's nested error text. The collector recognises the
 * "Request not applicable to target tenant" phrase (collectors/m365/errors.ts isIntuneNotLicensed).
 */
function intuneNotLicensed(): GraphHttpError {
  const inner = JSON.stringify({
    _version: 3,
    Message: 'Request not applicable to target tenant. - Operation ID (for customer support): 00000000-0000-0000-0000-000000000000',
    CustomApiErrorPhrase: '',
    RetryAfter: null,
    ErrorSourceService: '',
    HttpHeaders: '{}',
  });
  return new GraphHttpError(400, 'BadRequest', inner);
}

const GROUP_PROPERTIES = ['id', 'displayName', 'description', 'createdDateTime', 'groupTypes', 'mailEnabled', 'mailNickname', 'securityEnabled', 'isAssignableToRole', 'visibility'];

/**
 * Groups: the listing and one group (doctor reads one id), and the count of a group's transitive user members, which
 * Graph answers as a text/plain integer and, like every directory `$count`, only with `ConsistencyLevel: eventual`
 * (learn.microsoft.com/graph/aad-advanced-queries: otherwise 400 Request_BadRequest "$count is not currently supported.").
 */
function routeGroups(req: GraphRouteRequest, segs: readonly string[]): GraphResult {
  const t = req.tenant;
  const is = (i: number, name: string) => segs[i]?.toLowerCase() === name.toLowerCase();
  const rows = t.groups();
  if (segs.length === 1) {
    return listCollection(
      arraySource(rows, {
        context: 'groups',
        resource: 'group',
        filterable: { id: 'string', displayName: 'string', securityEnabled: 'boolean', mailEnabled: 'boolean' },
        properties: GROUP_PROPERTIES,
        defaultTop: 100,
        maxTop: 999,
        directory: true,
        cacheKey: 'groups',
      }),
      req,
    );
  }
  const id = segs[1]!;
  const row = rows.find((g) => g.id === id.toLowerCase());
  if (!row) throw notFound(id);
  if (segs.length === 2) return entity(req, 'groups', row, GROUP_PROPERTIES, 'group');
  if (segs.length === 5 && is(2, 'transitiveMembers') && is(3, 'microsoft.graph.user') && segs[4] === '$count') {
    if ((req.headers['consistencylevel'] ?? '').toLowerCase() !== 'eventual') {
      throw new GraphHttpError(400, 'Request_BadRequest', '$count is not currently supported.');
    }
    return { status: 200, headers: { 'Content-Type': 'text/plain', 'OData-Version': '4.0' }, rawBody: String(t.groupUserCount(id) ?? 0) };
  }
  throw segmentError(segs[2] ?? '');
}

/** Permissions that read GDAP data (learn.microsoft.com/graph/api/tenantrelationship-list-delegatedadmincustomers). */
const GDAP_ROLES = [GDAP_READ_ROLE, 'DelegatedAdminRelationship.ReadWrite.All'];
const GDAP_CUSTOMER_PROPERTIES = ['id', 'tenantId', 'displayName'];
const GDAP_RELATIONSHIP_PROPERTIES = [
  'id',
  'displayName',
  'duration',
  'status',
  'autoExtendDuration',
  'createdDateTime',
  'lastModifiedDateTime',
  'activatedDateTime',
  'endDateTime',
  'customer',
  'accessDetails',
];

/**
 * The partner's GDAP relationships and customers. Both need DelegatedAdminRelationship.Read.All (application) in the
 * token: without it Graph answers 403 Authorization_RequestDenied. A tenant that is no partner has none to list.
 * `$top` goes up to 300 (documented); the default page size is not documented: 100 here, like most of Graph.
 */
function routeTenantRelationships(req: GraphRouteRequest, segs: readonly string[]): GraphResult {
  const is = (i: number, name: string) => segs[i]?.toLowerCase() === name.toLowerCase();
  if (!GDAP_ROLES.some((r) => req.roles?.includes(r))) {
    throw new GraphHttpError(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
  }
  if (is(1, 'delegatedAdminCustomers')) {
    const rows: Record<string, unknown>[] = req.gdap ? delegatedAdminCustomers(req.gdap) : [];
    if (segs.length === 2) {
      return listCollection(
        arraySource(rows, {
          context: 'tenantRelationships/delegatedAdminCustomers',
          resource: 'delegatedAdminCustomer',
          filterable: { id: 'string', tenantId: 'string', displayName: 'string' },
          properties: GDAP_CUSTOMER_PROPERTIES,
          defaultTop: 100,
          maxTop: 300,
          cacheKey: 'gdap-customers',
        }),
        req,
      );
    }
    if (segs.length === 3) {
      const row = rows.find((r) => r.id === segs[2]!.toLowerCase());
      if (!row) throw new GraphHttpError(404, 'ResourceNotFound', `The delegatedAdminCustomer '${segs[2]}' was not found.`);
      return entity(req, 'tenantRelationships/delegatedAdminCustomers', row, GDAP_CUSTOMER_PROPERTIES, 'delegatedAdminCustomer');
    }
  }
  if (is(1, 'delegatedAdminRelationships') && segs.length === 2) {
    return listCollection(
      arraySource(req.gdap ? delegatedAdminRelationships(req.gdap) : [], {
        context: 'tenantRelationships/delegatedAdminRelationships',
        resource: 'delegatedAdminRelationship',
        filterable: { id: 'string', displayName: 'string', status: 'string' },
        properties: GDAP_RELATIONSHIP_PROPERTIES,
        defaultTop: 100,
        maxTop: 300,
        cacheKey: 'gdap-relationships',
      }),
      req,
    );
  }
  throw segmentError(segs[1] ?? '');
}

export function routeGraph(req: GraphRouteRequest): GraphResult {
  const t = req.tenant;
  const segs = req.path.split('/').filter(Boolean);
  const is = (i: number, name: string) => segs[i]?.toLowerCase() === name.toLowerCase();
  if (req.method !== 'GET') {
    throw new GraphHttpError(405, 'Request_BadRequest', `Specified HTTP method is not allowed for the request target.`);
  }
  if (segs.length === 0) throw segmentError('');

  // Identity breadth: authorization/authentication methods policies, PIM schedules, domains, signInActivity filters.
  const identity = routeIdentityBreadth(req, segs);
  if (identity) return identity;

  // /subscribedSkus
  if (is(0, 'subscribedSkus') && segs.length === 1) {
    return listCollection(arraySource(t.subscribedSkus(), { context: 'subscribedSkus', resource: 'subscribedSku', filterable: {}, defaultTop: 100, maxTop: 999, unpaged: true, cacheKey: 'skus' }), req);
  }

  // /organization
  if (is(0, 'organization') && segs.length === 1) {
    const org = {
      id: t.tenantId,
      displayName: t.name,
      tenantType: 'AAD',
      countryLetterCode: 'US',
      verifiedDomains: [{ capabilities: 'Email, OfficeCommunicationsOnline', isDefault: true, isInitial: true, name: t.domain, type: 'Managed' }],
    };
    return listCollection(arraySource([org], { context: 'organization', resource: 'organization', filterable: { id: 'string' }, defaultTop: 100, maxTop: 999, unpaged: true, cacheKey: 'org' }), req);
  }

  // /reports/authenticationMethods/userRegistrationDetails[/{id}]
  if (is(0, 'reports') && is(1, 'authenticationMethods') && is(2, 'userRegistrationDetails')) {
    if (!t.premium) {
      // vendor-apis §1.3: the code is stable, the message varies; this is the wording CIPP matches.
      throw new GraphHttpError(403, 'Authentication_RequestFromNonPremiumTenantOrB2CTenant', "Tenant is not a B2C tenant and doesn't have premium licenses");
    }
    if (segs.length === 3) return listCollection(registrationSource(t), req);
    if (segs.length === 4) {
      const core = userByIdOrUpn(t, segs[3]!);
      const row = t.registrationDetails(core);
      return entity(req, 'reports/authenticationMethods/userRegistrationDetails', row, Object.keys(row), 'userRegistrationDetails');
    }
  }

  // /users, /users/{id}, /users/{id}/authentication/methods
  if (is(0, 'users')) {
    if (segs.length === 1) return listCollection(usersSource(t), req);
    const core = userByIdOrUpn(t, segs[1]!);
    if (segs.length === 2) {
      const row = t.user(core);
      return entity(req, 'users', row, Object.keys(row), 'user');
    }
    if (segs.length === 4 && is(2, 'authentication') && is(3, 'methods')) {
      const id = t.userId(core.index);
      return ok({ '@odata.context': `${req.baseUrl}/v1.0/$metadata#users('${id}')/authentication/methods`, value: t.authenticationMethods(core) });
    }
    throw segmentError(segs[2] ?? '');
  }

  // /groups, /groups/{id}, /groups/{id}/transitiveMembers/microsoft.graph.user/$count
  if (is(0, 'groups')) return routeGroups(req, segs);

  // /tenantRelationships/delegatedAdminCustomers[/{id}], /tenantRelationships/delegatedAdminRelationships
  if (is(0, 'tenantRelationships')) return routeTenantRelationships(req, segs);

  // /identity/conditionalAccess/policies[/{id}]
  if (is(0, 'identity') && is(1, 'conditionalAccess') && is(2, 'policies')) {
    if (!t.premium && t.knobs.caWithoutPremium === 'forbidden') {
      throw new GraphHttpError(403, 'AccessDenied', 'The tenant does not have a Microsoft Entra ID P1 or P2 license required for Conditional Access.');
    }
    const policies = t.conditionalAccessPolicies();
    const props = ['id', 'templateId', 'displayName', 'createdDateTime', 'modifiedDateTime', 'state', 'sessionControls', 'conditions', 'grantControls'];
    if (segs.length === 3) {
      return listCollection(
        arraySource(policies, {
          context: 'identity/conditionalAccess/policies',
          resource: 'conditionalAccessPolicy',
          filterable: { state: 'string', displayName: 'string', id: 'string' },
          properties: props,
          defaultTop: 100,
          maxTop: 999,
          cacheKey: 'ca',
        }),
        req,
      );
    }
    if (segs.length === 4) {
      const p = policies.find((x) => x.id === segs[3]!.toLowerCase());
      if (!p) throw notFound(segs[3]!);
      return entity(req, 'identity/conditionalAccess/policies', p, props, 'conditionalAccessPolicy');
    }
  }

  // /policies/identitySecurityDefaultsEnforcementPolicy
  if (is(0, 'policies') && is(1, 'identitySecurityDefaultsEnforcementPolicy') && segs.length === 2) {
    const row = t.securityDefaults();
    return entity(req, 'policies/identitySecurityDefaultsEnforcementPolicy', row, Object.keys(row), 'identitySecurityDefaultsEnforcementPolicy');
  }

  // /security/secureScores
  if (is(0, 'security') && is(1, 'secureScores') && segs.length === 2) {
    return listCollection(
      arraySource(t.secureScores(), { context: 'security/secureScores', resource: 'secureScore', filterable: {}, defaultTop: 100, maxTop: 999, cacheKey: 'scores' }),
      req,
    );
  }

  // /roleManagement/directory/roleAssignments
  if (is(0, 'roleManagement') && is(1, 'directory') && is(2, 'roleAssignments') && segs.length === 3) {
    const rows = t.roleAssignments();
    return listCollection(
      arraySource(rows, {
        context: 'roleManagement/directory/roleAssignments',
        resource: 'unifiedRoleAssignment',
        filterable: { roleDefinitionId: 'string', principalId: 'string', directoryScopeId: 'string', id: 'string' },
        properties: ['id', 'principalId', 'roleDefinitionId', 'directoryScopeId', 'appScopeId', 'condition'],
        expand: ['principal', 'roleDefinition'],
        unexpanded: (row, expand) => {
          const out: Record<string, unknown> = { ...row, appScopeId: null, condition: null };
          if (!expand.includes('principal')) delete out.principal;
          if (expand.includes('roleDefinition')) out.roleDefinition = { id: row.roleDefinitionId, templateId: row.roleDefinitionId, isBuiltIn: true };
          return out;
        },
        defaultTop: 100,
        maxTop: 999,
        cacheKey: 'roles',
      }),
      req,
    );
  }

  // /deviceManagement/managedDevices[/{id}]
  if (is(0, 'deviceManagement') && is(1, 'managedDevices')) {
    if (!t.intune) throw intuneNotLicensed();
    if (segs.length === 2) return listCollection(devicesSource(t), req);
    if (segs.length === 3) {
      const index = t.deviceIndexFromId(segs[2]!);
      if (index === null) throw notFound(segs[2]!);
      const row = t.device(t.deviceCore(index));
      return entity(req, 'deviceManagement/managedDevices', row, Object.keys(row), 'managedDevice');
    }
  }

  // Defender alerts, Windows Update rings, SharePoint settings (posture-routes.ts).
  const posture = routePosture(req, segs);
  if (posture) return posture;

  throw segmentError(segs[0]!);
}
