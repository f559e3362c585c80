/**
 * `ratchet doctor`'s DNS check for the e-mail authentication keys: can the configured resolver (or the system's)
 * answer for the tenant's own mail domain? It asks the one question a scan asks first (the domain's TXT records),
 * so "no SPF record" is a healthy answer here — only SERVFAIL, a refusal, a timeout or an unreachable server
 * fail the check, with the fix (dns.servers, outbound UDP/TCP 53). Never a made-up name: the domain is the tenant's.
 */
import { z } from 'zod';
import type { DoctorCheck } from '../../../src/collector-kit/plugin.js';
import type { M365Config } from '../config.js';
import { graphDomain, mailDomains } from './domains.js';
import { DEFAULT_DNS_TIMEOUT_MS } from './index.js';
import { DnsLookup } from './lookup.js';

export const DNS_CHECK = 'DNS (SPF, DKIM, DMARC lookups)';

const domainList = z.object({ value: z.array(graphDomain) });

/**
 * `domainsBody`: the `GET /domains` answer the doctor already read (or the reason it could not).
 */
export async function dnsCheck(config: Pick<M365Config, 'dns'>, domainsBody: { ok: true; body: unknown } | { ok: false; reason: string }, signal?: AbortSignal): Promise<DoctorCheck> {
  if (!domainsBody.ok) return { check: DNS_CHECK, ok: false, detail: `not checked: the tenant's domains could not be listed (${domainsBody.reason})` };
  const parsed = domainList.safeParse(domainsBody.body);
  if (!parsed.success) return { check: DNS_CHECK, ok: false, detail: 'not checked: GET /domains answered in an unexpected shape' };
  const mail = mailDomains(parsed.data.value);
  const domain = mail.domains[0];
  if (!domain) {
    return { check: DNS_CHECK, ok: true, detail: 'nothing to look up: no verified custom mail domain (onmicrosoft.com domains are managed by Microsoft)' };
  }
  const lookup = new DnsLookup({ servers: config.dns?.servers, timeoutMs: config.dns?.timeoutMs ?? DEFAULT_DNS_TIMEOUT_MS, signal });
  try {
    const answer = await lookup.txt(domain);
    const via = lookup.servers.length > 0 ? lookup.servers.join(', ') : 'the system resolver';
    if (answer.kind === 'unknown') {
      return {
        check: DNS_CHECK,
        ok: false,
        detail: `${answer.reason} asking ${via} for TXT ${domain}: SPF, DKIM and DMARC will be unknown — set m365.dns.servers to a resolver this host can reach (outbound UDP and TCP 53)`,
      };
    }
    return { check: DNS_CHECK, ok: true, detail: `${via} answers for ${domain} (${mail.domains.length} mail domain${mail.domains.length === 1 ? '' : 's'} to check)` };
  } finally {
    lookup.close();
  }
}
