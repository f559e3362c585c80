import { describe, expect, it } from 'vitest';
import type { Finding } from '../domain/assessment.js';
import { loadRuleSet } from '../config/load-rules.js';
import { evaluateRule } from '../engine/evaluate.js';
import { defaultRulesPath } from '../paths.js';
import { DRIFT_GATES, driftSeries, type DriftKind, type DriftSeries } from './drift.js';

const START = new Date('2026-03-02T00:00:00Z');
const gate = (id: string) => DRIFT_GATES.find((g) => g.ruleId === id)!;
const series = (kind: DriftKind, seed: string, id = 'backup-success-high', everyDays = 7) => driftSeries({ seed, kind, gate: gate(id), start: START, days: 182, everyDays });

/** The engine's verdict scan by scan (with the previous finding, for the dead band): the first pass → fail. */
const { rules } = loadRuleSet(defaultRulesPath());

function engineCrossing(s: DriftSeries): string | null {
  const rule = rules.find((r) => r.id === s.gate.ruleId)!;
  let prev: Finding | undefined;
  for (const p of s.points) {
    if (p.status !== 'complete') continue;
    const f = evaluateRule(rule, p.bundle, new Map(p.bundle.evidence.map((e) => [e.key, e])), { now: new Date(p.at), ...(prev ? { previous: [prev] } : {}) });
    if (f.outcome === 'unknown') continue;
    if (prev?.outcome === 'pass' && f.outcome !== 'pass') return p.at;
    prev = f;
  }
  return null;
}

describe('drifting histories', () => {
  it('are a pure function of the seed', () => {
    expect(series('slow_decline', 'a')).toEqual(series('slow_decline', 'a'));
    expect(series('slow_decline', 'a').observed).not.toEqual(series('slow_decline', 'b').observed);
  });

  it('weekly and twice-weekly scans over the span, with partial scans and lost visibility among them', () => {
    const weekly = series('noisy_flat', 'w');
    expect(weekly.points).toHaveLength(27);
    expect(series('noisy_flat', 'w', 'backup-success-high', 3.5).points.length).toBe(53);
    const many = Array.from({ length: 20 }, (_, i) => series('noisy_flat', `m${i}`)).flatMap((s) => s.points);
    expect(many.some((p) => p.status === 'partial' && p.bundle.evidence[0]!.value!['pct'] === 0)).toBe(true);
    expect(many.some((p) => p.status === 'complete' && p.bundle.evidence[0]!.status === 'unavailable')).toBe(true);
    expect(weekly.points[0]!.bundle).toMatchObject({ sources: ['backup'], evidence: [{ key: 'backup.protection', status: 'ok' }] });
  });

  it('slow declines cross the gate inside the history; the ground truth is the engine’s own first failure', () => {
    for (const [i, id] of ['backup-success-high', 'mfa-user-coverage', 'alerts-backlog', 'agent-coverage-high'].entries()) {
      const s = series('slow_decline', `sd${i}`, id);
      expect(s.crossing).not.toBeNull();
      expect(Date.parse(s.crossing!)).toBeGreaterThan(Date.parse(s.driftStart!));
      expect(Math.sign(s.driftPerWeek)).toBe(s.gate.direction === 'gte' ? -1 : 1);
      expect(engineCrossing(s)).toBe(s.crossing);
      expect(s.crossings[0]).toBe(s.crossing);
    }
  });

  it('step drops cross at the step; noisy-but-flat and recovering series do not cross', () => {
    const step = series('step_drop', 'st');
    expect(step.crossing).not.toBeNull();
    expect(Date.parse(step.crossing!) - Date.parse(step.driftStart!)).toBeLessThanOrEqual(7 * 86_400_000);
    expect(engineCrossing(step)).toBe(step.crossing);
    for (let i = 0; i < 10; i++) {
      const flat = series('noisy_flat', `nf${i}`, DRIFT_GATES[i % DRIFT_GATES.length]!.ruleId);
      expect(flat.crossing).toBeNull();
      expect(flat.crossings).toEqual([]);
      expect(['medium', 'high']).toContain(flat.noise);
      expect(series('recovering', `rc${i}`, 'patch-compliance').driftPerWeek).toBeGreaterThan(0);
    }
  });
});
