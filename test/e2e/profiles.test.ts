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
import { mailAuthTruth } from '../../collectors/m365/simulator/mail-dns.js';
import type { TenantModel } from '../../collectors/m365/simulator/tenant-model.js';

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
      // Identity breadth (issue 17): null in the truth = the tenant lacks the licence, so the key is unavailable.
      const id = truth.identity;
      const identityKeys: Array<[string, Record<string, unknown> | null]> = [
        ['m365.accounts.inactive', id.inactive],
        ['m365.guest_access', id.guestAccess],
        ['m365.user_consent', id.userConsent],
        ['m365.auth_methods.policy', id.authMethods],
        ['m365.sspr.registration', id.sspr],
        ['m365.pim.global_admins', id.pim],
        ['m365.risk_policies', id.riskPolicies],
        ['m365.password_expiry', id.passwordExpiry],
      ];
      for (const [key, expectedValue] of identityKeys) {
        const e = report.evidence.find((x) => x.key === key)!;
        if (expectedValue === null) expect({ key, status: e.status, reasonCode: e.reasonCode }).toEqual({ key, status: 'unavailable', reasonCode: 'not_licensed' });
        else expect(e.value).toMatchObject(expectedValue);
      }
      // E-mail authentication (issue 17): what the simulator's loopback DNS publishes for the tenant's mail domains.
      const mail = mailAuthTruth((h.sim.directoryState(info.id) as { model: TenantModel }).model);
      const mailKeys: Array<[string, Record<string, unknown>]> = [
        ['m365.email.spf', mail.spf],
        ['m365.email.dkim', mail.dkim],
        ['m365.email.dmarc', mail.dmarc],
      ];
      for (const [key, v] of mailKeys) expect({ key, value: value(key) }).toMatchObject({ key, value: v });
      // Device posture, Defender, update rings, SharePoint sharing (issues 16/17, m365-devices): null truth = unlicensed.
      const p = truth.posture;
      const postureKeys: Array<[string, Record<string, unknown> | null]> = [
        ['m365.devices.encryption', p.encryption],
        ['m365.devices.stale', p.stale],
        ['m365.devices.os_currency', p.osCurrency],
        ['m365.devices.update_rings', p.updateRings],
        ['m365.defender.alerts', p.defender],
        ['m365.sharepoint.sharing', p.sharepoint],
      ];
      for (const [key, v] of postureKeys) {
        const e = report.evidence.find((x) => x.key === key)!;
        if (v === null) expect({ key, status: e.status, reasonCode: e.reasonCode }).toEqual({ key, status: 'unavailable', reasonCode: 'not_licensed' });
        else expect({ key, value: e.value }).toMatchObject({ key, value: v });
      }
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
        ...identityKeys.map(([key, v]) =>
          v === null
            ? { ...fromTruth(key, {}), status: 'unavailable' as const, value: null, reasonCode: 'not_licensed' as const, reason: 'not licensed' }
            : fromTruth(key, v),
        ),
        ...mailKeys.map(([key, v]) => fromTruth(key, v)),
        ...postureKeys.map(([key, v]) =>
          v === null
            ? { ...fromTruth(key, {}), status: 'unavailable' as const, value: null, reasonCode: 'not_licensed' as const, reason: 'not licensed' }
            : fromTruth(key, v),
        ),
      ];
      // Scoped as configFor writes a simulated tenant without an RMM or a backup product.
      const outOfScope = { monitoring: 'simulated tenant without an RMM', recovery: 'simulated tenant without a backup product' };
      const expected = evaluate({ tenantId: info.id, sources: ['m365'], collectedAt: at, evidence: truthEvidence, outOfScope }, rules, { now: new Date(at) });
      expect(report.capabilities.map((c) => [c.id, c.level, c.score])).toEqual(expected.capabilities.map((c) => [c.id, c.level, c.score]));
    }
  });
});
