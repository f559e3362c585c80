/**
 * Pure parsers of the three e-mail authentication records as a receiver reads them. No DNS here: the lookup
 * module hands over the TXT strings and CNAME targets, these decide what they mean.
 *
 *   SPF   RFC 7208: the TXT record at the domain that starts with `v=spf1`; the qualifier of its `all` mechanism.
 *   DMARC RFC 7489: the TXT record at `_dmarc.<domain>` that starts with `v=DMARC1`; its p, sp and pct tags.
 *   DKIM  RFC 6376 as Microsoft 365 publishes it: a CNAME at `selector1/2._domainkey.<domain>` to a key Microsoft
 *         hosts, or a key record (`v=DKIM1; … p=<key>`) published at that name directly.
 */

/** A TXT record's character-strings joined without separators (RFC 7208 §3.3, RFC 7489 §6.3, RFC 6376 §3.6.2.2). */
export function joinTxt(chunks: readonly string[]): string {
  return chunks.join('');
}

// ---------------------------------------------------------------------------------------------------- SPF

export type SpfQualifier = '+' | '-' | '~' | '?';

export type SpfResult =
  | { kind: 'none' }
  /** More than one SPF record: receivers return permerror (RFC 7208 §4.5), as good as none. */
  | { kind: 'permerror'; reason: string }
  | {
      kind: 'record';
      record: string;
      /** Qualifier of the `all` mechanism, null when the record has none. */
      all: SpfQualifier | null;
      /** `redirect=` target, only when there is no `all` (an `all` makes redirect ignored, RFC 7208 §6.1). */
      redirect: string | null;
    };

/** RFC 7208 §4.5: "v=spf1" followed by a space or the end; the ABNF literal is case-insensitive. */
export function isSpfRecord(txt: string): boolean {
  return /^v=spf1(?: |$)/i.test(txt);
}

/** The domain's SPF answer from all TXT records at its name. */
export function parseSpf(txts: readonly string[]): SpfResult {
  const records = txts.filter(isSpfRecord);
  if (records.length === 0) return { kind: 'none' };
  if (records.length > 1) return { kind: 'permerror', reason: `${records.length} SPF records published (only one is allowed)` };
  const record = records[0]!;
  let all: SpfQualifier | null = null;
  let redirect: string | null = null;
  for (const term of record.split(' ').slice(1)) {
    if (term === '') continue;
    const m = /^([+\-~?]?)all$/i.exec(term);
    if (m) {
      all = (m[1] || '+') as SpfQualifier;
      // Mechanisms after "all" are never evaluated (§5.1).
      break;
    }
    const r = /^redirect=(.+)$/i.exec(term);
    if (r) redirect = r[1]!;
  }
  return { kind: 'record', record, all, redirect: all ? null : redirect };
}

/** What the domain's SPF means for spoofing. Without `all` and redirect the default result is neutral (§4.7). */
export type SpfVerdict = 'strict' | 'soft' | 'neutral' | 'pass_all' | 'missing' | 'permerror';

export function spfVerdict(all: SpfQualifier | null): SpfVerdict {
  switch (all) {
    case '-':
      return 'strict';
    case '~':
      return 'soft';
    case '+':
      return 'pass_all';
    default:
      return 'neutral';
  }
}

// ---------------------------------------------------------------------------------------------------- DMARC

export type DmarcPolicy = 'none' | 'quarantine' | 'reject';

export interface DmarcRecord {
  p: DmarcPolicy;
  /** Policy for subdomains; defaults to p (RFC 7489 §6.3). */
  sp: DmarcPolicy;
  /** Share of failing mail the policy applies to, 0–100; defaults to 100. */
  pct: number;
  record: string;
}

export type DmarcResult = { kind: 'none' } | { kind: 'invalid'; reason: string } | { kind: 'record'; dmarc: DmarcRecord };

const POLICIES: readonly DmarcPolicy[] = ['none', 'quarantine', 'reject'];

function policyOf(v: string | undefined): DmarcPolicy | null {
  const p = v?.toLowerCase();
  return POLICIES.find((x) => x === p) ?? null;
}

/** Tag list (RFC 7489 §6.4, RFC 6376 §3.2 syntax): `name=value` separated by `;`, whitespace around both ignored. */
export function parseTags(record: string): Map<string, string> {
  const tags = new Map<string, string>();
  for (const part of record.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim().toLowerCase();
    // The first occurrence wins; a duplicate tag makes a DKIM key invalid but DMARC does not say, so be lenient.
    if (name && !tags.has(name)) tags.set(name, part.slice(eq + 1).trim());
  }
  return tags;
}

/** RFC 7489 §6.6.3: records not starting with `v=DMARC1` are discarded; more than one left means no policy. */
export function isDmarcRecord(txt: string): boolean {
  return /^v\s*=\s*DMARC1\s*(;|$)/.test(txt);
}

export function parseDmarc(txts: readonly string[]): DmarcResult {
  const records = txts.filter(isDmarcRecord);
  if (records.length === 0) return { kind: 'none' };
  if (records.length > 1) return { kind: 'invalid', reason: `${records.length} DMARC records published (receivers apply none of them)` };
  const record = records[0]!;
  const tags = parseTags(record);
  let p = policyOf(tags.get('p'));
  if (!p) {
    // §6.6.3: a missing or invalid p with a valid rua is treated as p=none; without rua the record is discarded.
    if (!tags.get('rua')) return { kind: 'invalid', reason: `no valid p= tag in "${record}"` };
    p = 'none';
  }
  const sp = policyOf(tags.get('sp')) ?? p;
  const rawPct = tags.get('pct');
  // An unparsable pct is ignored (the default applies), as most receivers do; out-of-range is clamped.
  const pct = rawPct !== undefined && /^\d{1,3}$/.test(rawPct) ? Math.min(100, Number(rawPct)) : 100;
  return { kind: 'record', dmarc: { p, sp, pct, record } };
}

/** Quarantine or reject applied to all failing mail: the policy that actually stops spoofed mail. */
export function isEnforced(policy: DmarcPolicy, pct: number): boolean {
  return policy !== 'none' && pct >= 100;
}

// ---------------------------------------------------------------------------------------------------- DKIM

export type DkimSelectorResult =
  | { kind: 'cname'; target: string; microsoft: 'legacy' | 'current' | null }
  | { kind: 'key' }
  /** A key record with an empty p= : the key is revoked (RFC 6376 §3.6.1). */
  | { kind: 'revoked' }
  | { kind: 'none' };

/**
 * Microsoft 365's CNAME targets: `selector1-contoso-com._domainkey.contoso.onmicrosoft.com` (before May 2025) and
 * `selector1-contoso-com._domainkey.contoso.<partition>.dkim.mail.microsoft` (current, e.g. `n-v1`). Any other
 * target (a third-party signer) still publishes a key and counts; the kind is kept for the drill-down.
 */
export function classifyDkimCname(target: string): DkimSelectorResult {
  const t = target.toLowerCase().replace(/\.$/, '');
  const microsoft = t.endsWith('.dkim.mail.microsoft') ? 'current' : /\._domainkey\.[^.]+\.onmicrosoft\.com$/.test(t) ? 'legacy' : null;
  return { kind: 'cname', target: t, microsoft };
}

/** TXT records at a selector name: a DKIM key record (v=DKIM1 first if present, RFC 6376 §3.6.1) with a key. */
export function parseDkimKey(txts: readonly string[]): DkimSelectorResult {
  let revoked = false;
  for (const txt of txts) {
    const tags = parseTags(txt);
    const v = tags.get('v');
    if (v !== undefined && (v !== 'DKIM1' || !/^\s*v\s*=/.test(txt))) continue;
    const p = tags.get('p');
    if (p === undefined) continue;
    if (p.replace(/\s+/g, '') === '') revoked = true;
    else return { kind: 'key' };
  }
  return revoked ? { kind: 'revoked' } : { kind: 'none' };
}

export function dkimPublished(r: DkimSelectorResult): boolean {
  return r.kind === 'cname' || r.kind === 'key';
}
