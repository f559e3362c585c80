/**
 * Attestations as evidence (DESIGN §7): recorded through the web service, turned into `attestation.<kind>` by the
 * scan pipeline (scanTenant on a SqliteStore in a temp dir, with a stub collector), expired → unavailable/stale →
 * finding unknown, none → unavailable/not_configured, advisory unless config makes them gates.
 */
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CollectorPlugin } from '../../src/collector-kit/plugin.js';
import type { TenantConfig } from '../../src/config/schema.js';
import { evaluate } from '../../src/engine/evaluate.js';
import { applyOverrides, loadRuleSet, rulesVersion, type RuleSet } from '../../src/config/load-rules.js';
import { catalogEntry, ATTESTATION_EVIDENCE_KINDS } from '../../src/evidence/catalog.js';
import type { Evidence } from '../../src/domain/evidence.js';
import { defaultRulesPath } from '../../src/paths.js';
import type { Report } from '../../src/domain/report.js';
import { rescoreScan } from '../../src/scan/rescore.js';
import { scanTenant } from '../../src/scan/run-scan.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { ATTESTATION_KINDS } from '../../src/domain/attestation.js';
import { type Principal } from '../../src/domain/principal.js';
import { createWebService } from '../../src/web/service.js';
import { tempDir } from '../../bench/lib/cli.js';
import { testConfig } from '../../src/web/test-support.js';

const DAY = 86_400_000;
const T0 = Date.parse('2025-06-01T02:00:00.000Z');
const tech: Principal = { via: 'token', tokenId: 'abcdefabcdef', person: null, name: 'tina@msp', role: 'technician', tenants: null };

/** A stub m365 collector whose MFA enforcement can be switched off between scans. */
function stubM365(state: { adminsEnforced: boolean }): CollectorPlugin {
  const ev = (key: string, value: Record<string, unknown>, now: Date): Evidence => ({
    key,
    status: 'ok',
    value,
    reason: null,
    reasonCode: null,
    source: { collector: 'm365', endpoints: ['/stub'], requests: 1 },
    collectedAt: now.toISOString(),
  });
  return {
    id: 'm365',
    section: 'm365',
    configSchema: {} as never,
    secretFields: [],
    provides: ['m365.mfa.enforcement', 'm365.admins', 'm365.mfa.registration'],
    async collect(_cfg, ctx) {
      const now = ctx.now();
      const all = [
        ev('m365.mfa.enforcement', { mode: 'conditional_access', allUsers: true, adminsEnforced: state.adminsEnforced, excludedPrincipals: 1, phishingResistantAdmins: false, policies: [] }, now),
        ev('m365.admins', { globalAdmins: 2, globalAdminsWithoutMfa: 0 }, now),
        ev('m365.mfa.registration', { eligible: 10, registered: 9, pct: 90, admins: 2, adminsRegistered: 2, adminPct: 100, unregistered: ['u@x'] }, now),
      ];
      return { evidence: all.filter((e) => !ctx.only || ctx.only.includes(e.key)), requests: 3, status: 'ok', error: null };
    },
    async doctor() {
      return [];
    },
  };
}

let store: SqliteStore;
let clock: { ms: number };
let ruleSet: RuleSet;
const tenant: TenantConfig = { id: 'contoso', name: 'Contoso Ltd', m365: {} as never } as TenantConfig;
const state = { adminsEnforced: true };

beforeEach(async () => {
  store = new SqliteStore(join(tempDir('ratchet-attest-'), 'ratchet.db'));
  await store.migrate();
  clock = { ms: T0 };
  ruleSet = loadRuleSet(defaultRulesPath());
  state.adminsEnforced = true;
});
afterEach(async () => {
  await store.close();
});

const now = () => new Date(clock.ms);
const config = testConfig({ tenants: [tenant] });
const service = () => createWebService({ store, config, ruleSet, now });
const scan = (rules: RuleSet = ruleSet) =>
  scanTenant(tenant, { config, plugins: [stubM365(state)], ruleSet: rules, store, logger: pino({ level: 'silent' }), now });
const evidenceOf = (r: Report, key: string) => r.evidence.find((e) => e.key === key)!;
const findingOf = (r: Report, id: string) => r.findings.find((f) => f.ruleId === id)!;

describe('the evidence catalog', () => {
  it('has one attestation key per attestation kind, source attestation, fields attested/ageDays/expiresInDays', () => {
    expect([...ATTESTATION_EVIDENCE_KINDS]).toEqual([...ATTESTATION_KINDS]);
    for (const kind of ATTESTATION_KINDS) {
      expect(catalogEntry(`attestation.${kind}`)).toMatchObject({ source: 'attestation', fields: { attested: 'boolean', ageDays: 'number', expiresInDays: 'number' } });
    }
  });

  it('the default rules: advisory governance gates at levels 2–3; the DR plan and restore test gate recovery level 3, the strategy review level 5', () => {
    const gov = ruleSet.rules.filter((r) => r.capability === 'governance');
    expect([...new Set(gov.map((r) => r.level))].sort()).toEqual([2, 3]);
    expect(gov.every((r) => r.advisory && r.evidence.startsWith('attestation.'))).toBe(true);
    expect(ruleSet.rules.find((r) => r.id === 'restore-tested')).toMatchObject({ capability: 'recovery', level: 3, advisory: false, evidence: 'recovery.restore_test', measure: 'ageDays', pass: { lte: 90 } });
    expect(ruleSet.rules.find((r) => r.id === 'dr-plan')).toMatchObject({ capability: 'recovery', level: 3, advisory: false, evidence: 'attestation.dr_plan' });
    const review = ruleSet.rules.filter((r) => r.evidence === 'attestation.strategy_review');
    expect(review.map((r) => [r.capability, r.level, r.advisory]).sort()).toEqual([
      ['endpoint', 5, false],
      ['identity', 5, false],
      ['monitoring', 5, false],
      ['recovery', 5, false],
    ]);
  });
});

describe('attestations in the scan', () => {
  it('valid → ok and scored; none → unavailable/not_configured and unknown; never not_applicable', async () => {
    const svc = service();
    await svc.recordAttestation(tech, 'contoso', { kind: 'restore_test', note: 'restored FS01', fileRef: 'https://dms/r.pdf', attestedAt: new Date(T0 - 10 * DAY).toISOString(), expiresAt: new Date(T0 + 20 * DAY).toISOString() });
    await svc.recordAttestation(tech, 'contoso', { kind: 'strategy_review', note: 'QBR', attestedAt: new Date(T0 - 400 * DAY + DAY).toISOString().slice(0, 10), expiresAt: new Date(T0 + 300 * DAY).toISOString().slice(0, 10) });
    const r = await scan();

    expect(evidenceOf(r, 'attestation.restore_test')).toMatchObject({
      status: 'ok',
      value: { attested: true, ageDays: 10, expiresInDays: 20, author: 'tina@msp', fileRef: 'https://dms/r.pdf' },
      source: { collector: 'attestation' },
    });
    // Attestation gates are read for every tenant, even where the capability has no source connected.
    expect(findingOf(r, 'restore-tested')).toMatchObject({ outcome: 'pass', advisory: false });
    // Recorded, valid, but older than the rule allows: a real fail.
    expect(findingOf(r, 'identity-strategy-review')).toMatchObject({ outcome: 'fail' });

    expect(evidenceOf(r, 'attestation.dr_plan')).toMatchObject({ status: 'unavailable', reasonCode: 'not_configured', reason: 'no attestation recorded', value: null });
    expect(findingOf(r, 'dr-plan')).toMatchObject({ outcome: 'unknown' });
    const attested = r.findings.filter((f) => f.evidence.some((k) => k.startsWith('attestation.')));
    expect(attested.length).toBeGreaterThan(5);
    expect(attested.every((f) => f.outcome !== 'not_applicable')).toBe(true);
    // Notes stay out of the report.
    expect(JSON.stringify(r.evidence)).not.toContain('restored FS01');
  });

  it('an expired attestation turns the evidence unavailable (stale, "expired on …") and its finding unknown in the next scan', async () => {
    await service().recordAttestation(tech, 'contoso', { kind: 'restore_test', note: 'restore', attestedAt: '2025-05-20', expiresAt: '2025-06-10' });
    const before = await scan();
    expect(findingOf(before, 'restore-tested').outcome).toBe('pass');

    clock.ms = Date.parse('2025-06-11T02:00:00.000Z');
    const after = await scan();
    expect(evidenceOf(after, 'attestation.restore_test')).toMatchObject({
      status: 'unavailable',
      reasonCode: 'stale',
      reason: 'attestation expired on 2025-06-10: record a new one',
      value: { attested: false, expiresInDays: -2 },
    });
    expect(findingOf(after, 'restore-tested')).toMatchObject({ outcome: 'unknown', score: null });
    // An expired attestation is a governance finding, not lost collector visibility.
    expect(after.regression.lostVisibility).not.toContain('attestation.restore_test');

    // The stored scan says the same, and rescoring it reproduces it.
    const stored = await store.getScan(after.scan.id);
    expect(stored?.bundle.evidence.find((e) => e.key === 'attestation.restore_test')?.reasonCode).toBe('stale');
    const rescored = await rescoreScan(stored!, ruleSet, store, config.regression);
    expect(findingOf(rescored, 'restore-tested').outcome).toBe('unknown');
  });

  it('a revoked attestation no longer counts; the newest valid one of a kind wins', async () => {
    const svc = service();
    const old = await svc.recordAttestation(tech, 'contoso', { kind: 'dr_plan', note: 'v1', attestedAt: '2025-01-01', expiresAt: '2026-01-01' });
    const v2 = await svc.recordAttestation(tech, 'contoso', { kind: 'dr_plan', note: 'v2', attestedAt: '2025-05-01', expiresAt: '2026-05-01' });
    expect(evidenceOf(await scan(), 'attestation.dr_plan').value).toMatchObject({ attestationId: v2!.id });
    await svc.revokeAttestation(tech, 'contoso', v2!.id);
    clock.ms += 3_600_000;
    expect(evidenceOf(await scan(), 'attestation.dr_plan').value).toMatchObject({ attestationId: old!.id });
    await svc.revokeAttestation(tech, 'contoso', old!.id);
    clock.ms += 3_600_000;
    expect(evidenceOf(await scan(), 'attestation.dr_plan')).toMatchObject({ status: 'unavailable', reasonCode: 'not_configured' });
  });

  it('advisory by default: governance never sets the overall level, blockers, unknown gates or the roadmap', async () => {
    const r = await scan();
    expect(r.capabilities.find((c) => c.id === 'governance')).toMatchObject({ assessed: false });
    const gov = new Set(ruleSet.rules.filter((x) => x.capability === 'governance').map((x) => x.id));
    expect([...r.level.blockers, ...r.level.unknown, ...r.roadmap.map((x) => x.ruleId)].some((id) => gov.has(id))).toBe(false);
  });

  it('config overrides make attestations gates: then governance is assessed and can cap the level', async () => {
    const overrides = Object.fromEntries(ruleSet.rules.filter((x) => x.capability === 'governance').map((x) => [x.id, { advisory: false }]));
    const merged = applyOverrides(ruleSet.rules, overrides);
    expect(merged.problems).toEqual([]);
    const gated: RuleSet = { rules: merged.rules, version: rulesVersion(merged.rules) };
    const r = await scan(gated);
    expect(r.capabilities.find((c) => c.id === 'governance')).toMatchObject({ assessed: true, level: 1 });
    expect(r.level.unknown).toEqual(expect.arrayContaining(['governance-it-owner', 'governance-documented-policies']));
    expect(r.level.value).toBe(1);
    // Pure engine check: with every attestation valid and recent, governance reaches 3 — its gates stop at level 3,
    // and a level without gates is never awarded.
    const bundle = { tenantId: 'contoso', sources: [], collectedAt: now().toISOString(), evidence: ATTESTATION_KINDS.map((kind): Evidence => ({ key: `attestation.${kind}`, status: 'ok', value: { attested: true, ageDays: 5, expiresInDays: 300 }, reason: null, source: { collector: 'attestation', endpoints: [], requests: 0 }, collectedAt: now().toISOString() })) };
    const ev = evaluate(bundle, gated.rules, { now: now() });
    expect(ev.capabilities.find((c) => c.id === 'governance')).toMatchObject({ level: 3, assessed: true, scope: 'assessed' });
  });

  it('a targeted re-check after a critical drop carries no duplicate attestation evidence', async () => {
    await service().recordAttestation(tech, 'contoso', { kind: 'it_owner', note: 'Jo is IT owner', attestedAt: '2025-05-01', expiresAt: '2026-05-01' });
    await scan();
    clock.ms += DAY;
    state.adminsEnforced = false;
    const r = await scan();
    const scans = await store.listScans('contoso');
    // First scan, the scan that saw the drop, and its immediate re-check.
    expect(scans).toHaveLength(3);
    expect(r.evidence.filter((e) => e.key === 'attestation.it_owner')).toHaveLength(1);
    expect(evidenceOf(r, 'attestation.it_owner').status).toBe('ok');
  });
});
