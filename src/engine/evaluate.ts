/**
 * The rules engine (DESIGN §7): a pure function of an evidence bundle, a rule set, the time and — for dead bands —
 * the previous scan's findings. No I/O and no clock of its own, so any stored scan can be re-scored offline.
 */
import { catalogEntry } from '../evidence/catalog.js';
import type { Evidence, EvidenceBundle } from '../evidence/types.js';
import { describe, formatNumber, holds, singleBound, widen, type Measured } from './condition.js';
import type { Rule } from './rule-schema.js';
import {
  CAPABILITIES,
  LEVEL_NAMES,
  type CapabilityScore,
  type Evaluation,
  type Finding,
  type Outcome,
  type RoadmapItem,
} from './types.js';

export interface EvaluateOptions {
  now: Date;
  /** Findings of the previous scan of the same tenant: a passing rule keeps passing inside its dead band. */
  previous?: readonly Finding[];
}

const MAX_LEVEL = 5;

function fill(template: string, value: Record<string, unknown>): string {
  return template.replace(/\{(\w+)\}/g, (_, k: string) => {
    const v = value[k];
    if (typeof v === 'number') return formatNumber(v);
    if (v === null || v === undefined) return 'n/a';
    return String(v);
  });
}

function observedText(rule: Rule, ev: Evidence, measured: Measured): string {
  if (rule.observed && ev.value) return fill(rule.observed, ev.value);
  const unit = rule.unit ? (rule.unit === '%' ? ' %' : ` ${rule.unit}`) : '';
  return `${rule.measure} = ${typeof measured === 'number' ? formatNumber(measured) : String(measured)}${unit}`;
}

function unknownFinding(rule: Rule, outcome: 'unknown' | 'not_applicable', reason: string): Omit<Finding, 'expected' | 'title' | 'remediation'> {
  return {
    ruleId: rule.id,
    capability: rule.capability,
    level: rule.level,
    outcome,
    score: null,
    evidence: [rule.evidence],
    observed: reason,
    weight: rule.weight,
    critical: rule.critical,
    advisory: rule.advisory,
    measured: null,
    reason,
  };
}

function isStale(ev: Evidence, rule: Rule, now: Date): number | null {
  const maxAge = rule.maxAgeHours ?? catalogEntry(rule.evidence)?.maxAgeHours;
  if (!maxAge) return null;
  const ageHours = (now.getTime() - Date.parse(ev.collectedAt)) / 3_600_000;
  return ageHours > maxAge ? ageHours : null;
}

function partialScore(rule: Rule, v: number): number | null {
  if (!rule.partial) return null;
  const p = singleBound(rule.pass);
  const q = singleBound(rule.partial);
  if (!p || !q || !holds(rule.partial, v)) return null;
  const span = p.value - q.value;
  if (span === 0) return null;
  return Math.min(1, Math.max(0, (v - q.value) / span));
}

export function evaluateRule(rule: Rule, bundle: EvidenceBundle, byKey: Map<string, Evidence>, opts: EvaluateOptions): Finding {
  const expected = describe(rule.pass, rule.unit);
  const base = { title: rule.title, expected, remediation: rule.remediation };
  const source = catalogEntry(rule.evidence)?.source;
  // History and attestations exist for every tenant: their rules are never not_applicable, at most unknown.
  if (source && source !== 'history' && source !== 'attestation' && !bundle.sources.includes(source)) {
    return { ...base, ...unknownFinding(rule, 'not_applicable', `no ${source} source configured for this tenant`) };
  }
  const ev = byKey.get(rule.evidence);
  if (!ev) {
    const why =
      source === 'history' ? 'insufficient history' : source === 'attestation' ? 'no attestation recorded' : `evidence ${rule.evidence} was not collected`;
    return { ...base, ...unknownFinding(rule, 'unknown', why) };
  }
  if (ev.status !== 'ok' || !ev.value) {
    return { ...base, ...unknownFinding(rule, 'unknown', `${ev.status}: ${ev.reason ?? 'no value'}`) };
  }
  const age = isStale(ev, rule, opts.now);
  if (age !== null) {
    return { ...base, ...unknownFinding(rule, 'unknown', `stale: evidence is ${Math.round(age)} h old`) };
  }
  const raw = ev.value[rule.measure];
  if (raw === null || raw === undefined || !['number', 'boolean', 'string'].includes(typeof raw)) {
    return { ...base, ...unknownFinding(rule, 'unknown', `${rule.measure} could not be measured`) };
  }
  const measured = raw as Measured;
  const prev = opts.previous?.find((f) => f.ruleId === rule.id);
  let outcome: Outcome;
  let score: number;
  let observed = observedText(rule, ev, measured);
  const band = rule.deadBand ?? (rule.unit === '%' ? 2 : 0);
  if (holds(rule.pass, measured)) {
    outcome = 'pass';
    score = 1;
  } else if (prev?.outcome === 'pass' && typeof measured === 'number' && band > 0 && holds(widen(rule.pass, band), measured)) {
    // Hysteresis: a value hovering at the line does not flip the gate between scans.
    outcome = 'pass';
    score = 1;
    observed += ` (within the ${formatNumber(band)}-point dead band; still counted as passing)`;
  } else {
    const credit = typeof measured === 'number' ? partialScore(rule, measured) : null;
    if (credit !== null) {
      outcome = 'partial';
      score = Math.round(credit * 1000) / 1000;
    } else {
      outcome = 'fail';
      score = 0;
    }
  }
  return {
    ...base,
    ruleId: rule.id,
    capability: rule.capability,
    level: rule.level,
    outcome,
    score,
    evidence: [rule.evidence],
    observed,
    weight: rule.weight,
    critical: rule.critical,
    advisory: rule.advisory,
    measured,
    reason: null,
  };
}

function capabilityLevel(gates: Finding[], unknownPasses: boolean): number {
  let level = 1;
  for (let l = 2; l <= MAX_LEVEL; l++) {
    const atLevel = gates.filter((g) => g.level === l && g.outcome !== 'not_applicable');
    // A level whose gates are all not applicable (or absent) is not awarded: nothing shows it.
    if (atLevel.length === 0) break;
    const ok = atLevel.every((g) => g.outcome === 'pass' || (unknownPasses && g.outcome === 'unknown'));
    if (!ok) break;
    level = l;
  }
  return level;
}

function scoreCapability(id: string, name: string, findings: Finding[]): CapabilityScore {
  const applicable = findings.filter((f) => f.outcome !== 'not_applicable');
  const known = applicable.filter((f) => f.outcome !== 'unknown');
  const totalWeight = applicable.reduce((s, f) => s + f.weight, 0);
  const knownWeight = known.reduce((s, f) => s + f.weight, 0);
  const gates = findings.filter((f) => !f.advisory);
  return {
    id,
    name,
    level: capabilityLevel(gates, false),
    potential: capabilityLevel(gates, true),
    // Unknown never counts as 0: the score is over known outcomes, with coverage beside it.
    score: knownWeight > 0 ? Math.round((known.reduce((s, f) => s + f.weight * (f.score ?? 0), 0) / knownWeight) * 1000) / 10 : null,
    coverage: totalWeight > 0 ? Math.round((knownWeight / totalWeight) * 1000) / 1000 : 0,
    // History gates exist for every capability; only a real source makes a capability assessed. A capability whose
    // applicable rules are all advisory (governance attestations by default) informs but never sets the level.
    assessed: applicable.some((f) => !isHistory(f) && !f.advisory),
  };
}

const isHistory = (f: Finding) => f.evidence.every((k) => catalogEntry(k)?.source === 'history');

/**
 * History gates apply to every capability, but a capability with no source configured is not assessed at all:
 * its "sustained for 90 days" gate is then not applicable rather than an unknown that clutters the report.
 */
function markUnassessedHistoryGates(findings: Finding[]): void {
  const assessed = new Set(findings.filter((f) => f.outcome !== 'not_applicable' && !isHistory(f) && !f.advisory).map((f) => f.capability));
  for (const f of findings) {
    if (isHistory(f) && !assessed.has(f.capability)) {
      Object.assign(f, { outcome: 'not_applicable', score: null, measured: null, reason: 'capability not assessed: no source configured', observed: 'capability not assessed: no source configured' });
    }
  }
}

export function evaluate(bundle: EvidenceBundle, rules: readonly Rule[], opts: EvaluateOptions): Evaluation {
  const byKey = new Map(bundle.evidence.map((e) => [e.key, e]));
  const findings = rules.map((r) => evaluateRule(r, bundle, byKey, opts));
  markUnassessedHistoryGates(findings);
  const capabilities = CAPABILITIES.map((c) => scoreCapability(c.id, c.name, findings.filter((f) => f.capability === c.id)));
  const assessed = capabilities.filter((c) => c.assessed);
  // The weakest capability sets the overall level (CMMI staged representation, Essential Eight).
  const value = assessed.length ? Math.min(...assessed.map((c) => c.level)) : 1;
  const potential = assessed.length ? Math.min(...assessed.map((c) => c.potential)) : 1;
  const assessedIds = new Set(assessed.map((c) => c.id));
  const gates = findings.filter((f) => !f.advisory && assessedIds.has(f.capability));
  const next = Math.min(MAX_LEVEL, value + 1);
  const byWeight = (a: Finding, b: Finding) => b.weight - a.weight || a.level - b.level || a.ruleId.localeCompare(b.ruleId);
  const blockers = gates
    .filter((f) => (f.outcome === 'fail' || f.outcome === 'partial') && f.level <= next)
    .sort(byWeight)
    .map((f) => f.ruleId);
  const unknown = gates
    .filter((f) => f.outcome === 'unknown' && f.level <= Math.max(potential, next))
    .sort((a, b) => a.level - b.level || byWeight(a, b))
    .map((f) => f.ruleId);
  const roadmap: RoadmapItem[] =
    value >= MAX_LEVEL
      ? []
      : gates
          .filter((f) => f.level === next && f.outcome !== 'pass' && f.outcome !== 'not_applicable')
          .sort(byWeight)
          .map((f) => ({
            ruleId: f.ruleId,
            capability: f.capability,
            toLevel: next,
            outcome: f.outcome,
            gap: f.outcome === 'unknown' ? `cannot be measured: ${f.reason}` : `${f.observed}; expected ${f.expected}`,
            remediation: f.remediation,
            weight: f.weight,
          }));
  return {
    level: { value, name: LEVEL_NAMES[value]!, potential, confirmed: value === potential, blockers, unknown },
    capabilities,
    findings,
    roadmap,
  };
}
