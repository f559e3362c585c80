/**
 * `ratchet migrate` (DESIGN §11, issue 12 item 4): a SQLite history built by real scans (`finishScan`, with
 * regression and visibility episodes and alert deliveries to a channel), plus a token, attestations and audit
 * entries, copied to PostgreSQL (a schema of its own, dropped after) and to another SQLite file. Every count equal,
 * reports deep-equal, states kept, a rescore of the copied history gives the same levels, a rerun copies nothing.
 *
 * Needs PostgreSQL at postgres://postgres@127.0.0.1:5432/test (or RATCHET_TEST_PG_URL), like
 * test/contract/postgres.test.ts; unreachable, it fails rather than skips.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ALL_SOURCES, ev, NOW, strongTenant } from '../../../bench/lib/evidence-samples.js';
import type { CliIO } from '../../app/io.js';
import { loadRuleSet } from '../../config/load-rules.js';
import type { RatchetConfig, TenantConfig } from '../../config/schema.js';
import type { Evidence } from '../../domain/evidence.js';
import type { CollectorRun } from '../../domain/report.js';
import { defaultRulesPath } from '../../paths.js';
import { rescoreScan } from '../../scan/rescore.js';
import { finishScan } from '../../scan/run-scan.js';
import { openStore } from '../../store/index.js';
import type { Store } from '../../store/store.js';
import { main } from '../main.js';
import type { TicketOp, TicketRecord } from '../../domain/ticket.js';
import { episode } from '../../../test/contract/store/fixtures.js';
import { sampleScan } from '../../../test/helpers/sample-scan.js';

const BASE_URL = process.env.RATCHET_TEST_PG_URL || 'postgres://postgres@127.0.0.1:5432/test';
const admin = new pg.Pool({ connectionString: BASE_URL, max: 2, connectionTimeoutMillis: 5_000 });
admin.on('error', () => {});

const ruleSet = loadRuleSet(defaultRulesPath());
const regression = { confirmScans: 2, scoreDrop: 10 };
const config = { regression, server: {} } as unknown as RatchetConfig;
const tenants = ['contoso', 'fabrikam'].map((id) => ({ id, name: id, m365: {} }) as unknown as TenantConfig);

const strong = () => strongTenant().filter((e) => ['m365', 'rmm', 'backup'].includes(e.source.collector) && e.key !== 'backup.coverage');
const patch = (key: string, p: Record<string, unknown> | null, status: Evidence['status'] = 'ok') =>
  strong().map((e) => (e.key === key ? ev(key, p === null ? null : { ...e.value, ...p }, status, status === 'ok' ? null : 'forbidden') : e));
const mfaOff = () => patch('m365.mfa.enforcement', { mode: 'none', allUsers: false, adminsEnforced: false, phishingResistantAdmins: false });
const hidden = () => patch('m365.mfa.registration', null, 'unavailable');
const HISTORY: Array<{ evidence: () => Evidence[]; status?: CollectorRun['status'] }> = [
  { evidence: strong },
  { evidence: strong },
  { evidence: mfaOff },
  { evidence: mfaOff, status: 'partial' },
  { evidence: mfaOff },
  { evidence: mfaOff },
  { evidence: strong },
  { evidence: hidden },
  { evidence: hidden },
];

let dir: string;
const created: string[] = [];
const open: Store[] = [];

beforeAll(async () => {
  try {
    await admin.query('SELECT 1');
  } catch (err) {
    throw new Error(`PostgreSQL is unreachable at 127.0.0.1:5432 (${(err as Error).message}); start one or set RATCHET_TEST_PG_URL`);
  }
  dir = mkdtempSync(join(tmpdir(), 'ratchet-migrate-'));
  await buildHistory(join(dir, 'source.db'));
}, 60_000);
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
  for (const name of created.splice(0)) await admin.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
});
afterAll(async () => {
  await admin.end();
  rmSync(dir, { recursive: true, force: true });
});

async function freshSchemaUrl(base = BASE_URL): Promise<string> {
  const name = `ratchet_migrate_${process.pid}_${Date.now().toString(36)}_${created.length}`;
  await admin.query(`CREATE SCHEMA "${name}"`);
  created.push(name);
  const u = new URL(base);
  u.searchParams.set('options', `-c search_path=${name}`);
  return u.toString();
}

function storeAt(url: string): Store {
  const s = openStore(url);
  open.push(s);
  return s;
}

/** Real scans of two tenants (episodes, deliveries to one channel), then a token, attestations, audit entries. */
async function buildHistory(path: string): Promise<void> {
  const store = openStore(`sqlite:${path}`);
  const logger = pino({ level: 'silent' });
  let clock = NOW.getTime();
  for (const step of HISTORY) {
    for (const tenant of tenants) {
      clock += 3_600_000;
      const at = new Date(clock);
      const deps = { config, plugins: [], ruleSet, store, logger, now: () => at, channelIds: ['0:webhook'] };
      await finishScan(tenant, deps, { runs: [{ id: 'm365', status: step.status ?? 'ok', durationMs: 1, requests: 1, error: null }], evidence: step.evidence(), sources: ALL_SOURCES }, at, false);
    }
  }
  const iso = (offsetH: number) => new Date(clock + offsetH * 3_600_000).toISOString();
  // An acknowledged episode and a delivered alert: their state must survive the copy.
  const [episode] = await store.episodes('contoso', { limit: 1 });
  await store.saveEpisode({ ...episode!, acknowledgedAt: iso(1), acknowledgedBy: 'alice', acknowledgement: 'known' }, {
    id: 'audit-ack', at: iso(1), actor: 'alice', action: 'episode.acknowledged', tenantId: 'contoso', target: episode!.id, detail: {},
  });
  const [delivery] = await store.deliveries({ limit: 1 });
  await store.updateDelivery(delivery!.id, { status: 'delivered', attempts: 2, nextAttemptAt: iso(2), lastError: null, deliveredAt: iso(2) });
  await store.createToken(
    { id: 'tok-1', name: 'ops', role: 'admin', tenants: null, tokenHash: 'a'.repeat(64), createdAt: iso(3), createdBy: 'cli', lastUsedAt: iso(4), revokedAt: null, revokedBy: null },
    { id: 'audit-tok', at: iso(3), actor: 'cli', action: 'token.created', tenantId: null, target: 'tok-1', detail: { role: 'admin' } },
  );
  const attestation = { tenantId: 'contoso', kind: 'dr_plan' as const, note: 'DR plan', fileRef: null, author: 'alice', attestedAt: iso(-1), expiresAt: iso(8000), createdAt: iso(5), revokedAt: null, revokedBy: null };
  await store.saveAttestation({ ...attestation, id: 'att-1' });
  // A tenant that has never been scanned: its attestation is copied too.
  await store.saveAttestation({ ...attestation, id: 'att-2', tenantId: 'woodgrove', createdAt: iso(6) });
  await store.revokeAttestation('att-1', iso(7), 'bob', { id: 'audit-rv', at: iso(7), actor: 'bob', action: 'attestation.revoked', tenantId: 'contoso', target: 'att-1', detail: {} });
  await store.close();
}

async function migrate(from: string, to: string): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIO = { out: (t) => (out += t), err: (t) => (err += t), env: {} };
  const code = await main(['node', 'ratchet', 'migrate', '--from', from, '--to', to], io);
  return { code, out, err };
}

/** Every record the source holds, as read through the store interfaces. */
async function snapshot(store: Store) {
  const scans = [];
  for (const t of await store.tenantIds()) for (const s of (await store.recentScans(t)).reverse()) scans.push(s);
  const episodes = [];
  for (const t of await store.tenantIds()) episodes.push(...(await store.episodes(t)));
  return {
    scans,
    episodes,
    deliveries: await store.deliveries(),
    ticketOps: await store.ticketOps(),
    tickets: await store.tickets(),
    tokens: await store.listTokens(),
    attestations: await store.allAttestations(),
    audit: await store.auditLog(),
  };
}

const columns = (out: string, kind: string) => {
  const line = out.split('\n').find((l) => l.startsWith(kind));
  return line?.slice(kind.length).trim().split(/\s+/).map(Number);
};

async function expectFaithfulCopy(sourceUrl: string, targetUrl: string): Promise<void> {
  const first = await migrate(sourceUrl, targetUrl);
  expect(first.err).not.toMatch(/failed/);
  expect(first.code).toBe(0);
  const source = storeAt(sourceUrl);
  const target = storeAt(targetUrl);
  const [a, b] = [await snapshot(source), await snapshot(target)];

  // Not vacuous: both kinds of episode, deliveries, every kind of record.
  expect(a.scans).toHaveLength(HISTORY.length * tenants.length);
  expect(new Set(a.episodes.map((e) => e.kind))).toEqual(new Set(['regression', 'visibility']));
  expect(a.deliveries.length).toBeGreaterThan(1);
  expect(a.attestations).toHaveLength(2);
  expect(a.audit).toHaveLength(3);

  // Every record equal (reports and bundles deep-equal, states kept), in the same order.
  expect(b).toEqual(a);
  expect(b.episodes.some((e) => e.acknowledgedBy === 'alice')).toBe(true);
  expect(b.deliveries.some((d) => d.status === 'delivered' && d.attempts === 2)).toBe(true);
  expect(first.out).toMatch(/^rows\s+source\s+copied\s+already there\s+in target/);
  const scans = a.scans.length;
  const evidence = a.scans.reduce((n, s) => n + s.report.evidence.length, 0);
  expect(columns(first.out, 'scans')).toEqual([scans, scans, 0, scans]);
  expect(columns(first.out, 'evidence')).toEqual([evidence, evidence, 0, evidence]);
  expect(columns(first.out, 'deliveries')).toEqual([a.deliveries.length, a.deliveries.length, 0, a.deliveries.length]);
  expect(columns(first.out, 'audit entries')).toEqual([3, 3, 0, 3]);
  expect(first.out).toMatch(/verified: every row of .* is in .*\(18 scans copied now; browser sessions are not copied\)/);

  // A rescore of the copied history (current rules, history read from the target) gives the stored levels.
  for (const scan of b.scans) {
    const rescored = await rescoreScan(scan, ruleSet, target, regression);
    expect({ scan: scan.id, level: rescored.level, regression: rescored.regression }).toEqual({ scan: scan.id, level: scan.report.level, regression: scan.report.regression });
  }

  // A rerun copies nothing and changes nothing.
  const again = await migrate(sourceUrl, targetUrl);
  expect(again.code).toBe(0);
  expect(columns(again.out, 'scans')).toEqual([scans, 0, scans, scans]);
  expect(columns(again.out, 'tokens')).toEqual([1, 0, 1, 1]);
  expect(columns(again.out, 'audit entries')).toEqual([3, 0, 3, 3]);
  expect(await snapshot(target)).toEqual(a);
}

describe('ratchet migrate', () => {
  it('copies a SQLite history to PostgreSQL: every row, reports equal, same levels on rescore; a rerun copies nothing', async () => {
    await expectFaithfulCopy(`sqlite:${join(dir, 'source.db')}`, await freshSchemaUrl());
  }, 60_000);

  it('copies SQLite to SQLite, and back from PostgreSQL to SQLite', async () => {
    await expectFaithfulCopy(`sqlite:${join(dir, 'source.db')}`, `sqlite:${join(dir, 'copy.db')}`);
    const pgUrl = await freshSchemaUrl();
    expect((await migrate(`sqlite:${join(dir, 'source.db')}`, pgUrl)).code).toBe(0);
    await expectFaithfulCopy(pgUrl, join(dir, 'back.db'));
  }, 90_000);

  it('an interrupted copy carries on: scans already in the target are skipped, the rest copied', async () => {
    const sourceUrl = `sqlite:${join(dir, 'source.db')}`;
    const targetUrl = `sqlite:${join(dir, 'partial.db')}`;
    const source = storeAt(sourceUrl);
    const target = storeAt(targetUrl);
    const [first] = (await source.recentScans('contoso')).reverse();
    await target.saveScan(first!);
    await target.close();
    open.pop();
    const run = await migrate(sourceUrl, targetUrl);
    expect(run.code).toBe(0);
    expect(columns(run.out, 'scans')).toEqual([18, 17, 1, 18]);
  });

  it('copies PSA ticket operations in their state and queue order, and the tickets made, so none is made again', async () => {
    const sourceUrl = `sqlite:${join(dir, 'tickets.db')}`;
    const source = storeAt(sourceUrl);
    const t = (h: number) => new Date(Date.UTC(2025, 0, 1, h)).toISOString();
    const op = (episodeId: string, action: TicketOp['payload']['action'], h: number): TicketOp => {
      const marker = `[ratchet:${episodeId}]`;
      const payload = {
        action, tenantId: 'contoso', tenantName: 'Contoso', episodeId, episodeKind: 'regression' as const, company: 250, scanId: `tk-${h}`,
        occurredAt: t(h), marker, summary: `Contoso regressed ${marker}`, body: { text: 'b', html: '<p>b</p>' }, note: action === 'open' ? null : { text: 'n', html: '<p>n</p>' },
      };
      return { id: `op-${episodeId}-${action}`, idempotencyKey: `ticket:${episodeId}:${action}`, payload, status: 'pending', attempts: 0, nextAttemptAt: t(h), lastError: null, createdAt: t(h), deliveredAt: null };
    };
    const epA = episode({ id: 'ep-a', openedScanId: 'tk-1' });
    const epB = episode({ id: 'ep-b', openedScanId: 'tk-2' });
    // Queue order differs from the order the episodes were opened in: ep-b's ticket was queued before ep-a's.
    const [openB, openA, noteB, closeA] = [op('ep-b', 'open', 2), op('ep-a', 'open', 3), op('ep-b', 'note', 4), op('ep-a', 'close', 4)];
    await source.saveScan(sampleScan({ id: 'tk-1', startedAt: t(1) }), { episodes: [{ ...epA, state: 'pending' }] });
    await source.saveScan(sampleScan({ id: 'tk-2', startedAt: t(2) }), { episodes: [epB], ticketOps: [openB] });
    await source.saveScan(sampleScan({ id: 'tk-3', startedAt: t(3) }), { episodes: [epA], ticketOps: [openA] });
    await source.saveScan(sampleScan({ id: 'tk-4', startedAt: t(4) }), { episodes: [{ ...epA, state: 'closed', closedAt: t(4), closedScanId: 'tk-4' }], ticketOps: [noteB, closeA] });
    const made = (episodeId: string, ticketId: string, state: TicketRecord['state'], h: number): TicketRecord =>
      ({ episodeId, tenantId: 'contoso', provider: 'connectwise', ticketId, company: 250, state, createdAt: t(2), updatedAt: t(h) });
    const done = (o: TicketOp, h: number) => ({ status: 'delivered' as const, attempts: 1, nextAttemptAt: t(h), lastError: null, deliveredAt: t(h) });
    await source.completeTicketOp(openB.id, done(openB, 5), made('ep-b', '101', 'open', 5));
    await source.completeTicketOp(openA.id, done(openA, 6), made('ep-a', '102', 'open', 6));
    // ep-b's note failed once and waits for a retry; ep-a's close went through and closed its ticket.
    await source.completeTicketOp(noteB.id, { status: 'pending', attempts: 1, nextAttemptAt: t(9), lastError: 'HTTP 503', deliveredAt: null });
    await source.completeTicketOp(closeA.id, done(closeA, 7), made('ep-a', '102', 'closed', 7));
    const ops = await source.ticketOps();
    const tickets = await source.tickets();
    expect(ops.map((o) => o.id)).toEqual([openB.id, openA.id, noteB.id, closeA.id]);
    expect(tickets.map((k) => [k.ticketId, k.state])).toEqual([['101', 'open'], ['102', 'closed']]);

    const pgUrl = await freshSchemaUrl();
    const backUrl = `sqlite:${join(dir, 'tickets-back.db')}`;
    for (const [from, to] of [[sourceUrl, pgUrl], [pgUrl, backUrl]] as const) {
      const run = await migrate(from, to);
      expect(run.err).not.toMatch(/failed/);
      expect(run.code).toBe(0);
      expect(columns(run.out, 'ticket ops')).toEqual([4, 4, 0, 4]);
      expect(columns(run.out, 'tickets')).toEqual([2, 2, 0, 2]);
      const target = storeAt(to);
      // Same rows, same states, same queue order; the tickets as they are at the PSA.
      expect(await target.ticketOps()).toEqual(ops);
      expect(await target.tickets()).toEqual(tickets);
      await target.close();
      open.pop();
      const again = await migrate(from, to);
      expect(columns(again.out, 'ticket ops')).toEqual([4, 0, 4, 4]);
      expect(columns(again.out, 'tickets')).toEqual([2, 0, 2, 2]);
    }
    // A dispatcher on a new store retries only what was left, ep-b's note: no ticket is opened again.
    for (const url of [pgUrl, backUrl]) expect((await storeAt(url).claimNextTicketOp(t(10), t(11)))?.id).toBe(noteB.id);
  }, 60_000);

  it('exits 2 naming a bad --from or --to, and never prints a password', async () => {
    const missing = await migrate(`sqlite:${join(dir, 'nope.db')}`, join(dir, 'x.db'));
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/--from: there is no SQLite file at .*nope\.db/);
    const scheme = await migrate(`sqlite:${join(dir, 'source.db')}`, 'mysql://x/y');
    expect(scheme.code).toBe(2);
    expect(scheme.err).toMatch(/--to: .*unsupported scheme "mysql:"/);
    const same = await migrate(`sqlite:${join(dir, 'source.db')}`, `sqlite:${join(dir, 'source.db')}`);
    expect(same.code).toBe(2);
    const unreachable = await migrate(`sqlite:${join(dir, 'source.db')}`, 'postgres://ratchet:Secr3t-pw@127.0.0.1:1/ratchet?connect_timeout=2');
    expect(unreachable.code).toBe(1);
    expect(unreachable.err).toMatch(/postgres:\/\/ratchet@127\.0\.0\.1:1\/ratchet/);
    expect(`${unreachable.out}${unreachable.err}`).not.toContain('Secr3t-pw');
    const bad = await migrate(`sqlite:${join(dir, 'source.db')}`, 'postgres://ratchet:Secr3t-pw@db:notaport/x');
    expect(bad.code).toBe(2);
    expect(bad.err).not.toContain('Secr3t-pw');
  });
});
