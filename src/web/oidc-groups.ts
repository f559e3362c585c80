/**
 * Entra's groups overage (DESIGN §15): when a person is in more groups than fit in the ID token, the token names no
 * groups and says so (`_claim_names.groups`); we then ask Microsoft Graph which groups the person is in, with the
 * app's own token (client credentials, application permission `GroupMember.Read.All`), through
 * `POST /v1.0/users/{oid}/getMemberGroups` (transitive membership, ids only — what roleMap names).
 *
 * Nothing here logs or throws a token: errors carry the Graph status and error code only.
 */
import { Client } from '@microsoft/microsoft-graph-client';
import * as oidc from 'openid-client';
import { z } from 'zod';

const MemberGroupsSchema = z.object({ value: z.array(z.string()) });

export class GroupLookupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GroupLookupError';
  }
}

export interface MemberGroupsInput {
  /** The discovered client configuration (its credential gets the app token). */
  config: oidc.Configuration;
  /** Graph's base URL, e.g. https://graph.microsoft.com (sovereign clouds have their own). */
  graphUrl: string;
  /** The person's object id (`oid`). */
  oid: string;
  /** Extra fetch options for Graph requests (a dispatcher trusting the configured CA). */
  fetchOptions?: Record<string, unknown>;
}

/** The ids of every group the person is a member of (directly or through nested groups). */
export async function memberGroups(input: MemberGroupsInput): Promise<string[]> {
  const base = input.graphUrl.replace(/\/+$/, '');
  let accessToken: string;
  try {
    const grant = await oidc.clientCredentialsGrant(input.config, { scope: `${base}/.default` });
    accessToken = grant.access_token;
  } catch (e) {
    throw new GroupLookupError(`the app could not get a Graph token (${describe(e)})`);
  }
  const client = Client.init({
    authProvider: (done) => done(null, accessToken),
    // The auth middleware only attaches the token to Graph's own hosts and to these.
    customHosts: new Set([new URL(base).hostname]),
    defaultVersion: 'v1.0',
    ...(input.fetchOptions ? { fetchOptions: input.fetchOptions } : {}),
  });
  let body: unknown;
  try {
    body = await client.api(`${base}/v1.0/users/${encodeURIComponent(input.oid)}/getMemberGroups`).post({ securityEnabledOnly: false });
  } catch (e) {
    const err = e as { statusCode?: unknown; code?: unknown };
    throw new GroupLookupError(`Graph refused getMemberGroups (status ${String(err.statusCode ?? 'none')}, ${typeof err.code === 'string' ? err.code : 'no code'})`);
  }
  const parsed = MemberGroupsSchema.safeParse(body);
  if (!parsed.success) throw new GroupLookupError('Graph answered getMemberGroups with an unexpected body');
  return parsed.data.value;
}

/** An error's kind for a log line: openid-client's code and the error name, never a response body. */
function describe(e: unknown): string {
  const err = e as { code?: unknown; error?: unknown; name?: unknown };
  return [err.name, err.code, err.error].filter((x) => typeof x === 'string').join(' ') || 'unknown error';
}
