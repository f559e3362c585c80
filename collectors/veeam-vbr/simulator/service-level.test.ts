/**
 * The backup service level in the simulated estate and the VBR simulator: never-backed-up workloads, freshness within
 * 72 h, the 30-day session history (real collector over TLS), and the profiles keeping their intended level.
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { veeamVbrPlugin } from '../index.js';
import { collectorAbortController, type CollectorContext, type CollectorResult } from '../../../src/collector-kit/plugin.js';
import { Estate, NO_ESTATE, type EstateKnobs } from '../../../src/simulator/estate.js';
import { ESTATE_PROFILES } from '../../../src/simulator/estate-profiles.js';
import { SIMULATORS } from '../../index.js';
import { startSimulator, type Simulator, type TenantSpec } from '../../../src/simulator/index.js';
import { hash32 } from '../../../src/simulator/prng.js';
import { vbrImmutabilityTruth, vbrServer, vbrSessionTruth, vbrVerificationTruth } from './model.js';

const NOW = new Date('2026-11-25T12:00:00Z');
const estateOf = (knobs: Partial<EstateKnobs>, seed = 7) =>
  new Estate(seed, { ...NO_ESTATE, endpoints: 50, serverPct: 20, backupCoveragePct: 100, oldestSuccessHours: 30, ...knobs }, NOW, 'contoso.local');

describe('estate: never-backed-up workloads and freshness', () => {
  it('one never-backed-up workload among 10 → neverSucceeded 1, stale, freshPct ≤ 90', () => {
    const estate = estateOf({ backupSuccessPct: 90, backupNeverSucceeded: 1, backupRunSuccessPct: 100 });
    const objects = estate.backupObjects();
    expect(objects).toHaveLength(10);
    expect(objects.filter((o) => o.lastSuccess === null)).toHaveLength(1);
    const t = estate.truth()['backup.protection'];
    expect(t).toMatchObject({ protected: 10, succeeded24h: 9, neverSucceeded: 1, oldestSuccessHours: null });
    expect(t.staleOver72h).toBeGreaterThanOrEqual(1);
    expect(t.freshPct!).toBeLessThanOrEqual(90);
  });

  it('the knob takes from the workloads that did not succeed, and never raises freshPct', () => {
    let last = 101;
    for (const never of [0, 1, 2, 3]) {
      const t = estateOf({ backupSuccessPct: 70, backupNeverSucceeded: never, oldestSuccessHours: 60 }).truth()['backup.protection'];
      expect(t.succeeded24h).toBe(7);
      expect(t.neverSucceeded).toBe(never);
      expect(t.freshPct!).toBeLessThanOrEqual(last);
      last = t.freshPct!;
    }
    // More than can fail: capped at the workloads that did not succeed.
    expect(estateOf({ backupSuccessPct: 70, backupNeverSucceeded: 99 }).truth()['backup.protection'].neverSucceeded).toBe(3);
  });

  it('a stalest workload at 80 h is stale', () => {
    const t = estateOf({ backupSuccessPct: 90, oldestSuccessHours: 80 }).truth()['backup.protection'];
    expect(t).toMatchObject({ fresh72h: 9, staleOver72h: 1, freshPct: 90, oldestSuccessHours: 80 });
  });
});

describe('profiles keep their intended backup level', () => {
  const truthOf = (profile: keyof typeof ESTATE_PROFILES) => {
    const estate = new Estate(hash32('profile-test', profile), ESTATE_PROFILES[profile], NOW, 'contoso.local');
    return { t: estate.truth()['backup.protection'], sessions: vbrSessionTruth(vbrServer(estate, hash32(profile))) };
  };

  it('level4/level5: freshPct 100 and successRate30d ≥ 99 (the target and the VBR sessions served)', () => {
    for (const p of ['level3', 'level4', 'level5'] as const) {
      const { t, sessions } = truthOf(p);
      expect(t.freshPct).toBe(100);
      expect(t.staleOver72h).toBe(0);
      expect(t.neverSucceeded).toBe(0);
      if (p !== 'level3') {
        expect(t.successRate30d!).toBeGreaterThanOrEqual(99);
        expect(sessions.successRate30d!).toBeGreaterThanOrEqual(99);
        expect(sessions.runs30d).toBeGreaterThanOrEqual(100);
      }
    }
  });

  it('automated recovery verification: level3/4/5 within 7–30 days, level1/level2 never', () => {
    for (const p of ['level3', 'level4', 'level5'] as const) {
      const v = vbrVerificationTruth(new Estate(hash32('profile-test', p), ESTATE_PROFILES[p], NOW, 'contoso.local'));
      expect(v.verifiedDaysAgo!).toBeGreaterThanOrEqual(7);
      expect(v.verifiedDaysAgo!).toBeLessThanOrEqual(30);
      expect(v.verifications90d).toBeGreaterThanOrEqual(8);
      expect(v.via).toBe('Veeam SureBackup');
    }
    for (const p of ['level1', 'level2'] as const) {
      const v = vbrVerificationTruth(new Estate(hash32('profile-test', p), ESTATE_PROFILES[p], NOW, 'contoso.local'));
      expect(v).toEqual({ lastVerifiedAt: null, verifiedDaysAgo: null, verifications90d: 0, failed90d: 0, via: 'Veeam SureBackup' });
    }
  });

  it('immutable backup storage: none at level1/level2, 7 days at level3, at least 14 days at level4/level5', () => {
    const truth = (p: keyof typeof ESTATE_PROFILES) => {
      const estate = new Estate(hash32('profile-test', p), ESTATE_PROFILES[p], NOW, 'contoso.local');
      return vbrImmutabilityTruth(vbrServer(estate, hash32('profile-test', p)));
    };
    for (const p of ['level1', 'level2'] as const) expect(truth(p)).toMatchObject({ immutable: 0, minImmutableDays: 0 });
    expect(truth('level3')).toMatchObject({ immutable: 1, minImmutableDays: 7 });
    expect(truth('level4')).toMatchObject({ immutable: 1, minImmutableDays: 21 });
    expect(truth('level5')).toMatchObject({ immutable: 1, minImmutableDays: 30 });
    // VBR's default repository (the template job's) is always among the counted ones, and always mutable.
    for (const p of ['level1', 'level3', 'level5'] as const) expect(truth(p).repositories).toBe(2);
  });

  it('level1/level2: stale workloads and a poor run success share', () => {
    for (const p of ['level1', 'level2'] as const) {
      const { t, sessions } = truthOf(p);
      expect(t.freshPct!).toBeLessThan(95);
      expect(t.staleOver72h).toBeGreaterThan(0);
      expect(sessions.successRate30d!).toBeLessThan(95);
    }
  });
});

describe('estate: automated recovery verification runs', () => {
  it('are deterministic, weekly, newest first; the newest success is backupVerifiedDaysAgo whole days old, later ones failed', () => {
    for (const days of [0, 7, 12, 24, 95]) {
      const a = estateOf({ backupVerifiedDaysAgo: days }, 5);
      const runs = a.verificationRuns();
      expect(runs).toEqual(estateOf({ backupVerifiedDaysAgo: days }, 5).verificationRuns());
      const newestOk = runs.findIndex((r) => r.result !== 'Failed');
      expect(runs.slice(0, newestOk).every((r) => r.result === 'Failed')).toBe(true);
      expect(Math.floor((NOW.getTime() - runs[newestOk]!.end.getTime()) / 86_400_000)).toBe(days);
      expect(runs.every((r, i) => i === 0 || r.end < runs[i - 1]!.end)).toBe(true);
      expect(runs.every((r) => r.start < r.end && r.end.getTime() < NOW.getTime() && r.end.getTime() > NOW.getTime() - 180 * 86_400_000)).toBe(true);
      expect(a.truth()['backup.verification']).toMatchObject({ verifiedDaysAgo: days, lastVerifiedAt: runs[newestOk]!.end.toISOString() });
    }
    expect(estateOf({ backupVerifiedDaysAgo: null }).verificationRuns()).toEqual([]);
  });
});

describe('VBR session history', () => {
  it('is deterministic and realises the target share to within one run; newest session per job = its lastResult', () => {
    const a = vbrServer(estateOf({ endpoints: 400, backupSuccessPct: 95, backupRunSuccessPct: 90 }, 11), 3);
    const b = vbrServer(estateOf({ endpoints: 400, backupSuccessPct: 95, backupRunSuccessPct: 90 }, 11), 3);
    expect(a.sessions).toEqual(b.sessions);
    const { runs30d, successRate30d } = vbrSessionTruth(a);
    expect(Math.abs(successRate30d! - 90)).toBeLessThanOrEqual(100 / runs30d + 0.05);
    a.jobs.forEach((job, j) => {
      const newest = a.sessions.filter((s) => s.job === j && s.day === 0);
      if (job.disabled || job.lastRunMs === null) return expect(newest).toHaveLength(0);
      expect(newest).toHaveLength(1);
      expect(newest[0]!.result).toBe(job.failed ? 'Failed' : job.warning ? 'Warning' : 'Success');
    });
    expect(a.sessions.every((s) => s.createdMs > NOW.getTime() - 30 * 86_400_000 && s.createdMs <= NOW.getTime())).toBe(true);
  });
});

// Seeds: contoso → VBR 13.0.1 (1.3-rev1), fabrikam → 12.0 (1.1-rev0), northwind → 12.3.1 (1.2-rev1).
const TENANTS: TenantSpec[] = [
  // contoso: SureBackup last succeeded 95 days ago (weekly failures since), beyond the 90-day window.
  { id: 'contoso', name: 'Contoso', seed: 'contoso', profile: 'level2', backup: 'veeam-vbr', estate: { endpoints: 900, serverPct: 40, backupNeverSucceeded: 2, backupVerifiedDaysAgo: 95 } },
  { id: 'fabrikam', name: 'Fabrikam', seed: 'fabrikam', profile: 'level1', backup: 'veeam-vbr', estate: { endpoints: 600, serverPct: 40 } },
  { id: 'northwind', name: 'Northwind', seed: 'northwind', profile: 'level4', backup: 'veeam-vbr', estate: { endpoints: 600, serverPct: 40 } },
];

describe('VBR simulator + real collector: service level over TLS', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ vendors: SIMULATORS, certDir: process.env.RATCHET_TEST_CA_DIR, now: NOW, tenants: TENANTS });
  });
  afterAll(async () => {
    await sim?.close();
  });

  const ctx = (tenantId: string): CollectorContext => ({ tenantId, logger: pino({ level: 'silent' }), signal: collectorAbortController().signal, now: () => NOW });
  async function collect(tenantId: string): Promise<CollectorResult> {
    const v = sim.vendorSections(tenantId).find((s) => s.kind === 'backup')!;
    return veeamVbrPlugin.collect(veeamVbrPlugin.configSchema.parse({ ...v.section, ...v.secrets }), ctx(tenantId));
  }

  it('freshness, never-succeeded and successRate30d equal the estate and session truth on every revision', async () => {
    for (const t of TENANTS) {
      const result = await collect(t.id!);
      expect(result.status).toBe('ok');
      const v = result.evidence[0]!.value as Record<string, unknown>;
      const estate = sim.estate(t.id!)!;
      const truth = estate.truth()['backup.protection'];
      const sessions = vbrSessionTruth(vbrServer(estate, hash32(t.id!)));
      expect(v).toMatchObject({
        protected: truth.protected,
        succeeded24h: truth.succeeded24h,
        neverSucceeded: truth.neverSucceeded,
        fresh72h: truth.fresh72h,
        freshPct: truth.freshPct,
        staleOver72h: truth.staleOver72h,
        successRate30d: sessions.successRate30d,
        runs30d: sessions.runs30d,
      });
      expect(v.unknownReasons).toBeUndefined();
    }
    const contoso = (await collect('contoso')).evidence[0]!.value as Record<string, unknown>;
    expect(contoso.neverSucceeded).toBe(2);
    expect(contoso.oldestSuccessHours).toBeNull();
  });

  it('backup.verification equals the estate truth: SureBackup sessions on 1.2+/1.3, unavailable on 1.1-rev0 (VBR 12.0)', async () => {
    for (const t of TENANTS) {
      const result = await collect(t.id!);
      const e = result.evidence.find((x) => x.key === 'backup.verification')!;
      const server = vbrServer(sim.estate(t.id!)!, hash32(t.id!));
      if (server.newest === '1.1-rev0') {
        expect(e).toMatchObject({ status: 'unavailable', reasonCode: 'not_configured', value: null });
        continue;
      }
      expect(e.status).toBe('ok');
      expect(e.value).toEqual(vbrVerificationTruth(sim.estate(t.id!)!));
    }
    const northwind = (await collect('northwind')).evidence.find((x) => x.key === 'backup.verification')!.value!;
    expect(northwind).toMatchObject({ verifiedDaysAgo: 12, via: 'Veeam SureBackup' }); // level4
    const contoso = (await collect('contoso')).evidence.find((x) => x.key === 'backup.verification')!.value!;
    expect(contoso).toMatchObject({ verifiedDaysAgo: 95, verifications90d: 0 });
    expect(contoso.failed90d).toBeGreaterThanOrEqual(12);
  });

  it('a 403 on sessions keeps the evidence ok with an unknownReasons entry', async () => {
    sim.setFaults({ forbidden: ['/veeam-vbr/api/v1/sessions'] }, 'northwind');
    try {
      const result = await collect('northwind');
      expect(result.status).toBe('ok');
      const e = result.evidence[0]!;
      expect(e.status).toBe('ok');
      const v = e.value as Record<string, unknown>;
      expect(v.successRate30d).toBeNull();
      expect(v.runs30d).toBeNull();
      expect((v.unknownReasons as Record<string, string>).successRate30d).toMatch(/permission_missing.*403/);
      expect(v.freshPct).toBe(100);
      expect(result.evidence[1]).toMatchObject({ key: 'backup.verification', status: 'unavailable', reasonCode: 'permission_missing', value: null });
    } finally {
      sim.setFaults({}, 'northwind');
    }
  });
});
