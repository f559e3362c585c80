/**
 * API tokens: `rtk_<id>_<secret>` with 32 random bytes of secret (base64url). Only the SHA-256 of the secret is
 * stored, so the database grants nothing if copied; the token is shown once, when it is created. Verification looks
 * the row up by id and compares hashes in constant time. Revoked tokens (and their browser sessions) stop working at
 * once. `ratchet token create|list|revoke` and the admin API routes both go through this module.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ApiTokenRecord, Store } from '../store/store.js';
import { auditEntry } from './audit.js';
import { canSeeTenant, hasRole, ROLE_RANK, type Principal, type Role } from '../domain/principal.js';
import { ForbiddenError, WebError } from './errors.js';

export const TOKEN_PREFIX = 'rtk';
export const ROLES: readonly Role[] = ['viewer', 'technician', 'admin'];
const TOKEN_PATTERN = /^rtk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;
const SECRET_BYTES = 32;

/** A token as shown to people and the API: everything but the hash. */
export type PublicToken = Omit<ApiTokenRecord, 'tokenHash'>;

export function publicToken(t: ApiTokenRecord): PublicToken {
  const { tokenHash: _hash, ...rest } = t;
  return rest;
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

export function generateToken(): { id: string; secret: string; token: string } {
  const id = randomBytes(6).toString('hex');
  const secret = randomBytes(SECRET_BYTES).toString('base64url');
  return { id, secret, token: `${TOKEN_PREFIX}_${id}_${secret}` };
}

/** Splits a token into id and secret; null when it does not have the `rtk_<12 hex>_<43 base64url>` shape. */
export function parseToken(token: string): { id: string; secret: string } | null {
  const m = TOKEN_PATTERN.exec(token.trim());
  return m ? { id: m[1]!, secret: m[2]! } : null;
}

/** Constant-time comparison of the secret's hash with the stored hash. */
export function secretMatches(secret: string, storedHash: string): boolean {
  const a = Buffer.from(hashSecret(secret), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  if (b.length !== a.length) {
    // Both should be SHA-256 digests; a malformed stored hash still costs a comparison of equal length.
    timingSafeEqual(a, a);
    return false;
  }
  return timingSafeEqual(a, b);
}

const DUMMY_HASH = hashSecret('ratchet-dummy-secret');

export type TokenCheck =
  | { ok: true; token: ApiTokenRecord }
  | { ok: false; reason: 'malformed' | 'unknown' | 'mismatch' | 'revoked'; token: ApiTokenRecord | null };

/** Checks a presented token against the store. The secret is compared even for unknown ids (constant work). */
export async function checkToken(store: Store, presented: string): Promise<TokenCheck> {
  const parsed = parseToken(presented);
  if (!parsed) return { ok: false, reason: 'malformed', token: null };
  const row = await store.getToken(parsed.id);
  const matches = secretMatches(parsed.secret, row?.tokenHash ?? DUMMY_HASH);
  if (!row) return { ok: false, reason: 'unknown', token: null };
  if (!matches) return { ok: false, reason: 'mismatch', token: row };
  if (row.revokedAt !== null) return { ok: false, reason: 'revoked', token: row };
  return { ok: true, token: row };
}

export function principalOf(t: ApiTokenRecord, via: Principal['via']): Principal {
  return { via, tokenId: t.id, person: null, name: t.name, role: t.role, tenants: t.tenants === null ? null : [...t.tenants] };
}

export interface CreateTokenInput {
  name: string;
  role: Role;
  /** null or undefined = all tenants. */
  tenants?: readonly string[] | null;
}

/** Validates the input against the configured tenants; throws WebError('invalid_request') naming the problem. */
export function validateTokenInput(input: CreateTokenInput, knownTenants: readonly string[]): { name: string; role: Role; tenants: string[] | null } {
  const name = input.name.trim();
  if (name === '' || name.length > 100) throw new WebError('invalid_request', 'name: give the token a label of 1 to 100 characters');
  if (!ROLES.includes(input.role)) throw new WebError('invalid_request', `role: must be one of ${ROLES.join(', ')}`);
  if (input.tenants == null) return { name, role: input.role, tenants: null };
  const tenants = [...new Set(input.tenants.map((t) => t.trim()).filter((t) => t !== ''))];
  if (tenants.length === 0) throw new WebError('invalid_request', 'tenants: list at least one tenant id, or leave it out for all tenants');
  const unknown = tenants.filter((t) => !knownTenants.includes(t));
  if (unknown.length > 0) {
    throw new WebError('invalid_request', `tenants: unknown tenant id${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} (known: ${knownTenants.join(', ')})`);
  }
  return { name, role: input.role, tenants };
}

/**
 * Creates a token and its audit entry in one transaction. Returns the token text — the only time it exists outside
 * the caller's hands — and the stored record without its hash.
 */
export async function createApiToken(
  store: Store,
  input: CreateTokenInput,
  opts: { createdBy: string; knownTenants: readonly string[]; now: Date; actorDetail?: Record<string, unknown> },
): Promise<{ token: string; record: PublicToken }> {
  const valid = validateTokenInput(input, opts.knownTenants);
  const { id, secret, token } = generateToken();
  const record: ApiTokenRecord = {
    id,
    name: valid.name,
    role: valid.role,
    tenants: valid.tenants,
    tokenHash: hashSecret(secret),
    createdAt: opts.now.toISOString(),
    createdBy: opts.createdBy,
    lastUsedAt: null,
    revokedAt: null,
    revokedBy: null,
  };
  await store.createToken(
    record,
    auditEntry(opts.now, opts.createdBy, 'token.created', null, id, { name: valid.name, role: valid.role, tenants: valid.tenants, ...opts.actorDetail }),
  );
  return { token, record: publicToken(record) };
}

/** Revokes a token (and its sessions). Null for an unknown id; an already revoked token is returned unchanged. */
export async function revokeApiToken(store: Store, id: string, opts: { by: string; now: Date; actorDetail?: Record<string, unknown> }): Promise<PublicToken | null> {
  const existing = await store.getToken(id);
  if (!existing) return null;
  const revoked = await store.revokeToken(id, opts.now.toISOString(), opts.by, auditEntry(opts.now, opts.by, 'token.revoked', null, id, { name: existing.name, ...opts.actorDetail }));
  return revoked ? publicToken(revoked) : null;
}

/** Token management for admins over the API (and the pages). Scoped admins only manage tokens inside their scope. */
export interface TokenAdmin {
  list(p: Principal): Promise<PublicToken[]>;
  create(p: Principal, input: CreateTokenInput): Promise<{ token: string; record: PublicToken }>;
  /** Null when unknown or outside the admin's scope. */
  revoke(p: Principal, id: string): Promise<PublicToken | null>;
}

/** Whether a token's scope lies inside the principal's (an all-tenants token only inside an all-tenants principal). */
function withinScope(p: Principal, tenants: readonly string[] | null): boolean {
  if (p.tenants === null) return true;
  return tenants !== null && tenants.every((t) => canSeeTenant(p, t));
}

/** Who acted, for an audit entry's detail: the person (name, object id, upn) or the API token. */
export function actorDetail(p: Principal): Record<string, unknown> {
  if (p.person) return { via: p.via, person: { name: p.person.name, oid: p.person.subject, upn: p.person.upn, issuer: p.person.issuer } };
  return { tokenId: p.tokenId, via: p.via };
}

export function createTokenAdmin(deps: { store: Store; tenantIds: () => readonly string[]; now?: () => Date }): TokenAdmin {
  const now = deps.now ?? (() => new Date());
  const requireAdmin = (p: Principal) => {
    if (!hasRole(p, 'admin')) throw new ForbiddenError('managing tokens needs the admin role');
  };
  return {
    async list(p) {
      requireAdmin(p);
      return (await deps.store.listTokens()).filter((t) => withinScope(p, t.tenants)).map(publicToken);
    },
    async create(p, input) {
      requireAdmin(p);
      // A scoped admin may not mint a token that sees more than it does (no escalation through token creation).
      const tenants = input.tenants ?? null;
      if (!withinScope(p, tenants)) throw new ForbiddenError('a token scoped to some tenants can only create tokens within that scope');
      if (ROLE_RANK[input.role] > ROLE_RANK[p.role]) throw new ForbiddenError('cannot create a token with a higher role than your own');
      const known = deps.tenantIds().filter((t) => canSeeTenant(p, t));
      return createApiToken(deps.store, { ...input, tenants }, { createdBy: p.name, knownTenants: known, now: now(), actorDetail: actorDetail(p) });
    },
    async revoke(p, id) {
      requireAdmin(p);
      const t = await deps.store.getToken(id);
      if (!t || !withinScope(p, t.tenants)) return null;
      return revokeApiToken(deps.store, id, { by: p.name, now: now(), actorDetail: actorDetail(p) });
    },
  };
}
