/**
 * Monotonic, like the rules engine (src/engine/monotonic.test.ts): making any measured input of the shipped Essential
 * Eight mapping worse, or withdrawing an attestation, never raises a strategy's level or the overall level. fast-check
 * applies random sequences of worsenings derived from every check of the shipped file (the direction its condition
 * says is better) to tenants that start strong, with attestations of every level, of ML1 only, or none.
 *
 * Losing visibility (evidence turning unavailable) is not a worsening here: an attestation of the requirement then
 * stands in for the evidence, by design (docs/essential-eight.md), and Ratchet reports the lost visibility itself.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Evidence } from '../domain/evidence.js';
import { E8_ATTESTATION_KINDS } from '../domain/attestation.js';
import { defaultRulesPath } from '../paths.js';
import { evaluateEssentialEight } from './essential-eight.js';
import { frameworksDir, loadFrameworks } from './load.js';
import type { FrameworkCheck } from './schema.js';
import { attested, e8Bundle, e8Strong } from './testing/e8-samples.js';

const e8 = loadFrameworks(frameworksDir(defaultRulesPath())).frameworks.essentialEight!;

interface Worsening {
  name: string;
  apply(evidence: Evidence[], k: number): Evidence[];
}

/** The worse direction of one check's measure, by its condition. */
function worsenCheck(c: FrameworkCheck): Worsening {
  const step = (v: unknown, k: number): unknown => {
    if (typeof v === 'number') return c.pass.gte !== undefined || c.pass.gt !== undefined ? v - k : c.pass.lte !== undefined || c.pass.lt !== undefined ? v + k : v;
    if (typeof v === 'boolean') return c.pass.eq === true ? false : c.pass.eq === false ? true : v;
    if (typeof v === 'string') return c.pass.eq !== undefined || c.pass.in !== undefined ? 'none' : v;
    return v;
  };
  return {
    name: `${c.evidence} ${c.measure} worse`,
    apply: (evidence, k) => evidence.map((e) => (e.key === c.evidence && e.value ? { ...e, value: { ...e.value, [c.measure]: step(e.value[c.measure], k) } } : e)),
  };
}

const CHECKS = e8.strategies.flatMap((s) => s.requirements.flatMap((r) => r.checks ?? []));
const lowerBound = (c: FrameworkCheck) => c.pass.gte !== undefined || c.pass.gt !== undefined;
const upperBound = (c: FrameworkCheck) => c.pass.lte !== undefined || c.pass.lt !== undefined;
/**
 * A measure held in a band (Global Administrators: more than 0, at most 4) has no single worse direction; the lower
 * bound only says "there is something to judge", so there "worse" is more of it.
 */
const banded = (c: FrameworkCheck) => lowerBound(c) && CHECKS.some((o) => o.evidence === c.evidence && o.measure === c.measure && upperBound(o));

const WORSENINGS: Worsening[] = [
  ...CHECKS.filter((c) => !banded(c)).map(worsenCheck),
  ...E8_ATTESTATION_KINDS.map((kind) => ({
    name: `${kind} withdrawn`,
    apply: (evidence: Evidence[]) => evidence.filter((e) => e.key !== `attestation.${kind}`),
  })),
  ...E8_ATTESTATION_KINDS.map((kind) => ({
    name: `${kind} expired`,
    apply: (evidence: Evidence[]) => evidence.map((e) => (e.key === `attestation.${kind}` ? attested(kind, -1) : e)),
  })),
];

const STARTS: Record<string, () => Evidence[]> = {
  'every level attested': () => [...e8Strong(), ...E8_ATTESTATION_KINDS.map((k) => attested(k))],
  'ML1 attested': () => [...e8Strong(), ...E8_ATTESTATION_KINDS.filter((k) => k.endsWith('_ml1')).map((k) => attested(k))],
  'ML3 attested only': () => [...e8Strong(), ...E8_ATTESTATION_KINDS.filter((k) => k.endsWith('_ml3')).map((k) => attested(k))],
  'nothing attested': () => e8Strong(),
};

const levels = (evidence: Evidence[]) => {
  const view = evaluateEssentialEight(e8, e8Bundle(evidence));
  return { overall: view.overall, strategies: view.strategies.map((s) => s.level) };
};

describe('Essential Eight levels are monotonic', () => {
  it('derives a worsening for every check of the shipped file', () => {
    expect(WORSENINGS.length).toBeGreaterThan(2 * E8_ATTESTATION_KINDS.length + 15);
  });

  it('no worsening sequence raises a strategy level or the overall level', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...Object.keys(STARTS)),
        fc.array(fc.tuple(fc.integer({ min: 0, max: WORSENINGS.length - 1 }), fc.integer({ min: 1, max: 60 })), { minLength: 1, maxLength: 12 }),
        (start, steps) => {
          let evidence = STARTS[start]!();
          let before = levels(evidence);
          for (const [i, k] of steps) {
            evidence = WORSENINGS[i]!.apply(evidence, k);
            const after = levels(evidence);
            expect(after.overall).toBeLessThanOrEqual(before.overall);
            after.strategies.forEach((l, j) => expect({ step: WORSENINGS[i]!.name, strategy: j, level: l <= before.strategies[j]! }).toEqual({ step: WORSENINGS[i]!.name, strategy: j, level: true }));
            before = after;
          }
        },
      ),
      { numRuns: 300, seed: 16_2 },
    );
  });

  it('the strongest start is at ML3 everywhere, so the property has room to fall', () => {
    expect(levels(STARTS['every level attested']!()).strategies).toEqual([3, 3, 3, 3, 3, 3, 3, 3]);
  });
});
