/**
 * SPF, DKIM and DMARC of one mail domain, read through a DnsLookup. Each of the three is decided on its own: a
 * SERVFAIL on `_dmarc.contoso.com` leaves DMARC unknown for that domain and says nothing about its SPF.
 */
import type { DnsLookup, LookupAnswer } from './lookup.js';
import {
  classifyDkimCname,
  dkimPublished,
  parseDkimKey,
  parseDmarc,
  parseSpf,
  spfVerdict,
  type DkimSelectorResult,
  type DmarcPolicy,
  type SpfVerdict,
} from './records.js';

export type Checked<T> = { known: true; value: T } | { known: false; reason: string };

export interface DmarcState {
  /** The policy for this domain (sp of the organisational record when inherited), or missing. */
  policy: DmarcPolicy | 'missing';
  pct: number | null;
  /** Where the record was found: the domain itself, or the organisational domain it inherits from. */
  from: string | null;
}

export interface DkimState {
  /** Both Microsoft 365 selectors publish a key (CNAME or key record): Microsoft needs both to enable and rotate. */
  signed: boolean;
  selectors: Record<'selector1' | 'selector2', DkimSelectorResult['kind'] | 'unknown'>;
}

export interface DomainAuth {
  domain: string;
  spf: Checked<SpfVerdict>;
  dkim: Checked<DkimState>;
  dmarc: Checked<DmarcState>;
}

/** Redirects followed to find the `all` of an SPF record (RFC 7208 §4.6.4 allows 10 lookups in all). */
const MAX_SPF_REDIRECTS = 3;

const unknown = <T>(a: { reason: string }): Checked<T> => ({ known: false, reason: a.reason });

export async function checkSpf(dns: DnsLookup, domain: string): Promise<Checked<SpfVerdict>> {
  let name = domain;
  for (let hop = 0; hop <= MAX_SPF_REDIRECTS; hop++) {
    const a = await dns.txt(name);
    if (a.kind === 'unknown') return unknown(a);
    const spf = parseSpf(a.kind === 'found' ? a.records : []);
    // A redirect to a name without SPF is a permerror (§6.1); at the domain itself it is simply no SPF.
    if (spf.kind === 'none') return { known: true, value: hop === 0 ? 'missing' : 'permerror' };
    if (spf.kind === 'permerror') return { known: true, value: 'permerror' };
    if (spf.all || !spf.redirect) return { known: true, value: spfVerdict(spf.all) };
    name = spf.redirect;
  }
  return { known: true, value: 'permerror' };
}

async function selector(dns: DnsLookup, name: string): Promise<Checked<DkimSelectorResult>> {
  const c = await dns.cname(name);
  if (c.kind === 'unknown') return unknown(c);
  if (c.kind === 'found' && c.records[0]) return { known: true, value: classifyDkimCname(c.records[0]) };
  // No CNAME: the key may be published at the name itself.
  const t = await dns.txt(name);
  if (t.kind === 'unknown') return unknown(t);
  return { known: true, value: t.kind === 'found' ? parseDkimKey(t.records) : { kind: 'none' } };
}

export async function checkDkim(dns: DnsLookup, domain: string): Promise<Checked<DkimState>> {
  const [s1, s2] = await Promise.all([selector(dns, `selector1._domainkey.${domain}`), selector(dns, `selector2._domainkey.${domain}`)]);
  // One published selector is enough to know the domain is not (fully) signed whatever the other says.
  if (!s1.known && !s2.known) return unknown(s1);
  if (!s1.known || !s2.known) {
    const [answered, failed] = s1.known ? [s1.value, s2] : [(s2 as { known: true; value: DkimSelectorResult }).value, s1];
    if (dkimPublished(answered) && !failed.known) return unknown(failed);
    const kinds = { answered: answered.kind, failed: 'unknown' as const };
    return {
      known: true,
      value: { signed: false, selectors: s1.known ? { selector1: kinds.answered, selector2: kinds.failed } : { selector1: kinds.failed, selector2: kinds.answered } },
    };
  }
  return {
    known: true,
    value: { signed: dkimPublished(s1.value) && dkimPublished(s2.value), selectors: { selector1: s1.value.kind, selector2: s2.value.kind } },
  };
}

function dmarcAt(a: LookupAnswer<string[]>): ReturnType<typeof parseDmarc> {
  return parseDmarc(a.kind === 'found' ? a.records : []);
}

/**
 * RFC 7489 §6.6.3: the record at `_dmarc.<domain>`, else the organisational domain's, whose `sp` then applies.
 * Without a public-suffix list the organisational domain is taken from the tenant's own verified domains: the
 * shortest one the mail domain is a subdomain of (mail.contoso.com → contoso.com).
 */
export async function checkDmarc(dns: DnsLookup, domain: string, orgDomain: string | null): Promise<Checked<DmarcState>> {
  const a = await dns.txt(`_dmarc.${domain}`);
  if (a.kind === 'unknown') return unknown(a);
  const own = dmarcAt(a);
  if (own.kind === 'record') return { known: true, value: { policy: own.dmarc.p, pct: own.dmarc.pct, from: domain } };
  if (own.kind === 'none' && orgDomain && orgDomain !== domain) {
    const o = await dns.txt(`_dmarc.${orgDomain}`);
    if (o.kind === 'unknown') return unknown(o);
    const org = dmarcAt(o);
    if (org.kind === 'record') return { known: true, value: { policy: org.dmarc.sp, pct: org.dmarc.pct, from: orgDomain } };
  }
  return { known: true, value: { policy: 'missing', pct: null, from: null } };
}

/** The shortest other domain in the list that `domain` is a subdomain of. */
export function organisationalDomain(domain: string, all: readonly string[]): string | null {
  const parents = all.filter((d) => d !== domain && domain.endsWith(`.${d}`));
  return parents.sort((a, b) => a.length - b.length)[0] ?? null;
}

export async function checkDomain(dns: DnsLookup, domain: string, all: readonly string[]): Promise<DomainAuth> {
  const [spf, dkim, dmarc] = await Promise.all([checkSpf(dns, domain), checkDkim(dns, domain), checkDmarc(dns, domain, organisationalDomain(domain, all))]);
  return { domain, spf, dkim, dmarc };
}
