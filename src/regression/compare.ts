/**
 * Regression detection (DESIGN §8), the comparison: what got worse between a baseline scan and a later one. Only
 * findings known in both scans are compared, so a permission gap can never look like a regression; evidence that
 * stopped being available is reported as lost visibility instead. Episodes (episodes.ts) decide what a drop means
 * over time; this module only says what dropped.
 */
import type { Finding } from '../domain/assessment.js';
import { catalogEntry } from '../evidence/catalog.js';
import type { Evidence } from '../domain/evidence.js';
import type { RegressionDrop, Report } from '../domain/report.js';

export interface RegressionOptions {
  confirmScans: number;
  scoreDrop: number;
}

/** The parts of a scan a comparison reads. */
export type ComparableScan = Pick<Report, 'level' | 'findings' | 'evidence' | 'capabilities'>;
/** A stored (or being stored) scan as the current rules see it. */
export type ScanView = ComparableScan & { id: string };

const known = (f: Finding) => f.outcome !== 'unknown' && f.outcome !== 'not_applicable';

function scoreOver(findings: Finding[]): number | null {
  const w = findings.reduce((s, f) => s + f.weight, 0);
  if (w === 0) return null;
  return (findings.reduce((s, f) => s + f.weight * (f.score ?? 0), 0) / w) * 100;
}

function changedRules(before: Finding[], after: Finding[], capability?: string) {
  const prev = new Map(before.map((f) => [f.ruleId, f]));
  return after
    .filter((f) => !capability || f.capability === capability)
    .flatMap((f) => {
      const p = prev.get(f.ruleId);
      if (!p || !known(p) || !known(f) || (f.score ?? 0) >= (p.score ?? 0)) return [];
      return [{ ruleId: f.ruleId, from: p.outcome, to: f.outcome, observed: f.observed, expected: f.expected }];
    });
}

/** Drops of `current` against `baseline`, comparing only what both scans could see. */
export function compareScans(baseline: ComparableScan, current: ComparableScan, opts: RegressionOptions): RegressionDrop[] {
  const drops: RegressionDrop[] = [];
  const prevById = new Map(baseline.findings.map((f) => [f.ruleId, f]));
  const bothKnown = current.findings.filter((f) => known(f) && prevById.has(f.ruleId) && known(prevById.get(f.ruleId)!));
  const ids = new Set(bothKnown.map((f) => f.ruleId));
  const baseKnown = baseline.findings.filter((f) => ids.has(f.ruleId));
  // A confirmed-level drop counts only when a rule known in both scans got worse (not when a gate became unknown).
  const levelRules = changedRules(baseKnown, bothKnown).filter((r) => r.to !== 'pass');
  if (current.level.value < baseline.level.value && levelRules.length > 0) {
    drops.push({ kind: 'level', id: 'overall', from: baseline.level.value, to: current.level.value, rules: levelRules });
  }
  const capIds = new Set(current.findings.map((f) => f.capability));
  for (const cap of capIds) {
    const before = scoreOver(baseKnown.filter((f) => f.capability === cap));
    const after = scoreOver(bothKnown.filter((f) => f.capability === cap));
    if (before === null || after === null) continue;
    if (before - after >= opts.scoreDrop) {
      drops.push({
        kind: 'capability',
        id: cap,
        from: Math.round(before * 10) / 10,
        to: Math.round(after * 10) / 10,
        rules: changedRules(baseKnown, bothKnown, cap),
      });
    }
  }
  return drops;
}

/**
 * Collector evidence that was ok and is not now. History and attestations are not visibility: an expired
 * attestation is a governance finding (its rule turns unknown), not a permission that went missing. Nor is a
 * licence the tenant no longer has (reasonCode not_licensed, e.g. Entra ID P2 lapsed to P1): Ratchet's access did
 * not change, the feature is gone from the tenant, and its gates say so themselves (not applicable or unknown with
 * the licence named). A lost-visibility notice there would tell the MSP to fix a permission that is not missing.
 */
export function lostVisibility(before: Evidence[], after: Evidence[]): string[] {
  const now = new Map(after.map((e) => [e.key, e]));
  const collected = (e: Evidence) => !['history', 'attestation'].includes(catalogEntry(e.key)?.source ?? '');
  const lost = (e: Evidence | undefined) => e?.status !== 'ok' && e?.reasonCode !== 'not_licensed';
  return before.filter((e) => e.status === 'ok' && collected(e) && lost(now.get(e.key))).map((e) => e.key);
}
