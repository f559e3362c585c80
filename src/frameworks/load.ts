/**
 * Loads and validates framework mappings (rules/frameworks/*.yaml): the file schema, then the evidence catalog (every
 * check names a catalog key and a measurable field of the right type), attestation kinds a technician can record, and
 * the level structure ASD's rule depends on (each level's set non-empty; a requirement that stops short of ML3 names
 * the ML3 requirements replacing it). Every problem is reported with file, path and how to fix it, like rule files.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ATTESTATION_KINDS } from '../domain/attestation.js';
import { catalogEntry } from '../evidence/catalog.js';
import { checkCondition } from '../engine/condition.js';
import { defaultRulesPath } from '../paths.js';
import { formatIssues } from '../validation/zod-errors.js';
import { ESSENTIAL_EIGHT_STRATEGIES } from './essential-eight-strategies.js';
import { FrameworkFileSchema, type Framework } from './schema.js';

export interface Frameworks {
  essentialEight?: Framework;
}

/** The framework files Ratchet knows how to evaluate, by file name. */
const KNOWN: Record<string, keyof Frameworks> = { 'essential-eight.yaml': 'essentialEight' };

const LEVELS = [1, 2, 3] as const;

/** The frameworks folder of a rule path: `<rules>/frameworks` for a folder, the sibling folder for a single file. */
export function frameworksDir(rulesPath: string): string {
  try {
    return statSync(rulesPath).isFile() ? join(dirname(rulesPath), 'frameworks') : join(rulesPath, 'frameworks');
  } catch {
    return join(rulesPath, 'frameworks');
  }
}

function validateStructure(fw: Framework, file: string, kind: keyof Frameworks): string[] {
  const problems: string[] = [];
  const seen = new Map<string, string>();
  if (kind === 'essentialEight') {
    const ids = fw.strategies.map((s) => s.id);
    const missing = ESSENTIAL_EIGHT_STRATEGIES.filter((id) => !ids.includes(id));
    const extra = ids.filter((id) => !(ESSENTIAL_EIGHT_STRATEGIES as readonly string[]).includes(id));
    if (missing.length > 0 || extra.length > 0 || ids.length !== ESSENTIAL_EIGHT_STRATEGIES.length) {
      problems.push(
        `${file}: strategies: the Essential Eight has exactly these eight strategy ids, once each: ${ESSENTIAL_EIGHT_STRATEGIES.join(', ')}` +
          (missing.length > 0 ? ` (missing: ${missing.join(', ')})` : '') +
          (extra.length > 0 ? ` (unknown: ${extra.join(', ')})` : ''),
      );
    }
  }
  fw.strategies.forEach((s, si) => {
    const sWhere = `${file}: strategies[${si}]`;
    const byId = new Map(s.requirements.map((r) => [r.id, r]));
    for (const level of LEVELS) {
      if (!s.requirements.some((r) => r.levels.includes(level))) {
        problems.push(`${sWhere}: no requirement belongs to ML${level}, so ML${level} could never be awarded: list ML${level} in the \`levels\` of its requirements`);
      }
    }
    s.requirements.forEach((r, ri) => {
      const where = `${sWhere}.requirements[${ri}]`;
      const prev = seen.get(r.id);
      if (prev) problems.push(`${where}.id: duplicate requirement id "${r.id}" (first defined at ${prev})`);
      else seen.set(r.id, where);
      const levels = [...new Set(r.levels)].sort();
      const min = levels[0]!;
      const max = levels.at(-1)!;
      if (levels.length !== r.levels.length || levels.length !== max - min + 1) {
        problems.push(`${where}.levels: list each level once, without gaps (e.g. [1, 2, 3] or [2, 3]); a requirement dropped at a level is replaced, not skipped`);
      }
      if (max < 3 && !r.replacedBy) {
        problems.push(`${where}.replacedBy: "${r.id}" stops at ML${max}: name the ML${max + 1} requirement(s) that replace it, or add ${max + 1} to its levels`);
      }
      if (max === 3 && r.replacedBy) problems.push(`${where}.replacedBy: "${r.id}" belongs to ML3, so nothing replaces it: remove replacedBy`);
      for (const [i, target] of (r.replacedBy ?? []).entries()) {
        const t = byId.get(target);
        if (!t) problems.push(`${where}.replacedBy[${i}]: no requirement "${target}" in strategy ${s.id}`);
        else if (!t.levels.includes(max + 1)) problems.push(`${where}.replacedBy[${i}]: "${target}" must belong to ML${max + 1}, the level where "${r.id}" is replaced`);
      }
      if (r.attestation && !(ATTESTATION_KINDS as readonly string[]).includes(r.attestation)) {
        problems.push(`${where}.attestation: "${r.attestation}" is not an attestation kind a technician can record (add it to src/domain/attestation.ts; kinds: ${ATTESTATION_KINDS.filter((k) => k.startsWith('e8_')).join(', ')}, …)`);
      }
      (r.checks ?? []).forEach((c, ci) => {
        const cWhere = `${where}.checks[${ci}]`;
        const entry = catalogEntry(c.evidence);
        if (!entry) {
          problems.push(`${cWhere}.evidence: unknown evidence key "${c.evidence}" (see the evidence catalog, src/evidence/catalog.ts and DESIGN §6)`);
          return;
        }
        const type = entry.fields[c.measure];
        if (!type) {
          problems.push(`${cWhere}.measure: "${c.measure}" is not a measurable field of ${c.evidence} (fields: ${Object.keys(entry.fields).join(', ')})`);
          return;
        }
        checkCondition(`${cWhere}.pass`, c.pass, type, problems);
      });
    });
  });
  return problems;
}

/** Parses and validates one framework file; returns the framework or the problems. */
export function loadFrameworkFile(file: string): { framework?: Framework; kind?: keyof Frameworks; problems: string[] } {
  const kind = KNOWN[basename(file)];
  if (!kind) return { problems: [`${file}: unknown framework file (known: ${Object.keys(KNOWN).join(', ')}); rename it or move it out of the frameworks folder`] };
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(file, 'utf8'));
  } catch (e) {
    return { problems: [`${file}: not valid YAML: ${(e as Error).message.split('\n')[0]}`] };
  }
  const parsed = FrameworkFileSchema.safeParse(doc ?? {});
  if (!parsed.success) return { problems: formatIssues(parsed.error).map((p) => `${file}: ${p}`) };
  const problems = validateStructure(parsed.data, file, kind);
  return problems.length > 0 ? { problems } : { framework: parsed.data, kind, problems };
}

/** Every framework file of a folder (absent folder = no frameworks). */
export function loadFrameworks(dir: string): { frameworks: Frameworks; problems: string[] } {
  const frameworks: Frameworks = {};
  const problems: string[] = [];
  if (!existsSync(dir)) return { frameworks, problems };
  const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => join(dir, f));
  for (const file of files) {
    const r = loadFrameworkFile(file);
    problems.push(...r.problems);
    if (r.framework && r.kind) frameworks[r.kind] = r.framework;
  }
  return { frameworks, problems };
}

let builtIn: Frameworks | undefined;

/**
 * The frameworks shipped with Ratchet (rules/frameworks), used when a rule set brings none of its own. Validated by
 * `ratchet rules check` and CI; a broken shipped file here is a programming error, so it throws.
 */
export function defaultFrameworks(): Frameworks {
  if (!builtIn) {
    const r = loadFrameworks(frameworksDir(defaultRulesPath()));
    if (r.problems.length > 0) throw new Error(`invalid built-in framework files:\n  ${r.problems.join('\n  ')}`);
    builtIn = r.frameworks;
  }
  return builtIn;
}
