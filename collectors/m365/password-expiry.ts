/**
 * `m365.password_expiry` from GET /domains: verified domains' passwordValidityPeriodInDays. 2147483647 means
 * passwords never expire, which is current guidance (CIS Microsoft 365 Foundations 1.3.1, NIST SP 800-63B 3.1.1.2,
 * Microsoft's own password policy recommendations): forced periodic changes push users to predictable passwords.
 * Graph documents that an unset value means the 90-day default, so null counts as expiring.
 */
import type { PasswordDomain } from './identity-schema.js';

export const NEVER_EXPIRES = 2_147_483_647;

export interface PasswordExpiryValue extends Record<string, unknown> {
  domains: number;
  expiringDomains: number;
  neverExpire: boolean;
  /** Verified domains whose passwords expire, with the period in days. */
  expiring: Array<{ domain: string; days: number }>;
}

export function derivePasswordExpiry(all: readonly PasswordDomain[]): PasswordExpiryValue {
  const verified = all.filter((d) => d.isVerified);
  const expiring = verified
    .filter((d) => d.passwordValidityPeriodInDays !== NEVER_EXPIRES)
    .map((d) => ({ domain: d.id, days: d.passwordValidityPeriodInDays ?? 90 }));
  return { domains: verified.length, expiringDomains: expiring.length, neverExpire: verified.length > 0 && expiring.length === 0, expiring };
}
