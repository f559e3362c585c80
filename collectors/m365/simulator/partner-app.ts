/**
 * The partner's multi-tenant app as the identity platform sees it in a customer tenant: its consent knob and the
 * refusal shapes. A leaf module, so the identity routes (which decide) and partner.ts (which builds the partner) both
 * use it without importing each other.
 */
import type { KeyObject } from 'node:crypto';

export const PARTNER_APP_NAME = 'Ratchet (MSP multi-tenant app)';

/** Whether (and how not) the partner's app is consented in a customer tenant; see the file comment. */
export type ConsentKnob = boolean | 'consent-missing' | 'no-service-principal';
export const CONSENT_KNOBS: readonly ConsentKnob[] = [true, false, 'consent-missing', 'no-service-principal'];

/** The partner's app as one customer tenant sees it (IdentityTenant.partnerApp). */
export interface PartnerAppInTenant {
  app: { clientId: string; clientSecret: string; certificateKey: KeyObject };
  consent: ConsentKnob;
}

/** An identity-platform refusal: the status, OAuth error and AADSTS code Entra answers with. */
export interface Refusal {
  status: number;
  error: string;
  code: number;
  message: string;
}
