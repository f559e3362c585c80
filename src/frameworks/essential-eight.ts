/**
 * ASD Essential Eight from the evidence bundle (DESIGN §14). Pure: the same bundle gives the same view, so a scan and
 * a rescore of its stored bundle agree (attestations reach it as `attestation.<kind>` evidence in the bundle).
 *
 * The level rule (reference/maturity-gates.md §1): a strategy is at MLn only when every requirement of MLn's own
 * complete set — and of every level below — is met. Sets are explicit per requirement (`levels`), so a requirement
 * replaced at ML3 (ISM-1691, 1695, 1873) is simply not in ML3's set. A level whose set is empty is never awarded;
 * unknown evidence counts as not met; a not-assessable requirement is met only by a valid attestation, and an
 * attestation never overrides evidence that was measured and failed.
 */
import { catalogEntry } from '../evidence/catalog.js';
import { describe, formatNumber, holds, type Measured } from '../engine/condition.js';
import type { Evidence, EvidenceBundle } from '../domain/evidence.js';
import type { EssentialEightView, FrameworkRequirementResult, FrameworkStrategyResult } from '../domain/frameworks.js';
import type { Framework, FrameworkCheck, FrameworkRequirement, FrameworkStrategy } from './schema.js';

type CheckResult = { outcome: 'pass' | 'fail' | 'unknown'; text: string };

const LEVELS = [1, 2, 3] as const;

function checkOne(c: FrameworkCheck, bundle: EvidenceBundle, byKey: Map<string, Evidence>, now: Date): CheckResult {
  const entry = catalogEntry(c.evidence);
  const name = `${c.evidence} ${c.measure}`;
  const source = entry?.source;
  if (source && source !== 'history' && source !== 'attestation' && !bundle.sources.includes(source)) {
    return { outcome: 'unknown', text: `${name}: unknown (no ${source} source configured for this tenant)` };
  }
  const ev = byKey.get(c.evidence);
  if (!ev) return { outcome: 'unknown', text: `${name}: unknown (evidence not collected)` };
  if (ev.status !== 'ok' || !ev.value) return { outcome: 'unknown', text: `${name}: unknown (${ev.status}: ${ev.reason ?? 'no value'})` };
  const ageHours = (now.getTime() - Date.parse(ev.collectedAt)) / 3_600_000;
  if (entry && ageHours > entry.maxAgeHours) return { outcome: 'unknown', text: `${name}: unknown (stale: evidence is ${Math.round(ageHours)} h old)` };
  const fieldReason = (map: 'notApplicable' | 'unknownReasons'): string | null => {
    const m = ev.value?.[map];
    const r = typeof m === 'object' && m !== null ? (m as Record<string, unknown>)[c.measure] : undefined;
    return typeof r === 'string' && r.length > 0 ? r : null;
  };
  // A field the evidence itself marks not applicable or unmeasurable is unknown here: ASD wants N/A justified in
  // writing, which is what an attestation is.
  const why = fieldReason('notApplicable') ?? fieldReason('unknownReasons');
  const v = ev.value[c.measure];
  if (why || v === null || v === undefined || !['number', 'boolean', 'string'].includes(typeof v)) {
    return { outcome: 'unknown', text: `${name}: unknown (${why ?? 'not measured'})` };
  }
  const shown = typeof v === 'number' ? formatNumber(v) : String(v);
  const ok = holds(c.pass, v as Measured);
  return { outcome: ok ? 'pass' : 'fail', text: `${name} = ${shown} (needs ${describe(c.pass)})` };
}

/** Kinds that satisfy a requirement: its own, and the same strategy's kinds of higher levels (`…_ml2` covers `…_ml1`). */
function acceptedKinds(kind: string): string[] {
  const m = /^(.*_ml)(\d)$/.exec(kind);
  if (!m) return [kind];
  return LEVELS.filter((l) => l >= Number(m[2])).map((l) => `${m[1]}${l}`);
}

function attestationFor(req: FrameworkRequirement, byKey: Map<string, Evidence>, now: Date): FrameworkRequirementResult['attestation'] | undefined {
  if (!req.attestation) return undefined;
  for (const kind of acceptedKinds(req.attestation)) {
    const ev = byKey.get(`attestation.${kind}`);
    const v = ev?.value;
    if (!ev || ev.status !== 'ok' || !v || v.attested !== true) continue;
    const expiresAt = typeof v.expiresAt === 'string' ? v.expiresAt : null;
    // The scan already turned an expired attestation into unavailable evidence; checking again keeps a replayed
    // bundle honest about the time it was scored at.
    if (expiresAt !== null && Date.parse(expiresAt) <= now.getTime()) continue;
    return {
      kind,
      by: typeof v.author === 'string' ? v.author : 'unknown',
      at: typeof v.attestedAt === 'string' ? v.attestedAt : ev.collectedAt,
      expiresAt,
    };
  }
  return undefined;
}

function judge(req: FrameworkRequirement, bundle: EvidenceBundle, byKey: Map<string, Evidence>, now: Date): FrameworkRequirementResult {
  const levels = [...req.levels].sort();
  const evidenceKeys = [...new Set((req.checks ?? []).map((c) => c.evidence))];
  const base = {
    id: req.id,
    controls: req.controls,
    title: req.title,
    level: levels[0]!,
    levels,
    ...(req.attestation ? { attestationKind: req.attestation } : {}),
  };
  const attested = attestationFor(req, byKey, now);
  const attestedText = (a: NonNullable<typeof attested>) => `attested (${a.kind}) by ${a.by} on ${a.at.slice(0, 10)}${a.expiresAt ? `, valid until ${a.expiresAt.slice(0, 10)}` : ''}`;
  const attestedKeys = attested ? [`attestation.${attested.kind}`] : [];

  if (!req.checks) {
    const reason = req.reason ?? 'not assessable from the evidence Ratchet reads';
    if (attested) return { ...base, status: 'met', evidence: attestedText(attested), evidenceKeys: attestedKeys, attestation: attested, reason };
    return { ...base, status: 'not_assessable', evidence: `not assessable: ${reason}`, evidenceKeys, reason };
  }
  const results = req.checks.map((c) => checkOne(c, bundle, byKey, now));
  const measured = results.map((r) => r.text).join('; ');
  // Evidence that was measured and failed decides: no attestation overrides it.
  if (results.some((r) => r.outcome === 'fail')) return { ...base, status: 'not_met', evidence: measured, evidenceKeys };
  if (results.some((r) => r.outcome === 'unknown')) {
    if (attested) return { ...base, status: 'met', evidence: `${measured}; ${attestedText(attested)}`, evidenceKeys: [...evidenceKeys, ...attestedKeys], attestation: attested };
    const reason = `evidence unavailable: ${results.filter((r) => r.outcome === 'unknown').map((r) => r.text).join('; ')}`;
    return { ...base, status: 'not_assessable', unknown: true, evidence: measured, evidenceKeys, reason };
  }
  if (req.refuteOnly) {
    if (attested) return { ...base, status: 'met', evidence: `${measured}; ${attestedText(attested)}`, evidenceKeys: [...evidenceKeys, ...attestedKeys], attestation: attested, reason: req.reason };
    return { ...base, status: 'not_assessable', evidence: measured, evidenceKeys, reason: req.reason };
  }
  return { ...base, status: 'met', evidence: measured, evidenceKeys };
}

const inLevel = (r: FrameworkRequirementResult, level: number) => (r.levels ?? [r.level]).includes(level);

/** The highest level whose complete set, and every set below, is non-empty and fully met. */
export function strategyLevel(requirements: FrameworkRequirementResult[]): number {
  let level = 0;
  for (const l of LEVELS) {
    const set = requirements.filter((r) => inLevel(r, l));
    if (set.length === 0 || set.some((r) => r.status !== 'met')) break;
    level = l;
  }
  return level;
}

/**
 * What blocks a level, shortest first: each measured failure and each unknown by its controls, then the
 * not-assessable ones grouped by the attestation that would clear them ("ISM-0843, ISM-1870 (+1) not assessable
 * (attest e8_application_control_ml1)").
 */
function blockersText(blockers: FrameworkRequirementResult[]): string {
  const parts = blockers
    .filter((r) => r.status === 'not_met' || r.unknown)
    .map((r) => `${r.controls.join('/')} ${r.status === 'not_met' ? 'not met' : 'unknown'}${r.status !== 'not_met' && r.attestationKind ? ` (attest ${r.attestationKind})` : ''}`);
  const groups = new Map<string, string[]>();
  for (const r of blockers.filter((x) => x.status === 'not_assessable' && !x.unknown)) {
    const key = r.attestationKind ?? '';
    groups.set(key, [...(groups.get(key) ?? []), ...r.controls]);
  }
  for (const [kind, controls] of groups) {
    const shown = controls.length > 3 ? `${controls.slice(0, 3).join(', ')} (+${controls.length - 3})` : controls.join(', ');
    parts.push(`${shown} not assessable${kind ? ` (attest ${kind})` : ''}`);
  }
  return parts.join(', ');
}

function restsOn(level: number, requirements: FrameworkRequirementResult[]): string {
  const parts: string[] = [];
  if (level > 0) {
    const set = requirements.filter((r) => inLevel(r, level));
    const byAttestation = set.filter((r) => r.attestation).length;
    parts.push(`ML${level} holds: all ${set.length} requirements met${byAttestation > 0 ? ` (${byAttestation} by attestation)` : ''}`);
  }
  if (level < 3) {
    const next = level + 1;
    const set = requirements.filter((r) => inLevel(r, next));
    if (set.length === 0) parts.push(`ML${next} has no requirements and is never awarded`);
    else {
      parts.push(`ML${next} blocked by: ${blockersText(set.filter((r) => r.status !== 'met'))}`);
    }
  }
  return parts.join('; ');
}

function evaluateStrategy(s: FrameworkStrategy, bundle: EvidenceBundle, byKey: Map<string, Evidence>, now: Date): FrameworkStrategyResult {
  const requirements = s.requirements.map((r) => judge(r, bundle, byKey, now));
  const level = strategyLevel(requirements);
  return { id: s.id, name: s.name, level, restsOn: restsOn(level, requirements), requirements };
}

/** The Essential Eight view of one evidence bundle, scored at the bundle's collection time. */
export function evaluateEssentialEight(framework: Framework, bundle: EvidenceBundle): EssentialEightView {
  const now = new Date(bundle.collectedAt);
  const byKey = new Map(bundle.evidence.map((e) => [e.key, e]));
  const strategies = framework.strategies.map((s) => evaluateStrategy(s, bundle, byKey, now));
  return { model: framework.model, overall: Math.min(...strategies.map((s) => s.level)), strategies };
}
