import { describe, expect, it } from 'vitest';
import { backupObjectsPage, jobStatesPage, restorePointsPage, vbrErrorBody } from './schema.js';
import { fixture } from './test-support.js';

describe('VBR response schemas against the fixtures (built from the spec examples)', () => {
  it('backup objects: Veeam example values outside the platform enum ("Vcd") are accepted', () => {
    const page = backupObjectsPage.parse(fixture('backup-objects.json'));
    expect(page.data.map((o) => o.platformName)).toContain('Vcd');
    expect(page.pagination).toMatchObject({ total: 7, count: 7 });
  });

  it('restore points: creationTime becomes epoch ms in UTC; sessionId null is fine', () => {
    const page = restorePointsPage.parse(fixture('restore-point.json'));
    expect(new Date(page.data[0]!.creationTime).toISOString()).toBe('2025-07-28T08:44:39.694Z');
  });

  it('job states: nextRun null and lower-case status (1.2) parse; lastRun is converted', () => {
    const page = jobStatesPage.parse(fixture('job-states-page1.json'));
    expect(page.data.map((j) => j.lastResult)).toEqual(['None', 'Warning', 'Failed']);
    expect(new Date(page.data[0]!.lastRun!).toISOString()).toBe('2025-07-29T05:40:34.473Z');
  });

  it('a page without pagination.total is refused, naming it', () => {
    const r = backupObjectsPage.safeParse({ data: [], pagination: { count: 0 } });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.path).toEqual(['pagination', 'total']);
  });

  it('error fixtures have the spec Error shape', () => {
    for (const name of ['error-forbidden.json', 'error-token-credentials.json', 'error-unsupported-version.json', 'error-internal.json', 'error-expired-token.json']) {
      expect(vbrErrorBody.safeParse(fixture(name)).success).toBe(true);
    }
  });
});
