import { describe, expect, it } from 'vitest';
import { collectVeeamVbr } from './collect.js';
import { deriveImmutability, extentsOf, immutabilityOf, needsScaleOut } from './immutability.js';
import { repositoriesPage, scaleOutRepositoriesPage, type JobState, type Repository } from './schema.js';
import { FakeVbr, fixture, json, offlineWithVbrSecret, testConfig, testContext, vbrError } from './test-support.js';
import type { ImmutabilityValue } from './immutability.js';

offlineWithVbrSecret();

const FAST = { backoffBaseMs: 5 };
const none = () => false;
const job = (name: string, repositoryId: string | null): JobState => ({ id: `job-${name}`, name, status: 'inactive', lastResult: 'Success', repositoryId });
const repo = (id: string, type: string, extra: Partial<Repository> = {}): Repository => ({ id, name: id, type, ...extra });
const immutabilityOfResult = (evidence: { key: string; value: unknown }[]) => evidence.find((e) => e.key === 'backup.immutability')!.value as ImmutabilityValue;

describe('immutability of one repository (every place the spec keeps it)', () => {
  const repos = repositoriesPage.parse(fixture('repositories.json')).data;
  const byName = (name: string) => repos.find((r) => r.name === name)!;

  it('reads the documented example repositories: local ones are mutable, hardened and Object Lock ones are not', () => {
    expect(immutabilityOf(byName('Default Backup Repository'))).toEqual({ immutable: false, days: null });
    expect(immutabilityOf(byName('Linux Backup Repository'))).toEqual({ immutable: false, days: null });
    expect(immutabilityOf(byName('Storage 3'))).toEqual({ immutable: true, days: 14 });
    expect(immutabilityOf(byName('Offsite S3 (Object Lock)'))).toEqual({ immutable: true, days: 30 });
  });

  it('a hardened repository with immutability off (0 or absent) is not immutable', () => {
    expect(immutabilityOf(repo('a', 'LinuxHardened', { repository: { makeRecentBackupsImmutableDays: 0 } }))).toEqual({ immutable: false, days: null });
    expect(immutabilityOf(repo('a', 'LinuxHardened', { repository: {} }))).toEqual({ immutable: false, days: null });
  });

  it('object storage counts only with immutability enabled; container (Azure, Vault) and appliance settings too', () => {
    expect(immutabilityOf(repo('a', 'S3Compatible', { bucket: { immutability: { isEnabled: false, daysCount: 30 } } })).immutable).toBe(false);
    expect(immutabilityOf(repo('a', 'AzureBlob', { container: { immutability: { isEnabled: true, daysCount: 21 } } }))).toEqual({ immutable: true, days: 21 });
    expect(immutabilityOf(repo('a', 'HPEStoreOnce', { repository: { immutability: { isEnabled: true, daysCount: 7 } } }))).toEqual({ immutable: true, days: 7 });
  });

  it('archive tiers are immutable without a period of their own', () => {
    expect(immutabilityOf(repo('a', 'AmazonS3Glacier', { bucket: { immutabilityEnabled: true } }))).toEqual({ immutable: true, days: null });
    expect(immutabilityOf(repo('a', 'AzureArchive', { container: { immutabilityEnabled: false } }))).toEqual({ immutable: false, days: null });
  });

  it('expands a scale-out repository to its performance extents and its enabled capacity and archive tiers', () => {
    const [plain, tiered] = scaleOutRepositoriesPage.parse(fixture('scale-out-repositories.json')).data;
    expect(extentsOf(plain!)).toEqual(['f0a1b2c3-4d5e-4f6a-9b7c-0d1e2f3a4b5c']);
    // The spec example enables a capacity tier without extents and an archive tier with one.
    expect(extentsOf(tiered!)).toEqual(['a1b2c3d4-5e6f-4a7b-8c9d-1e2f3a4b5c6d', 'd4e5f6a7-8b9c-4d0e-9f1a-2b3c4d5e6f7a']);
    // 1.1-rev0 spells the capacity switch `enabled`.
    expect(extentsOf({ ...plain!, capacityTier: { enabled: true, extents: [{ id: 'cap' }] } })).toEqual(['f0a1b2c3-4d5e-4f6a-9b7c-0d1e2f3a4b5c', 'cap']);
    expect(extentsOf({ ...plain!, capacityTier: { isEnabled: false, extents: [{ id: 'cap' }] } })).toEqual(['f0a1b2c3-4d5e-4f6a-9b7c-0d1e2f3a4b5c']);
  });
});

describe('backup.immutability over the job targets', () => {
  const hardened = (id: string, days: number) => repo(id, 'LinuxHardened', { repository: { makeRecentBackupsImmutableDays: days } });

  it('counts only repositories a job writes to, once each, and the shortest period among the immutable ones', () => {
    const v = deriveImmutability({
      jobs: [job('A', 'h1'), job('B', 'h1'), job('C', 'h2'), job('D', 'win'), job('Replica', null)],
      repositories: [hardened('h1', 30), hardened('h2', 14), repo('win', 'WinLocal'), hardened('spare', 3)],
      scaleOut: null,
      excluded: none,
    });
    expect(v).toMatchObject({ repositories: 3, immutable: 2, pct: 66.7, minImmutableDays: 14, targets: 3, jobs: 5, repositoriesOnServer: 4, unresolvedTargets: [] });
    expect(v.immutableRepositories).toEqual(['h1 (LinuxHardened, 30 d)', 'h2 (LinuxHardened, 14 d)']);
    expect(v.mutableRepositories).toEqual(['win (WinLocal)']);
    expect(v.unknownReasons).toBeUndefined();
  });

  it('no immutable repository → 0 immutable and 0 days (nothing is protected for any day)', () => {
    const v = deriveImmutability({ jobs: [job('A', 'win')], repositories: [repo('win', 'WinLocal')], scaleOut: null, excluded: none });
    expect(v).toMatchObject({ repositories: 1, immutable: 0, pct: 0, minImmutableDays: 0 });
  });

  it('leaves excluded jobs out, and a server without jobs has nothing to judge', () => {
    const excluded = (name: string) => name === 'Lab';
    const v = deriveImmutability({ jobs: [job('Lab', 'win'), job('Prod', 'h1')], repositories: [repo('win', 'WinLocal'), hardened('h1', 7)], scaleOut: null, excluded });
    expect(v).toMatchObject({ repositories: 1, immutable: 1, pct: 100, minImmutableDays: 7, jobs: 1 });
    const empty = deriveImmutability({ jobs: [], repositories: [hardened('h1', 7)], scaleOut: null, excluded: none });
    expect(empty).toMatchObject({ repositories: 0, immutable: 0, pct: null, minImmutableDays: 0 });
  });

  it('matches ids case-insensitively and names a target found in neither list instead of guessing', () => {
    const v = deriveImmutability({
      jobs: [job('A', 'H1'), { ...job('B', 'gone'), repositoryName: 'Old NAS' }],
      repositories: [hardened('h1', 21)],
      scaleOut: [],
      excluded: none,
    });
    expect(v).toMatchObject({ repositories: 1, immutable: 1, minImmutableDays: 21, unresolvedTargets: ['Old NAS'] });
  });

  it('a scale-out target counts its extents: a mutable performance extent beside an immutable capacity extent', () => {
    const v = deriveImmutability({
      jobs: [job('A', 'sobr')],
      repositories: [repo('perf', 'WinLocal'), repo('s3', 'AmazonS3', { bucket: { immutability: { isEnabled: true, daysCount: 30 } } })],
      scaleOut: [{ id: 'sobr', name: 'SOBR', performanceTier: { performanceExtents: [{ id: 'perf' }] }, capacityTier: { isEnabled: true, extents: [{ id: 's3' }] } }],
      excluded: none,
    });
    expect(v).toMatchObject({ repositories: 2, immutable: 1, pct: 50, minImmutableDays: 30 });
  });

  it('only period-less archive tiers immutable → minImmutableDays unknown with the reason, not 0', () => {
    const v = deriveImmutability({
      jobs: [job('A', 'glacier')],
      repositories: [repo('glacier', 'AmazonS3Glacier', { bucket: { immutabilityEnabled: true } })],
      scaleOut: null,
      excluded: none,
    });
    expect(v).toMatchObject({ immutable: 1, minImmutableDays: null });
    expect(v.unknownReasons?.minImmutableDays).toMatch(/no immutability period of their own \(archive tiers/);
  });
});

describe('jobs without a backup target', () => {
  // VBR writes "no repository" as the nil GUID, not null: the 1.3-rev0 … 1.3-rev2 specs' TaskSessionsResultExample
  // (Cenvora/veeam-br openapi_schemas/vbr_rest_1.3-rev2.json) has "repositoryId": "00000000-0000-0000-0000-000000000000".
  const NIL = '00000000-0000-0000-0000-000000000000';

  it('a nil-GUID repositoryId is no target: not unresolved, and no scale-out read is asked for', () => {
    const input = {
      jobs: [job('Backup', 'storage3'), { ...job('Replica', NIL), repositoryName: '' }],
      repositories: [repo('storage3', 'LinuxHardened', { repository: { makeRecentBackupsImmutableDays: 14 } })],
      scaleOut: null,
      excluded: none,
    };
    expect(needsScaleOut(input.jobs, input.repositories, none)).toBe(false);
    expect(deriveImmutability(input)).toMatchObject({ repositories: 1, immutable: 1, pct: 100, targets: 1, unresolvedTargets: [] });
  });

  it('over HTTP: a replica job state with the nil GUID leaves the value as it was and reads no scale-out list', async () => {
    const vbr = FakeVbr.standard();
    const first = vbr.jobs[0]!;
    vbr.jobs.push({ ...first, id: 'a7f3c1de-0b6e-4c9a-8f0e-3d2b1c4a5e6f', name: 'SQL Replica', type: 'VSphereReplica', repositoryId: NIL, repositoryName: '' });
    vbr.install();
    const v = immutabilityOfResult((await collectVeeamVbr(testConfig(), testContext({ only: ['backup.immutability'] }), FAST)).evidence);
    expect(v).toMatchObject({ repositories: 2, immutable: 1, targets: 2, unresolvedTargets: [] });
    expect(vbr.get('/api/v1/backupInfrastructure/scaleOutRepositories')).toHaveLength(0);
  });
});

describe('veeam-vbr collector — backup.immutability over HTTP', () => {
  it('reads job states once for both keys and the repositories, and derives the value from the documented examples', async () => {
    const vbr = FakeVbr.standard().install();
    const result = await collectVeeamVbr(testConfig(), testContext(), FAST);
    expect(result.status).toBe('ok');
    const e = result.evidence.find((x) => x.key === 'backup.immutability')!;
    expect(e).toMatchObject({ status: 'ok', reason: null });
    // Jobs target "Default Backup Repository" (WinLocal) and "Storage 3" (hardened, 14 d); the S3 one holds nothing.
    expect(e.value).toEqual({
      repositories: 2,
      immutable: 1,
      pct: 50,
      minImmutableDays: 14,
      immutableRepositories: ['Storage 3 (LinuxHardened, 14 d)'],
      mutableRepositories: ['Default Backup Repository (WinLocal)'],
      mutableRepositoriesTotal: 1,
      unresolvedTargets: [],
      jobs: 5,
      targets: 2,
      repositoriesOnServer: 5,
      basis: 'job_targets',
    });
    expect(e.source.endpoints).toEqual(['/api/v1/jobs/states', '/api/v1/backupInfrastructure/repositories']);
    expect(vbr.get('/api/v1/jobs/states')).toHaveLength(1);
    // No scale-out target: the scale-out list is not read.
    expect(vbr.get('/api/v1/backupInfrastructure/scaleOutRepositories')).toHaveLength(0);
  });

  it('a targeted re-check reads only job states and repositories', async () => {
    const vbr = FakeVbr.standard().install();
    const result = await collectVeeamVbr(testConfig(), testContext({ only: ['backup.immutability'] }), FAST);
    expect(result.evidence.map((x) => x.key)).toEqual(['backup.immutability']);
    expect([...new Set(vbr.requests.map((r) => r.path))].sort()).toEqual(['/api/oauth2/token', '/api/v1/backupInfrastructure/repositories', '/api/v1/jobs/states']);
  });

  it('reads the scale-out repositories when a job targets one, and counts its extents', async () => {
    const vbr = FakeVbr.standard();
    const sobr = fixture<{ data: Record<string, unknown>[] }>('scale-out-repositories.json').data[0]!;
    vbr.jobs = vbr.jobs.map((j) => ({ ...j, repositoryId: sobr.id, repositoryName: sobr.name }));
    // Its performance extent is a hardened repository of 10 days.
    vbr.repositories.push({ ...vbr.repositories.find((r) => r.type === 'LinuxHardened')!, id: 'f0a1b2c3-4d5e-4f6a-9b7c-0d1e2f3a4b5c', name: 'extent01', repository: { makeRecentBackupsImmutableDays: 10 } });
    vbr.install();
    const v = immutabilityOfResult((await collectVeeamVbr(testConfig(), testContext({ only: ['backup.immutability'] }), FAST)).evidence);
    expect(v).toMatchObject({ repositories: 1, immutable: 1, pct: 100, minImmutableDays: 10, immutableRepositories: ['extent01 (LinuxHardened, 10 d)'] });
    expect(vbr.get('/api/v1/backupInfrastructure/scaleOutRepositories')).toHaveLength(1);
  });

  it('403 on the repositories → unavailable naming the role; the other keys and the collector stay ok', async () => {
    const vbr = FakeVbr.standard();
    vbr.overrides.push((req) => (req.path === '/api/v1/backupInfrastructure/repositories' ? vbrError(403, 'error-forbidden.json') : undefined));
    vbr.install();
    const result = await collectVeeamVbr(testConfig(), testContext(), FAST);
    expect(result.status).toBe('ok');
    const e = result.evidence.find((x) => x.key === 'backup.immutability')!;
    expect(e).toMatchObject({ status: 'unavailable', reasonCode: 'permission_missing', value: null });
    expect(e.reason).toMatch(/backupInfrastructure\/repositories.*Veeam Backup Viewer/);
    expect(result.evidence.find((x) => x.key === 'backup.protection')!.status).toBe('ok');
  });

  it('a repository without its required type is a schema violation naming the field, never a guess', async () => {
    const vbr = FakeVbr.standard();
    vbr.overrides.push((req) =>
      req.path === '/api/v1/backupInfrastructure/repositories' ? json({ data: [{ id: 'r1', name: 'No type' }], pagination: { total: 1, count: 1, skip: 0, limit: 200 } }) : undefined,
    );
    vbr.install();
    const result = await collectVeeamVbr(testConfig(), testContext({ only: ['backup.immutability'] }), FAST);
    expect(result.status).toBe('error');
    expect(result.evidence[0]).toMatchObject({ key: 'backup.immutability', status: 'error', reasonCode: 'schema_violation' });
    expect(result.evidence[0]!.reason).toMatch(/data\[0\]\.type/);
  });
});
