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
  /** null for a sharingCapability outside the documented four (see unknownReasons). */
  anyoneLinks: boolean | null;
  externalSharing: boolean | null;
  domainRestriction: string | null;
  resharingByExternalUsers: boolean | null;
  unknownReasons?: Record<string, string>;
}

/**
 * The sharingCapabilities enum of the v1.0 sharepointSettings resource
 * (https://learn.microsoft.com/graph/api/resources/sharepointsettings?view=graph-rest-1.0). It is evolvable
 * (`unknownFutureValue`, and values Graph adds later): anything else is not read as "no Anyone links".
 */
const SHARING_CAPABILITIES = new Set(['disabled', 'existingExternalUserSharingOnly', 'externalUserSharingOnly', 'externalUserAndGuestSharing']);

export function deriveSharepointSharing(s: SharepointSettings): SharepointSharingValue {
  const known = SHARING_CAPABILITIES.has(s.sharingCapability);
  const v: SharepointSharingValue = {
    sharingCapability: s.sharingCapability,
    anyoneLinks: known ? s.sharingCapability === 'externalUserAndGuestSharing' : null,
    externalSharing: known ? s.sharingCapability !== 'disabled' : null,
    domainRestriction: s.sharingDomainRestrictionMode ?? null,
    resharingByExternalUsers: s.isResharingByExternalUsersEnabled ?? null,
  };
  if (!known) {
    const why = `sharingCapability "${s.sharingCapability}" is not one of the documented values (disabled, existingExternalUserSharingOnly, externalUserSharingOnly, externalUserAndGuestSharing)`;
    v.unknownReasons = { anyoneLinks: why, externalSharing: why };
  }
  return v;
}
