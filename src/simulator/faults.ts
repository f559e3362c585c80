/**
 * Fault injection for the fault, end-to-end and benchmark suites: latency, throttling (429 + Retry-After), server
 * errors, stalls past the client timeout, missing permissions (403 on chosen paths), malformed JSON, schema
 * violations and a refusing token endpoint.
 *
 * Reproducibility: whether request n to a given URL is faulted is a hash of (seed, tenant, URL, n, fault kind),
 * not a draw from a shared stream — so concurrent requests arriving in a different order still get the same
 * faults, and a retry of the same URL gets a fresh draw (a 20 % 429 rate lets retries succeed eventually).
 *
 * ## SPEC grammar (`ratchet simulate --faults SPEC`, {@link parseFaultSpec})
 * ```
 * spec   := item ("," item)*
 * item   := "429=" rate [":" retryAfterSeconds]        share of requests answered 429 (Retry-After default 1)
 *         | "5xx=" rate [":" status]                   share answered 503/500 (status fixed if given; else alternating)
 *         | "stall=" rate ":" ms                       share that hang ms before answering (past the client timeout)
 *         | "latency=" ms [":" jitterMs]               added to every request (token requests too), + uniform 0…jitter
 *         | "403=" path ("|" path)*                    403 (a missing permission) on these paths
 *         | "malformed=" path ("|" path)*              200 with a body that is not valid JSON
 *         | "schema=" path ("|" path)*                 200 with valid JSON of the wrong shape (alias schemaViolation=)
 *         | "token=" ("refuse" | "400" | "500")        the token endpoint refuses (400 invalid_grant) or fails (500)
 *         | "seed=" integer                            seed of the fault draws (default 1)
 *         | "429once=" path ("|" path)*                the first request to each URL under these paths gets 429
 *         | "dns=" ("servfail" | "refused" | "drop")    the loopback DNS server fails the tenant's mail domains
 * rate   := decimal in [0, 1]
 * path   := a vendor API path (leading "/"; as the vendor defines it: after its API version, or with its mount
 *           prefix), matched as a prefix by segments; a segment "*" or "{name}" matches any one segment, e.g.
 *           /users/{id}/authentication/methods
 * ```
 * Items are separated by commas and may repeat (path lists accumulate). Example:
 * `429=0.2,5xx=0.05,stall=0.01:40000,403=/security/secureScores,malformed=/deviceManagement/managedDevices,token=refuse`
 */
import { hash32, unitFloat } from './prng.js';

export interface FaultConfig {
  /** Seed of the fault draws (default 1). */
  seed?: number;
  /** Added to every request, identity endpoints included. */
  latencyMs?: number;
  /** Uniform extra latency 0…jitterMs. */
  jitterMs?: number;
  /** Share (0–1) of requests answered 429 Too Many Requests. */
  rate429?: number;
  /** Retry-After seconds sent with 429 (default 1). */
  retryAfterSeconds?: number;
  /** Share (0–1) of requests answered 503/500. */
  rate5xx?: number;
  /** Force one status for injected server errors (default: 503 and 500 alternate by draw). */
  status5xx?: 500 | 502 | 503 | 504;
  /** Share (0–1) of requests that hang `stallMs` before being answered. */
  stallRate?: number;
  stallMs?: number;
  /** Path prefixes answered 403 Authorization_RequestDenied (a permission not granted). */
  forbidden?: string[];
  /** Path prefixes answered 200 with invalid JSON text. */
  malformed?: string[];
  /** Path prefixes answered 200 with valid JSON that breaks the documented shape. */
  schemaViolation?: string[];
  /** Token endpoint: 400 (refuse: an expired secret) or 500 (transient failure). */
  tokenRefuse?: false | 400 | 500;
  /** Path prefixes whose first request per URL is answered 429 (then served): a deterministic throttle. */
  throttleOnce?: string[];
  /** The loopback DNS server (./dns.ts) answers the tenant's names with SERVFAIL, REFUSED, or not at all. */
  dns?: DnsFault;
}

export const DNS_FAULTS = ['servfail', 'refused', 'drop'] as const;
export type DnsFault = (typeof DNS_FAULTS)[number];

export type FaultDecision =
  | { kind: 'none' }
  | { kind: 'stall'; ms: number }
  | { kind: '429'; retryAfterSeconds: number }
  | { kind: '5xx'; status: number }
  | { kind: '403' };

/** Layer tenant faults over simulator faults: a field set on the tenant wins. */
export function mergeFaults(base: FaultConfig | undefined, override: FaultConfig | undefined): FaultConfig {
  const out: FaultConfig = { ...(base ?? {}) };
  for (const [k, v] of Object.entries(override ?? {})) {
    if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  }
  return out;
}

function rate(value: unknown, name: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw new Error(`fault spec: ${name} rate must be a number in [0, 1], got ${JSON.stringify(value)}`);
  return n;
}

function nonNegative(value: unknown, name: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new Error(`fault spec: ${name} must be a non-negative number, got ${JSON.stringify(value)}`);
  return n;
}

function paths(value: string, name: string): string[] {
  const list = value.split('|').map((p) => p.trim()).filter(Boolean);
  for (const p of list) if (!p.startsWith('/')) throw new Error(`fault spec: ${name} path must start with "/", got ${JSON.stringify(p)}`);
  if (list.length === 0) throw new Error(`fault spec: ${name} needs at least one path`);
  return list;
}

/** Parse the compact SPEC string (grammar in the file comment). Throws with the offending item named. */
export function parseFaultSpec(spec: string): FaultConfig {
  const out: FaultConfig = {};
  for (const raw of spec.split(',')) {
    const item = raw.trim();
    if (!item) continue;
    const eq = item.indexOf('=');
    if (eq <= 0) throw new Error(`fault spec: item ${JSON.stringify(item)} is not key=value`);
    const key = item.slice(0, eq).trim().toLowerCase();
    const value = item.slice(eq + 1).trim();
    const [a = '', b] = value.split(':');
    switch (key) {
      case '429':
        out.rate429 = rate(a, '429');
        if (b !== undefined) out.retryAfterSeconds = nonNegative(b, '429 Retry-After');
        break;
      case '5xx': {
        out.rate5xx = rate(a, '5xx');
        if (b !== undefined) {
          const status = Number(b);
          if (![500, 502, 503, 504].includes(status)) throw new Error(`fault spec: 5xx status must be 500, 502, 503 or 504, got ${b}`);
          out.status5xx = status as FaultConfig['status5xx'];
        }
        break;
      }
      case 'stall':
        out.stallRate = rate(a, 'stall');
        if (b === undefined) throw new Error('fault spec: stall needs rate:ms, e.g. stall=0.01:40000');
        out.stallMs = nonNegative(b, 'stall ms');
        break;
      case 'latency':
        out.latencyMs = nonNegative(a, 'latency');
        if (b !== undefined) out.jitterMs = nonNegative(b, 'jitter');
        break;
      case '403':
      case 'forbidden':
        out.forbidden = [...(out.forbidden ?? []), ...paths(value, '403')];
        break;
      case 'malformed':
        out.malformed = [...(out.malformed ?? []), ...paths(value, 'malformed')];
        break;
      case '429once':
        out.throttleOnce = [...(out.throttleOnce ?? []), ...paths(value, '429once')];
        break;
      case 'schema':
      case 'schemaviolation':
        out.schemaViolation = [...(out.schemaViolation ?? []), ...paths(value, 'schema')];
        break;
      case 'token':
        if (value === 'refuse' || value === '400') out.tokenRefuse = 400;
        else if (value === '500') out.tokenRefuse = 500;
        else if (value === 'ok' || value === 'off') out.tokenRefuse = false;
        else throw new Error(`fault spec: token must be refuse, 400 or 500, got ${JSON.stringify(value)}`);
        break;
      case 'dns':
        if (!(DNS_FAULTS as readonly string[]).includes(value.toLowerCase())) throw new Error(`fault spec: dns must be ${DNS_FAULTS.join(', ')}, got ${JSON.stringify(value)}`);
        out.dns = value.toLowerCase() as DnsFault;
        break;
      case 'seed':
        if (!/^\d+$/.test(value)) throw new Error(`fault spec: seed must be an integer, got ${JSON.stringify(value)}`);
        out.seed = Number(value);
        break;
      default:
        throw new Error(`fault spec: unknown item ${JSON.stringify(key)} (known: 429, 5xx, stall, latency, 403, malformed, schema, token, dns, seed)`);
    }
  }
  return out;
}

/** Does an API path (no query) fall under a pattern? Prefix by segments; "*" or "{x}" match one segment. */
export function pathMatches(pattern: string, path: string): boolean {
  const strip = (p: string) => p.replace(/^\/v1\.0(?=\/)/i, '').split('?')[0]!.split('/').filter(Boolean);
  const pat = strip(pattern);
  const segs = strip(path);
  if (pat.length > segs.length) return false;
  return pat.every((p, i) => p === '*' || /^\{[^}]*\}$/.test(p) || p.toLowerCase() === segs[i]!.toLowerCase());
}

export function matchesAny(patterns: readonly string[] | undefined, path: string): boolean {
  return (patterns ?? []).some((p) => pathMatches(p, path));
}

/**
 * Draws faults for one simulator. Occurrence counters are kept per (tenant, URL) only while a random fault is
 * configured, so a fault-free benchmark does not pay for them.
 */
export class FaultInjector {
  private readonly occurrences = new Map<string, number>();

  /** The n-th occurrence of this request key (0-based), counting it. */
  private occurrence(key: string): number {
    const n = this.occurrences.get(key) ?? 0;
    this.occurrences.set(key, n + 1);
    return n;
  }

  /** Latency to add before answering. */
  latency(f: FaultConfig, key: string): number {
    const base = f.latencyMs ?? 0;
    const jitter = f.jitterMs ?? 0;
    if (jitter <= 0) return base;
    return base + Math.floor(unitFloat(f.seed ?? 1, 'jitter', key, this.occurrence(`latency ${key}`)) * jitter);
  }

  /**
   * Decide what happens to a request. `key` identifies the request (tenant + method + URL); `path` is the API path
   * for the path-based faults. Order: stall, 429, 5xx, then 403 (permission) faults.
   */
  decide(f: FaultConfig, key: string, path: string, opts: { allowStall: boolean } = { allowStall: true }): FaultDecision {
    if (matchesAny(f.throttleOnce, path) && this.occurrence(`once ${key}`) === 0) {
      return { kind: '429', retryAfterSeconds: f.retryAfterSeconds ?? 1 };
    }
    const random = (f.rate429 ?? 0) > 0 || (f.rate5xx ?? 0) > 0 || (opts.allowStall && (f.stallRate ?? 0) > 0);
    if (random) {
      const n = this.occurrence(key);
      const seed = f.seed ?? 1;
      if (opts.allowStall && (f.stallRate ?? 0) > 0 && unitFloat(seed, 'stall', key, n) < f.stallRate!) {
        return { kind: 'stall', ms: f.stallMs ?? 60_000 };
      }
      if ((f.rate429 ?? 0) > 0 && unitFloat(seed, '429', key, n) < f.rate429!) {
        return { kind: '429', retryAfterSeconds: f.retryAfterSeconds ?? 1 };
      }
      if ((f.rate5xx ?? 0) > 0 && unitFloat(seed, '5xx', key, n) < f.rate5xx!) {
        return { kind: '5xx', status: f.status5xx ?? (hash32(seed, 'status', key, n) % 2 === 0 ? 503 : 500) };
      }
    }
    if (matchesAny(f.forbidden, path)) return { kind: '403' };
    return { kind: 'none' };
  }

  reset(): void {
    this.occurrences.clear();
  }
}

/**
 * Faults of a vendor account shared by several tenants (one RMM instance or account for all): path lists united,
 * rates at their highest — a request that names no tenant meets every tenant's faults.
 */
export function unionFaults(views: ReadonlyArray<{ faults: FaultConfig }>): FaultConfig {
  const out: FaultConfig = {};
  const max = (a: number | undefined, b: number | undefined) => (a === undefined ? b : b === undefined ? a : Math.max(a, b));
  for (const v of views) {
    const f = v.faults;
    out.seed ??= f.seed;
    out.rate429 = max(out.rate429, f.rate429);
    out.retryAfterSeconds = max(out.retryAfterSeconds, f.retryAfterSeconds);
    out.rate5xx = max(out.rate5xx, f.rate5xx);
    out.status5xx ??= f.status5xx;
    out.stallRate = max(out.stallRate, f.stallRate);
    out.stallMs = max(out.stallMs, f.stallMs);
    for (const k of ['forbidden', 'malformed', 'schemaViolation', 'throttleOnce'] as const) if (f[k]?.length) out[k] = [...(out[k] ?? []), ...f[k]!];
    if (f.tokenRefuse) out.tokenRefuse ??= f.tokenRefuse;
  }
  return out;
}
