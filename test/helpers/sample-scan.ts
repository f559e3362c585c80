/**
 * Builds realistic `StoredScan`s for store tests: catalog evidence keys with the value shapes of DESIGN §6,
 * findings for several capabilities (including unknown / not_applicable with null scores), all six capability
 * scores and a regression block. Deterministic from its options, so tests can compare whole documents.
 *
 * `extraEvidence` / `extraFindings` / `offendersPerEvidence` inflate the scan for crash and volume tests.
 * This file imports types only, so it also loads in a plain Node child process through a type-stripping loader.
 */
import type { Evidence, EvidenceBundle } from '../../src/domain/evidence.js';
import type { CapabilityScore, Finding } from '../../src/domain/assessment.js';
import type { Report, ScanStatus } from '../../src/domain/report.js';
import type { StoredScan } from '../../src/store/store.js';

export interface SampleScanOptions {
  id?: string;
  tenantId?: string;
  tenantName?: string;
  /** ISO timestamp; defaults to 2025-01-01T02:00:00.000Z. */
  startedAt?: string;
  status?: ScanStatus;
  level?: number;
  potential?: number;
  rulesVersion?: string;
  regressionDetected?: boolean;
  regressionConfirmed?: boolean;
  /** Additional synthetic evidence rows (keys `synthetic.<n>`). */
  extraEvidence?: number;
  /** Additional synthetic findings (rule ids `synthetic-rule-<n>`). */
  extraFindings?: number;
  /** Length of the offender lists inside evidence values (capped at 1,000 in production, DESIGN §6). */
  offendersPerEvidence?: number;
  /**
   * Give the report `level.scope` and `level.restsOn` (DESIGN §7). Without it the report looks like one stored before
   * scope existed (no `level.scope`, no `level.restsOn`). `outOfScope`: capability id → the config's reason;
   * `unassessed`: capability id → the source to connect (the capability gets level 1 and a null score).
   */
  scope?: { outOfScope?: Record<string, string>; unassessed?: Record<string, string> };
}

const LEVEL_NAMES = ['', 'Basic', 'Managed', 'Defined', 'Quantitatively Managed', 'Optimizing'];

export function sampleScan(opts: SampleScanOptions = {}): StoredScan {
  const tenantId = opts.tenantId ?? 'contoso';
  const id = opts.id ?? `scan-${tenantId}-0001`;
  const startedAt = opts.startedAt ?? '2025-01-01T02:00:00.000Z';
  const finishedAt = new Date(Date.parse(startedAt) + 42_000).toISOString();
  const collectedAt = new Date(Date.parse(startedAt) + 30_000).toISOString();
  const status = opts.status ?? 'complete';
  const level = opts.level ?? 3;
  const potential = opts.potential ?? Math.max(level, 3);
  const offenders = (prefix: string, n: number): string[] =>
    Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(4, '0')}@${tenantId}.example`);
  const unregisteredCount = opts.offendersPerEvidence ?? 13;

  const m365 = (endpoints: string[]) => ({ collector: 'm365', endpoints, requests: endpoints.length });
  const rmm = (endpoints: string[]) => ({ collector: 'ninjaone', endpoints, requests: endpoints.length });

  const evidence: Evidence[] = [
    {
      key: 'm365.mfa.registration',
      status: 'ok',
      value: {
        eligible: 50,
        registered: 37,
        pct: 74,
        admins: 3,
        adminsRegistered: 3,
        adminPct: 100,
        unregistered: offenders('user', unregisteredCount),
      },
      reason: null,
      reasonCode: null,
      source: m365(['/reports/authenticationMethods/userRegistrationDetails']),
      collectedAt,
    },
    {
      key: 'm365.mfa.enforcement',
      status: 'ok',
      value: {
        mode: 'conditional_access',
        allUsers: true,
        policies: ['0f6b5c1e-7f4e-4c1a-9a53-1f2f3b4c5d6e'],
        excludedPrincipals: 1,
        phishingResistantAdmins: false,
      },
      reason: null,
      source: m365(['/identity/conditionalAccess/policies', '/policies/identitySecurityDefaultsEnforcementPolicy']),
      collectedAt,
    },
    {
      key: 'm365.secure_score',
      status: 'unavailable',
      value: null,
      reason: 'Permission SecurityEvents.Read.All is not granted to the app registration',
      reasonCode: 'permission_missing',
      source: m365(['/security/secureScores?$top=1']),
      collectedAt,
    },
    {
      key: 'rmm.patches',
      status: 'ok',
      value: { devices: 120, compliant: 102, pct: 85, pendingCritical: 4, failed: 2, oldestPendingDays: 19.5 },
      reason: null,
      source: rmm(['/v2/queries/os-patches']),
      collectedAt,
    },
    {
      key: 'rmm.alerts',
      status: 'error',
      value: null,
      reason: 'GET /v2/alerts failed after 3 retries: 503 Service Unavailable',
      reasonCode: 'collector_error',
      source: rmm(['/v2/alerts']),
      collectedAt,
    },
  ];
  for (let i = 0; i < (opts.extraEvidence ?? 0); i += 1) {
    evidence.push({
      key: `synthetic.${i}`,
      status: 'ok',
      value: { n: i, pct: i % 101, offenders: offenders(`host${i}-`, unregisteredCount), nested: { ok: i % 2 === 0 } },
      reason: null,
      source: rmm([`/v2/synthetic/${i}`]),
      collectedAt,
    });
  }

  const finding = (f: Partial<Finding> & Pick<Finding, 'ruleId' | 'capability' | 'level' | 'outcome'>): Finding => ({
    title: `Rule ${f.ruleId}`,
    score: null,
    evidence: [],
    observed: '',
    expected: '',
    remediation: `Fix ${f.ruleId}`,
    weight: 1,
    critical: false,
    advisory: false,
    measured: null,
    reason: null,
    ...f,
  });
  const findings: Finding[] = [
    finding({
      ruleId: 'mfa-user-coverage',
      capability: 'identity',
      level: 3,
      outcome: 'partial',
      score: 0.4,
      evidence: ['m365.mfa.registration'],
      observed: '37 of 50 enabled members registered (74 %)',
      expected: '≥ 90 %',
      weight: 3,
      measured: 74,
    }),
    finding({
      ruleId: 'mfa-enforced',
      capability: 'identity',
      level: 3,
      outcome: 'pass',
      score: 1,
      evidence: ['m365.mfa.enforcement'],
      observed: 'Conditional Access requires MFA for all users',
      expected: 'enforced for all users',
      critical: true,
      measured: true,
    }),
    finding({
      ruleId: 'secure-score',
      capability: 'identity',
      level: 4,
      outcome: 'unknown',
      evidence: ['m365.secure_score'],
      observed: 'unavailable',
      expected: '≥ 60 %',
      reason: 'Permission SecurityEvents.Read.All is not granted to the app registration',
    }),
    finding({
      ruleId: 'patch-compliance',
      capability: 'endpoint',
      level: 3,
      outcome: 'fail',
      score: 0,
      evidence: ['rmm.patches'],
      observed: '102 of 120 devices compliant (85 %)',
      expected: '≥ 90 %',
      weight: 2,
      measured: 85,
    }),
    finding({
      ruleId: 'backup-success',
      capability: 'recovery',
      level: 3,
      outcome: 'not_applicable',
      evidence: ['backup.protection'],
      observed: 'no backup source configured',
      expected: '≥ 95 %',
      reason: 'not_configured',
    }),
  ];
  for (let i = 0; i < (opts.extraFindings ?? 0); i += 1) {
    findings.push(
      finding({
        ruleId: `synthetic-rule-${i}`,
        capability: 'monitoring',
        level: 2 + (i % 4),
        outcome: i % 3 === 0 ? 'pass' : 'fail',
        score: i % 3 === 0 ? 1 : 0,
        evidence: [`synthetic.${i}`],
        observed: `${i % 101} %`,
        expected: '≥ 50 %',
        measured: i % 101,
      }),
    );
  }

  const cap = (id: string, name: string, lv: number, pot: number, score: number | null, coverage: number, assessed: boolean): CapabilityScore => ({
    id,
    name,
    level: lv,
    potential: pot,
    score,
    potentialScore: score,
    coverage,
    assessed,
    scope: assessed ? 'assessed' : 'not_assessed',
    scopeReason: assessed ? null : 'not assessed: no backup source configured',
    snapshotLevel: lv,
    snapshotPotential: pot,
    snapshotScore: score,
    gates: [2, 3, 4, 5].map((l) => ({ level: l, passed: l <= lv ? 2 : 1, total: 2, unknown: 0 })),
  });
  const capabilities: CapabilityScore[] = [
    cap('identity', 'Identity & access', level, potential, 82.5, 0.75, true),
    cap('endpoint', 'Endpoint & patching', 2, 2, 60, 1, true),
    cap('recovery', 'Backup & recovery', 1, 1, null, 0, false),
    cap('monitoring', 'Monitoring', 3, 4, 71.25, 0.5, true),
    cap('automation', 'Automation', 2, 2, 55, 1, true),
    cap('governance', 'Governance', 1, 1, null, 0, false),
  ];

  const levelScope: Pick<Report['level'], 'scope' | 'restsOn'> = {};
  if (opts.scope) {
    const outOfScope = opts.scope.outOfScope ?? {};
    const unassessed = opts.scope.unassessed ?? {};
    for (const c of capabilities) {
      if (outOfScope[c.id] !== undefined) Object.assign(c, { assessed: false, scope: 'out_of_scope', scopeReason: `out of scope: ${outOfScope[c.id]}` });
      else if (unassessed[c.id] !== undefined) {
        Object.assign(c, { level: 1, potential: c.potential, score: null, potentialScore: null, coverage: 0, assessed: false, scope: 'unassessed', scopeReason: `not assessed: connect ${unassessed[c.id]}`, snapshotLevel: 1, snapshotScore: null });
        c.gates = c.gates.map((g) => ({ ...g, passed: 0, unknown: g.total }));
      } else if (['identity', 'endpoint', 'recovery', 'monitoring'].includes(c.id) && c.scope === 'not_assessed') {
        // A core capability is never "not assessed" in a scoped report: give it the sample's numbers as assessed.
        Object.assign(c, { assessed: true, scope: 'assessed', scopeReason: null, score: c.score ?? 10, potentialScore: c.potentialScore ?? 10, coverage: c.coverage || 0.5 });
      }
    }
    const part = capabilities.filter((c) => c.scope === 'assessed' || c.scope === 'unassessed');
    const weakest = part.filter((c) => c.level === level).map((c) => (c.scope === 'unassessed' ? `${c.id} (not assessed)` : c.id));
    const others = part.filter((c) => c.level !== level).map((c) => `${c.id} L${c.level}`);
    levelScope.scope = {
      complete: Object.keys(unassessed).length === 0,
      unassessed: Object.keys(unassessed),
      connect: { ...unassessed },
      outOfScope: { ...outOfScope },
    };
    levelScope.restsOn =
      `level ${level} (${LEVEL_NAMES[level] ?? 'Basic'}) is the weakest in-scope capability: ${weakest.join(', ') || 'identity'} at L${level}` +
      (others.length ? `; ${others.join(', ')}` : '') +
      (Object.keys(outOfScope).length ? `; out of scope: ${Object.keys(outOfScope).join(', ')}` : '');
  }

  const report: Report = {
    schemaVersion: 1,
    tenant: { id: tenantId, name: opts.tenantName ?? 'Contoso Ltd' },
    scan: {
      id,
      startedAt,
      finishedAt,
      status,
      collectors: [
        { id: 'm365', status: 'ok', durationMs: 8123, requests: 14, error: null },
        {
          id: 'ninjaone',
          status: status === 'complete' ? 'ok' : 'partial',
          durationMs: 20311,
          requests: 31,
          error: status === 'complete' ? null : 'alerts: 503 after retries',
        },
        { id: 'veeam-vbr', status: 'skipped', durationMs: 0, requests: 0, error: null },
      ],
    },
    level: {
      value: level,
      name: LEVEL_NAMES[level] ?? 'Basic',
      potential,
      confirmed: level === potential,
      blockers: ['mfa-user-coverage', 'patch-compliance'],
      unknown: level === potential ? [] : ['secure-score'],
      ...levelScope,
    },
    capabilities,
    findings,
    evidence,
    regression: {
      detected: opts.regressionDetected ?? false,
      confirmed: opts.regressionConfirmed ?? false,
      previousLevel: opts.regressionDetected ? level + 1 : level,
      drops: opts.regressionDetected
        ? [
            {
              kind: 'capability',
              id: 'endpoint',
              from: 75,
              to: 60,
              rules: [
                {
                  ruleId: 'patch-compliance',
                  from: 'pass',
                  to: 'fail',
                  observed: '102 of 120 devices compliant (85 %)',
                  expected: '≥ 90 %',
                },
              ],
            },
          ]
        : [],
      lostVisibility: ['rmm.alerts'],
    },
    roadmap: [
      {
        ruleId: 'mfa-user-coverage',
        capability: 'identity',
        toLevel: 4,
        outcome: 'partial',
        gap: '13 members still to register',
        remediation: 'Run a registration campaign',
        weight: 3,
      },
    ],
  };

  const bundle: EvidenceBundle = { tenantId, sources: ['m365', 'rmm'], collectedAt, evidence };

  return {
    id,
    tenantId,
    startedAt,
    finishedAt,
    status,
    rulesVersion: opts.rulesVersion ?? 'sha256:5f1d0c3a9e',
    // structuredClone: report.evidence and bundle.evidence must not be the same array, or a test that mutates
    // one (to provoke a constraint violation) would silently change the other.
    report: structuredClone(report),
    bundle,
  };
}

/** `count` scans of one tenant, one hour apart, oldest first; ids end in a zero-padded index. */
export function sampleHistory(count: number, opts: Omit<SampleScanOptions, 'id' | 'startedAt'> = {}): StoredScan[] {
  const tenantId = opts.tenantId ?? 'contoso';
  const t0 = Date.parse('2025-01-01T00:00:00.000Z');
  return Array.from({ length: count }, (_, i) =>
    sampleScan({
      ...opts,
      tenantId,
      id: `scan-${tenantId}-${String(i).padStart(4, '0')}`,
      startedAt: new Date(t0 + i * 3_600_000).toISOString(),
    }),
  );
}
