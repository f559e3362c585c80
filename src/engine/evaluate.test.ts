import { describe, expect, it } from 'vitest';
import { bundle, ev, NOW, strongM365 } from '../../test/helpers/evidence.js';
import { defaultRulesPath } from '../paths.js';
import { evaluate } from './evaluate.js';
import { loadRuleSet } from './load-rules.js';
import type { Rule } from './rule-schema.js';

const { rules } = loadRuleSet(defaultRulesPath());

function withEvidence(key: string, patch: Record<string, unknown> | null, status: 'ok' | 'unavailable' | 'error' = 'ok') {
  return strongM365().map((e) => (e.key === key ? ev(key, patch === null ? null : { ...e.value, ...patch }, status, status === 'ok' ? null : 'Forbidden: needs AuditLog.Read.All') : e));
}

describe('evaluate with the default rules', () => {
  it('scores a strong m365-only tenant at level 4 confirmed, level 5 pending history', () => {
    const r = evaluate(bundle(strongM365()), rules, { now: NOW });
    const identity = r.capabilities.find((c) => c.id === 'identity')!;
    expect(identity.level).toBe(4);
    expect(r.level.value).toBe(4);
    expect(r.level.name).toBe('Quantitatively Managed');
    // history.stability is missing → the level-5 gates are unknown, so level 5 is only potential.
    expect(r.level.potential).toBe(5);
    expect(r.level.confirmed).toBe(false);
    expect(r.level.unknown).toContain('identity-sustained');
    // RMM and backup rules are not applicable without those sources, and their capabilities are not assessed.
    expect(r.findings.find((f) => f.ruleId === 'agent-coverage')!.outcome).toBe('not_applicable');
    expect(r.capabilities.find((c) => c.id === 'monitoring')!.assessed).toBe(false);
  });

  it('a 403 on one source makes its findings unknown — never fail — and the level unconfirmed', () => {
    const r = evaluate(bundle(withEvidence('m365.mfa.registration', null, 'unavailable')), rules, { now: NOW });
    const f = r.findings.find((x) => x.ruleId === 'mfa-user-coverage')!;
    expect(f.outcome).toBe('unknown');
    expect(f.score).toBeNull();
    expect(f.observed).toContain('AuditLog.Read.All');
    expect(r.level.value).toBe(1);
    expect(r.level.potential).toBe(5);
    expect(r.level.confirmed).toBe(false);
    expect(r.level.unknown).toEqual(expect.arrayContaining(['mfa-registration-started', 'mfa-user-coverage']));
    // Unknown never counts as 0: the identity score stays at 100 over what is known, with less coverage.
    const identity = r.capabilities.find((c) => c.id === 'identity')!;
    expect(identity.score).toBe(100);
    expect(identity.coverage).toBeLessThan(1);
  });

  it('gives linear partial credit between the partial and pass thresholds', () => {
    const r = evaluate(bundle(withEvidence('m365.mfa.registration', { registered: 74, pct: 74 })), rules, { now: NOW });
    const f = r.findings.find((x) => x.ruleId === 'mfa-user-coverage')!;
    expect(f.outcome).toBe('partial');
    expect(f.score).toBeCloseTo((74 - 50) / (90 - 50), 3);
    expect(f.observed).toBe('74 of 100 enabled members registered (74 %)');
    expect(f.expected).toBe('≥ 90 %');
    expect(r.level.value).toBe(2);
    expect(r.level.blockers).toContain('mfa-user-coverage');
    expect(r.roadmap.map((x) => x.ruleId)).toContain('mfa-user-coverage');
    expect(r.roadmap.every((x) => x.toLevel === 3)).toBe(true);
  });

  it('holds a passing percentage inside the dead band but not a count', () => {
    const first = evaluate(bundle(strongM365()), rules, { now: NOW });
    const hovering = evaluate(bundle(withEvidence('m365.mfa.registration', { pct: 97, registered: 97 })), rules, { now: NOW, previous: first.findings });
    expect(hovering.findings.find((f) => f.ruleId === 'mfa-user-coverage-complete')!.outcome).toBe('pass');
    const fresh = evaluate(bundle(withEvidence('m365.mfa.registration', { pct: 97, registered: 97 })), rules, { now: NOW });
    expect(fresh.findings.find((f) => f.ruleId === 'mfa-user-coverage-complete')!.outcome).toBe('partial');
    const below = evaluate(bundle(withEvidence('m365.mfa.registration', { pct: 95.9, registered: 96 })), rules, { now: NOW, previous: first.findings });
    expect(below.findings.find((f) => f.ruleId === 'mfa-user-coverage-complete')!.outcome).toBe('partial');
    const admins = evaluate(bundle(withEvidence('m365.admins', { globalAdminsWithoutMfa: 1 })), rules, { now: NOW, previous: first.findings });
    expect(admins.findings.find((f) => f.ruleId === 'global-admins-mfa-registered')!.outcome).toBe('fail');
  });

  it('treats evidence older than its freshness limit as unknown (stale)', () => {
    const old = new Date(NOW.getTime() - 3 * 86_400_000).toISOString();
    const evidence = strongM365().map((e) => (e.key === 'm365.mfa.enforcement' ? { ...e, collectedAt: old } : e));
    const r = evaluate(bundle(evidence), rules, { now: NOW });
    const f = r.findings.find((x) => x.ruleId === 'mfa-admins-enforced')!;
    expect(f.outcome).toBe('unknown');
    expect(f.reason).toMatch(/^stale/);
  });

  it('a null measure is unknown, not fail', () => {
    const r = evaluate(bundle(withEvidence('m365.admins', { globalAdminsWithoutMfa: null })), rules, { now: NOW });
    expect(r.findings.find((f) => f.ruleId === 'global-admins-mfa-registered')!.outcome).toBe('unknown');
  });

  it('overall level is the weakest assessed capability', () => {
    const evidence = [
      ...strongM365(),
      ev('rmm.devices', { total: 100, servers: 10, workstations: 90, online24h: 50, pct: 50 }),
      ev('rmm.patches', { devices: 100, compliant: 99, pct: 99, pendingCritical: 0, failed: 0, oldestPendingDays: 3 }),
      ev('rmm.antivirus', { devices: 100, protected: 100, pct: 100 }),
      ev('rmm.alerts', { open: 0, critical: 0, oldestOpenHours: 0, staleOver24h: 0 }),
    ];
    const r = evaluate(bundle(evidence, ['m365', 'rmm']), rules, { now: NOW });
    expect(r.capabilities.find((c) => c.id === 'monitoring')!.level).toBe(1);
    expect(r.level.value).toBe(1);
    expect(r.level.blockers[0]).toBe('agent-coverage');
  });

  it('security defaults reach level 3 identity but not level 4 (no phishing-resistant admin MFA)', () => {
    const evidence = withEvidence('m365.mfa.enforcement', { mode: 'security_defaults', phishingResistantAdmins: false, excludedPrincipals: 0 });
    const r = evaluate(bundle(evidence), rules, { now: NOW });
    expect(r.capabilities.find((c) => c.id === 'identity')!.level).toBe(3);
    expect(r.findings.find((f) => f.ruleId === 'phishing-resistant-admins')!.outcome).toBe('fail');
  });

  it('advisory rules are scored but never gate', () => {
    const evidence = withEvidence('m365.secure_score', { current: 10, pct: 10 });
    const r = evaluate(bundle(evidence), rules, { now: NOW });
    expect(r.findings.find((f) => f.ruleId === 'secure-score-tracked')!.outcome).toBe('fail');
    expect(r.capabilities.find((c) => c.id === 'identity')!.level).toBe(4);
  });

  it('a level whose gates are all not applicable is not awarded', () => {
    const only: Rule[] = [
      { ...rules.find((r) => r.id === 'agent-coverage')!, level: 2 },
      { ...rules.find((r) => r.id === 'mfa-admins-enforced')!, capability: 'monitoring', level: 3 },
    ];
    const r = evaluate(bundle(strongM365()), only, { now: NOW });
    const mon = r.capabilities.find((c) => c.id === 'monitoring')!;
    expect(mon.assessed).toBe(true);
    expect(mon.level).toBe(1);
  });

  it('is pure: the same input gives the same output', () => {
    const a = evaluate(bundle(strongM365()), rules, { now: NOW });
    const b = evaluate(bundle(strongM365()), rules, { now: NOW });
    expect(b).toEqual(a);
  });
});
