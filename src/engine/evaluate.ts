/**
 * The rules engine (DESIGN §7): a pure function of an evidence bundle, a rule set, the time and — for dead bands —
 * the previous scan's findings. No I/O and no clock of its own, so any stored scan can be re-scored offline.
 *
 * Monotonic by construction (rules/README.md, "Monotonic by construction, and proven"): every gate's credit only
 * falls as its measure gets worse, a level is the highest L whose gates 2..L all pass, a score is banded by that
 * level, and nothing that is missing (a source, a permission, history) ever counts in a tenant's favour in the
 * confirmed figures.
 */
import { catalogEntry } from '../evidence/catalog.js';
import type { Evidence, EvidenceBundle } from '../domain/evidence.js';
import { describe, formatNumber, holds, singleBound, widen, type Measured } from './condition.js';
import { deriveHistoryEvidence, historyScans } from './history.js';
import type { Rule } from './rule-schema.js';
import { resolveScope, type ScopeDecision } from './scope.js';
import {
  CAPABILITIES,
  LEVEL_NAMES,
  type CapabilityScore,
  type Evaluation,
  type Finding,
  type LevelGates,
  type Outcome,
  type RoadmapItem,
} from '../domain/assessment.js';

export interface EvaluateOptions {
  now: Date;
  /** Findings of the previous scan of the same tenant: a passing rule keeps passing inside its dead band. */
  previous?: readonly Finding[];
}

const MAX_LEVEL = 5;
/** Evidence the scan layer hands over for the history gates (past scans' snapshot levels). */
export const HISTORY_SCANS_KEY = 'history.scans';

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

type Base = Pick<Finding, 'title' | 'expected' | 'remediation'>;

function noValue(rule: Rule, base: Base, outcome: 'unknown' | 'not_applicable', reason: string): Finding {
  return {
    ...base,
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

/**
 * Linear credit from the partial bound (0) to the pass bound (1): continuous, so a value one step better never earns
 * less. A value exactly on the partial bound earns nothing and is a fail, not a "partial" with zero credit.
 */
function partialCredit(rule: Rule, v: number): number {
  if (!rule.partial) return 0;
  const p = singleBound(rule.pass);
  const q = singleBound(rule.partial);
  if (!p || !q || !holds(rule.partial, v)) return 0;
  const span = p.value - q.value;
  if (span === 0) return 0;
  return Math.min(1, Math.max(0, (v - q.value) / span));
}

/** A per-field reason the evidence itself gives (`notApplicable` / `unknownReasons` maps in its value). */
function fieldReason(value: Record<string, unknown>, map: 'notApplicable' | 'unknownReasons', field: string): string | null {
  const m = value[map];
  if (typeof m !== 'object' || m === null) return null;
  const r = (m as Record<string, unknown>)[field];
  return typeof r === 'string' && r.length > 0 ? r : null;
}

/** `missingSource` marks a gate whose source the tenant has not connected; scope decides what that means. */
type Evaluated = Finding & { missingSource?: string };

export function evaluateRule(rule: Rule, bundle: EvidenceBundle, byKey: Map<string, Evidence>, opts: EvaluateOptions): Evaluated {
  const expected = describe(rule.pass, rule.unit);
  const base: Base = { title: rule.title, expected, remediation: rule.remediation };
  const source = catalogEntry(rule.evidence)?.source;
  // History and attestations exist for every tenant: their rules are never not_applicable for want of a source.
  if (source && source !== 'history' && source !== 'attestation' && !bundle.sources.includes(source)) {
    return { ...noValue(rule, base, 'not_applicable', `no ${source} source configured for this tenant`), missingSource: source };
  }
  const ev = byKey.get(rule.evidence);
  if (!ev) {
    const why =
      source === 'history' ? 'insufficient history' : source === 'attestation' ? 'no attestation recorded' : `evidence ${rule.evidence} was not collected`;
    return noValue(rule, base, 'unknown', why);
  }
  if (ev.status !== 'ok' || !ev.value) {
    if (ev.reasonCode === 'not_licensed' && rule.whenUnlicensed) {
      return noValue(rule, base, 'not_applicable', `${ev.reason ?? 'not licensed'}; ${rule.whenUnlicensed}`);
    }
    return noValue(rule, base, 'unknown', `${ev.status}: ${ev.reason ?? 'no value'}`);
  }
  const age = isStale(ev, rule, opts.now);
  if (age !== null) return noValue(rule, base, 'unknown', `stale: evidence is ${Math.round(age)} h old`);
  const na = fieldReason(ev.value, 'notApplicable', rule.measure);
  if (na) return noValue(rule, base, 'not_applicable', na);
  // Preconditions first: a gate cannot pass on a measure that means nothing without them (0 exclusions of no
  // policy), and a failed precondition is a fail even when the measure itself cannot be taken.
  for (const [field, cond] of Object.entries(rule.requires ?? {})) {
    const v = ev.value[field];
    if (v === null || v === undefined || !['number', 'boolean', 'string'].includes(typeof v)) {
      return noValue(rule, base, 'unknown', fieldReason(ev.value, 'unknownReasons', field) ?? `${field} could not be measured`);
    }
    if (!holds(cond, v as Measured)) {
      const why = `requires ${field} ${describe(cond)}, it is ${String(v)}`;
      return { ...noValue(rule, base, 'unknown', why), outcome: 'fail', score: 0, reason: null };
    }
  }
  const raw = ev.value[rule.measure];
  if (raw === null || raw === undefined || !['number', 'boolean', 'string'].includes(typeof raw)) {
    return noValue(rule, base, 'unknown', fieldReason(ev.value, 'unknownReasons', rule.measure) ?? `${rule.measure} could not be measured`);
  }
  const measured = raw as Measured;
  let observed = observedText(rule, ev, measured);
  const prev = opts.previous?.find((f) => f.ruleId === rule.id);
  let outcome: Outcome;
  let score: number;
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
    const credit = typeof measured === 'number' ? partialCredit(rule, measured) : 0;
    // Floor to 3 places: rounding up could give a gate that has not passed full credit.
    score = Math.floor(credit * 1000) / 1000;
    outcome = score > 0 ? 'partial' : 'fail';
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

const isHistory = (f: Finding) => f.evidence.every((k) => catalogEntry(k)?.source === 'history');

/**
 * Highest L whose gates 2..L all pass (unknown counts as passed for the potential level); an empty level stops,
 * except the levels in `passThrough` (for snapshot levels: levels gated by history alone).
 */
function levelOf(gates: Finding[], unknownPasses: boolean, passThrough: ReadonlySet<number> = new Set()): number {
  let level = 1;
  for (let l = 2; l <= MAX_LEVEL; l++) {
    const atLevel = gates.filter((g) => g.level === l);
    if (atLevel.length === 0 && passThrough.has(l)) {
      level = l;
      continue;
    }
    if (atLevel.length === 0) break;
    if (!atLevel.every((g) => g.outcome === 'pass' || (unknownPasses && g.outcome === 'unknown'))) break;
    level = l;
  }
  return level;
}

/** Weighted credit of a level's gates; unknown earns `unknownCredit`. */
function credit(gates: Finding[], unknownCredit: number): number {
  const w = gates.reduce((s, g) => s + g.weight, 0);
  if (w === 0) return 0;
  return gates.reduce((s, g) => s + g.weight * (g.outcome === 'unknown' ? unknownCredit : (g.score ?? 0)), 0) / w;
}

/** 25 per level above 1 plus 25 × the next level's credit: level 3 is always 50–74.9, level 5 is 100. */
function bandedScore(gates: Finding[], level: number, unknownCredit: number): number {
  if (level >= MAX_LEVEL) return 100;
  const next = gates.filter((g) => g.level === level + 1);
  return Math.floor((25 * (level - 1) + 25 * credit(next, unknownCredit)) * 10) / 10;
}

function levelGates(gates: Finding[]): LevelGates[] {
  const out: LevelGates[] = [];
  for (let l = 2; l <= MAX_LEVEL; l++) {
    const at = gates.filter((g) => g.level === l);
    out.push({ level: l, passed: at.filter((g) => g.outcome === 'pass').length, total: at.length, unknown: at.filter((g) => g.outcome === 'unknown').length });
  }
  return out;
}

/** Scored gates: non-advisory and applicable. */
const scored = (findings: Finding[]) => findings.filter((f) => !f.advisory && f.outcome !== 'not_applicable');

/**
 * The level the point-in-time gates show, history gates left out: what each scan records for the history gates to
 * read. A level gated by history alone (monitoring's level 4 where the RMM reports no severities or acknowledgement
 * times) does not stop it — its history gate is the real gate, and it reads this.
 */
function snapshotOf(findings: Finding[], unassessed: boolean, historyLevels: ReadonlySet<number>): { level: number; potential: number; score: number | null } {
  if (unassessed) return { level: 1, potential: 5, score: null };
  const gates = scored(findings).filter((f) => !isHistory(f));
  const historyOnly = new Set([...historyLevels].filter((l) => !gates.some((g) => g.level === l)));
  const level = levelOf(gates, false, historyOnly);
  return { level, potential: levelOf(gates, true, historyOnly), score: bandedScore(gates, level, 0) };
}

function scoreCapability(id: string, name: string, findings: Finding[], decision: ScopeDecision, historyLevels: ReadonlySet<number>): CapabilityScore {
  const gates = scored(findings);
  const known = gates.filter((f) => f.outcome !== 'unknown');
  const totalWeight = gates.reduce((s, f) => s + f.weight, 0);
  const knownWeight = known.reduce((s, f) => s + f.weight, 0);
  const unassessed = decision.scope === 'unassessed';
  const level = unassessed ? 1 : levelOf(gates, false);
  const potential = levelOf(gates, true);
  const snapshot = snapshotOf(findings, unassessed, historyLevels);
  return {
    id,
    name,
    level,
    potential,
    // Only an assessed capability has a score: out of scope, unassessed and optional ones say why instead.
    score: decision.scope === 'assessed' ? bandedScore(gates, level, 0) : null,
    potentialScore: decision.scope === 'assessed' ? bandedScore(gates, potential, 1) : null,
    coverage: totalWeight > 0 ? Math.floor((knownWeight / totalWeight) * 1000) / 1000 : 0,
    assessed: decision.scope === 'assessed',
    scope: decision.scope,
    scopeReason: decision.reason,
    snapshotLevel: snapshot.level,
    snapshotPotential: snapshot.potential,
    snapshotScore: snapshot.score,
    gates: levelGates(gates),
  };
}

function restsOn(value: number, capabilities: CapabilityScore[]): string {
  const part = capabilities.filter((c) => c.scope === 'assessed' || c.scope === 'unassessed');
  if (part.length === 0) return 'no capability in scope';
  const weakest = part.filter((c) => c.level === value).map((c) => (c.scope === 'unassessed' ? `${c.id} (not assessed)` : c.id));
  const others = part.filter((c) => c.level !== value).map((c) => `${c.id} L${c.level}`);
  const out = capabilities.filter((c) => c.scope === 'out_of_scope').map((c) => c.id);
  return (
    `level ${value} (${LEVEL_NAMES[value]}) is the weakest in-scope capability: ${weakest.join(', ')} at L${value}` +
    (others.length ? `; ${others.join(', ')}` : '') +
    (out.length ? `; out of scope: ${out.join(', ')}` : '')
  );
}

export function evaluate(bundle: EvidenceBundle, rules: readonly Rule[], opts: EvaluateOptions): Evaluation {
  const byKey = new Map(bundle.evidence.map((e) => [e.key, e]));
  const historyRule = (r: Rule) => /^history\.[a-z]+$/.test(r.evidence) && r.evidence !== HISTORY_SCANS_KEY && catalogEntry(r.evidence)?.source === 'history' && r.evidence !== 'history.stability';
  // Pass 1: point-in-time gates. Their snapshot levels feed the history gates of pass 2.
  const evaluated = new Map<string, Evaluated>();
  for (const r of rules) if (!historyRule(r)) evaluated.set(r.id, evaluateRule(r, bundle, byKey, opts));
  const pointInTime = [...evaluated.values()];
  const decisions = resolveScope(rules, pointInTime, bundle);
  // Levels gated by history alone, per capability (the snapshot passes through them: their history gate decides).
  const historyLevels = new Map(CAPABILITIES.map((c) => [c.id, new Set(rules.filter((r) => r.capability === c.id && !r.advisory && historyRule(r)).map((r) => r.level))]));
  const current: Record<string, { level: number; potential: number; score: number | null }> = {};
  for (const c of CAPABILITIES) {
    const d = decisions.get(c.id)!;
    current[c.id] = snapshotOf(pointInTime.filter((f) => f.capability === c.id), d.scope !== 'assessed', historyLevels.get(c.id)!);
  }
  const derived = deriveHistoryEvidence(historyScans(byKey.get(HISTORY_SCANS_KEY)), current, opts.now);
  for (const e of derived) byKey.set(e.key, e);
  for (const r of rules) if (historyRule(r)) evaluated.set(r.id, evaluateRule(r, bundle, byKey, opts));
  const findings: Finding[] = rules.map((r) => {
    const f = evaluated.get(r.id)!;
    const d = decisions.get(f.capability)!;
    const { missingSource, ...finding } = f;
    if (d.scope === 'unassessed' && (missingSource || isHistory(finding))) {
      // An in-scope capability with no source is unknown, never not_applicable: it must not lift the level.
      return { ...finding, outcome: 'unknown', score: null, measured: null, reason: d.reason, observed: d.reason ?? 'not assessed' };
    }
    if ((d.scope === 'out_of_scope' || d.scope === 'not_assessed') && (missingSource || isHistory(finding))) {
      return { ...finding, outcome: 'not_applicable', score: null, measured: null, reason: d.reason, observed: d.reason ?? 'not assessed' };
    }
    if (missingSource && d.scope === 'assessed') {
      const why = `no ${missingSource} source configured; ${f.capability} rests on ${d.sources.join(' and ')} evidence`;
      return { ...finding, reason: why, observed: why };
    }
    return finding;
  });
  const capabilities = CAPABILITIES.map((c) => scoreCapability(c.id, c.name, findings.filter((f) => f.capability === c.id), decisions.get(c.id)!, historyLevels.get(c.id)!));
  const part = capabilities.filter((c) => c.scope === 'assessed' || c.scope === 'unassessed');
  // The weakest in-scope capability sets the overall level (CMMI staged representation, Essential Eight).
  const value = part.length ? Math.min(...part.map((c) => c.level)) : 1;
  const potential = part.length ? Math.min(...part.map((c) => c.potential)) : 1;
  const assessedIds = new Set(capabilities.filter((c) => c.scope === 'assessed').map((c) => c.id));
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
  const unassessed = capabilities.filter((c) => c.scope === 'unassessed');
  const scope = {
    complete: unassessed.length === 0,
    unassessed: unassessed.map((c) => c.id),
    connect: Object.fromEntries(unassessed.map((c) => [c.id, decisions.get(c.id)!.connect])),
    outOfScope: Object.fromEntries(capabilities.filter((c) => c.scope === 'out_of_scope').map((c) => [c.id, bundle.outOfScope?.[c.id] ?? ''])),
  };
  return {
    level: {
      value,
      name: LEVEL_NAMES[value]!,
      potential,
      confirmed: value === potential,
      blockers,
      unknown,
      scope,
      restsOn: restsOn(value, capabilities),
    },
    capabilities,
    findings,
    roadmap,
    derived,
  };
}
