/**
 * Monotonic by construction, and proven (issue 10, DESIGN §7): making any measured input worse never raises a
 * capability score, capability level, confirmed level or potential level — over every shipped rule. fast-check
 * builds tenants (strong, middling, weak; with and without history), then applies random sequences of worsening
 * mutations to the real evidence shapes, re-evaluating after each step.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ALL_SOURCES, bundle, historyScans, strongTenant } from '../../bench/lib/evidence-samples.js';
import { NOW } from '../../bench/lib/evidence-samples.js';
import type { Evidence, EvidenceBundle } from '../domain/evidence.js';
import { defaultRulesPath } from '../paths.js';
import { evaluate } from './evaluate.js';
import { loadRuleSet } from '../config/load-rules.js';

const { rules } = loadRuleSet(defaultRulesPath());

type Value = Record<string, unknown>;
const pct = (part: number, whole: number) => (whole > 0 ? Math.round((part / whole) * 1000) / 10 : null);
const num = (v: unknown) => (typeof v === 'number' ? v : 0);

/** A worsening of one evidence value: `k` (≥ 1) says how much. Each keeps the value internally consistent. */
interface Worsening {
  name: string;
  key: string;
  apply(v: Value, k: number): Value;
}

const WORSENINGS: Worsening[] = [
  { name: 'fewer members registered', key: 'm365.mfa.registration', apply: (v, k) => { const registered = Math.max(0, num(v.registered) - k); return { ...v, registered, pct: pct(registered, num(v.eligible)) }; } },
  { name: 'fewer admins registered', key: 'm365.mfa.registration', apply: (v, k) => { const adminsRegistered = Math.max(0, num(v.adminsRegistered) - k); return { ...v, adminsRegistered, adminPct: pct(adminsRegistered, num(v.admins)) }; } },
  { name: 'all-users policy to report-only or off', key: 'm365.mfa.enforcement', apply: (v) => ({ ...v, allUsers: false, excludedUsers: null, excludedPrincipals: 0, mode: v.adminsEnforced ? 'conditional_access' : 'none' }) },
  { name: 'admin policy off', key: 'm365.mfa.enforcement', apply: (v) => ({ ...v, adminsEnforced: false, phishingResistantAdmins: false }) },
  { name: 'phishing-resistant strength dropped', key: 'm365.mfa.enforcement', apply: (v) => ({ ...v, phishingResistantAdmins: false }) },
  { name: 'more users excluded', key: 'm365.mfa.enforcement', apply: (v, k) => (v.excludedUsers === null ? v : { ...v, excludedUsers: num(v.excludedUsers) + k, excludedPrincipals: num(v.excludedPrincipals) + 1 }) },
  { name: 'legacy auth unblocked', key: 'm365.legacy_auth', apply: (v) => ({ ...v, blocked: false }) },
  { name: 'a Global Admin without MFA', key: 'm365.admins', apply: (v, k) => ({ ...v, globalAdminsWithoutMfa: Math.min(num(v.globalAdmins), num(v.globalAdminsWithoutMfa) + k) }) },
  { name: 'fewer compliant devices', key: 'm365.devices.compliance', apply: (v, k) => { const compliant = Math.max(0, num(v.compliant) - k); return { ...v, compliant, pct: pct(compliant, num(v.total)) }; } },
  { name: 'fewer servers checking in', key: 'rmm.devices', apply: (v, k) => { const s = Math.max(0, num(v.serversOnline24h) - k); const checkedIn = s + num(v.workstationsOnline7d); return { ...v, serversOnline24h: s, checkedIn, checkedInPct: pct(checkedIn, num(v.total)) }; } },
  { name: 'fewer workstations checking in', key: 'rmm.devices', apply: (v, k) => { const w = Math.max(0, num(v.workstationsOnline7d) - k); const checkedIn = num(v.serversOnline24h) + w; return { ...v, workstationsOnline7d: w, checkedIn, checkedInPct: pct(checkedIn, num(v.total)) }; } },
  { name: 'fewer devices patched', key: 'rmm.patches', apply: (v, k) => { const compliant = Math.max(0, num(v.compliant) - k); return { ...v, compliant, pct: pct(compliant, num(v.devices)) }; } },
  { name: 'older pending patch', key: 'rmm.patches', apply: (v, k) => ({ ...v, oldestPendingDays: num(v.oldestPendingDays) + 7 * k }) },
  { name: 'more devices with a critical patch overdue', key: 'rmm.patches', apply: (v, k) => { const c = Math.min(num(v.devices), num(v.criticalOverdueDevices) + k); return { ...v, criticalOverdueDevices: c, pendingCritical: num(v.pendingCritical) + k, criticalCompliantPct: pct(num(v.devices) - c, num(v.devices)) }; } },
  { name: 'fewer devices under automated patching', key: 'rmm.patches', apply: (v, k) => { const automated = Math.max(0, num(v.automated) - k); return { ...v, automated, automatedPct: pct(automated, num(v.devices)) }; } },
  { name: 'more stale alerts', key: 'rmm.alerts', apply: (v, k) => { const s = num(v.staleOver24h) + k; return { ...v, open: num(v.open) + k, staleOver24h: s, staleOver24hPer100: pct(s, num(v.devices)) }; } },
  { name: 'more stale high alerts', key: 'rmm.alerts', apply: (v, k) => { const h24 = num(v.highOver24h) + k; const h7 = num(v.highOver7d) + Math.ceil(k / 2); const s = num(v.staleOver24h) + k; return { ...v, open: num(v.open) + k, high: num(v.high) + k, highOver24h: h24, highOver7d: h7, staleOver24h: s, highOver24hPer100: pct(h24, num(v.devices)), highOver7dPer100: pct(h7, num(v.devices)), staleOver24hPer100: pct(s, num(v.devices)) }; } },
  { name: 'fewer devices with antivirus', key: 'rmm.antivirus', apply: (v, k) => { const p = Math.max(0, num(v.protected) - k); return { ...v, protected: p, pct: pct(p, num(v.devices)) }; } },
  { name: 'fewer backups in 24 h', key: 'backup.protection', apply: (v, k) => { const s = Math.max(0, num(v.succeeded24h) - k); return { ...v, succeeded24h: s, pct: pct(s, num(v.protected)) }; } },
  { name: 'a workload that never backed up', key: 'backup.protection', apply: (v, k) => { const p = num(v.protected) + k; return { ...v, protected: p, neverSucceeded: num(v.neverSucceeded) + k, staleOver72h: num(v.staleOver72h) + k, freshPct: pct(num(v.fresh72h), p), pct: pct(num(v.succeeded24h), p), oldestSuccessHours: null }; } },
  { name: 'older last successes', key: 'backup.protection', apply: (v, k) => { const f = Math.max(0, num(v.fresh72h) - k); const s = Math.min(num(v.succeeded24h), f); return { ...v, fresh72h: f, staleOver72h: num(v.protected) - f, freshPct: pct(f, num(v.protected)), succeeded24h: s, pct: pct(s, num(v.protected)), oldestSuccessHours: num(v.oldestSuccessHours) + 24 * k }; } },
  { name: 'lower 30-day run success', key: 'backup.protection', apply: (v, k) => (typeof v.successRate30d === 'number' ? { ...v, successRate30d: Math.max(0, v.successRate30d - 0.7 * k) } : v) },
  { name: 'fewer servers covered', key: 'backup.coverage', apply: (v, k) => { const c = Math.max(0, num(v.covered) - k); return { ...v, covered: c, pct: pct(c, num(v.servers)) }; } },
  { name: 'older restore test', key: 'recovery.restore_test', apply: (v, k) => ({ ...v, ageDays: num(v.ageDays) + 15 * k }) },
  { name: 'older strategy review', key: 'attestation.strategy_review', apply: (v, k) => ({ ...v, ageDays: num(v.ageDays) + 60 * k }) },
];

function worsen(b: EvidenceBundle, w: Worsening, k: number): EvidenceBundle {
  return { ...b, evidence: b.evidence.map((e): Evidence => (e.key === w.key && e.status === 'ok' && e.value ? { ...e, value: w.apply(e.value, k) } : e)) };
}

/** Tenants to start from: every source strong, then weakened at random in the same directions (still realistic). */
const start = fc
  .record({
    history: fc.constantFrom('none', 'l3-98d', 'l4-190d', 'l1-daily'),
    pre: fc.array(fc.record({ w: fc.integer({ min: 0, max: WORSENINGS.length - 1 }), k: fc.integer({ min: 1, max: 30 }) }), { maxLength: 6 }),
  })
  .map(({ history, pre }) => {
    const h =
      history === 'l3-98d' ? [historyScans(98, () => 3)] : history === 'l4-190d' ? [historyScans(190, () => 4)] : history === 'l1-daily' ? [historyScans(100, () => 1, 1)] : [];
    let b = bundle([...strongTenant(), ...h], ALL_SOURCES);
    for (const p of pre) b = worsen(b, WORSENINGS[p.w]!, p.k);
    return b;
  });

const step = fc.record({ w: fc.integer({ min: 0, max: WORSENINGS.length - 1 }), k: fc.integer({ min: 1, max: 20 }) });

function snapshot(b: EvidenceBundle) {
  const r = evaluate(b, rules, { now: NOW });
  return { overall: { value: r.level.value, potential: r.level.potential }, caps: r.capabilities };
}

describe('monotonic: a worse estate never scores higher', () => {
  it('no worsening of any measured input raises a capability score, capability level, confirmed level or potential level', () => {
    fc.assert(
      fc.property(start, fc.array(step, { minLength: 1, maxLength: 6 }), (base, steps) => {
        let b = base;
        let before = snapshot(b);
        for (const s of steps) {
          const w = WORSENINGS[s.w]!;
          b = worsen(b, w, s.k);
          const after = snapshot(b);
          const ctx = `after "${w.name}" (k=${s.k})`;
          expect(after.overall.value, `${ctx}: confirmed level`).toBeLessThanOrEqual(before.overall.value);
          expect(after.overall.potential, `${ctx}: potential level`).toBeLessThanOrEqual(before.overall.potential);
          for (const c of after.caps) {
            const p = before.caps.find((x) => x.id === c.id)!;
            expect(c.level, `${ctx}: ${c.id} level`).toBeLessThanOrEqual(p.level);
            expect(c.potential, `${ctx}: ${c.id} potential`).toBeLessThanOrEqual(p.potential);
            expect(c.score ?? 0, `${ctx}: ${c.id} score`).toBeLessThanOrEqual(p.score ?? 0);
            expect(c.potentialScore ?? 0, `${ctx}: ${c.id} potential score`).toBeLessThanOrEqual(p.potentialScore ?? 0);
          }
          before = after;
        }
      }),
      { numRuns: 400, seed: 20261203 },
    );
  });

  it('every worsening bites: each one lowers something for some tenant (the test is not vacuous)', () => {
    for (const w of WORSENINGS) {
      const b = bundle([...strongTenant(), historyScans(190, () => 4)], ALL_SOURCES);
      const before = snapshot(b);
      const after = snapshot(worsen(b, w, 30));
      const moved = after.caps.some((c) => {
        const p = before.caps.find((x) => x.id === c.id)!;
        return c.score !== p.score || c.level !== p.level || c.potential !== p.potential;
      });
      expect(moved, w.name).toBe(true);
    }
  });
});
