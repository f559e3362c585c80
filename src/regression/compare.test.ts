import { describe, expect, it } from 'vitest';
import { ALL_SOURCES, bundle, ev, historyScans, NOW, strongTenant } from '../../bench/lib/evidence-samples.js';

/** Every source connected and 98 days of level-3 history: a level-4 tenant. */
const strong = () => [...strongTenant(), historyScans(98, () => 3)];
import { evaluate } from '../engine/evaluate.js';
import { loadRuleSet } from '../config/load-rules.js';
import type { Evidence } from '../domain/evidence.js';
import { defaultRulesPath } from '../paths.js';
import type { ComparableScan } from './compare.js';
import { replayEpisodes } from './replay.js';

const { rules } = loadRuleSet(defaultRulesPath());
const opts = { confirmScans: 2, scoreDrop: 10 };

/**
 * The verdict on `current` after `previousComplete` (newest first), judged the way scan and rescore both judge it:
 * the episode machine replayed over the history, oldest first.
 */
function detectRegression(current: ComparableScan, previousComplete: ComparableScan[], currentComplete: boolean, o: { confirmScans: number; scoreDrop: number }) {
  const history = [...previousComplete].reverse().map((v, i) => ({ view: { ...v, id: `h${i}` }, status: 'complete' as const, finishedAt: NOW.toISOString() }));
  const last = { view: { ...current, id: 'current' }, status: currentComplete ? ('complete' as const) : ('partial' as const), finishedAt: NOW.toISOString() };
  return replayEpisodes({ id: 't1', name: 'T1' }, [...history, last], o).outputs.at(-1)!.regression;
}

function scan(evidence: Evidence[]) {
  const e = evaluate(bundle(evidence, ALL_SOURCES), rules, { now: NOW });
  return { ...e, evidence };
}
function patch(key: string, p: Record<string, unknown> | null, status: Evidence['status'] = 'ok') {
  return strong().map((e) => (e.key === key ? ev(key, p === null ? null : { ...e.value, ...p }, status, status === 'ok' ? null : 'forbidden') : e));
}

describe('regression detection (scan and rescore share it)', () => {
  const good = scan(strong());
  const mfaOff = scan(patch('m365.mfa.enforcement', { mode: 'none', allUsers: false, adminsEnforced: false, phishingResistantAdmins: false }));

  it('detects a level drop on the first bad scan and confirms it after confirmScans complete scans', () => {
    const first = detectRegression(mfaOff, [good, good], true, opts);
    expect(first.detected).toBe(true);
    expect(first.confirmed).toBe(false);
    expect(first.previousLevel).toBe(4);
    const level = first.drops.find((d) => d.kind === 'level')!;
    expect(level).toMatchObject({ from: 4, to: 1 });
    expect(level.rules.map((r) => r.ruleId)).toContain('mfa-admins-enforced');
    const second = detectRegression(mfaOff, [mfaOff, good], true, opts);
    expect(second.confirmed).toBe(true);
  });

  it('a partial scan never confirms', () => {
    expect(detectRegression(mfaOff, [mfaOff, good], false, opts).confirmed).toBe(false);
  });

  it('evidence that becomes unavailable is lost visibility, not a regression', () => {
    const gap = scan(patch('m365.mfa.registration', null, 'unavailable'));
    const r = detectRegression(gap, [good, good], true, opts);
    expect(gap.level.value).toBeLessThan(good.level.value);
    expect(r.detected).toBe(false);
    expect(r.confirmed).toBe(false);
    expect(r.lostVisibility).toEqual(['m365.mfa.registration']);
  });

  it('a licence the tenant no longer has is neither a regression nor lost visibility (nothing to grant)', () => {
    const lapsed = scan(strong().map((e) => (e.key === 'm365.pim.global_admins' ? { ...ev(e.key, null, 'unavailable', 'needs Microsoft Entra ID P2'), reasonCode: 'not_licensed' as const } : e)));
    const r = detectRegression(lapsed, [good, good], true, opts);
    expect(r.detected).toBe(false);
    expect(r.lostVisibility).toEqual([]);
    // The same key refused by a missing permission is lost visibility.
    const refused = scan(strong().map((e) => (e.key === 'm365.pim.global_admins' ? { ...ev(e.key, null, 'unavailable', 'grant RoleManagement.Read.Directory'), reasonCode: 'permission_missing' as const } : e)));
    expect(detectRegression(refused, [good, good], true, opts).lostVisibility).toEqual(['m365.pim.global_admins']);
  });

  it('a score drop of at least scoreDrop over findings known in both scans is a capability regression', () => {
    const worse = scan(patch('m365.devices.compliance', { compliant: 72, pct: 72 }));
    expect(good.level.value).toBe(4);
    const r = detectRegression(worse, [good], true, { ...opts, confirmScans: 1 });
    const d = r.drops.find((x) => x.kind === 'capability' && x.id === 'endpoint')!;
    expect(d.from).toBe(100);
    expect(d.to).toBeLessThanOrEqual(90);
    expect(r.confirmed).toBe(true);
  });

  it('small wobbles are not regressions', () => {
    const wobble = scan(patch('m365.mfa.registration', { pct: 98.5, registered: 98 }));
    expect(detectRegression(wobble, [good, good], true, opts).detected).toBe(false);
  });

  it('no history, no regression', () => {
    expect(detectRegression(mfaOff, [], true, opts)).toMatchObject({ detected: false, confirmed: false, previousLevel: null });
  });
});
