/**
 * `m365.password_expiry` from GET /domains: verified domains' passwordValidityPeriodInDays. 2147483647 means
 * passwords never expire, which is current guidance (CIS Microsoft 365 Foundations 1.3.1, NIST SP 800-63B 3.1.1.2,
 * Microsoft's own password policy recommendations): forced periodic changes push users to predictable passwords.
 *
 * An unset (null) period is unknown, not 90 days: Microsoft's "Password policies and account restrictions in
 * Microsoft Entra ID" gives the default as "90 days. If the tenant was created after 2021, it has no default
 * expiration value" (https://learn.microsoft.com/entra/identity/authentication/concept-sspr-policy), and nothing in
 * Graph tells the tenant's creation year apart from that.
 */
import type { PasswordDomain } from './identity-schema.js';

export const NEVER_EXPIRES = 2_147_483_647;

export interface PasswordExpiryValue extends Record<string, unknown> {
  domains: number;
  expiringDomains: number;
  /** null when no verified domain expires but some have no period set (see unknownReasons). */
  neverExpire: boolean | null;
  /** Verified domains whose passwords expire, with the period in days. */
  expiring: Array<{ domain: string; days: number }>;
  /** Verified domains with no period set (Microsoft's default: 90 days before 2021, none for later tenants). */
  unsetDomains: string[];
  unknownReasons?: Record<string, string>;
}

export function derivePasswordExpiry(all: readonly PasswordDomain[]): PasswordExpiryValue {
  const verified = all.filter((d) => d.isVerified);
  const expiring: PasswordExpiryValue['expiring'] = [];
  const unsetDomains: string[] = [];
  for (const d of verified) {
    const days = d.passwordValidityPeriodInDays;
    if (days === null || days === undefined) unsetDomains.push(d.id);
    else if (days !== NEVER_EXPIRES) expiring.push({ domain: d.id, days });
  }
  // One domain that expires decides false whatever the unset ones mean; unset ones alone decide nothing.
  const neverExpire = verified.length === 0 || expiring.length > 0 ? false : unsetDomains.length > 0 ? null : true;
  const v: PasswordExpiryValue = { domains: verified.length, expiringDomains: expiring.length, neverExpire, expiring, unsetDomains };
  if (neverExpire === null) {
    v.unknownReasons = {
      neverExpire: `no password validity period is set on ${unsetDomains.join(', ')}: Microsoft's default is 90 days for tenants created before 2021 and no expiry for later ones`,
    };
  }
  return v;
}
