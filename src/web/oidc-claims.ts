/**
 * From the claims of a validated ID token to who the person is and what they may do (DESIGN §15). Pure: the
 * signature, issuer, audience, nonce and expiry were checked by openid-client before anything here runs.
 *
 * The roleMap rule (`mapRoles`):
 * - An entry matches when its `group` is in the person's groups (the `groupsClaim` array, or what Graph said on
 *   overage) or its `appRole` is in the `roles` claim. No match → no sign-in.
 * - The person's role is the highest role among the matched entries.
 * - Their tenant scope is the union of the tenants of the matched entries *with that role*; if any of those entries
 *   has no `tenants`, the scope is every tenant (null).
 * - Entries with a lower role do not widen the scope: a session carries one role for all its tenants, and granting
 *   the higher role on a tenant that only a lower-role entry names would give more than any entry says. So
 *   "viewer of everything" plus "technician of contoso" signs in as a technician of contoso only; map the same
 *   tenants at the higher role when that person should also see the rest.
 * An entry with `tenants` therefore never grants anything outside them, whatever else matches.
 */
import type { RoleMapEntry } from '../config/auth.js';
import { ROLE_RANK, type Person, type Role } from '../domain/principal.js';

export type IdTokenClaims = Readonly<Record<string, unknown>>;

const str = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null);

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && x !== '') : []);

/**
 * The person the claims name: Entra's object id (`oid`, stable across apps) else the standard `sub`; the display name
 * (`name`, else the upn); the upn (`preferred_username`, else `upn`, else `email`). Null without any subject.
 */
export function personFromClaims(claims: IdTokenClaims, issuer: string): Person | null {
  const subject = str(claims.oid) ?? str(claims.sub);
  if (!subject) return null;
  const upn = str(claims.preferred_username) ?? str(claims.upn) ?? str(claims.email);
  return { subject, name: str(claims.name) ?? upn ?? subject, upn, issuer: str(claims.iss) ?? issuer };
}

/**
 * Whether the token says the person is in too many groups to list them (Entra's groups overage): `_claim_names`
 * names the groups claim (ID tokens over 200 groups, JWTs), or `hasgroups: true` (implicit-flow tokens).
 */
export function groupsOverage(claims: IdTokenClaims, groupsClaim: string): boolean {
  const names = claims._claim_names;
  if (names !== null && typeof names === 'object' && groupsClaim in names) return true;
  return claims.hasgroups === true || claims.hasgroups === 'true';
}

/** The group ids (or names) of the groups claim. */
export function groupsFromClaims(claims: IdTokenClaims, groupsClaim: string): string[] {
  return strings(claims[groupsClaim]);
}

/** The app roles of the `roles` claim. */
export function appRolesFromClaims(claims: IdTokenClaims): string[] {
  return strings(claims.roles);
}

export interface Grant {
  role: Role;
  /** null = all tenants. */
  tenants: string[] | null;
}

/** The role and tenant scope the roleMap grants (see the module comment for the rule), or null when nothing matches. */
export function mapRoles(roleMap: readonly RoleMapEntry[], who: { groups: readonly string[]; appRoles: readonly string[] }): Grant | null {
  const groups = new Set(who.groups);
  const appRoles = new Set(who.appRoles);
  const matched = roleMap.filter((e) => (e.group !== undefined && groups.has(e.group)) || (e.appRole !== undefined && appRoles.has(e.appRole)));
  if (matched.length === 0) return null;
  const role = matched.reduce<Role>((best, e) => (ROLE_RANK[e.role] > ROLE_RANK[best] ? e.role : best), 'viewer');
  const atRole = matched.filter((e) => e.role === role);
  if (atRole.some((e) => e.tenants === undefined)) return { role, tenants: null };
  const tenants = [...new Set(atRole.flatMap((e) => e.tenants ?? []))].sort();
  return { role, tenants };
}

/** The groups and app roles that roleMap refers to, for the "ask an admin" page (ids only; never claims). */
export function mappedNames(roleMap: readonly RoleMapEntry[]): { groups: string[]; appRoles: string[] } {
  return {
    groups: [...new Set(roleMap.flatMap((e) => (e.group ? [e.group] : [])))],
    appRoles: [...new Set(roleMap.flatMap((e) => (e.appRole ? [e.appRole] : [])))],
  };
}
