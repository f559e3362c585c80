/**
 * A stored history for the client-report tests: a real SQLite store filled with weekly scans of one tenant over Q4
 * 2026 in which patching improves (85 % → 96 % of devices compliant) and MFA enforcement slips (a Conditional Access
 * policy turned off), one regression episode, and two attestations (one valid, one expired). The facts the tests
 * check are exported beside it, so a test compares the rendered report with what was stored, not with literals.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sampleScan } from '../../../test/helpers/sample-scan.js';
import type { Finding } from '../../domain/assessment.js';
import type { Attestation } from '../../domain/attestation.js';
import type { Episode } from '../../domain/episode.js';
import { SqliteStore } from '../../store/index.js';
import type { StoredScan } from '../../store/store.js';

export const TENANT = { id: 'contoso', name: 'Contoso Pharmacy Group' };
export const TITLES: Record<string, string> = {
  'mfa-user-coverage': 'Members registered for MFA',
  'mfa-enforced': 'MFA enforced for every user',
  'patch-compliance': 'Devices patched within policy',
};
export const PATCH_BEFORE = '102 of 120 devices compliant (85 %)';
export const PATCH_AFTER = '115 of 120 devices compliant (96 %)';
export const MFA_AFTER = 'the Conditional Access policy requiring MFA is switched off';
/** Finished dates of the scans inside Q4 2026 (one more, on 2026-09-21, lies before it). */
export const Q4_STARTS = ['2026-10-05', '2026-10-12', '2026-10-19', '2026-10-26', '2026-11-02', '2026-11-09', '2026-11-16', '2026-11-23', '2026-11-30'];
/** Endpoint score per Q4 scan (it climbs as patching improves). */
export const ENDPOINT_SCORES = [40, 42, 45, 48, 52, 55, 58, 60, 62.5];

function retitle(f: Finding): Finding {
  return { ...f, title: TITLES[f.ruleId] ?? f.title };
}

function scanAt(day: string, i: number, late: boolean): StoredScan {
  const s = sampleScan({ tenantId: TENANT.id, tenantName: TENANT.name, id: `scan-${day}`, startedAt: `${day}T02:00:00.000Z`, level: late ? 3 : 2, potential: 3, scope: {} });
  const r = s.report;
  r.findings = r.findings.map((f) => {
    const g = retitle(f);
    if (late && g.ruleId === 'patch-compliance') return { ...g, outcome: 'pass', score: 1, observed: PATCH_AFTER, measured: 96 };
    if (!late && g.ruleId === 'patch-compliance') return { ...g, observed: PATCH_BEFORE };
    if (late && g.ruleId === 'mfa-enforced') return { ...g, outcome: 'fail', score: 0, observed: MFA_AFTER, measured: false, remediation: 'Turn the "Require MFA for all users" Conditional Access policy back on' };
    return g;
  });
  const endpoint = r.capabilities.find((c) => c.id === 'endpoint')!;
  endpoint.score = ENDPOINT_SCORES[i] ?? 30;
  endpoint.snapshotScore = endpoint.score;
  endpoint.level = endpoint.score >= 50 ? 3 : 2;
  return s;
}

export interface SeededHistory {
  store: SqliteStore;
  dbPath: string;
  dir: string;
}

/** Opens a fresh SQLite store under a temp folder and stores the history; the caller closes the store. */
export async function seedHistory(dir = mkdtempSync(join(tmpdir(), 'ratchet-client-report-'))): Promise<SeededHistory> {
  const dbPath = join(dir, 'history.db');
  const store = new SqliteStore(dbPath);
  await store.migrate();
  await store.saveScan(scanAt('2026-09-21', -1, false));
  for (const [i, day] of Q4_STARTS.entries()) {
    const late = i >= 6;
    const scan = scanAt(day, i, late);
    const effects: { episodes?: Episode[] } = {};
    if (i === 6) {
      effects.episodes = [
        {
          id: 'ep-mfa',
          tenantId: TENANT.id,
          kind: 'regression',
          state: 'confirmed',
          openedAt: scan.finishedAt,
          openedScanId: scan.id,
          baselineScanId: `scan-${Q4_STARTS[5]}`,
          confirmedAt: scan.finishedAt,
          confirmedScanId: scan.id,
          closedAt: null,
          closedScanId: null,
          confirmations: 2,
          previousLevel: 3,
          currentLevel: 2,
          drops: [{ kind: 'capability', id: 'identity', from: 82.5, to: 60, rules: [{ ruleId: 'mfa-enforced', from: 'pass', to: 'fail', observed: MFA_AFTER, expected: 'enforced for all users' }] }],
          lostKeys: [],
          acknowledgedAt: null,
          acknowledgedBy: null,
          acknowledgement: null,
        },
      ];
    }
    await store.saveScan(scan, effects);
  }
  const attestation = (kind: Attestation['kind'], attestedAt: string, expiresAt: string, note: string): Attestation => ({
    id: `att-${kind}`,
    tenantId: TENANT.id,
    kind,
    note,
    fileRef: null,
    author: 'tech@msp.example',
    attestedAt,
    expiresAt,
    createdAt: attestedAt,
    revokedAt: null,
    revokedBy: null,
  });
  await store.saveAttestation(attestation('restore_test', '2026-10-20T10:00:00.000Z', '2027-01-18T10:00:00.000Z', 'Restored the file server to a sandbox in 42 minutes'));
  await store.saveAttestation(attestation('dr_plan', '2025-09-01T10:00:00.000Z', '2026-09-01T10:00:00.000Z', 'DR plan v2 signed off by the practice manager'));
  return { store, dbPath, dir };
}
