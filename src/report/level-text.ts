/**
 * What a level rests on, in words (DESIGN §7, rules/README.md "The overall level and scope" and "Scores"): the scope
 * lines shown beside every level, the gates passed per level, and where a capability stands in the tenant's scope.
 * Shared by the text, Markdown and HTML reports and the web UI, so every place a level is shown says the same thing.
 *
 * Reports stored before scope existed lack `level.scope`, `level.restsOn`, `scope` and `gates`: every function here
 * falls back to what such a report does say (`assessed: false` → not assessed) and returns nothing for the rest.
 */
import { CAPABILITIES, type CapabilityScope, type LevelGates, type LevelSummary } from '../domain/assessment.js';

/** What a capability score means: the help text beside every score. */
export const SCORE_MEANING =
  'Banded by level: 25 per level above 1 plus progress (weighted gate credit) to the next level, 100 at level 5 — ' +
  'level 1 = 0–24.9, level 2 = 25–49.9, level 3 = 50–74.9, level 4 = 75–99.9. Unknown gates earn no credit.';

/** The short form of SCORE_MEANING, for a table footnote. */
export const SCORE_MEANING_SHORT = 'score = 25 per level above 1 + progress to the next level (level 3 = 50–74.9; 100 at level 5)';

/** The fields of a report capability this module reads (older reports lack the optional ones). */
export interface CapabilityLike {
  id: string;
  name: string;
  level: number;
  score: number | null;
  assessed?: boolean;
  scope?: CapabilityScope;
  scopeReason?: string | null;
  gates?: LevelGates[];
}

export function capabilityName(id: string): string {
  return CAPABILITIES.find((c) => c.id === id)?.name ?? id;
}

/**
 * Where a capability stands: its `scope`, or for a report stored before scope existed `not_assessed` when it was
 * marked `assessed: false` and `assessed` otherwise.
 */
export function scopeOf(c: CapabilityLike): CapabilityScope {
  if (c.scope) return c.scope;
  return c.assessed === false ? 'not_assessed' : 'assessed';
}

const SCOPE_LABELS: Record<CapabilityScope, string> = {
  assessed: 'assessed',
  unassessed: 'unassessed',
  out_of_scope: 'out of scope',
  not_assessed: 'optional, not assessed',
};

export function scopeLabel(scope: CapabilityScope): string {
  return SCOPE_LABELS[scope];
}

/**
 * Shown instead of a score for a capability that is not scored: "not assessed: connect an RMM (config section rmm)",
 * "out of scope: backup run by the client's own provider". Null for an assessed capability.
 */
export function unscoredText(c: CapabilityLike, level?: Pick<LevelSummary, 'scope'>): string | null {
  const scope = scopeOf(c);
  if (scope === 'assessed') return null;
  if (c.scopeReason) return c.scopeReason;
  if (scope === 'unassessed') {
    const connect = level?.scope?.connect[c.id];
    return connect ? `not assessed: connect ${connect}` : 'not assessed: no source connected';
  }
  if (scope === 'out_of_scope') {
    const why = level?.scope?.outOfScope[c.id];
    return why ? `out of scope: ${why}` : 'out of scope';
  }
  return 'not assessed: no source configured';
}

/** One level's gates: "L3 4/5", "L4 0/4 (3 unknown)", "L5 no gates" (an empty level is never awarded). */
export function levelGatesText(g: LevelGates): string {
  if (g.total === 0) return `L${g.level} no gates`;
  return `L${g.level} ${g.passed}/${g.total}${g.unknown > 0 ? ` (${g.unknown} unknown)` : ''}`;
}

/** "L2 3/3 · L3 4/5 · L4 0/4 (3 unknown) · L5 0/3"; null when the report predates `gates`. */
export function gatesText(gates: readonly LevelGates[] | undefined, separator = ' · '): string | null {
  if (!gates || gates.length === 0) return null;
  return [...gates].sort((a, b) => a.level - b.level).map(levelGatesText).join(separator);
}

/** The long form for help text: "level 3: 4 of 5 gates pass (1 unknown)". */
export function gatesLongText(gates: readonly LevelGates[] | undefined): string | null {
  if (!gates || gates.length === 0) return null;
  return [...gates]
    .sort((a, b) => a.level - b.level)
    .map((g) => (g.total === 0 ? `level ${g.level}: no applicable gates` : `level ${g.level}: ${g.passed} of ${g.total} gates pass${g.unknown > 0 ? ` (${g.unknown} unknown)` : ''}`))
    .join('; ');
}

export interface ScopeLine {
  kind: 'out_of_scope' | 'unassessed' | 'complete';
  /** Capability id (absent for the "scope complete" line). */
  id?: string;
  text: string;
}

/**
 * The scope lines shown under a level: each out-of-scope capability with its reason ("Backup & recovery: out of scope
 * — backup run by the client's own provider"), each unassessed one with the source to connect, and "scope complete"
 * when every in-scope capability is assessed. Empty for a report stored before scope existed.
 */
export function scopeLines(level: Pick<LevelSummary, 'scope'>): ScopeLine[] {
  const s = level.scope;
  if (!s) return [];
  const lines: ScopeLine[] = [];
  for (const [id, reason] of Object.entries(s.outOfScope)) {
    lines.push({ kind: 'out_of_scope', id, text: `${capabilityName(id)}: out of scope — ${reason || 'no reason given'}` });
  }
  for (const id of s.unassessed) {
    const connect = s.connect[id];
    lines.push({ kind: 'unassessed', id, text: `${capabilityName(id)}: unassessed — connect ${connect || 'its source'}; until then it counts as level 1` });
  }
  if (s.complete) lines.push({ kind: 'complete', text: 'scope complete: every in-scope capability is assessed' });
  return lines;
}
