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
  // Defender alerts, Windows Update rings, SharePoint tenant settings.
  'SecurityAlert.Read.All',
  'DeviceManagementConfiguration.Read.All',
  'SharePointTenantSettings.Read.All',
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
