import { describe, expect, it } from 'vitest';
import { ALL_SOURCES, bundle, ev, historyScans, NOW, strongTenant } from '../../bench/lib/evidence-samples.js';

/** Every source connected and 98 days of level-3 history: a level-4 tenant. */
const strong = () => [...strongTenant(), historyScans(98, () => 3)];
import { evaluate } from '../engine/evaluate.js';
import { loadRuleSet } from '../config/load-rules.js';
import type { Evidence } from '../domain/evidence.js';
import { defaultRulesPath } from '../paths.js';
import type { ScanView } from './episodes.js';
import { replayEpisodes } from './replay.js';

const { rules } = loadRuleSet(defaultRulesPath());
const opts = { confirmScans: 2, scoreDrop: 10, publicUrl: 'https://ratchet.msp.example' };
let n = 0;
function scan(evidence: Evidence[]): ScanView {
  const e = evaluate(bundle(evidence, ALL_SOURCES), rules, { now: NOW });
  return { id: `s${++n}`, ...e, evidence };
}
const patch = (key: string, p: Record<string, unknown> | null, status: Evidence['status'] = 'ok') =>
  strong().map((e) => (e.key === key ? ev(key, p === null ? null : { ...e.value, ...p }, status, status === 'ok' ? null : 'forbidden') : e));

const good = () => scan(strong());
const devicesDown = () => scan(patch('m365.devices.compliance', { compliant: 60, pct: 60 }));
const mfaOff = () => scan(patch('m365.mfa.enforcement', { mode: 'none', allUsers: false, adminsEnforced: false, phishingResistantAdmins: false }));

/** Runs a sequence of scans through the episode machine like scanTenant (and rescore's replay) does. */
function run(seq: Array<{ view: ScanView; status?: 'complete' | 'partial'; recheck?: boolean }>) {
  const scans = seq.map(({ view, status = 'complete', recheck = false }) => ({ view, status, recheck, finishedAt: NOW.toISOString() }));
  return replayEpisodes({ id: 't1', name: 'T1' }, scans, opts).outputs;
}

describe('regression episodes', () => {
  it('confirms after confirmScans complete scans, alerts once, and sends one recovery', () => {
    const outs = run([{ view: good() }, { view: devicesDown() }, { view: devicesDown() }, { view: devicesDown() }, { view: good() }]);
    expect(outs.map((o) => o.events.map((e) => e.kind))).toEqual([[], [], ['regression'], [], ['recovery']]);
    expect(outs[1]!.regression).toMatchObject({ detected: true, confirmed: false });
    expect(outs[2]!.regression).toMatchObject({ detected: true, confirmed: true, previousLevel: 4 });
    const alert = outs[2]!.events[0]!;
    expect(alert.drops.some((d) => d.id === 'endpoint')).toBe(true);
    expect(alert.link).toMatch(/^https:\/\/ratchet\.msp\.example\/tenants\/t1\/scans\//);
    expect(alert.command).toMatch(/^ratchet rescore --scan /);
  });

  it('a drop that heals before confirmation closes silently', () => {
    const outs = run([{ view: good() }, { view: devicesDown() }, { view: good() }]);
    expect(outs.flatMap((o) => o.events)).toEqual([]);
    expect(outs[2]!.episodes[0]!.state).toBe('closed');
  });

  it('partial scans never confirm or close', () => {
    const outs = run([{ view: good() }, { view: devicesDown() }, { view: devicesDown(), status: 'partial' }, { view: good(), status: 'partial' }, { view: devicesDown() }]);
    expect(outs.map((o) => o.events.map((e) => e.kind))).toEqual([[], [], [], [], ['regression']]);
  });

  it('a critical rule asks for a targeted re-check, and the re-check confirms at once', () => {
    const outs = run([{ view: good() }, { view: mfaOff() }, { view: mfaOff(), recheck: true }]);
    expect(outs[1]!.recheckKeys).toEqual(['m365.mfa.enforcement']);
    expect(outs[1]!.events).toEqual([]);
    expect(outs[2]!.events.map((e) => e.kind)).toEqual(['regression']);
    expect(outs[2]!.recheckKeys).toEqual([]);
  });

  it('a re-check that no longer shows the drop closes the episode without an alert', () => {
    const outs = run([{ view: good() }, { view: mfaOff() }, { view: good(), recheck: true }]);
    expect(outs.flatMap((o) => o.events)).toEqual([]);
  });

  it('lost evidence is a visibility episode, never a regression', () => {
    const gap = () => scan(patch('m365.mfa.registration', null, 'unavailable'));
    const outs = run([{ view: good() }, { view: gap() }, { view: gap() }, { view: good() }]);
    expect(outs.every((o) => !o.regression.detected)).toBe(true);
    expect(outs.map((o) => o.events.map((e) => e.kind))).toEqual([[], [], ['lost_visibility'], ['visibility_restored']]);
    expect(outs[2]!.events[0]!.lostKeys).toEqual(['m365.mfa.registration']);
  });
});
