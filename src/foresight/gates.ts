/**
 * Which gates foresight watches (DESIGN §14): the numeric gates that currently hold each capability's level. Only a
 * gate that holds a level can cost the tenant that level when it falls, and only a single numeric bound has a
 * "distance to the line" a trend can run down.
 */
import type { Report } from '../domain/report.js';
import { catalogEntry } from '../evidence/catalog.js';
import { singleBound } from '../engine/condition.js';
import type { Rule } from '../engine/rule-schema.js';
import type { ForecastEntry } from '../domain/forecast.js';

/** A gate holding a level: the half of a forecast entry that names the gate, plus the rule's title for the text. */
export type HeldGate = Pick<ForecastEntry, 'ruleId' | 'capability' | 'gateLevel' | 'evidenceKey' | 'measure' | 'unit' | 'threshold' | 'direction'> & {
  title: string;
};

/**
 * Sources whose gates are left out: `history.*` is derived by the engine from the level history itself (it is not in
 * a stored bundle, and forecasting "how long a level held" from the level is circular), and an attestation's age
 * grows with the calendar to an expiry date that is known exactly — a reminder, not a forecast — and one attestation
 * gates several capabilities, so it would repeat the same notice four times.
 */
const NOT_FORECAST = new Set(['history', 'attestation']);

/**
 * The numeric gates that currently hold each capability's level: rules (not advisory) at levels 2..capability's
 * current level whose finding passes now and whose `pass` is a single numeric bound (history-derived and attestation
 * gates are left out, see NOT_FORECAST). `rules` must be the rule set the report was scored with (overrides
 * applied), so thresholds are the ones the engine used.
 */
export function heldGates(report: Report, rules: readonly Rule[]): HeldGate[] {
  const levelOf = new Map(report.capabilities.map((c) => [c.id, c]));
  const findingOf = new Map(report.findings.map((f) => [f.ruleId, f]));
  const out: HeldGate[] = [];
  for (const rule of rules) {
    if (rule.advisory) continue;
    const cap = levelOf.get(rule.capability);
    // Out-of-scope and optional capabilities hold no part of the tenant's level.
    if (!cap || cap.scope === 'out_of_scope' || cap.scope === 'not_assessed') continue;
    if (rule.level < 2 || rule.level > cap.level) continue;
    if (findingOf.get(rule.id)?.outcome !== 'pass') continue;
    const source = catalogEntry(rule.evidence)?.source;
    if (!source || NOT_FORECAST.has(source)) continue;
    const bound = singleBound(rule.pass);
    if (!bound) continue;
    out.push({
      ruleId: rule.id,
      capability: rule.capability,
      gateLevel: rule.level,
      evidenceKey: rule.evidence,
      measure: rule.measure,
      ...(rule.unit !== undefined ? { unit: rule.unit } : {}),
      threshold: bound.value,
      direction: bound.op,
      title: rule.title,
    });
  }
  return out;
}
