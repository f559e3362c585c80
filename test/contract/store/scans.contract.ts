/**
 * Scans: saving and reading scans and the history queries (ScanStore, with `Store.saveScan`), including that a
 * failed save leaves no trace in any table.
 */
import { describe, expect, it } from 'vitest';
import { freshStoreForEachTest } from './fixtures.js';
import type { ScanStore, Store, StoredScan } from '../../../src/store/store.js';
import { sampleHistory, sampleScan } from '../../helpers/sample-scan.js';
import type { Lifecycle, StoreContractOptions, StoreFactory } from './fixtures.js';

/** Copies a scan under a new id (and optionally tenant / start time), keeping the documents consistent. */
function withId(scan: StoredScan, id: string, startedAt = scan.startedAt): StoredScan {
  return {
    ...scan,
    id,
    startedAt,
    report: { ...scan.report, scan: { ...scan.report.scan, id, startedAt } },
  };
}

/** Scans are written only through the cross-aggregate unit of work, `Store.saveScan`. */
type ScanStoreWithSave = ScanStore & Pick<Store, 'saveScan'>;

export function scanStoreContract(factory: StoreFactory<ScanStoreWithSave>, options: StoreContractOptions = {}): void {
  describe('scans', () => {
    let store: ScanStoreWithSave & Lifecycle;
    freshStoreForEachTest(factory, (s) => (store = s));

    describe('save and get', () => {
      it('round-trips a scan: getScan returns the exact report and bundle', async () => {
        const scan = sampleScan();
        await store.saveScan(scan);
        const got = await store.getScan(scan.id);
        expect(got).toEqual(scan);
        // Spot-check the values that a lossy encoding would break: nulls, non-ASCII text, fractional numbers.
        expect(got?.report.findings.find((f) => f.ruleId === 'secure-score')?.score).toBeNull();
        expect(got?.report.findings[0]?.expected).toBe('≥ 90 %');
        expect(got?.report.capabilities.find((c) => c.id === 'monitoring')?.score).toBe(71.25);
        expect(got?.bundle.evidence.find((e) => e.key === 'm365.secure_score')?.value).toBeNull();
      });

      it('returns null for an unknown scan id', async () => {
        await store.saveScan(sampleScan());
        expect(await store.getScan('no-such-scan')).toBeNull();
      });

      it('keeps scans of different tenants apart', async () => {
        const a = sampleScan({ tenantId: 'alpha', id: 'a-1' });
        const b = sampleScan({ tenantId: 'beta', id: 'b-1', level: 2, potential: 2 });
        await store.saveScan(a);
        await store.saveScan(b);
        expect(await store.getScan('a-1')).toEqual(a);
        expect(await store.getScan('b-1')).toEqual(b);
        expect((await store.recentScans('alpha')).map((s) => s.id)).toEqual(['a-1']);
        expect((await store.listScans('beta')).map((s) => s.id)).toEqual(['b-1']);
      });

      it('stores U+0000 from a vendor as U+FFFD (PostgreSQL refuses NUL in text and jsonb): the scan is saved, not lost', async () => {
        const scan = sampleScan();
        const nul = (t: string) => `${t}\u0000tail`;
        const evidence = scan.report.evidence.map((e, i) => (i === 0 ? { ...e, reason: nul('vendor said'), value: { [nul('key')]: nul('device') } } : e));
        const dirty: StoredScan = { ...scan, report: { ...scan.report, tenant: { ...scan.report.tenant, name: nul('Contoso') }, evidence } };
        await store.saveScan(dirty);
        const got = await store.getScan(scan.id);
        expect(JSON.stringify(got)).not.toContain('\\u0000');
        expect(got?.report.tenant.name).toBe('Contoso\uFFFDtail');
        expect(got?.report.evidence[0]).toMatchObject({ reason: 'vendor said\uFFFDtail', value: { 'key\uFFFDtail': 'device\uFFFDtail' } });
        expect(got?.report.evidence.slice(1)).toEqual(scan.report.evidence.slice(1));
      });

      it('a large scan round-trips intact', async () => {
        const scan = sampleScan({ extraEvidence: 300, extraFindings: 300, offendersPerEvidence: 200 });
        await store.saveScan(scan);
        expect(await store.getScan(scan.id)).toEqual(scan);
      });
    });

    describe('recentScans', () => {
      it('returns full scans newest first, whatever the insertion order', async () => {
        const history = sampleHistory(5);
        for (const i of [2, 0, 4, 1, 3]) await store.saveScan(history[i] as StoredScan);
        const got = await store.recentScans('contoso');
        expect(got.map((s) => s.id)).toEqual([...history].reverse().map((s) => s.id));
        expect(got[0]).toEqual(history[4]);
      });

      it('breaks a tie in startedAt by insertion order: the later save is newer', async () => {
        const base = sampleScan();
        await store.saveScan(withId(base, 'tie-first'));
        await store.saveScan(withId(base, 'tie-second'));
        expect((await store.recentScans('contoso')).map((s) => s.id)).toEqual(['tie-second', 'tie-first']);
        expect((await store.listScans('contoso')).map((s) => s.id)).toEqual(['tie-second', 'tie-first']);
      });

      it('honours limit', async () => {
        const history = sampleHistory(5);
        for (const s of history) await store.saveScan(s);
        expect((await store.recentScans('contoso', { limit: 2 })).map((s) => s.id)).toEqual([
          history[4]?.id,
          history[3]?.id,
        ]);
        expect(await store.recentScans('contoso', { limit: 0 })).toEqual([]);
        expect(await store.recentScans('contoso', { limit: 50 })).toHaveLength(5);
      });

      it('filters by status before applying limit', async () => {
        const statuses = ['complete', 'partial', 'complete', 'failed', 'partial'] as const;
        const history = sampleHistory(5).map((s, i) => {
          const status = statuses[i] ?? 'complete';
          return { ...s, status, report: { ...s.report, scan: { ...s.report.scan, status } } };
        });
        for (const s of history) await store.saveScan(s);
        const complete = await store.recentScans('contoso', { statuses: ['complete'] });
        expect(complete.map((s) => s.id)).toEqual([history[2]?.id, history[0]?.id]);
        const notFailed = await store.recentScans('contoso', { statuses: ['complete', 'partial'], limit: 3 });
        expect(notFailed.map((s) => s.id)).toEqual([history[4]?.id, history[2]?.id, history[1]?.id]);
        // An empty status list means "no filter" (callers forward possibly empty CLI flags).
        expect(await store.recentScans('contoso', { statuses: [] })).toHaveLength(5);
      });

      it('returns an empty list for a tenant without scans', async () => {
        await store.saveScan(sampleScan());
        expect(await store.recentScans('nobody')).toEqual([]);
      });
    });

    describe('recentReports', () => {
      it("returns each scan's report as recentScans does, newest first, with the same filter and limit", async () => {
        const statuses = ['complete', 'partial', 'complete', 'failed', 'partial'] as const;
        const history = sampleHistory(5).map((s, i) => {
          const status = statuses[i] ?? 'complete';
          return { ...s, status, report: { ...s.report, scan: { ...s.report.scan, status } } };
        });
        for (const i of [2, 0, 4, 1, 3]) await store.saveScan(history[i] as StoredScan);
        await store.saveScan(sampleScan({ id: 'other-tenant', tenantId: 'fabrikam' }));
        for (const opts of [{}, { limit: 1 }, { limit: 0 }, { statuses: ['complete' as const] }, { statuses: ['complete' as const, 'partial' as const], limit: 2 }]) {
          const reports = await store.recentReports('contoso', opts);
          expect(reports).toEqual((await store.recentScans('contoso', opts)).map((s) => s.report));
        }
        expect((await store.recentReports('contoso')).map((r) => r.scan.id)).toEqual([...history].reverse().map((s) => s.id));
        expect(await store.recentReports('nobody')).toEqual([]);
      });

      it('shows a rescore at once, also one written by another store instance (the store keeps parses by revision)', async () => {
        const original = sampleScan({ id: 'rr', level: 3, potential: 3 });
        await store.saveScan(original);
        expect((await store.recentReports('contoso'))[0]).toEqual(original.report);
        expect((await store.recentReports('contoso'))[0]).toEqual(original.report); // the kept parse

        // Same scores, different findings: a key made of the scan's id and scores would miss this rewrite.
        const rewritten = { ...original, report: { ...original.report, findings: original.report.findings.map((f) => ({ ...f, observed: `${f.observed} (rescored)` })) } };
        await store.replaceScanScores(rewritten);
        expect((await store.recentReports('contoso'))[0]).toEqual(rewritten.report);

        const other = options.sameDatabase ? ((await options.sameDatabase(store)) as ScanStore & Lifecycle) : null;
        if (!other) return;
        try {
          const third = { ...original, rulesVersion: 'rules-3', report: sampleScan({ id: 'rr', level: 2, potential: 4, extraFindings: 2 }).report };
          await other.replaceScanScores(third);
          expect((await store.recentReports('contoso'))[0]).toEqual(third.report);
        } finally {
          await other.close();
        }
      });

      it('hands out reports no caller can change for the next one (shared parses are frozen)', async () => {
        await store.saveScan(sampleScan({ id: 'frozen' }));
        const [first] = await store.recentReports('contoso');
        expect(() => {
          (first!.findings as unknown[]).push({});
        }).toThrow(TypeError);
        expect(() => {
          (first!.level as { value: number }).value = 5;
        }).toThrow(TypeError);
        expect((await store.recentReports('contoso'))[0]).toEqual((await store.getScan('frozen'))!.report);
      });
    });

    describe('bundlesOf', () => {
      it('reads the named scans\' evidence bundles with when and how each finished, leaving unknown ids out', async () => {
        const history = sampleHistory(4);
        for (const s of history) await store.saveScan(s);
        await store.saveScan(sampleScan({ id: 'elsewhere', tenantId: 'fabrikam' }));
        const wanted = [history[3]!.id, 'no-such-scan', history[1]!.id, 'elsewhere'];
        const got = await store.bundlesOf(wanted);
        const expected = [history[3]!, history[1]!, (await store.getScan('elsewhere'))!].map((s) => ({ id: s.id, finishedAt: s.finishedAt, status: s.status, bundle: s.bundle }));
        expect([...got].sort((a, b) => a.id.localeCompare(b.id))).toEqual(expected.sort((a, b) => a.id.localeCompare(b.id)));
        expect(await store.bundlesOf([])).toEqual([]);
      });
    });

    describe('listScans', () => {
      it("reads only the newest scan's capabilities when asked to", async () => {
        await store.saveScan(sampleScan({ id: 'c-old', startedAt: '2025-01-01T02:00:00.000Z' }));
        await store.saveScan(sampleScan({ id: 'c-new', startedAt: '2025-01-02T02:00:00.000Z' }));
        const all = await store.listScans('contoso');
        const newest = await store.listScans('contoso', { capabilities: 'newest' });
        expect(newest.map((s) => s.id)).toEqual(['c-new', 'c-old']);
        expect(newest[0]!.capabilities.length).toBeGreaterThan(0);
        expect(newest[0]).toEqual(all[0]);
        expect(newest[1]).toEqual({ ...all[1], capabilities: [] });
      });

      it('returns summaries newest first with level, potential, confirmation, regression and capabilities', async () => {
        const old = sampleScan({ id: 's-old', startedAt: '2025-01-01T02:00:00.000Z', level: 3, potential: 3 });
        const recent = sampleScan({
          id: 's-new',
          startedAt: '2025-01-02T02:00:00.000Z',
          level: 2,
          potential: 4,
          status: 'partial',
          regressionDetected: true,
          regressionConfirmed: true,
        });
        await store.saveScan(old);
        await store.saveScan(recent);
        const [first, second, ...rest] = await store.listScans('contoso');
        expect(rest).toEqual([]);
        expect(first).toEqual({
          id: 's-new',
          tenantId: 'contoso',
          startedAt: recent.startedAt,
          finishedAt: recent.finishedAt,
          status: 'partial',
          level: 2,
          potential: 4,
          confirmed: false,
          regressionDetected: true,
          regressionConfirmed: true,
          // Same order as the report's capabilities, with only the summary fields.
          capabilities: recent.report.capabilities.map((c) => ({
            id: c.id,
            level: c.level,
            score: c.score,
            coverage: c.coverage,
            // What the history gates of levels 4 and 5 read per scan.
            snapshotLevel: c.snapshotLevel,
            snapshotPotential: c.snapshotPotential,
            snapshotScore: c.snapshotScore,
          })),
        });
        expect(second).toMatchObject({
          id: 's-old',
          level: 3,
          potential: 3,
          confirmed: true,
          regressionDetected: false,
          regressionConfirmed: false,
        });
        expect(second?.capabilities.map((c) => c.id)).toEqual([
          'identity',
          'endpoint',
          'recovery',
          'monitoring',
          'automation',
          'governance',
        ]);
        expect(second?.capabilities.find((c) => c.id === 'recovery')).toEqual({
          id: 'recovery',
          level: 1,
          score: null,
          coverage: 0,
          snapshotLevel: 1,
          snapshotPotential: 1,
          snapshotScore: null,
        });
      });

      it('honours limit and status filter like recentScans', async () => {
        const history = sampleHistory(6).map((s, i) => {
          const status = i % 2 === 0 ? ('complete' as const) : ('failed' as const);
          return { ...s, status, report: { ...s.report, scan: { ...s.report.scan, status } } };
        });
        for (const s of history) await store.saveScan(s);
        expect((await store.listScans('contoso', { limit: 4 })).map((s) => s.id)).toEqual(
          history.slice(2).reverse().map((s) => s.id),
        );
        const complete = await store.listScans('contoso', { statuses: ['complete'], limit: 2 });
        expect(complete.map((s) => s.id)).toEqual([history[4]?.id, history[2]?.id]);
        expect(complete.every((s) => s.status === 'complete')).toBe(true);
        expect(await store.listScans('contoso', { statuses: ['partial'] })).toEqual([]);
        expect(await store.listScans('contoso', { limit: 0 })).toEqual([]);
      });

      it('summaries are light: no report or bundle documents', async () => {
        await store.saveScan(sampleScan());
        const [summary] = await store.listScans('contoso');
        expect(summary).toBeDefined();
        expect(summary).not.toHaveProperty('report');
        expect(summary).not.toHaveProperty('bundle');
      });
    });

    describe('tenantIds', () => {
      it('is empty for an empty store', async () => {
        expect(await store.tenantIds()).toEqual([]);
      });

      it('lists each tenant with history once, sorted', async () => {
        await store.saveScan(sampleScan({ tenantId: 'zeta', id: 'z-1' }));
        await store.saveScan(sampleScan({ tenantId: 'alpha', id: 'a-1' }));
        await store.saveScan(sampleScan({ tenantId: 'alpha', id: 'a-2', startedAt: '2025-02-01T00:00:00.000Z' }));
        await store.saveScan(sampleScan({ tenantId: 'mid-tenant', id: 'm-1' }));
        expect(await store.tenantIds()).toEqual(['alpha', 'mid-tenant', 'zeta']);
      });
    });

    describe('atomic saves', () => {
      const expectNoTrace = async (scanId: string, tenantId: string) => {
        expect(await store.getScan(scanId)).toBeNull();
        expect((await store.listScans(tenantId)).map((s) => s.id)).not.toContain(scanId);
        expect((await store.recentScans(tenantId)).map((s) => s.id)).not.toContain(scanId);
        if (options.rowCounts) {
          const counts = await options.rowCounts(store, scanId);
          expect(Object.values(counts).every((n) => n === 0), JSON.stringify(counts)).toBe(true);
        }
      };

      it('replaceScanScores rewrites a scan\'s scores in place (rescore --all) and leaves the rest alone', async () => {
        const original = sampleScan({ id: 'rs', level: 3, potential: 3 });
        const other = sampleScan({ id: 'rs-other', startedAt: '2025-01-03T02:00:00.000Z', level: 3, potential: 3 });
        await store.saveScan(original);
        await store.saveScan(other);
        const rescored = sampleScan({ id: 'rs', level: 2, potential: 4, extraFindings: 2 });
        const next = { ...original, rulesVersion: 'new-rules', report: rescored.report };
        await store.replaceScanScores(next);
        expect(await store.getScan('rs')).toEqual(next);
        const summary = (await store.listScans('contoso')).find((s) => s.id === 'rs')!;
        expect(summary).toMatchObject({ level: 2, potential: 4, confirmed: false });
        expect(summary.capabilities.map((c) => c.level)).toEqual(rescored.report.capabilities.map((c) => c.level));
        expect(await store.getScan('rs-other')).toEqual(other);
        if (options.rowCounts) expect((await options.rowCounts(store, 'rs')).findings).toBe(rescored.report.findings.length);
      });

      it('rejects a duplicate scan id and leaves the stored scan untouched', async () => {
        const original = sampleScan({ id: 'dup' });
        await store.saveScan(original);
        const before = await options.rowCounts?.(store, 'dup');
        const impostor = sampleScan({ id: 'dup', level: 1, potential: 5, extraEvidence: 3, extraFindings: 3 });
        await expect(store.saveScan(impostor)).rejects.toThrow();
        expect(await store.getScan('dup')).toEqual(original);
        expect(await store.listScans('contoso')).toHaveLength(1);
        if (options.rowCounts) expect(await options.rowCounts(store, 'dup')).toEqual(before);
      });

      it('a constraint violation in an evidence row (duplicate key) leaves no row in any table', async () => {
        const scan = sampleScan({ id: 'bad-evidence', tenantId: 'fresh-tenant', extraEvidence: 20 });
        // The duplicate comes last, so the scan row and many child rows are written before the failure.
        scan.report.evidence.push({ ...(scan.report.evidence[0] as StoredScan['report']['evidence'][number]) });
        await expect(store.saveScan(scan)).rejects.toThrow();
        await expectNoTrace('bad-evidence', 'fresh-tenant');
        expect(await store.tenantIds()).not.toContain('fresh-tenant');
      });

      it('a constraint violation in a finding row (duplicate rule id) leaves no row in any table', async () => {
        const scan = sampleScan({ id: 'bad-finding', tenantId: 'fresh-tenant', extraFindings: 20 });
        scan.report.findings.push({ ...(scan.report.findings[1] as StoredScan['report']['findings'][number]) });
        await expect(store.saveScan(scan)).rejects.toThrow();
        await expectNoTrace('bad-finding', 'fresh-tenant');
        expect(await store.tenantIds()).toEqual([]);
      });

      it('the store stays usable after a failed save', async () => {
        const bad = sampleScan({ id: 'bad' });
        bad.report.findings.push({ ...(bad.report.findings[0] as StoredScan['report']['findings'][number]) });
        await expect(store.saveScan(bad)).rejects.toThrow();
        const good = sampleScan({ id: 'good' });
        await store.saveScan(good);
        expect(await store.getScan('good')).toEqual(good);
        expect(await store.tenantIds()).toEqual(['contoso']);
      });
    });
  });
}
