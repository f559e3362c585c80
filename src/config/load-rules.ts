/**
 * Loads and validates a rule set: YAML files under a folder (or one file), checked against the rule schema and the
 * evidence catalog, with config overrides merged in. Every problem is collected and reported with its file and
 * path, so a broken rule set is fixed in one pass.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { catalogEntry } from '../evidence/catalog.js';
import { formatIssues } from '../validation/zod-errors.js';
import { checkCondition, singleBound } from '../engine/condition.js';
import { RuleFileSchema, RuleOverrideSchema, type Rule, type RuleOverride } from '../engine/rule-schema.js';
import { loadFrameworks, type Frameworks } from '../frameworks/load.js';

export class RuleSetError extends Error {
  constructor(public readonly problems: string[]) {
    super(`invalid rule set:\n  ${problems.join('\n  ')}`);
    this.name = 'RuleSetError';
  }
}

export interface RuleSet {
  rules: Rule[];
  /** Content hash of the effective rules: stored with each scan so a rescore can tell whether rules changed. */
  version: string;
  /**
   * Framework mappings from the rule folder's `frameworks/` (DESIGN §14); absent = the ones shipped with Ratchet.
   * Not part of `version`: they never change the level, so a framework edit must not re-score history.
   */
  frameworks?: Frameworks;
}

function ruleFiles(path: string): string[] {
  const st = statSync(path);
  if (st.isFile()) return [path];
  return readdirSync(path)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => join(path, f));
}


/** Validates rules against the catalog; returns problems (empty = valid). */
export function validateRules(rules: Rule[], origin: (i: number) => string): string[] {
  const problems: string[] = [];
  const seen = new Map<string, string>();
  rules.forEach((rule, i) => {
    const where = origin(i);
    const prev = seen.get(rule.id);
    if (prev) problems.push(`${where}.id: duplicate rule id "${rule.id}" (first defined at ${prev})`);
    else seen.set(rule.id, where);
    const entry = catalogEntry(rule.evidence);
    if (!entry) {
      problems.push(`${where}.evidence: unknown evidence key "${rule.evidence}" (see the evidence catalog, DESIGN §6)`);
      return;
    }
    const type = entry.fields[rule.measure];
    if (!type) {
      problems.push(
        `${where}.measure: "${rule.measure}" is not a measurable field of ${rule.evidence} (fields: ${Object.keys(entry.fields).join(', ')})`,
      );
      return;
    }
    checkCondition(`${where}.pass`, rule.pass, type, problems);
    checkCondition(`${where}.partial`, rule.partial, type, problems);
    if (rule.partial) {
      const p = singleBound(rule.pass);
      const q = singleBound(rule.partial);
      if (!p || !q || (p.op[0] !== q.op[0])) {
        problems.push(`${where}.partial: partial credit needs one numeric bound in the same direction as pass (e.g. pass gte 90, partial gte 50)`);
      }
    }
  });
  return problems;
}

export function applyOverrides(rules: Rule[], overrides: Record<string, unknown> | undefined): { rules: Rule[]; problems: string[] } {
  const problems: string[] = [];
  if (!overrides) return { rules, problems };
  const byId = new Map(rules.map((r) => [r.id, r]));
  const patched = new Map<string, RuleOverride>();
  for (const [id, raw] of Object.entries(overrides)) {
    if (!byId.has(id)) {
      problems.push(`rules.overrides.${id}: no rule with this id in the rule set`);
      continue;
    }
    const parsed = RuleOverrideSchema.safeParse(raw);
    if (!parsed.success) problems.push(...formatIssues(parsed.error, ['rules', 'overrides', id]));
    else patched.set(id, parsed.data);
  }
  return {
    rules: rules.map((r) => {
      const o = patched.get(r.id);
      return o ? ({ ...r, ...Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) } as Rule) : r;
    }),
    problems,
  };
}

export function rulesVersion(rules: Rule[]): string {
  return createHash('sha256').update(JSON.stringify(rules)).digest('hex').slice(0, 16);
}

export function loadRuleSet(path: string, overrides?: Record<string, unknown>): RuleSet {
  let files: string[];
  try {
    files = ruleFiles(path);
  } catch {
    throw new RuleSetError([`${path}: rule path not found (set rules.path in the config, or pass a path to \`ratchet rules check\`)`]);
  }
  if (files.length === 0) throw new RuleSetError([`${path}: no .yaml rule files in this folder`]);
  const problems: string[] = [];
  const rules: Rule[] = [];
  const origins: string[] = [];
  for (const file of files) {
    let doc: unknown;
    try {
      doc = parseYaml(readFileSync(file, 'utf8'));
    } catch (e) {
      problems.push(`${file}: not valid YAML: ${(e as Error).message.split('\n')[0]}`);
      continue;
    }
    const parsed = RuleFileSchema.safeParse(doc ?? []);
    if (!parsed.success) {
      problems.push(...formatIssues(parsed.error).map((p) => `${file}: ${p}`));
      continue;
    }
    parsed.data.forEach((r, i) => {
      rules.push(r);
      origins.push(`${file}: [${i}]`);
    });
  }
  problems.push(...validateRules(rules, (i) => origins[i]!));
  const merged = applyOverrides(rules, overrides);
  problems.push(...merged.problems);
  // A rule folder's frameworks/ is validated with it (a single rule file brings none: the shipped ones apply).
  const fw = files.length === 1 && files[0] === path ? undefined : loadFrameworks(join(path, 'frameworks'));
  problems.push(...(fw?.problems ?? []));
  if (problems.length > 0) throw new RuleSetError(problems);
  const frameworks = fw && Object.keys(fw.frameworks).length > 0 ? { frameworks: fw.frameworks } : {};
  return { rules: merged.rules, version: rulesVersion(merged.rules), ...frameworks };
}
