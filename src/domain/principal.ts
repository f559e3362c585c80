/** Who is asking (DESIGN §15): the authenticated principal every web request carries, and its role. */
export type Role = 'viewer' | 'technician' | 'admin';
export const ROLE_RANK: Readonly<Record<Role, number>> = { viewer: 0, technician: 1, admin: 2 };

export interface Principal {
  /** How the request authenticated: an API token (Authorization: Bearer) or a browser session cookie. */
  via: 'token' | 'session';
  /** Id of the API token (sessions are created by signing in with a token). */
  tokenId: string;
  /** The token's label, for the audit log ("alice@msp", "psa-integration"). */
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
