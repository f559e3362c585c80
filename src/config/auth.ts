/**
 * `server.auth` (DESIGN §15): people sign in with OpenID Connect (Entra ID by default), their role and tenant scope
 * come from their groups or app roles through `roleMap`, and API tokens stay for machines. Validated at load like
 * every section: a missing publicUrl, two credentials or a roleMap entry naming neither a group nor an app role names
 * its path.
 */
import { z } from 'zod';

const httpsUrl = z.url({ protocol: /^https$/, error: 'must be an https:// URL' });

export const OidcSchema = z
  .strictObject({
    /** `https://login.microsoftonline.com/{tenant}/v2.0` for Entra ID; any standards-compliant issuer. */
    issuer: httpsUrl,
    clientId: z.string().min(1),
    clientSecret: z.string().min(1).optional(),
    /** PEM with the app's certificate and private key: signs a client assertion (private_key_jwt) instead of a secret. */
    certificatePath: z.string().min(1).optional(),
    /** Appended to server.publicUrl: the redirect URI to register with the provider. */
    redirectPath: z.string().regex(/^\/[A-Za-z0-9/_-]*$/, 'must be a path such as /auth/callback').default('/auth/callback'),
    scopes: z.array(z.string().min(1)).default(['openid', 'profile', 'email']),
    /** PEM of a private CA the provider's certificate chains to (an on-premises provider); added to the public roots. */
    caFile: z.string().min(1).optional(),
    /** The claim holding group object ids (Entra: `groups`). */
    groupsClaim: z.string().min(1).default('groups'),
    /**
     * When the ID token says the person has too many groups to list (Entra's groups overage: `_claim_names.groups`),
     * ask Microsoft Graph which of them they are in, with the app's own token (`GroupMember.Read.All`); `deny` refuses
     * the sign-in with a page saying why. Use app roles to avoid overage altogether (docs/sso.md).
     */
    groupsOverage: z.enum(['graph', 'deny']).default('graph'),
    /** Graph's base URL for the overage look-up (sovereign clouds have their own). */
    graphUrl: httpsUrl.default('https://graph.microsoft.com'),
  })
  .superRefine((o, ctx) => {
    if (!!o.clientSecret === !!o.certificatePath) {
      ctx.addIssue({ code: 'custom', path: ['clientSecret'], message: 'give exactly one credential: clientSecret or certificatePath' });
    }
    if (!o.scopes.includes('openid')) ctx.addIssue({ code: 'custom', path: ['scopes'], message: 'must include openid' });
  });

export const RoleMapEntrySchema = z
  .strictObject({
    /** A group's object id (Entra) or name, as the groups claim carries it. */
    group: z.string().min(1).optional(),
    /** An app role's value (the `roles` claim). */
    appRole: z.string().min(1).optional(),
    role: z.enum(['viewer', 'technician', 'admin'], { error: 'use viewer, technician or admin' }),
    /** Tenant ids this entry grants; absent = every tenant. */
    tenants: z.array(z.string().min(1)).min(1).optional(),
  })
  .superRefine((e, ctx) => {
    if (!!e.group === !!e.appRole) ctx.addIssue({ code: 'custom', path: [], message: 'name exactly one of group or appRole' });
  });

export const AuthSchema = z
  .strictObject({
    oidc: OidcSchema.optional(),
    roleMap: z.array(RoleMapEntrySchema).default([]),
    /** Signing in to the web UI with an API token: on by default without OIDC, off by default with it. */
    tokenLogin: z.boolean().optional(),
    /** How long a browser session lasts. */
    sessionHours: z.number().min(0.25).max(168).default(12),
  })
  .default({ roleMap: [], sessionHours: 12 });

export type OidcConfig = z.output<typeof OidcSchema>;
export type RoleMapEntry = z.output<typeof RoleMapEntrySchema>;
export type AuthConfig = z.output<typeof AuthSchema>;

/** Whether token sign-in to the web UI is allowed under this config. */
export function tokenLoginAllowed(auth: AuthConfig): boolean {
  return auth.tokenLogin ?? !auth.oidc;
}

/** Cross-checks against the rest of the config. */
export function authConfigIssues(config: { server: { publicUrl?: string | undefined; auth: AuthConfig }; tenants: ReadonlyArray<{ id: string }> }): Array<{ path: PropertyKey[]; message: string }> {
  const issues: Array<{ path: PropertyKey[]; message: string }> = [];
  const { auth } = config.server;
  if (auth.oidc) {
    if (!config.server.publicUrl) issues.push({ path: ['server', 'publicUrl'], message: 'required with server.auth.oidc: the redirect URI is publicUrl + redirectPath' });
    if (auth.roleMap.length === 0) issues.push({ path: ['server', 'auth', 'roleMap'], message: 'map at least one group or app role to a role, or nobody can sign in' });
  }
  const known = new Set(config.tenants.map((t) => t.id));
  auth.roleMap.forEach((e, i) =>
    (e.tenants ?? []).forEach((t, j) => {
      if (!known.has(t)) issues.push({ path: ['server', 'auth', 'roleMap', i, 'tenants', j], message: `unknown tenant id "${t}" (not in tenants[])` });
    }),
  );
  return issues;
}
