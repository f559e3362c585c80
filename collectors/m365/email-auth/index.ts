/**
 * E-mail authentication of a tenant's mail domains: SPF, DKIM and DMARC read from DNS (not from Exchange Online,
 * which application permissions cannot read without an Exchange role). The domain list is the one `GET /domains`
 * the collector already makes; only the DNS queries happen here.
 */
import type { Failure, Outcome } from '../../../src/collector-kit/failure.js';
import type { M365Config } from '../config.js';
import { ENDPOINTS } from '../endpoints.js';
import { classify, type ClassifyOptions } from '../errors.js';
import { checkDomain } from './check.js';
import { mailDomains, type GraphDomain } from './domains.js';
import { dkimEvidence, dmarcEvidence, spfEvidence } from './evidence.js';
import { DnsLookup } from './lookup.js';

export { graphDomain, mailDomains, type GraphDomain } from './domains.js';

export interface EmailAuthDnsConfig {
  servers?: readonly string[];
  timeoutMs: number;
}

export interface EmailAuthResult {
  spf: Outcome<Record<string, unknown>>;
  dkim: Outcome<Record<string, unknown>>;
  dmarc: Outcome<Record<string, unknown>>;
  /** DNS queries sent (not HTTP requests: not charged to the Graph request count). */
  queries: number;
  /** Servers asked, for the provenance. */
  servers: readonly string[];
}

/** What each key read, as shown in its provenance (after `GET /domains`); the servers asked are appended. */
export const DNS_SOURCES = {
  spf: 'DNS TXT {mail domain}',
  dkim: 'DNS CNAME/TXT selector1._domainkey.{mail domain}, selector2._domainkey.{mail domain}',
  dmarc: 'DNS TXT _dmarc.{mail domain}',
} as const;

export function dnsSource(kind: keyof typeof DNS_SOURCES, servers: readonly string[]): string {
  return servers.length > 0 ? `${DNS_SOURCES[kind]} via ${servers.join(', ')}` : DNS_SOURCES[kind];
}

/** Per-tenant domains checked at once (their queries still share the process-wide DNS limiter). */
const DOMAIN_CONCURRENCY = 4;

/** The three outcomes when the domain list itself could not be read (the Graph failure, classified). */
export function emailAuthFailed(failure: Failure): Pick<EmailAuthResult, 'spf' | 'dkim' | 'dmarc'> {
  const f: Outcome<Record<string, unknown>> = { ok: false, failure };
  return { spf: f, dkim: f, dmarc: f };
}

export async function collectEmailAuth(domains: readonly GraphDomain[], dns: EmailAuthDnsConfig, signal?: AbortSignal): Promise<EmailAuthResult> {
  const mail = mailDomains(domains);
  const lookup = new DnsLookup({ servers: dns.servers, timeoutMs: dns.timeoutMs, signal });
  const results = new Array<Awaited<ReturnType<typeof checkDomain>>>(mail.domains.length);
  let next = 0;
  const worker = async () => {
    while (next < mail.domains.length) {
      const i = next++;
      results[i] = await checkDomain(lookup, mail.domains[i]!, mail.domains);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(DOMAIN_CONCURRENCY, mail.domains.length) }, worker));
  } finally {
    lookup.close();
  }
  return {
    spf: spfEvidence(results, mail.skippedManaged),
    dkim: dkimEvidence(results, mail.skippedManaged),
    dmarc: dmarcEvidence(results, mail.skippedManaged),
    queries: lookup.queries,
    servers: lookup.servers,
  };
}

/**
 * The step collect.ts runs: the `/domains` answer (shared with the other domain keys) or its failure, then DNS.
 * A refused `/domains` names Domain.Read.All; the three keys are then unknown, never failing.
 */
export async function emailAuthFor(
  domains: { ok: true; data: GraphDomain[] } | { ok: false; error: Error },
  config: Pick<M365Config, 'dns'>,
  opts: ClassifyOptions,
  signal?: AbortSignal,
): Promise<EmailAuthResult> {
  if (!domains.ok) return { ...emailAuthFailed(classify(domains.error, ENDPOINTS.domains, opts)), queries: 0, servers: [] };
  return collectEmailAuth(domains.data, { servers: config.dns?.servers, timeoutMs: config.dns?.timeoutMs ?? DEFAULT_DNS_TIMEOUT_MS }, signal);
}

/** Per attempt, when the config has no dns section (the schema's default for dns.timeoutMs). */
export const DEFAULT_DNS_TIMEOUT_MS = 3_000;
