/**
 * The portfolio of the worker-fleet benchmark (bench/portfolio.ts, issue 12 item 6) and the arithmetic of its lower
 * bound. Kept apart from the orchestration so the bound's derivation reads in one place.
 *
 * Portfolio: every tenant has all three sources — Microsoft 365 (its own directory; Graph's limits that can bind
 * are per app per tenant, and the global 130,000 requests per 10 s per app is far above what a portfolio asks), an RMM (NinjaOne and Datto RMM alternating) and a backup product (Veeam VBR and Acronis
 * alternating in pairs) — and the vendor accounts are shared as an MSP's are: ONE NinjaOne instance and API client
 * for every NinjaOne tenant (an organisation each), ONE Datto RMM account (a site each), ONE Acronis partner API
 * client (a customer tenant each); a VBR server is the client's own (one per tenant). The simulator models exactly
 * that (collectors/<id>/simulator/), and configFor() writes the same base URL, client id and secret into every
 * tenant's section of a shared account.
 */
import type { TenantSpec } from '../../src/app/simulator.js';
import { scheduleOf } from '../../src/collector-kit/rate-gate.js';
import type { SimulatorStats } from '../../src/simulator/server.js';
import { PROFILE_NAMES } from '../../src/simulator/index.js';
import { GRAPH_PACING } from '../../collectors/m365/endpoints.js';
import { PACING as DATTO_PACING } from '../../collectors/datto-rmm/endpoints.js';
import { PACING as ACRONIS_PACING } from '../../collectors/acronis/endpoints.js';
import { PACING as VBR_PACING } from '../../collectors/veeam-vbr/endpoints.js';
import { PACING as NINJA_PACING } from '../../collectors/ninjaone/http.js';

export interface PortfolioSize {
  tenants: number;
  users: number;
  /** Intune devices in the directory and RMM-managed endpoints in the estate. */
  devices: number;
}

export function portfolioTenants(size: PortfolioSize): TenantSpec[] {
  // level5 is a showcase profile; the others spread the portfolio over the levels an MSP sees.
  const profiles = PROFILE_NAMES.filter((p) => p !== 'level5');
  return Array.from({ length: size.tenants }, (_, i) => {
    const id = `p${String(i + 1).padStart(4, '0')}`;
    return {
      id,
      name: `Portfolio ${id}`,
      profile: profiles[i % profiles.length]!,
      seed: id,
      knobs: { users: size.users, devices: size.devices },
      rmm: i % 2 === 0 ? 'ninjaone' : 'datto-rmm',
      backup: i % 4 < 2 ? 'veeam-vbr' : 'acronis',
      estate: { endpoints: size.devices },
    };
  });
}

/** A request budget: `limit` requests per `intervalMs`. */
export interface Rate {
  limit: number;
  intervalMs: number;
}

/**
 * One vendor account every tenant of that vendor shares, with the limit the vendor documents (null: none
 * published, /work/shared/reference/vendor-apis.md) and the budget Ratchet paces the account to by default (the
 * collector's PACING; the config's `rateLimit` overrides it).
 */
export interface SharedAccount {
  vendor: 'datto-rmm' | 'ninjaone' | 'acronis';
  /** Route labels of the simulator's stats that belong to this account (`METHOD /<vendor>/…`). */
  prefix: string;
  /** Token requests: the vendor does not count them against its limit (Datto: "API reads"). */
  tokenRoute: RegExp;
  /** Whether Ratchet's gate paces the token requests too (Datto's does not: they are not API reads). */
  gatePacesTokens: boolean;
  documented: Rate | null;
  documentedSource: string;
  ratchetBudget: Rate;
}

export const SHARED_ACCOUNTS: readonly SharedAccount[] = [
  {
    vendor: 'datto-rmm',
    prefix: '/datto-rmm/',
    tokenRoute: /\/auth\/oauth\/token$/,
    gatePacesTokens: false,
    documented: { limit: 600, intervalMs: 60_000 },
    documentedSource: 'Datto RMM: 600 reads per rolling 60 s, account-wide (vendor-apis.md §3)',
    ratchetBudget: DATTO_PACING,
  },
  {
    vendor: 'ninjaone',
    prefix: '/ninjaone/',
    tokenRoute: /\/oauth\/token$/,
    gatePacesTokens: true,
    documented: null,
    documentedSource: 'NinjaOne: none published (vendor-apis.md §2)',
    ratchetBudget: NINJA_PACING,
  },
  {
    vendor: 'acronis',
    prefix: '/acronis/',
    tokenRoute: /\/idp\/token$/,
    gatePacesTokens: true,
    documented: null,
    documentedSource: 'Acronis: none published (vendor-apis.md §6)',
    ratchetBudget: ACRONIS_PACING,
  },
];

/**
 * Which limits bind the shared accounts: `documented` — the vendors' own (the simulator enforces Datto's 600 per
 * 60 s) and Ratchet's default budgets; `off` — neither, so what is left is the fleet itself (round trips, CPU,
 * PostgreSQL): the simulator's Datto account limit is raised out of reach and every shared account's `rateLimit`
 * in the config with it. Per-tenant budgets (Graph per tenant, a VBR server's) stay: they bound one scan, not the
 * portfolio.
 */
export type VendorLimits = 'documented' | 'off';

const OUT_OF_REACH = { requests: 1_000_000, perSeconds: 1 } as const;

/** SimulatorOptions.accountRateLimits for `limits`. */
export function simulatorAccountLimits(limits: VendorLimits): Record<string, { requests: number; perSeconds: number }> | undefined {
  return limits === 'off' ? { 'datto-rmm': { ...OUT_OF_REACH } } : undefined;
}

/** The tenants' config sections with `rateLimit` out of reach on every shared account when `limits` is `off`. */
export function withVendorLimits<T extends { rmm?: Record<string, unknown>; backup?: Record<string, unknown> }>(tenants: readonly T[], limits: VendorLimits): T[] {
  if (limits === 'documented') return [...tenants];
  const shared = new Set<string>(SHARED_ACCOUNTS.map((a) => a.vendor));
  // A fresh object per section: one shared object would be written as a YAML alias per tenant, and the config
  // loader rightly refuses hundreds of aliases (resource-exhaustion guard).
  const lift = (section: Record<string, unknown> | undefined) => (section && shared.has(String(section.provider)) ? { ...section, rateLimit: { ...OUT_OF_REACH } } : section);
  return tenants.map((t) => ({ ...t, ...(t.rmm ? { rmm: lift(t.rmm) } : {}), ...(t.backup ? { backup: lift(t.backup) } : {}) }));
}

/** Per-tenant budgets Ratchet paces to (not shared between tenants, so they stretch each scan, not the portfolio). */
export const PER_TENANT_BUDGETS = { m365: GRAPH_PACING, 'veeam-vbr': VBR_PACING } as const;

export interface AccountCount {
  vendor: string;
  /** Every answered request to the account (tokens included), 429s excluded. */
  requests: number;
  /** Requests the vendor counts against its limit (Datto: reads, the token excluded), 429s excluded. */
  counted: number;
  /** 429 answers the account gave. */
  throttled: number;
}

/** The simulator's request counts for each shared account, from its per-route stats. */
export function accountCounts(stats: SimulatorStats): AccountCount[] {
  return SHARED_ACCOUNTS.map((a) => {
    let requests = 0;
    let counted = 0;
    let throttled = 0;
    for (const [route, byStatus] of Object.entries(stats.byRoute)) {
      const path = route.slice(route.indexOf(' ') + 1);
      if (!path.startsWith(a.prefix)) continue;
      for (const [status, n] of Object.entries(byStatus)) {
        if (status === '429') {
          throttled += n;
          continue;
        }
        requests += n;
        if (!a.tokenRoute.test(path)) counted += n;
      }
    }
    return { vendor: a.vendor, requests, counted, throttled };
  });
}

/** Requests to routes under `prefix` (429s excluded), e.g. every VBR server's. */
export function requestsUnder(stats: SimulatorStats, prefix: string): number {
  let n = 0;
  for (const [route, byStatus] of Object.entries(stats.byRoute)) {
    if (!route.slice(route.indexOf(' ') + 1).startsWith(prefix)) continue;
    for (const [status, c] of Object.entries(byStatus)) if (status !== '429') n += c;
  }
  return n;
}

/** The documented bound of `requests` at a vendor's limit: the "requests ÷ rate". */
const atRate = (requests: number, rate: Rate) => (requests * rate.intervalMs) / rate.limit / 1000;

/**
 * The shortest time Ratchet's rate gate lets `requests` through on one budget: a burst at once, then one per
 * emission interval (src/collector-kit/rate-gate.ts scheduleOf — the gate's own schedule, guard included).
 */
export function gateSeconds(requests: number, rate: Rate, vendor: string): number {
  const s = scheduleOf({ key: 'bench', vendor, limit: rate.limit, intervalMs: rate.intervalMs });
  return (Math.max(0, requests - s.burst) * s.emissionMs) / 1000;
}

/**
 * Sequential round trips of one tenant's scan that the protocols and the data force, whatever the client does: its
 * sources run side by side, so the longest chain counts (every tenant has all three, so it is the same for all).
 * Microsoft 365 as in bench/run.ts: OpenID metadata, token, the first `$batch`, then the longest chain of dependent
 * pages (registration rows by 999; device pages of 1,000 beside them). RMM: the token, then Datto's device pages of
 * 250 one after another (a next link each), or NinjaOne's listings (one page at these sizes) and the alert severity
 * look-up that depends on them. Backup: VBR's token, object page and the restore-point look-ups that depend on it;
 * Acronis's token and cursor pages of 200 workloads, which are fewer than the endpoints, so its chain is no longer.
 */
export function criticalPathRoundTrips(size: PortfolioSize): { m365: number; rmm: number; backup: number; longest: number } {
  const m365 = 3 + Math.max(Math.ceil(size.users / 999), Math.ceil(size.devices / 1000));
  const rmm = Math.max(1 + Math.ceil(size.devices / 250), 3);
  const backup = 3;
  return { m365, rmm, backup, longest: Math.max(m365, rmm, backup) };
}

export interface LowerBound {
  /** (a) per shared account: at the vendor's documented limit (null: none published) and through Ratchet's gate; none when off. */
  accounts: Array<{ vendor: string; documentedSeconds: number | null; budgetSeconds: number }>;
  /** (b) round trips: each tenant's critical path × tenants ÷ scan slots (workers × concurrency). */
  roundTripSeconds: number;
  /**
   * (b) with Ratchet's per-tenant budgets: a VBR tenant's scan lasts at least as long as its server's budget lets
   * its requests through (Graph's per-tenant budget is far from binding at a few requests a scan).
   */
  pacedPathSeconds: number;
  /** max((a) at the documented limits, (b)): the bound — what the vendors and the round trips impose. */
  documentedSeconds: number;
  /** max((a) through Ratchet's gate at its default budgets, (b) with per-tenant budgets): the best Ratchet's own pacing allows. */
  budgetSeconds: number;
}

export function lowerBound(opts: {
  size: PortfolioSize;
  counts: readonly AccountCount[];
  /** Tenants on a VBR server of their own, and the requests all of them got. */
  vbr: { tenants: number; requests: number };
  slots: number;
  latencyMs: number;
  limits: VendorLimits;
}): LowerBound {
  const accounts =
    opts.limits === 'off'
      ? []
      : SHARED_ACCOUNTS.map((a) => {
          const c = opts.counts.find((x) => x.vendor === a.vendor)!;
          return {
            vendor: a.vendor,
            documentedSeconds: a.documented ? atRate(c.counted, a.documented) : null,
            budgetSeconds: gateSeconds(a.gatePacesTokens ? c.requests : c.counted, a.ratchetBudget, a.vendor),
          };
        });
  const chain = (criticalPathRoundTrips(opts.size).longest * opts.latencyMs) / 1000;
  const roundTripSeconds = (opts.size.tenants * chain) / opts.slots;
  const vbrScan = opts.vbr.tenants > 0 ? gateSeconds(opts.vbr.requests / opts.vbr.tenants, PER_TENANT_BUDGETS['veeam-vbr'], 'veeam-vbr') : 0;
  const pacedPathSeconds = ((opts.size.tenants - opts.vbr.tenants) * chain + opts.vbr.tenants * Math.max(chain, vbrScan)) / opts.slots;
  return {
    accounts,
    roundTripSeconds,
    pacedPathSeconds,
    documentedSeconds: Math.max(roundTripSeconds, ...accounts.map((a) => a.documentedSeconds ?? 0)),
    budgetSeconds: Math.max(pacedPathSeconds, ...accounts.map((a) => a.budgetSeconds)),
  };
}
