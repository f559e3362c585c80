import { describe, expect, it } from 'vitest';
import { OFFENDER_CAP } from '../../src/domain/evidence.js';
import { OBJECT_NAMES_CAP, ProtectionTally, UNNAMED_WORKLOAD, judgeWorkload, workloadName } from './protection.js';
import { resourceStatus, type ResourceStatus } from './schema.js';

const NOW = new Date('2024-06-01T00:00:00Z');
let seq = 0;

/** A resource-status item in the documented shape, parsed by the real schema. */
function item(opts: { name?: string | null; status?: string; running?: string; tenant?: string; policies?: Array<Record<string, unknown>>; userName?: string } = {}): ResourceStatus {
  seq += 1;
  return resourceStatus.parse({
    aggregate: opts.status === undefined ? undefined : { status: opts.status, ...(opts.running ? { running: { state: opts.running } } : {}) },
    context: {
      id: `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`,
      name: opts.name === undefined ? `HOST-${seq}` : opts.name,
      user_defined_name: opts.userName,
      tenant_id: opts.tenant ?? '17',
      type: 'resource.machine',
    },
    policies: opts.policies,
  });
}

const backup = (lastRun: string | null, lastSuccess: string | null) => ({ type: 'policy.backup.machine', last_run: lastRun, last_success_run: lastSuccess });

function tally(items: ResourceStatus[], customerTenantId?: string) {
  const t = new ProtectionTally({ now: NOW, customerTenantId, resourceTypes: ['resource.machine'] });
  for (const i of items) t.add(i);
  return t.value();
}

describe('judgeWorkload', () => {
  it('needs a backup policy and no not_protected verdict to count as protected', () => {
    expect(judgeWorkload(item({ status: 'not_protected' })).protected).toBe(false);
    expect(judgeWorkload(item({ status: 'not_protected', policies: [backup('2024-05-31T00:00:00Z', '2024-05-31T00:00:00Z')] })).protected).toBe(false);
    expect(judgeWorkload(item({ status: 'idle', policies: [{ type: 'policy.protection.total', last_run: '2024-05-31T00:00:00Z' }] })).protected).toBe(false);
    expect(judgeWorkload(item({ status: 'idle', policies: [backup(null, null)] })).protected).toBe(true);
    // No aggregate at all (it is optional in the OpenAPI): the backup policy decides.
    expect(judgeWorkload(item({ policies: [backup('2024-05-31T00:00:00Z', '2024-05-31T00:00:00Z')] })).protected).toBe(true);
  });

  it('flags a last run newer than the last success, and a run that never succeeded', () => {
    expect(judgeWorkload(item({ status: 'error', policies: [backup('2024-05-31T23:00:00Z', '2024-05-31T01:00:00Z')] })).lastRunFailed).toBe(true);
    expect(judgeWorkload(item({ status: 'error', policies: [backup('2024-05-31T23:00:00Z', null)] })).lastRunFailed).toBe(true);
    expect(judgeWorkload(item({ status: 'idle', policies: [backup('2024-05-31T23:00:00Z', '2024-05-31T23:00:00Z')] })).lastRunFailed).toBe(false);
    // Same instant written with an offset.
    expect(judgeWorkload(item({ status: 'idle', policies: [backup('2024-05-31T23:00:00Z', '2024-06-01T01:00:00+02:00')] })).lastRunFailed).toBe(false);
  });

  it('does not call a run in progress a failure', () => {
    expect(judgeWorkload(item({ status: 'running', policies: [backup('2024-05-31T23:30:00Z', '2024-05-31T20:00:00Z')] })).lastRunFailed).toBe(false);
    expect(judgeWorkload(item({ status: 'warning', running: 'running', policies: [backup('2024-05-31T23:30:00Z', '2024-05-31T20:00:00Z')] })).lastRunFailed).toBe(false);
    expect(judgeWorkload(item({ status: 'cancelling', running: 'cancelling', policies: [backup('2024-05-31T23:30:00Z', '2024-05-31T20:00:00Z')] })).lastRunFailed).toBe(true);
  });

  it('takes the newest success over several plans, and any failing plan as a failed last run', () => {
    const v = judgeWorkload(
      item({ status: 'error', policies: [backup('2024-05-31T22:00:00Z', '2024-05-31T22:00:00Z'), backup('2024-05-31T23:00:00Z', '2024-05-25T23:00:00Z')] }),
    );
    expect(new Date(v.lastSuccessMs!).toISOString()).toBe('2024-05-31T22:00:00.000Z');
    expect(v.lastRunFailed).toBe(true);
  });

  it('accepts the OpenAPI spelling last_run_time / last_success_run_time', () => {
    const v = judgeWorkload(item({ status: 'idle', policies: [{ type: 'policy.backup.machine', last_run_time: '2024-05-31T12:00:00Z', last_success_run_time: '2024-05-31T12:00:00Z' }] }));
    expect(new Date(v.lastSuccessMs!).toISOString()).toBe('2024-05-31T12:00:00.000Z');
    expect(v.lastRunFailed).toBe(false);
  });
});

describe('ProtectionTally', () => {
  it('applies the 24 h window at the boundary, converting offsets first', () => {
    const v = tally([
      item({ name: 'EXACT-24H', status: 'idle', policies: [backup('2024-05-31T00:00:00Z', '2024-05-31T00:00:00Z')] }),
      // 01:00+02:00 on 31 May is 23:00Z on 30 May: 25 h old, outside the window (23 h if the offset were ignored).
      item({ name: 'OFFSET-25H', status: 'idle', policies: [backup('2024-05-31T01:00:00+02:00', '2024-05-31T01:00:00+02:00')] }),
      item({ name: 'JUST-OUTSIDE', status: 'idle', policies: [backup('2024-05-30T23:59:59Z', '2024-05-30T23:59:59Z')] }),
    ]);
    expect(v.succeeded24h).toBe(1);
    expect(v.failing).toEqual(['OFFSET-25H', 'JUST-OUTSIDE']);
    expect(v.oldestSuccessHours).toBe(25);
    expect(v.pct).toBe(33.3);
  });

  it('counts a success stamped in the future (clock skew) as fresh, 0 h old', () => {
    const v = tally([item({ status: 'idle', policies: [backup('2024-06-01T00:10:00Z', '2024-06-01T00:10:00Z')] })]);
    expect(v.succeeded24h).toBe(1);
    expect(v.oldestSuccessHours).toBe(0);
    expect(v.failingTotal).toBe(0);
  });

  it('lists a fresh success whose latest run failed as failing, but still succeeded within 24 h', () => {
    const v = tally([item({ name: 'FLAKY', status: 'error', policies: [backup('2024-05-31T23:00:00Z', '2024-05-31T22:00:00Z')] })]);
    expect(v.succeeded24h).toBe(1);
    expect(v.failing).toEqual(['FLAKY']);
    expect(v.lastRunFailed).toBe(1);
  });

  it('gives null pct and null oldest age when nothing is protected', () => {
    const v = tally([item({ name: 'BARE', status: 'not_protected' })]);
    expect(v).toMatchObject({ protected: 0, succeeded24h: 0, pct: null, oldestSuccessHours: null, workloads: 1, unprotected: ['BARE'], unprotectedTotal: 1, objectNames: [] });
  });

  it('excludes another tenant only when both ids are UUIDs', () => {
    const mine = '5b15f6e1-88ec-4dce-b523-0e8394c0bc19';
    const v = tally(
      [
        item({ name: 'MINE', tenant: mine.toUpperCase(), status: 'idle', policies: [backup('2024-05-31T22:00:00Z', '2024-05-31T22:00:00Z')] }),
        item({ name: 'THEIRS', tenant: 'c70134c4-a244-4b22-99ad-e081301f7530', status: 'idle', policies: [backup(null, null)] }),
        item({ name: 'LEGACY', tenant: '17', status: 'idle', policies: [backup('2024-05-31T22:00:00Z', '2024-05-31T22:00:00Z')] }),
      ],
      mine,
    );
    expect(v.objectNames).toEqual(['MINE', 'LEGACY']);
    expect(v.excludedOtherTenant).toBe(1);
    expect(v.workloads).toBe(2);
    // Without a configured customer, nothing is excluded.
    expect(tally([item({ tenant: 'c70134c4-a244-4b22-99ad-e081301f7530', status: 'idle', policies: [backup(null, null)] })]).excludedOtherTenant).toBe(0);
  });

  it('caps the offender list at 1,000 and host names at 10,000 with the true counts beside them', () => {
    const t = new ProtectionTally({ now: NOW, resourceTypes: ['resource.machine'] });
    const stale = item({ name: 'STALE', status: 'idle', policies: [backup('2024-05-01T00:00:00Z', '2024-05-01T00:00:00Z')] });
    for (let i = 0; i < OBJECT_NAMES_CAP + 5; i += 1) t.add(stale);
    const v = t.value();
    expect(v.failing).toHaveLength(OFFENDER_CAP);
    expect(v.failingTotal).toBe(OBJECT_NAMES_CAP + 5);
    expect(v.objectNames).toHaveLength(OBJECT_NAMES_CAP);
    expect(v.objectNamesTotal).toBe(OBJECT_NAMES_CAP + 5);
    expect(v.oldestSuccessHours).toBe(744);
  });

  it('names a workload by host name, then user-defined name, then id', () => {
    expect(workloadName(item({ name: 'SRV-A', userName: 'Pretty name' }))).toBe('SRV-A');
    expect(workloadName(item({ name: '  ', userName: 'Pretty name' }))).toBe('Pretty name');
    const anonymous = item({ name: null });
    expect(workloadName(anonymous)).toBe(anonymous.context.id);
    // The OpenAPI `Resource` makes `id` optional: the item still parses, and is still named and counted.
    const noId = resourceStatus.parse({ context: { name: '', external_id: 'abc@17', type: 'resource.machine' } });
    expect(workloadName(noId)).toBe('abc@17');
    expect(workloadName(resourceStatus.parse({ context: { type: 'resource.machine' } }))).toBe(UNNAMED_WORKLOAD);
  });
});

describe('backup service level (freshness, never succeeded, success rate)', () => {
  const hoursAgo = (h: number) => new Date(NOW.getTime() - h * 3_600_000).toISOString();
  const machine = (h: number | null) =>
    item({ status: h === null ? 'critical' : 'idle', policies: [backup(h === null ? hoursAgo(2) : hoursAgo(h), h === null ? null : hoursAgo(h))] });

  it('one never-backed-up workload among 10 → neverSucceeded 1, stale, freshPct ≤ 90', () => {
    const v = tally([1, 2, 3, 4, 5, 6, 7, 8, 9, null].map(machine));
    expect(v).toMatchObject({ protected: 10, neverSucceeded: 1, fresh72h: 9, freshPct: 90, staleOver72h: 1, succeeded24h: 9, oldestSuccessHours: null });
    expect(v.staleOver72h).toBeGreaterThanOrEqual(1);
    expect(v.freshPct!).toBeLessThanOrEqual(90);
  });

  it('adding a never-backed-up workload never raises freshPct', () => {
    for (const base of [[1, 2, 3], [1, 80, 200], [100]]) {
      const before = tally(base.map(machine));
      const after = tally([...base, null].map(machine));
      expect(after.freshPct!).toBeLessThanOrEqual(before.freshPct!);
      expect(after.staleOver72h).toBe(before.staleOver72h + 1);
    }
  });

  it('a workload last good 80 h ago is stale; 72 h is still fresh', () => {
    expect(tally([80, 72, 1].map(machine))).toMatchObject({ fresh72h: 2, staleOver72h: 1, freshPct: 66.7, oldestSuccessHours: 80 });
  });

  it('successRate30d is not applicable, with the reason and the alternative evidence named', () => {
    const v = tally([machine(1)]);
    expect(v.successRate30d).toBeNull();
    expect(v.runs30d).toBeNull();
    expect(v.notApplicable?.successRate30d).toMatch(/backup service level rests on freshness and 24 h success instead$/);
    expect(v.unknownReasons).toBeUndefined();
  });
});
