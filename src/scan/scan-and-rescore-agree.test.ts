/**
 * One regression algorithm (issue 11): the scan path (finishScan → advanceEpisodes, episodes kept in the store) and
 * `ratchet rescore` (the episode machine replayed over the stored history) are fed the same history and must reach
 * the same verdict on every scan and the same episodes. A real SQLite store; the evidence is the shipped rule set's
 * real shapes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ALL_SOURCES, ev, NOW, strongTenant } from '../../bench/lib/evidence-samples.js';
import type { RatchetConfig, TenantConfig } from '../config/schema.js';
import type { Evidence } from '../domain/evidence.js';
import type { CollectorRun } from '../domain/report.js';
import { loadRuleSet } from '../config/load-rules.js';
import { defaultRulesPath } from '../paths.js';
import { replayEpisodes } from '../regression/replay.js';
import { openStore } from '../store/index.js';
import type { Store } from '../store/store.js';
import { comparableView, rescoreScan } from './rescore.js';
import { finishScan } from './run-scan.js';

const ruleSet = loadRuleSet(defaultRulesPath());
const tenant = { id: 'contoso', name: 'Contoso', m365: {} } as unknown as TenantConfig;
const regression = { confirmScans: 2, scoreDrop: 10 };
const config = { regression, server: {} } as unknown as RatchetConfig;

/** What the collectors bring (the scan derives backup.coverage and adds attestation and history evidence itself). */
const strong = () => strongTenant().filter((e) => ['m365', 'rmm', 'backup'].includes(e.source.collector) && e.key !== 'backup.coverage');
const patch = (key: string, p: Record<string, unknown> | null, status: Evidence['status'] = 'ok') =>
  strong().map((e) => (e.key === key ? ev(key, p === null ? null : { ...e.value, ...p }, status, status === 'ok' ? null : 'forbidden') : e));
const good = () => strong();
const mfaOff = () => patch('m365.mfa.enforcement', { mode: 'none', allUsers: false, adminsEnforced: false, phishingResistantAdmins: false });
const devicesDown = () => patch('m365.devices.compliance', { compliant: 60, pct: 60 });
const registrationHidden = () => patch('m365.mfa.registration', null, 'unavailable');

const run = (status: CollectorRun['status']): CollectorRun[] => [{ id: 'm365', status, durationMs: 1, requests: 1, error: null }];

/** A history with every kind of turn: a confirmed regression and its recovery, a drop that recovers before it is
 * confirmed, a partial scan in the middle of an episode, and evidence that disappears (lost visibility). */
const HISTORY: Array<{ evidence: () => Evidence[]; status?: CollectorRun['status'] }> = [
  { evidence: good },
  { evidence: good },
  { evidence: mfaOff },
  { evidence: mfaOff, status: 'partial' },
  { evidence: mfaOff },
  { evidence: good },
  { evidence: devicesDown },
  { evidence: good },
  { evidence: registrationHidden },
  { evidence: registrationHidden },
  { evidence: good },
];

let dir: string | undefined;
let store: Store | undefined;
afterEach(async () => {
  await store?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('scan and rescore judge regressions with the same code', () => {
  it('gives every stored scan the same regression verdict and the same episodes', async () => {
    dir = mkdtempSync(join(tmpdir(), 'ratchet-agree-'));
    store = openStore(`sqlite:${join(dir, 'ratchet.db')}`);
    const logger = pino({ level: 'silent' });
    let clock = NOW.getTime();
    for (const step of HISTORY) {
      clock += 3_600_000;
      const at = new Date(clock);
      const deps = { config, plugins: [], ruleSet, store, logger, now: () => at };
      await finishScan(tenant, deps, { runs: run(step.status ?? 'ok'), evidence: step.evidence(), sources: ALL_SOURCES }, at, false);
    }

    const stored = (await store.recentScans(tenant.id, { limit: 100 })).reverse();
    expect(stored.map((s) => s.status)).toEqual(HISTORY.map((h) => (h.status === 'partial' ? 'partial' : 'complete')));
    // The history is not vacuous: it opened, confirmed and closed episodes of both kinds.
    const scanned = await store.episodes(tenant.id, { limit: 100 });
    expect(scanned.map((e) => `${e.kind}:${e.state}`).sort()).toEqual(['regression:closed', 'regression:closed', 'visibility:closed']);
    expect(scanned.filter((e) => e.confirmedAt !== null)).toHaveLength(2);

    // Rescore each stored scan: the same verdict the scan wrote.
    for (const scan of stored) {
      const rescored = await rescoreScan(scan, ruleSet, store, regression);
      expect({ scan: scan.id, regression: rescored.regression }).toEqual({ scan: scan.id, regression: scan.report.regression });
    }

    // Replay the whole stored history: the same episodes the scans stored.
    const views = await Promise.all(stored.map((s) => comparableView(s, ruleSet, store!)));
    const replay = replayEpisodes(tenant, stored.map((s, i) => ({ view: views[i]!, status: s.status, finishedAt: s.finishedAt })), regression);
    const byId = <T extends { id: string }>(xs: T[]) => [...xs].sort((a, b) => a.id.localeCompare(b.id));
    expect(byId(replay.episodes)).toEqual(byId(scanned));
  });
});
