/**
 * The Essential Eight evaluator: ASD's level rule (each level's own complete set, replaced requirements, empty sets
 * never awarded, unknown = not met, not-assessable blocks unless attested, expired attestations do not count) on a
 * small framework of its own, then the shipped mapping on realistic evidence.
 */
import { describe, expect, it } from 'vitest';
import { ev, NOW } from '../../bench/lib/evidence-samples.js';
import type { Evidence } from '../domain/evidence.js';
import type { FrameworkRequirementResult } from '../domain/frameworks.js';
import { defaultRulesPath } from '../paths.js';
import { EssentialEightSchema } from '../web/schemas.js';
import { evaluateEssentialEight, strategyLevel } from './essential-eight.js';
import { ESSENTIAL_EIGHT_STRATEGIES } from './essential-eight-strategies.js';
import { frameworksDir, loadFrameworks } from './load.js';
import type { Framework } from './schema.js';
import { allMl3Attestations, attested, e8Bundle, e8Strong, patchEvidence } from './testing/e8-samples.js';

const DAY = 86_400_000;

/** One strategy: r1 at every level, r2 at ML1–2 replaced by r3 at ML3, r4 (not assessable) from ML2. */
const SMALL: Framework = {
  model: 'test',
  strategies: [
    {
      id: 'mfa',
      name: 'Multi-factor authentication',
      requirements: [
        { id: 'r1', controls: ['ISM-0001'], title: 'MFA for all', levels: [1, 2, 3], checks: [{ evidence: 'm365.mfa.enforcement', measure: 'allUsers', pass: { eq: true } }], attestation: 'e8_mfa_ml1' },
        { id: 'r2', controls: ['ISM-0002'], title: 'at most 4 admins', levels: [1, 2], replacedBy: ['r3'], checks: [{ evidence: 'm365.admins', measure: 'globalAdmins', pass: { lte: 4 } }] },
        { id: 'r3', controls: ['ISM-0003'], title: 'at most 2 admins', levels: [3], checks: [{ evidence: 'm365.admins', measure: 'globalAdmins', pass: { lte: 2 } }] },
        { id: 'r4', controls: ['ISM-0004'], title: 'logging', levels: [2, 3], assessable: false, reason: 'no API shows it', attestation: 'e8_mfa_ml2' },
      ],
    },
  ],
};

const good = (admins = 2, extra: Evidence[] = [attested('e8_mfa_ml2')]): Evidence[] => [
  ev('m365.mfa.enforcement', { mode: 'conditional_access', allUsers: true }),
  ev('m365.admins', { globalAdmins: admins }),
  ...extra,
];
const small = (evidence: Evidence[]) => evaluateEssentialEight(SMALL, e8Bundle(evidence, ['m365'])).strategies[0]!;
const req = (s: { requirements: FrameworkRequirementResult[] }, id: string) => s.requirements.find((r) => r.id === id)!;

describe('the level rule', () => {
  it('awards ML3 when every set is met, with the reason it rests on', () => {
    const s = small(good());
    expect(s.level).toBe(3);
    expect(s.restsOn).toMatch(/^ML3 holds: all 3 requirements met \(1 by attestation\)$/);
    expect(req(s, 'r4')).toMatchObject({ status: 'met', attestation: { kind: 'e8_mfa_ml2', by: 'tech@msp' }, levels: [2, 3], level: 2 });
  });

  it('judges each level by its own set: a requirement replaced at ML3 is not in ML3, its replacement not in ML1–2', () => {
    const three = small(good(3));
    expect(req(three, 'r2').status).toBe('met');
    expect(req(three, 'r3').status).toBe('not_met');
    expect(three.level).toBe(2);
    expect(three.restsOn).toContain('ML3 blocked by: ISM-0003 not met');
    expect(three.restsOn).not.toContain('ISM-0002');
    // Strict ML3 requirement met while the replaced one fails: ML1 fails, and a level above a failed one never holds.
    const r = (id: string, levels: number[], status: FrameworkRequirementResult['status']): FrameworkRequirementResult =>
      ({ id, controls: [], title: id, level: levels[0]!, levels, status, evidence: '', evidenceKeys: [] });
    expect(strategyLevel([r('a', [1, 2], 'not_met'), r('b', [3], 'met'), r('c', [1, 2, 3], 'met')])).toBe(0);
    expect(strategyLevel([r('a', [1, 2], 'met'), r('b', [3], 'met'), r('c', [1, 2, 3], 'met')])).toBe(3);
    expect(small(good(5)).level).toBe(0);
  });

  it('never awards a level whose set is empty', () => {
    const r = (id: string, levels: number[]): FrameworkRequirementResult => ({ id, controls: [], title: id, level: levels[0]!, levels, status: 'met', evidence: '', evidenceKeys: [] });
    expect(strategyLevel([r('a', [1])])).toBe(1);
    expect(strategyLevel([r('a', [1]), r('b', [3])])).toBe(1);
    expect(strategyLevel([])).toBe(0);
    const onlyMl1: Framework = { model: 't', strategies: [{ ...SMALL.strategies[0]!, requirements: [SMALL.strategies[0]!.requirements[0]!] }] };
    const s = evaluateEssentialEight(onlyMl1, e8Bundle(good(), ['m365'])).strategies[0]!;
    expect(s.level).toBe(3);
    const ml1Only: Framework = { model: 't', strategies: [{ ...SMALL.strategies[0]!, requirements: [{ ...SMALL.strategies[0]!.requirements[0]!, levels: [1] }] }] };
    const t = evaluateEssentialEight(ml1Only, e8Bundle(good(), ['m365'])).strategies[0]!;
    expect(t.level).toBe(1);
    expect(t.restsOn).toContain('ML2 has no requirements and is never awarded');
  });

  it('counts unknown evidence as not met, and says it is unknown rather than failed', () => {
    // No attestation here: an e8_mfa_ml1 (or higher) attestation would cover the unknown requirement.
    const unknown = good(2, []).map((e) => (e.key === 'm365.mfa.enforcement' ? { ...e, status: 'unavailable' as const, value: null, reason: 'Policy.Read.All not granted' } : e));
    const s = small(unknown);
    expect(req(s, 'r1')).toMatchObject({ status: 'not_assessable', unknown: true });
    expect(req(s, 'r1').reason).toContain('Policy.Read.All not granted');
    expect(s.level).toBe(0);
    expect(s.restsOn).toContain('ISM-0001 unknown (attest e8_mfa_ml1)');
    // No source configured is unknown too, never a pass.
    const noSource = evaluateEssentialEight(SMALL, e8Bundle(good(2, []), [])).strategies[0]!;
    expect(req(noSource, 'r1')).toMatchObject({ status: 'not_assessable', unknown: true });
    expect(noSource.level).toBe(0);
    // Stale evidence likewise.
    const old = new Date(NOW.getTime() - 10 * DAY).toISOString();
    const stale = small(good(2, []).map((e) => (e.key === 'm365.mfa.enforcement' ? { ...e, collectedAt: old } : e)));
    expect(req(stale, 'r1')).toMatchObject({ status: 'not_assessable', unknown: true });
  });

  it('a not-assessable requirement blocks its level until attested; an attestation of a higher level covers it', () => {
    const none = small(good(2, []));
    expect(req(none, 'r4')).toMatchObject({ status: 'not_assessable', reason: 'no API shows it', attestationKind: 'e8_mfa_ml2' });
    expect(none.level).toBe(1);
    expect(none.restsOn).toContain('ML2 blocked by: ISM-0004 not assessable (attest e8_mfa_ml2)');
    expect(small(good(2, [attested('e8_mfa_ml3')])).level).toBe(3);
    // A lower level's attestation does not cover a higher level's requirement.
    expect(small(good(2, [attested('e8_mfa_ml1')])).level).toBe(1);
  });

  it('an expired attestation does not count (whether the scan marked it stale or the bundle is replayed later)', () => {
    const expiredEvidence: Evidence = { ...attested('e8_mfa_ml2'), status: 'unavailable', reason: 'attestation expired on 2026-10-01: record a new one', reasonCode: 'stale', value: { attested: false } };
    expect(small(good(2, [expiredEvidence])).level).toBe(1);
    const pastExpiry = attested('e8_mfa_ml2', -1);
    expect(small(good(2, [pastExpiry])).level).toBe(1);
  });

  it('an attestation covers unknown evidence, but never overrides evidence that was measured and failed', () => {
    const unknown = good(2, [attested('e8_mfa_ml2'), attested('e8_mfa_ml1')]).map((e) => (e.key === 'm365.mfa.enforcement' ? { ...e, status: 'unavailable' as const, value: null } : e));
    expect(req(small(unknown), 'r1')).toMatchObject({ status: 'met', attestation: { kind: 'e8_mfa_ml1' } });
    const failed = good(2, [attested('e8_mfa_ml2'), attested('e8_mfa_ml1')]).map((e) => (e.key === 'm365.mfa.enforcement' ? { ...e, value: { allUsers: false } } : e));
    const s = small(failed);
    expect(req(s, 'r1')).toMatchObject({ status: 'not_met' });
    expect(req(s, 'r1').attestation).toBeUndefined();
    expect(s.level).toBe(0);
  });

  it('refute-only checks: a failed check is not met; passing checks still need an attestation', () => {
    const fw: Framework = {
      model: 't',
      strategies: [{ id: 'mfa', name: 'MFA', requirements: [{ id: 'pr', controls: ['ISM-1682'], title: 'phishing-resistant', levels: [1, 2, 3], refuteOnly: true, reason: 'registration is not enforcement', checks: [{ evidence: 'm365.mfa.registration', measure: 'phishingResistantPct', pass: { gte: 95 } }], attestation: 'e8_mfa_ml1' }] }],
    };
    const run = (pct: number, extra: Evidence[] = []) => evaluateEssentialEight(fw, e8Bundle([ev('m365.mfa.registration', { phishingResistantPct: pct }), ...extra], ['m365'])).strategies[0]!;
    expect(run(50).requirements[0]!.status).toBe('not_met');
    expect(run(50, [attested('e8_mfa_ml1')]).requirements[0]!.status).toBe('not_met');
    expect(run(99).requirements[0]).toMatchObject({ status: 'not_assessable', reason: 'registration is not enforcement' });
    expect(run(99, [attested('e8_mfa_ml1')]).level).toBe(3);
  });
});

describe('the shipped Essential Eight mapping', () => {
  const { frameworks, problems } = loadFrameworks(frameworksDir(defaultRulesPath()));
  const e8 = frameworks.essentialEight!;

  it('validates against the schema and the evidence catalog, with the eight strategies', () => {
    expect(problems).toEqual([]);
    expect(e8.strategies.map((s) => s.id)).toEqual([...ESSENTIAL_EIGHT_STRATEGIES]);
    for (const s of e8.strategies) for (const l of [1, 2, 3]) expect(s.requirements.some((r) => r.levels.includes(l))).toBe(true);
  });

  it('models the requirements ASD replaces at ML3 (ISM-1691, 1695, 1873) outside ML3, with their replacements in it', () => {
    const all = e8.strategies.flatMap((s) => s.requirements);
    for (const control of ['ISM-1691', 'ISM-1695', 'ISM-1873']) {
      const r = all.find((x) => x.controls.includes(control))!;
      expect(r.levels).not.toContain(3);
      expect(r.replacedBy!.length).toBeGreaterThan(0);
    }
    const withControl = (c: string) => all.find((x) => x.controls.includes(c))!;
    for (const c of ['ISM-1692', 'ISM-1696', 'ISM-1902', 'ISM-1874']) expect(withControl(c).levels).toEqual([3]);
  });

  it('without attestations no strategy is above ML0: each rests on something telemetry cannot judge', () => {
    const view = evaluateEssentialEight(e8, e8Bundle(e8Strong()));
    expect(view.strategies.map((s) => s.level)).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(view.overall).toBe(0);
    // What the evidence can judge is judged: met where the strong tenant meets it.
    const all = view.strategies.flatMap((s) => s.requirements);
    for (const id of ['patch-os-one-month', 'patch-os-unsupported-replaced', 'mfa-online-services', 'mfa-privileged-users', 'admin-dedicated-accounts', 'admin-inactive-45-days', 'admin-just-in-time', 'backups-performed', 'backups-restore-tested', 'backups-immutable']) {
      expect({ id, status: all.find((r) => r.id === id)!.status }).toEqual({ id, status: 'met' });
    }
    expect(all.find((r) => r.id === 'macros-disabled-and-blocked')).toMatchObject({ status: 'not_assessable', reason: expect.stringContaining('Intune exposes no macro policy') });
    expect(EssentialEightSchema.safeParse(view).success).toBe(true);
  });

  it('with every ML3 attestation and strong evidence all eight strategies reach ML3', () => {
    const view = evaluateEssentialEight(e8, e8Bundle([...e8Strong(), ...allMl3Attestations()]));
    expect(view.strategies.map((s) => [s.id, s.level])).toEqual(ESSENTIAL_EIGHT_STRATEGIES.map((id) => [id, 3]));
    expect(view.overall).toBe(3);
  });

  it('patch OS: a critical patch pending over 48 h holds ML2 (ISM-1696); over a month drops to ML0', () => {
    const evidence = [...e8Strong(), ...allMl3Attestations()];
    const level = (ev: Evidence[]) => evaluateEssentialEight(e8, e8Bundle(ev)).strategies.find((s) => s.id === 'patch-os')!;
    const critical = level(patchEvidence(evidence, 'rmm.patches', { pendingOver48hCritical: 3 }));
    expect(critical.level).toBe(2);
    expect(critical.restsOn).toContain('ML3 blocked by: ISM-1696 not met');
    expect(level(patchEvidence(evidence, 'rmm.patches', { pendingOver30d: 1 })).level).toBe(0);
    expect(level(patchEvidence(evidence, 'm365.devices.os_currency', { unsupported: 2 })).level).toBe(0);
  });

  it('MFA, admin privileges and backups follow their evidence', () => {
    const evidence = [...e8Strong(), ...allMl3Attestations()];
    const s = (ev: Evidence[], id: string) => evaluateEssentialEight(e8, e8Bundle(ev)).strategies.find((x) => x.id === id)!.level;
    expect(s(patchEvidence(evidence, 'm365.mfa.enforcement', { adminsEnforced: false }), 'mfa')).toBe(1);
    expect(s(patchEvidence(evidence, 'm365.admins', { globalAdminsWithoutMfa: 1 }), 'mfa')).toBe(1);
    expect(s(patchEvidence(evidence, 'm365.mfa.registration', { adminsPhishingResistantPct: 75 }), 'mfa')).toBe(1);
    expect(s(patchEvidence(evidence, 'm365.admins', { globalAdminsLicensed: 1 }), 'restrict-admin-privileges')).toBe(0);
    expect(s(patchEvidence(evidence, 'm365.accounts.inactive', { privilegedInactive45d: 1 }), 'restrict-admin-privileges')).toBe(1);
    expect(s(patchEvidence(evidence, 'm365.pim.global_admins', { permanent: 4 }), 'restrict-admin-privileges')).toBe(2);
    expect(s(patchEvidence(evidence, 'backup.immutability', { immutable: 1, pct: 50 }), 'regular-backups')).toBe(2);
    expect(s(patchEvidence(evidence, 'backup.protection', { freshPct: 80 }), 'regular-backups')).toBe(0);
  });
});
