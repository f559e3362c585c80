/**
 * The tenant's mail domains from Graph `GET /domains` (Domain.Read.All): verified, with "Email" among
 * supportedServices. The initial `*.onmicrosoft.com` domain (and every other onmicrosoft.com domain) is skipped:
 * Microsoft publishes and manages its SPF and DKIM, and the tenant cannot add a DMARC record to it, so it says
 * nothing about the client's own hygiene. Fixture: the "List domains" response example of the Graph v1.0 reference.
 */
import { z } from 'zod';

/** One entry of `GET /domains` (domain resource type, v1.0): only the properties a check reads. */
export const graphDomain = z.looseObject({
  id: z.string().min(1),
  isVerified: z.boolean().nullish(),
  isInitial: z.boolean().nullish(),
  isDefault: z.boolean().nullish(),
  supportedServices: z.array(z.string()).nullish(),
  passwordValidityPeriodInDays: z.number().int().nullish(),
  passwordNotificationWindowInDays: z.number().int().nullish(),
});
export type GraphDomain = z.output<typeof graphDomain>;

export const MICROSOFT_MANAGED_SUFFIX = '.onmicrosoft.com';

export interface MailDomains {
  /** Lower case, sorted, distinct. */
  domains: string[];
  /** Verified mail domains skipped because Microsoft manages their DNS (onmicrosoft.com). */
  skippedManaged: string[];
}

export function mailDomains(list: readonly GraphDomain[]): MailDomains {
  const domains = new Set<string>();
  const skipped = new Set<string>();
  for (const d of list) {
    if (d.isVerified !== true) continue;
    if (!(d.supportedServices ?? []).some((s) => s.toLowerCase() === 'email')) continue;
    const name = d.id.trim().toLowerCase().replace(/\.$/, '');
    if (name.endsWith(MICROSOFT_MANAGED_SUFFIX) || name.endsWith('.onmicrosoft.de') || name.endsWith('.partner.onmschina.cn')) skipped.add(name);
    else domains.add(name);
  }
  return { domains: [...domains].sort(), skippedManaged: [...skipped].sort() };
}
