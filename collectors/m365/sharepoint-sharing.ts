/**
 * `m365.sharepoint.sharing` from `GET /admin/sharepoint/settings` (sharepointSettings). sharingCapability is the
 * tenant-wide ceiling for SharePoint and OneDrive: disabled (internal only), existingExternalUserSharingOnly,
 * externalUserSharingOnly (new and existing guests, sign-in required), externalUserAndGuestSharing ("Anyone":
 * unauthenticated links). CIS Microsoft 365 Foundations 7.2.3 asks for no more than new and existing guests.
 */
import { z } from 'zod';

const settings = z.looseObject({
  sharingCapability: z.string(),
  sharingDomainRestrictionMode: z.string().nullish(),
  isResharingByExternalUsersEnabled: z.boolean().nullish(),
});

/**
 * The resource itself. Microsoft's documented example wraps it in `{"value": {...}}`; a live tenant answers the
 * object at the top level. Both are accepted (unwrapped here) so the schema follows the documentation and the wire.
 */
export const sharepointSettings = z.preprocess((body) => {
  const o = body as { value?: unknown; sharingCapability?: unknown } | null;
  const wrapped = typeof o === 'object' && o !== null && !('sharingCapability' in o) && typeof o.value === 'object' && o.value !== null;
  return wrapped ? o.value : body;
}, settings);
export type SharepointSettings = z.output<typeof settings>;

export interface SharepointSharingValue extends Record<string, unknown> {
  sharingCapability: string;
  anyoneLinks: boolean;
  externalSharing: boolean;
  domainRestriction: string | null;
  resharingByExternalUsers: boolean | null;
}

export function deriveSharepointSharing(s: SharepointSettings): SharepointSharingValue {
  return {
    sharingCapability: s.sharingCapability,
    anyoneLinks: s.sharingCapability === 'externalUserAndGuestSharing',
    externalSharing: s.sharingCapability !== 'disabled',
    domainRestriction: s.sharingDomainRestrictionMode ?? null,
    resharingByExternalUsers: s.isResharingByExternalUsersEnabled ?? null,
  };
}
