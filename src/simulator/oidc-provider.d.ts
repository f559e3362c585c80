/**
 * The slice of `oidc-provider` (v9, untyped JavaScript) that the demo identity provider (idp.ts) uses. Kept narrow on
 * purpose: only what idp.ts calls, typed as the library documents it (docs/README.md of the package).
 */
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  /** The koa context as oidc-provider's own middleware sees it (only what idp.ts touches). */
  export interface KoaContext {
    method: string;
    path: string;
    status: number;
    body: unknown;
    type: string;
    req: IncomingMessage;
    res: ServerResponse;
    get(header: string): string;
    set(header: string, value: string): void;
    redirect(url: string): void;
    oidc?: { params?: Record<string, unknown>; route?: string };
  }
  export type KoaMiddleware = (ctx: KoaContext, next: () => Promise<void>) => Promise<void>;

  export interface AccountClaims {
    sub: string;
    [claim: string]: unknown;
  }
  export interface Account {
    accountId: string;
    claims(use: string, scope: string, claims: unknown, rejected: string[]): Promise<AccountClaims> | AccountClaims;
  }

  export interface Interaction {
    uid: string;
    prompt: { name: string; reasons: string[]; details: Record<string, unknown> };
    params: Record<string, unknown>;
    session?: { accountId?: string; uid?: string };
    grantId?: string;
  }

  export interface GrantInstance {
    addOIDCScope(scope: string): void;
    addOIDCClaims(claims: string[]): void;
    addResourceScope(resource: string, scope: string): void;
    save(): Promise<string>;
  }
  export interface GrantModel {
    new (init: { accountId: string; clientId: string }): GrantInstance;
    find(id: string): Promise<GrantInstance | undefined>;
  }

  /** A client-credentials access token as stored by the provider. */
  export interface ClientCredentialsToken {
    clientId: string;
    scope?: string;
    aud?: string | string[];
    isExpired: boolean;
  }

  export interface Configuration {
    [option: string]: unknown;
    findAccount(ctx: KoaContext, sub: string): Promise<Account | undefined>;
  }

  export class Provider {
    constructor(issuer: string, configuration: Configuration);
    issuer: string;
    proxy: boolean;
    use(middleware: KoaMiddleware): this;
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    on(event: string, listener: (...args: unknown[]) => void): this;
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<Interaction>;
    interactionResult(req: IncomingMessage, res: ServerResponse, result: Record<string, unknown>, opts?: { mergeWithLastSubmission?: boolean }): Promise<string>;
    Grant: GrantModel;
    ClientCredentials: { find(value: string): Promise<ClientCredentialsToken | undefined> };
  }

  export class InvalidTarget extends Error {}
  export const errors: { InvalidTarget: typeof InvalidTarget };
  export default Provider;
}

declare module 'oidc-provider/lib/adapters/memory_adapter.js' {
  /** A fresh in-memory store for one provider (the package's default adapter, minus the shared global store). */
  export function createMemoryAdapter(clockTolerance?: number): (model: string) => unknown;
}
