/**
 * Lines a shared vendor account's clients (NinjaOne organisations, Datto sites, Acronis customers) up with the
 * configured tenants, for `ratchet tenants map` (DESIGN §12). Pure and vendor-neutral: names and domains in,
 * proposals out.
 *
 * Never a silent guess. A match is proposed only when it is one-to-one and clearly ahead on both sides: the client
 * is the tenant's best candidate by a margin, and the tenant is the client's best claimant by the same margin.
 * Anything else is listed as ambiguous, with its candidates, for a person to decide.
 */
import type { PortfolioClient } from '../collector-kit/plugin.js';

export type Confidence = 'high' | 'medium' | 'low';

export const CONFIDENCE_RANK: Readonly<Record<Confidence, number>> = { high: 3, medium: 2, low: 1 };

/** A configured tenant as the matcher sees it. */
export interface MatchTenant {
  id: string;
  name: string;
  /** The tenant's own domains (M365 verified domains), lower case; [] when unknown. */
  domains: readonly string[];
  /**
   * The scope already configured for this account (organizationId …), if any: the tenant is mapped. A list when
   * the section names several (Datto `siteUid: [a, b]`).
   */
  mappedScope?: string | number | ReadonlyArray<string | number>;
}

export interface Candidate {
  client: PortfolioClient;
  /** Name similarity 0…1 (1 = the same name once normalised). */
  nameScore: number;
  /** Domains the tenant and the client share (discriminating ones only). */
  sharedDomains: string[];
  /** Ranking score: name similarity plus a bonus for a shared domain. */
  score: number;
  confidence: Confidence;
  /** Why, in words: "same name", "similar name (0.67)", "shared domain contoso.com". */
  reason: string;
}

export type TenantMatch =
  /** Already mapped; `problem` says why the mapping deserves a look. */
  | { kind: 'mapped'; tenant: MatchTenant; client: PortfolioClient | null; problem: null | 'scope-missing' | 'name-differs'; detail: string }
  /** One clear, one-to-one match. */
  | { kind: 'proposed'; tenant: MatchTenant; candidate: Candidate }
  /** Candidates, none clearly ahead (or the best one is claimed more strongly by another tenant). */
  | { kind: 'ambiguous'; tenant: MatchTenant; candidates: Candidate[]; detail: string }
  /** No client resembles the tenant. */
  | { kind: 'unmatched'; tenant: MatchTenant };

export interface MatchResult {
  tenants: TenantMatch[];
  /** Clients neither mapped nor proposed for any tenant. */
  unclaimed: PortfolioClient[];
}

/** A name scoring at least this much is a candidate at all. */
export const MIN_NAME_SCORE = 0.5;
/** A name scoring at least this much (short of equal) is "similar": medium confidence. */
export const SIMILAR_NAME_SCORE = 0.8;
/** The best candidate must lead the second by this much, on both sides, to be proposed. */
export const MARGIN = 0.15;
/** What a shared, discriminating domain adds to the ranking score. */
export const DOMAIN_BONUS = 0.5;

/**
 * Legal-form words dropped from the END of a name (repeatedly: "Pty Ltd", "GmbH & Co KG"), after punctuation is
 * gone ("B.V." → "bv", "S.A.R.L." → "sarl"). Only trailing ones: "Co-operative Bank" keeps its "co".
 */
const LEGAL_SUFFIXES = new Set([
  'ltd', 'limited', 'inc', 'incorporated', 'llc', 'llp', 'lp', 'plc', 'pllc', 'pc', 'corp', 'corporation', 'co', 'company',
  'gmbh', 'mbh', 'ag', 'kg', 'ohg', 'ug', 'ev', 'bv', 'nv', 'vof', 'sa', 'sas', 'sarl', 'srl', 'spa', 'sl', 'slu', 'sro',
  'as', 'asa', 'ab', 'oy', 'oyj', 'aps', 'pty', 'pte', 'bhd', 'sdn', 'kk', 'lda', 'ltda', 'spzoo', 'zoo', 'sp', 'cv',
  'group', 'holdings',
]);

/** Words that carry no identity anywhere in a name. */
const STOPWORDS = new Set(['and', 'the', 'of']);

/** Mail providers and the like: a contact address there says nothing about which client it is. */
const GENERIC_DOMAINS = new Set([
  'gmail.com', 'googlemail.com', 'outlook.com', 'hotmail.com', 'hotmail.co.uk', 'live.com', 'msn.com', 'yahoo.com',
  'yahoo.co.uk', 'icloud.com', 'me.com', 'aol.com', 'gmx.de', 'gmx.net', 'web.de', 'proton.me', 'protonmail.com', 'mail.com',
]);

/**
 * The words of a name that identify it: accents folded, lower case, "&" read as "and", apostrophes and dots
 * removed inside words (O'Brien, B.V., A/S), other punctuation a separator, stopwords and trailing legal forms dropped.
 * A name made only of such words keeps them (a company called "Holdings Ltd" stays "holdings").
 */
export function nameTokens(name: string): string[] {
  const folded = name
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/ß/g, 'ss')
    .replace(/æ/g, 'ae')
    .replace(/ø/g, 'o')
    .replace(/&/g, ' and ')
    .replace(/\+/g, ' and ')
    .replace(/['’`.]/g, '')
    // Abbreviated legal forms with a slash: A/S, K/S, S/A.
    .replace(/(?<![\p{L}\p{N}])(\p{L})\/(\p{L})(?![\p{L}\p{N}])/gu, '$1$2')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
  const all = folded === '' ? [] : folded.split(' ');
  const words = all.filter((w) => !STOPWORDS.has(w));
  const kept = [...words];
  // At least one word stays: "Acme Co" → acme, "Holdings Ltd" → holdings.
  while (kept.length > 1 && LEGAL_SUFFIXES.has(kept[kept.length - 1]!)) kept.pop();
  return kept.length > 0 ? kept : all;
}

/** The normalised name: its identifying words joined by one space. */
export function normaliseName(name: string): string {
  return nameTokens(name).join(' ');
}

function bigrams(s: string): Map<string, number> {
  const out = new Map<string, number>();
  for (let i = 0; i + 1 < s.length; i++) {
    const g = s.slice(i, i + 2);
    out.set(g, (out.get(g) ?? 0) + 1);
  }
  return out;
}

function diceOf(a: string, x: ReadonlyMap<string, number>, b: string, y: ReadonlyMap<string, number>): number {
  if (a === b) return a.length > 0 ? 1 : 0;
  if (a.length < 2 || b.length < 2) return 0;
  let shared = 0;
  for (const [g, n] of x) shared += Math.min(n, y.get(g) ?? 0);
  return (2 * shared) / (a.length - 1 + (b.length - 1));
}

/** Sørensen–Dice over character bigrams: tolerant of typos and of "Tail Spin" vs "Tailspin". */
export function diceSimilarity(a: string, b: string): number {
  return diceOf(a, bigrams(a), b, bigrams(b));
}

/** Jaccard over word sets. */
export function tokenJaccard(a: readonly string[], b: readonly string[]): number {
  const x = new Set(a);
  const y = new Set(b);
  if (x.size === 0 && y.size === 0) return 0;
  let inter = 0;
  for (const w of x) if (y.has(w)) inter += 1;
  return inter / (x.size + y.size - inter);
}

/** A name prepared for comparison once (a portfolio compares every tenant with every client). */
interface NameKey {
  tokens: string[];
  joined: string;
  grams: Map<string, number>;
}

function nameKey(name: string): NameKey {
  const tokens = nameTokens(name);
  const joined = tokens.join('');
  return { tokens, joined, grams: bigrams(joined) };
}

function similarityOf(a: NameKey, b: NameKey): number {
  if (a.tokens.length === 0 || b.tokens.length === 0) return 0;
  if (a.joined === b.joined) return 1;
  return Math.max(tokenJaccard(a.tokens, b.tokens), diceOf(a.joined, a.grams, b.joined, b.grams));
}

/**
 * How alike two company names are, 0…1: 1 when they normalise to the same words (or the same letters once spaces
 * go), else the better of word overlap and letter-pair similarity.
 */
export function nameSimilarity(a: string, b: string): number {
  return similarityOf(nameKey(a), nameKey(b));
}

const round2 = (n: number) => Math.round(n * 100) / 100;

/** Lower case, no trailing dot; an e-mail address gives its domain. */
export function normaliseDomain(value: string): string {
  const at = value.lastIndexOf('@');
  return (at >= 0 ? value.slice(at + 1) : value).trim().toLowerCase().replace(/\.+$/, '');
}

/**
 * Domains that tell clients apart: a domain on more than one client (the MSP's own address as every client's
 * contact) or a mail provider's says nothing about which client it is.
 */
function discriminatingDomains(clients: readonly PortfolioClient[]): Map<PortfolioClient, Set<string>> {
  const owners = new Map<string, number>();
  const per = new Map<PortfolioClient, Set<string>>();
  for (const c of clients) {
    const set = new Set(c.domains.map(normaliseDomain).filter((d) => d !== '' && !GENERIC_DOMAINS.has(d)));
    per.set(c, set);
    for (const d of set) owners.set(d, (owners.get(d) ?? 0) + 1);
  }
  for (const set of per.values()) for (const d of [...set]) if ((owners.get(d) ?? 0) > 1) set.delete(d);
  return per;
}

/** Prepared names, so each is normalised once however many pairs it is in. */
class NameKeys {
  private readonly keys = new Map<string, NameKey>();
  of(name: string): NameKey {
    let k = this.keys.get(name);
    if (!k) this.keys.set(name, (k = nameKey(name)));
    return k;
  }
}

/** Score one (tenant, client) pair; null when it is no candidate at all. */
export function scorePair(
  tenant: Pick<MatchTenant, 'name' | 'domains'>,
  client: PortfolioClient,
  clientDomains?: ReadonlySet<string>,
  keys: NameKeys = new NameKeys(),
): Candidate | null {
  const nameScore = round2(similarityOf(keys.of(tenant.name), keys.of(client.name)));
  const theirs = clientDomains ?? new Set(client.domains.map(normaliseDomain));
  const sharedDomains = [...new Set(tenant.domains.map(normaliseDomain))].filter((d) => theirs.has(d)).sort();
  const domain = sharedDomains.length > 0;
  if (nameScore < MIN_NAME_SCORE && !domain) return null;
  const nameWords = nameScore === 1 ? 'same name' : nameScore >= MIN_NAME_SCORE ? `similar name (${nameScore.toFixed(2)})` : `different name (${nameScore.toFixed(2)})`;
  const reason = domain ? `${nameWords}, shared domain ${sharedDomains.join(', ')}` : nameWords;
  let confidence: Confidence;
  if (nameScore === 1 || (domain && nameScore >= MIN_NAME_SCORE)) confidence = 'high';
  else if (nameScore >= SIMILAR_NAME_SCORE || domain) confidence = 'medium';
  else confidence = 'low';
  return { client, nameScore, sharedDomains, score: round2(nameScore + (domain ? DOMAIN_BONUS : 0)), confidence, reason };
}

const byScore = (a: Candidate, b: Candidate) => b.score - a.score || a.client.name.localeCompare(b.client.name);

/** Scope values compare as text: an organisation id 12 in YAML and "12" from a listing are the same client. */
const scopeKey = (s: string | number) => String(s).toLowerCase();

/**
 * Match the account's clients against the tenants. Mapped tenants are checked (does their client still exist, does
 * its name still resemble the tenant?) and their clients taken out of the pool; the rest are matched one-to-one.
 */
export function matchTenants(tenants: readonly MatchTenant[], clients: readonly PortfolioClient[]): MatchResult {
  const byScope = new Map(clients.map((c) => [scopeKey(c.scope), c]));
  const domains = discriminatingDomains(clients);
  const keys = new NameKeys();
  const taken = new Set<PortfolioClient>();
  const out = new Map<MatchTenant, TenantMatch>();

  for (const t of tenants) {
    if (t.mappedScope === undefined) continue;
    const scopes = typeof t.mappedScope === 'object' ? t.mappedScope : [t.mappedScope];
    const found = scopes.map((s) => byScope.get(scopeKey(s)));
    for (const c of found) if (c) taken.add(c);
    const missing = scopes.filter((_, i) => !found[i]);
    const client = found.find((c) => c !== undefined) ?? null;
    if (!client || missing.length > 0) {
      out.set(t, { kind: 'mapped', tenant: t, client, problem: 'scope-missing', detail: `${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not on the account any more (deleted or moved?)` });
      continue;
    }
    const pair = scorePair(t, client, domains.get(client), keys);
    const resembles = pair !== null;
    out.set(t, {
      kind: 'mapped',
      tenant: t,
      client,
      problem: resembles ? null : 'name-differs',
      detail: resembles ? pair.reason : `points at "${client.name}", whose name does not resemble the tenant's (renamed, or the wrong client?)`,
    });
  }

  const open = tenants.filter((t) => t.mappedScope === undefined);
  const pool = clients.filter((c) => !taken.has(c));
  const candidates = new Map<MatchTenant, Candidate[]>();
  const claimants = new Map<PortfolioClient, Array<{ tenant: MatchTenant; score: number }>>();
  for (const t of open) {
    const list: Candidate[] = [];
    for (const c of pool) {
      const pair = scorePair(t, c, domains.get(c), keys);
      if (!pair) continue;
      list.push(pair);
      const cl = claimants.get(c) ?? [];
      cl.push({ tenant: t, score: pair.score });
      claimants.set(c, cl);
    }
    candidates.set(t, list.sort(byScore));
  }

  for (const t of open) {
    const list = candidates.get(t)!;
    if (list.length === 0) {
      out.set(t, { kind: 'unmatched', tenant: t });
      continue;
    }
    const [best, second] = list;
    const rivals = (claimants.get(best!.client) ?? []).filter((c) => c.tenant !== t).sort((a, b) => b.score - a.score);
    const rival = rivals[0];
    let detail: string | null = null;
    if (second && best!.score - second.score < MARGIN) {
      detail = `"${best!.client.name}" and "${second.client.name}" fit about equally well`;
    } else if (rival && rival.score > best!.score - MARGIN) {
      detail =
        rival.score > best!.score
          ? `"${best!.client.name}" fits tenant ${rival.tenant.id} better`
          : `"${best!.client.name}" fits tenant ${rival.tenant.id} about as well`;
    }
    out.set(t, detail === null ? { kind: 'proposed', tenant: t, candidate: best! } : { kind: 'ambiguous', tenant: t, candidates: list.slice(0, 5), detail });
  }

  const claimed = new Set<PortfolioClient>(taken);
  for (const m of out.values()) if (m.kind === 'proposed') claimed.add(m.candidate.client);
  return {
    tenants: tenants.map((t) => out.get(t)!),
    unclaimed: clients.filter((c) => !claimed.has(c)),
  };
}

/** Whether a proposal is sure enough to write at this threshold. */
export function meets(confidence: Confidence, min: Confidence): boolean {
  return CONFIDENCE_RANK[confidence] >= CONFIDENCE_RANK[min];
}
