/**
 * An in-memory `WebService` for the web UI's own tests: fixture tenants built from the sample scans of the store
 * tests, with history, regression episodes, attestations and an audit log, and the same scoping rule as the real
 * service (a tenant outside the principal's scope is `null`). Some tenant data is hostile on purpose.
 */
import type { Evidence } from '../../src/domain/evidence.js';
import type { Episode } from '../../src/domain/episode.js';
import type { Report } from '../../src/domain/report.js';
import type { ScanSummary } from '../../src/domain/scan-summary.js';
import type { StoredScan } from '../../src/store/store.js';
import { canSeeTenant, hasRole, type Principal } from '../../src/domain/principal.js';
import { type Attestation, type AttestationKind, type AttestationStatus } from '../../src/domain/attestation.js';
import { type AuditEntry } from '../../src/domain/audit.js';
import { type OffenderPage, type ScanDiff, type TenantSummary, type WebService } from '../../src/web/contracts.js';
import { sampleScan, type SampleScanOptions } from '../helpers/sample-scan.js';

export const HOSTILE = '<img src=x onerror=alert(1)><script>window.__pwned=1</script>';

interface FakeTenant {
  id: string;
  name: string;
  /** Oldest first. */
  scans: StoredScan[];
  episodes: Episode[];
}

const DAY = 86_400_000;

function summarize(s: StoredScan): ScanSummary {
  return {
    id: s.id,
    tenantId: s.tenantId,
    startedAt: s.startedAt,
    finishedAt: s.finishedAt,
    status: s.status,
    level: s.report.level.value,
    potential: s.report.level.potential,
    confirmed: s.report.level.confirmed,
    regressionDetected: s.report.regression.detected,
    regressionConfirmed: s.report.regression.confirmed,
    capabilities: s.report.capabilities.map((c) => ({ id: c.id, level: c.level, score: c.score, coverage: c.coverage })),
  };
}

/** A scan with a given level and score offsets, so the history chart has something to draw. */
function scanAt(
  tenantId: string,
  name: string,
  i: number,
  t0: number,
  level: number,
  opts: { status?: 'complete' | 'partial' | 'failed'; bump?: number; offenders?: string[]; hostile?: boolean; scope?: SampleScanOptions['scope'] } = {},
): StoredScan {
  const s = sampleScan({
    tenantId,
    tenantName: name,
    id: `scan-${tenantId}-${String(i).padStart(4, '0')}`,
    startedAt: new Date(t0 + i * DAY).toISOString(),
    status: opts.status ?? 'complete',
    level,
    potential: Math.max(level, 3),
    offendersPerEvidence: 120,
    ...(opts.scope ? { scope: opts.scope } : {}),
  });
  const bump = opts.bump ?? 0;
  s.report.capabilities = s.report.capabilities.map((c, ci) =>
    c.score === null ? c : { ...c, level: c.id === 'identity' ? level : c.level, score: Math.max(0, Math.min(100, Math.round((c.score + bump * (ci + 1) + Math.sin(i + ci) * 4) * 10) / 10)) },
  );
  if (level < 3) {
    const enforced = s.report.findings.find((x) => x.ruleId === 'mfa-enforced')!;
    Object.assign(enforced, { outcome: 'fail', score: 0, observed: 'the all-users MFA policy is in report-only mode', measured: false });
    s.report.level.blockers = ['mfa-enforced', ...s.report.level.blockers];
  }
  const reg = s.report.evidence.find((e) => e.key === 'm365.mfa.registration')!;
  const value = reg.value as Record<string, unknown>;
  if (opts.offenders) value.unregistered = [...opts.offenders, ...(value.unregistered as string[])];
  value.unregisteredTotal = (value.unregistered as string[]).length + 7; // capped at collection: 7 more than listed
  if (opts.hostile) {
    s.report.evidence.push({
      key: 'm365.devices.compliance',
      status: 'ok',
      value: { total: 12, compliant: 10, pct: 83.3, nonCompliant: [HOSTILE, 'LAPTOP-7'], nonCompliantTotal: 2, deviceNote: HOSTILE },
      reason: null,
      reasonCode: null,
      source: { collector: 'm365', endpoints: ['/deviceManagement/managedDevices'], requests: 1 },
      collectedAt: s.report.scan.finishedAt,
    });
    s.report.findings.push({
      ruleId: 'device-compliance',
      title: 'Intune-managed devices are compliant',
      capability: 'endpoint',
      level: 3,
      outcome: 'fail',
      score: 0,
      evidence: ['m365.devices.compliance'],
      observed: `10 of 12 compliant; worst offender ${HOSTILE}`,
      expected: '≥ 85 %',
      remediation: 'Remediate non-compliant devices.',
      weight: 2,
      critical: false,
      advisory: false,
      measured: 83.3,
      reason: null,
    });
  }
  s.bundle.evidence = structuredClone(s.report.evidence);
  return s;
}

export function fixtureTenants(now = Date.parse('2026-03-01T06:00:00Z')): FakeTenant[] {
  const t0 = now - 30 * DAY;
  const contosoScans = Array.from({ length: 30 }, (_, i) => {
    const level = i < 8 ? 2 : i < 24 ? 3 : 2;
    // Older scans predate scope (no level.scope); the newer ones have a complete scope.
    return scanAt('contoso', 'Contoso Ltd', i, t0, level, { bump: i < 24 ? i / 6 : -4, status: i === 12 ? 'partial' : i === 18 ? 'failed' : 'complete', ...(i >= 20 ? { scope: {} } : {}) });
  });
  const last = contosoScans[contosoScans.length - 1]!;
  last.report.regression = {
    detected: true,
    confirmed: true,
    previousLevel: 3,
    drops: [{ kind: 'level', id: 'overall', from: 3, to: 2, rules: [{ ruleId: 'mfa-user-coverage', from: 'pass', to: 'partial', observed: '37 of 50 enabled members registered (74 %)', expected: '≥ 90 %' }] }],
    lostVisibility: ['rmm.alerts'],
  };
  const contosoEpisodes: Episode[] = [
    {
      id: 'ep-contoso-1',
      tenantId: 'contoso',
      kind: 'regression',
      state: 'confirmed',
      openedAt: contosoScans[24]!.finishedAt,
      openedScanId: contosoScans[24]!.id,
      baselineScanId: contosoScans[23]!.id,
      confirmedAt: contosoScans[25]!.finishedAt,
      confirmedScanId: contosoScans[25]!.id,
      closedAt: null,
      closedScanId: null,
      confirmations: 6,
      previousLevel: 3,
      currentLevel: 2,
      drops: last.report.regression.drops,
      lostKeys: [],
      acknowledgedAt: null,
      acknowledgedBy: null,
      acknowledgement: null,
    },
    {
      id: 'ep-contoso-0',
      tenantId: 'contoso',
      kind: 'visibility',
      state: 'closed',
      openedAt: contosoScans[10]!.finishedAt,
      openedScanId: contosoScans[10]!.id,
      baselineScanId: contosoScans[9]!.id,
      confirmedAt: null,
      confirmedScanId: null,
      closedAt: contosoScans[14]!.finishedAt,
      closedScanId: contosoScans[14]!.id,
      confirmations: 0,
      previousLevel: 3,
      currentLevel: 3,
      drops: [],
      lostKeys: ['rmm.alerts'],
      acknowledgedAt: null,
      acknowledgedBy: null,
      acknowledgement: null,
    },
  ];
  // Fabrikam has no backup connected: recovery is unassessed. Tailspin's backup is run by the client's own provider.
  const fabrikam = Array.from({ length: 6 }, (_, i) =>
    scanAt('fabrikam', 'Fabrikam Inc', i, now - 6 * DAY, i < 3 ? 1 : 2, { status: i === 5 ? 'partial' : 'complete', scope: { unassessed: { recovery: 'a backup product (config section backup)' } } }),
  );
  const tailspin = Array.from({ length: 12 }, (_, i) => scanAt('tailspin', 'Tailspin Toys', i, now - 12 * DAY, 4, { bump: 3, scope: { outOfScope: { recovery: "backup run by the client's own provider" } } }));
  const hostile = [scanAt('evil', `${HOSTILE} Evil Corp`, 0, now - DAY, 1, { hostile: true, offenders: [HOSTILE], scope: { outOfScope: { monitoring: HOSTILE } } })];
  return [
    { id: 'contoso', name: 'Contoso Ltd', scans: contosoScans, episodes: contosoEpisodes },
    { id: 'fabrikam', name: 'Fabrikam Inc', scans: fabrikam, episodes: [] },
    { id: 'tailspin', name: 'Tailspin Toys', scans: tailspin, episodes: [] },
    { id: 'evil', name: `${HOSTILE} Evil Corp`, scans: hostile, episodes: [] },
    { id: 'newco', name: 'NewCo (not scanned)', scans: [], episodes: [] },
  ];
}

function describe(e: Evidence | undefined): string {
  if (!e) return 'absent';
  if (e.status !== 'ok') return `${e.status}${e.reason ? `: ${e.reason}` : ''}`;
  const v = e.value ?? {};
  return Object.entries(v)
    .filter(([, x]) => typeof x !== 'object' || x === null)
    .map(([k, x]) => `${k}=${String(x)}`)
    .join(', ');
}

export class FakeWebService implements WebService {
  readonly tenantsById = new Map<string, FakeTenant>();
  readonly attestationList: Attestation[] = [];
  readonly audit: AuditEntry[] = [];
  readonly scanRequests: string[] = [];
  private seq = 0;

  constructor(
    tenants: FakeTenant[] = fixtureTenants(),
    private readonly clock: () => Date = () => new Date('2026-03-01T06:00:00Z'),
  ) {
    for (const t of tenants) this.tenantsById.set(t.id, t);
    this.attestationList.push(
      { id: 'att-1', tenantId: 'contoso', kind: 'dr_plan', note: 'DR plan v3 reviewed with the client.', fileRef: 'https://docs.example/contoso/dr-plan-v3.pdf', author: 'alice@msp', attestedAt: '2026-01-10T00:00:00.000Z', expiresAt: '2027-01-10T23:59:59.999Z', createdAt: '2026-01-10T09:12:00.000Z', revokedAt: null, revokedBy: null },
      { id: 'att-2', tenantId: 'contoso', kind: 'restore_test', note: `Restore of FS01 tested ${HOSTILE}`, fileRef: null, author: 'bob@msp', attestedAt: '2025-01-05T00:00:00.000Z', expiresAt: '2025-07-05T23:59:59.999Z', createdAt: '2025-01-05T10:00:00.000Z', revokedAt: null, revokedBy: null },
    );
  }

  private visible(p: Principal, id: string): FakeTenant | null {
    const t = this.tenantsById.get(id);
    return t && canSeeTenant(p, id) ? t : null;
  }

  private log(p: Principal, action: string, tenantId: string | null, target: string | null, detail: Record<string, unknown>): void {
    this.audit.unshift({ id: `au-${++this.seq}`, at: this.clock().toISOString(), actor: p.name, action, tenantId, target, detail });
  }

  private requireTech(p: Principal): void {
    if (!hasRole(p, 'technician')) throw Object.assign(new Error('forbidden'), { statusCode: 403 });
  }

  private summary(t: FakeTenant): TenantSummary {
    const last = t.scans[t.scans.length - 1];
    const r = last?.report;
    return {
      id: t.id,
      name: t.name,
      level: r ? r.level.value : null,
      levelName: r ? r.level.name : null,
      potential: r ? r.level.potential : null,
      confirmed: r ? r.level.confirmed : null,
      capabilities: r ? r.capabilities.map((c) => ({ id: c.id, name: c.name, level: c.level, score: c.score, coverage: c.coverage })) : [],
      scope: r?.level.scope ?? null,
      restsOn: r?.level.restsOn ?? null,
      lastScan: last ? { id: last.id, finishedAt: last.finishedAt, status: last.status } : null,
      openRegressions: t.episodes.filter((e) => e.kind === 'regression' && e.state !== 'closed').length,
      sparkline: t.scans.slice(-30).map((s) => ({ at: s.finishedAt, level: s.report.level.value, status: s.status })),
    };
  }

  async tenants(p: Principal): Promise<TenantSummary[]> {
    return [...this.tenantsById.values()].filter((t) => canSeeTenant(p, t.id)).map((t) => this.summary(t));
  }

  async tenant(p: Principal, tenantId: string): Promise<{ summary: TenantSummary; report: Report | null } | null> {
    const t = this.visible(p, tenantId);
    if (!t) return null;
    return { summary: this.summary(t), report: t.scans[t.scans.length - 1]?.report ?? null };
  }

  async scans(p: Principal, tenantId: string, limit = 50): Promise<ScanSummary[] | null> {
    const t = this.visible(p, tenantId);
    return t ? [...t.scans].reverse().slice(0, limit).map(summarize) : null;
  }

  async scan(p: Principal, tenantId: string, scanId: string): Promise<Report | null> {
    return this.visible(p, tenantId)?.scans.find((s) => s.id === scanId)?.report ?? null;
  }

  async evidence(p: Principal, tenantId: string, scanId: string, key: string, page = 1, pageSize = 50): Promise<{ evidence: Evidence; offenders: OffenderPage[] } | null> {
    const report = await this.scan(p, tenantId, scanId);
    const evidence = report?.evidence.find((e) => e.key === key);
    if (!evidence) return null;
    const value = (evidence.value ?? {}) as Record<string, unknown>;
    const offenders: OffenderPage[] = Object.entries(value)
      .filter(([, v]) => Array.isArray(v) && v.every((x) => typeof x === 'string'))
      .map(([field, v]) => {
        const all = v as string[];
        const total = typeof value[`${field}Total`] === 'number' ? (value[`${field}Total`] as number) : all.length;
        return { field, items: all.slice((page - 1) * pageSize, page * pageSize), total, page, pageSize };
      });
    return { evidence, offenders };
  }

  async diff(p: Principal, tenantId: string, fromScanId: string, toScanId: string): Promise<ScanDiff | null> {
    const a = await this.scan(p, tenantId, fromScanId);
    const b = await this.scan(p, tenantId, toScanId);
    if (!a || !b) return null;
    return {
      from: { id: a.scan.id, finishedAt: a.scan.finishedAt, level: a.level.value },
      to: { id: b.scan.id, finishedAt: b.scan.finishedAt, level: b.level.value },
      capabilities: b.capabilities.map((c) => {
        const o = a.capabilities.find((x) => x.id === c.id);
        return { id: c.id, fromLevel: o?.level ?? 1, toLevel: c.level, fromScore: o?.score ?? null, toScore: c.score };
      }),
      rules: b.findings
        .map((fb) => ({ fb, fa: a.findings.find((x) => x.ruleId === fb.ruleId) }))
        .filter(({ fa, fb }) => !fa || fa.outcome !== fb.outcome || fa.observed !== fb.observed)
        .map(({ fa, fb }) => ({ ruleId: fb.ruleId, capability: fb.capability, from: fa?.outcome ?? 'absent', to: fb.outcome, fromObserved: fa?.observed ?? '', toObserved: fb.observed })),
      evidence: b.evidence
        .map((eb) => ({ key: eb.key, from: describe(a.evidence.find((x) => x.key === eb.key)), to: describe(eb) }))
        .filter((x) => x.from !== x.to),
    };
  }

  async episodes(p: Principal, tenantId: string): Promise<Episode[] | null> {
    const t = this.visible(p, tenantId);
    return t ? [...t.episodes].sort((x, y) => y.openedAt.localeCompare(x.openedAt)) : null;
  }

  async acknowledge(p: Principal, tenantId: string, episodeId: string, comment: string): Promise<Episode | null> {
    this.requireTech(p);
    const e = this.visible(p, tenantId)?.episodes.find((x) => x.id === episodeId);
    if (!e) return null;
    e.acknowledgedAt = this.clock().toISOString();
    e.acknowledgedBy = p.name;
    e.acknowledgement = comment;
    this.log(p, 'episode.acknowledge', tenantId, episodeId, { comment });
    return e;
  }

  async scanNow(p: Principal, tenantId: string): Promise<{ queued: boolean; reason?: string } | null> {
    this.requireTech(p);
    if (!this.visible(p, tenantId)) return null;
    if (tenantId === 'fabrikam') return { queued: false, reason: 'a scan of fabrikam is already running' };
    this.scanRequests.push(tenantId);
    this.log(p, 'scan.queue', tenantId, null, {});
    return { queued: true };
  }

  private status(a: Attestation): AttestationStatus {
    if (a.revokedAt) return 'revoked';
    return Date.parse(a.expiresAt) <= this.clock().getTime() ? 'expired' : 'valid';
  }

  async attestations(p: Principal, tenantId: string): Promise<Array<Attestation & { status: AttestationStatus }> | null> {
    if (!this.visible(p, tenantId)) return null;
    return this.attestationList.filter((a) => a.tenantId === tenantId).map((a) => ({ ...a, status: this.status(a) }));
  }

  async recordAttestation(p: Principal, tenantId: string, input: { kind: AttestationKind; note: string; fileRef?: string | null; attestedAt: string; expiresAt: string }): Promise<Attestation | null> {
    this.requireTech(p);
    if (!this.visible(p, tenantId)) return null;
    const a: Attestation = { id: `att-${++this.seq}`, tenantId, kind: input.kind, note: input.note, fileRef: input.fileRef ?? null, author: p.name, attestedAt: input.attestedAt, expiresAt: input.expiresAt, createdAt: this.clock().toISOString(), revokedAt: null, revokedBy: null };
    this.attestationList.push(a);
    this.log(p, 'attestation.record', tenantId, a.id, { kind: a.kind, expiresAt: a.expiresAt });
    return a;
  }

  async revokeAttestation(p: Principal, tenantId: string, attestationId: string): Promise<Attestation | null> {
    this.requireTech(p);
    if (!this.visible(p, tenantId)) return null;
    const a = this.attestationList.find((x) => x.id === attestationId && x.tenantId === tenantId);
    if (!a) return null;
    a.revokedAt = this.clock().toISOString();
    a.revokedBy = p.name;
    this.log(p, 'attestation.revoke', tenantId, a.id, { kind: a.kind });
    return a;
  }

  async auditLog(p: Principal, tenantId?: string, limit = 100): Promise<AuditEntry[]> {
    return this.audit.filter((e) => (tenantId ? e.tenantId === tenantId : e.tenantId === null || canSeeTenant(p, e.tenantId))).slice(0, limit);
  }
}
