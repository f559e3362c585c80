/**
 * Simulated history for the demo (issue 10): levels 4 and 5 read 90 and 180 days of at least weekly complete scans,
 * which a freshly started demo cannot have. This collects a tenant once — for real, from the simulator — and stores
 * that estate as weekly complete scans over the past `days` through the same scoring and storage path as any scan
 * (`finishScan`), so history, episodes and the history gates are exactly what a real tenant would build up.
 *
 * Never for real tenants: fabricated history is the one thing an MSP's level must never rest on. The CLI command
 * that reaches this refuses any tenant whose vendor endpoints are not on loopback (where only the simulator runs).
 */
import type { TenantConfig } from '../config/schema.js';
import type { Attestation, AttestationKind } from '../domain/attestation.js';
import { finishScan, type Collected, type ScanDeps } from './run-scan.js';
import { runCollectors } from './run-collectors.js';

const DAY = 86_400_000;

export interface SimulatedHistoryOptions {
  days: number;
  everyDays?: number;
  /** Attestations to record as a technician would have over that time (restore tests every 60 days, …). */
  attest?: readonly AttestationKind[];
}

/**
 * Why a tenant is not a simulator tenant, or null if it is: every source section must name its endpoints (a section
 * relying on the vendor's default cloud, like `cloud: global`, talks to the real vendor) and every URL must be on
 * loopback, where only the simulator runs.
 */
export function notSimulated(tenant: TenantConfig): string | null {
  for (const section of ['m365', 'rmm', 'backup'] as const) {
    const config: unknown = tenant[section];
    if (config === undefined) continue;
    const urls: string[] = [];
    const walk = (v: unknown): void => {
      if (typeof v === 'string' && /^https?:\/\//i.test(v)) urls.push(v);
      else if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') Object.values(v).forEach(walk);
    };
    walk(config);
    if (urls.length === 0) return `its ${section} section uses the vendor's default endpoints`;
    const remote = urls.find((u) => !['127.0.0.1', 'localhost', '[::1]'].includes(new URL(u).hostname));
    if (remote) return `${remote} is not on loopback`;
  }
  return null;
}

function simulatedAttestations(tenantId: string, kinds: readonly AttestationKind[], days: number, now: Date): Attestation[] {
  const out: Attestation[] = [];
  const at = (daysAgo: number) => new Date(now.getTime() - daysAgo * DAY).toISOString();
  const add = (kind: AttestationKind, daysAgo: number, validDays: number, note: string) =>
    out.push({
      id: `sim-${tenantId}-${kind}-${daysAgo}`,
      tenantId,
      kind,
      note: `${note} (simulated by ratchet demo)`,
      fileRef: null,
      author: 'ratchet demo',
      attestedAt: at(daysAgo),
      expiresAt: at(daysAgo - validDays),
      createdAt: now.toISOString(),
      revokedAt: null,
      revokedBy: null,
    });
  for (const kind of kinds) {
    if (kind === 'restore_test') for (let d = days + 7; d >= 0; d -= 60) add(kind, d, 90, 'quarterly restore test of the file server');
    else add(kind, Math.min(days + 7, 300), 365, kind.replace(/_/g, ' '));
  }
  return out;
}

/** Stores weekly simulated scans over the past `days`; returns how many. */
export async function simulateHistory(tenant: TenantConfig, deps: ScanDeps, opts: SimulatedHistoryOptions): Promise<number> {
  const now = (deps.now ?? (() => new Date()))();
  const every = opts.everyDays ?? 7;
  for (const a of simulatedAttestations(tenant.id, opts.attest ?? [], opts.days, now)) {
    if (!(await deps.store.getAttestation(a.id))) await deps.store.saveAttestation(a);
  }
  const collected = await runCollectors(tenant, deps.plugins, { logger: deps.logger, now: () => now, timeoutMs: deps.config.scan.collectorTimeoutSeconds * 1000 });
  let stored = 0;
  // Counted back from today so the newest simulated scan is `every` days old and the real scan that follows keeps
  // the cadence (a gap longer than a week would make the history too sparse to count).
  for (let k = Math.floor(opts.days / every); k >= 1; k--) {
    const at = new Date(now.getTime() - k * every * DAY);
    // The estate as collected today, dated `d` days back: a stable estate over the period.
    const shifted: Collected = { ...collected, evidence: collected.evidence.map((e) => ({ ...e, collectedAt: at.toISOString() })) };
    await finishScan(tenant, { ...deps, now: () => at, channelIds: [] }, shifted, at, false);
    stored += 1;
  }
  return stored;
}
