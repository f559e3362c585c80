/** Who is asking (DESIGN §15): the authenticated principal every web request carries, and its role. */
export type Role = 'viewer' | 'technician' | 'admin';
export const ROLE_RANK: Readonly<Record<Role, number>> = { viewer: 0, technician: 1, admin: 2 };

/** A person signed in through OpenID Connect (DESIGN §15): who the audit log names. */
export interface Person {
  /** The provider's stable id of the person: Entra's `oid` claim, else `sub`. */
  subject: string;
  /** Display name (`name` claim), else the upn or email. */
  name: string;
  /** `preferred_username` / `upn` / `email`, when the provider sends one. */
  upn: string | null;
  /** The issuer that vouched for the person. */
  issuer: string;
}

export interface Principal {
  /** How the request authenticated: an API token (Authorization: Bearer) or a browser session cookie. */
  via: 'token' | 'session';
  /**
   * Id of the API token: of a Bearer request, or of a session signed in with a token. Null for a person signed in
   * through OpenID Connect (then `person` says who).
   */
  tokenId: string | null;
  /** The person signed in through OpenID Connect; null for API tokens and token sessions. */
  person: Person | null;
  /** For the audit log: the token's label ("psa-integration"), or the person's name. */
  name: string;
  role: Role;
  /** Tenant ids this principal may see; null = all tenants. */
  tenants: readonly string[] | null;
}

export function hasRole(p: Principal, role: Role): boolean {
  return ROLE_RANK[p.role] >= ROLE_RANK[role];
}

export function canSeeTenant(p: Principal, tenantId: string): boolean {
  return p.tenants === null || p.tenants.includes(tenantId);
}
