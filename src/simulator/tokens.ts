/**
 * Access tokens issued by the simulated identity platform. They are JWT-shaped (header.payload.signature) with the
 * claims Entra puts in app-only tokens (aud, iss, tid, appid, roles, exp), because @azure/identity may decode the
 * payload for logging; they are signed with HS256 under a per-simulator random key, so Graph routes can trust
 * `tid` without a server-side session table and a token from another simulator run is refused.
 * MSAL does not validate access tokens (they are opaque to clients), only caches them with `expires_in`.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export interface AccessTokenClaims {
  aud: string;
  iss: string;
  iat: number;
  nbf: number;
  exp: number;
  tid: string;
  appid: string;
  oid: string;
  sub: string;
  roles: string[];
  ver: '1.0';
  idtyp: 'app';
  app_displayname: string;
}

/** Application permissions the simulated consent grants (the collector's least-privileged set). */
export const GRANTED_ROLES = [
  'AuditLog.Read.All',
  'Policy.Read.All',
  'GroupMember.Read.All',
  'SecurityEvents.Read.All',
  'RoleManagement.Read.Directory',
  'DeviceManagementManagedDevices.Read.All',
  'LicenseAssignment.Read.All',
  'Organization.Read.All',
  'User.Read.All',
  'UserAuthenticationMethod.Read.All',
];

export const TOKEN_LIFETIME_SECONDS = 3599;

export type TokenCheck = { ok: true; claims: AccessTokenClaims } | { ok: false; message: string };

export class TokenIssuer {
  private readonly key = randomBytes(32);

  private sign(data: string): string {
    return createHmac('sha256', this.key).update(data).digest('base64url');
  }

  issue(claims: Omit<AccessTokenClaims, 'iat' | 'nbf' | 'exp' | 'ver' | 'idtyp'>, nowSeconds = Math.floor(Date.now() / 1000)): string {
    const header = Buffer.from(JSON.stringify({ typ: 'JWT', alg: 'HS256', kid: 'ratchet-simulator' })).toString('base64url');
    const full: AccessTokenClaims = { ...claims, iat: nowSeconds, nbf: nowSeconds - 300, exp: nowSeconds + TOKEN_LIFETIME_SECONDS, ver: '1.0', idtyp: 'app' };
    const payload = Buffer.from(JSON.stringify(full)).toString('base64url');
    return `${header}.${payload}.${this.sign(`${header}.${payload}`)}`;
  }

  /** Check signature and lifetime. Messages follow Graph's 401 wording. */
  verify(token: string, nowSeconds = Math.floor(Date.now() / 1000)): TokenCheck {
    const parts = token.split('.');
    if (parts.length !== 3) return { ok: false, message: 'IDX14100: JWT is not well formed, there are no dots (.).' };
    const [header, payload, signature] = parts as [string, string, string];
    const expected = Buffer.from(this.sign(`${header}.${payload}`));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
      return { ok: false, message: 'Access token validation failure. Invalid signature.' };
    }
    let claims: AccessTokenClaims;
    try {
      claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as AccessTokenClaims;
    } catch {
      return { ok: false, message: 'Access token validation failure.' };
    }
    if (claims.exp <= nowSeconds) return { ok: false, message: 'Lifetime validation failed, the token is expired.' };
    return { ok: true, claims };
  }
}

/**
 * Opaque bearer tokens a vendor API hands out (and refresh tokens, where it has them), with what each token stands
 * for. The host keeps one store per vendor per running simulator (VendorContext.tokens), so a token is only ever
 * valid on the simulator and vendor that issued it, and no store outlives its simulator. Vendors draw the token
 * text themselves (its shape is the vendor's); the store only remembers and forgets.
 */
export class BearerTokens<T extends object> {
  private readonly live = new Map<string, T & { expiresAt: number }>();
  private pruneAt = 1024;

  /** Remember `token` for `lifetimeSeconds`; returns the live record (callers may annotate it later). */
  issue(token: string, data: T, lifetimeSeconds: number, now = Date.now()): T & { expiresAt: number } {
    // Benchmarks issue thousands of tokens: drop the expired ones whenever the store has doubled.
    if (this.live.size >= this.pruneAt) {
      for (const [k, v] of this.live) if (v.expiresAt <= now) this.live.delete(k);
      this.pruneAt = Math.max(1024, this.live.size * 2);
    }
    const record = { ...data, expiresAt: now + lifetimeSeconds * 1000 };
    this.live.set(token, record);
    return record;
  }

  /** The record of a token this store issued (expired ones too, so vendors can word "expired" their own way). */
  get(token: string): (T & { expiresAt: number }) | undefined {
    return this.live.get(token);
  }

  revoke(token: string): void {
    this.live.delete(token);
  }
}
