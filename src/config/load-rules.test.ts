import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultRulesPath } from '../paths.js';
import { loadRuleSet, RuleSetError } from './load-rules.js';

function ruleFile(yaml: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'ratchet-rules-'));
  writeFileSync(join(dir, 'r.yaml'), yaml);
  return dir;
}

function problems(path: string, overrides?: Record<string, unknown>): string[] {
  try {
    loadRuleSet(path, overrides);
  } catch (e) {
    expect(e).toBeInstanceOf(RuleSetError);
    return (e as RuleSetError).problems;
  }
  throw new Error('expected the rule set to be rejected');
}

const valid = `
- id: a-rule
  capability: identity
  level: 3
  title: t
  evidence: m365.mfa.registration
  measure: pct
  pass: { gte: 90 }
  remediation: r
`;

describe('rule set validation', () => {
  it('loads the default rule set', () => {
    const set = loadRuleSet(defaultRulesPath());
    expect(set.rules.length).toBeGreaterThan(20);
    expect(set.version).toMatch(/^[0-9a-f]{16}$/);
  });

  it('rejects an unknown evidence key and names it', () => {
    const p = problems(ruleFile(valid.replace('m365.mfa.registration', 'm365.mfa.typo')));
    expect(p.join('\n')).toMatch(/\[0\]\.evidence: unknown evidence key "m365\.mfa\.typo"/);
  });

  it('rejects a measure that is not a field of the evidence', () => {
    expect(problems(ruleFile(valid.replace('measure: pct', 'measure: percent'))).join('\n')).toMatch(/measure: "percent" is not a measurable field/);
  });

  it('rejects a bad operator', () => {
    expect(problems(ruleFile(valid.replace('gte: 90', 'atLeast: 90'))).join('\n')).toMatch(/pass.*atLeast/);
  });

  it('rejects a numeric operator on a boolean measure', () => {
    const y = valid.replace('m365.mfa.registration', 'm365.legacy_auth').replace('measure: pct', 'measure: blocked');
    expect(problems(ruleFile(y)).join('\n')).toMatch(/needs a numeric measure/);
  });

  it('rejects duplicate ids', () => {
    expect(problems(ruleFile(valid + valid.replace(/^\n/, ''))).join('\n')).toMatch(/duplicate rule id "a-rule"/);
  });

  it('rejects an unknown capability, level out of range and unknown keys', () => {
    const p = problems(ruleFile(valid.replace('capability: identity', 'capability: wizardry').replace('level: 3', 'level: 7').replace('remediation: r', 'remediation: r\n  colour: red')));
    const text = p.join('\n');
    expect(text).toMatch(/capability/);
    expect(text).toMatch(/level/);
    expect(text).toMatch(/colour/);
  });

  it('rejects overrides of unknown rules and bad override values', () => {
    const p = problems(defaultRulesPath(), { 'no-such-rule': { weight: 2 }, 'mfa-user-coverage': { pass: { gte: 'high' } } });
    expect(p.join('\n')).toMatch(/rules\.overrides\.no-such-rule: no rule with this id/);
    expect(p.join('\n')).toMatch(/rules\.overrides\.mfa-user-coverage\.pass\.gte/);
  });

  it('applies overrides and changes the version', () => {
    const base = loadRuleSet(defaultRulesPath());
    const over = loadRuleSet(defaultRulesPath(), { 'mfa-user-coverage': { pass: { gte: 95 } } });
    expect(over.rules.find((r) => r.id === 'mfa-user-coverage')!.pass).toEqual({ gte: 95 });
    expect(over.version).not.toBe(base.version);
  });

  it('reports YAML syntax errors with the file', () => {
    expect(problems(ruleFile('- id: [unclosed')).join('\n')).toMatch(/r\.yaml: not valid YAML/);
  });
});
