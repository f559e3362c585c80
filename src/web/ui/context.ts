/** Shared types and helpers of the UI plugin and its pages. */
import type { FastifyReply, FastifyRequest, preHandlerHookHandler } from 'fastify';
import type { Principal, Role } from '../../domain/principal.js';
import type { WebService } from '../contracts.js';

/**
 * Route config that the auth plugin (src/web/auth.ts) reads: served without a principal. Only the sign-in page and
 * the static assets it needs are public. (A variable, not a literal, so this file compiles without auth.ts.)
 */
export const PUBLIC: Record<string, unknown> = { public: true };

export function principalOf(req: FastifyRequest): Principal | null {
  return (req as FastifyRequest & { principal?: Principal | null }).principal ?? null;
}

/** What every page template gets besides its own data (as `it.ui`, `it.f`, `it.asset`). */
export interface PageContext {
  principal: Principal | null;
  csrfToken: string | null;
  canAct: boolean;
  isAdmin: boolean;
  /** The admin token page exists (a TokenAdmin was given). */
  tokenPage: boolean;
  section: string;
}

/** A token as the admin page shows it (the backend's `PublicToken`: never the hash). */
export interface UiToken {
  id: string;
  name: string;
  role: Role;
  tenants: readonly string[] | null;
  createdAt: string;
  createdBy: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
  revokedBy: string | null;
}

/** The token administration the admin page needs (structurally the backend's `TokenAdmin`, src/web/tokens.ts). */
export interface UiTokenAdmin {
  list(p: Principal): Promise<UiToken[]>;
  create(p: Principal, input: { name: string; role: Role; tenants?: readonly string[] | null }): Promise<{ token: string; record: UiToken }>;
  revoke(p: Principal, id: string): Promise<UiToken | null>;
}

export interface Ui {
  service: WebService;
  /** Token administration for the admin page; absent = no token page. */
  tokens: UiTokenAdmin | null;
  now: () => Date;
  /** Renders `template` inside the layout and sends it (no-store: pages carry tenant data). */
  page(req: FastifyRequest, reply: FastifyReply, template: string, data: Record<string, unknown>, status?: number): FastifyReply;
  /** The signed-in principal, or a redirect to /login (returns null; the caller returns the reply). */
  signedIn(req: FastifyRequest, reply: FastifyReply): Principal | null;
  notFound(req: FastifyRequest, reply: FastifyReply, what?: string): FastifyReply;
  /** Route options for a form post: CSRF verification when enabled. */
  guard: { preHandler?: preHandlerHookHandler };
}
