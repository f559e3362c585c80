import { describe, expect, it } from 'vitest';
import { ALL_SOURCES, bundle, ev, historyScans, NOW, strongM365, strongTenant } from '../../bench/lib/evidence-samples.js';
import type { Evidence } from '../domain/evidence.js';
import { defaultRulesPath } from '../paths.js';
import { evaluate } from './evaluate.js';
import { loadRuleSet } from '../config/load-rules.js';
import type { Rule } from './rule-schema.js';

const { rules } = loadRuleSet(defaultRulesPath());

function patch(evidence: Evidence[], key: string, p: Record<string, unknown> | null, status: Evidence['status'] = 'ok'): Evidence[] {
  return evidence.map((e) => (e.key === key ? ev(key, p === null ? null : { ...e.value, ...p }, status, status === 'ok' ? null : 'Forbidden: needs AuditLog.Read.All') : e));
}
const full = (evidence: Evidence[], extra: Partial<ReturnType<typeof bundle>> = {}) => ({ ...bundle(evidence, ALL_SOURCES), ...extra });
const cap = (r: ReturnType<typeof evaluate>, id: string) => r.capabilities.find((c) => c.id === id)!;
const finding = (r: ReturnType<typeof evaluate>, id: string) => r.findings.find((f) => f.ruleId === id)!;

describe('levels read history: one good scan never promotes to level 4', () => {
  it('a tenant passing every point-in-time gate with no history is level 3, potential 5', () => {
    const r = evaluate(full(strongTenant()), rules, { now: NOW });
    expect(r.level.value).toBe(3);
    expect(r.level.potential).toBe(5);
    expect(r.level.confirmed).toBe(false);
    expect(finding(r, 'identity-l3-held').outcome).toBe('unknown');
    expect(finding(r, 'identity-l3-held').reason).toMatch(/insufficient history: 0 of 90 days/);
    for (const id of ['identity', 'endpoint', 'recovery', 'monitoring']) expect(cap(r, id).snapshotLevel).toBe(5);
  });

  it('90 days of weekly scans with level 3 held make it level 4; 180 days at level 4 make it level 5', () => {
    const l4 = evaluate(full([...strongTenant(), historyScans(98, () => 3)]), rules, { now: NOW });
    expect(l4.level.value).toBe(4);
    expect(finding(l4, 'identity-l4-held').reason).toMatch(/insufficient history: 98 of 180 days/);
    const l5 = evaluate(full([...strongTenant(), historyScans(189, () => 4)]), rules, { now: NOW });
    expect(l5.level.value).toBe(5);
    expect(l5.level.confirmed).toBe(true);
  });

  it('a level-1 history never makes anyone level 5, however long and regression-free', () => {
    const daily = historyScans(100, () => 1, 1);
    const r = evaluate(full([...strongTenant(), daily]), rules, { now: NOW });
    expect(finding(r, 'identity-l3-held').outcome).toBe('fail');
    expect(r.level.value).toBe(3);
    const m365Only = evaluate(bundle([...strongM365(), daily]), rules, { now: NOW });
    expect(m365Only.level.value).toBe(1);
  });

  it('two scans 100 days apart are too sparse to show anything held', () => {
    const sparse = ev('history.scans', { scans: [{ at: new Date(NOW.getTime() - 100 * 86_400_000).toISOString(), levels: { identity: 5 }, scores: { identity: 100 } }] });
    const r = evaluate(full([...strongTenant(), sparse]), rules, { now: NOW });
    expect(finding(r, 'identity-l3-held').outcome).toBe('unknown');
    expect(finding(r, 'identity-l3-held').reason).toMatch(/scans too sparse: 100 days without a complete scan/);
    expect(r.level.value).toBe(3);
  });

  it('held on 94 of 100 scans is not held on 95 %', () => {
    const h = historyScans(99, (d) => (d <= 6 ? 2 : 3), 1);
    const r = evaluate(full([...strongTenant(), h]), rules, { now: NOW });
    expect(finding(r, 'identity-l3-held').measured).toBeLessThan(95);
    expect(finding(r, 'identity-l3-held').outcome).toBe('fail');
  });
});

describe('scope honesty', () => {
  it('a Microsoft 365-only tenant is confirmed level 1 with the other core capabilities unassessed, naming what to connect', () => {
    const r = evaluate(bundle(strongM365()), rules, { now: NOW });
    expect(r.level.value).toBe(1);
    expect(cap(r, 'identity').level).toBe(3);
    expect(r.level.scope).toMatchObject({ complete: false, unassessed: ['recovery', 'monitoring'], outOfScope: {} });
    expect(r.level.scope!.connect['recovery']).toMatch(/backup/);
    expect(cap(r, 'monitoring')).toMatchObject({ scope: 'unassessed', level: 1, score: null });
    expect(finding(r, 'agent-coverage').outcome).toBe('unknown');
    expect(finding(r, 'agent-coverage').reason).toMatch(/not assessed: connect an RMM/);
    // Endpoint has Intune evidence, so it is assessed; its RMM gates are not applicable, with the reason.
    expect(cap(r, 'endpoint').scope).toBe('assessed');
    expect(finding(r, 'patch-compliance-basic')).toMatchObject({ outcome: 'not_applicable', reason: 'no rmm source configured; endpoint rests on m365 evidence' });
    expect(r.level.restsOn).toMatch(/not assessed/);
  });

  it('connecting an imperfect backup never lowers the confirmed level below what not connecting it gave', () => {
    const without = evaluate(bundle([...strongM365()], ['m365', 'rmm']), rules, { now: NOW });
    const weakBackup = [ev('backup.protection', { protected: 10, succeeded24h: 5, pct: 50, freshPct: 50, fresh72h: 5, staleOver72h: 5, neverSucceeded: 0 })];
    const withIt = evaluate(bundle([...strongM365(), ...weakBackup], ['m365', 'rmm', 'backup']), rules, { now: NOW });
    expect(without.level.value).toBeLessThanOrEqual(withIt.level.value);
  });

  it('a capability declared out of scope is shown with its reason and leaves the overall level', () => {
    const evidence = strongTenant().filter((e) => !e.key.startsWith('backup.'));
    const r = evaluate({ ...bundle(evidence, ['m365', 'rmm']), outOfScope: { recovery: "backup run by the client's own provider" } }, rules, { now: NOW });
    expect(cap(r, 'recovery')).toMatchObject({ scope: 'out_of_scope', scopeReason: "out of scope: backup run by the client's own provider" });
    expect(r.level.scope).toMatchObject({ complete: true, outOfScope: { recovery: "backup run by the client's own provider" } });
    expect(r.level.value).toBe(3);
  });

  it('no Intune licence makes the device-compliance gates not applicable with the alternative, never a pinning unknown', () => {
    const evidence = strongTenant().map((e) =>
      e.key === 'm365.devices.compliance' ? { ...e, status: 'unavailable' as const, value: null, reason: 'no Intune licence', reasonCode: 'not_licensed' as const } : e,
    );
    const r = evaluate(full(evidence), rules, { now: NOW });
    expect(finding(r, 'device-compliance-basic').outcome).toBe('not_applicable');
    expect(finding(r, 'device-compliance-basic').reason).toMatch(/no Intune licence; endpoint rests on the RMM/);
    expect(r.level.value).toBe(3);
  });

  it("a vendor API without a field makes that gate not applicable with the collector's reason", () => {
    const evidence = patch(strongTenant(), 'rmm.patches', { oldestPendingDays: null, notApplicable: { oldestPendingDays: "Datto RMM's API reports no patch dates" } });
    const r = evaluate(full([...evidence, historyScans(98, () => 3)]), rules, { now: NOW });
    expect(finding(r, 'patch-latency')).toMatchObject({ outcome: 'not_applicable', reason: "Datto RMM's API reports no patch dates" });
    expect(cap(r, 'endpoint').level).toBe(4);
  });

  it('a 403 makes findings unknown — never fail — and lowers only the confirmed level', () => {
    const r = evaluate(full(patch(strongTenant(), 'm365.mfa.registration', null, 'unavailable')), rules, { now: NOW });
    const f = finding(r, 'mfa-user-coverage');
    expect(f.outcome).toBe('unknown');
    expect(f.observed).toContain('AuditLog.Read.All');
    expect(r.level.value).toBe(1);
    expect(r.level.potential).toBe(5);
    expect(r.level.unknown).toEqual(expect.arrayContaining(['mfa-registration-started', 'mfa-user-coverage']));
  });
});

describe('the defects of issue 10, reproduced', () => {
  it('switching the all-users policy to report-only lowers identity (exclusions cannot pass without a policy)', () => {
    const enforced = full(patch(strongTenant(), 'm365.mfa.enforcement', { excludedUsers: 8, excludedPrincipals: 1, excludedGroups: 1 }));
    const reportOnly = full(patch(strongTenant(), 'm365.mfa.enforcement', { allUsers: false, excludedUsers: null, excludedPrincipals: 0 }));
    const a = evaluate(enforced, rules, { now: NOW });
    const b = evaluate(reportOnly, rules, { now: NOW });
    expect(finding(b, 'mfa-exclusions-limited').outcome).toBe('fail');
    expect(finding(b, 'mfa-exclusions-limited').observed).toMatch(/requires allUsers/);
    expect(cap(b, 'identity').score!).toBeLessThanOrEqual(cap(a, 'identity').score!);
    expect(cap(b, 'identity').potentialScore!).toBeLessThanOrEqual(cap(a, 'identity').potentialScore!);
  });

  it('a workload that never backed up lowers recovery instead of dropping out of the average', () => {
    const fine = evaluate(full(strongTenant()), rules, { now: NOW });
    const never = evaluate(
      full(patch(strongTenant(), 'backup.protection', { protected: 13, neverSucceeded: 1, fresh72h: 12, freshPct: 92.3, staleOver72h: 1, succeeded24h: 12, pct: 92.3, oldestSuccessHours: null })),
      rules,
      { now: NOW },
    );
    expect(finding(never, 'backup-all-fresh').outcome).toBe('fail');
    expect(cap(never, 'recovery').score!).toBeLessThan(cap(fine, 'recovery').score!);
    expect(cap(never, 'recovery').potential).toBeLessThanOrEqual(cap(fine, 'recovery').potential);
  });
});

describe('score and level agree', () => {
  it('the score sits in its level band and the gates are counted per level', () => {
    const r = evaluate(full(patch(strongTenant(), 'm365.legacy_auth', { blocked: false })), rules, { now: NOW });
    const identity = cap(r, 'identity');
    expect(identity.level).toBe(2);
    expect(identity.score!).toBeGreaterThanOrEqual(25);
    expect(identity.score!).toBeLessThan(50);
    // Every scored (non-advisory) identity gate of level 3 is counted; only legacy auth fails.
    const l3 = rules.filter((x) => x.capability === 'identity' && x.level === 3 && !x.advisory).length;
    expect(identity.gates.find((g) => g.level === 3)).toEqual({ level: 3, passed: l3 - 1, total: l3, unknown: 0 });
  });

  it('one failing level-2 gate can never leave a high score beside level 1', () => {
    const r = evaluate(full(patch(strongTenant(), 'm365.admins', { globalAdminsWithoutMfa: 1 })), rules, { now: NOW });
    expect(cap(r, 'identity').level).toBe(1);
    expect(cap(r, 'identity').score!).toBeLessThan(25);
  });

  it('advisory rules are shown, never scored', () => {
    const low = evaluate(full(patch(strongTenant(), 'm365.secure_score', { pct: 5 })), rules, { now: NOW });
    const high = evaluate(full(strongTenant()), rules, { now: NOW });
    expect(finding(low, 'secure-score-tracked').outcome).toBe('fail');
    expect(cap(low, 'identity').score).toBe(cap(high, 'identity').score);
  });

  it('partial credit is continuous: exactly on the partial bound earns nothing and is a fail', () => {
    const at = evaluate(full(patch(strongTenant(), 'm365.mfa.registration', { pct: 50, registered: 50 })), rules, { now: NOW });
    expect(finding(at, 'mfa-user-coverage')).toMatchObject({ outcome: 'fail', score: 0 });
    const above = evaluate(full(patch(strongTenant(), 'm365.mfa.registration', { pct: 50.1, registered: 50 })), rules, { now: NOW });
    expect(finding(above, 'mfa-user-coverage').outcome).toBe('partial');
    expect(finding(above, 'mfa-user-coverage').score).toBeGreaterThan(0);
  });
});

describe('engine mechanics', () => {
  it('applies the dead band only to a gate that was passing', () => {
    const first = evaluate(full(strongTenant()), rules, { now: NOW });
    const hovering = evaluate(full(patch(strongTenant(), 'm365.mfa.registration', { pct: 97, registered: 97 })), rules, { now: NOW, previous: first.findings });
    expect(finding(hovering, 'mfa-user-coverage-complete').outcome).toBe('pass');
    const fresh = evaluate(full(patch(strongTenant(), 'm365.mfa.registration', { pct: 97, registered: 97 })), rules, { now: NOW });
    expect(finding(fresh, 'mfa-user-coverage-complete').outcome).toBe('partial');
    const below = evaluate(full(patch(strongTenant(), 'm365.mfa.registration', { pct: 95.9, registered: 96 })), rules, { now: NOW, previous: first.findings });
    expect(finding(below, 'mfa-user-coverage-complete').outcome).toBe('partial');
  });

  it('stale evidence is unknown, not a pass', () => {
    const old = strongTenant().map((e) => (e.key === 'm365.legacy_auth' ? { ...e, collectedAt: new Date(NOW.getTime() - 72 * 3_600_000).toISOString() } : e));
    const r = evaluate(full(old), rules, { now: NOW });
    expect(finding(r, 'legacy-auth-blocked').outcome).toBe('unknown');
    expect(finding(r, 'legacy-auth-blocked').reason).toMatch(/stale/);
  });

  it('a measure the collector could not take gives its own reason', () => {
    const r = evaluate(full(patch(strongTenant(), 'm365.mfa.enforcement', { excludedUsers: null, unknownReasons: { excludedUsers: 'needs GroupMember.Read.All' } })), rules, { now: NOW });
    expect(finding(r, 'mfa-exclusions-limited')).toMatchObject({ outcome: 'unknown', reason: 'needs GroupMember.Read.All' });
  });

  it('a level whose gates are all absent is not awarded', () => {
    const only: Rule[] = rules.filter((r) => r.capability === 'identity' && r.level <= 2);
    const r = evaluate(full(strongTenant()), only, { now: NOW });
    expect(cap(r, 'identity').level).toBe(2);
  });

  it('is deterministic and returns the derived history evidence', () => {
    const a = evaluate(full(strongTenant()), rules, { now: NOW });
    const b = evaluate(full(strongTenant()), rules, { now: NOW });
    expect(a).toEqual(b);
    expect(a.derived.map((e) => e.key)).toContain('history.identity');
  });
});
