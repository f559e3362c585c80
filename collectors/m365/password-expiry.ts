/**
 * `m365.password_expiry` from GET /domains: verified domains' passwordValidityPeriodInDays. 2147483647 means
 * passwords never expire, which is current guidance (CIS Microsoft 365 Foundations 1.3.1, NIST SP 800-63B 3.1.1.2,
 * Microsoft's own password policy recommendations): forced periodic changes push users to predictable passwords.
 *
 * An unset (null) period is unknown, not 90 days: Microsoft's "Password policies and account restrictions in
 * Microsoft Entra ID" gives the default as "90 days. If the tenant was created after 2021, it has no default
 * expiration value" (https://learn.microsoft.com/entra/identity/authentication/concept-sspr-policy), and nothing in
 * Graph tells the tenant's creation year apart from that.
 *
 * Federated domains (`authenticationType: Federated`) are left out: their users sign in at the federation's identity
 * provider (AD FS, Okta, …), whose password policy Entra neither applies nor reports, so their period here says
 * nothing either way. `federatedDomains` lists them, so a reader sees what was not judged.
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
  /** Verified federated domains, not judged (their passwords live with the federation's identity provider). */
  federatedDomains: string[];
  unknownReasons?: Record<string, string>;
}

export function derivePasswordExpiry(all: readonly PasswordDomain[]): PasswordExpiryValue {
  const verifiedAll = all.filter((d) => d.isVerified);
  const federatedDomains = verifiedAll.filter((d) => (d.authenticationType ?? '').toLowerCase() === 'federated').map((d) => d.id);
  const verified = verifiedAll.filter((d) => !federatedDomains.includes(d.id));
  const expiring: PasswordExpiryValue['expiring'] = [];
  const unsetDomains: string[] = [];
  for (const d of verified) {
    const days = d.passwordValidityPeriodInDays;
    if (days === null || days === undefined) unsetDomains.push(d.id);
    else if (days !== NEVER_EXPIRES) expiring.push({ domain: d.id, days });
  }
  // One domain that expires decides false whatever the unset ones mean; unset ones alone decide nothing, and neither
  // does a list without a managed verified domain (every tenant has its managed onmicrosoft.com one).
  const neverExpire = expiring.length > 0 ? false : unsetDomains.length > 0 || verified.length === 0 ? null : true;
  const v: PasswordExpiryValue = { domains: verified.length, expiringDomains: expiring.length, neverExpire, expiring, unsetDomains, federatedDomains };
  if (neverExpire === null) {
    v.unknownReasons = {
      neverExpire:
        verified.length === 0
          ? 'GET /domains listed no verified domain managed by Entra ID'
          : `no password validity period is set on ${unsetDomains.join(', ')}: Microsoft's default is 90 days for tenants created before 2021 and no expiry for later ones`,
    };
  }
  return v;
}
