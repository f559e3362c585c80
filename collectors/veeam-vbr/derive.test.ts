import { describe, expect, it } from 'vitest';
import { resolveConfig } from './config.js';
import { JobTally } from './jobs.js';
import { ProtectionTally, objectFilter, objectName } from './protection.js';
import type { BackupObject, JobState } from './schema.js';

const NOW = Date.UTC(2025, 6, 29, 6, 0, 0);
const H = 3_600_000;

describe('ProtectionTally', () => {
  it('counts a point exactly 24 h old as recent, and one a millisecond older as failing', () => {
    const t = new ProtectionTally(NOW, false);
    t.add({ name: 'edge', newestMs: NOW - 24 * H, lastRunFailed: null });
    t.add({ name: 'late', newestMs: NOW - 24 * H - 1, lastRunFailed: null });
    const v = t.value(null, '1.2-rev1');
    expect(v.succeeded24h).toBe(1);
    expect(v.failing).toEqual(['late']);
    expect(v.pct).toBe(50);
    expect(v.oldestSuccessHours).toBe(24);
  });

  it('an object never backed up is failing and makes oldestSuccessHours null', () => {
    const t = new ProtectionTally(NOW, false);
    t.add({ name: 'fresh', newestMs: NOW - H, lastRunFailed: null });
    t.add({ name: 'never', newestMs: null, lastRunFailed: null });
    const v = t.value(null, '1.2-rev1');
    expect(v).toMatchObject({ protected: 2, succeeded24h: 1, neverSucceeded: 1, oldestSuccessHours: null, failing: ['never'], failingTotal: 1 });
  });

  it('lastRunFailed marks failing only when the API revision reports it', () => {
    const reported = new ProtectionTally(NOW, true);
    const notReported = new ProtectionTally(NOW, false);
    for (const t of [reported, notReported]) t.add({ name: 'web01', newestMs: NOW - 2 * H, lastRunFailed: true });
    expect(reported.value(null, '1.3-rev1')).toMatchObject({ succeeded24h: 1, failing: ['web01'], lastRunFailed: 1 });
    expect(notReported.value(null, '1.2-rev1')).toMatchObject({ succeeded24h: 1, failing: [], lastRunFailed: null });
  });

  it('a point stamped in the future (clock skew) counts as fresh with 0 hours', () => {
    const t = new ProtectionTally(NOW, false);
    t.add({ name: 'skewed', newestMs: NOW + 10 * 60_000, lastRunFailed: null });
    expect(t.value(null, '1.2-rev1')).toMatchObject({ succeeded24h: 1, oldestSuccessHours: 0 });
  });

  it('nothing protected → pct and oldestSuccessHours null', () => {
    const v = new ProtectionTally(NOW, false).value({ jobs: 2, failingJobs: ['A'], failingJobsTotal: 1 }, '1.2-rev1');
    expect(v).toMatchObject({ protected: 0, pct: null, oldestSuccessHours: null, jobs: 2, failingJobs: ['A'] });
  });

  it('caps failing at 1,000 and objectNames at 10,000 with the true counts beside them', () => {
    const t = new ProtectionTally(NOW, false);
    for (let i = 0; i < 10_500; i += 1) t.add({ name: `vm${i}`, newestMs: i % 2 === 0 ? NOW - H : NOW - 48 * H, lastRunFailed: null });
    const v = t.value(null, '1.2-rev1');
    expect(v.failing).toHaveLength(1000);
    expect(v.failingTotal).toBe(5250);
    expect(v.objectNames).toHaveLength(10_000);
    expect(v.objectNamesTotal).toBe(10_500);
    expect(v.oldestSuccessHours).toBe(48);
    expect(v.pct).toBe(50);
  });
});

describe('JobTally', () => {
  const job = (name: string, lastResult: JobState['lastResult'], status = 'inactive'): JobState => ({ id: name, name, status, lastResult, lastRun: NOW });
  it('Success and Warning are successes, None is not failing, a disabled failed job is not listed', () => {
    const t = new JobTally();
    for (const j of [job('ok', 'Success'), job('warn', 'Warning'), job('new', 'None', 'running'), job('bad', 'Failed'), job('off', 'Failed', 'Disabled'), job('bad13', 'Failed', 'Stopped')]) t.add(j);
    expect(t.value()).toEqual({ jobs: 6, failingJobs: ['bad', 'bad13'], failingJobsTotal: 2 });
  });

  it('leaves excluded jobs out entirely', () => {
    const t = new JobTally((n) => n === 'bad');
    t.add(job('bad', 'Failed'));
    expect(t.value()).toEqual({ jobs: 0, failingJobs: [], failingJobsTotal: 0 });
  });
});

describe('objectFilter', () => {
  const o = (name: string | null, platformName: string, type: string | null): BackupObject => ({ id: `id-${name}`, name, platformName, type });
  it('filters by platform (case-insensitive), type and name pattern', () => {
    const keep = objectFilter(resolveConfig({ provider: 'veeam-vbr', baseUrl: 'https://v:9419', username: 'u', password: 'p', platforms: ['VMware', 'windowsphysical'], excludeObjects: ['lab-*'] }));
    expect(keep(o('web01', 'VMware', 'VM'))).toBe(true);
    expect(keep(o('fs01', 'WindowsPhysical', 'Computer'))).toBe(true);
    expect(keep(o('hv01', 'HyperV', 'VM'))).toBe(false);
    expect(keep(o('gold', 'VMware', 'template'))).toBe(false);
    expect(keep(o('LAB-dc', 'VMware', 'VM'))).toBe(false);
  });

  it('names an object without a name by its id', () => {
    expect(objectName(o(null, 'VMware', 'VM'))).toBe('id-null');
    expect(objectName(o('  web01 ', 'VMware', 'VM'))).toBe('web01');
  });
});
