/**
 * The behaviour every `Store` adapter must have (DESIGN §10: "Both pass the same contract tests").
 *
 * Usage from an adapter's test file:
 *   runStoreContract('SqliteStore', async () => new SqliteStore(tmpFile()), { rowCounts });
 *
 * The factory must return a fresh, empty store each call; the contract calls `migrate()` itself and closes the
 * store after each test. Everything is checked through the `Store` interface, except the optional `rowCounts`
 * hook, which lets an adapter prove at table level that a failed save left no orphan rows behind (the interface
 * alone cannot see an evidence row whose scan row was rolled back).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ApiTokenRecord, SessionRecord, Store, StoredScan } from '../../src/store/store.js';
import type { Attestation } from '../../src/domain/attestation.js';
import type { AuditEntry } from '../../src/domain/audit.js';
import type { Episode } from '../../src/domain/episode.js';
import { sampleHistory, sampleScan } from '../helpers/sample-scan.js';

export interface StoreContractOptions {
  /**
   * Rows that belong to `scanId`, per table (e.g. `{ scans: 1, evidence: 5, findings: 5, capability_scores: 6 }`),
   * plus rows of any table whose scan row is missing under the key `orphans`. Read through a separate
   * connection where possible, so it shows what other readers see.
   */
  rowCounts?: (store: Store, scanId: string) => Promise<Record<string, number>>;
}

const token = (over: Partial<ApiTokenRecord> = {}): ApiTokenRecord => ({
  id: 'a1b2c3d4e5f6',
  name: 'alice@msp',
  role: 'technician',
  tenants: ['contoso', 'fabrikam'],
  tokenHash: 'ab'.repeat(32),
  createdAt: '2025-01-01T00:00:00.000Z',
  createdBy: 'cli',
  lastUsedAt: null,
  revokedAt: null,
  revokedBy: null,
  ...over,
});

const attestation = (over: Partial<Attestation> = {}): Attestation => ({
  id: 'att-1',
  tenantId: 'contoso',
  kind: 'dr_plan',
  note: 'DR plan v3 approved by the client — "Ünïcode" <b>not html</b>',
  fileRef: 'https://dms.example/dr-plan-v3.pdf',
  author: 'alice@msp',
  attestedAt: '2025-01-10T00:00:00.000Z',
  expiresAt: '2026-01-10T00:00:00.000Z',
  createdAt: '2025-01-11T09:00:00.000Z',
  revokedAt: null,
  revokedBy: null,
  ...over,
});

const audit = (over: Partial<AuditEntry> = {}): AuditEntry => ({
  id: `audit-${Math.random().toString(36).slice(2)}`,
  at: '2025-01-11T09:00:00.000Z',
  actor: 'alice@msp',
  action: 'attestation.recorded',
  tenantId: 'contoso',
  target: 'att-1',
  detail: { kind: 'dr_plan', nested: { n: 1 } },
  ...over,
});

const episode = (over: Partial<Episode> = {}): Episode => ({
  id: 'ep-1',
  tenantId: 'contoso',
  kind: 'regression',
  state: 'confirmed',
  openedAt: '2025-01-02T00:00:00.000Z',
  openedScanId: 's-1',
  baselineScanId: null,
  confirmedAt: '2025-01-03T00:00:00.000Z',
  confirmedScanId: 's-2',
  closedAt: null,
  closedScanId: null,
  confirmations: 2,
  previousLevel: 3,
  currentLevel: 2,
  drops: [],
  lostKeys: [],
  acknowledgedAt: null,
  acknowledgedBy: null,
  acknowledgement: null,
  ...over,
});

/** Copies a scan under a new id (and optionally tenant / start time), keeping the documents consistent. */
function withId(scan: StoredScan, id: string, startedAt = scan.startedAt): StoredScan {
  return {
    ...scan,
    id,
    startedAt,
    report: { ...scan.report, scan: { ...scan.report.scan, id, startedAt } },
  };
}

export function runStoreContract(
  name: string,
  factory: () => Promise<Store>,
  options: StoreContractOptions = {},
): void {
  describe(`Store contract: ${name}`, () => {
    let store: Store;

    beforeEach(async () => {
      store = await factory();
      await store.migrate();
    });

    afterEach(async () => {
      await store.close();
    });

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

    describe('migrate', () => {
      it('is idempotent: migrating again changes nothing and the store keeps working', async () => {
        const first = sampleScan({ id: 'before' });
        await store.saveScan(first);
        await store.migrate();
        await store.migrate();
        expect(await store.getScan('before')).toEqual(first);
        const second = sampleScan({ id: 'after', startedAt: '2025-03-01T00:00:00.000Z' });
        await store.saveScan(second);
        expect((await store.listScans('contoso')).map((s) => s.id)).toEqual(['after', 'before']);
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

    describe('API tokens (schema v3)', () => {
      it('round-trips a token with its scope; null scope means all tenants', async () => {
        await store.createToken(token());
        await store.createToken(token({ id: 'ffffffffffff', name: 'admin', role: 'admin', tenants: null, createdAt: '2025-01-02T00:00:00.000Z' }));
        expect(await store.getToken('a1b2c3d4e5f6')).toEqual(token());
        expect((await store.getToken('ffffffffffff'))?.tenants).toBeNull();
        expect(await store.getToken('000000000000')).toBeNull();
        expect((await store.listTokens()).map((t) => t.id)).toEqual(['a1b2c3d4e5f6', 'ffffffffffff']);
      });

      it('rejects a duplicate token id', async () => {
        await store.createToken(token());
        await expect(store.createToken(token({ name: 'other' }))).rejects.toThrow();
        expect(await store.listTokens()).toHaveLength(1);
      });

      it('writes the audit entry with the token, and nothing when the insert fails', async () => {
        await store.createToken(token(), audit({ id: 'a-create', action: 'token.created', tenantId: null, target: 'a1b2c3d4e5f6' }));
        await expect(store.createToken(token(), audit({ id: 'a-dup', action: 'token.created', tenantId: null }))).rejects.toThrow();
        expect((await store.auditLog()).map((e) => e.id)).toEqual(['a-create']);
      });

      it('revokes once: sessions go, the audit entry is written once, a second revoke changes nothing', async () => {
        await store.createToken(token());
        await store.createSession({ idHash: 'cd'.repeat(32), tokenId: 'a1b2c3d4e5f6', csrfSecret: 's', createdAt: '2025-01-01T00:00:00.000Z', expiresAt: '2099-01-01T00:00:00.000Z' });
        const revoked = await store.revokeToken('a1b2c3d4e5f6', '2025-02-01T00:00:00.000Z', 'admin', audit({ id: 'r1', action: 'token.revoked', tenantId: null }));
        expect(revoked).toMatchObject({ revokedAt: '2025-02-01T00:00:00.000Z', revokedBy: 'admin' });
        expect(await store.getSession('cd'.repeat(32))).toBeNull();
        const again = await store.revokeToken('a1b2c3d4e5f6', '2025-03-01T00:00:00.000Z', 'other', audit({ id: 'r2', action: 'token.revoked', tenantId: null }));
        expect(again?.revokedAt).toBe('2025-02-01T00:00:00.000Z');
        expect((await store.auditLog()).map((e) => e.id)).toEqual(['r1']);
        expect(await store.revokeToken('000000000000', '2025-02-01T00:00:00.000Z', 'admin')).toBeNull();
      });

      it('touchToken records the last use', async () => {
        await store.createToken(token());
        await store.touchToken('a1b2c3d4e5f6', '2025-01-05T00:00:00.000Z');
        expect((await store.getToken('a1b2c3d4e5f6'))?.lastUsedAt).toBe('2025-01-05T00:00:00.000Z');
      });
    });

    describe('sessions (schema v3)', () => {
      const session = (over: Partial<SessionRecord> = {}): SessionRecord => ({
        idHash: 'ef'.repeat(32),
        tokenId: 'a1b2c3d4e5f6',
        csrfSecret: 'csrf-secret',
        createdAt: '2025-01-01T00:00:00.000Z',
        expiresAt: '2025-01-01T12:00:00.000Z',
        ...over,
      });

      it('round-trips, deletes, and expires sessions', async () => {
        await store.createToken(token());
        await store.createSession(session(), audit({ id: 'login', action: 'login', tenantId: null }));
        await store.createSession(session({ idHash: '01'.repeat(32), expiresAt: '2025-01-02T00:00:00.000Z' }));
        expect(await store.getSession('ef'.repeat(32))).toEqual(session());
        expect((await store.auditLog()).map((e) => e.action)).toEqual(['login']);
        expect(await store.deleteExpiredSessions('2025-01-01T12:00:00.000Z')).toBe(1);
        expect(await store.getSession('ef'.repeat(32))).toBeNull();
        await store.deleteSession('01'.repeat(32), audit({ id: 'logout', action: 'logout', tenantId: null }));
        await store.deleteSession('01'.repeat(32), audit({ id: 'logout-2', action: 'logout', tenantId: null }));
        expect(await store.getSession('01'.repeat(32))).toBeNull();
        // Same timestamp: the later write is newer. The second delete found nothing and wrote no entry.
        expect((await store.auditLog()).map((e) => e.id)).toEqual(['logout', 'login']);
      });

      it('refuses a session for an unknown token', async () => {
        await expect(store.createSession(session({ tokenId: 'nope' }))).rejects.toThrow();
      });
    });

    describe('attestations (schema v3)', () => {
      it('round-trips attestations per tenant, newest first', async () => {
        await store.saveAttestation(attestation(), audit());
        await store.saveAttestation(attestation({ id: 'att-2', kind: 'restore_test', fileRef: null, createdAt: '2025-01-12T00:00:00.000Z' }));
        await store.saveAttestation(attestation({ id: 'att-3', tenantId: 'fabrikam' }));
        expect(await store.getAttestation('att-1')).toEqual(attestation());
        expect(await store.getAttestation('nope')).toBeNull();
        expect((await store.attestations('contoso')).map((a) => a.id)).toEqual(['att-2', 'att-1']);
        expect((await store.attestations('contoso', { limit: 1 })).map((a) => a.id)).toEqual(['att-2']);
        expect((await store.attestations('fabrikam')).map((a) => a.id)).toEqual(['att-3']);
        expect(await store.attestations('nobody')).toEqual([]);
        await expect(store.saveAttestation(attestation())).rejects.toThrow();
      });

      it('revokes once, with one audit entry', async () => {
        await store.saveAttestation(attestation());
        const a = await store.revokeAttestation('att-1', '2025-02-01T00:00:00.000Z', 'bob', audit({ id: 'rv1', action: 'attestation.revoked' }));
        expect(a).toMatchObject({ revokedAt: '2025-02-01T00:00:00.000Z', revokedBy: 'bob' });
        const again = await store.revokeAttestation('att-1', '2025-03-01T00:00:00.000Z', 'carol', audit({ id: 'rv2', action: 'attestation.revoked' }));
        expect(again?.revokedBy).toBe('bob');
        expect((await store.auditLog()).map((e) => e.id)).toEqual(['rv1']);
        expect(await store.revokeAttestation('nope', '2025-02-01T00:00:00.000Z', 'bob')).toBeNull();
      });
    });

    describe('audit log (schema v3)', () => {
      it('lists newest first, filters by tenant scope and global entries, honours limit', async () => {
        await store.appendAudit(audit({ id: 'e1', at: '2025-01-01T00:00:00.000Z', tenantId: 'contoso' }));
        await store.appendAudit(audit({ id: 'e2', at: '2025-01-02T00:00:00.000Z', tenantId: 'fabrikam' }));
        await store.appendAudit(audit({ id: 'e3', at: '2025-01-03T00:00:00.000Z', tenantId: null, action: 'token.created' }));
        await store.appendAudit(audit({ id: 'e4', at: '2025-01-03T00:00:00.000Z', tenantId: 'contoso' }));
        const ids = async (q?: Parameters<Store['auditLog']>[0]) => (await store.auditLog(q)).map((e) => e.id);
        expect(await ids()).toEqual(['e4', 'e3', 'e2', 'e1']);
        expect(await ids({ tenants: ['contoso'] })).toEqual(['e4', 'e3', 'e1']);
        expect(await ids({ tenants: ['contoso'], global: false })).toEqual(['e4', 'e1']);
        expect(await ids({ tenants: [], global: true })).toEqual(['e3']);
        expect(await ids({ tenants: [], global: false })).toEqual([]);
        expect(await ids({ limit: 2 })).toEqual(['e4', 'e3']);
        expect((await store.auditLog())[0]?.detail).toEqual({ kind: 'dr_plan', nested: { n: 1 } });
      });

      it('acknowledging an episode writes the episode and its audit entry together', async () => {
        await store.saveEpisode(episode());
        const acked = episode({ acknowledgedAt: '2025-01-04T00:00:00.000Z', acknowledgedBy: 'alice@msp', acknowledgement: 'ticket #42' });
        await store.saveEpisode(acked, audit({ id: 'ack', action: 'episode.acknowledged', target: 'ep-1' }));
        expect(await store.episodes('contoso')).toEqual([acked]);
        expect((await store.auditLog()).map((e) => e.id)).toEqual(['ack']);
      });
    });

    describe('close', () => {
      it('closes idempotently and refuses further use', async () => {
        await store.saveScan(sampleScan());
        await store.close();
        await store.close();
        await expect(store.getScan('scan-contoso-0001')).rejects.toThrow(/closed/i);
        await expect(store.saveScan(sampleScan({ id: 'late' }))).rejects.toThrow(/closed/i);
        await expect(store.listScans('contoso')).rejects.toThrow(/closed/i);
        await expect(store.tenantIds()).rejects.toThrow(/closed/i);
      });
    });
  });
}
