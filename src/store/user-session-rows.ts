/**
 * Row mapping of the sessions of people signed in through OpenID Connect `user_sessions` and of the sign-ins in
 * progress `oidc_logins` (schema v8), shared by the SQLite and PostgreSQL adapters. Names and upns come from the
 * identity provider, so text passes `withoutNul` like every other row (PostgreSQL refuses U+0000).
 */
import type { Role } from '../domain/principal.js';
import { withoutNul, type RowCodec } from './rows.js';
import type { OidcLoginRecord, UserSessionRecord } from './store.js';

export interface UserSessionRow<Json> {
  id_hash: string;
  issuer: string;
  subject: string;
  name: string;
  upn: string | null;
  role: Role;
  tenants_json: Json | null;
  csrf_secret: string;
  created_at: string;
  expires_at: string;
}

export const USER_SESSION_COLUMN_NAMES = [
  'id_hash', 'issuer', 'subject', 'name', 'upn', 'role', 'tenants_json', 'csrf_secret', 'created_at', 'expires_at',
] as const satisfies readonly (keyof UserSessionRow<unknown>)[];

export function userSessionRow(raw: UserSessionRecord): UserSessionRow<string> {
  const s = withoutNul(raw);
  return {
    id_hash: s.idHash,
    issuer: s.person.issuer,
    subject: s.person.subject,
    name: s.person.name,
    upn: s.person.upn,
    role: s.role,
    // `tenants` null (all tenants) is SQL NULL, not JSON null, as for tokens.
    tenants_json: s.tenants === null ? null : JSON.stringify(s.tenants),
    csrf_secret: s.csrfSecret,
    created_at: s.createdAt,
    expires_at: s.expiresAt,
  };
}

export const userSessionFromRow = <Json>(r: UserSessionRow<Json>, codec: RowCodec<Json, unknown>): UserSessionRecord => ({
  idHash: r.id_hash,
  person: { subject: r.subject, name: r.name, upn: r.upn, issuer: r.issuer },
  role: r.role,
  tenants: r.tenants_json === null ? null : codec.readJson<string[]>(r.tenants_json),
  csrfSecret: r.csrf_secret,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
});

export interface OidcLoginRow {
  id_hash: string;
  state: string;
  nonce: string;
  code_verifier: string;
  next: string;
  created_at: string;
  expires_at: string;
}

export const OIDC_LOGIN_COLUMN_NAMES = [
  'id_hash', 'state', 'nonce', 'code_verifier', 'next', 'created_at', 'expires_at',
] as const satisfies readonly (keyof OidcLoginRow)[];

export function oidcLoginRow(raw: OidcLoginRecord): OidcLoginRow {
  const l = withoutNul(raw);
  return {
    id_hash: l.idHash,
    state: l.state,
    nonce: l.nonce,
    code_verifier: l.codeVerifier,
    next: l.next,
    created_at: l.createdAt,
    expires_at: l.expiresAt,
  };
}

export const oidcLoginFromRow = (r: OidcLoginRow): OidcLoginRecord => ({
  idHash: r.id_hash,
  state: r.state,
  nonce: r.nonce,
  codeVerifier: r.code_verifier,
  next: r.next,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
});
