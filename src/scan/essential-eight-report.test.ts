/**
 * Every report carries `frameworks.essentialEight` (DESIGN §14), computed from the stored bundle so a rescore reaches
 * the same view; an Essential Eight attestation recorded for the tenant reaches it as evidence. Real SQLite store.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ALL_SOURCES, NOW } from '../../bench/lib/evidence-samples.js';
import type { RatchetConfig, TenantConfig } from '../config/schema.js';
import type { Attestation } from '../domain/attestation.js';
import { loadRuleSet } from '../config/load-rules.js';
import { e8Strong } from '../frameworks/testing/e8-samples.js';
import { defaultRulesPath } from '../paths.js';
import { openStore } from '../store/index.js';
import type { Store } from '../store/store.js';
import { EssentialEightSchema } from '../web/schemas.js';
import { rescoreHistory, rescoreScan } from './rescore.js';
import { finishScan } from './run-scan.js';

const ruleSet = loadRuleSet(defaultRulesPath());
const tenant = { id: 'contoso', name: 'Contoso', m365: {} } as unknown as TenantConfig;
const regression = { confirmScans: 2, scoreDrop: 10 };
const config = { regression, server: {} } as unknown as RatchetConfig;
const DAY = 86_400_000;

/** What collectors bring: the scan adds attestation, history and derived evidence itself. */
const collected = () => e8Strong().filter((e) => ['m365', 'rmm', 'backup'].includes(e.source.collector) && e.key !== 'backup.coverage');

const attestation = (kind: Attestation['kind'], expiresInDays: number): Attestation => ({
  id: `att-${kind}-${expiresInDays}`,
  tenantId: 'contoso',
  kind,
  note: 'verified WDAC policy in audit-free enforcement on all workstations',
  fileRef: null,
  author: 'tech@msp',
  attestedAt: new Date(NOW.getTime() - 30 * DAY).toISOString(),
  expiresAt: new Date(NOW.getTime() + expiresInDays * DAY).toISOString(),
  createdAt: new Date(NOW.getTime() - 30 * DAY).toISOString(),
  revokedAt: null,
  revokedBy: null,
});

let dir: string | undefined;
let store: Store | undefined;
afterEach(async () => {
  await store?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('frameworks.essentialEight in the report', () => {
  it('is in every scan report, uses recorded attestations, and a rescore reproduces it', async () => {
    dir = mkdtempSync(join(tmpdir(), 'ratchet-e8-'));
    store = openStore(`sqlite:${join(dir, 'ratchet.db')}`);
    await store.saveAttestation(attestation('e8_application_control_ml3', 300));
    // Expired within the second scan's window: counts in the first scan, not in the second.
    await store.saveAttestation(attestation('e8_office_macros_ml1', 1));
    const logger = pino({ level: 'silent' });
    const scanAt = async (at: Date) => (await finishScan(tenant, { config, plugins: [], ruleSet, store: store!, logger, now: () => at }, { runs: [{ id: 'm365', status: 'ok', durationMs: 1, requests: 1, error: null }], evidence: collected(), sources: ALL_SOURCES }, at, false)).report;

    const first = await scanAt(NOW);
    const e8 = first.frameworks?.essentialEight;
    expect(EssentialEightSchema.safeParse(e8).success).toBe(true);
    expect(e8!.strategies).toHaveLength(8);
    const appControl = e8!.strategies.find((s) => s.id === 'application-control')!;
    expect(appControl.level).toBe(3);
    expect(appControl.requirements.every((r) => r.attestation?.kind === 'e8_application_control_ml3' && r.attestation.by === 'tech@msp')).toBe(true);
    expect(e8!.strategies.find((s) => s.id === 'office-macros')!.requirements[0]).toMatchObject({ status: 'met', attestation: { kind: 'e8_office_macros_ml1' } });
    // Only recorded E8 kinds become evidence; no attestation is not 24 empty rows.
    expect(first.evidence.filter((e) => e.key.startsWith('attestation.e8_')).map((e) => e.key).sort()).toEqual(['attestation.e8_application_control_ml3', 'attestation.e8_office_macros_ml1']);

    const second = await scanAt(new Date(NOW.getTime() + 2 * DAY));
    const macros = second.frameworks!.essentialEight!.strategies.find((s) => s.id === 'office-macros')!;
    expect(macros.level).toBe(0);
    expect(macros.requirements[0]).toMatchObject({ status: 'not_assessable', attestationKind: 'e8_office_macros_ml1' });
    expect(second.evidence.find((e) => e.key === 'attestation.e8_office_macros_ml1')).toMatchObject({ status: 'unavailable', reasonCode: 'stale' });

    const stored = (await store.recentScans(tenant.id, { limit: 10 })).reverse();
    for (const scan of stored) {
      const rescored = await rescoreScan(scan, ruleSet, store, regression);
      expect(rescored.frameworks).toEqual(scan.report.frameworks);
    }
    await rescoreHistory(tenant.id, ruleSet, store);
    const after = (await store.recentScans(tenant.id, { limit: 10 })).reverse();
    expect(after.map((s) => s.report.frameworks)).toEqual(stored.map((s) => s.report.frameworks));
  });
});
