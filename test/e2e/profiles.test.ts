/**
 * Every simulator profile, scanned over real sockets and TLS by the real collector, lands on the level the profile
 * promises — and the evidence equals the simulator's ground truth, so the scores are the rules applied to the truth.
 */
import { describe, expect, it } from 'vitest';
import { evaluate } from '../../src/engine/evaluate.js';
import { loadRuleSet } from '../../src/config/load-rules.js';
import { defaultRulesPath } from '../../src/paths.js';
import { PROFILE_NAMES } from '../../src/simulator/index.js';
import type { Evidence } from '../../src/domain/evidence.js';
import { e2e } from './harness.js';

describe('profiles end to end', () => {
  it('each profile yields its expected level, evidence and capability scores', async () => {
    const h = await e2e({ tenants: PROFILE_NAMES.map((p) => ({ id: p, name: `Tenant ${p}`, profile: p, seed: p, knobs: { users: 300, devices: 200 } })) });
    const run = await h.scan();
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.reports).toHaveLength(PROFILE_NAMES.length);
    const { rules } = loadRuleSet(defaultRulesPath());
    for (const report of run.reports) {
      const info = h.sim.tenants.find((t) => t.id === report.tenant.id)!;
      expect({ tenant: info.id, level: report.level.value, potential: report.level.potential }).toEqual({
        tenant: info.id,
        level: info.expectedLevel,
        potential: info.expectedPotential,
      });
      const truth = h.sim.truth(info.id);
      const value = (key: string) => report.evidence.find((e) => e.key === key)!.value!;
      expect(value('m365.mfa.registration')).toMatchObject(truth.registration);
      expect(value('m365.mfa.enforcement')).toMatchObject(truth.enforcement);
      expect(value('m365.legacy_auth')).toMatchObject(truth.legacyAuth);
      expect(value('m365.admins')).toMatchObject(truth.admins);
      expect(value('m365.devices.compliance')).toMatchObject(truth.devices);
      expect(value('m365.licenses')).toMatchObject(truth.licences);
      // Scores: the default rules applied to evidence built from the simulator's ground truth (not from the scan).
      const at = report.scan.finishedAt;
      const fromTruth = (key: string, v: Record<string, unknown>): Evidence => ({ key, status: 'ok', value: v, reason: null, source: { collector: 'truth', endpoints: [], requests: 0 }, collectedAt: at });
      const truthEvidence: Evidence[] = [
        fromTruth('m365.mfa.registration', truth.registration),
        fromTruth('m365.mfa.enforcement', truth.enforcement),
        fromTruth('m365.legacy_auth', truth.legacyAuth),
        fromTruth('m365.admins', truth.admins),
        fromTruth('m365.devices.compliance', truth.devices),
        fromTruth('m365.licenses', truth.licences),
        fromTruth('m365.secure_score', truth.secureScore),
      ];
      // Scoped as configFor writes a simulated tenant without an RMM or a backup product.
      const outOfScope = { monitoring: 'simulated tenant without an RMM', recovery: 'simulated tenant without a backup product' };
      const expected = evaluate({ tenantId: info.id, sources: ['m365'], collectedAt: at, evidence: truthEvidence, outOfScope }, rules, { now: new Date(at) });
      expect(report.capabilities.map((c) => [c.id, c.level, c.score])).toEqual(expected.capabilities.map((c) => [c.id, c.level, c.score]));
    }
  });
});
