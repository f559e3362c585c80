/**
 * The three evidence values (m365.email.spf, .dkim, .dmarc) from the per-domain answers.
 *
 * Unknown domains (the DNS could not answer: SERVFAIL, timeout, refused) are never counted as failing:
 *   - every domain unknown → the key is an `error` (collection failed), with the first DNS error as the reason;
 *   - some unknown → the counts cover the answered domains, `unknown` says how many were not, and the shares
 *     (pct, strictPct, enforcedPct) and weakestPolicy are null with the reason in `unknownReasons`: a gate on them is
 *     unknown rather than passing on the domains that happened to answer, or failing on the ones that did not.
 * No mail domain of the tenant's own (only onmicrosoft.com) → the shares are not applicable, with the reason.
 */
import { collectorError, type Outcome } from '../../../src/collector-kit/failure.js';
import { pct as percent } from '../../../src/domain/evidence.js';
import type { Checked, DomainAuth } from './check.js';
import { isEnforced, type DmarcPolicy } from './records.js';

type Value = Record<string, unknown>;

const NO_MAIL_DOMAINS =
  'the tenant has no verified mail domain of its own: only onmicrosoft.com, whose SPF and DKIM Microsoft manages and which cannot publish DMARC';

interface Tally {
  domains: number;
  unknown: number;
  reasons: string[];
}

function tally<T>(results: readonly DomainAuth[], pick: (d: DomainAuth) => Checked<T>): Tally & { known: Array<[string, T]> } {
  const known: Array<[string, T]> = [];
  const reasons: string[] = [];
  for (const d of results) {
    const c = pick(d);
    if (c.known) known.push([d.domain, c.value]);
    else reasons.push(c.reason);
  }
  return { domains: results.length, unknown: reasons.length, reasons, known };
}

/**
 * The derived fields (`values`: a count per share field, or a ready value such as the weakest policy): null with one
 * reason each when some domains could not be read, not applicable without mail domains; an error when none answered.
 */
function shares(t: Tally, values: Record<string, number | (() => unknown)>): { failure?: Outcome<Value>; value: Value } {
  const fields = Object.keys(values);
  if (t.domains > 0 && t.unknown === t.domains) {
    return {
      failure: { ok: false, failure: collectorError(`DNS did not answer for any of the ${t.domains} mail domains: ${t.reasons[0]} (check dns.servers in the m365 config and that UDP/TCP 53 is reachable)`) },
      value: {},
    };
  }
  if (t.domains === 0) return { value: { ...Object.fromEntries(fields.map((f) => [f, null])), notApplicable: Object.fromEntries(fields.map((f) => [f, NO_MAIL_DOMAINS])) } };
  if (t.unknown > 0) {
    const why = `DNS did not answer for ${t.unknown} of ${t.domains} mail domains (${t.reasons[0]}${t.unknown > 1 ? ', …' : ''}); the share is unknown rather than guessed`;
    return { value: { ...Object.fromEntries(fields.map((f) => [f, null])), unknownReasons: Object.fromEntries(fields.map((f) => [f, why])) } };
  }
  const derive = (v: number | (() => unknown)) => (typeof v === 'function' ? v() : percent(v, t.domains));
  return { value: Object.fromEntries(fields.map((f) => [f, derive(values[f]!)])) };
}

/** What each domain showed, for the evidence drill-down. */
function byDomain<T>(results: readonly DomainAuth[], pick: (d: DomainAuth) => Checked<T>, label: (v: T, domain: string) => string): Record<string, string> {
  return Object.fromEntries(
    results.map((d) => {
      const c = pick(d);
      return [d.domain, c.known ? label(c.value, d.domain) : `unknown (${c.reason})`];
    }),
  );
}

export function spfEvidence(results: readonly DomainAuth[], skippedManaged: readonly string[]): Outcome<Value> {
  const t = tally(results, (d) => d.spf);
  // A record that cannot be evaluated (two records, a broken redirect) protects nothing: not counted as SPF.
  const withSpf = t.known.filter(([, v]) => v !== 'missing' && v !== 'permerror').length;
  const strict = t.known.filter(([, v]) => v === 'strict').length;
  const s = shares(t, { pct: withSpf, strictPct: strict });
  if (s.failure) return s.failure;
  return {
    ok: true,
    value: { domains: t.domains, withSpf, strict, unknown: t.unknown, ...s.value, byDomain: byDomain(results, (d) => d.spf, (v) => v), skippedManaged: [...skippedManaged] },
  };
}

export function dkimEvidence(results: readonly DomainAuth[], skippedManaged: readonly string[]): Outcome<Value> {
  const t = tally(results, (d) => d.dkim);
  const signed = t.known.filter(([, v]) => v.signed).length;
  const s = shares(t, { pct: signed });
  if (s.failure) return s.failure;
  const label = (v: { signed: boolean; selectors: Record<string, string> }) =>
    v.signed ? 'signed' : `not signed (selector1: ${v.selectors.selector1}, selector2: ${v.selectors.selector2})`;
  return { ok: true, value: { domains: t.domains, signed, unknown: t.unknown, ...s.value, byDomain: byDomain(results, (d) => d.dkim, label), skippedManaged: [...skippedManaged] } };
}

const STRENGTH: Record<DmarcPolicy | 'missing', number> = { missing: 0, none: 1, quarantine: 2, reject: 3 };

export function dmarcEvidence(results: readonly DomainAuth[], skippedManaged: readonly string[]): Outcome<Value> {
  const t = tally(results, (d) => d.dmarc);
  const published = t.known.filter(([, v]) => v.policy !== 'missing');
  const enforced = published.filter(([, v]) => v.policy !== 'missing' && isEnforced(v.policy, v.pct ?? 100)).length;
  const weakest = () => t.known.map(([, v]) => v.policy).reduce((a, b) => (STRENGTH[b] < STRENGTH[a] ? b : a));
  const s = shares(t, { pct: published.length, enforcedPct: enforced, weakestPolicy: weakest });
  if (s.failure) return s.failure;
  const value: Value = { domains: t.domains, withDmarc: published.length, enforced, unknown: t.unknown, ...s.value };
  value.byDomain = byDomain(
    results,
    (d) => d.dmarc,
    (v, domain) =>
      v.policy === 'missing'
        ? 'missing'
        : `${v.policy}${v.pct !== null && v.pct < 100 ? ` (pct=${v.pct})` : ''}${v.from && v.from !== domain ? ` (sp of ${v.from})` : ''}`,
  );
  value.skippedManaged = [...skippedManaged];
  return { ok: true, value };
}
