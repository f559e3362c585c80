/**
 * Framework files are validated like rule files: by `ratchet rules check` and at load, with the file, the path inside
 * it and the fix named, all problems in one pass.
 */
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { runCli, tempDir } from '../../bench/lib/cli.js';
import { loadRuleSet, RuleSetError } from '../config/load-rules.js';
import { defaultRulesPath } from '../paths.js';
import { frameworksDir } from './load.js';

const SHIPPED = join(frameworksDir(defaultRulesPath()), 'essential-eight.yaml');
type Doc = { model: string; strategies: Array<{ id: string; requirements: Array<Record<string, unknown>> }> };
const shipped = (): Doc => parse(readFileSync(SHIPPED, 'utf8')) as Doc;

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A rule folder with the shipped rules and the given framework file(s). */
function ruleFolder(files: Record<string, unknown>): string {
  const dir = tempDir('ratchet-fw-');
  dirs.push(dir);
  copyFileSync(join(defaultRulesPath(), 'default.yaml'), join(dir, 'default.yaml'));
  mkdirSync(join(dir, 'frameworks'));
  for (const [name, doc] of Object.entries(files)) writeFileSync(join(dir, 'frameworks', name), typeof doc === 'string' ? doc : stringify(doc));
  return dir;
}

function problemsOf(dir: string): string[] {
  try {
    loadRuleSet(dir);
  } catch (e) {
    if (e instanceof RuleSetError) return e.problems;
    throw e;
  }
  return [];
}

const find = (doc: Doc, id: string) => doc.strategies.flatMap((s) => s.requirements).find((r) => r.id === id)!;

describe('framework files in a rule folder', () => {
  it('a valid copy loads with the rule set, as its frameworks', () => {
    const set = loadRuleSet(ruleFolder({ 'essential-eight.yaml': shipped() }));
    expect(set.frameworks?.essentialEight?.strategies).toHaveLength(8);
  });

  it('reports every catalog and structure problem with file, path and fix', () => {
    const doc = shipped();
    (find(doc, 'patch-os-one-month').checks as Array<Record<string, unknown>>)[1]!.evidence = 'rmm.patchez';
    (find(doc, 'mfa-privileged-users').checks as Array<Record<string, unknown>>)[0]!.measure = 'adminsEnforcedd';
    (find(doc, 'mfa-unprivileged-users').checks as Array<Record<string, unknown>>)[0]!.pass = { gte: 1 };
    delete find(doc, 'patch-apps-common-two-weeks').replacedBy;
    find(doc, 'admin-revalidated-12-months').attestation = 'e8_admin_review';
    doc.strategies = doc.strategies.filter((s) => s.id !== 'office-macros');
    const problems = problemsOf(ruleFolder({ 'essential-eight.yaml': doc }));
    const file = 'frameworks/essential-eight.yaml';
    const expected = [
      /unknown evidence key "rmm\.patchez" \(see the evidence catalog/,
      /\.measure: "adminsEnforcedd" is not a measurable field of m365\.mfa\.enforcement \(fields: /,
      /\.pass: operator gte needs a numeric measure, but this measure is boolean/,
      /\.replacedBy: "patch-apps-common-two-weeks" stops at ML2: name the ML3 requirement\(s\) that replace it/,
      /\.attestation: "e8_admin_review" is not an attestation kind a technician can record/,
      /strategies: the Essential Eight has exactly these eight strategy ids.*\(missing: office-macros\)/,
    ];
    for (const re of expected) expect(problems.find((p) => re.test(p)), String(re)).toBeDefined();
    for (const p of problems) expect(p).toContain(file);
    expect(problems.find((p) => /unknown evidence key/.test(p))).toMatch(/strategies\[1\]\.requirements\[2\]\.checks\[1\]\.evidence/);
  });

  it('rejects schema errors, an empty level and an unknown framework file', () => {
    const doc = shipped();
    find(doc, 'mfa-events-logged').checks = [{ evidence: 'm365.mfa.enforcement', measure: 'allUsers', pass: { eq: true } }];
    const schema = problemsOf(ruleFolder({ 'essential-eight.yaml': doc, 'cis.yaml': { model: 'x', strategies: [] } }));
    expect(schema.find((p) => /essential-eight\.yaml: strategies\[2\]\.requirements\[6\]: give either `checks` \(judged from evidence\) or `assessable: false`/.test(p)), schema.join('\n')).toBeDefined();
    expect(schema.find((p) => /cis\.yaml: unknown framework file \(known: essential-eight\.yaml\)/.test(p))).toBeDefined();

    const empty = shipped();
    const backups = empty.strategies.find((s) => s.id === 'regular-backups')!;
    backups.requirements = backups.requirements.filter((r) => (r.levels as number[]).includes(1)).map((r) => ({ ...r, levels: [1, 2], replacedBy: ['backups-performed'] }));
    const problems = problemsOf(ruleFolder({ 'essential-eight.yaml': empty }));
    expect(problems.find((p) => /strategies\[7\]: no requirement belongs to ML3, so ML3 could never be awarded/.test(p)), problems.join('\n')).toBeDefined();
  });

  it('`ratchet rules check` validates the framework files too', async () => {
    const ok = await runCli(['rules', 'check'], {});
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/essential-eight\.yaml: 8 strategies, \d+ requirements valid/);
    const doc = shipped();
    find(doc, 'backups-immutable').levels = [3, 3];
    const bad = await runCli(['rules', 'check', ruleFolder({ 'essential-eight.yaml': doc })], {});
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/essential-eight\.yaml: strategies\[7\]\.requirements\[\d+\]\.levels: list each level once, without gaps/);
  });
});
